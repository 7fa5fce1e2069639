"""Installment schedules (SPEC 4.2): principal split and flat per-period fee."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from .calendar import due_date, nth_statement_date_after
from .money import ROUNDING_MODES, q, q_down


@dataclass(frozen=True, slots=True)
class Period:
    period: int            # 1..N
    statement_date: date
    due_date: date
    principal: Decimal
    fee: Decimal

    @property
    def total(self) -> Decimal:
        return self.principal + self.fee


def split_principal(amount: Decimal, n: int) -> list[Decimal]:
    """Periods 1..N-1 take amount/N rounded down to the fen; the last takes the remainder."""
    if n <= 1:
        return [amount]
    base = q_down(amount / n)
    return [base] * (n - 1) + [amount - base * (n - 1)]


def period_fee(amount: Decimal, rate: Decimal, rounding: str = "ROUND_HALF_UP") -> Decimal:
    """Flat fee on the original principal, rounded to the fen with the configured rounding."""
    return q(amount * rate, ROUNDING_MODES[rounding])


def build_schedule(amount: Decimal, n: int, rate: Decimal, purchase_date: date, statement_day: int,
                   due_days: int, rounding: str = "ROUND_HALF_UP") -> tuple[Period, ...]:
    """The full schedule of a purchase. N = 1 is pay-in-full: no fee (interest-free)."""
    fee = period_fee(amount, rate, rounding) if n > 1 else Decimal("0.00")
    out = []
    for i, principal in enumerate(split_principal(amount, n), start=1):
        sd = nth_statement_date_after(purchase_date, statement_day, i)
        out.append(Period(i, sd, due_date(sd, due_days), principal, fee))
    return tuple(out)
