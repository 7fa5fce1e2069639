"""Columnar loading on pyarrow: CSV and Parquet read into Arrow tables, the spec checked a column at a time.

Two readers give a :class:`~baitiao_cli.io.readers.RawFile` whose ``table`` holds every
column as text (``pyarrow.string``, no nulls: an empty cell is ``""``), so that every check
reads exactly the text the Python readers would give:

- ``open_csv``: a CSV file pyarrow can read exactly as ``csv.reader`` does -- UTF-8 (with or
  without BOM), no quote, no NUL, ``\\n`` or ``\\r\\n`` line ends, no blank line, every row as
  wide as the header. Anything else (a GBK export, quoted fields, a short row...) returns
  None and the file goes through the Python reader (``io.readers``), which words every
  problem as before.
- ``open_parquet``: a Parquet file. Text, whole-number, decimal and date columns are turned
  into the text a CSV export of them would hold (``2026-01-02``, ``12.30``, ``3``); a null is
  an empty cell. A known column of another type (floating point, timestamp, true/false...)
  is refused by ``validate.read_file`` (``bad_types``). Row k (0-based) is reported on line
  k + 2, as if the file had a header line: a Parquet file written from a CSV file reports
  the lines the CSV file would.

``run_arrow`` is the column driver for transactions and repayments over such a table: each
field's parser (``io.fields``) runs once per *distinct* text of the column (dictionary
encoding), ids are checked with one regular expression over the column (RE2), customers
with one ``index_in``, the dates against the accounts' opening and the rules between fields
as vectorised masks (numpy). Runs of clean rows become records built from the columns
(``columns.build``, no Python call per row); the rows that fail any check go through the
row driver (``io.rows``), which finds and words their problems exactly as for any other
file. Other datasets read from a table go through the ordinary drivers, row by row from
``RawFile.items``.
"""

from __future__ import annotations

import csv
import io
import os
import re
from pathlib import Path
from typing import Optional

from decimal import Decimal

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pcsv

from ..engine.model import REFUND
from ..errors import Problem
from .columns import _commit, build
from .parse import FEE_RATE_WARN
from .readers import RawFile, Rows, norm_column
from .rows import FileLoad, run_rows

# Arrow's default allocator (mimalloc) keeps the pages of freed tables: each file's table is read once
# and freed before the next, and with the system allocator the peak of a 100k-customer load is ~100 MiB
# lower at the same speed (measured). ARROW_DEFAULT_MEMORY_POOL still chooses, when set.
if "ARROW_DEFAULT_MEMORY_POOL" not in os.environ:
    pa.set_memory_pool(pa.system_memory_pool())

BLOCK = 1 << 16             # rows checked and built at a time (bounds the memory of the Python columns)
_UTF8_BOM = b"\xef\xbb\xbf"
RE2_CID = r"^[A-Za-z0-9_-]{1,64}$"                                     # = parse.CUSTOMER_ID
RE2_MONEY2 = r"^[0-9]{1,12}\.[0-9]{2}$"                              # parse.MONEY_OK with 2 decimals
RE2_RID = r"^[^\x00-\x20\x7f](?:[^\x00-\x1f\x7f]{0,126}[^\x00-\x20\x7f])?$"   # = parse.RECORD_ID
# the row rules ``run_arrow`` has a vectorised form for (the others: through ``RawFile.items``)
VECTOR_RULES = {"refund_or_purchase", "high_fee_rate", "repayment_before_opening"}


# --- reading -------------------------------------------------------------------------------------

def open_csv(path: Path, label: str) -> Optional[RawFile]:
    """The file as a table of text columns, or None when only the Python reader may read it."""
    try:
        data = path.read_bytes()
    except OSError:
        return None
    body = data[3:] if data.startswith(_UTF8_BOM) else data
    if (not body or body.isspace() or b'"' in body or b"\x00" in body
            or (b"\r" in body and body.count(b"\r") != body.count(b"\r\n"))):
        return None
    end = body.find(b"\n")
    head = (body if end < 0 else body[:end]).rstrip(b"\r")
    try:
        header = next(csv.reader([head.decode("utf-8")]))
    except (UnicodeDecodeError, csv.Error, StopIteration):
        return None
    if not any(c.strip() for c in header):
        return None
    names = [f"c{i}" for i in range(len(header))]
    try:
        table = pcsv.read_csv(
            io.BytesIO(body),
            read_options=pcsv.ReadOptions(skip_rows=1, column_names=names, block_size=1 << 22),
            parse_options=pcsv.ParseOptions(quote_char=False, ignore_empty_lines=False),
            convert_options=pcsv.ConvertOptions(column_types={n: pa.string() for n in names},
                                                strings_can_be_null=False, quoted_strings_can_be_null=False))
    except (pa.ArrowException, ValueError):
        return None                               # a short or long row, invalid UTF-8 (GBK)...
    ends = body.endswith(b"\n")
    if table.num_rows != body.count(b"\n") - (1 if ends else 0):
        return None                               # (one row per line after the header, always)
    raw = RawFile(path=path, label=label, fmt="csv", ends_with_newline=ends)
    raw.columns = [norm_column(c) for c in header]
    _attach(raw, table, first_line=2)
    return raw


_NEG_ZERO = re.compile(rb":\s*-0\s*[,}]")      # JSON -0: its literal text is not what int64 gives back
_EMPTY_OBJECT = re.compile(rb"\{\s*\}")         # {} is an error, a row of nulls is not


def _objects_only(body: bytes) -> bool:
    """Every line starts with ``{`` and ends with ``}`` (pyarrow 26 crashes -- SIGSEGV -- on a line
    that is a bare JSON value such as ``null``: such a file never reaches it)."""
    lines = body.count(b"\n") + (0 if body.endswith(b"\n") else 1)
    starts = body.count(b"\n{") + body.startswith(b"{") - body.endswith(b"\n{")
    ends = body.count(b"}\n") + (body.endswith(b"}") and not body.endswith(b"\n"))
    return starts == lines and ends == lines


WHOLE_NUMBERS = {"installments", "statement_day", "deferral_days", "conversion_terms"}   # parsers of io.fields


def open_jsonl(path: Path, label: str, spec) -> Optional[RawFile]:
    """A JSON Lines file as a table of text columns, or None when only the Python reader may read it.

    Only what reads exactly as the Python reader reads it: UTF-8, one object per line, no blank
    line, keys already in their normal form (stripped, lower case), values text, whole numbers or
    null (a number's literal text is what ``int64`` gives back, but ``-0``). A duplicate key, a lone
    surrogate, a float, a list... make pyarrow refuse, and the Python reader words the problem."""
    import pyarrow.json as pj

    try:
        data = path.read_bytes()
    except OSError:
        return None
    body = data[3:] if data.startswith(_UTF8_BOM) else data
    if (not body or body.isspace() or b"\x00" in body or b"\r" in body or _NEG_ZERO.search(body)
            or _EMPTY_OBJECT.search(body) or not _objects_only(body)):
        return None
    try:
        # the spec's columns as text (pyarrow would read "2025-01-05" as a timestamp), but those that may
        # be whole numbers; any other key as pyarrow infers it (text, whole numbers or null, else refused)
        text = pa.schema([(f.name, pa.string()) for f in spec.fields if f.parser not in WHOLE_NUMBERS])
        table = pj.read_json(io.BytesIO(body), read_options=pj.ReadOptions(block_size=1 << 24),
                             parse_options=pj.ParseOptions(explicit_schema=text, unexpected_field_behavior="infer"))
    except (pa.ArrowException, ValueError):
        return None
    if b"null" not in body:                       # a column no row has (the schema's): absent, not empty
        table = table.select([k for k, c in enumerate(table.columns) if c.null_count < len(c)])
    ends = body.endswith(b"\n")
    names = table.column_names
    if table.num_rows != body.count(b"\n") + (0 if ends else 1) or any(norm_column(c) != c for c in names):
        return None
    cols, first = [], {}
    for name, col in zip(names, table.columns):
        t = col.type
        if not (pa.types.is_string(t) or pa.types.is_integer(t) or pa.types.is_null(t)):
            return None
        valid = np.flatnonzero(_mask(pc.is_valid(col)))
        if not len(valid) or (valid[0] > 0 and b"null" in body):
            return None                           # (the line a key is first used on: nulls hide it)
        first[name] = int(valid[0]) + 1
        cols.append(pc.fill_null(col.cast(pa.string()), ""))
    raw = RawFile(path=path, label=label, fmt="jsonl", ends_with_newline=ends)
    raw.columns = list(names)
    raw.column_lines = first
    _attach(raw, pa.table(cols, names=[f"c{i}" for i in range(len(cols))]), first_line=1)
    return raw


def _as_text(col, name: str, bad: dict):
    """A Parquet column as the text a CSV export would hold; None (and ``bad[name]``) for a type we refuse."""
    t = col.type
    if pa.types.is_dictionary(t):
        col, t = col.cast(t.value_type), t.value_type
    if pa.types.is_decimal(t) and t.scale > 2:
        try:                                      # 12.3000 -> 12.30 when no digit is lost
            col, t = col.cast(pa.decimal128(max(t.precision - t.scale + 2, 3), 2)), None
        except pa.ArrowException:
            pass
    if t is None or pa.types.is_string(t) or pa.types.is_large_string(t) or pa.types.is_integer(t) \
            or pa.types.is_decimal(t) or pa.types.is_date(t):
        if t is not None and pa.types.is_date64(t):
            col = col.cast(pa.date32())
        return pc.fill_null(col.cast(pa.string()), "")
    bad[name] = str(t)
    return None


def open_parquet(path: Path, label: str, problems: list) -> RawFile:
    """A Parquet file as a table of text columns (``RawFile.bad_types``: columns of a type refused)."""
    import pyarrow.parquet as pq

    raw = RawFile(path=path, label=label, fmt="parquet")
    try:
        source = path.open_input_file() if hasattr(path, "open_input_file") else path   # (io.objstore)
        table = pq.ParquetFile(source).read()     # (read_table refuses a column named twice)
    except (OSError, pa.ArrowException) as e:
        problems.append(Problem(label, 0, "", f"cannot read the Parquet file: {e}"))
        raw.unreadable = True
        return raw
    bad: dict = {}
    cols = []
    for i, field in enumerate(table.schema):
        text = _as_text(table.column(i), norm_column(field.name), bad)
        cols.append(text if text is not None else pa.array([""] * table.num_rows, pa.string()))
    raw.columns = [norm_column(f.name) for f in table.schema]
    raw.bad_types = bad
    if not raw.columns:
        raw.empty = True
        raw.has_header = False
        return raw
    _attach(raw, pa.table(cols, names=[f"c{i}" for i in range(len(cols))]), first_line=2)
    return raw


def _attach(raw: RawFile, table, first_line: int) -> None:
    raw.table = table
    raw.first_line = first_line
    raw.header_line = first_line - 1
    raw.items = table_items(table, first_line)


def rows_of(table, start: int, stop: int) -> list:
    """Rows ``start..stop-1`` of a table of text columns, as lists of strings."""
    part = table.slice(start, stop - start)
    return list(map(list, zip(*(c.to_pylist() for c in part.columns))))


def table_items(table, first_line: int):
    """``(line, row, True)`` of every row of a table (the item protocol of ``io.readers``)."""
    for start in range(0, table.num_rows, BLOCK):
        rows = rows_of(table, start, min(start + BLOCK, table.num_rows))
        yield from zip(range(first_line + start, first_line + start + len(rows)), rows, [True] * len(rows))


def vectorised(spec, load: FileLoad) -> bool:
    """Whether ``run_arrow`` has a column form for every check of the spec."""
    rules = {c.name for c in spec.checks if not hasattr(c, "parser")}
    return spec.of_customers and rules <= VECTOR_RULES and not load.unnamed


# --- the column driver ----------------------------------------------------------------------------

def _distinct(one, col, parser: str = "") -> tuple:
    """``one`` (a field parser's one-value form) run once per distinct text of ``col``.

    Returns (ok per row, distinct values, index of each row's distinct value): numpy arrays
    but the values, a list. Amounts (hundreds of thousands of distinct texts) written
    exactly ``digits.dd`` and not zero are converted by ``Decimal`` alone, which gives what
    ``one`` gives for them (``fields.Amounts``); any other text goes through ``one``."""
    enc = pc.dictionary_encode(col)
    enc = enc.combine_chunks() if isinstance(enc, pa.ChunkedArray) else enc
    texts = enc.dictionary.to_pylist()
    plain = [False] * len(texts)
    if parser == "amount" and texts:
        plain = _mask(pc.and_(pc.match_substring_regex(enc.dictionary, RE2_MONEY2),
                              pc.match_substring_regex(enc.dictionary, "[1-9]"))).tolist()
    vals, good = [], []
    for s, p in zip(texts, plain):
        if p:
            vals.append(Decimal(s))
            good.append(True)
            continue
        v, m = one(s)
        vals.append(v)
        good.append(m is None)
    idx = enc.indices.to_numpy(zero_copy_only=False)
    return np.asarray(good, dtype=bool)[idx], vals, idx


def _mask(arr) -> np.ndarray:
    return np.asarray(arr.to_numpy(zero_copy_only=False), dtype=bool)


def _customers(load: FileLoad, cids, dates: tuple) -> tuple:
    """(ok per row, (customer_id of each customer, index of each row's)): a known customer, the row
    not dated before its account opened (``dates``: the distinct dates and each row's index among them).
    Without accepted customers, only the form of the ids (the rows: not checked against customers)."""
    index = load.customers
    if not index.ok:
        return _mask(pc.match_substring_regex(cids, RE2_CID)), (cids.to_pylist(), None)
    custs = list(index.by_id.values())
    if not custs:
        return np.zeros(len(cids), dtype=bool), ([], None)
    keys = pa.array(list(index.by_id.keys()), pa.string())
    opened = pa.array([c.opened_on for c in custs], pa.date32())
    at = pc.index_in(cids, value_set=keys)
    ok = _mask(pc.is_valid(at))
    at = pc.fill_null(at, 0)
    dvals, idx = dates
    day = pa.array(dvals, pa.date32()).take(pa.array(idx))
    early = _mask(pc.fill_null(pc.less(day, opened.take(at)), False))
    return ok & ~early, ([c.customer_id for c in custs], at.to_numpy(zero_copy_only=False))


class _Checked:
    """The checks of a whole table: ``ok`` per row, and each field's values a block of rows at a time."""

    def __init__(self, load: FileLoad, table):
        n = table.num_rows
        col = {name: (table.column(i) if i >= 0 else pa.array([""] * n, pa.string()))
               for name, i in load.index.items()}
        self.ids = col[load.id_name]
        self.id_name = load.id_name
        ok = _mask(pc.match_substring_regex(self.ids, RE2_CID if load.spec.id_field.parser == "customer_id"
                                            else RE2_RID))
        self.distinct = {}
        for c in load.spec.checks:
            if hasattr(c, "parser"):
                good, dvals, idx = _distinct(load.parsers[c.parser].one, col[c.name], c.parser)
                ok &= good
                self.distinct[c.name] = (dvals, idx)
        cok, self.cust = _customers(load, col["customer_id"], self.distinct["date"])
        ok &= cok
        self.refunds = None
        if "fee_rate" in self.distinct:           # high_fee_rate: a warning, worded by the rows
            ok &= ~self._where(lambda r: r is not None and r >= FEE_RATE_WARN, "fee_rate")
        if "type" in self.distinct:               # refund_or_purchase, in its plain form only
            self.refunds = refunds = self._where(lambda t: t is REFUND, "type")
            has_ref = _mask(pc.not_equal(col["ref_txn_id"], ""))
            one_term = self._where(lambda t: t == 1, "installments")
            no_fee = _mask(pc.equal(col["fee_rate"], ""))
            clean_ref = _mask(pc.match_substring_regex(col["ref_txn_id"], RE2_RID))
            ok &= (has_ref == refunds) & (~refunds | (one_term & no_fee & clean_ref))
        self.ok = ok
        self.objects = None

    def _where(self, test, name: str) -> np.ndarray:
        dvals, idx = self.distinct[name]
        return np.asarray([bool(test(v)) for v in dvals], dtype=bool)[idx]

    def unique_ids(self) -> bool:
        return len(pc.unique(self.ids)) == len(self.ok)     # (pc.count_distinct: 4x slower)

    def values(self, a: int, b: int) -> dict:
        """The values of rows a..b-1 by field name (the ids too)."""
        out = {self.id_name: self.ids.slice(a, b - a).to_pylist()}
        if self.objects is None:                  # each field's distinct values, taken in C by numpy
            self.objects = {name: _objects(dvals) for name, (dvals, _idx) in self.distinct.items()}
            own, at = self.cust
            self.objects["customer_id"] = own if at is None else _objects(own)
        for name, (_dvals, idx) in self.distinct.items():
            out[name] = self.objects[name][idx[a:b]].tolist()
        own, at = self.cust
        out["customer_id"] = own[a:b] if at is None else self.objects["customer_id"][at[a:b]].tolist()
        return out


def _objects(values: list) -> np.ndarray:
    arr = np.empty(len(values), dtype=object)
    arr[:] = values
    return arr


def run_arrow(load: FileLoad, raw: RawFile) -> tuple:
    """The column driver over ``raw.table``; returns (last seq, last line, whether the last row was bad),
    as ``rows.run_rows``.

    A table whose every row is clean and whose ids are all distinct (one ``count_distinct``) is
    built without the id table the row driver needs (``LoadedFile.first``, a dictionary probe
    per row); only the purchases its refunds name are then indexed (``check_refunds``)."""
    table = raw.table
    checked = _Checked(load, table)
    fast = bool(checked.ok.all()) and checked.unique_ids()
    if fast:
        load.first = None
    n, line, bad = -1, 0, False
    for start in range(0, table.num_rows, BLOCK):
        stop = min(start + BLOCK, table.num_rows)
        values = checked.values(start, stop)
        refunds = None if checked.refunds is None else checked.refunds[start:stop]
        ok = checked.ok[start:stop]
        line0 = raw.first_line + start
        for a, b, clean in _runs(ok):
            if clean:
                n, committed = _take(load, values, refunds, a, b, n, line0)
                if committed:
                    line, bad = line0 + b - 1, False
                    continue
            rows = rows_of(table, start + a, start + b)
            src = Rows(zip(range(line0 + a, line0 + b), rows, [True] * len(rows)), line0 + a - 1)
            n, line, bad = run_rows(load, src, src, src.rejected, n, False)
    if fast:
        _index_refunded(load, checked, raw.first_line)
    return n, line, bad


def _index_refunded(load: FileLoad, checked: "_Checked", first_line: int) -> None:
    """``LoadedFile.first`` (id -> line) for the purchases the refunds name, all ``check_refunds``
    reads of it: one ``is_in`` over the ids (every row was kept, row k as record k)."""
    loaded = load.loaded
    refs = {loaded.records[k].ref_txn_id for k in loaded.refund_at}
    if not refs:
        return
    rows = np.flatnonzero(_mask(pc.is_in(checked.ids, value_set=pa.array(list(refs), pa.string())))).tolist()
    loaded.first.update((loaded.records[k][0], first_line + k) for k in rows)


def _runs(ok: np.ndarray):
    """``(start, stop, clean)`` of the maximal runs of equal ``ok`` values."""
    if not len(ok):
        return
    edges = np.flatnonzero(ok[1:] != ok[:-1]) + 1
    bounds = [0, *edges.tolist(), len(ok)]
    for a, b in zip(bounds, bounds[1:]):
        yield a, b, bool(ok[a])


def _take(load: FileLoad, values: dict, refunds, a: int, b: int, n: int, line0: int) -> tuple:
    """Build and keep the records of the clean rows a..b-1; (new last seq, True), or (n, False) when an
    id was seen earlier in the file (the rows then decide)."""
    k = b - a
    whole = a == 0 and b == len(values[load.id_name])           # (the common case: no copy of the columns)
    cols = dict(values) if whole else {f: v[a:b] for f, v in values.items()}
    cols["seq"] = range(n + 1, n + 1 + k)
    records = build(load.spec.record, *map(cols.__getitem__, load.record_fields))
    base = len(load.loaded.records)
    if not _commit(load, cols[load.id_name], records, range(line0 + a, line0 + b), k):
        return n, False
    if refunds is not None:
        load.loaded.refund_at.extend((np.flatnonzero(refunds[a:b]) + base).tolist())
    return n + k, True
