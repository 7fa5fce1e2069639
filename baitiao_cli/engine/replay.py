"""The replay core: one customer's events applied in order to one working state (SPEC 4.1-4.7;
4.9 minimum payment and revolving through ``engine.revolving`` when it is on).

``Replay(customer, cfg, as_of, recorder).run(txns, repayments, deferrals)`` applies the rules;
the views are derived from the one state it leaves: ``account()`` (the frozen ``Account``),
``overdue()`` (``Account.overdue`` without building the account) and ``statements()``. What
is kept on the way (allocations, activity, statements) is the ``recorder``'s business
(``engine.recorder``); the rules never depend on it. See ``engine.ledger`` for the entry
points and how the replay works.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from decimal import ROUND_FLOOR, Decimal
from operator import attrgetter
from typing import Iterable, Optional, Sequence

from .account import (
    CONVERSION_ITEM, DEFERRAL_FEE_ITEM, FEE, INSTALLMENT_ITEM, LATE_FEE, PRINCIPAL, PURCHASE_ITEM, CREDIT_SOURCE,
    RECOVERED, RECOVERY, Account, AllocationLine, ConversionApplied, DeferralApplied, EngineWarning, Item, LateFees,
    OverdueStatus, PurchaseSummary, ScheduledPeriod, Statement, StatementLine, WaiverApplied, WriteOffApplied,
)
from .calendar import first_statement_month, month_index, statement_month
from .config import Config
from .model import (
    NO_CORRECTIONS, REFUND, SETTLE, WAIVE_FEE, WAIVE_LATE_FEE, WAIVE_REVOLVING_FEE, WRITE_OFF, Adjustment, Conversion,
    Corrections, Customer, Deferral, Repayment, Txn,
)
from .money import ROUNDING_MODES, dec, to_fen
from .payoff import charges_fee, settlement_payoff_fen
from .recorder import Recorder
from .revolving import Revolving
from .schedule import period_fee

_ONE = Decimal(1)


class BilledItem:
    """A billed item while replaying (mutable, private): frozen into an ``account.Item``."""

    __slots__ = ("kind", "txn_id", "period", "periods", "purchase_date", "purchase_ord", "statement_date",
                 "statement_ord", "original_due", "due", "due_ord", "principal", "fee", "refunded",
                 "principal_paid", "fee_paid", "balance", "paid_on", "late", "contingent", "accelerated")

    def __init__(self, kind, txn_id, period, periods, purchase_date, purchase_ord, statement_date, statement_ord,
                 due, due_ord, principal, fee, accelerated=False):
        # what was billed, on which statement, due when
        self.kind, self.txn_id = kind, txn_id
        self.period, self.periods = period, periods
        self.purchase_date, self.purchase_ord = purchase_date, purchase_ord
        self.statement_date, self.statement_ord = statement_date, statement_ord
        self.original_due = self.due = due
        self.due_ord = due_ord
        self.principal, self.fee, self.accelerated = principal, fee, accelerated
        # what became of it
        self.refunded = self.principal_paid = self.fee_paid = 0
        self.balance = principal + fee
        self.paid_on = None
        self.late = False
        self.contingent = 0          # contingent fen-days while inside the grace window


def _statement_line(w: BilledItem) -> StatementLine:
    """A working item as a line of the statement being issued."""
    return StatementLine(w.kind, w.txn_id, w.period, w.periods, w.purchase_date, w.statement_date, w.due,
                         w.principal - w.refunded, w.fee, w.balance)


def frozen_items(items: Iterable[BilledItem]) -> tuple[Item, ...]:
    """The ``Item`` of each working item (``paid_on`` only once nothing is outstanding)."""
    new = tuple.__new__             # NamedTuple construction without the argument-binding wrapper
    return tuple([new(Item, (w.kind, w.txn_id, w.period, w.periods, w.purchase_date, w.statement_date,
                             w.original_due, w.due, w.principal, w.fee, w.refunded, w.principal_paid,
                             w.fee_paid, None if w.balance else w.paid_on, w.late, w.accelerated))
                  for w in items])


class PurchasePlan:
    """A purchase while replaying: its periods, what is billed, refunded, settled."""

    __slots__ = ("txn", "txn_id", "date", "date_ord", "amount", "periods", "rate", "fee", "period_principal",
                 "first_month", "billed", "uncancelled", "refunded", "to_credit", "settled_on", "items", "kind")

    def __init__(self, txn: Txn, amount: int, periods: int, rate: Decimal, fee: int, first_month: int):
        self.txn = txn
        self.txn_id = txn.txn_id
        self.date = txn.date
        self.date_ord = txn.date.toordinal()
        self.amount = amount
        self.periods = periods
        self.rate = rate
        self.fee = fee
        base = amount // periods                 # P/N rounded down to the fen (amount > 0)
        self.period_principal = [base] * (periods - 1) + [amount - base * (periods - 1)]   # the last takes the rest
        self.first_month = first_month           # month index of period 1's statement
        self.billed = 0                          # periods billed so far (in order)
        self.uncancelled = periods               # periods not cancelled by a refund (a prefix)
        self.refunded = 0
        self.to_credit = 0
        self.settled_on: Optional[date] = None
        self.items: list[BilledItem] = []
        self.kind = PURCHASE_ITEM if periods == 1 else INSTALLMENT_ITEM

    def unbilled_principal(self) -> int:
        return sum(self.period_principal[self.billed:self.uncancelled])


# allocation order (SPEC 4.5): due date, statement date, purchase date, txn_id, period
_allocation_order = attrgetter("due_ord", "statement_ord", "purchase_ord", "txn_id", "period")
_txn_order = attrgetter("date", "txn_id")
_repayment_order = attrgetter("date", "seq", "repayment_id")
_deferral_order = attrgetter("date", "seq", "deferral_id")
_conversion_order = attrgetter("date", "seq", "conversion_id")
_adjustment_order = attrgetter("date", "seq", "adjustment_id")
_schedule_order = attrgetter("statement_date", "purchase_date", "txn_id", "period")

# event kinds, in their order within a day (statement billing runs before all of them)
_PURCHASE, _REFUND, _REPAYMENT, _DEFERRAL, _CONVERSION, _ADJUSTMENT = range(6)
# what ``Replay.accrue_to`` runs: late fee on the items (SPEC 4.7), the minimum's (4.9), nothing (written off)
_ACCRUE_LATE, _ACCRUE_REVOLVING, _ACCRUE_STOPPED = range(3)
_DAY_SHIFT = 35                  # key = ((day << 3) + kind) << 32: a day's first key is day << 35


def _event_keys(records: list, kind: int, order) -> list[tuple[int, object]]:
    """(key, record) with key = ((day * 8 + kind) << 32) + rank, rank in the kind's own order:
    keys are distinct integers, so sorting never compares records and ties keep each order."""
    if len(records) > 1:
        records.sort(key=order)
    return [((((r.date.toordinal() << 3) + kind) << 32) + k, r) for k, r in enumerate(records)]


_fee_rates_of = (None, {})    # (the last Config seen, its fee_rate_for memo): see ``_fee_rates``


def _fee_rates(cfg: Config) -> dict:
    """A memo of ``cfg.fee_rate_for`` by (terms, category), shared by the replays of one (frozen)
    ``Config``: a book's replays look the same few rates up a million times."""
    global _fee_rates_of
    memo = _fee_rates_of
    if memo[0] is not cfg:
        memo = _fee_rates_of = (cfg, {})
    return memo[1]


class Replay:
    """One customer's account while its events are applied (see the module docstring)."""

    def __init__(self, customer: Customer, cfg: Config, as_of: date, recorder: Recorder):
        self.customer = customer
        self.recorder = recorder
        self.cfg = cfg
        self.as_of = as_of
        billing = cfg.billing
        self.statement_day = customer.statement_day
        self.due_days = billing.due_days
        self.grace_days = billing.grace_days
        self.rounding_name = billing.rounding
        self.rounding = ROUNDING_MODES[billing.rounding]
        self.daily_rate = cfg.late_fee.daily_rate
        self.cap_ratio = cfg.late_fee.cap_ratio
        self.policy = cfg.installments.early_settlement_fees
        self.fee_rates = _fee_rates(cfg)
        self.accrued_through = 0     # late fee accrued through this day (ordinal)
        self.pending_fen_days = 0    # fen-days accrued (definite) since the last posting
        self.total_fen_days = 0      # fen-days accrued (definite) since the start
        self.late_posted = 0
        self.late_paid = 0
        self.credit = 0
        self.open: list[BilledItem] = []         # billed items with something outstanding
        self.open_unsorted = False               # open needs sorting into allocation order
        self.items: list[BilledItem] = []
        self.purchases: list[PurchasePlan] = []  # every purchase, in processing order
        self.to_bill: list[PurchasePlan] = []    # purchases with periods still to bill
        self.purchase_by_id: dict[str, PurchasePlan] = {}
        self.first_month = 0
        self.last_month = -1
        self.deferred: dict[int, DeferralApplied] = {}   # statement month -> its deferral
        self.converted: dict[int, ConversionApplied] = {}   # statement month -> its conversion (SPEC 4.10)
        self.warnings: list[EngineWarning] = []
        self.refusals: dict[str, str] = {}   # repayment/deferral id -> why the rules refused/changed it
        self.repayment_ids: set[str] = set()
        # SPEC 4.15: waivers applied; the write-off (None while the account is live) and recoveries
        self.waivers: list[WaiverApplied] = []
        self.written_off: Optional[WriteOffApplied] = None
        self.recovered = 0
        # SPEC 4.9 minimum payment and revolving: None when off (every hook tests only this)
        self.rev: Optional[Revolving] = None
        self.accrual = _ACCRUE_LATE              # which accrual ``accrue_to`` runs (see there)
        if cfg.minimum_payment.enabled:
            self.rev = Revolving(cfg, self.rounding)
            self.accrual = _ACCRUE_REVOLVING

    def warn(self, kind: str, record_id: str, message: str) -> None:
        self.warnings.append(EngineWarning(kind, record_id, message))

    # ---- late fee ---------------------------------------------------------------------------
    def accrue_to(self, day: int) -> None:
        """Accrue late fee for the days after ``accrued_through`` up to ``day`` (ordinals), on
        the balances at the start of those days. With the minimum payment on, ``Revolving.accrue_to``
        (SPEC 4.9); once written off, nothing accrues (SPEC 4.15)."""
        if self.accrual:
            if self.accrual == _ACCRUE_REVOLVING:
                self.rev.accrue_to(self, day)
            elif day > self.accrued_through:
                self.accrued_through = day
            return
        through = self.accrued_through
        if day <= through:
            return
        if self.open:
            grace = self.grace_days
            fen_days = 0
            for w in self.open:
                due = w.due_ord
                if due >= day:
                    continue
                days = day - (through if through > due else due)
                if w.late:
                    fen_days += w.balance * days
                else:
                    w.contingent += w.balance * days
                    if day > due + grace:        # still unpaid at the start of day due+grace+1
                        w.late = True
                        fen_days += w.contingent
                        w.contingent = 0
            if fen_days:
                self.pending_fen_days += fen_days
                self.total_fen_days += fen_days
        self.accrued_through = day

    def late_fee_for(self, fen_days: int) -> int:
        """Fen to post for ``fen_days``: rounded, and capped by late_fee.cap_ratio if set."""
        fen = int((self.daily_rate * fen_days).quantize(_ONE, rounding=self.rounding))
        if self.cap_ratio is not None:
            overdue = sum(w.balance for w in self.open if w.late)
            cap = int((self.cap_ratio * overdue).quantize(_ONE, rounding=self.rounding))
            fen = max(0, min(fen, cap - (self.late_posted - self.late_paid)))
        return fen

    def post_late_fee(self, on: date) -> int:
        fen_days = self.pending_fen_days
        if not fen_days:
            return 0
        self.pending_fen_days = 0
        fen = self.late_fee_for(fen_days)
        if fen:
            self.late_posted += fen
            self.recorder.late_fee_posted(on, fen)
        return fen

    # ---- allocation ---------------------------------------------------------------------------
    def allocate(self, amount: int, on: date, source: str) -> tuple[list[AllocationLine], int]:
        """Pay posted late fee, (posted revolving fee, minimum payment on), then billed items oldest
        due first (fee before principal).

        Returns the allocation lines (an empty list unless the recorder keeps them) and what is left.
        """
        lines = []
        keep = self.recorder.allocation_lines
        late_unpaid = self.late_posted - self.late_paid
        if late_unpaid and amount:
            x = late_unpaid if late_unpaid < amount else amount
            self.late_paid += x
            amount -= x
            if keep:
                lines.append(AllocationLine(source, on, None, None, LATE_FEE, x))
        if self.rev is not None and amount:
            amount = self.rev.pay_fee(amount, on, source, lines if keep else None)
        if amount and self.open:
            if self.open_unsorted:
                self.open.sort(key=_allocation_order)
                self.open_unsorted = False
            closed = 0               # open is sorted: what closes is a prefix of it
            for w in self.open:
                paid = 0                 # paid on this item: fee first, then principal
                fee_owed = w.fee - w.fee_paid
                if fee_owed:
                    paid = fee_owed if fee_owed < amount else amount
                    w.fee_paid += paid
                    if keep:
                        lines.append(AllocationLine(source, on, w.txn_id, w.period, FEE, paid))
                left = amount - paid
                if left:
                    principal_owed = w.principal - w.refunded - w.principal_paid
                    if principal_owed:
                        x = principal_owed if principal_owed < left else left
                        w.principal_paid += x
                        paid += x
                        if keep:
                            lines.append(AllocationLine(source, on, w.txn_id, w.period, PRINCIPAL, x))
                w.balance -= paid
                amount -= paid
                if not w.balance:
                    w.paid_on = on
                    if not w.late:
                        w.contingent = 0     # paid in full within due + grace: no late fee
                    closed += 1
                if not amount:
                    break
            if closed:
                # every item before the last one visited was paid in full (money was left after
                # it); the last one visited may or may not be: so the closed ones are a prefix
                del self.open[:closed]
        return lines, amount

    def apply_credit(self, on: date, on_ord: int, post: bool) -> None:
        """Use the credit balance on whatever is billed and unpaid (late fee first)."""
        rev = self.rev
        if not self.credit or not (self.open or self.late_posted > self.late_paid
                                   or (rev is not None and rev.posted > rev.paid)):
            return
        if post:
            self.accrue_to(on_ord)
            if rev is not None:
                rev.post(self, on)
            self.post_late_fee(on)
        credit = self.credit
        lines, rest = self.allocate(credit, on, CREDIT_SOURCE)
        self.credit = rest
        used = credit - rest
        if used:
            self.recorder.credit_applied(on, used, lines)

    # ---- statements -----------------------------------------------------------------------------
    def issue_statement(self, month: int) -> None:
        """Statement of ``month``: post late fee, bill due periods, use credit, let the recorder keep it."""
        recorder = self.recorder
        if self.written_off is not None:
            return                   # SPEC 4.15: no statement after the write-off
        due_now = None
        if self.to_bill:
            for p in self.to_bill:
                if p.first_month + p.billed == month:
                    if due_now is None:
                        due_now = [p]
                    else:
                        due_now.append(p)
        keep = month >= recorder.statements_from
        rev = self.rev
        if due_now is None and not self.open and not self.pending_fen_days and not keep and rev is None:
            if recorder.keeps_activity:
                recorder.statement_closed(month)
            return                   # nothing billed, owed or accrued: nothing to do
        on, on_ord, due, due_ord = statement_month(month, self.statement_day, self.due_days)
        self.accrue_to(on_ord)
        rev_posted = rev.post(self, on) if rev is not None else 0
        posted = self.post_late_fee(on)
        new = []
        if due_now is not None:
            done = False
            for p in due_now:
                i = p.billed
                w = BilledItem(p.kind, p.txn_id, i + 1, p.periods, p.date, p.date_ord, on, on_ord, due, due_ord,
                               p.period_principal[i], p.fee)
                self.items.append(w)
                if w.balance:
                    self.open.append(w)
                else:                                # a 0.00 period (e.g. 0.01 over 3 periods)
                    w.paid_on = on
                p.items.append(w)
                new.append(w)
                p.billed = i + 1
                if p.billed >= p.uncancelled:
                    done = True
            self.open_unsorted = True
            if done:
                self.to_bill = [p for p in self.to_bill if p.billed < p.uncancelled]
        if self.credit:
            self.apply_credit(on, on_ord, post=False)
        minimum = rev.issue(self, on_ord, due_ord, new) if rev is not None else None
        if keep:
            recorder.statement(self._issued(month, on, on_ord, due, new, posted, minimum, rev_posted))
        if recorder.keeps_activity:
            recorder.statement_closed(month)

    def _issued(self, month: int, on: date, on_ord: int, due: date, new: list[BilledItem],
                posted: int, minimum: Optional[int] = None, rev_posted: int = 0) -> Statement:
        if self.open_unsorted:
            self.open.sort(key=_allocation_order)
            self.open_unsorted = False
        late_unpaid = self.late_posted - self.late_paid
        rev_unpaid = self.rev.posted - self.rev.paid if self.rev is not None else 0
        owed = late_unpaid + rev_unpaid
        unpaid_principal = 0
        carried = []                 # the open items of earlier statements
        for w in self.open:
            owed += w.balance
            unpaid_principal += w.principal - w.refunded - w.principal_paid
            if w.statement_ord < on_ord:
                carried.append(_statement_line(w))
        upcoming = []
        upcoming_dates = []
        for k in range(month + 1, month + 4):
            on_k, _on_ord, due_k, _due_ord = statement_month(k, self.statement_day, self.due_days)
            upcoming_dates.append(on_k)
            for p in self.to_bill:
                i = k - p.first_month
                if p.billed <= i < p.uncancelled:
                    upcoming.append(ScheduledPeriod(p.kind, p.txn_id, i + 1, p.periods, p.date, on_k, due_k,
                                                    p.period_principal[i], p.fee))
        for p in self.to_bill:
            unpaid_principal += p.unbilled_principal()
        total_due = max(0, owed - self.credit)
        return Statement(
            month - self.first_month + 1, on, due, None,
            tuple([_statement_line(w) for w in new]), tuple(carried), posted,
            late_unpaid, self.credit, total_due, self.recorder.statement_activity(),
            tuple(upcoming), tuple(upcoming_dates), unpaid_principal, total_due if minimum is None else minimum,
            minimum is not None, rev_posted, rev_unpaid)

    # ---- events ------------------------------------------------------------------------------
    def purchase(self, t: Txn) -> None:
        if self.written_off is not None:
            self.warn("after_write_off", t.txn_id, f"purchase {t.txn_id} on {t.date} is after the account was "
                                                   f"written off ({self.written_off.date}); ignored")
            return
        periods = t.installments or 1
        amount = to_fen(t.amount)
        rate = t.fee_rate
        if rate is None:
            rate = self.fee_rates.get((periods, t.category))
            if rate is None:
                rate = self.fee_rates[periods, t.category] = self.cfg.fee_rate_for(periods, t.category)
        fee = to_fen(period_fee(t.amount, rate, self.rounding_name)) if periods > 1 else 0
        p = PurchasePlan(t, amount, periods, rate, fee, first_statement_month(t.date, self.statement_day))
        self.purchases.append(p)
        self.to_bill.append(p)
        self.purchase_by_id[p.txn_id] = p

    def refund(self, t: Txn) -> None:
        p = self.purchase_by_id.get(t.ref_txn_id or "")
        if p is None:
            self.warn("refund_unmatched", t.txn_id, f"refund {t.txn_id}: purchase {t.ref_txn_id!r} is not a purchase "
                                                    f"of this customer dated on or before the refund; ignored")
            return
        amount = to_fen(t.amount)
        if self.written_off is not None:          # money back on a written-off account: a recovery
            self.recorder.refunded(t.date, t.txn_id, p.txn_id, amount)
            self.credit += self._recover(amount)
            return
        left = p.amount - p.refunded
        if amount > left:
            self.warn("refund_exceeds", t.txn_id, f"refund {t.txn_id}: {dec(amount)} exceeds what is left of "
                                                  f"purchase {p.txn_id} ({dec(left)}); ignored")
            return
        t_ord = t.date.toordinal()
        self.accrue_to(t_ord)
        p.refunded += amount
        rest = amount
        # 1. unbilled principal, from the last period backwards; a period reaching zero is cancelled
        if p.settled_on is None:
            i = p.uncancelled - 1
            while rest and i >= p.billed:
                x = min(rest, p.period_principal[i])
                p.period_principal[i] -= x
                rest -= x
                if not p.period_principal[i]:
                    p.uncancelled = i
                i -= 1
            if p.billed >= p.uncancelled and p in self.to_bill:
                self.to_bill.remove(p)
        # 2. billed, unpaid principal of that purchase, oldest due first
        if rest:
            rest = self._refund_billed(p, rest, t.date)
        self.recorder.refunded(t.date, t.txn_id, p.txn_id, amount)
        # 3. the rest becomes credit balance, used at once on anything billed and unpaid
        if rest:
            p.to_credit += rest
            self.credit += rest
            self.apply_credit(t.date, t_ord, post=True)

    def _refund_billed(self, p: PurchasePlan, rest: int, on: date) -> int:
        return self._take_from_items(sorted(p.items, key=_allocation_order), rest, on, refund=True)

    def _take_from_items(self, items: Iterable[BilledItem], fen: int, on: date, refund: bool) -> int:
        """Take up to ``fen`` off ``items`` in their order: unpaid principal as refunded (``refund``), or
        unpaid fee as waived (the fee leaves the item). An item brought to nothing is closed on ``on``
        (owing no late fee if it was not late yet). Returns what was left of ``fen``."""
        closed = False
        for w in items:
            if refund:
                x = min(fen, w.principal - w.refunded - w.principal_paid)
                w.refunded += x
            else:
                x = min(fen, w.fee - w.fee_paid)
                w.fee -= x
            if x:
                w.balance -= x
                fen -= x
                if not w.balance:
                    w.paid_on = on
                    if not w.late:
                        w.contingent = 0
                    closed = True
            if not fen:
                break
        if closed:
            self.open = [w for w in self.open if w.balance]
        return fen

    def payoff(self, policy: str) -> int:
        """Early-settlement payoff now (late fee already posted): see ``payoff.payoff_amount``."""
        owed = self.late_posted - self.late_paid + sum(w.balance for w in self.open)
        if self.rev is not None:
            owed += self.rev.posted - self.rev.paid       # its accrual was posted by the repayment
        unbilled = []
        for p in self.to_bill:
            owed += p.unbilled_principal()
            unbilled.append((p.fee, p.uncancelled - p.billed))
        return settlement_payoff_fen(owed, self.credit, policy, unbilled)

    def accelerate(self, on: date, policy: str) -> None:
        """Bill every unbilled period now (early settlement), fees per ``policy``."""
        on_ord = on.toordinal()
        for p in self.to_bill:
            for i in range(p.billed, p.uncancelled):
                fee = p.fee if charges_fee(policy, i == p.billed) else 0
                w = BilledItem(p.kind, p.txn_id, i + 1, p.periods, p.date, p.date_ord, on, on_ord, on, on_ord,
                               p.period_principal[i], fee, True)
                self.items.append(w)
                if w.balance:
                    self.open.append(w)
                else:
                    w.paid_on = on
                p.items.append(w)
            p.billed = p.uncancelled
            p.settled_on = on
        self.to_bill = []
        self.open_unsorted = True

    def repay(self, r: Repayment) -> None:
        rid = r.repayment_id
        if rid in self.repayment_ids:
            self.warn("duplicate_repayment", rid, f"repayment {rid}: duplicate repayment_id in the journal; "
                                                  f"applied once")
            return
        self.repayment_ids.add(rid)
        amount = to_fen(r.amount)
        on = r.date
        if self.written_off is not None:
            self._recovery(r, amount)
            return
        on_ord = on.toordinal()
        self.post_charges(on, on_ord)
        rev = self.rev
        applied_as = "normal"
        payoff = None
        if r.kind == SETTLE:
            payoff = self.payoff(self.policy)
            if amount >= payoff:
                applied_as = "settle"
                self.accelerate(on, self.policy)
                if self.credit:
                    self.apply_credit(on, on_ord, post=False)
            else:
                why = f"settle of {dec(amount)} on {on} does not cover the payoff {dec(payoff)}"
                self.refusals[rid] = why
                self.warn("settle_short", rid, f"repayment {rid}: {why}; applied as a normal repayment")
        lines, rest = self.allocate(amount, on, rid)
        if rev is not None:
            rev.repaid(amount, on_ord)
        if rest:
            self.credit += rest
        self.recorder.repaid(r, amount, applied_as, lines, rest, payoff)

    def post_charges(self, on: date, on_ord: int) -> None:
        """Accrue to ``on`` and post the charges accrued (revolving fee, late fee), as a repayment does."""
        if on_ord > self.accrued_through:
            self.accrue_to(on_ord)
        if self.rev is not None:
            self.rev.post(self, on)
        if self.pending_fen_days:
            self.post_late_fee(on)

    def _statement_items(self, month: int) -> list[BilledItem]:
        """The items billed on the statement of ``month`` (not deferral fees, not accelerated)."""
        on_ord = statement_month(month, self.statement_day, self.due_days)[1]
        return [w for w in self.items
                if w.statement_ord == on_ord and not w.accelerated and w.kind != DEFERRAL_FEE_ITEM]

    def defer(self, d: Deferral) -> None:
        why = self._deferral_refusal(d)
        if why:
            self.refusals[d.deferral_id] = why
            self.warn("deferral_refused", d.deferral_id, f"deferral {d.deferral_id}: {why}; ignored")
            return
        month = month_index(d.statement_date)
        on, on_ord, _due, due_ord = statement_month(month, self.statement_day, self.due_days)
        unpaid = [w for w in self._statement_items(month) if w.balance]
        new_due_ord = due_ord + d.days
        new_due = date.fromordinal(new_due_ord)
        for w in unpaid:
            w.due = new_due
            w.due_ord = new_due_ord
        self.open_unsorted = True
        if self.rev is not None:
            self.rev.deferred(on_ord, new_due_ord)
        outstanding = sum(w.balance for w in unpaid)
        fee = int((self.cfg.deferral.fee_rate * outstanding).quantize(_ONE, rounding=self.rounding))
        if fee:
            w = BilledItem(DEFERRAL_FEE_ITEM, d.deferral_id, 1, 1, d.date, d.date.toordinal(), on, on_ord, new_due,
                           new_due_ord, 0, fee)
            self.items.append(w)
            self.open.append(w)
        self.deferred[month] = DeferralApplied(d.deferral_id, d.date, d.statement_date, d.days, new_due, fee,
                                               outstanding)
        self.recorder.deferred(d, fee, new_due)

    def _statement_request_refusal(self, s: date, on: date, done: dict, what: str) -> Optional[str]:
        """What refuses a request about statement ``s`` made on ``on`` (a deferral, a conversion):
        no such statement of the customer, not issued yet, already ``what`` (its month in ``done``),
        after its due date (the deferred one if it was deferred), the account overdue."""
        month = month_index(s)
        if self.written_off is not None:
            return f"the account was written off on {self.written_off.date}"
        if s.day != self.statement_day or not self.first_month <= month <= self.last_month:
            return f"no statement of this customer on {s}"
        if s > on:
            return f"statement {s} is not issued yet on {on}"
        if month in done:
            return f"statement {s} is already {what}"
        deferral = self.deferred.get(month)
        due = deferral.new_due_date if deferral else statement_month(month, self.statement_day, self.due_days)[2]
        if on > due:
            return f"requested on {on}, after the statement's due date {due}"
        return None

    def _overdue_reason(self, on: date) -> Optional[str]:
        """Why the account counts as overdue on ``on`` for a deferral or a conversion (None: it is
        not): an unpaid minimum when the minimum payment is on (SPEC 4.9), else an overdue item."""
        on_ord = on.toordinal()
        if self.rev is not None:
            return "the account is overdue (a minimum payment is unpaid)" \
                if self.rev.delinquency(self, on_ord)[0] else None
        grace = self.grace_days
        return "the account is overdue" if any(w.balance and on_ord > w.due_ord + grace for w in self.open) else None

    def _deferral_refusal(self, d: Deferral) -> Optional[str]:
        """Why SPEC 4.6 refuses this deferral (None when it is allowed)."""
        s = d.statement_date
        why = self._statement_request_refusal(s, d.date, self.deferred, "deferred")
        if why:
            return why
        if not 1 <= d.days <= self.cfg.deferral.max_days:
            return f"{d.days} days is outside 1..{self.cfg.deferral.max_days}"
        overdue = self._overdue_reason(d.date)
        if overdue:
            return overdue
        if not any(w.balance for w in self._statement_items(month_index(s))):
            return f"nothing is unpaid on statement {s}"
        return None

    # ---- statement installments (账单分期, SPEC 4.10) ------------------------------------------------
    def _pay_in_full_items(self, month: int) -> list[BilledItem]:
        """The pay-in-full items billed on the statement of ``month``, in allocation order."""
        items = [w for w in self._statement_items(month) if w.kind == PURCHASE_ITEM]
        items.sort(key=_allocation_order)
        return items

    def _conversion_rate(self, c: Conversion) -> Optional[Decimal]:
        return c.fee_rate if c.fee_rate is not None else self.cfg.conversion.fee_rate_for(c.terms)

    def convert(self, c: Conversion) -> None:
        """Take ``c.amount`` out of the statement's unpaid pay-in-full items (allocation order) into
        a plan of ``c.terms`` periods billed on the statements after it (SPEC 4.10)."""
        if self._conversion_refused(c):
            return
        month = month_index(c.statement_date)
        amount = to_fen(c.amount)
        rest = amount
        taken = []
        closed = False
        for w in self._pay_in_full_items(month):
            owed = w.principal - w.refunded - w.principal_paid
            if owed and rest:
                x = owed if owed < rest else rest
                w.principal -= x             # the converted principal leaves the item (and the bill)
                w.balance -= x
                rest -= x
                taken.append((w.txn_id, x))
                if not w.balance:
                    w.paid_on = c.date
                    w.contingent = 0
                    closed = True
        if closed:
            self.open = [w for w in self.open if w.balance]
        rate = self._conversion_rate(c)
        assert rate is not None          # refused above otherwise
        fee = to_fen(period_fee(c.amount, rate, self.rounding_name))
        txn = Txn(c.conversion_id, c.customer_id, c.date, c.amount, installments=c.terms, fee_rate=rate)
        p = PurchasePlan(txn, amount, c.terms, rate, fee, month + 1)     # period i on the i-th bill after
        p.kind = CONVERSION_ITEM
        self.to_bill.append(p)
        schedule = []
        for i in range(c.terms):
            on_k, _o, due_k, _d = statement_month(month + 1 + i, self.statement_day, self.due_days)
            schedule.append(ScheduledPeriod(CONVERSION_ITEM, c.conversion_id, i + 1, c.terms, c.date, on_k, due_k,
                                            p.period_principal[i], fee))
        self.converted[month] = ConversionApplied(c.conversion_id, c.date, c.statement_date, c.terms, rate, amount,
                                                  fee, tuple(schedule), tuple(taken))
        if self.rev is not None:          # SPEC 4.9/4.10: the converted bill's minimum is recomputed
            self.rev.converted(c.statement_date.toordinal(), amount - rest)
        self.recorder.converted(c, amount)

    def _conversion_refused(self, c: Conversion) -> bool:
        """Whether the rules refuse ``c`` (then the refusal is kept and warned about)."""
        why = self._conversion_refusal(c)
        if why:
            self.refusals[c.conversion_id] = why
            self.warn("conversion_refused", c.conversion_id, f"conversion {c.conversion_id}: {why}; ignored")
        return bool(why)

    def _conversion_refusal(self, c: Conversion) -> Optional[str]:
        """Why SPEC 4.10 refuses this conversion (None when it is allowed)."""
        s = c.statement_date
        why = self._statement_request_refusal(s, c.date, self.converted, "converted")
        if why:
            return why
        overdue = self._overdue_reason(c.date)
        if overdue:
            return overdue
        conv = self.cfg.conversion
        offered = sorted({3, 6, 12, 24} | {t for t, _r in conv.fee_rates})
        if c.terms not in offered:
            return f"{c.terms} periods is not a conversion term ({', '.join(map(str, offered))})"
        if self._conversion_rate(c) is None:
            priced = ", ".join(str(t) for t, _r in conv.fee_rates)
            return f"no conversion fee rate for {c.terms} periods (conversion.fee_rates prices {priced})"
        if c.amount < conv.min_amount:
            return f"{dec(to_fen(c.amount))} is under the minimum conversion amount {conv.min_amount} " \
                   f"(conversion.min_amount)"
        items = self._pay_in_full_items(month_index(s))
        billed = sum(w.principal - w.refunded for w in items)
        cap = (conv.max_ratio * billed).to_integral_value(rounding=ROUND_FLOOR)
        if to_fen(c.amount) > cap:
            return f"{dec(to_fen(c.amount))} is over {conv.max_ratio} (conversion.max_ratio) of the pay-in-full " \
                   f"principal billed on {s} ({dec(billed)}): at most {dec(int(cap))}"
        unpaid = sum(w.principal - w.refunded - w.principal_paid for w in items)
        if to_fen(c.amount) > unpaid:
            return f"only {dec(unpaid)} of the pay-in-full principal billed on {s} is unpaid"
        return None

    def _with_conversion(self, statement: Statement) -> Statement:
        """The amended bill: the converted principal out of its items, ``total_due`` recomputed, the
        plan's periods among the upcoming ones."""
        conv = self.converted.get(month_index(statement.statement_date))
        if conv is None:
            return statement
        left = dict(conv.taken)
        lines = []
        for ln in statement.new_items:
            x = left.get(ln.txn_id, 0) if ln.kind == PURCHASE_ITEM else 0
            if x:
                x = min(x, ln.principal_fen)
                left[ln.txn_id] -= x
                ln = ln._replace(principal_fen=ln.principal_fen - x, outstanding_fen=max(0, ln.outstanding_fen - x))
            lines.append(ln)
        upcoming = statement.upcoming + tuple(p for p in conv.schedule if p.statement_date in statement.upcoming_dates)
        total = max(0, statement.total_due_fen - conv.amount_fen)
        minimum = self.rev.minimum_of(statement.statement_date.toordinal()) if self.rev is not None else None
        return replace(statement, new_items=tuple(lines), total_due_fen=total,
                       minimum_due_fen=total if minimum is None else min(minimum, total),
                       upcoming=tuple(sorted(upcoming, key=_schedule_order)))

    # ---- adjustments: waivers, write-off, recovery (减免, 核销, SPEC 4.15) -------------------------------
    def adjust(self, a: Adjustment) -> None:
        if a.kind == WRITE_OFF:
            self.write_off(a)
        else:
            self.waive(a)

    def _refuse(self, kind: str, record_id: str, what: str, why: str) -> None:
        self.refusals[record_id] = why
        self.warn(kind, record_id, f"{what} {record_id}: {why}; ignored")

    def waive(self, a: Adjustment) -> None:
        """Post the charges accrued up to the waiver's date, then forgive ``a.amount`` of its component."""
        on = a.date
        if self.written_off is None:
            self.post_charges(on, on.toordinal())
        why = self._waiver_refusal(a)
        if why:
            self._refuse("waiver_refused", a.adjustment_id, "waiver", why)
            return
        fen = to_fen(a.amount)
        if a.kind == WAIVE_LATE_FEE:
            self.late_posted -= fen          # posted late fee is net of waivers
        elif a.kind == WAIVE_REVOLVING_FEE:
            self.rev.posted -= fen
        else:
            self._waive_fees(fen, on)
        if self.rev is not None:
            self.rev.waived(fen, a.kind != WAIVE_FEE)
        self.waivers.append(WaiverApplied(a.adjustment_id, on, a.kind, fen, a.reason))
        self.recorder.waived(a, fen)

    def owed_for_waiver(self, kind: str) -> int:
        """What a waiver of ``kind`` may forgive now (charges posted): unpaid posted late fee, unpaid
        posted revolving fee, or the unpaid fees of billed items."""
        if kind == WAIVE_LATE_FEE:
            return self.late_posted - self.late_paid
        if kind == WAIVE_REVOLVING_FEE:
            return self.rev.posted - self.rev.paid if self.rev is not None else 0
        return sum(w.fee - w.fee_paid for w in self.open)

    def _waiver_refusal(self, a: Adjustment) -> Optional[str]:
        if self.written_off is not None:
            return f"the account was written off on {self.written_off.date}"
        if a.kind == WAIVE_REVOLVING_FEE and self.rev is None:
            return "there is no revolving fee: the minimum payment is off (minimum_payment.enabled)"
        if a.amount is None or a.amount <= 0:
            return "a waiver needs an amount above 0"
        owed = self.owed_for_waiver(a.kind)
        what = {WAIVE_LATE_FEE: "late fee", WAIVE_REVOLVING_FEE: "revolving fee", WAIVE_FEE: "fees"}[a.kind]
        if to_fen(a.amount) > owed:
            return f"{dec(to_fen(a.amount))} is over the {what} owed on {a.date} ({dec(owed)})"
        return None

    def _waive_fees(self, fen: int, on: date) -> None:
        """Forgive ``fen`` of the unpaid fees of billed items, in allocation order."""
        if self.open_unsorted:
            self.open.sort(key=_allocation_order)
            self.open_unsorted = False
        self._take_from_items(list(self.open), fen, on, refund=False)

    def dpd_on(self, on_ord: int) -> int:
        """Days past due on the day ``on_ord`` (accrued to it), by the rule in force (SPEC 4.7 / 4.9)."""
        if self.rev is not None:
            unpaid, since, _charges = self.rev.delinquency(self, on_ord)
            return on_ord - since if unpaid and since is not None else 0
        grace = self.grace_days
        dues = [w.due_ord for w in self.open if w.balance and on_ord > w.due_ord + grace]
        return on_ord - min(dues) if dues else 0

    def write_off(self, a: Adjustment) -> None:
        """Take the whole balance out of receivables (charges posted first); nothing accrues after it."""
        on = a.date
        on_ord = on.toordinal()
        if self.written_off is not None:
            self._refuse("write_off_refused", a.adjustment_id, "write-off",
                         f"the account was already written off on {self.written_off.date}")
            return
        self.post_charges(on, on_ord)
        dpd = self.dpd_on(on_ord)
        least = self.cfg.overdue.write_off_min_dpd
        if dpd < least:
            self._refuse("write_off_refused", a.adjustment_id, "write-off",
                         f"{dpd} days past due on {on}, under overdue.write_off_min_dpd ({least})")
            return
        gross = sum(w.balance for w in self.open) + self.late_posted - self.late_paid
        if self.rev is not None:
            gross += self.rev.posted - self.rev.paid
        for p in self.to_bill:
            gross += p.unbilled_principal()
        amount = max(0, gross - self.credit)
        self.credit = max(0, self.credit - gross)
        self.written_off = WriteOffApplied(a.adjustment_id, on, dpd, amount, a.reason)
        self.accrual = _ACCRUE_STOPPED                 # SPEC 4.15: no further accrual
        self.recorder.written_off(a, amount)

    def _recover(self, fen: int) -> int:
        """Count ``fen`` received after the write-off as a recovery, up to what was written off; the
        excess (returned) becomes credit balance."""
        x = min(fen, self.written_off.amount_fen - self.recovered)
        self.recovered += x
        return fen - x

    def _recovery(self, r: Repayment, amount: int) -> None:
        rest = self._recover(amount)
        lines = []
        if self.recorder.allocation_lines and amount > rest:
            lines.append(AllocationLine(r.repayment_id, r.date, None, None, RECOVERY, amount - rest))
        self.credit += rest
        self.recorder.repaid(r, amount, RECOVERED, lines, rest, None)

    # ---- driver --------------------------------------------------------------------------------
    def _other_customer(self, record, record_id: str, what: str) -> None:
        self.warn("other_customer", record_id, f"{what} {record_id} belongs to customer {record.customer_id}; ignored")

    def _own_journal(self, records: Iterable, id_field: str, what: str) -> list:
        """The journal records dated up to ``as_of`` that are this customer's; a warning for any other's."""
        as_of = self.as_of
        cid = self.customer.customer_id
        own = []
        for r in records:
            if r.date <= as_of:
                if r.customer_id == cid:
                    own.append(r)
                else:
                    self._other_customer(r, getattr(r, id_field), what)
        return own

    def _events(self, txns: Sequence[Txn], repayments: Sequence[Repayment], deferrals: Sequence[Deferral],
                conversions: Sequence[Conversion] = (), corrections: Corrections = NO_CORRECTIONS
                ) -> tuple[list[tuple[int, object]], date]:
        """Every event in order (see ``_event_keys``) and the day the replay starts. A record reversed
        on or before ``as_of`` is left out, as if it had never been posted (SPEC 4.11)."""
        as_of = self.as_of
        adjustments = corrections.adjustments
        if corrections.reversals:
            gone = {v.target_id for v in corrections.reversals if v.date <= as_of}
            if gone:
                repayments = [r for r in repayments if r.repayment_id not in gone]
                deferrals = [d for d in deferrals if d.deferral_id not in gone]
                conversions = [c for c in conversions if c.conversion_id not in gone]
                adjustments = [a for a in adjustments if a.adjustment_id not in gone]
        cid = self.customer.customer_id
        opened = self.customer.opened_on
        start = opened
        purchases = []
        refunds = []
        for t in txns:
            if t.date > as_of:
                continue
            if t.customer_id != cid:
                self._other_customer(t, t.txn_id, "transaction")
            elif t.type == REFUND:
                refunds.append(t)
            else:
                if t.date < opened:
                    self.warn("before_opening", t.txn_id, f"purchase {t.txn_id} on {t.date} is before the account "
                                                          f"opened ({opened})")
                    if t.date < start:
                        start = t.date
                purchases.append(t)
        events: list[tuple[int, object]] = []
        for records, kind, order in ((purchases, _PURCHASE, _txn_order), (refunds, _REFUND, _txn_order),
                                     (self._own_journal(repayments, "repayment_id", "repayment"), _REPAYMENT,
                                      _repayment_order),
                                     (self._own_journal(deferrals, "deferral_id", "deferral"), _DEFERRAL,
                                      _deferral_order),
                                     (self._own_journal(conversions, "conversion_id", "conversion"), _CONVERSION,
                                      _conversion_order),
                                     (self._own_journal(adjustments, "adjustment_id", "adjustment"), _ADJUSTMENT,
                                      _adjustment_order)):
            if records:
                events += _event_keys(records, kind, order)
        events.sort()
        return events, start

    def run(self, txns: Sequence[Txn], repayments: Sequence[Repayment], deferrals: Sequence[Deferral],
            conversions: Sequence[Conversion] = (), corrections: Corrections = NO_CORRECTIONS) -> "Replay":
        as_of = self.as_of
        events, start = self._events(txns, repayments, deferrals, conversions, corrections)
        statement_day = self.statement_day
        due_days = self.due_days
        self.first_month = month = first_statement_month(start, statement_day)
        self.last_month = last_month = month_index(as_of) - (1 if as_of.day < statement_day else 0)
        self.accrued_through = start.toordinal()
        self.recorder.begin(month, last_month)
        # statement billing runs first on its day: statement m happens before any event keyed
        # >= its ordinal << _DAY_SHIFT
        next_key = (statement_month(month, statement_day, due_days)[1] << _DAY_SHIFT) if month <= last_month else None
        apply = (self.purchase, self.refund, self.repay, self.defer, self.convert, self.adjust)
        for key, record in events:
            while next_key is not None and next_key <= key:
                self.issue_statement(month)
                month += 1
                next_key = ((statement_month(month, statement_day, due_days)[1] << _DAY_SHIFT)
                            if month <= last_month else None)
            apply[(key >> 32) & 7](record)
        while month <= last_month:
            self.issue_statement(month)
            month += 1
        self.accrue_to(as_of.toordinal())
        return self

    # ---- views of the one state ------------------------------------------------------------------
    def on_time_streak(self) -> int:
        """On-time statements in a row, counted back from the latest whose due date + grace is before
        ``as_of`` (SPEC 4.12): each with something due, paid in full by its (deferred) due date + grace
        -- with the minimum payment on, its minimum met. A statement with nothing due is skipped."""
        as_of = self.as_of.toordinal()
        grace = self.grace_days
        streak = 0
        if self.rev is not None:
            for rec in reversed(self.rev.records):
                if rec.due_ord + grace >= as_of or not rec.total:
                    continue
                if rec.paid_by_due < rec.minimum:
                    break
                streak += 1
            return streak
        never = 1 << 62
        # billed on, closed on, of every item with something billed; an open item is never closed
        billed_on = []
        closed_on = []
        for w in self.items:
            if w.principal + w.fee:
                billed_on.append(w.statement_ord)
                closed_on.append(never if w.paid_on is None else w.paid_on.toordinal())
        n = len(billed_on)
        for month in range(self.last_month, self.first_month - 1, -1):
            _on, on_ord, _due, due_ord = statement_month(month, self.statement_day, self.due_days)
            deferral = self.deferred.get(month)
            if deferral is not None:
                due_ord = deferral.new_due_date.toordinal()
            if due_ord + grace >= as_of:
                continue
            # the last closing of the items outstanding when it was issued (billed on or before it, not
            # closed before it); none: nothing was due on it
            last = -1
            for i in range(n):
                closed = closed_on[i]
                if closed >= on_ord and closed > last and billed_on[i] <= on_ord:
                    last = closed
            if last < 0:
                continue
            if last > due_ord + grace:
                break
            streak += 1
        return streak

    def late_fee_owed(self) -> int:
        """Posted unpaid + what posting the accrual now would post."""
        pending = self.pending_fen_days
        return self.late_posted - self.late_paid + (self.late_fee_for(pending) if pending else 0)

    def statements(self) -> tuple[Statement, ...]:
        """The statements the recorder kept, with the deferrals known on ``as_of``."""
        issued = self.recorder.issued_statements()
        if not self.deferred and not self.converted:
            return issued
        return tuple([self._with_conversion(self._with_deferral(s)) for s in issued])

    def _with_deferral(self, statement: Statement) -> Statement:
        deferral = self.deferred.get(month_index(statement.statement_date))
        return statement if deferral is None else replace(statement, deferred_due_date=deferral.new_due_date)

    def scheduled(self) -> tuple[ScheduledPeriod, ...]:
        scheduled = []
        for p in self.to_bill:
            for i in range(p.billed, p.uncancelled):
                on, _on_ord, due, _due_ord = statement_month(p.first_month + i, self.statement_day, self.due_days)
                scheduled.append(ScheduledPeriod(p.kind, p.txn_id, i + 1, p.periods, p.date, on, due,
                                                 p.period_principal[i], p.fee))
        if len(self.to_bill) > 1:
            scheduled.sort(key=_schedule_order)
        return tuple(scheduled)

    def account(self) -> Account:
        """The frozen ``Account`` (the replay must have run with an ``AccountRecorder``)."""
        recorder = self.recorder
        self.items.sort(key=_allocation_order)
        purchases = tuple([PurchaseSummary(p.txn_id, p.date, p.amount, p.periods, p.rate, p.fee, p.refunded,
                                           p.to_credit, p.settled_on, p.txn.merchant, p.txn.category)
                           for p in self.purchases])
        pending = self.pending_fen_days
        late = LateFees(self.late_posted, self.late_paid, (self.daily_rate * pending).scaleb(-2),
                        self.late_fee_for(pending) if pending else 0,
                        (self.daily_rate * self.total_fen_days).scaleb(-2))
        return Account(
            customer=self.customer, as_of=self.as_of, grace_days=self.grace_days, settlement_policy=self.policy,
            items=frozen_items(self.items), scheduled=self.scheduled(), purchases=purchases, late_fees=late,
            credit_balance_fen=self.credit, statements=self.statements(), allocations=tuple(recorder.allocations),
            credit_uses=tuple(recorder.credit_uses),
            deferrals=tuple([self.deferred[m] for m in sorted(self.deferred)]) if self.deferred else (),
            activity=tuple(recorder.activity), warnings=tuple(self.warnings),
            conversions=tuple([self.converted[m] for m in sorted(self.converted)]) if self.converted else (),
            revolving_fee_owed_fen=self.rev.owed_fee() if self.rev is not None else 0,
            minimum_status=self.overdue() if self.rev is not None else None,
            waivers=tuple(self.waivers), write_off=self.written_off, recovered_fen=self.recovered,
            on_time_streak=self.on_time_streak(), raise_after=self.cfg.review.raise_after,
            minimum_history=self.rev.history() if self.rev is not None else ())

    def _minimum_status(self, items: tuple, late_owed: int, billed_and_unbilled: int) -> OverdueStatus:
        """``overdue()`` by the unpaid minimum (SPEC 4.9, see ``engine.revolving``)."""
        rev = self.rev
        unpaid, since_ord, charges = rev.delinquency(self, self.as_of.toordinal())
        since = date.fromordinal(since_ord) if since_ord is not None else None
        owed = max(0, billed_and_unbilled + late_owed + rev.owed_fee() - self.credit)
        return OverdueStatus.of_minimum(self.as_of, unpaid, since, charges, items, late_owed, owed)

    def overdue(self) -> OverdueStatus:
        """``account().overdue`` without building the account: the same ``OverdueStatus``."""
        if self.written_off is not None:
            return OverdueStatus.of_write_off(self.as_of, self.written_off, self.recovered)
        on = self.as_of.toordinal()
        grace = self.grace_days
        billed = 0
        overdue = []
        for w in self.items:
            balance = w.balance
            if balance:
                billed += balance
                if balance > 0 and on - w.due_ord > grace:
                    overdue.append(w)
        unbilled = 0
        for p in self.to_bill:
            if p.uncancelled > p.billed:
                unbilled += p.unbilled_principal()
        late_owed = self.late_fee_owed()
        if len(overdue) > 1:
            overdue.sort(key=_allocation_order)
        if self.rev is not None:
            return self._minimum_status(frozen_items(overdue), late_owed, billed + unbilled)
        return OverdueStatus.of(self.as_of, frozen_items(overdue), late_owed,
                                max(0, billed + unbilled + late_owed - self.credit))
