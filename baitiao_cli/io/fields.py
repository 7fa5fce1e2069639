"""The field parsers the dataset specs name (``io.spec``): one value, and optionally a column.

Each parser is made once per file read (``make_parsers``), keeps its caches, and has:

- ``one(text) -> (value, message)``: ``message`` is None for a good value, else the words of
  the problem (the strict ``parse_*`` of ``io.parse`` word it); used by the row driver;
- ``column(texts) -> values or None`` (optional): a whole column at once for the column
  driver, None as soon as one value is not clean (the row driver then words it). A parser
  without it is run value by value (``column_of``). A column form may be stricter than
  ``one`` (no spaces around a value...), never looser.

The parsers are looked up by name (``PARSERS``), so that a later column driver (pyarrow
arrays, say) can bring its own column forms for the same names.
"""

from __future__ import annotations

import re
from functools import partial
from decimal import Decimal
from itertools import repeat

from ..engine.config import Config
from ..engine.model import ADJUSTMENT_KINDS, LIMIT_ACTIONS, NORMAL, PURCHASE, REFUND, SETTLE
from .parse import (
    CUSTOMER_ID, FEN, MONEY_MAX_INT_DIGITS, MONEY_OK, RECORD_ID, date_or_none, explain, money_or_none,
    parse_customer_id, parse_date, parse_int, parse_money, parse_rate, parse_record_id, rate_or_none,
)

MISSING = "missing required value"
CACHE_MAX = 1 << 17      # distinct values remembered per field (dates, short texts)
AMOUNTS_MAX = 1 << 19    # distinct amounts remembered (about 100 bytes each): shared Decimals

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
_quantize = Decimal.quantize


def all_match(pattern: re.Pattern, col) -> bool:
    return pattern.fullmatch("\n".join(col)) is not None


def clean_ids(col) -> bool:
    """Every value of the column is a clean id (customer or record id), no spaces around it."""
    return all_match(ALL_CIDS, col) or all_match(ALL_RIDS, col)


def message(parser, s: str, *args, **kw) -> str:
    """Why ``parser`` refuses ``s`` (an empty value is missing)."""
    return explain(parser, s, *args, **kw) if s else MISSING


def column_of(one, col) -> list | None:
    """A column through a one-value parser: the values, or None if one of them has a problem."""
    values = []
    append = values.append
    for s in col:
        v, m = one(s)
        if m is not None:
            return None
        append(v)
    return values


class Parser:
    """A field parser, made for one file: ``cfg`` gives its tables; ``cache`` for those that share values."""

    def __init__(self, cfg: Config):
        self.cache: dict = {}


def through_distinct(col, one, known: dict) -> list | None:
    """A column through ``known`` (text -> value), first given the texts it lacks by the
    one-value parser ``one``; None as soon as one of them has a problem."""
    for s in set(col).difference(known):
        v, m = one(s)
        if m is not None:
            return None
        known[s] = v
    return list(map(known.__getitem__, col))


# --- ids ---------------------------------------------------------------------------------------

class Id:
    """An id (customer or record): spaces around it stripped; ``fast`` is the pattern to try first."""

    def __init__(self, pattern: re.Pattern, parser, column_ok):
        self.fast = pattern.match
        self.parser = parser
        self.column_ok = column_ok          # every id of a column clean (no spaces around it)

    def one(self, raw: str):
        s = raw.strip()
        if self.fast(s):
            return s, None
        return None, message(self.parser, s)


def customer_id(cfg: Config) -> Id:
    return Id(CUSTOMER_ID, parse_customer_id, partial(all_match, ALL_CIDS))


def record_id(cfg: Config) -> Id:
    return Id(RECORD_ID, parse_record_id, clean_ids)


class RefId(Parser):
    """The id another record names (a refund's purchase): stripped, empty is None; its form
    is checked with the refund rules (``rules.refund_or_purchase``)."""

    @staticmethod
    def one(s: str):
        return (s.strip() or None) if s else None, None

    @staticmethod
    def column(col) -> list:
        if col.count("") == len(col):
            return [None] * len(col)
        return [r or None for r in col]      # (the refund rule refuses any but clean ids)


# --- dates and amounts ---------------------------------------------------------------------------

def _clean_date(s: str):
    """``YYYY-MM-DD`` exactly (no spaces around it): the column form's date."""
    d = date_or_none(s)
    return d, None if d is not None else "not a clean date"


def strict_date(raw: str):
    s = raw.strip()
    d = date_or_none(s)
    if d is not None:
        return d, None
    return None, message(parse_date, s)


def strict_money(raw: str, allow_zero: bool = False):
    s = raw.strip()
    if not s:
        return None, MISSING
    try:
        return parse_money(s, allow_zero=allow_zero), None
    except ValueError as e:
        return None, str(e)


class Dates(Parser):
    """``YYYY-MM-DD``; equal texts share one date object (a cache of CACHE_MAX texts)."""

    def one(self, s: str):
        cache = self.cache
        d = cache.get(s)
        if d is None:
            d = date_or_none(s)
            if d is None:
                return strict_date(s)
            if len(cache) < CACHE_MAX:
                cache[s] = d
        return d, None

    def column(self, col) -> list | None:
        cache = self.cache
        dates = list(map(cache.get, col))
        if all(dates):                           # (a date is never false; a text not cached is None)
            return dates
        return through_distinct(col, _clean_date, cache)


class Amounts(Parser):
    """A positive amount to the fen; equal texts share one Decimal while the cache has room."""

    def one(self, s: str):
        cache = self.cache
        amount = cache.get(s)
        if amount is None:
            if MONEY_OK.match(s) is not None and (amount := Decimal(s)):
                if s[-3:-2] != ".":
                    amount = amount.quantize(FEN)
                if len(cache) < AMOUNTS_MAX:
                    cache[s] = amount
            else:
                return strict_money(s)
        return amount, None

    @staticmethod
    def column(texts) -> list | None:
        """Not through the text -> Decimal cache, which shares equal amounts as one object:
        probing a cache of hundreds of thousands of amounts costs several times what
        ``Decimal(text)`` does; the memory it saved at 100k customers was about 0.2 GB of 1 GB."""
        if not all_match(ALL_MONEY, texts):
            return None
        amounts = list(map(Decimal, texts))
        if not min(amounts) > 0:
            return None
        if not all_match(ALL_MONEY2, texts):         # some without exactly 2 decimals: 99.9 -> 99.90
            amounts = list(map(_quantize, amounts, repeat(FEN)))
        return amounts


class OptionalMoney(Parser):
    """An amount that may be empty (None) or zero (a customer's income, credit limit)."""

    @staticmethod
    def one(s: str):
        if not s:
            return None, None
        v = money_or_none(s, True)
        if v is None and s.strip():
            return strict_money(s, True)
        return v, None

    @classmethod
    def column(cls, col) -> list | None:
        if col.count("") == len(col):
            return [None] * len(col)
        return through_distinct(col, cls.one, {})


# --- texts -----------------------------------------------------------------------------------------

class Texts(Parser):
    """Stripped, and equal texts as one string object while the cache has room (memory)."""

    def one(self, s: str):
        cache = self.cache
        t = cache.get(s)
        if t is None:
            t = s.strip()
            if len(cache) < CACHE_MAX:
                cache[s] = t
        return t, None

    def column(self, col):
        cache = self.cache
        col = list(map(_strip, col))
        if len(cache) < CACHE_MAX:
            return list(map(cache.setdefault, col, col))
        return col


class PlainText(Parser):
    """Stripped, never cached (personal data: names, phone and id numbers)."""

    @staticmethod
    def one(s: str):
        return s.strip(), None

    @staticmethod
    def column(col) -> list:
        return list(map(_strip, col))


# --- choices and whole numbers ---------------------------------------------------------------------

class Lookup(Parser):
    """A value looked up by its text in ``table`` (spaces around it ignored; ``fold``: case too)."""

    table: dict = {}
    fold = None

    def one(self, s: str):
        table = self.table
        v = table.get(s)
        if v is None:
            s = s.strip()
            v = table.get(self.fold(s) if self.fold else s)
            if v is None:
                return None, self.wrong(s)
        return v, None

    def wrong(self, s: str) -> str:                      # pragma: no cover - each kind words its own
        raise NotImplementedError

    def column(self, col) -> list | None:
        table = self.table
        if not set(col) <= table.keys():
            return None
        return list(map(table.__getitem__, col))


class Choice(Lookup):
    """One of a few words (any case); empty is the first."""

    def __init__(self, words: tuple, field: str):
        self.fold = str.lower
        self.table = {"": words[0], **{w: w for w in words}}
        self.choices = f"{field} must be " + " or ".join(repr(w) for w in words)

    def wrong(self, s: str) -> str:
        return f"{self.choices}, got {s!r}"


def txn_type(cfg: Config) -> Choice:
    return Choice((PURCHASE, REFUND), "type")


def repayment_kind(cfg: Config) -> Choice:
    return Choice((NORMAL, SETTLE), "kind")


class RequiredChoice(Choice):
    """One of a few words (any case); empty is missing."""

    def __init__(self, words: tuple, field: str):
        super().__init__(words, field)
        del self.table[""]

    def wrong(self, s: str) -> str:
        return super().wrong(s) if s else MISSING


def adjustment_kind(cfg: Config) -> RequiredChoice:
    return RequiredChoice(ADJUSTMENT_KINDS, "kind")


def limit_action(cfg: Config) -> Choice:
    return Choice(LIMIT_ACTIONS, "action")


class WholeNumber(Lookup):
    """A whole number among the keys of ``table``; ``outside`` words one that is not."""

    outside = ""

    def wrong(self, s: str) -> str:
        if not s:
            return MISSING
        try:
            return self.outside.format(parse_int(s))
        except ValueError as e:
            return str(e)


class Installments(WholeNumber):
    """One of ``installments.terms``; empty is 1."""

    def __init__(self, cfg: Config):
        self.table = {"": 1, **{str(t): t for t in cfg.installments.terms}}
        allowed = ", ".join(str(t) for t in cfg.installments.terms)
        self.outside = "unknown term {} (installments allowed: %s)" % allowed


class StatementDay(WholeNumber):
    """A customer's statement day, 1..28 (``7`` or ``07``); empty is ``billing.statement_day``."""

    outside = "statement day must be between 1 and 28, got {}"

    def __init__(self, cfg: Config):
        self.table = {str(d): d for d in range(1, 29)}
        self.table.update({f"{d:02d}": d for d in range(1, 10)})
        self.table[""] = cfg.billing.statement_day


class DeferralDays(WholeNumber):
    """Days of a deferral: 1..``deferral.max_days``."""

    def __init__(self, cfg: Config):
        self.table = {str(k): k for k in range(1, cfg.deferral.max_days + 1)}
        self.outside = "days must be between 1 and %d (deferral.max_days), got {}" % cfg.deferral.max_days


class ConversionTerms(WholeNumber):
    """Periods of a statement installment (SPEC 2: 3, 6, 12 or 24, and any term
    ``conversion.fee_rates`` prices); ``priced``: the terms with a configured fee rate."""

    def __init__(self, cfg: Config):
        self.priced = {t for t, _r in cfg.conversion.fee_rates}
        terms = sorted({3, 6, 12, 24} | self.priced)
        self.table = {str(t): t for t in terms}
        self.outside = "unknown term {} (conversions allowed: %s)" % ", ".join(map(str, terms))


class FeeRate(Parser):
    """A per-period fee rate, or None when empty (the pricing default); see ``rules.high_fee_rate``."""

    @staticmethod
    def one(f: str):
        if f:
            f = f.strip()
        if not f:
            return None, None
        rate = rate_or_none(f)
        if rate is None:
            return None, explain(parse_rate, f)
        return rate, None

    @staticmethod
    def column(fees) -> list | None:
        distinct = set(fees)
        if distinct == {""}:
            return [None] * len(fees)
        cache: dict = {"": None}
        for f in distinct - {""}:
            rate = rate_or_none(f)
            if rate is None:
                return None
            cache[f] = rate
        return list(map(cache.__getitem__, fees))


PARSERS = {
    "customer_id": customer_id, "record_id": record_id, "ref_id": RefId,
    "date": Dates, "amount": Amounts, "optional_money": OptionalMoney,
    "text": Texts, "plain_text": PlainText,
    "txn_type": txn_type, "repayment_kind": repayment_kind, "installments": Installments,
    "fee_rate": FeeRate, "statement_day": StatementDay, "deferral_days": DeferralDays,
    "conversion_terms": ConversionTerms, "adjustment_kind": adjustment_kind,
    "limit_action": limit_action,
}


def make_parsers(fields, cfg: Config) -> dict:
    """One parser per parser name the fields use (fields naming the same parser share its caches)."""
    made: dict = {}
    for f in fields:
        if f.parser not in made:
            made[f.parser] = PARSERS[f.parser](cfg)
    return made
