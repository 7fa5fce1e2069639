"""Find the lines of records by id, after a load: for problems found past the loader
(``validate``'s scenario warnings) that must still name ``file:line``."""

from __future__ import annotations

from pathlib import Path
from typing import Iterator, Optional

from .readers import open_file


def _numbered_rows(raw) -> Iterator[tuple[int, list]]:
    """(line, row) of every record of an opened file (JSON: the line its object starts on)."""
    if raw.items is not None:
        for line, row, _ok in raw.items:
            yield line, row
        return
    rows = raw.rows
    before = rows.line_num          # the reader's line count before a row: its line is the next one
    for row in rows:
        yield before + 1, row
        before = rows.line_num


def record_lines(path: Path, label: str, id_column: str, ids: set, encoding: Optional[str] = None) -> dict:
    """``{id: line}`` of the first record with each of ``ids`` in ``path`` (0 when not found)."""
    found = dict.fromkeys(ids, 0)
    raw = open_file(path, label, path.suffix.lower().lstrip("."), [], encoding)
    if raw.unreadable or raw.empty or id_column not in raw.columns:
        return found
    k = raw.columns.index(id_column)
    try:
        for line, row in _numbered_rows(raw):
            rid = row[k].strip() if k < len(row) and isinstance(row[k], str) else None
            if rid in found and not found[rid]:
                found[rid] = line
    except Exception:  # noqa: BLE001 - a row the reader cannot give back: its problem is already listed
        pass
    return found
