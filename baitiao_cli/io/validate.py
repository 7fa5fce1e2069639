"""Field and cross-file validation: raw rows in, engine records and Problems out.

Each dataset has one hand-written row loop: fast-path checks that never raise for clean
values, and the strict ``parse_*`` of ``io.parse`` only to word the message of a bad value.
Every problem of every row is collected. Plain CSV transactions and repayments go first
through the column-wise checks of ``io.fastpath`` a chunk at a time; a chunk those refuse
comes back to the row loop, so the row loop alone decides what is reported.

Customers are read first and the other files are checked against them as they are read
(unknown or rejected customer, dated before the account opened); a record whose customer
was rejected is rejected too, and says so. Refunds are checked against their purchases
once the whole transactions file is read (``check_refunds``).
"""

from __future__ import annotations

import csv
import difflib
from array import array
from bisect import bisect_left
from dataclasses import dataclass, field
from decimal import Decimal
from itertools import compress, islice
from types import SimpleNamespace
from typing import Optional

from ..engine.config import Config
from ..engine.model import NORMAL, PURCHASE, REFUND, SETTLE, Customer, Deferral, Repayment, Txn
from ..errors import Problem
from .fastpath import ID_OF, bulk_repayments, bulk_transactions
from .parse import (
    CUSTOMER_ID, FEE_RATE_WARN, FEN, MONEY_OK, RECORD_ID, date_or_none, money_or_none, parse_customer_id,
    parse_date, parse_int, parse_money, parse_rate, parse_record_id, rate_or_none,
)
from .readers import TORN, RawFile, Rows, csv_error_message, rows_of_lines

MISSING = "missing required value"


@dataclass(frozen=True)
class Spec:
    name: str
    required: tuple
    optional: tuple


SPECS = {
    "customers": Spec("customers", ("customer_id", "opened_on"),
                      ("name", "phone", "id_number", "statement_day", "monthly_income", "credit_limit")),
    "transactions": Spec("transactions", ("txn_id", "customer_id", "date", "amount"),
                         ("type", "installments", "fee_rate", "ref_txn_id", "merchant", "category")),
    "repayments": Spec("repayments", ("repayment_id", "customer_id", "date", "amount"),
                       ("kind", "channel")),
    "deferrals": Spec("deferrals", ("deferral_id", "customer_id", "statement_date", "date", "days"), ()),
}


@dataclass
class Part:
    """What one file gave: the records that passed the row checks (file order), their lines."""

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


def _msg(parser, s: str, *args, **kw) -> str:
    if not s:
        return MISSING
    try:
        parser(s, *args, **kw)
    except ValueError as e:
        return str(e)
    return ""  # pragma: no cover - only called after a fast path refused the value


def _slow_id(raw: str, pattern, parser):
    """(id, None) for a valid id once spaces around it are stripped, else (None, message)."""
    s = raw.strip()
    if pattern.match(s):
        return s, None
    return None, _msg(parser, s)


def _slow_date(raw: str):
    s = raw.strip()
    d = date_or_none(s)
    if d is not None:
        return d, None
    return None, _msg(parse_date, s)


def _slow_money(raw: str, allow_zero: bool = False):
    s = raw.strip()
    if not s:
        return None, MISSING
    try:
        return parse_money(s, allow_zero=allow_zero), None
    except ValueError as e:
        return None, str(e)


CACHE_MAX = 1 << 17      # distinct values remembered per field (dates, short texts)
AMOUNTS_MAX = 1 << 19    # distinct amounts remembered (about 100 bytes each): shared Decimals


# --- columns ---------------------------------------------------------------------------------

def resolve_columns(raw: RawFile, spec: Spec, problems: list, part: Optional[Part] = None) -> tuple[dict, bool]:
    """Map column names to positions; report missing, duplicate and unknown columns.

    Returns ``(index, usable)``: ``index[name]`` is the position or -1 when absent (the row
    loops append one empty cell to every row so that -1 reads as an empty value); ``usable``
    is False when a required column is missing or a known column appears twice.
    """
    label = raw.label
    is_csv = raw.fmt == "csv"
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
        if part is not None:
            part.missing_columns.append(col)
        near = difflib.get_close_matches(col, [u for u in unknown if u], n=1, cutoff=0.6)
        if is_csv:
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
    index = {name: seen.get(name, -1) for name in known}
    return index, usable


def _column_count(label: str, line: int, row: list, ncols: int) -> Problem:
    if len(row) < ncols:
        return Problem(label, line, "", f"too few fields: {len(row)} where the header has {ncols}")
    return Problem(label, line, "", f"too many fields: {len(row)} where the header has {ncols} "
                                   "(an unquoted comma in a value?)")


def _torn(part_label: str, raw: RawFile, last_line: int, last_bad: bool, problems: list) -> None:
    if last_bad and not raw.ends_with_newline and raw.fmt == "csv":
        problems.append(Problem(part_label, last_line, "",
                                f"{TORN}: the file does not end with a newline and its last record "
                                "is incomplete"))


def _torn_journal(part: "Part", part_label: str, raw: RawFile, last_line: int, last_bad: bool,
                  problems: list) -> None:
    """Journals (repayments, deferrals) are only ever appended whole lines ending in a newline,
    so a missing final newline means a torn write even when the fragment happens to parse
    (``...,10.00,normal,ap``). The last record is then reported and never applied."""
    if raw.ends_with_newline or raw.empty or raw.fmt == "json":
        return
    if last_bad:
        _torn(part_label, raw, last_line, last_bad, problems)
        return
    if part.lines and part.lines[-1] == last_line:
        part.records.pop()
        part.lines.pop()
        problems.append(Problem(part_label, last_line, "",
                                f"{TORN}: the journal does not end with a newline, so its last record may "
                                "be cut short; it is not applied — repair the line (see docs/posting.md)"))


def _id_of(row: list, i: int, pattern) -> Optional[str]:
    if 0 <= i < len(row):
        s = row[i].strip()
        if pattern.match(s):
            return s
    return None


def _blank(row: list) -> bool:
    """A blank line, or a row of empty cells (Excel writes ",,,," for rows it thinks used)."""
    return not any(c.strip() for c in row)


def _wrong_width(part: Part, label: str, line: int, row: list, ncols: int,
                 i_id: int, pattern, problems: list) -> None:
    problems.append(_column_count(label, line, row, ncols))
    rid = _id_of(row, i_id, pattern)
    if rid and rid not in part.first:
        part.first[rid] = line
        part.rejected_ids[rid] = line


CHUNK = 1 << 10          # lines per chunk on the column-wise fast path (small: stays in cache)


class Unclean(Exception):
    """A share load (``Share``) met something only the full load may judge and word."""


@dataclass
class Share:
    """Load only the records of some customers, for a worker process of ``--jobs``.

    ``mine`` maps the id of every accepted customer to its Customer when its records are
    this worker's to check and keep, else to False. Ids are checked for duplicates over *all* rows (a duplicate
    may sit in the rows of two customers of different workers), split between the workers
    by the ids' own hash: this one checks the ids with ``hash(id) % ids_mod == ids_rem``
    (forked workers share the hash seed). Anything that is not clean -- a chunk the fast
    path refuses, a row of an unknown customer, a duplicate id -- raises ``Unclean``: the
    caller then loads the whole input the ordinary way.
    """

    mine: dict
    ids_mod: int = 1
    ids_rem: int = 0
    seen: set = field(default_factory=set)


# What resolve_columns says about a header (never about a row): the same in every worker of a
# share load, so a share load may carry them (every other problem makes it give up).
HEADER_WARNINGS = ("unknown column appears twice; ignored", "column has no name; ignored",
                   "unknown column ignored", "unknown key ignored")


def header_warning(p: Problem) -> bool:
    """A warning about the header only (an extra column...): harmless to a share load."""
    return p.severity == "warning" and p.message.startswith(HEADER_WARNINGS)


def index_refunded(part: Part) -> None:
    """Fill ``part.first`` (id -> line) for the purchases the refunds name, which is all
    ``check_refunds`` reads of it: a share load does not keep ``first`` while loading."""
    refs = {part.records[k].ref_txn_id for k in part.refund_at}
    if refs:
        part.first.update((r.txn_id, line) for r, line in zip(part.records, part.lines) if r.txn_id in refs)


def _drive_share(raw: RawFile, n: int, bulk, cx, share: Share) -> tuple:
    """``drive`` for a share: only this worker's rows reach ``bulk``; any doubt raises Unclean.

    Every row is owned by exactly one worker: the one whose ``share.mine`` says True for the
    row's customer_id cell (a cell naming no accepted customer makes every worker give up).
    Every worker checks the ids of every row for duplicates. (Cutting the two cells out of
    the raw lines with a regular expression, to parse only the worker's own lines, measured
    slower than parsing every line with ``csv.reader``.)
    """
    if bulk is None:
        raise Unclean("no fast path")
    i_id, i_cid = cx.idx[0], cx.idx[1]
    ncols = cx.ncols
    mine = share.mine.__getitem__
    seen = share.seen
    mod, rem = share.ids_mod, share.ids_rem
    line = 0
    for rows, lines in _chunks(raw):
        k = len(rows)
        if set(map(len, rows)) != {ncols}:
            raise Unclean("row width")
        try:
            flags = list(map(mine, [row[i_cid] for row in rows]))
        except KeyError:
            raise Unclean("unknown customer") from None
        ids = [row[i_id] for row in rows]
        if mod > 1:
            ids = [i for i in ids if hash(i) % mod == rem]
        before = len(seen)
        seen.update(ids)
        if len(seen) != before + len(ids):
            raise Unclean("duplicate id")
        seqs = range(n + 1, n + 1 + k)
        if all(flags):
            cx.custs = flags
            ok = bulk(rows, lines, seqs, cx)
        elif any(flags):
            cx.custs = list(compress(flags, flags))
            ok = bulk(list(compress(rows, flags)), list(compress(lines, flags)), list(compress(seqs, flags)), cx)
        else:
            ok = True
        cx.custs = None
        if not ok:
            raise Unclean("fast path refused a chunk")
        n += k
        line = lines[-1]
    return n, line, False


def _line_chunks(raw: RawFile):
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


def _chunks(raw: RawFile):
    """``(rows, lines)`` of each chunk of a file, raising Unclean where ``drive`` would use the row loop."""
    if raw.stream is not None:                       # plain CSV: one record per line
        for _lines, line0, rows in _line_chunks(raw):
            if rows is None:
                raise Unclean("csv")
            yield rows, range(line0, line0 + len(rows))
        return
    items = raw.items if raw.items is not None else iter(())
    while True:                                      # quoted CSV, JSON, JSON Lines
        chunk = list(islice(items, CHUNK))
        if not chunk:
            return
        lines, rows, oks = zip(*chunk)
        if not all(oks):
            raise Unclean("row")
        yield list(rows), lines


def drive(raw: RawFile, run, n: int, bulk, cx, problems: list, share: Optional[Share] = None) -> tuple:
    """Feed a file's rows to its row loop ``run(rows, pos, refused, n) -> (n, line, bad)``.

    With a ``bulk`` checker (``io.fastpath``) the records go a chunk at a time to
    ``bulk(rows, lines, seqs, cx)``, which builds the records of a clean chunk column by column;
    a chunk it refuses goes through ``run``, which finds and reports the problems.
    With a ``share``, only that share's rows are checked and kept (``_drive_share``).
    """
    if share is not None:
        return _drive_share(raw, n, bulk, cx, share)
    if bulk is None:
        return run(raw.rows, raw.pos, raw.rejected, n)
    line, bad = 0, False
    if raw.stream is not None:                       # plain CSV: one record per line
        for lines, line0, rows in _line_chunks(raw):
            if rows is not None and bulk(rows, range(line0, line0 + len(rows)), range(n + 1, n + 1 + len(rows)), cx):
                n += len(rows)
                line, bad = line0 + len(rows) - 1, False
            else:
                src = rows_of_lines(lines, line0, rows, raw.label, problems)
                n, line, bad = run(src, src, src.rejected, n)
        return n, line, bad
    items = raw.items if raw.items is not None else iter(())
    while True:                                      # quoted CSV, JSON, JSON Lines
        chunk = list(islice(items, CHUNK))
        if not chunk:
            return n, line, bad
        lines, rows, oks = zip(*chunk)
        if all(oks) and bulk(list(rows), lines, range(n + 1, n + 1 + len(rows)), cx):
            n += len(rows)
            line, bad = lines[-1], False
        else:
            src = Rows(chunk, chunk[0][0] - 1)
            n, line, bad = run(src, src, src.rejected, n)


# --- customers (read first: the other files are checked against them as they are read) --------

class CustomerIndex:
    """The accepted customers, and where the rejected ones were, for the dependent files.

    ``ok`` is False when the customers file is missing or unusable: then the dependent
    files are checked row by row but not against customers, and nothing of them is accepted.
    """

    def __init__(self, part: Optional[Part], label: str):
        self.ok = part is not None and part.usable
        self.by_id = {c.customer_id: c for c in part.records} if self.ok else {}
        self.rejected = part.rejected_ids if part is not None else {}
        self.label = label

    def problem(self, cid: str) -> str:
        """Why a record of customer ``cid`` (not accepted) is rejected."""
        line = self.rejected.get(cid)
        if line is not None:
            return f"customer {cid!r} was rejected ({self.label}:{line}); record skipped"
        return f"unknown customer {cid!r} (not in {self.label})"

    def resolve(self, raw_cell: str, label: str, line: int, add) -> tuple:
        """The slow path of a customer_id cell: ``(customer_id, Customer or None, bad)``."""
        cid = raw_cell.strip()
        if not CUSTOMER_ID.match(cid):
            add(Problem(label, line, "customer_id", _msg(parse_customer_id, cid)))
            return None, None, True
        if not self.ok:
            return cid, None, False            # not checked: the whole file is refused later
        cust = self.by_id.get(cid)
        if cust is None:
            add(Problem(label, line, "customer_id", self.problem(cid)))
            return cid, None, True
        return cust.customer_id, cust, False


def _before_opening(label: str, line: int, what: str, d, cust) -> Problem:
    return Problem(label, line, "date",
                   f"{what} dated {d.isoformat()} is before the account of {cust.customer_id!r} "
                   f"opened ({cust.opened_on.isoformat()})")


def read_customers(raw: RawFile, cfg: Config, problems: list) -> Part:
    part = Part()
    label = raw.label
    add = problems.append
    P = Problem
    idx, part.usable = resolve_columns(raw, SPECS["customers"], problems, part)
    ncols = len(raw.columns)
    i_id, i_open, i_name, i_phone, i_idn, i_day, i_inc, i_lim = (
        idx["customer_id"], idx["opened_on"], idx["name"], idx["phone"], idx["id_number"],
        idx["statement_day"], idx["monthly_income"], idx["credit_limit"])
    days = {str(d): d for d in range(1, 29)}
    days.update({f"{d:02d}": d for d in range(1, 10)})
    days[""] = cfg.billing.statement_day
    cid_ok = CUSTOMER_ID.match
    dates: dict = {}
    first = part.first
    records, lines = part.records, part.lines
    rejected = part.rejected_ids
    make = Customer
    pad = -1 in idx.values()

    def run(rows, pos, refused, n):
        """The row loop: every check of every row; returns (last seq, last line, last bad)."""
        line = 0
        bad = False
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
                        _wrong_width(part, label, line, row, ncols, i_id, CUSTOMER_ID, problems)
                        bad = True
                        continue
                    if pad:
                        row.append("")
                    bad = line in refused
                    cid = row[i_id]
                    if cid_ok(cid) is None:
                        if _blank(row):
                            if not bad:
                                n -= 1                  # a row of empty cells is not a record
                            continue
                        cid, m = _slow_id(cid, CUSTOMER_ID, parse_customer_id)
                        if m:
                            add(P(label, line, "customer_id", m))
                            bad = True
                    if cid is not None:
                        fl = first.setdefault(cid, line)
                        if fl != line:
                            add(P(label, line, "customer_id", f"duplicate customer_id {cid!r} (first on line {fl})"))
                            bad = True
                            cid = None                  # the first occurrence decides
                    s = row[i_open]
                    opened = dates.get(s)
                    if opened is None:
                        opened = date_or_none(s)
                        if opened is None:
                            opened, m = _slow_date(s)
                            if m:
                                add(P(label, line, "opened_on", m))
                                bad = True
                        elif len(dates) < CACHE_MAX:
                            dates[s] = opened
                    s = row[i_day]
                    day = days.get(s)
                    if day is None:
                        s = s.strip()
                        day = days.get(s)
                        if day is None:
                            try:
                                msg = f"statement day must be between 1 and 28, got {parse_int(s)}"
                            except ValueError as e:
                                msg = str(e)
                            add(P(label, line, "statement_day", msg))
                            bad = True
                    income = limit = None
                    s = row[i_inc]
                    if s:
                        income = money_or_none(s, True)
                        if income is None and s.strip():
                            income, m = _slow_money(s, True)
                            if m:
                                add(P(label, line, "monthly_income", m))
                                bad = True
                    s = row[i_lim]
                    if s:
                        limit = money_or_none(s, True)
                        if limit is None and s.strip():
                            limit, m = _slow_money(s, True)
                            if m:
                                add(P(label, line, "credit_limit", m))
                                bad = True
                    if bad:
                        if cid is not None:
                            rejected[cid] = line
                        continue
                    records.append(make(cid, opened, day, row[i_name].strip(), row[i_phone].strip(),
                                        row[i_idn].strip(), income, limit))
                    lines.append(line)
            except csv.Error as e:            # a field above csv.field_size_limit, and the like
                line = prev + 1
                prev = pos.line_num
                add(Problem(label, line, "", csv_error_message(e)))
                bad = True
                n += 1
                continue
            break
        return n, line, bad

    n, line, bad = drive(raw, run, -1, None, None, problems)
    part.read = n + 1
    _torn(label, raw, line, bad, problems)
    return part


# --- transactions ----------------------------------------------------------------------------

def read_transactions(raw: RawFile, cfg: Config, problems: list, customers: CustomerIndex,
                      share: Optional[Share] = None) -> Part:
    part = Part()
    label = raw.label
    add = problems.append
    P = Problem
    idx, part.usable = resolve_columns(raw, SPECS["transactions"], problems, part)
    ncols = len(raw.columns)
    i_id, i_cid, i_date, i_amt, i_type, i_inst, i_fee, i_ref, i_mer, i_cat = (
        idx["txn_id"], idx["customer_id"], idx["date"], idx["amount"], idx["type"],
        idx["installments"], idx["fee_rate"], idx["ref_txn_id"], idx["merchant"], idx["category"])
    terms = {str(t): t for t in cfg.installments.terms}
    allowed = ", ".join(str(t) for t in cfg.installments.terms)
    terms[""] = 1
    types = {"": PURCHASE, PURCHASE: PURCHASE, REFUND: REFUND}
    by_id_get = customers.by_id.get
    resolve = customers.resolve
    id_ok = RECORD_ID.match
    money_ok = MONEY_OK.match
    dates: dict = {}
    amounts: dict = {}
    texts: dict = {}
    first = part.first
    records, lines, refund_at = part.records, part.lines, part.refund_at
    rejected = part.rejected_ids
    make = Txn
    pad = -1 in idx.values()

    def run(rows, pos, refused, n):
        """The row loop: every check of every row; returns (last seq, last line, last bad)."""
        line = 0
        bad = False
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
                        _wrong_width(part, label, line, row, ncols, i_id, RECORD_ID, problems)
                        bad = True
                        continue
                    if pad:
                        row.append("")
                    bad = line in refused
                    tid = row[i_id]
                    if id_ok(tid) is None:
                        if _blank(row):
                            if not bad:
                                n -= 1                  # a row of empty cells is not a record
                            continue
                        tid, m = _slow_id(tid, RECORD_ID, parse_record_id)
                        if m:
                            add(P(label, line, "txn_id", m))
                            bad = True
                    if tid is not None:
                        fl = first.setdefault(tid, line)
                        if fl != line:
                            add(P(label, line, "txn_id", f"duplicate txn_id {tid!r} (first on line {fl})"))
                            bad = True
                            tid = None
                    cust = by_id_get(row[i_cid])
                    if cust is None:
                        cid, cust, b = resolve(row[i_cid], label, line, add)
                        bad = bad or b
                    else:
                        cid = cust.customer_id
                    s = row[i_date]
                    d = dates.get(s)
                    if d is None:
                        d = date_or_none(s)
                        if d is None:
                            d, m = _slow_date(s)
                            if m:
                                add(P(label, line, "date", m))
                                bad = True
                        elif len(dates) < CACHE_MAX:
                            dates[s] = d
                    s = row[i_amt]
                    amount = amounts.get(s)
                    if amount is None:
                        if money_ok(s) is not None and (amount := Decimal(s)):
                            if s[-3:-2] != ".":
                                amount = amount.quantize(FEN)
                            if len(amounts) < AMOUNTS_MAX:
                                amounts[s] = amount
                        else:
                            amount, m = _slow_money(s)
                            if m:
                                add(P(label, line, "amount", m))
                                bad = True
                    s = row[i_type]
                    typ = types.get(s)
                    if typ is None:
                        typ = types.get(s.strip().lower())
                        if typ is None:
                            add(P(label, line, "type", f"type must be 'purchase' or 'refund', got {s.strip()!r}"))
                            bad = True
                    s = row[i_inst]
                    inst = terms.get(s)
                    if inst is None:
                        s = s.strip()
                        inst = terms.get(s)
                    f = row[i_fee]
                    if f:
                        f = f.strip()
                    ref = row[i_ref]
                    if ref:
                        ref = ref.strip() or None
                    else:
                        ref = None
                    if typ is REFUND:
                        if s and inst != 1:
                            add(P(label, line, "installments", f"ignored for a refund: {s!r}", "warning"))
                        if f:
                            add(P(label, line, "fee_rate", f"ignored for a refund: {f!r}", "warning"))
                        inst = 1
                        f = ""
                        if ref is None:
                            add(P(label, line, "ref_txn_id", "missing required value: a refund must name "
                                                             "the purchase it refunds"))
                            bad = True
                    elif typ is PURCHASE:
                        if ref is not None:
                            add(P(label, line, "ref_txn_id", f"a purchase cannot refer to another "
                                                             f"transaction ({ref!r}); is type 'refund' missing?"))
                            bad = True
                        if cust is not None and d is not None and d < cust.opened_on:
                            add(_before_opening(label, line, "purchase", d, cust))
                            bad = True
                    if inst is None:
                        try:
                            msg = f"unknown term {parse_int(s)} (installments allowed: {allowed})"
                        except ValueError as e:
                            msg = str(e)
                        add(P(label, line, "installments", msg))
                        bad = True
                    fee_rate = None
                    if f:
                        fee_rate = rate_or_none(f)
                        if fee_rate is None:
                            add(P(label, line, "fee_rate", _msg(parse_rate, f)))
                            bad = True
                        elif fee_rate >= FEE_RATE_WARN:
                            add(P(label, line, "fee_rate", f"{f} is {fee_rate * 100}% per period (an annualized "
                                  f"rate above 100%); kept as given — did you mean {fee_rate / 100}?",
                                  "warning"))
                    if bad:
                        if tid is not None:
                            rejected[tid] = line
                        continue
                    s = row[i_mer]
                    mer = texts.get(s)
                    if mer is None:
                        mer = s.strip()
                        if len(texts) < CACHE_MAX:
                            texts[s] = mer
                    s = row[i_cat]
                    cat = texts.get(s)
                    if cat is None:
                        cat = s.strip()
                        if len(texts) < CACHE_MAX:
                            texts[s] = cat
                    if typ is REFUND:
                        refund_at.append(len(records))
                    records.append(make(tid, cid, d, amount, typ, inst, fee_rate, ref, mer, cat, n))
                    lines.append(line)
            except csv.Error as e:            # a field above csv.field_size_limit, and the like
                line = prev + 1
                prev = pos.line_num
                add(Problem(label, line, "", csv_error_message(e)))
                bad = True
                n += 1
                continue
            break
        return n, line, bad

    cx = SimpleNamespace(
        ncols=ncols, idx=(i_id, i_cid, i_date, i_amt, i_type, i_inst, i_fee, i_ref, i_mer, i_cat),
        first=first if share is None else None, careful=False, rejected=rejected, id_of=ID_OF, custs=None,
        by_id=customers.by_id if customers.ok else None, dates=dates,
        texts=texts, amounts=amounts, amounts_max=AMOUNTS_MAX,
        cache_max=CACHE_MAX, terms=terms, types=types, records=records, lines=lines,
        refund_at=refund_at, make=make)
    n, line, bad = drive(raw, run, -1, bulk_transactions if part.usable else None, cx, problems, share)
    part.read = n + 1
    _torn(label, raw, line, bad, problems)
    return part


# --- repayments ------------------------------------------------------------------------------

def read_repayments(raw: RawFile, cfg: Config, problems: list, customers: CustomerIndex,
                    share: Optional[Share] = None) -> Part:
    part = Part()
    label = raw.label
    add = problems.append
    P = Problem
    idx, part.usable = resolve_columns(raw, SPECS["repayments"], problems, part)
    ncols = len(raw.columns)
    i_id, i_cid, i_date, i_amt, i_kind, i_ch = (
        idx["repayment_id"], idx["customer_id"], idx["date"], idx["amount"], idx["kind"], idx["channel"])
    kinds = {"": NORMAL, NORMAL: NORMAL, SETTLE: SETTLE}
    by_id_get = customers.by_id.get
    resolve = customers.resolve
    id_ok = RECORD_ID.match
    money_ok = MONEY_OK.match
    dates: dict = {}
    amounts: dict = {}
    texts: dict = {}
    first = part.first
    rejected = part.rejected_ids
    records, lines = part.records, part.lines
    make = Repayment
    pad = -1 in idx.values()

    def run(rows, pos, refused, n):
        """The row loop: every check of every row; returns (last seq, last line, last bad)."""
        line = 0
        bad = False
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
                        _wrong_width(part, label, line, row, ncols, i_id, RECORD_ID, problems)
                        bad = True
                        continue
                    if pad:
                        row.append("")
                    bad = line in refused
                    rid = row[i_id]
                    if id_ok(rid) is None:
                        if _blank(row):
                            if not bad:
                                n -= 1                  # a row of empty cells is not a record
                            continue
                        rid, m = _slow_id(rid, RECORD_ID, parse_record_id)
                        if m:
                            add(P(label, line, "repayment_id", m))
                            bad = True
                    if rid is not None:
                        fl = first.setdefault(rid, line)
                        if fl != line:
                            add(P(label, line, "repayment_id", f"duplicate repayment_id {rid!r} (first on line {fl})"))
                            bad = True
                    cust = by_id_get(row[i_cid])
                    if cust is None:
                        cid, cust, b = resolve(row[i_cid], label, line, add)
                        bad = bad or b
                    else:
                        cid = cust.customer_id
                    s = row[i_date]
                    d = dates.get(s)
                    if d is None:
                        d = date_or_none(s)
                        if d is None:
                            d, m = _slow_date(s)
                            if m:
                                add(P(label, line, "date", m))
                                bad = True
                        elif len(dates) < CACHE_MAX:
                            dates[s] = d
                    if cust is not None and d is not None and d < cust.opened_on:
                        add(_before_opening(label, line, "repayment", d, cust))
                        bad = True
                    s = row[i_amt]
                    amount = amounts.get(s)
                    if amount is None:
                        if money_ok(s) is not None and (amount := Decimal(s)):
                            if s[-3:-2] != ".":
                                amount = amount.quantize(FEN)
                            if len(amounts) < AMOUNTS_MAX:
                                amounts[s] = amount
                        else:
                            amount, m = _slow_money(s)
                            if m:
                                add(P(label, line, "amount", m))
                                bad = True
                    s = row[i_kind]
                    kind = kinds.get(s)
                    if kind is None:
                        kind = kinds.get(s.strip().lower())
                        if kind is None:
                            add(P(label, line, "kind", f"kind must be 'normal' or 'settle', got {s.strip()!r}"))
                            bad = True
                    if bad:
                        if rid is not None and first[rid] == line:
                            rejected[rid] = line     # (what first holds: see fastpath._commit)
                        continue
                    s = row[i_ch]
                    ch = texts.get(s)
                    if ch is None:
                        ch = s.strip()
                        if len(texts) < CACHE_MAX:
                            texts[s] = ch
                    records.append(make(rid, cid, d, amount, kind, ch, n))
                    lines.append(line)
            except csv.Error as e:            # a field above csv.field_size_limit, and the like
                line = prev + 1
                prev = pos.line_num
                add(Problem(label, line, "", csv_error_message(e)))
                bad = True
                n += 1
                continue
            break
        return n, line, bad

    cx = SimpleNamespace(
        ncols=ncols, idx=(i_id, i_cid, i_date, i_amt, i_kind, i_ch), first=first if share is None else None,
        careful=False, rejected=rejected, id_of=ID_OF, custs=None,
        by_id=customers.by_id if customers.ok else None, dates=dates, texts=texts,
        amounts=amounts, amounts_max=AMOUNTS_MAX, cache_max=CACHE_MAX, kinds=kinds, records=records, lines=lines, make=make)
    n, line, bad = drive(raw, run, -1, bulk_repayments if part.usable else None, cx, problems, share)
    part.read = n + 1
    _torn_journal(part, label, raw, line, bad, problems)
    return part


# --- deferrals -------------------------------------------------------------------------------

def read_deferrals(raw: RawFile, cfg: Config, problems: list, customers: CustomerIndex,
                   share: Optional[Share] = None) -> Part:
    part = Part()
    label = raw.label
    add = problems.append
    P = Problem
    idx, part.usable = resolve_columns(raw, SPECS["deferrals"], problems, part)
    ncols = len(raw.columns)
    i_id, i_cid, i_sd, i_date, i_days = (
        idx["deferral_id"], idx["customer_id"], idx["statement_date"], idx["date"], idx["days"])
    max_days = cfg.deferral.max_days
    days_ok = {str(k): k for k in range(1, max_days + 1)}
    by_id_get = customers.by_id.get
    resolve = customers.resolve
    id_ok = RECORD_ID.match
    first = part.first
    records, lines = part.records, part.lines
    make = Deferral
    pad = -1 in idx.values()

    def run(rows, pos, refused, n):
        """The row loop: every check of every row; returns (last seq, last line, last bad)."""
        line = 0
        bad = False
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
                        _wrong_width(part, label, line, row, ncols, i_id, RECORD_ID, problems)
                        bad = True
                        continue
                    if pad:
                        row.append("")
                    bad = line in refused
                    did = row[i_id]
                    if id_ok(did) is None:
                        if _blank(row):
                            if not bad:
                                n -= 1                  # a row of empty cells is not a record
                            continue
                        did, m = _slow_id(did, RECORD_ID, parse_record_id)
                        if m:
                            add(P(label, line, "deferral_id", m))
                            bad = True
                    if did is not None:
                        fl = first.setdefault(did, line)
                        if fl != line:
                            add(P(label, line, "deferral_id", f"duplicate deferral_id {did!r} (first on line {fl})"))
                            bad = True
                    cust = by_id_get(row[i_cid])
                    if cust is None:
                        cid, cust, b = resolve(row[i_cid], label, line, add)
                        bad = bad or b
                    else:
                        cid = cust.customer_id
                    sd, m = _slow_date(row[i_sd])
                    if m:
                        add(P(label, line, "statement_date", m))
                        bad = True
                    d, m = _slow_date(row[i_date])
                    if m:
                        add(P(label, line, "date", m))
                        bad = True
                    elif cust is not None and d < cust.opened_on:
                        add(_before_opening(label, line, "deferral request", d, cust))
                        bad = True
                    s = row[i_days].strip()
                    days = days_ok.get(s)
                    if days is None:
                        if not s:
                            msg = MISSING
                        else:
                            try:
                                msg = (f"days must be between 1 and {max_days} (deferral.max_days), "
                                       f"got {parse_int(s)}")
                            except ValueError as e:
                                msg = str(e)
                        add(P(label, line, "days", msg))
                        bad = True
                    if bad:
                        continue
                    records.append(make(did, cid, sd, d, days, n))
                    lines.append(line)
            except csv.Error as e:            # a field above csv.field_size_limit, and the like
                line = prev + 1
                prev = pos.line_num
                add(Problem(label, line, "", csv_error_message(e)))
                bad = True
                n += 1
                continue
            break
        return n, line, bad

    n, line, bad = drive(raw, run, -1, None, None, problems)
    part.read = n + 1
    _torn_journal(part, label, raw, line, bad, problems)
    return part


# --- refunds against their purchases ----------------------------------------------------------

def check_refunds(part: Part, label: str, problems: list) -> list:
    """The accepted transactions: refunds checked against the purchases they name.

    A refund must name a purchase that was accepted, of the same customer, dated on or
    before it; and the refunds of a purchase, taken in date then file order, may not add
    up to more than it. A refund breaking a rule is rejected, with the reason.
    """
    records = part.records
    if not part.refund_at:
        return records
    lines = part.lines
    first = part.first
    add = problems.append
    ok_refunds = []
    dropped: set = set()
    for k in part.refund_at:
        r, line = records[k], lines[k]
        ref = r.ref_txn_id
        pline = first.get(ref)
        if pline is None:
            add(Problem(label, line, "ref_txn_id", f"unknown purchase {ref!r} (not in {label})"))
            dropped.add(k)
            continue
        j = bisect_left(lines, pline)
        p = records[j] if j < len(lines) and lines[j] == pline else None
        if p is None:
            add(Problem(label, line, "ref_txn_id",
                        f"refunds purchase {ref!r}, which was rejected (line {pline}); record skipped"))
        elif p.type == REFUND:
            add(Problem(label, line, "ref_txn_id",
                        f"refunds {ref!r}, which is itself a refund (line {pline}); a refund must name "
                        "a purchase"))
        elif p.customer_id != r.customer_id:
            add(Problem(label, line, "ref_txn_id",
                        f"refunds {ref!r}, a purchase of another customer ({p.customer_id!r}, line {pline})"))
        elif r.date < p.date:
            add(Problem(label, line, "date",
                        f"refund dated {r.date.isoformat()} is before the purchase {ref!r} it refunds "
                        f"({p.date.isoformat()}, line {pline})"))
        else:
            ok_refunds.append((k, r, p))
            continue
        dropped.add(k)
    ok_refunds.sort(key=lambda krp: (krp[1].date, krp[1].seq))
    refunded: dict = {}
    for k, r, p in ok_refunds:
        total = refunded.get(p.txn_id, 0) + r.amount
        if total > p.amount:
            add(Problem(label, lines[k], "amount",
                        f"refund of {r.amount} would bring the refunds of {p.txn_id!r} to {total}, "
                        f"more than the purchase amount {p.amount}"))
            dropped.add(k)
            continue
        refunded[p.txn_id] = total
    if not dropped:
        return records
    return [t for k, t in enumerate(records) if k not in dropped]


READERS = {"customers": read_customers, "transactions": read_transactions,
           "repayments": read_repayments, "deferrals": read_deferrals}
