"""The cost of paying only the minimum (SPEC 4.9, issue 13): what the next twelve bills add if
the customer pays exactly each statement's minimum by its due date and buys nothing more.

Exact, because it runs the one replay: the customer's own records up to ``as_of`` plus a
projected repayment of each minimum on its due date, the next statement read from a replay to
its date. Twelve replays of one customer: for one customer's statement or quote, not for a
batch over the book.

- ``payments``: per month, the statement, its due date, its total due and minimum due, and
  the payment (the first month: the minimum still unpaid on ``as_of``, paid on the due date
  or on ``as_of`` when that is later);
- ``total_paid_fen``: the twelve payments;
- ``owed_after_fen``: everything still owed after the last payment (billed, unbilled principal,
  fees owed, less credit), on that day;
- ``cost_fen`` = total paid + owed after - owed on ``as_of``: the revolving fees (and any late
  fee or installment fee billed meanwhile) those twelve months add.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import NamedTuple, Optional, Sequence

from .account import _yuan
from .config import Config
from .ledger import STATEMENTS_LAST, latest_statement, overdue_status, replay
from .model import NO_CORRECTIONS, Conversion, Corrections, Customer, Deferral, Repayment, Txn

MONTHS = 12
_REF = "minimum-only-"


class MinimumOnlyPayment(NamedTuple):
    statement_date: date
    due_date: date
    total_due_fen: int
    minimum_due_fen: int
    payment_fen: int
    paid_on: date

    total_due = _yuan("total_due_fen")
    minimum_due = _yuan("minimum_due_fen")
    payment = _yuan("payment_fen")


class MinimumOnlyCost(NamedTuple):
    as_of: date
    payments: tuple[MinimumOnlyPayment, ...]
    total_paid_fen: int
    owed_now_fen: int
    owed_after_fen: int

    @property
    def cost_fen(self) -> int:
        return self.total_paid_fen + self.owed_after_fen - self.owed_now_fen

    total_paid = _yuan("total_paid_fen")
    owed_now = _yuan("owed_now_fen")
    owed_after = _yuan("owed_after_fen")
    cost = _yuan("cost_fen")


def minimum_only_cost(customer: Customer, txns: Sequence[Txn], repayments: Sequence[Repayment],
                      deferrals: Sequence[Deferral], cfg: Config, as_of: date,
                      months: int = MONTHS, conversions: Sequence[Conversion] = (),
                      corrections: Corrections = NO_CORRECTIONS) -> Optional[MinimumOnlyCost]:
    """The projection (see the module docstring); None when the minimum payment is off or
    there is no statement on or before ``as_of``."""
    if not cfg.minimum_payment.enabled:
        return None
    txns = [t for t in txns if t.date <= as_of]
    repayments = [r for r in repayments if r.date <= as_of]
    deferrals = [d for d in deferrals if d.date <= as_of]
    conversions = [c for c in conversions if c.date <= as_of]
    corrections = Corrections(tuple(a for a in corrections.adjustments if a.date <= as_of),
                              tuple(v for v in corrections.reversals if v.date <= as_of))
    acct = replay(customer, txns, repayments, deferrals, cfg, as_of, statements=STATEMENTS_LAST,
                  conversions=conversions, corrections=corrections)
    st = acct.latest_statement()
    if st is None:
        return None
    owed_now = acct.overdue.total_owed_fen
    paid_since = sum(a.amount_fen for a in acct.allocations if a.date >= st.statement_date)
    seq = max((r.seq for r in repayments), default=0)
    projected: list[Repayment] = []
    payments = []
    pay_fen = max(0, st.minimum_due_fen - paid_since)
    last_day = as_of
    for k in range(months):
        on = max(st.effective_due_date, as_of)
        if pay_fen:
            seq += 1
            projected.append(Repayment(f"{_REF}{k + 1}", customer.customer_id, on, Decimal(pay_fen).scaleb(-2),
                                       "normal", seq=seq))
        payments.append(MinimumOnlyPayment(st.statement_date, st.effective_due_date, st.total_due_fen,
                                           st.minimum_due_fen, pay_fen, on))
        last_day = on
        if k + 1 == months:
            break
        following = _next_statement(customer, txns, [*repayments, *projected], deferrals, cfg, st.statement_date, on,
                                    conversions, corrections)
        if following is None:
            break
        st = following
        pay_fen = st.minimum_due_fen
    end = overdue_status(customer, txns, [*repayments, *projected], deferrals, cfg, last_day, conversions,
                         corrections)
    return MinimumOnlyCost(as_of, tuple(payments), sum(p.payment_fen for p in payments), owed_now,
                           end.overdue.total_owed_fen)


def _next_statement(customer, txns, repayments, deferrals, cfg: Config, after: date, paid_on: date, conversions=(),
                    corrections: Corrections = NO_CORRECTIONS):
    """The statement after the one dated ``after`` (replayed to its date; after ``paid_on``)."""
    from .calendar import add_months

    y, m = add_months(after.year, after.month, 1)
    on = date(y, m, customer.statement_day)
    if on < paid_on:       # a due date past the next statement (deferred): the payment comes first
        y, m = add_months(paid_on.year, paid_on.month, 0 if paid_on.day < customer.statement_day else 1)
        on = date(y, m, customer.statement_day)
    return latest_statement(customer, txns, repayments, deferrals, cfg, on, conversions, corrections).statement
