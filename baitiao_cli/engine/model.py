"""Immutable records the engine works on. The loader builds them; the engine never reads files.

Amounts are ``Decimal`` already validated (> 0, at most 2 decimals); dates are ``datetime.date``.

The four input records are named tuples (immutable, attribute access as fast as slots): a
book holds millions of them, and a named tuple is built from its values in one C call
(``tuple.__new__(Txn, values)``, what the loader's fast path does) about twenty times
faster than a frozen dataclass sets its fields. ``Dataset`` stays a frozen dataclass.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import NamedTuple, Optional

PURCHASE = "purchase"
REFUND = "refund"
NORMAL = "normal"
SETTLE = "settle"


class Customer(NamedTuple):
    customer_id: str
    opened_on: date
    statement_day: int            # resolved: the row's value or billing.statement_day
    name: str = ""
    phone: str = ""
    id_number: str = ""
    monthly_income: Optional[Decimal] = None
    credit_limit: Optional[Decimal] = None


class Txn(NamedTuple):
    txn_id: str
    customer_id: str
    date: date
    amount: Decimal
    type: str = PURCHASE          # purchase | refund
    installments: int = 1         # 1, 3, 6, 12, 24 (purchases)
    fee_rate: Optional[Decimal] = None   # per-period flat rate; None -> pricing default by term
    ref_txn_id: Optional[str] = None     # refunds: the purchase refunded
    merchant: str = ""
    category: str = ""
    seq: int = 0                  # position in the input file (tie-break only)


class Repayment(NamedTuple):
    repayment_id: str
    customer_id: str
    date: date
    amount: Decimal
    kind: str = NORMAL            # normal | settle
    channel: str = ""
    seq: int = 0                  # journal order: same-day repayments apply in this order


class Deferral(NamedTuple):
    deferral_id: str
    customer_id: str
    statement_date: date
    date: date
    days: int
    seq: int = 0                  # journal order


class Conversion(NamedTuple):
    """A statement installment (账单分期, SPEC 4.10): part of a statement's pay-in-full principal
    turned into an installment plan of ``terms`` periods."""

    conversion_id: str
    customer_id: str
    statement_date: date
    date: date
    amount: Decimal
    terms: int
    fee_rate: Optional[Decimal] = None   # per-period flat rate; None -> conversion.fee_rates by term
    seq: int = 0                  # journal order


# adjustment kinds (SPEC 4.15)
WAIVE_LATE_FEE = "waive_late_fee"
WAIVE_REVOLVING_FEE = "waive_revolving_fee"
WAIVE_FEE = "waive_fee"
WRITE_OFF = "write_off"
ADJUSTMENT_KINDS = (WAIVE_LATE_FEE, WAIVE_REVOLVING_FEE, WAIVE_FEE, WRITE_OFF)


class Adjustment(NamedTuple):
    """A waiver or a write-off (减免, 核销; SPEC 4.15). ``amount``: what a waiver forgives; for a
    write-off what was written off when it was posted (for the record: the rules take the
    whole balance on its date), or None."""

    adjustment_id: str
    customer_id: str
    date: date
    kind: str                     # waive_late_fee | waive_revolving_fee | waive_fee | write_off
    amount: Optional[Decimal] = None
    reason: str = ""
    seq: int = 0                  # journal order


class Reversal(NamedTuple):
    """A correction (冲正; SPEC 4.11): the record ``target_id`` (a repayment, deferral, conversion
    or adjustment) is treated as never posted by every report dated on or after ``date``.
    ``customer_id`` is not a column: the loader resolves it from the target."""

    reversal_id: str
    target_id: str
    date: date
    reason: str = ""
    seq: int = 0                  # journal order
    customer_id: str = ""


# credit-line changes (SPEC 4.12, the ``limits`` journal)
LIMIT_MANUAL, LIMIT_RAISE, LIMIT_CUT, LIMIT_FREEZE, LIMIT_UNFREEZE = "manual", "raise", "cut", "freeze", "unfreeze"
LIMIT_ACTIONS = (LIMIT_MANUAL, LIMIT_RAISE, LIMIT_CUT, LIMIT_FREEZE, LIMIT_UNFREEZE)


class LimitChange(NamedTuple):
    """A credit-line change from its ``date`` on (``review --apply`` appends them): the new limit
    (0 = line closed); ``freeze`` keeps the limit but leaves no credit available until a later change."""

    change_id: str
    customer_id: str
    date: date
    credit_limit: Decimal
    action: str = LIMIT_MANUAL
    reason: str = ""
    seq: int = 0                  # journal order


class Corrections(NamedTuple):
    """One customer's adjustments and reversals, what the replay takes besides its events."""

    adjustments: tuple = ()
    reversals: tuple = ()


NO_CORRECTIONS = Corrections()


@dataclass(frozen=True, slots=True)
class Dataset:
    """Everything loaded from a data directory, grouped for the engine."""

    customers: tuple[Customer, ...]
    transactions: tuple[Txn, ...]
    repayments: tuple[Repayment, ...]
    deferrals: tuple[Deferral, ...]
    conversions: tuple[Conversion, ...] = ()
    adjustments: tuple[Adjustment, ...] = ()
    reversals: tuple[Reversal, ...] = ()
    limits: tuple[LimitChange, ...] = ()
