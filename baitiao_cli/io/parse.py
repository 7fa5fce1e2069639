"""Strict parsers for field text shared by the loaders and the command-line options.

Each raises ``ValueError`` with a message in plain words; callers attach file/line/field.
"""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal, InvalidOperation

_DATE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$")
_MONEY = re.compile(r"^-?\d+(\.\d+)?$")
CUSTOMER_ID = re.compile(r"^[A-Za-z0-9_-]{1,64}$")


def parse_date(text: str) -> date:
    s = (text or "").strip()
    m = _DATE.match(s)
    if not m:
        raise ValueError(f"not a date in YYYY-MM-DD form: {text!r}")
    try:
        return date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
    except ValueError:
        raise ValueError(f"impossible date: {text!r}") from None


def parse_money(text: str, *, allow_zero: bool = False) -> Decimal:
    """A positive amount with at most 2 decimals: no exponent, NaN, infinity or separators."""
    s = (text or "").strip()
    if not s:
        raise ValueError("empty amount")
    if not _MONEY.match(s):
        low = s.lower()
        if "nan" in low or "inf" in low:
            raise ValueError(f"not a finite number: {text!r}")
        if "e" in low:
            raise ValueError(f"exponent form is not allowed for money: {text!r}")
        if "," in s:
            raise ValueError(f"thousands separators are not allowed: {text!r}")
        raise ValueError(f"not a decimal amount: {text!r}")
    try:
        d = Decimal(s)
    except InvalidOperation:  # pragma: no cover - regex already guarantees a number
        raise ValueError(f"not a decimal amount: {text!r}") from None
    if "." in s and len(s.split(".", 1)[1]) > 2:
        raise ValueError(f"more than 2 decimal places: {text!r}")
    if d < 0:
        raise ValueError(f"amount must be positive: {text!r}")
    if d == 0 and not allow_zero:
        raise ValueError(f"amount must be greater than zero: {text!r}")
    return d.quantize(Decimal("0.01"))


def parse_rate(text: str) -> Decimal:
    """A non-negative decimal rate such as ``0.005`` (no exponent, NaN or infinity)."""
    s = (text or "").strip()
    if not re.match(r"^\d+(\.\d+)?$", s):
        raise ValueError(f"not a decimal rate like 0.005: {text!r}")
    return Decimal(s)


def parse_int(text: str) -> int:
    s = (text or "").strip()
    if not re.match(r"^-?\d+$", s):
        raise ValueError(f"not a whole number: {text!r}")
    return int(s)
