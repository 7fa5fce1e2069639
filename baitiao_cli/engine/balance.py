"""What a customer owes at a moment (``baitiao balance``, issue 19): pure, from a replayed account.

Every figure is on ``account.as_of`` (end of that day), late and revolving fees accrued to it:

- ``total_due``: billed unpaid + late and revolving fees owed - credit balance (SPEC 4.1);
- ``minimum_due``: with the minimum payment on, the latest statement's minimum less the repayments
  since its date (never above ``total_due``); off, ``total_due``;
- ``overdue_amount``, ``dpd``: the delinquency (SPEC 4.7; 4.9 when the minimum is on);
- ``to_be_current``: ``overdue_amount`` + the late fee owed (the worklist's "to cure");
- ``payoff_amount``: the early-settlement payoff on that date (SPEC 4.5, ``engine.payoff``); for a
  written-off account, what is written off and not yet recovered;
- ``available_credit``: the limit in force (manual or the ``limits`` journal) - unpaid principal,
  None without a limit on file (the ``balance`` service fills in the limit and available credit
  ``score`` and ``quote --customer`` use: the scored limit when there is none on file, 0 while frozen);
- ``next_due_date``: the latest statement's (deferred) due date while it is not past and
  something is due; else, while anything is owed, the due date of the next statement; else None.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Optional

from .account import Account
from .calendar import next_statement_date
from .payoff import payoff_fen


@dataclass(frozen=True)
class Balance:
    customer_id: str
    as_of: date
    total_due_fen: int
    minimum_due_fen: int
    overdue_amount_fen: int
    dpd: int
    late_fee_fen: int
    revolving_fee_fen: int
    to_be_current_fen: int
    payoff_fen: int
    credit_balance_fen: int
    available_credit_fen: Optional[int]
    next_due_date: Optional[date]
    billed_unpaid_fen: int
    unbilled_principal_fen: int
    written_off_fen: int = 0
    recovered_fen: int = 0
    credit_limit_fen: Optional[int] = None


def balance_of(account: Account, due_days: int) -> Balance:
    od = account.overdue
    total = account.total_due_fen
    st = account.latest_statement()
    minimum = total
    if st is not None and st.revolving:
        paid = sum(a.amount_fen for a in account.allocations if a.date >= st.statement_date)
        minimum = max(0, min(st.minimum_due_fen - paid, total))
    return Balance(
        customer_id=account.customer.customer_id, as_of=account.as_of, total_due_fen=total, minimum_due_fen=minimum,
        overdue_amount_fen=od.overdue_amount_fen, dpd=od.dpd, late_fee_fen=account.late_fees.owed_fen,
        revolving_fee_fen=account.revolving_fee_owed_fen,
        to_be_current_fen=od.overdue_amount_fen + account.late_fees.owed_fen if od.is_overdue else 0,
        payoff_fen=(payoff_fen(account, account.as_of) if account.write_off is None
                    else max(0, account.write_off.amount_fen - account.recovered_fen)),
        credit_balance_fen=account.credit_balance_fen,
        available_credit_fen=account.available_credit_fen(), next_due_date=_next_due(account, st, total, due_days),
        billed_unpaid_fen=account.billed_outstanding_fen, unbilled_principal_fen=account.unbilled_principal_fen,
        written_off_fen=account.write_off.amount_fen if account.write_off is not None else 0,
        recovered_fen=account.recovered_fen)


def _next_due(account: Account, st, total_fen: int, due_days: int) -> Optional[date]:
    if account.write_off is not None:
        return None
    if st is not None and st.effective_due_date >= account.as_of and total_fen > 0:
        return st.effective_due_date
    if account.overdue.total_owed_fen > 0 or account.scheduled:
        return next_statement_date(account.as_of, account.customer.statement_day) + timedelta(days=due_days)
    return None
