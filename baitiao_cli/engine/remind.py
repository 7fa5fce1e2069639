"""Reminders before a due date and early warning (还款提醒, 贷后预警; SPEC 4.13). Pure.

For a business date ``as_of`` and a window of ``days`` days, a customer is reminded when one of
their statements, issued on or before ``as_of``, has its *effective* due date (the deferred
one after a deferral) between ``as_of`` and ``as_of + days`` inclusive and something of it is
still unpaid at the end of ``as_of``. ``days_left`` = due date - ``as_of`` (due today: 0).

Decisions where SPEC 4.13 is silent:

- **grace days do not count**: the window is on the due date itself, never on due + grace.
  A bill inside its grace window (due date passed) is past due: it belongs to
  ``overdue-report`` and the collectors, not to the reminder before the due date.
- **what is still unpaid of a statement** follows the rule the minimum payment already uses
  (``engine.revolving``): the statement's amount at issue less every repayment dated on or
  after its statement date (a statement is issued before that day's repayments), never
  more than the customer owes now (``Account.total_due_fen``: a refund or waiver that
  clears the bill clears the reminder too). ``amount_due`` applies it to the statement's
  ``total_due``; ``minimum_due`` to its ``minimum_due`` (= ``total_due`` when the minimum
  payment is off, so then ``minimum_due == amount_due``), never above ``amount_due``.
- **one row per customer**: if two statements are in the window (one deferred into it and
  the next one), the latest statement is reminded, as the customer's latest bill states it
  (its total due carries what is unpaid of the earlier one, at its own due date).
- **written-off accounts** (SPEC 4.15) are never reminded: nothing is in receivables.
- **at risk**: the behaviour score (the score model on today's history, as ``score`` gives
  it) falls in a grade that gets no new credit (a grade without terms: below the
  ``min_score`` of the worst grade that still gets credit; E, below 540, by default): the
  model would not lend to this customer today. When every grade has terms, the lowest grade
  is the one at risk.
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING, Iterable, NamedTuple, Optional, Sequence

from .account import RECOVERED, Account, Statement
from .calendar import month_index, statement_month
from .config import Config
from .model import NO_CORRECTIONS, Conversion, Corrections, Customer, Deferral, Repayment, Txn
from .recorder import Recorder
from .replay import Replay

if TYPE_CHECKING:
    from .scoring import GradePolicy


class DueStatement(NamedTuple):
    """The statement a customer is reminded of, and what is still unpaid of it at the end of ``as_of``."""

    statement_date: date
    due_date: date                   # effective (deferred) due date
    days_left: int
    amount_due_fen: int
    minimum_due_fen: int


class Reminder(NamedTuple):
    """One row of the reminder list."""

    customer: Customer
    due: DueStatement
    pd: str                          # 6 places (``customer_score.pd_str``)
    score: int
    grade: str
    at_risk: bool


def window_end(as_of: date, days: int) -> date:
    return as_of + timedelta(days=days)


def may_be_due(customer: Customer, deferrals: Sequence[Deferral], cfg: Config, as_of: date, days: int) -> bool:
    """Cheap test before any replay: can this customer have a statement due in the window?

    True when a regular due date (statement date + ``due_days``) of a statement issued on or
    before ``as_of`` falls in the window, or when the customer has any deferral (a deferred due
    date can fall anywhere). Never False for a customer ``due_statement`` would remind.
    """
    if deferrals:
        return True
    due_days = cfg.billing.due_days
    last = window_end(as_of, days)
    day = customer.statement_day
    for month in range(month_index(as_of - timedelta(days=due_days)), month_index(as_of) + 1):
        on, _on_ord, due, _due_ord = statement_month(month, day, due_days)
        if on <= as_of and as_of <= due <= last and on > customer.opened_on:
            return True
    return False


class ReminderRecorder(Recorder):
    """What a reminder reads of a replay, and nothing else: the statements from month index
    ``from_month`` on (those that can be due in the window) and the repayments dated on or after
    ``paid_from`` (what paid them). No allocation lines, activity or credit uses are built (the
    ``Account`` it freezes has none, as ``Recorder``'s: the features and the score never read
    them), so the replay runs about as fast as ``ledger.overdue_status``. Recording never
    changes the state."""

    def __init__(self, from_month: int, paid_from: date):
        self.from_month = from_month
        self.paid_from = paid_from
        self.kept: list[Statement] = []
        self.paid: list[tuple[date, int]] = []       # (date, fen) of the repayments from ``paid_from`` on

    def begin(self, first_month: int, last_month: int) -> None:
        self.statements_from = max(first_month, self.from_month)

    def statement(self, statement: Statement) -> None:
        self.kept.append(statement)

    def issued_statements(self) -> tuple[Statement, ...]:
        return tuple(self.kept)

    def repaid(self, repayment: Repayment, amount_fen: int, applied_as: str, lines, to_credit_fen: int,
               payoff_fen: Optional[int]) -> None:
        if repayment.date >= self.paid_from and applied_as != RECOVERED:
            self.paid.append((repayment.date, amount_fen))


class Replayed(NamedTuple):
    """A customer replayed for a reminder: the account (statements within the window's reach only,
    no allocations) and the repayments (date, fen) that can count against those statements."""

    account: Account
    paid: tuple[tuple[date, int], ...]


def replay_for_reminder(customer: Customer, txns: Sequence[Txn], repayments: Sequence[Repayment],
                        deferrals: Sequence[Deferral], cfg: Config, as_of: date,
                        conversions: Sequence[Conversion] = (), corrections: Corrections = NO_CORRECTIONS
                        ) -> Replayed:
    """The replay of ``ledger.replay`` to ``as_of``, keeping what a reminder reads: the statements
    issued from ``as_of - due_days`` on (every one when the customer has deferrals: a deferred due
    date can be anywhere) and the repayments since the first of them. The account's balances,
    items and purchases are ``ledger.replay``'s, so its score is ``score``'s."""
    if deferrals:
        start, paid_from = 0, date.min
    else:
        start = month_index(as_of - timedelta(days=cfg.billing.due_days))
        paid_from = statement_month(start, customer.statement_day, cfg.billing.due_days)[0]
    recorder = ReminderRecorder(start, paid_from)
    account = Replay(customer, cfg, as_of, recorder).run(txns, repayments, deferrals, conversions,
                                                        corrections).account()
    return Replayed(account, tuple(recorder.paid))


def unpaid_of(account: Account, statement: Statement, paid: Sequence[tuple[date, int]]) -> tuple[int, int]:
    """(what is unpaid of the statement's total due, of its minimum due) at the end of ``account.as_of``:
    its amounts at issue less the repayments ``paid`` (date, fen) dated on or after its statement
    date, never more than the customer owes now (``Account.total_due_fen``)."""
    since = statement.statement_date
    repaid = sum(fen for on, fen in paid if on >= since)
    owed = account.total_due_fen
    amount = max(0, min(statement.total_due_fen - repaid, owed))
    minimum = max(0, min(statement.minimum_due_fen - repaid, amount))
    return amount, minimum


def due_statement(replayed: Replayed, days: int) -> Optional[DueStatement]:
    """The statement to remind on ``replayed.account.as_of`` (see the module docstring), or None."""
    account = replayed.account
    if account.write_off is not None:
        return None
    as_of = account.as_of
    last = window_end(as_of, days)
    for s in reversed(account.statements):           # the latest statement first
        due = s.effective_due_date
        if not as_of <= due <= last or s.statement_date > as_of:
            continue
        amount, minimum = unpaid_of(account, s, replayed.paid)
        if amount > 0:
            return DueStatement(s.statement_date, due, (due - as_of).days, amount, minimum)
    return None


def at_risk_grades(grades: Iterable["GradePolicy"]) -> frozenset[str]:
    """The grades whose customers are at risk: those that get no new credit (no terms); when every
    grade has terms, the lowest one (lowest ``min_score``). See the module docstring."""
    ordered = sorted(grades, key=lambda g: g.min_score)
    if not ordered:
        raise ValueError("no grades configured")
    closed = frozenset(g.grade for g in ordered if not g.terms)
    return closed or frozenset([ordered[0].grade])


def order_key(r: Reminder) -> tuple:
    """Riskiest first: PD descending, then the amount due descending, then customer_id."""
    return (-Decimal(r.pd), -r.due.amount_due_fen, r.customer.customer_id)
