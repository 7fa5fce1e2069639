"""Atomic file writes (SPEC 6): a crash never leaves half a file.

``write_atomic(path, data)`` writes to a temporary file in the same folder
(``.<name>.<random>.tmp``), flushes and fsyncs it, renames it over ``path`` with
``os.replace`` (atomic on POSIX and Windows) and fsyncs the folder so the rename itself is
durable. On any error the temporary file is removed and the old ``path`` (if any) is left
untouched. A process killed with SIGKILL between create and rename can leave a
``.<name>.*.tmp`` file behind, never a partial ``<name>``; ``remove_stale_temps`` (run by
the next writer of the same names) deletes them.
"""

from __future__ import annotations

import os
import re
import tempfile
from pathlib import Path
from typing import Iterable, Optional, Union

_TEMP = re.compile(r"\A\.(.+)\.[A-Za-z0-9_]{8}\.tmp\Z")   # what mkstemp(prefix=".NAME.", suffix=".tmp") makes

_umask: Optional[int] = None


def _file_mode() -> int:
    """0o666 less the process umask: what ``open(path, "w")`` would have given the file."""
    global _umask
    if _umask is None:
        _umask = os.umask(0)
        os.umask(_umask)
    return 0o666 & ~_umask


def fsync_dir(folder: Union[str, Path]) -> None:
    """Make renames in ``folder`` durable (a no-op where folders cannot be opened, e.g. Windows)."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def write_atomic(path: Union[str, Path], data: Union[bytes, str], *, sync_dir: bool = True,
                 mode: Optional[int] = None) -> None:
    """Replace ``path`` with ``data`` (str is written as UTF-8) atomically.

    ``sync_dir=False`` skips the folder fsync: a caller writing many files into one folder
    calls ``fsync_dir`` once at the end instead. ``mode`` (e.g. ``0o600`` for a file of
    personal data): the file's permissions, else those ``open`` would give (0o666 less the
    umask). The temporary file is created with mode 0o600 (``mkstemp``: ``os.open(..., 0o600)``)
    and the rename keeps its mode, so a file asked for with 0o600 is never readable by others,
    not even for a moment.
    """
    path = Path(path)
    if isinstance(data, str):
        data = data.encode("utf-8")
    folder = path.parent
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=folder)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        try:
            os.chmod(tmp, _file_mode() if mode is None else mode)
        except OSError:  # pragma: no cover - e.g. a filesystem without permissions
            pass
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise
    if sync_dir:
        fsync_dir(folder)


def remove_stale_temps(folder: Union[str, Path], names: Iterable[str]) -> int:
    """Delete temporary files a killed ``write_atomic`` of one of ``names`` left in ``folder``.

    Only ``.<name>.<8 characters>.tmp`` files of the given names are touched. Returns how many
    were removed. Call it before rewriting those names (not while another process writes them).
    """
    wanted = set(names)
    removed = 0
    try:
        entries = os.listdir(folder)
    except FileNotFoundError:
        return 0
    for entry in entries:
        m = _TEMP.match(entry)
        if m and m.group(1) in wanted:
            try:
                os.unlink(os.path.join(folder, entry))
                removed += 1
            except FileNotFoundError:
                pass
    return removed
