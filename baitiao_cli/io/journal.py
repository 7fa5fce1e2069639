"""Append-only journals (repayments, deferrals): locked, whole-record, fsynced appends.

Rules (SPEC 4.5, 6; issue 4):
- An exclusive lock is held around read-check-append: callers do their checks inside
  :func:`journal_lock` so two processes can never both decide a ref is new.
- A record is written with one ``write`` of the whole line on an ``O_APPEND`` descriptor,
  then flushed and fsynced. Nothing is ever rewritten in place.
- A journal whose last line is torn (no trailing newline: a crash mid-write) is never
  appended to; the loader reports the torn line with its number.

The lock is taken on the data directory itself (``flock`` on a directory descriptor), so no
lock file is left lying around, and it also covers the creation of a new journal.

Around the append, for a posting (``services.posting``): :func:`refuse_torn_journals` before
anything is read, :func:`journal_path` (the file a new record goes to), :func:`fit_record`
(a default value a CSV header has no column for), :func:`check_appendable` (a dry run refuses
what the append would) and :func:`append_or_refuse` (an OS error as a refusal).
"""

from __future__ import annotations

import csv
import io
import json
import os
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator, Mapping, Sequence

from ..errors import RefusedError

try:  # POSIX
    import fcntl
except ImportError:  # pragma: no cover - Windows: no advisory locks; single writer assumed
    fcntl = None  # type: ignore[assignment]


@contextmanager
def journal_lock(data_dir: Path) -> Iterator[None]:
    """Hold an exclusive advisory lock on the data directory (blocks until granted)."""
    fd = os.open(str(data_dir), os.O_RDONLY)
    try:
        if fcntl is not None:
            fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        if fcntl is not None:
            fcntl.flock(fd, fcntl.LOCK_UN)
        os.close(fd)


def _detect_encoding(raw: bytes) -> str:
    try:
        raw.decode("utf-8")
        return "utf-8"
    except UnicodeDecodeError:
        return "gb18030"


def _norm_column(name: str) -> str:
    return name.strip().strip("\ufeff").strip().lower()   # as io.readers.norm_column


def _csv_line(values: Sequence[str]) -> str:
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\n").writerow(values)
    return buf.getvalue()


def encode_record(path: Path, record: Mapping[str, str], columns: Sequence[str]) -> bytes:
    """The exact bytes to append for ``record`` (with a header first when the file is new).

    CSV follows the existing header's column order (columns it lacks are left out only if
    empty; a non-empty value for a missing column is refused); JSONL writes one object.
    """
    suffix = path.suffix.lower()
    if suffix == ".parquet":
        raise RefusedError(f"{path}: a Parquet file cannot be appended to; keep the journals "
                           f"(repayments, deferrals...) as JSON Lines (.jsonl) or CSV")
    exists = path.exists() and path.stat().st_size > 0
    raw = path.read_bytes() if exists else b""
    if exists and not raw.endswith(b"\n"):
        raise RefusedError(f"{path}: the last line is incomplete (torn write?); "
                           f"nothing appended — run 'baitiao validate' and repair the journal first")
    if suffix == ".jsonl":
        obj = {k: record.get(k, "") for k in columns if record.get(k, "") != ""}
        return (json.dumps(obj, ensure_ascii=False) + "\n").encode("utf-8")
    if suffix != ".csv":
        raise RefusedError(f"{path}: a JSON array file cannot be appended to; "
                           f"convert it to JSON Lines (.jsonl) or CSV")
    if not exists:
        text = _csv_line(list(columns)) + _csv_line([record.get(c, "") for c in columns])
        return text.encode("utf-8")
    enc = _detect_encoding(raw)
    first = raw.split(b"\n", 1)[0].decode(enc).lstrip("\ufeff").rstrip("\r")
    # the loader reads column names case- and space-insensitively ("Repayment_ID ", "AMOUNT"):
    # match them the same way, or a value would be written under no column at all
    header = [_norm_column(h) for h in next(csv.reader([first]))]
    missing = [c for c in columns if record.get(c, "") != "" and c not in header]
    if missing:
        raise RefusedError(f"{path}: the journal has no column {missing[0]!r}; add it to the header first")
    eol = "\r\n" if raw.split(b"\n", 1)[0].endswith(b"\r") else "\n"
    line = _csv_line([record.get(c, "") for c in header]).rstrip("\n") + eol
    return line.encode(enc)


def append_record(path: Path, record: Mapping[str, str], columns: Sequence[str]) -> None:
    """Append one record in a single write, then fsync. Call inside :func:`journal_lock`."""
    data = encode_record(path, record, columns)
    fd = os.open(str(path), os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
    try:
        written = os.write(fd, data)
        if written != len(data):  # pragma: no cover - regular files write fully or raise
            raise OSError(f"short write to {path}")
        os.fsync(fd)
    finally:
        os.close(fd)
    dfd = os.open(str(path.parent), os.O_RDONLY)
    try:
        os.fsync(dfd)
    finally:
        os.close(dfd)


# --- the journals of a data directory, as a posting uses them -------------------------------------

JOURNALS = ("repayments", "deferrals", "conversions", "adjustments", "reversals", "limits")


def refuse_torn_journals(data_dir: Path) -> None:
    """Refuse when a journal's last line is incomplete (a crash mid-write).

    Checked before anything is read: the loader rejects a torn record it cannot parse, but a
    record cut after a digit ("...,100.00" -> "...,10") would parse, and must never be applied.
    """
    from .loader import find_data_file

    for name in JOURNALS:
        path = find_data_file(data_dir, name)
        if path is None or path.suffix.lower() in (".json", ".parquet"):
            continue
        try:
            size = path.stat().st_size
            if not size:
                continue
            with open(path, "rb") as f:
                f.seek(size - 1)
                last = f.read(1)
        except OSError as e:
            raise RefusedError(f"{path}: cannot read: {e.strerror or e}") from None
        if last != b"\n":
            lines = path.read_bytes().count(b"\n") + 1
            raise RefusedError(
                f"{path}:{lines}: the last line is incomplete (torn write?); nothing was computed or "
                f"written. Repair the journal first (docs/posting.md, 'A torn journal')")


def journal_path(data_dir: Path, name: str, files: Mapping[str, object]) -> Path:
    """The existing ``<name>`` file of the data directory (``files``: the loader's files by
    dataset); else a new one in the format of the transactions file: ``.csv`` for CSV,
    ``.jsonl`` for JSON or JSON Lines (a JSON array cannot be appended to)."""
    path = files.get(name)
    if path is not None:
        return Path(str(path))
    txn = files.get("transactions")
    ext = "csv" if txn is not None and Path(str(txn)).suffix.lower() in (".csv", ".parquet") else "jsonl"
    return Path(data_dir) / f"{name}.{ext}"


def fit_record(path: Path, record: Mapping[str, str], defaults: Mapping[str, str]) -> dict[str, str]:
    """``record`` for an existing CSV journal: an optional column the header lacks is left out
    when the value is its default (``kind = normal`` in a journal without a ``kind`` column)."""
    out = dict(record)
    if path.suffix.lower() != ".csv" or not path.is_file():
        return out
    try:
        with open(path, "rb") as f:
            first = f.readline()
    except OSError:
        return out
    try:
        text = first.decode("utf-8")
    except UnicodeDecodeError:
        text = first.decode("gb18030", errors="replace")
    header = {_norm_column(c) for c in next(csv.reader([text.rstrip("\r\n")]), [])}
    for k, v in defaults.items():
        if out.get(k) == v and k not in header:
            out[k] = ""
    return out


def check_appendable(path: Path, record: Mapping[str, str], columns: Sequence[str]) -> None:
    """Everything the append would refuse (torn line, JSON array, missing column), without writing:
    a dry run answers as the real run would."""
    try:
        encode_record(path, record, columns)
    except OSError as e:
        raise RefusedError(f"{path}: cannot read: {e.strerror or e}") from None


def append_or_refuse(path: Path, record: Mapping[str, str], columns: Sequence[str]) -> None:
    """:func:`append_record`, an OS error refused in plain words. Call inside :func:`journal_lock`."""
    try:
        append_record(path, record, columns)
    except OSError as e:
        raise RefusedError(f"{path}: cannot append: {e.strerror or e}; check it with 'baitiao validate' "
                           f"before retrying") from None
