"""Early settlement (SPEC 4.5): which unbilled fees a settlement charges, and the payoff amount.

One rule, used by the replay when a ``settle`` repayment arrives (on its working state) and
by ``payoff_fen`` on a frozen ``Account``: payoff = late fee owed + everything billed and
unpaid + all unbilled principal + the unbilled fees the policy charges - credit balance,
never below zero.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Iterable, Optional

from .account import Account
from .money import dec

ALL_REMAINING = "all_remaining"
CURRENT_PERIOD = "current_period"
NO_FEES = "none"
SETTLEMENT_POLICIES = (ALL_REMAINING, CURRENT_PERIOD, NO_FEES)


def charges_fee(policy: str, first_unbilled: bool) -> bool:
    """Whether a settlement under ``policy`` charges the fee of an unbilled period
    (``first_unbilled``: the purchase's next period to bill)."""
    return policy == ALL_REMAINING or (policy == CURRENT_PERIOD and first_unbilled)


def settlement_fees_fen(policy: str, unbilled: Iterable[tuple[int, int]]) -> int:
    """Unbilled fees a settlement charges; ``unbilled``: (period fee, periods unbilled) per purchase
    with something unbilled."""
    if policy == ALL_REMAINING:
        return sum(fee * periods for fee, periods in unbilled)
    if policy == CURRENT_PERIOD:
        return sum(fee for fee, _periods in unbilled)
    return 0


def settlement_payoff_fen(owed_fen: int, credit_fen: int, policy: str, unbilled: Iterable[tuple[int, int]]) -> int:
    """``owed_fen`` (late fee owed + billed unpaid + unbilled principal) + the fees ``policy``
    charges - credit, never below zero."""
    return max(0, owed_fen + settlement_fees_fen(policy, unbilled) - credit_fen)


def payoff_fen(account: Account, on: Optional[date] = None, policy: Optional[str] = None) -> int:
    """``payoff_amount`` in integer fen."""
    if on is not None and on != account.as_of:
        raise ValueError(f"replay the account to {on} first (it is as of {account.as_of})")
    if policy is None:
        policy = account.settlement_policy
    if policy not in SETTLEMENT_POLICIES:
        raise ValueError(f"unknown early settlement policy {policy!r}")
    unbilled: dict[str, list[int]] = {}          # txn_id -> [period fee, periods unbilled]
    for period in account.scheduled:
        entry = unbilled.setdefault(period.txn_id, [period.fee_fen, 0])
        entry[1] += 1
    owed = (account.late_fees.owed_fen + account.revolving_fee_owed_fen + account.billed_outstanding_fen
            + account.unbilled_principal_fen)
    return settlement_payoff_fen(owed, account.credit_balance_fen, policy, unbilled.values())


def payoff_amount(account: Account, on: Optional[date] = None, policy: Optional[str] = None) -> Decimal:
    """Early-settlement payoff (SPEC 4.5) on ``account.as_of``: what a ``settle`` repayment
    appended to the journal on that date must at least be.

    = late fee owed (posted unpaid + accrued, rounded as it would be posted) + everything
    billed and unpaid + all unbilled principal + unbilled fees per ``policy`` (default: the
    account's configured ``installments.early_settlement_fees``; pass it explicitly for
    quotes under another policy) - credit balance, never below zero.

    ``on`` must be ``account.as_of`` (replay to the settlement date first); it is accepted
    for readability at call sites. Contingent late fee of items still inside their grace
    window is not included: a settlement pays them within grace.
    """
    return dec(payoff_fen(account, on, policy))
