"""Column-wise validation of clean chunks of records: the fast path for the big journals.

A chunk of records (a thousand rows of CSV, JSON or JSON Lines, with their line numbers and
their ``seq``, the position among the file's records)
can be checked a column at a time with C-level operations: one regular expression over a whole column joined by newlines, ``set``
arithmetic for ids and enumerations, ``map`` for conversions. A chunk that passes every
check becomes records exactly as the row loop of ``io.validate`` would build them; a chunk
that fails any check is handed back to that row loop, which finds and words the problems.
So this module never reports anything: it only says "clean" (and does the work) or "no".
Being stricter than the row loop is always safe (the row loop then decides): a refund
dated before its customer's account opened sends its chunk to the row loop, which leaves
that to the refund checks.

Used for transactions and repayments, the files that reach millions of rows.
"""

from __future__ import annotations

import re
from decimal import Decimal
from itertools import compress, repeat
from operator import attrgetter, is_, itemgetter, lt

from ..engine.model import REFUND
from .parse import FEE_RATE_WARN, FEN, MONEY_MAX_INT_DIGITS, date_or_none, rate_or_none

# The same languages as parse.CUSTOMER_ID, parse.RECORD_ID and the money fast path, for a
# column joined with "\n" (which none of them can contain).
_CID = r"[A-Za-z0-9_-]{1,64}"
_RID = r"[^\x00-\x20\x7f](?:[^\x00-\x1f\x7f]{0,126}[^\x00-\x20\x7f])?"
_MONEY = r"[0-9]{1,%d}(?:\.[0-9]{1,2})?" % MONEY_MAX_INT_DIGITS     # (and > 0: checked after)
_MONEY2 = r"[0-9]+\.[0-9]{2}"


def _column_re(item: str) -> re.Pattern:
    return re.compile(r"(?:%s\n)*%s" % (item, item))


ALL_CIDS = _column_re(_CID)       # also the common form of the other ids: 4x faster than ALL_RIDS
ALL_RIDS = _column_re(_RID)
ALL_MONEY = _column_re(_MONEY)
ALL_MONEY2 = _column_re(_MONEY2)
_strip = str.strip
_tuple_new = tuple.__new__
_quantize = Decimal.quantize
_opened_on = attrgetter("opened_on")
_customer_id = attrgetter("customer_id")
ID_OF = itemgetter(0)          # the id of a Txn, Repayment (their first field)


def _all(pattern: re.Pattern, col) -> bool:
    return pattern.fullmatch("\n".join(col)) is not None


def _col(cols: list, i: int, n: int) -> tuple:
    return cols[i] if i >= 0 else ("",) * n


def _dates(col, cache: dict) -> list | None:
    """The column's dates through ``cache``; None when one of them is not a clean date."""
    dates = list(map(cache.get, col))
    if all(dates):                           # (a date is never false; a text not cached is None)
        return dates
    for s in set(col).difference(cache):
        d = date_or_none(s)
        if d is None:
            return None
        cache[s] = d
    return list(map(cache.__getitem__, col))


def _ids(col) -> bool:
    return _all(ALL_CIDS, col) or _all(ALL_RIDS, col)


def _decimals(texts) -> list | None:
    """Clean amount texts as Decimals to the fen; None if one is not a clean positive amount."""
    if not _all(ALL_MONEY, texts):
        return None
    amounts = list(map(Decimal, texts))
    if not min(amounts) > 0:
        return None
    if not _all(ALL_MONEY2, texts):         # some without exactly 2 decimals: 99.9 -> 99.90
        amounts = list(map(_quantize, amounts, repeat(FEN)))
    return amounts


def _amounts(col) -> list | None:
    """The column's amounts as Decimals. (Not through the row loop's text -> Decimal cache,
    which shares equal amounts as one object: probing a cache of hundreds of thousands of
    amounts costs several times what ``Decimal(text)`` does; the memory it saved at 100k
    customers was about 0.2 GB of 1 GB.)"""
    return _decimals(col)


def _texts(col, cache: dict, limit: int):
    """Stripped, and equal texts as one string object while the cache has room (memory)."""
    col = list(map(_strip, col))
    if len(cache) < limit:
        return map(cache.setdefault, col, col)
    return col


def _customers(cids, dates: list, by_id, custs: list | None = None) -> list | None:
    """The customer_id of each row, as the accepted Customer spells it (one shared string);
    None when a customer is unknown or rejected, or a row is dated before its account opened.
    Without ``by_id`` (the customers file is unusable) the ids are only checked for form.
    ``custs``: each row's Customer, already looked up by the caller (a share load)."""
    if by_id is None:
        return cids if _all(ALL_CIDS, cids) else None
    if custs is None:
        custs = list(map(by_id.get, cids))
    if not all(custs) or any(map(lt, dates, map(_opened_on, custs))):
        return None
    return list(map(_customer_id, custs))


def _ids_new(ids, cx, n: int) -> bool:
    """No id twice in the chunk; once a file has shown a duplicate (``cx.careful``), none
    seen in an earlier chunk either -- until then ``_commit`` finds that out as it records
    the ids, one probe of the big table per id instead of two. (``cx.first`` is None in a
    share load, which checks the ids of every row itself: ``io.validate.Share``.)"""
    first = cx.first
    return first is None or (len(set(ids)) == n and (not cx.careful or first.keys().isdisjoint(ids)))


def bulk_repayments(rows: list, lines, seqs, cx) -> bool:
    """Build the chunk's repayments if every row is clean; False (nothing done) otherwise."""
    n = len(rows)
    if set(map(len, rows)) != {cx.ncols}:
        return False
    cols = list(zip(*rows))
    i_id, i_cid, i_date, i_amt, i_kind, i_ch = cx.idx
    ids = cols[i_id]
    if not (_ids(ids) and _ids_new(ids, cx, n)):
        return False
    kinds = _col(cols, i_kind, n)
    if not set(kinds) <= cx.kinds.keys():
        return False
    dates = _dates(cols[i_date], cx.dates)
    if dates is None:
        return False
    cids = _customers(cols[i_cid], dates, cx.by_id, cx.custs)
    amounts = _amounts(cols[i_amt])
    if cids is None or amounts is None:
        return False
    # clean: build exactly what the row loop would
    records = build(cx.make, ids, cids, dates, amounts, map(cx.kinds.__getitem__, kinds),
                    _texts(_col(cols, i_ch, n), cx.texts, cx.cache_max), seqs)
    return _commit(cx, ids, records, lines, n)


def build(cls, *columns) -> list:
    """``[cls(*values) for values in zip(*columns)]`` for a named tuple class, in C: one
    ``tuple.__new__`` per record, no Python call (the records are the loader's biggest cost).
    Every field needs its column: ``tuple.__new__`` knows nothing of the defaults."""
    if len(columns) != len(cls._fields):                     # pragma: no cover - a bug, not data
        raise AssertionError(f"{cls.__name__} has {len(cls._fields)} fields, not {len(columns)}")
    return list(map(_tuple_new, repeat(cls), zip(*columns)))


def _commit(cx, ids, records: list, lines, n: int) -> bool:
    if len(records) != n:                                   # pragma: no cover - a bug, not data
        raise AssertionError("fast path built the wrong number of records")
    first = cx.first
    if first is not None:
        before = len(first)
        first.update(zip(ids, lines))
        if len(first) != before + n:
            # an id of an earlier chunk: put ``first`` back as the row loop knows it (every
            # accepted record's id and the ids of rejected rows, each with its first line)
            # and hand the chunk to the row loop; the rest of the file checks beforehand
            first.clear()
            first.update(zip(map(cx.id_of, cx.records), cx.lines))
            first.update(cx.rejected)
            cx.careful = True
            return False
    cx.records.extend(records)
    cx.lines.extend(lines)
    return True


def bulk_transactions(rows: list, lines, seqs, cx) -> bool:
    """Build the chunk's transactions if every row is clean; False (nothing done) otherwise.

    Refunds are clean here only in their plain form (a ``ref_txn_id``, no installments or
    fee rate); a purchase must not name a ``ref_txn_id``. Anything else goes to the row loop.
    """
    n = len(rows)
    if set(map(len, rows)) != {cx.ncols}:
        return False
    cols = list(zip(*rows))
    i_id, i_cid, i_date, i_amt, i_type, i_inst, i_fee, i_ref, i_mer, i_cat = cx.idx
    ids = cols[i_id]
    if not (_ids(ids) and _ids_new(ids, cx, n)):
        return False
    types = _col(cols, i_type, n)
    insts = _col(cols, i_inst, n)
    fees = cols[i_fee] if i_fee >= 0 else ("",) * n
    refs = _col(cols, i_ref, n)
    if not (set(types) <= cx.types.keys() and set(insts) <= cx.terms.keys()):
        return False
    types = list(map(cx.types.__getitem__, types))
    insts = list(map(cx.terms.__getitem__, insts))
    fee_set = set(fees)
    if fee_set == {""}:
        rates = repeat(None, n)
    else:
        cache = {"": None}
        for f in fee_set - {""}:
            r = rate_or_none(f)
            if r is None or r >= FEE_RATE_WARN:      # the row loop words the problem or warning
                return False
            cache[f] = r
        rates = list(map(cache.__getitem__, fees))
    refund_at = list(compress(range(n), map(is_, types, repeat(REFUND))))
    n_refs = n - refs.count("")
    if refund_at or n_refs:
        # every refund names a purchase and has no terms; no purchase names anything
        if n_refs != len(refund_at):
            return False
        for k in refund_at:
            if not refs[k] or insts[k] != 1 or fees[k] != "":
                return False              # the row loop words it
        if not _ids([refs[k] for k in refund_at]):
            return False
        refs = [r or None for r in refs]
    else:
        refs = repeat(None, n)
    dates = _dates(cols[i_date], cx.dates)
    if dates is None:
        return False
    cids = _customers(cols[i_cid], dates, cx.by_id, cx.custs)     # (refunds too: safe, see module doc)
    amounts = _amounts(cols[i_amt])
    if cids is None or amounts is None:
        return False
    texts, limit = cx.texts, cx.cache_max
    records = build(cx.make, ids, cids, dates, amounts, types, insts, rates, refs,
                    _texts(_col(cols, i_mer, n), texts, limit), _texts(_col(cols, i_cat, n), texts, limit), seqs)
    if refund_at:
        base = len(cx.records)
        cx.refund_at.extend(base + k for k in refund_at)
    return _commit(cx, ids, records, lines, n)

