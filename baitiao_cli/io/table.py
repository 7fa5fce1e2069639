"""Load an arbitrary labelled table (CSV, JSON array or JSON Lines) for ``train`` and ``score``.

The bytes are read by :mod:`baitiao_cli.io.readers`, exactly as the data files are: format by
extension (``.csv``, ``.json``, ``.jsonl``/``.ndjson``), UTF-8 with or without BOM or
GB18030/GBK detected (or ``--encoding``), column names trimmed and matched case-insensitively
(they are lower-cased), JSON numbers kept as their literal text, JSON ``true``/``false``,
lists and objects refused. Every problem is collected and raised together as a
:class:`~baitiao_cli.errors.DataError` of ``file:line: field: message`` problems.

A cell is **missing** when it is empty or blank, JSON ``null``, an absent JSON key, or one of
the words ``NA``, ``N/A``, ``NaN``, ``null``, ``None`` (any case); missing cells are ``None``.

A column is **numeric** when every non-missing cell is a plain decimal number (an optional
sign, digits, an optional fraction and exponent: ``12``, ``-0.5``, ``1e3``); otherwise it is
**categorical** and its values are compared as text (after trimming spaces).
"""

from __future__ import annotations

import csv
import math
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Optional, Sequence

from ..errors import DataError, Problem, UsageError
from .readers import lookup_encoding, norm_column, open_file

NUMERIC = "numeric"
CATEGORICAL = "categorical"
MISSING_WORDS = frozenset({"", "na", "n/a", "nan", "null", "none"})
_NUMBER = re.compile(r"\A[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?\Z")
_EXTENSIONS = {".csv": "csv", ".json": "json", ".jsonl": "jsonl", ".ndjson": "jsonl"}


@dataclass(frozen=True, slots=True)
class RawTable:
    """A loaded table: column names in file order, text cells (``None`` = missing) by column."""

    source: str                           # the file as named in messages
    columns: tuple[str, ...]
    cells: dict[str, list[Optional[str]]]
    lines: tuple[int, ...]                # the line where each row starts
    header_line: int = 1                  # where columns are named (CSV header; JSON: 1)

    def __len__(self) -> int:
        return len(self.lines)


def is_number(text: str) -> bool:
    return bool(_NUMBER.match(text))


def _cell(value: str) -> Optional[str]:
    s = value.strip()
    return None if s.lower() in MISSING_WORDS else s


def load_table(path: str | Path, encoding: Optional[str] = None) -> RawTable:
    """Read a CSV/JSON/JSONL table; raise DataError listing every problem found."""
    p = Path(path)
    source = str(path)
    fmt = _EXTENSIONS.get(p.suffix.lower())
    if fmt is None:
        raise DataError([Problem(source, 0, "", "unknown file type: use .csv, .json or .jsonl")])
    if encoding is not None and lookup_encoding(encoding) is None:
        raise UsageError(f"--encoding: unknown encoding {encoding!r}")
    if p.is_dir():
        raise DataError([Problem(source, 0, "", "is a folder, not a file")])
    problems: list[Problem] = []
    raw = open_file(p, source, fmt, problems, encoding)
    if raw.empty:
        problems.append(Problem(source, 0, "", "the file is empty: no header and no rows"))
    names = list(raw.columns)
    seen: set[str] = set()
    for n, name in enumerate(names, 1):
        if not name:
            problems.append(Problem(source, raw.header_line, f"column {n}", "empty column name"))
        elif name in seen:
            problems.append(Problem(source, raw.header_line, name, "duplicate column name"))
        seen.add(name)
    cols: list[list[Optional[str]]] = [[] for _ in names]
    lines: list[int] = []
    width = len(names)
    # the readers' row protocol (as io.rows reads it): iterating ``rows`` gives the rows;
    # ``pos.line_num + 1`` before a row is its line; ``rejected`` lists rows already reported
    rows, pos, refused = raw.rows, raw.pos, raw.rejected
    prev = pos.line_num if pos is not None else 0
    while True:
        try:
            for row in rows:
                line = prev + 1
                prev = pos.line_num
                if not row or not any(c.strip() for c in row):
                    continue                  # a blank line, or an Excel row of empty cells
                if line in refused:
                    continue                  # the reader has reported it
                if len(row) != width:
                    problems.append(Problem(source, line, "", f"{len(row)} fields where the header has {width}"))
                    continue
                lines.append(line)
                for c, v in zip(cols, row):
                    c.append(_cell(v))
        except csv.Error as e:            # a field above csv.field_size_limit, and the like
            line = prev + 1
            prev = pos.line_num
            problems.append(Problem(source, line, "", f"unreadable CSV record: {e}"))
            continue
        break
    if not problems and not lines:
        problems.append(Problem(source, 0, "", "the table has no data rows"))
    errors = [x for x in problems if x.severity == "error"]
    if errors:
        raise DataError(problems)
    return RawTable(source, tuple(names), dict(zip(names, cols)), tuple(lines),
                    raw.header_line if fmt == "csv" else 1)


def detect_kind(values: Sequence[Optional[str]]) -> str:
    """``numeric`` when every present value is a plain number, else ``categorical``."""
    return NUMERIC if all(v is None or is_number(v) for v in values) else CATEGORICAL


def numeric_values(table: RawTable, column: str) -> tuple[list[Optional[float]], list[Problem]]:
    """The column as numbers (``None`` = missing) and a problem for each cell that is not one."""
    out: list[Optional[float]] = []
    problems: list[Problem] = []
    for v, line in zip(table.cells[column], table.lines):
        if v is None:
            out.append(None)
        elif is_number(v):
            x = float(v)  # float-ok: a model feature (statistics), never money
            if math.isinf(x):
                problems.append(Problem(table.source, line, column, f"number too large: {v!r}"))
                x = None
            out.append(x)
        else:
            out.append(None)
            problems.append(Problem(table.source, line, column, f"expected a number, got {v!r}"))
    return out, problems


def column_name(name: str) -> str:
    """A column named on the command line, normalised as the file's column names are."""
    return norm_column(name)


def require_columns(table: RawTable, names: Sequence[str], what: str = "column") -> None:
    missing = [n for n in names if n not in table.cells]
    if missing:
        raise DataError([Problem(table.source, table.header_line, n, f"missing {what}") for n in missing])


def binary_target(table: RawTable, column: str, bad_value: Optional[str] = None) -> tuple[list[int], str]:
    """The target as 0/1 (1 = bad/default) and the text that means bad.

    The target must have exactly two distinct values. Which one is "bad": ``bad_value`` when
    given; else by the pairs 1/0, true/false, yes/no, bad/good, y/n (any case; numbers such as
    ``1.0``/``0.0`` count as 1/0). Any other pair needs ``bad_value``. A missing target is an error.
    """
    require_columns(table, [column], "target column")
    problems: list[Problem] = []
    vals = table.cells[column]
    for v, line in zip(vals, table.lines):
        if v is None:
            problems.append(Problem(table.source, line, column, "missing target value"))
    if problems:
        raise DataError(problems)
    distinct = sorted(set(vals))  # type: ignore[arg-type]

    def refuse(msg: str) -> DataError:
        return DataError([Problem(table.source, table.header_line, column, msg)])

    if len(distinct) != 2:
        shown = ", ".join(repr(v) for v in distinct[:5]) + (", ..." if len(distinct) > 5 else "")
        raise refuse(f"the target must have exactly two values (bad/good, 1/0); found {len(distinct)}: {shown}")
    if bad_value is not None:
        if bad_value not in distinct:
            raise refuse(f"--bad-value {bad_value!r} is not one of the target's values "
                         f"{distinct[0]!r}, {distinct[1]!r}")
        bad = bad_value
    else:
        def norm(v: str) -> str:
            if is_number(v) and float(v) in (0.0, 1.0):  # float-ok: recognising 0/1 labels
                return "1" if float(v) == 1.0 else "0"  # float-ok
            return v.lower()
        pair = {norm(v): v for v in distinct}
        for b, g in (("1", "0"), ("true", "false"), ("yes", "no"), ("bad", "good"), ("y", "n")):
            if set(pair) == {b, g}:
                bad = pair[b]
                break
        else:
            raise refuse(f"cannot tell which of {distinct[0]!r} and {distinct[1]!r} means default; "
                         "give --bad-value")
    return [1 if v == bad else 0 for v in vals], bad
