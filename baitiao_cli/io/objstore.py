"""Object-store data folders: ``--data-dir s3://bucket/prefix`` (docs/formats.md, "Where the files live").

A data folder named by a URI is read through ``pyarrow.fs`` (imported here only, and only when a
URI is given: ``--help``, ``quote`` and the single-customer commands never load pyarrow). The
files are found under the prefix exactly as in a local folder (same names, same formats) and read
whole, as local files are; every problem names the object by its URI
(``s3://b/p/transactions.csv:12: amount: ...``).

- Schemes: ``s3://`` only (Amazon S3 and S3-compatible stores: MinIO, Ceph...). Any other
  ``scheme://`` is a usage error (exit 2).
- Settings, from the environment as the AWS tools read them: ``AWS_ACCESS_KEY_ID``,
  ``AWS_SECRET_ACCESS_KEY`` (and ``AWS_SESSION_TOKEN``) or the other sources of the AWS SDK's
  chain (``~/.aws/credentials``, ``AWS_PROFILE``, an instance role); ``AWS_REGION`` or
  ``AWS_DEFAULT_REGION``; ``AWS_ENDPOINT_URL_S3`` or ``AWS_ENDPOINT_URL`` for another endpoint
  (``http://minio:9000``).
- A short connect timeout (``CONNECT_TIMEOUT``) and few attempts: an unreachable endpoint, a
  missing bucket, refused credentials are a plain message and exit 1, never a hang.
- Read only: the journals need a local filesystem (a lock, fsync, an atomic append), so the
  posting commands and every ``--out`` refuse a URI (``require_local``, ``local_output``: exit 2).

``ObjectPath`` offers the part of ``pathlib.Path`` the loader uses (``/``, ``name``, ``suffix``,
``exists``, ``is_file``, ``is_dir``, ``glob``, ``stat``, ``read_bytes``); a folder is listed once
(one LIST request) and the answer shared by the paths under it. It pickles as its URI alone:
a Dask worker opens its own connection with its own environment.
"""

from __future__ import annotations

import fnmatch
import os
import posixpath
import re
from pathlib import Path
from typing import Any, NamedTuple, Optional, Union

from ..errors import RefusedError, UsageError

SCHEMES = ("s3",)
CONNECT_TIMEOUT = 5.0           # seconds to open a connection to the endpoint
REQUEST_TIMEOUT = 30.0          # seconds without a byte on an open connection (a stalled endpoint)
ATTEMPTS = 2                    # tries of one request (the AWS SDK's standard retry strategy)
_URI = re.compile(r"([A-Za-z][A-Za-z0-9+.-]*)://(.*)", re.S)
LOCAL_ONLY = ("the journals need a local folder (a lock, fsync, an atomic append); "
              "object-store data folders are read-only")


def is_uri(value: Any) -> bool:
    """``scheme://...`` (a data folder or an output named by a URI), or an ``ObjectPath``."""
    return isinstance(value, ObjectPath) or (isinstance(value, str) and _URI.match(value.strip()) is not None)


def data_folder(value: Union[str, Path, "ObjectPath"], what: str = "--data-dir") -> Union[Path, "ObjectPath"]:
    """A local ``Path``, or an ``ObjectPath`` for ``s3://bucket/prefix``; UsageError (exit 2) for
    another scheme or a URI without a bucket."""
    if isinstance(value, (Path, ObjectPath)):
        return value
    m = _URI.match(value.strip())
    if m is None:
        return Path(value)
    scheme = m.group(1).lower()
    if scheme not in SCHEMES:
        raise UsageError(f"{what}: {value}: unsupported scheme {scheme}:// (a data folder is a local folder "
                         f"or {', '.join(s + '://bucket/prefix' for s in SCHEMES)})")
    bucket, _, prefix = m.group(2).partition("/")
    if not re.fullmatch(r"[a-z0-9][a-z0-9.\-]{1,61}[a-z0-9]", bucket):
        raise UsageError(f"{what}: {value}: not a bucket name after {scheme}:// "
                         "(3 to 63 lower-case letters, digits, '.' or '-')")
    prefix = "/".join(p for p in prefix.split("/") if p)
    return ObjectPath(f"{scheme}://{bucket}" + (f"/{prefix}" if prefix else ""))


def require_local(data_dir: Any, what: str) -> None:
    """UsageError (exit 2) when ``what`` (a command that writes a journal) is given an object-store folder."""
    if is_uri(data_dir):
        raise UsageError(f"{what}: the data folder {data_dir} (--data-dir or data.dir) is in an object store: "
                         f"{what} appends to a journal, "
                         f"and {LOCAL_ONLY}; run it on a local copy of the folder")


def local_output(value: Optional[str], name: str) -> Optional[str]:
    """``value`` of an output option (``--out``), refused (UsageError, exit 2) when it is a URI."""
    if value is not None and is_uri(value):
        raise UsageError(f"{name}: {value}: outputs are written to a local file or folder only "
                         "(object-store data folders are read-only)")
    return value


class _Stat(NamedTuple):
    st_size: int


class _Store:
    """One bucket's filesystem (made on first use) and the listings of its folders."""

    def __init__(self, scheme: str, bucket: str):
        self.scheme, self.bucket = scheme, bucket
        self._fs = None
        self.listings: dict = {}          # folder key -> {name: FileInfo}

    def fs(self):
        if self._fs is None:
            from pyarrow import fs

            env = os.environ
            self._fs = fs.S3FileSystem(
                region=env.get("AWS_REGION") or env.get("AWS_DEFAULT_REGION") or None,
                endpoint_override=env.get("AWS_ENDPOINT_URL_S3") or env.get("AWS_ENDPOINT_URL") or None,
                connect_timeout=CONNECT_TIMEOUT, request_timeout=REQUEST_TIMEOUT,
                retry_strategy=fs.AwsStandardS3RetryStrategy(max_attempts=ATTEMPTS))
        return self._fs

    def listing(self, folder: str, uri: str) -> dict:
        """``{name: FileInfo}`` of the objects right under ``folder`` (empty: no such folder)."""
        if folder not in self.listings:
            from pyarrow import fs

            try:
                infos = self.fs().get_file_info(fs.FileSelector(folder, allow_not_found=True))
            except OSError as e:
                raise RefusedError(unreachable(uri, e)) from None
            self.listings[folder] = {posixpath.basename(i.path): i for i in infos}
        return self.listings[folder]

    def bucket_exists(self, uri: str) -> bool:
        from pyarrow import fs

        try:
            return self.fs().get_file_info(self.bucket).type != fs.FileType.NotFound
        except OSError as e:
            raise RefusedError(unreachable(uri, e)) from None


def unreachable(uri: str, e: OSError) -> str:
    """A plain message for a failed request (no traceback), with what to check."""
    text = " ".join(str(e).split())
    refused = re.search(r"ACCESS_DENIED|ACCESS_KEY|SIGNATURE|credential|HTTP status 403", text, re.I)
    hint = ("check AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY" if refused
            else "check AWS_ENDPOINT_URL, AWS_DEFAULT_REGION and the network")
    return f"{uri}: cannot read the object store ({hint}): {text}"


class ObjectPath:
    """An object or a folder (a key prefix) in an object store: what the loader uses of ``Path``."""

    def __init__(self, uri: str, store: Optional[_Store] = None):
        self.uri = uri
        scheme, _, rest = uri.partition("://")
        bucket, _, self.key = rest.partition("/")
        self._store = store if store is not None else _Store(scheme, bucket)

    def __reduce__(self):
        return ObjectPath, (self.uri,)    # (the URI alone: a worker connects with its own environment)

    def __str__(self) -> str:
        return self.uri

    def __repr__(self) -> str:
        return f"ObjectPath({self.uri!r})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, ObjectPath) and other.uri == self.uri

    def __hash__(self) -> int:
        return hash(self.uri)

    def __truediv__(self, name: str) -> "ObjectPath":
        return ObjectPath(f"{self.uri}/{name}", self._store)

    @property
    def name(self) -> str:
        return posixpath.basename(self.key) or self._store.bucket

    @property
    def suffix(self) -> str:
        return posixpath.splitext(self.name)[1]

    def resolve(self) -> "ObjectPath":
        return self

    def _path(self) -> str:
        return f"{self._store.bucket}/{self.key}" if self.key else self._store.bucket

    def _info(self):
        folder = posixpath.dirname(self._path())
        return self._store.listing(folder, self.uri).get(self.name)

    def is_dir(self) -> bool:
        return bool(self._store.listing(self._path(), self.uri))

    def not_found(self) -> str:
        """Why ``is_dir()`` is False, in words."""
        if not self._store.bucket_exists(self.uri):
            return f"bucket {self._store.bucket} not found (--data-dir or data.dir in the config)"
        return "data folder not found: no object under this prefix (--data-dir or data.dir in the config)"

    def exists(self) -> bool:
        return self._info() is not None

    def is_file(self) -> bool:
        from pyarrow import fs

        info = self._info()
        return info is not None and info.type == fs.FileType.File

    def glob(self, pattern: str) -> list:
        return [self / name for name in sorted(self._store.listing(self._path(), self.uri))
                if fnmatch.fnmatchcase(name, pattern)]

    def stat(self) -> _Stat:
        info = self._info()
        if info is None:
            raise FileNotFoundError(self.uri)
        return _Stat(info.size or 0)

    def read_bytes(self) -> bytes:
        with self._store.fs().open_input_stream(self._path()) as f:
            return f.readall()

    def open_input_file(self):
        """A random-access file (for a Parquet reader)."""
        return self._store.fs().open_input_file(self._path())
