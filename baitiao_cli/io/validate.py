"""Reading the data files through their dataset specs: raw rows in, engine records and Problems out.

Each dataset has one declarative spec (``io.spec``: its columns, their parsers, the rules
between them). ``read_file`` resolves a file's header against the spec (missing, duplicate
and unknown columns), then runs the spec over the rows: through the column driver
(``io.columns``) a chunk at a time for the big files, a chunk it refuses coming back to the
row driver (``io.rows``), which alone decides what is reported; or through the row driver
alone. A worker of ``--jobs`` reads only its customers' rows (``io.share_load``).

Customers are read first and the other files are checked against them as they are read
(unknown or rejected customer, dated before the account opened); a record whose customer
was rejected is rejected too, and says so. Refunds are checked against their purchases
once the whole transactions file is read (``rules.check_refunds``).
"""

from __future__ import annotations

import difflib
from typing import Optional

from ..engine.config import Config
from ..errors import Problem
from .columns import column_check, run_columns
from .fields import MISSING
from .readers import TORN, RawFile
from .rows import FileLoad, LoadedFile, run_rows
from .rules import CustomerIndex, check_refunds
from .share_load import Share, run_share
from .spec import SPECS, DatasetSpec

__all__ = ["MISSING", "SPECS", "CustomerIndex", "LoadedFile", "check_refunds", "read_file", "resolve_columns"]


def resolve_columns(raw: RawFile, spec: DatasetSpec, problems: list,
                    loaded: Optional[LoadedFile] = None) -> tuple[dict, bool]:
    """Map column names to positions; report missing, duplicate and unknown columns.

    Returns ``(index, usable)``: ``index[name]`` is the position or -1 when absent (the row
    loops append one empty cell to every row so that -1 reads as an empty value); ``usable``
    is False when a required column is missing or a known column appears twice.
    """
    label = raw.label
    is_csv = raw.fmt in ("csv", "parquet")        # columns named once, on the header line (Parquet: line 1)
    known = spec.required + spec.optional
    seen: dict = {}
    usable = True
    for pos, name in enumerate(raw.columns):
        if name in seen:
            if name in known:
                problems.append(Problem(label, raw.header_line, name,
                                        f"column appears twice (columns {seen[name] + 1} and {pos + 1})"))
                usable = False
            elif name:
                problems.append(Problem(label, raw.header_line, name,
                                        "unknown column appears twice; ignored", "warning"))
            continue
        seen[name] = pos
    unknown = [c for c in seen if c not in known]
    hinted: set = set()
    for col in spec.required:
        if col in seen or (not is_csv and not seen):
            continue                     # (JSON without a single key: nothing to say per column)
        usable = False
        if loaded is not None:
            loaded.missing_columns.append(col)
        near = difflib.get_close_matches(col, [u for u in unknown if u], n=1, cutoff=0.6)
        if raw.fmt == "parquet":
            msg = "required column is missing from the Parquet file"
        elif is_csv:
            msg = "required column is missing from the header"
        else:
            msg = "required field is missing from every record"
        if near:
            msg += f"; did you mean {near[0]!r}? (the file has that {'column' if is_csv else 'key'})"
            hinted.add(near[0])
        elif is_csv and len(raw.columns) == 1 and (";" in raw.columns[0] or "\t" in raw.columns[0]):
            sep = ";" if ";" in raw.columns[0] else "tab"
            msg += f"; the header looks {sep}-separated: save the file as comma-separated CSV"
        problems.append(Problem(label, raw.header_line if is_csv else 0, col, msg))
    for col in unknown:
        if col in hinted:
            continue
        line = raw.header_line if is_csv else raw.column_lines.get(col, 0)
        if not col:
            problems.append(Problem(label, line, f"column {seen[col] + 1}",
                                    "column has no name; ignored", "warning"))
            continue
        near = difflib.get_close_matches(col, [k for k in known if k not in seen], n=1, cutoff=0.75)
        msg = "unknown column ignored" if is_csv else "unknown key ignored"
        if near:
            msg += f"; did you mean {near[0]!r}?"
        problems.append(Problem(label, line, col, msg, "warning"))
    for col, typ in raw.bad_types.items():
        if col in known:
            problems.append(Problem(label, raw.header_line, col, f"a Parquet column of type {typ} cannot be read: "
                                    "store it as text, whole numbers, decimals or dates"))
            usable = False
    index = {name: seen.get(name, -1) for name in known}
    return index, usable


def _torn(raw: RawFile, last_line: int, last_bad: bool, problems: list) -> None:
    if last_bad and not raw.ends_with_newline and raw.fmt == "csv":
        problems.append(Problem(raw.label, last_line, "",
                                f"{TORN}: the file does not end with a newline and its last record "
                                "is incomplete"))


def _torn_journal(loaded: LoadedFile, raw: RawFile, last_line: int, last_bad: bool, problems: list) -> None:
    """Journals (repayments, deferrals) are only ever appended whole lines ending in a newline,
    so a missing final newline means a torn write even when the fragment happens to parse
    (``...,10.00,normal,ap``). The last record is then reported and never applied."""
    if raw.ends_with_newline or raw.empty or raw.fmt == "json":
        return
    if last_bad:
        _torn(raw, last_line, last_bad, problems)
        return
    if loaded.lines and loaded.lines[-1] == last_line:
        loaded.records.pop()
        loaded.lines.pop()
        problems.append(Problem(raw.label, last_line, "",
                                f"{TORN}: the journal does not end with a newline, so its last record may "
                                "be cut short; it is not applied — repair the line (see docs/posting.md)"))



def _vectorised(spec: DatasetSpec, load: FileLoad) -> bool:
    from .arrow import vectorised
    return vectorised(spec, load)


def read_file(spec: DatasetSpec, raw: RawFile, cfg: Config, problems: list,
              customers: Optional[CustomerIndex] = None, share: Optional[Share] = None) -> LoadedFile:
    """Check every row of one data file against ``spec``; the records that pass, with their lines.

    ``customers``: the accepted customers, for a dataset of customers' records. ``share``:
    read only the rows of that worker's customers (``io.share_load``; raises Unclean)."""
    loaded = LoadedFile()
    index, loaded.usable = resolve_columns(raw, spec, problems, loaded)
    share = share if spec.split_by_jobs else None
    load = FileLoad(spec, raw.label, len(raw.columns), index, cfg, problems, customers, loaded,
                    shared=share is not None)
    bulk = column_check(spec.name) if spec.by_columns and loaded.usable else None
    if share is not None:
        n, line, bad = run_share(load, raw, bulk, share)
    elif bulk is not None and raw.table is not None and _vectorised(spec, load):
        from .arrow import run_arrow
        n, line, bad = run_arrow(load, raw)
    elif bulk is not None:
        # Whether a torn last line of empty cells is judged by the last real row even when
        # that row is in an earlier chunk: yes for customers (read by rows alone before they
        # went by columns); transactions and repayments have always judged it by the last
        # chunk alone, and keep doing so (byte-identical output).
        n, line, bad = run_columns(load, raw, bulk, problems, bad_across_chunks=spec.name == "customers")
    else:
        n, line, bad = run_rows(load, raw.rows, raw.pos, raw.rejected, -1)
    loaded.read = n + 1
    if spec.journal:
        _torn_journal(loaded, raw, line, bad, problems)
    else:
        _torn(raw, line, bad, problems)
    return loaded
