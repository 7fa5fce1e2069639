"""The row driver: a dataset spec (``io.spec``) run over rows, every problem of every row worded.

A problem reads ``file:line: field: message``. Each row is checked through the spec in
order: its id (form, then ``rules.duplicate_id``), its customer (``rules.CustomerIndex``),
then each field by its parser and each row rule; a row with an error is rejected (its id is
remembered as rejected, for the records that depend on it), else its record is built.
Blank lines and rows of empty cells are not records.
"""

from __future__ import annotations

import csv
from array import array
from dataclasses import dataclass, field
from functools import partial
from typing import Optional

from ..engine.config import Config
from ..errors import Problem
from .fields import column_of, make_parsers
from .readers import csv_error_message
from .rules import COLUMN_RULES, ROW_RULES, CustomerIndex, duplicate_id
from .spec import DatasetSpec, Field


@dataclass
class LoadedFile:
    """What one data file gave: the records that passed the row checks (file order), their lines."""

    records: list = field(default_factory=list)       # engine records that passed the row checks
    lines: array = field(default_factory=lambda: array("q"))   # line of each record
    read: int = 0                                     # data records seen
    usable: bool = True                               # False: a whole-file fault, nothing accepted
    rejected_ids: dict = field(default_factory=dict)  # id -> line of rows rejected (for cascades)
    first: dict = field(default_factory=dict)         # every id seen -> line of its first row
    refund_at: list = field(default_factory=list)     # positions in records of the refunds
    missing_columns: list = field(default_factory=list)   # required columns absent from the file

    def items(self):
        return zip(self.lines, self.records)


class FileLoad:
    """One file being read: its spec, columns, parsers and what it has given so far.

    ``index[name]`` is the position of a column, -1 when absent (``pad``: each row then gets
    one empty cell appended, so that -1 reads as an empty value). ``first`` is the ids seen
    (None in a share load, which checks ids itself); ``careful`` is set once a duplicate id
    was found across chunks; ``custs`` is each row's Customer when a share load looked them up.
    """

    def __init__(self, spec: DatasetSpec, label: str, ncols: int, index: dict, cfg: Config,
                 problems: list, customers: Optional[CustomerIndex], loaded: LoadedFile, shared: bool = False):
        self.spec, self.label, self.ncols, self.index = spec, label, ncols, index
        self.add = problems.append
        self.pad = -1 in index.values()
        self.customers = customers
        self.loaded = loaded
        self.first = None if shared else loaded.first
        self.careful = False
        self.custs: Optional[list] = None
        self.customer_table = None             # (io.arrow: the accepted customers as Arrow arrays)
        self.id_name = spec.id_field.name
        self.i_id = index[self.id_name]
        self.i_cid = index.get("customer_id", -1)
        self.parsers = make_parsers(spec.fields, cfg)
        self.id_parser = self.parsers[spec.id_field.parser]
        self.record_fields = spec.record._fields
        named = {f.name for f in spec.fields} | {"seq"}
        # record fields no column gives (a reversal's customer, resolved later): their defaults
        self.unnamed = {f: spec.record._field_defaults[f] for f in self.record_fields if f not in named}
        self.row_steps = tuple(
            (c.name, index[c.name], self.parsers[c.parser].one, None) if isinstance(c, Field)
            else (c.name, -1, None, ROW_RULES[c.name]) for c in spec.checks)
        self.column_parsers = tuple(
            (c.name, getattr(self.parsers[c.parser], "column", None) or partial(column_of, self.parsers[c.parser].one))
            for c in spec.checks if isinstance(c, Field))
        self.column_rules = tuple(COLUMN_RULES[c.name] for c in spec.checks if not isinstance(c, Field))


def _blank(row: list) -> bool:
    """A blank line, or a row of empty cells (Excel writes ",,,," for rows it thinks used)."""
    return not any(c.strip() for c in row)


def _column_count(label: str, line: int, row: list, ncols: int) -> Problem:
    if len(row) < ncols:
        return Problem(label, line, "", f"too few fields: {len(row)} where the header has {ncols}")
    return Problem(label, line, "", f"too many fields: {len(row)} where the header has {ncols} "
                                   "(an unquoted comma in a value?)")


def _wrong_width(load: FileLoad, line: int, row: list) -> None:
    load.add(_column_count(load.label, line, row, load.ncols))
    i = load.i_id
    if 0 <= i < len(row):
        rid = row[i].strip()
        first = load.loaded.first
        if load.id_parser.fast(rid) and rid not in first:
            first[rid] = line
            load.loaded.rejected_ids[rid] = line


def _customer(load: FileLoad, row: list, line: int) -> tuple:
    """``(customer_id, Customer or None, bad)`` of the row's customer_id cell."""
    customers = load.customers
    cust = customers.by_id.get(row[load.i_cid])
    if cust is None:
        return customers.resolve(row[load.i_cid], load.label, line, load.add)
    return cust.customer_id, cust, False


def check_row(load: FileLoad, row: list, line: int, bad: bool, seq: int) -> Optional[bool]:
    """Check one row of the right width (``bad``: the reader refused it already); keep its
    record if it passes. Returns whether the row is bad, None for a row of empty cells."""
    label, add = load.label, load.add
    rid = row[load.i_id]
    if load.id_parser.fast(rid) is None:
        if _blank(row):
            return None
        rid, m = load.id_parser.one(rid)
        if m:
            add(Problem(label, line, load.id_name, m))
            bad = True
    if rid is not None:
        m = duplicate_id(load.loaded.first, rid, line, load.id_name)
        if m:
            add(Problem(label, line, load.id_name, m))
            bad = True
            rid = None                          # the first occurrence decides
    values = {load.id_name: rid, "seq": seq}
    cust = None
    if load.spec.of_customers:
        values["customer_id"], cust, b = _customer(load, row, line)
        bad = bad or b
    for name, i, one, rule in load.row_steps:
        if rule is not None:
            if rule(load, row, values, cust, line):
                bad = True
        elif name not in values:               # (a rule may have decided it: a refund's terms)
            v, m = one(row[i])
            if m is not None:
                add(Problem(label, line, name, m))
                bad = True
            values[name] = v
    loaded = load.loaded
    if bad:
        if rid is not None:
            loaded.rejected_ids[rid] = line
        return True
    if "refund_at" in values:
        loaded.refund_at.append(len(loaded.records))
    if load.unnamed:
        values.update(load.unnamed)
    loaded.records.append(load.spec.record._make(map(values.__getitem__, load.record_fields)))
    loaded.lines.append(line)
    return False


def run_rows(load: FileLoad, rows, pos, refused, n: int, bad: bool = False) -> tuple:
    """The row driver over ``rows`` (``pos.line_num + 1`` before a row is its line; ``refused``:
    lines the reader reported; ``bad``: whether the row before them was bad). Returns (last
    seq, last line, whether the last row that is not blank was bad)."""
    ncols, pad = load.ncols, load.pad
    line = 0
    prev = pos.line_num
    while True:
        try:
            for row in rows:
                line = prev + 1
                prev = pos.line_num
                n += 1
                if len(row) != ncols:
                    if _blank(row):
                        if line not in refused:
                            n -= 1                  # a blank line is not a record
                        continue
                    _wrong_width(load, line, row)
                    bad = True
                    continue
                if pad:
                    row.append("")
                bad = line in refused
                checked = check_row(load, row, line, bad, n)
                if checked is None:
                    if not bad:
                        n -= 1                      # a row of empty cells is not a record
                    continue
                bad = checked
        except csv.Error as e:            # a field above csv.field_size_limit, and the like
            line = prev + 1
            prev = pos.line_num
            load.add(Problem(load.label, line, "", csv_error_message(e)))
            bad = True
            n += 1
            continue
        break
    return n, line, bad
