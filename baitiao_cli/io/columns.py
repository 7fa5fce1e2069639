"""The column driver: a dataset spec run over clean chunks of rows, a whole column at a time.

A chunk of records (a thousand rows of CSV, JSON or JSON Lines, with their line numbers and
their ``seq``, the position among the file's records) is checked a column at a time with
C-level operations: one regular expression over a whole column joined by newlines, ``set``
arithmetic for ids and enumerations, ``map`` for conversions -- the ``column`` forms of the
spec's parsers (``io.fields``) and rules (``io.rules``). A chunk that passes every check
becomes records exactly as the row driver (``io.rows``) would build them; a chunk that
fails any check is handed back to the row driver, which finds and words the problems. So
this module never reports anything: it only says "clean" (and does the work) or "no".
Being stricter than the row driver is always safe (the row driver then decides): a refund
dated before its customer's account opened sends its chunk to the rows, which leave that to
the refund checks.

Used for the specs with ``by_columns`` (customers, transactions and repayments: the files
that reach hundreds of thousands or millions of rows).
"""

from __future__ import annotations

import csv
from itertools import islice, repeat
from operator import itemgetter

from .readers import RawFile, Rows, rows_of_lines
from .rows import FileLoad, run_rows
from .rules import new_ids

CHUNK = 1 << 10          # lines per chunk (small: stays in cache)
_tuple_new = tuple.__new__
ID_OF = itemgetter(0)          # the id of a Customer, Txn, Repayment (their first field)


def check_chunk(load: FileLoad, rows: list, lines, seqs) -> bool:
    """Build the chunk's records if every row is clean; False (nothing done) otherwise."""
    n = len(rows)
    if set(map(len, rows)) != {load.ncols}:
        return False
    cols = list(zip(*rows))
    index = load.index

    def column(name: str):
        i = index[name]
        return cols[i] if i >= 0 else ("",) * n

    ids = cols[load.i_id]
    if not (load.id_parser.column_ok(ids) and new_ids(ids, load.first, load.careful, n)):
        return False
    values = {load.id_name: ids, "seq": seqs}
    for name, parse in load.column_parsers:
        v = parse(column(name))
        if v is None:
            return False
        values[name] = v
    for rule in load.column_rules:
        if not rule(load, values, column, n):
            return False
    if load.spec.of_customers:
        cids = load.customers.column(cols[load.i_cid], values["date"], load.custs)
        if cids is None:
            return False
        values["customer_id"] = cids
    records = build(load.spec.record, *map(values.__getitem__, load.record_fields))
    base = len(load.loaded.records)
    if not _commit(load, ids, records, lines, n):
        return False
    refund_at = values.get("refund_at")
    if refund_at:      # only once the chunk is taken: a chunk handed to the rows records its own
        load.loaded.refund_at.extend(base + k for k in refund_at)
    return True


def bulk_customers(rows: list, lines, seqs, load: FileLoad) -> bool:
    """The column driver for a chunk of customers (see ``check_chunk``)."""
    return check_chunk(load, rows, lines, seqs)


def bulk_transactions(rows: list, lines, seqs, load: FileLoad) -> bool:
    """The column driver for a chunk of transactions (see ``check_chunk``)."""
    return check_chunk(load, rows, lines, seqs)


def bulk_repayments(rows: list, lines, seqs, load: FileLoad) -> bool:
    """The column driver for a chunk of repayments (see ``check_chunk``)."""
    return check_chunk(load, rows, lines, seqs)


def column_check(name: str):
    """The column driver of a dataset, or None (read by its rows alone)."""
    return {"customers": bulk_customers, "transactions": bulk_transactions, "repayments": bulk_repayments}.get(name)


def build(cls, *columns) -> list:
    """``[cls(*values) for values in zip(*columns)]`` for a named tuple class, in C: one
    ``tuple.__new__`` per record, no Python call (the records are the loader's biggest cost).
    Every field needs its column: ``tuple.__new__`` knows nothing of the defaults."""
    if len(columns) != len(cls._fields):                     # pragma: no cover - a bug, not data
        raise AssertionError(f"{cls.__name__} has {len(cls._fields)} fields, not {len(columns)}")
    return list(map(_tuple_new, repeat(cls), zip(*columns)))


def _commit(load: FileLoad, ids, records: list, lines, n: int) -> bool:
    if len(records) != n:                                   # pragma: no cover - a bug, not data
        raise AssertionError("fast path built the wrong number of records")
    first = load.first
    loaded = load.loaded
    if first is not None:
        before = len(first)
        first.update(zip(ids, lines))
        if len(first) != before + n:
            # an id of an earlier chunk: put ``first`` back as the row driver knows it (every
            # accepted record's id and the ids of rejected rows, each with its first line)
            # and hand the chunk to the rows; the rest of the file checks beforehand
            first.clear()
            first.update(zip(map(ID_OF, loaded.records), loaded.lines))
            first.update(loaded.rejected_ids)
            load.careful = True
            return False
    loaded.records.extend(records)
    loaded.lines.extend(lines)
    return True


def line_chunks(raw: RawFile):
    """``(lines, first line number, rows or None)`` of each chunk of a plain CSV file's lines
    (``rows`` is None when ``csv.reader`` refuses the chunk or it does not give one row per line)."""
    line0 = raw.reader.line_num + 1
    stream = raw.stream
    reader = csv.reader
    while True:
        lines = list(islice(stream, CHUNK))
        if not lines:
            return
        try:
            rows = list(reader(lines, strict=True))
        except csv.Error:
            rows = None
        yield lines, line0, (rows if rows is not None and len(rows) == len(lines) else None)
        line0 += len(lines)


def item_chunks(raw: RawFile):
    """Chunks of the ``(line, row, ok)`` items of a quoted CSV, JSON or JSON Lines file."""
    items = raw.items if raw.items is not None else iter(())
    while True:
        chunk = list(islice(items, CHUNK))
        if not chunk:
            return
        yield chunk


def run_columns(load: FileLoad, raw: RawFile, bulk, problems: list, bad_across_chunks: bool) -> tuple:
    """Feed a file to ``bulk`` (the column driver) a chunk at a time; a chunk it refuses
    goes through the row driver, which finds and reports the problems.
    Returns (last seq, last line, whether the last row was bad), as ``rows.run_rows``; with
    ``bad_across_chunks`` the row driver of a chunk starts from the last row of the chunk
    before (as a row driver over the whole file does), else from a good row."""
    n, line, bad = -1, 0, False
    if raw.stream is not None:                       # plain CSV: one record per line
        for lines, line0, rows in line_chunks(raw):
            if rows is not None and bulk(rows, range(line0, line0 + len(rows)), range(n + 1, n + 1 + len(rows)), load):
                n += len(rows)
                line, bad = line0 + len(rows) - 1, False
            else:
                src = rows_of_lines(lines, line0, rows, raw.label, problems)
                n, line, bad = run_rows(load, src, src, src.rejected, n, bad and bad_across_chunks)
        return n, line, bad
    for chunk in item_chunks(raw):                   # quoted CSV, JSON, JSON Lines
        lines, rows, oks = zip(*chunk)
        if all(oks) and bulk(list(rows), lines, range(n + 1, n + 1 + len(rows)), load):
            n += len(rows)
            line, bad = lines[-1], False
        else:
            src = Rows(chunk, chunk[0][0] - 1)
            n, line, bad = run_rows(load, src, src, src.rejected, n, bad and bad_across_chunks)
    return n, line, bad
