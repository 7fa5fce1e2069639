"""The frozen result of a ledger replay (``engine.ledger.replay``): one customer's account on a date.

Every record here is immutable. High-volume records (items, scheduled periods, allocation
lines, statement lines, activity) are ``NamedTuple`` for speed; the containers are frozen
dataclasses. Money is held as **integer fen** in the ``*_fen`` fields (exact, fast); each
such field has a ``Decimal`` property of the same name without the suffix (``principal_fen``
-> ``principal``), quantized to two places, which is what reports should use.

Nothing here reads files or the clock.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from operator import attrgetter
from typing import NamedTuple, Optional

from .model import Customer
from .money import dec, to_fen

def _yuan(fen_name: str) -> property:
    """The Decimal (yuan, two places) view of the integer-fen field or property ``fen_name``."""
    fen = attrgetter(fen_name)
    return property(lambda self: dec(fen(self)), doc=f"``{fen_name}`` in yuan (Decimal, two places).")


# Item kinds
PURCHASE_ITEM = "purchase"          # pay-in-full purchase (N = 1)
INSTALLMENT_ITEM = "installment"    # period i of an N-period installment purchase
DEFERRAL_FEE_ITEM = "deferral_fee"  # fee of a deferral (SPEC 4.6)
CONVERSION_ITEM = "conversion"      # period i of a statement installment (SPEC 4.10)

# Allocation components
LATE_FEE = "late_fee"
REVOLVING_FEE = "revolving_fee"     # the revolving service fee (SPEC 4.9; minimum payment on)
FEE = "fee"
PRINCIPAL = "principal"
CREDIT = "credit"                   # the part of a repayment that became credit balance
RECOVERY = "recovery"               # money received after a write-off (SPEC 4.15)
RECOVERED = "recovery"              # ``Allocation.applied_as`` of a repayment received after a write-off

# Activity kinds (what happened between two statements)
ACT_PAYMENT = "payment"             # a normal repayment
ACT_SETTLEMENT = "settlement"       # an early settlement (kind=settle that covered the payoff)
ACT_REFUND = "refund"               # a refund of a purchase
ACT_CREDIT_APPLIED = "credit_applied"   # credit balance used to pay billed items
ACT_LATE_FEE = "late_fee_posted"    # late fee posted (at a repayment or a statement date)
ACT_DEFERRAL = "deferral"           # a deferral of a statement
ACT_CONVERSION = "conversion"       # a statement installment (SPEC 4.10): principal moved into a plan
ACT_REVOLVING_FEE = "revolving_fee_posted"   # revolving fee posted (minimum payment on)
ACT_WAIVER = "waiver"               # a waiver of late fee, revolving fee or fees (SPEC 4.15)
ACT_WRITE_OFF = "write_off"         # the account written off (SPEC 4.15)
ACT_RECOVERY = "recovery"           # a repayment received after the write-off


class EngineWarning(str):
    """A warning of the replay, as typed data: it reads as its plain-words message (what is
    printed), ``kind`` says what happened (``settle_short``, ``deferral_refused``,
    ``refund_exceeds``, ``refund_unmatched``, ``duplicate_repayment``, ``other_customer``,
    ``before_opening``) and ``record_id`` names the journal or transaction record it is about."""

    kind: str
    record_id: str

    def __new__(cls, kind: str, record_id: str, message: str) -> "EngineWarning":
        obj = super().__new__(cls, message)
        obj.kind = kind
        obj.record_id = record_id
        return obj

    def __reduce__(self):
        return (EngineWarning, (self.kind, self.record_id, str(self)))


class Item(NamedTuple):
    """A billed item (a purchase/installment period billed on a statement, or a deferral fee).

    ``outstanding`` = principal - principal_refunded - principal_paid + fee - fee_paid.
    ``late`` is true when the item was not paid in full by ``due_date + grace_days`` (as far
    as known on ``as_of``): it then owes late fee from ``due_date + 1``.
    """

    kind: str                    # "purchase" | "installment" | "deferral_fee"
    txn_id: str                  # the purchase's txn_id; the deferral_id for a deferral fee
    period: int                  # 1..periods (1 for pay-in-full and deferral fees)
    periods: int                 # N of the purchase (1 for pay-in-full and deferral fees)
    purchase_date: date          # purchase date (deferral request date for a deferral fee)
    statement_date: date         # statement it was billed on (settlement date if accelerated)
    original_due_date: date      # due date when billed
    due_date: date               # current due date (later than the original when deferred)
    principal_fen: int           # billed principal
    fee_fen: int                 # billed fee
    principal_refunded_fen: int  # billed principal cancelled by a refund (SPEC 4.4)
    principal_paid_fen: int
    fee_paid_fen: int
    paid_on: Optional[date]      # date it was paid in full (None while anything is outstanding)
    late: bool                   # not paid in full by due_date + grace_days
    accelerated: bool            # billed early by an early settlement (SPEC 4.5)

    principal = _yuan("principal_fen")
    fee = _yuan("fee_fen")
    principal_refunded = _yuan("principal_refunded_fen")
    principal_paid = _yuan("principal_paid_fen")
    fee_paid = _yuan("fee_paid_fen")

    @property
    def outstanding_principal_fen(self) -> int:
        return self.principal_fen - self.principal_refunded_fen - self.principal_paid_fen

    @property
    def outstanding_fee_fen(self) -> int:
        return self.fee_fen - self.fee_paid_fen

    @property
    def outstanding_fen(self) -> int:
        return self.outstanding_principal_fen + self.outstanding_fee_fen

    outstanding_principal = _yuan("outstanding_principal_fen")
    outstanding_fee = _yuan("outstanding_fee_fen")
    outstanding = _yuan("outstanding_fen")

    @property
    def amount(self) -> Decimal:
        """Billed principal + fee."""
        return dec(self.principal_fen + self.fee_fen)

    def is_overdue(self, on: date, grace_days: int) -> bool:
        """SPEC 4.7: still unpaid on ``on`` (after that day's payments) and ``on > due + grace``."""
        return self.outstanding_fen > 0 and (on - self.due_date).days > grace_days

    def dpd(self, on: date) -> int:
        """Days past due on ``on`` (``on - due_date``, at least 0); meaningful when overdue."""
        return max(0, (on - self.due_date).days)


class ScheduledPeriod(NamedTuple):
    """An installment period not billed yet (its principal may be reduced by a refund)."""

    kind: str                    # "purchase" | "installment"
    txn_id: str
    period: int
    periods: int
    purchase_date: date
    statement_date: date         # statement it will be billed on
    due_date: date
    principal_fen: int
    fee_fen: int

    principal = _yuan("principal_fen")
    fee = _yuan("fee_fen")

    @property
    def amount(self) -> Decimal:
        return dec(self.principal_fen + self.fee_fen)


class AllocationLine(NamedTuple):
    """One line of a repayment's allocation (or of a credit-balance application).

    ``txn_id`` and ``period`` are None for ``late_fee`` and ``credit`` lines.
    """

    repayment_id: str            # the repayment (CREDIT_SOURCE for a credit-balance application)
    date: date
    txn_id: Optional[str]
    period: Optional[int]
    component: str               # "late_fee" | "fee" | "principal" | "credit"
    amount_fen: int

    amount = _yuan("amount_fen")


CREDIT_SOURCE = "credit_balance"


class Allocation(NamedTuple):
    """How one repayment (or one use of the credit balance) was applied.

    ``sum(line.amount_fen for line in lines) == amount_fen`` always; a ``credit`` line is the
    part that became credit balance. ``applied_as`` is ``"settle"`` only for a settlement that
    covered the payoff; a short settle is applied as ``"normal"`` (see ``Account.warnings``).
    """

    repayment_id: str
    date: date
    amount_fen: int
    kind: str                    # the journal's kind: "normal" | "settle" ("credit" for credit uses)
    applied_as: str              # "normal" | "settle" | "credit"
    lines: tuple[AllocationLine, ...]
    payoff_fen: Optional[int] = None   # settle only: the payoff amount on that date

    amount = _yuan("amount_fen")

    @property
    def to_credit_fen(self) -> int:
        return sum(ln.amount_fen for ln in self.lines if ln.component == CREDIT)


class Activity(NamedTuple):
    """Something that happened on the account; statements list those since the previous one."""

    date: date
    kind: str                    # payment | settlement | refund | credit_applied | late_fee_posted | deferral
    ref: str                     # repayment_id / refund txn_id / deferral_id / "" (late fee, credit)
    amount_fen: int              # money moved (for a deferral: its fee)
    detail: str = ""             # e.g. refunded purchase id, deferred statement and new due date

    amount = _yuan("amount_fen")


class StatementLine(NamedTuple):
    """An item as shown on a statement, with what was unpaid of it when the statement was issued."""

    kind: str
    txn_id: str
    period: int
    periods: int
    purchase_date: date
    statement_date: date         # statement it was billed on
    due_date: date               # its due date when this statement was issued
    principal_fen: int           # billed principal (less any refund of billed principal at issue)
    fee_fen: int                 # billed fee
    outstanding_fen: int         # unpaid at issue (after the statement day's credit application)

    principal = _yuan("principal_fen")
    fee = _yuan("fee_fen")

    @property
    def amount(self) -> Decimal:
        return dec(self.principal_fen + self.fee_fen)

    outstanding = _yuan("outstanding_fen")


@dataclass(frozen=True, slots=True)
class Statement:
    """A statement as issued on its date (after that day's billing and credit application,
    before that day's repayments, which belong to the next statement).

    ``total_due_fen`` = unpaid billed principal and fees + late fee owed - credit balance,
    never below zero (SPEC 4.1). ``deferred_due_date`` reflects deferrals up to ``as_of``.
    ``activity`` holds payments, refunds, credit uses, late-fee postings and deferrals since
    the previous statement (dated on/after the previous statement date, before this one,
    plus this date's late-fee posting and credit application).
    """

    number: int                               # 1-based count of statements of the account
    statement_date: date
    due_date: date
    deferred_due_date: Optional[date]
    new_items: tuple[StatementLine, ...]      # billed on this statement
    carried_items: tuple[StatementLine, ...]  # unpaid items billed on earlier statements
    late_fee_posted_fen: int                  # late fee posted on this statement date
    late_fee_unpaid_fen: int                  # all posted late fee unpaid at issue
    credit_balance_fen: int                   # unused credit balance at issue
    total_due_fen: int
    activity: tuple[Activity, ...]
    upcoming: tuple[ScheduledPeriod, ...]     # periods due on the next three statements
    upcoming_dates: tuple[date, ...]          # those next three statement dates
    unpaid_principal_fen: int = 0             # all unpaid principal at issue, billed and unbilled
    minimum_due_fen: int = 0                  # SPEC 4.9 minimum due (= total_due when the minimum is off)
    revolving: bool = False                   # issued with the minimum payment on (revolving fee shown)
    revolving_fee_posted_fen: int = 0         # revolving fee posted on this statement date
    revolving_fee_unpaid_fen: int = 0         # all posted revolving fee unpaid at issue

    unpaid_principal = _yuan("unpaid_principal_fen")
    minimum_due = _yuan("minimum_due_fen")
    revolving_fee_posted = _yuan("revolving_fee_posted_fen")
    revolving_fee_unpaid = _yuan("revolving_fee_unpaid_fen")

    def available_credit_fen(self, limit_fen: int) -> int:
        """Credit line left at issue: limit - all unpaid principal, never below 0."""
        return max(0, limit_fen - self.unpaid_principal_fen)

    total_due = _yuan("total_due_fen")
    late_fee_posted = _yuan("late_fee_posted_fen")
    late_fee_unpaid = _yuan("late_fee_unpaid_fen")
    credit_balance = _yuan("credit_balance_fen")

    @property
    def effective_due_date(self) -> date:
        return self.deferred_due_date or self.due_date


@dataclass(frozen=True, slots=True)
class LateFees:
    """Late fee (违约金) position on ``as_of``.

    ``accrued_exact`` is the accrual since the last posting, exact (not rounded, includes
    only items already known to be late: an item still inside its grace window accrues
    nothing yet). ``accrued_shown_fen`` is what posting it now would post (rounded with the
    configured rounding, capped by ``late_fee.cap_ratio`` when set). ``owed_fen`` = posted and
    unpaid + accrued shown.
    """

    posted_fen: int
    paid_fen: int
    accrued_exact: Decimal           # yuan, exact, accrued since the last posting
    accrued_shown_fen: int
    accrued_total_exact: Decimal     # yuan, exact, everything accrued since the account opened
                                     # (before rounding and any cap): an audit figure

    @property
    def unpaid_fen(self) -> int:
        return self.posted_fen - self.paid_fen

    @property
    def owed_fen(self) -> int:
        return self.unpaid_fen + self.accrued_shown_fen

    posted = _yuan("posted_fen")
    paid = _yuan("paid_fen")
    unpaid = _yuan("unpaid_fen")
    accrued_shown = _yuan("accrued_shown_fen")
    owed = _yuan("owed_fen")


class PurchaseSummary(NamedTuple):
    """One purchase and what became of it."""

    txn_id: str
    date: date
    amount_fen: int
    periods: int
    fee_rate: Decimal
    period_fee_fen: int
    refunded_fen: int            # refunds applied to it
    refunded_to_credit_fen: int  # the part of those refunds that became credit balance
    settled_on: Optional[date]   # early-settlement date
    merchant: str
    category: str

    amount = _yuan("amount_fen")
    refunded = _yuan("refunded_fen")


class DeferralApplied(NamedTuple):
    deferral_id: str
    date: date
    statement_date: date
    days: int
    new_due_date: date
    fee_fen: int
    deferred_outstanding_fen: int

    fee = _yuan("fee_fen")


class ConversionApplied(NamedTuple):
    """A statement installment the rules accepted (SPEC 4.10): its plan as first scheduled."""

    conversion_id: str
    date: date
    statement_date: date
    terms: int
    fee_rate: Decimal
    amount_fen: int                          # principal converted
    fee_fen: int                             # fee of every period
    schedule: tuple[ScheduledPeriod, ...]    # the N periods, on the N statements after the converted one
    taken: tuple[tuple[str, int], ...]       # (txn_id, fen) taken from the converted statement's items

    amount = _yuan("amount_fen")
    fee = _yuan("fee_fen")


class WaiverApplied(NamedTuple):
    """A waiver the rules accepted (SPEC 4.15): ``amount_fen`` of ``kind`` forgiven on ``date``."""

    adjustment_id: str
    date: date
    kind: str                    # waive_late_fee | waive_revolving_fee | waive_fee
    amount_fen: int
    reason: str = ""

    amount = _yuan("amount_fen")


class WriteOffApplied(NamedTuple):
    """A write-off the rules accepted (SPEC 4.15): the whole balance out of receivables on ``date``.

    ``amount_fen`` = billed unpaid + unbilled principal + posted unpaid charges - credit balance,
    on that date after the charges accrued up to it were posted."""

    adjustment_id: str
    date: date
    dpd: int                     # days past due on the write-off date
    amount_fen: int
    reason: str = ""

    amount = _yuan("amount_fen")


@dataclass(frozen=True, slots=True)
class OverdueStatus:
    """Delinquency of an account on ``as_of`` (SPEC 4.7)."""

    as_of: date
    dpd: int                                  # DPD of the oldest overdue item (0 if none)
    oldest_due_date: Optional[date]
    items: tuple[Item, ...]                   # the overdue items, oldest due first
    overdue_principal_fen: int
    overdue_fee_fen: int
    late_fee_owed_fen: int                    # posted unpaid + accrued shown
    total_owed_fen: int                       # billed outstanding + unbilled principal + late fee owed - credit (>= 0)
    written_off: Optional[WriteOffApplied] = None   # SPEC 4.15: out of receivables (everything above is 0)
    recovered_fen: int = 0                    # money received after the write-off

    @classmethod
    def of_write_off(cls, as_of: date, write_off: WriteOffApplied, recovered_fen: int) -> "OverdueStatus":
        """A written-off account: no DPD, bucket or amount in receivables; the write-off and recoveries."""
        return cls(as_of, 0, None, (), 0, 0, 0, 0, write_off, recovered_fen)

    @classmethod
    def of(cls, as_of: date, items: tuple[Item, ...], late_fee_owed_fen: int, total_owed_fen: int) -> "OverdueStatus":
        """The status of an account whose overdue items (oldest due first) are ``items``."""
        if not items:
            return cls(as_of, 0, None, (), 0, 0, late_fee_owed_fen, total_owed_fen)
        oldest = min((i.due_date for i in items), default=None)
        return cls(as_of=as_of, dpd=(as_of - oldest).days if oldest else 0, oldest_due_date=oldest, items=items,
                   overdue_principal_fen=sum(i.outstanding_principal_fen for i in items),
                   overdue_fee_fen=sum(i.outstanding_fee_fen for i in items),
                   late_fee_owed_fen=late_fee_owed_fen, total_owed_fen=total_owed_fen)

    @classmethod
    def of_minimum(cls, as_of: date, unpaid_minimum_fen: int, since: Optional[date], charges_fen: int,
                   items: tuple[Item, ...], late_fee_owed_fen: int, total_owed_fen: int) -> "OverdueStatus":
        """The status by the unpaid minimum (SPEC 4.9): the overdue amount is S*'s unpaid minimum
        (``overdue_fee_fen`` its unpaid charges, ``overdue_principal_fen`` the rest), DPD counted
        from ``since`` (the first due date of the run of missed minimums); ``items``: the billed
        items unpaid after their due date + grace, for information."""
        if not unpaid_minimum_fen or since is None:
            return cls(as_of, 0, None, (), 0, 0, late_fee_owed_fen, total_owed_fen)
        return cls(as_of, (as_of - since).days, since, items, unpaid_minimum_fen - charges_fen, charges_fen,
                   late_fee_owed_fen, total_owed_fen)

    @property
    def is_overdue(self) -> bool:
        return bool(self.items) or self.overdue_principal_fen + self.overdue_fee_fen > 0

    @property
    def overdue_amount_fen(self) -> int:
        return self.overdue_principal_fen + self.overdue_fee_fen

    overdue_amount = _yuan("overdue_amount_fen")
    late_fee_owed = _yuan("late_fee_owed_fen")
    total_owed = _yuan("total_owed_fen")


@dataclass(frozen=True, slots=True)
class Account:
    """One customer's account on ``as_of`` (end of that day), replayed from their events.

    - ``items``: every billed item (oldest due first: due date, statement date, purchase
      date, txn_id, period);
    - ``scheduled``: installment periods not billed yet;
    - ``late_fees``: posted / paid / accrued late fee;
    - ``credit_balance_fen``: unused credit balance (溢缴款);
    - ``statements``: every statement issued from the first one up to ``as_of`` (empty when
      replayed with ``statements=False``);
    - ``allocations``: every applied repayment with its lines (journal order);
    - ``credit_uses``: every automatic application of the credit balance to billed items;
    - ``activity``: the account's money movements in order;
    - ``warnings``: journal records the rules refused or changed (short settle, bad deferral,
      refund beyond what is left...), in plain words.
    """

    customer: Customer
    as_of: date
    grace_days: int                  # billing.grace_days the account was replayed with
    settlement_policy: str           # installments.early_settlement_fees it was replayed with
    items: tuple[Item, ...]
    scheduled: tuple[ScheduledPeriod, ...]
    purchases: tuple[PurchaseSummary, ...]
    late_fees: LateFees
    credit_balance_fen: int
    statements: tuple[Statement, ...]
    allocations: tuple[Allocation, ...]
    credit_uses: tuple[Allocation, ...]
    deferrals: tuple[DeferralApplied, ...]
    activity: tuple[Activity, ...]
    warnings: tuple[str, ...] = field(default=())
    conversions: tuple[ConversionApplied, ...] = field(default=())
    revolving_fee_owed_fen: int = 0          # SPEC 4.9: posted unpaid + accrued shown (0 when the minimum is off)
    minimum_status: Optional[OverdueStatus] = None   # the delinquency by the minimum (None when off)
    minimum_history: tuple = ()              # revolving.MinimumOutcome per statement (minimum on; for the features)
    waivers: tuple[WaiverApplied, ...] = field(default=())
    write_off: Optional[WriteOffApplied] = None
    recovered_fen: int = 0                   # repayments received after the write-off, up to its amount
    on_time_streak: int = 0                  # SPEC 4.12: on-time statements in a row on as_of
    raise_after: int = 6                     # review.raise_after the account was replayed with

    # ---- money positions -------------------------------------------------------------
    credit_balance = _yuan("credit_balance_fen")

    @property
    def billed_outstanding_fen(self) -> int:
        """Unpaid billed principal + fees."""
        return sum(i.outstanding_fen for i in self.items)

    @property
    def billed_principal_outstanding_fen(self) -> int:
        return sum(i.outstanding_principal_fen for i in self.items)

    @property
    def unbilled_principal_fen(self) -> int:
        return sum(p.principal_fen for p in self.scheduled)

    @property
    def unbilled_fee_fen(self) -> int:
        return sum(p.fee_fen for p in self.scheduled)

    @property
    def unpaid_principal_fen(self) -> int:
        """All unpaid principal, billed and unbilled (what uses the credit line)."""
        return self.billed_principal_outstanding_fen + self.unbilled_principal_fen

    @property
    def total_due_fen(self) -> int:
        """SPEC 4.1 on ``as_of``: billed outstanding + late fee owed - credit, never below 0."""
        return max(0, self.billed_outstanding_fen + self.late_fees.owed_fen + self.revolving_fee_owed_fen
                   - self.credit_balance_fen)

    total_due = _yuan("total_due_fen")
    revolving_fee_owed = _yuan("revolving_fee_owed_fen")

    def available_credit_fen(self, limit_fen: Optional[int] = None) -> Optional[int]:
        """limit - all unpaid principal (billed and unbilled), never below 0.

        ``limit_fen`` defaults to the customer's manual ``credit_limit``; None when unknown.
        """
        if limit_fen is None:
            if self.customer.credit_limit is None:
                return None
            limit_fen = to_fen(self.customer.credit_limit)
        return max(0, limit_fen - self.unpaid_principal_fen)

    # ---- look-ups ----------------------------------------------------------------------
    def allocation(self, repayment_id: str) -> Optional[Allocation]:
        for a in self.allocations:
            if a.repayment_id == repayment_id:
                return a
        return None

    @property
    def allocation_lines(self) -> tuple[AllocationLine, ...]:
        return tuple(ln for a in self.allocations for ln in a.lines)

    def statement_on(self, statement_date: date) -> Optional[Statement]:
        for s in self.statements:
            if s.statement_date == statement_date:
                return s
        return None

    def latest_statement(self, on_or_before: Optional[date] = None) -> Optional[Statement]:
        on = on_or_before or self.as_of
        best = None
        for s in self.statements:
            if s.statement_date <= on:
                best = s
        return best

    def overdue_items(self) -> tuple[Item, ...]:
        g = self.grace_days
        return tuple(i for i in self.items if i.is_overdue(self.as_of, g))

    @property
    def overdue(self) -> OverdueStatus:
        """DPD, overdue principal/fee and late fee owed on ``as_of`` (SPEC 4.7; 4.9 when the minimum is on;
        4.15 once written off)."""
        if self.write_off is not None:
            return OverdueStatus.of_write_off(self.as_of, self.write_off, self.recovered_fen)
        if self.minimum_status is not None:
            return self.minimum_status
        owed = self.late_fees.owed_fen
        return OverdueStatus.of(self.as_of, self.overdue_items(), owed,
                                max(0, self.billed_outstanding_fen + self.unbilled_principal_fen + owed
                                    - self.credit_balance_fen))


class AccountStatus(NamedTuple):
    """What ``ledger.overdue_status`` gives: the customer, ``Account.overdue`` and ``Account.warnings``."""

    customer: Customer
    overdue: OverdueStatus
    warnings: tuple[str, ...] = ()
    scenarios: tuple = ()        # with by_scenario: engine.scenarios.ScenarioShare per scenario


class StatementStatus(NamedTuple):
    """What ``ledger.latest_statement`` gives: the customer, ``Account.latest_statement()`` and
    ``Account.warnings``. Has ``customer`` like an ``Account``, which is all ``statement_report``
    reads of the account."""

    customer: Customer
    statement: Optional[Statement]
    warnings: tuple[str, ...] = ()
    on_time_streak: int = 0                  # SPEC 4.12, as ``Account.on_time_streak``
    raise_after: int = 6                     # review.raise_after, as ``Account.raise_after``
