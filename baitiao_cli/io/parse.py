"""Strict parsers for field text shared by the loaders and the command-line options.

Two layers:

- ``parse_*`` raise ``ValueError`` with a message in plain words that names the bad value;
  callers attach file/line/field. Used by command-line options and to explain a bad field.
- ``*_or_none`` are the loader's fast paths: they return the value, or ``None`` for anything
  that is not clean, without raising in the happy path. The loader calls the matching
  ``parse_*`` only when a fast path says no, to get the message.

Only ASCII digits count as digits (``\\d`` would also accept full-width and Arabic-Indic
digits, which ``int`` and ``Decimal`` silently convert).
"""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal

# \Z, not $: "$" also matches before a trailing newline ("C1\n" must not pass).
CUSTOMER_ID = re.compile(r"\A[A-Za-z0-9_-]{1,64}\Z")
# txn_id / repayment_id / deferral_id: 1-128 characters, no control characters, no space at
# either end (the loader strips surrounding spaces before it decides).
RECORD_ID = re.compile(r"\A[^\x00-\x20\x7f](?:[^\x00-\x1f\x7f]{0,126}[^\x00-\x20\x7f])?\Z")

MONEY_MAX_INT_DIGITS = 12          # below one trillion: far beyond any real amount, exact in Decimal
_DATE = re.compile(r"\A([0-9]{4})-([0-9]{2})-([0-9]{2})\Z")
MONEY_OK = re.compile(r"[0-9]{1,12}(?:\.[0-9]{1,2})?\Z")       # the fast path: clean money
_MONEY_SHAPE = re.compile(r"\A-?[0-9]+(?:\.[0-9]+)?\Z")
_RATE = re.compile(r"\A[0-9]{1,6}(?:\.[0-9]{1,12})?\Z")
_INT = re.compile(r"\A-?[0-9]+\Z")
FEN = Decimal("0.01")
_fromisoformat = date.fromisoformat


def _show(text: object) -> str:
    """A bad value for a message: quoted, control characters escaped, long text shortened."""
    s = text if isinstance(text, str) else str(text)
    if len(s) > 40:
        s = s[:37] + "..."
    return repr(s)


# --- dates -----------------------------------------------------------------------------------

def date_or_none(s: str):
    """``YYYY-MM-DD`` to a date, or None. No exception escapes for any input."""
    if len(s) == 10 and s[4] == "-" and s[7] == "-":
        try:
            return _fromisoformat(s)      # strict ASCII digits at these positions in 3.11
        except ValueError:
            return None
    return None


_EXCEL_DATE = re.compile(r"[0-9]{4}/[0-9]{1,2}/[0-9]{1,2}|[0-9]{1,2}/[0-9]{1,2}/[0-9]{2,4}|[0-9]{5}(\.[0-9]+)?"
                         r"|[0-9]{4}\.[0-9]{1,2}\.[0-9]{1,2}|[0-9]{4}年[0-9]{1,2}月[0-9]{1,2}日")
EXCEL_DATE_HINT = ("; Excel rewrote the date: format the column as text or as yyyy-mm-dd "
                   "(Format Cells > Custom) before saving")


def excel_date_hint(s: str) -> str:
    """The hint for a date as Excel shows or stores it (2025/10/23, 10/23/2025, 45953, 2025年10月23日)."""
    return EXCEL_DATE_HINT if _EXCEL_DATE.fullmatch(s) else ""


def parse_date(text: str) -> date:
    s = (text or "").strip()
    m = _DATE.match(s)
    if not m:
        raise ValueError(f"not a date in YYYY-MM-DD form: {_show(text)}{excel_date_hint(s)}")
    try:
        return date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
    except ValueError:
        raise ValueError(f"impossible date: {_show(text)}") from None


# --- money -----------------------------------------------------------------------------------

def money_or_none(s: str, allow_zero: bool = False):
    """A clean amount (<= 2 decimals, no sign/exponent/separator) as Decimal to the fen, or None."""
    if MONEY_OK.match(s) is None:
        return None
    d = Decimal(s)
    if not d and not allow_zero:
        return None
    return d if s[-3:-2] == "." else d.quantize(FEN)


def parse_money(text: str, *, allow_zero: bool = False) -> Decimal:
    """A positive amount with at most 2 decimals: no exponent, NaN, infinity or separators."""
    s = (text or "").strip()
    if not s:
        raise ValueError("empty amount")
    if not _MONEY_SHAPE.match(s):
        low = s.lower()
        if "nan" in low or "inf" in low:
            raise ValueError(f"not a finite number: {_show(text)}")
        if "," in s or "_" in s or " " in s or "'" in s:
            raise ValueError(f"thousands separators are not allowed: {_show(text)}")
        if "e" in low and re.match(r"\A[-+]?[0-9.]+e[-+]?[0-9]+\Z", low):
            raise ValueError(f"exponent form is not allowed for money: {_show(text)}")
        if s.startswith("+"):
            raise ValueError(f"write amounts without a sign: {_show(text)}")
        raise ValueError(f"not a decimal amount: {_show(text)}")
    if s.startswith("-"):
        if s.strip("-0.") == "" and allow_zero:
            return Decimal("0.00")
        raise ValueError(f"amount must be positive: {_show(text)}")
    whole, _, frac = s.partition(".")
    if len(frac) > 2:
        raise ValueError(f"more than 2 decimal places: {_show(text)}")
    if len(whole.lstrip("0")) > MONEY_MAX_INT_DIGITS:
        raise ValueError(f"amount too large (more than {MONEY_MAX_INT_DIGITS} digits): {_show(text)}")
    d = Decimal(s)
    if d == 0 and not allow_zero:
        raise ValueError(f"amount must be greater than zero: {_show(text)}")
    return d.quantize(FEN)


# --- rates and whole numbers -----------------------------------------------------------------

def parse_rate(text: str) -> Decimal:
    """A non-negative decimal rate such as ``0.005`` (no exponent, NaN, infinity or percent)."""
    s = (text or "").strip()
    if not _RATE.match(s):
        if s.endswith("%"):
            raise ValueError(f"write the rate as a decimal (0.005, not 0.5%): {_show(text)}")
        if s.startswith("-"):
            raise ValueError(f"a rate cannot be negative: {_show(text)}")
        raise ValueError(f"not a non-negative decimal rate like 0.005: {_show(text)}")
    return Decimal(s)


def rate_or_none(s: str):
    return Decimal(s) if _RATE.match(s) else None


def parse_int(text: str) -> int:
    s = (text or "").strip()
    if not _INT.match(s) or len(s) > 18:
        raise ValueError(f"not a whole number: {_show(text)}")
    return int(s)


def parse_int_range(text: str, lo: int, hi: int) -> int:
    """A whole number in lo..hi (``3.0`` and ``3.5`` are not whole numbers)."""
    n = parse_int(text)
    if not lo <= n <= hi:
        raise ValueError(f"{text.strip()} is outside {lo}..{hi}")
    return n


def parse_customer_id(text: str) -> str:
    s = (text or "").strip()
    if not CUSTOMER_ID.match(s):
        raise ValueError(f"customer id must be 1-64 letters, digits, '_' or '-': {_show(text)}")
    return s


def parse_record_id(text: str) -> str:
    s = (text or "").strip()
    if not RECORD_ID.match(s):
        if len(s) > 128:
            raise ValueError(f"id longer than 128 characters: {_show(text)}")
        raise ValueError(f"id contains a control character: {_show(text)}")
    return s


def explain(parser, text: str, *args, **kwargs) -> str:
    """The message ``parser`` gives for a value a fast path refused (``""`` if it accepts it)."""
    try:
        parser(text, *args, **kwargs)
    except ValueError as e:
        return str(e)
    return ""


# A per-period fee rate this high is almost surely a percentage typed as a fraction
# ("0.5" for 0.5%): the loader keeps it (the data is the data) but warns.
FEE_RATE_WARN = Decimal("0.05")
