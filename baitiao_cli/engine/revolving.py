"""Minimum payment and revolving (SPEC 4.9): the part of the replay that runs only when
``minimum_payment.enabled``.

``Replay`` holds a ``Revolving`` (``replay.rev``) when the minimum payment is on, None when it
is off; every hook in the replay is guarded by that one test, so the hot loop of a book
without the feature does no new work. What lives here:

- ``MinimumRecord``: per issued statement, its minimum due, what was repaid by due + grace,
  whether it was still unpaid when the next statement was issued;
- the revolving service fee (日服务费): accrued as fen-days on the unpaid principal of
  pay-in-full items whose due date is before the day, posted (rounded) at each repayment,
  credit use and statement date, paid after posted late fees and before items;
- the late fee by the unpaid minimum (replacing the item rule of SPEC 4.7);
- the delinquency by the unpaid minimum (S*, DPD from the first due date of the run).

Decisions where SPEC 4.9 is silent: the unpaid minimum is never above what is owed now
(billed unpaid + posted charges - credit), so a refund that clears the bill also clears
its minimum; a statement "still had an unpaid minimum on the next statement's date" is
judged when that statement is issued (before that day's repayments, which belong to it).
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING, NamedTuple, Optional

from .account import PURCHASE_ITEM, REVOLVING_FEE, AllocationLine
from .config import Config

if TYPE_CHECKING:                     # pragma: no cover
    from .replay import BilledItem, Replay

_ONE = Decimal(1)


class MinimumOutcome(NamedTuple):
    """One statement's minimum as the history features read it (``Account.minimum_history``)."""

    statement_date: date
    due_date: date                  # the current (possibly deferred) due date
    minimum_fen: int
    met_on: Optional[date]          # the day the repayments since the statement reached the minimum
    missed_at_next: bool            # still unpaid when the next statement was issued


class MinimumRecord:
    """One issued statement as the minimum-payment rules see it (mutable, private)."""

    __slots__ = ("on_ord", "due_ord", "minimum", "charges", "repaid_at_issue", "paid_by_due", "missed_at_next",
                 "new_revolving", "rest", "total", "met_ord")

    def __init__(self, on_ord: int, due_ord: int, minimum: int, charges: int, repaid_at_issue: int,
                 new_revolving: int = 0, rest: int = 0, total: int = 0):
        self.on_ord, self.due_ord = on_ord, due_ord
        self.minimum = minimum              # minimum due (fen)
        self.new_revolving = new_revolving  # revolving principal newly billed (unpaid at issue)
        self.rest = rest                    # the minimum's other parts (fixed, charges, carried, - credit)
        self.total = total                  # total due at issue
        self.charges = charges              # unpaid charges (late + revolving fee) counted in the minimum
        self.repaid_at_issue = repaid_at_issue
        self.paid_by_due = 0                # repayments dated from the statement date to due + grace
        self.missed_at_next = False         # still an unpaid minimum when the next statement was issued
        self.met_ord = on_ord if minimum <= 0 else None   # the day the repayments since issue reached the minimum


class Revolving:
    """The minimum-payment state of one replay (see the module docstring)."""

    def __init__(self, cfg: Config, rounding):
        mp = cfg.minimum_payment
        self.ratio = mp.ratio
        self.threshold = int(mp.carry_threshold * 100)
        self.daily_rate = mp.daily_rate
        self.late_rate = cfg.late_fee.daily_rate
        self.grace = cfg.billing.grace_days
        self.rounding = rounding
        self.pending_fen_days = 0           # revolving fee fen-days since the last posting
        self.posted = 0
        self.paid = 0
        self.repaid_total = 0               # every repayment applied so far (fen)
        self.records: list[MinimumRecord] = []
        self.by_ord: dict[int, MinimumRecord] = {}

    def round(self, amount: Decimal) -> int:
        return int(amount.quantize(_ONE, rounding=self.rounding))

    # ---- the unpaid minimum and S* ---------------------------------------------------------------
    def star(self, day: int) -> Optional[MinimumRecord]:
        """S* for ``day``: the latest statement with due date + grace < day."""
        grace = self.grace
        for rec in reversed(self.records):
            if rec.due_ord + grace < day:
                return rec
        return None

    def unpaid(self, rec: MinimumRecord, owed: int) -> int:
        """Unpaid minimum of ``rec`` with the repayments applied so far, never above ``owed``."""
        left = rec.minimum - (self.repaid_total - rec.repaid_at_issue)
        return max(0, min(left, owed))

    @staticmethod
    def owed(replay: "Replay") -> int:
        """Billed unpaid + posted unpaid charges - credit (>= 0)."""
        charges = replay.late_posted - replay.late_paid + replay.rev.posted - replay.rev.paid
        return max(0, sum(w.balance for w in replay.open) + charges - replay.credit)

    # ---- accrual: revolving fee and the late fee by the minimum ----------------------------------
    def accrue_to(self, replay: "Replay", day: int) -> None:
        """``Replay.accrue_to`` when the minimum is on: the days after ``accrued_through`` up to ``day``."""
        through = replay.accrued_through
        if day <= through:
            return
        grace = replay.grace_days
        rev = 0
        for w in replay.open:
            due = w.due_ord
            if due >= day:
                continue
            if w.kind == PURCHASE_ITEM and not w.accelerated:
                unpaid_principal = w.principal - w.refunded - w.principal_paid
                if unpaid_principal:
                    rev += unpaid_principal * (day - (through if through > due else due))
            if not w.late and day > due + grace:
                w.late = True
        self.pending_fen_days += rev
        late = self._late_fen_days(replay, through, day)
        if late:
            replay.pending_fen_days += late
            replay.total_fen_days += late
        replay.accrued_through = day

    def _late_fen_days(self, replay: "Replay", through: int, day: int) -> int:
        """Late fee fen-days for days through+1..day: on S*'s unpaid minimum less its unpaid charges."""
        if not self.records:
            return 0
        grace = self.grace
        repaid = self.repaid_total
        recent = self.records[-4:]
        if all(r.minimum <= repaid - r.repaid_at_issue for r in recent):
            first = self.star(through + 1)   # every S* of these days is ``first`` or one of ``recent``
            if first is None or first.minimum <= repaid - first.repaid_at_issue:
                return 0                     # no unpaid minimum: no late fee
        cuts = sorted({r.due_ord + grace + 1 for r in self.records[-4:] if through + 1 < r.due_ord + grace + 1 <= day})
        starts = [through + 1] + cuts
        ends = cuts + [day + 1]
        owed = None
        charges_now = replay.late_posted - replay.late_paid + self.posted - self.paid
        fen_days = 0
        for start, end in zip(starts, ends):
            rec = self.star(start)
            if rec is None or not rec.minimum:
                continue
            if owed is None:
                owed = self.owed(replay)
            base = self.unpaid(rec, owed) - min(rec.charges, charges_now)
            if base > 0:
                fen_days += base * (end - start)
        return fen_days

    def post(self, replay: "Replay", on: date) -> int:
        """Post the revolving fee accrued since the last posting (rounded)."""
        fen_days = self.pending_fen_days
        if not fen_days:
            return 0
        self.pending_fen_days = 0
        fen = self.round(self.daily_rate * fen_days)
        if fen:
            self.posted += fen
            replay.recorder.revolving_fee_posted(on, fen)
        return fen

    def accrued_shown(self) -> int:
        return self.round(self.daily_rate * self.pending_fen_days) if self.pending_fen_days else 0

    def owed_fee(self) -> int:
        """Revolving fee owed: posted unpaid + what posting the accrual now would post."""
        return self.posted - self.paid + self.accrued_shown()

    # ---- allocation and repayments ---------------------------------------------------------------
    def pay_fee(self, amount: int, on: date, source: str, lines: Optional[list]) -> int:
        """Pay posted revolving fee from ``amount``; returns what is left."""
        unpaid = self.posted - self.paid
        if not unpaid or not amount:
            return amount
        x = unpaid if unpaid < amount else amount
        self.paid += x
        if lines is not None:
            lines.append(AllocationLine(source, on, None, None, REVOLVING_FEE, x))
        return amount - x

    def repaid(self, amount: int, on_ord: int) -> None:
        self.repaid_total += amount
        for rec in self.records:
            if rec.met_ord is None and self.repaid_total - rec.repaid_at_issue >= rec.minimum:
                rec.met_ord = on_ord
        last = self.grace
        for rec in reversed(self.records):
            if rec.due_ord + last < on_ord:
                break
            rec.paid_by_due += amount

    def waived(self, fen: int, charges: bool) -> None:
        """SPEC 4.15 hook: ``fen`` forgiven (``charges``: of late or revolving fee, else of item fees).
        The latest statement's minimum drops by the part of it that the minimum asked for: of the
        charges counted in it, or (fees) up to the whole minimum."""
        if not self.records:
            return
        rec = self.records[-1]
        x = min(fen, rec.charges) if charges else fen
        if charges:
            rec.charges -= x
        rec.minimum = max(0, rec.minimum - x)

    def deferred(self, on_ord: int, new_due_ord: int) -> None:
        rec = self.by_ord.get(on_ord)
        if rec is not None:
            rec.due_ord = new_due_ord

    # ---- the minimum due of a statement being issued ---------------------------------------------
    def issue(self, replay: "Replay", on_ord: int, due_ord: int, new: list["BilledItem"]) -> int:
        """Record the statement issued on ``on_ord`` (after billing and credit use); its minimum due."""
        ratio = self.ratio
        new_rev = new_fixed = carried_rev = carried_fixed = 0
        for w in replay.open:
            principal = w.principal - w.refunded - w.principal_paid
            revolving = principal if w.kind == PURCHASE_ITEM and not w.accelerated else 0
            if w.statement_ord == on_ord and not w.accelerated:
                new_rev += revolving
                new_fixed += w.balance - revolving
            else:
                carried_rev += revolving
                carried_fixed += w.balance - revolving
        charges = replay.late_posted - replay.late_paid + self.posted - self.paid
        total = max(0, new_rev + new_fixed + carried_rev + carried_fixed + charges - replay.credit)
        prev = self.records[-1] if self.records else None
        at_ratio = prev is not None and prev.paid_by_due >= prev.minimum and carried_rev >= self.threshold
        rest = (new_fixed + charges + carried_fixed + (self.round(ratio * carried_rev) if at_ratio else carried_rev)
                - replay.credit)
        minimum = max(0, min(self.round(ratio * new_rev) + rest, total))
        if prev is not None:
            prev.missed_at_next = self.unpaid(prev, total) > 0
        rec = MinimumRecord(on_ord, due_ord, minimum, charges, self.repaid_total, new_rev, rest, total)
        self.records.append(rec)
        self.by_ord[on_ord] = rec
        return minimum

    def converted(self, on_ord: int, fen: int) -> Optional[int]:
        """SPEC 4.10 hook: ``fen`` of the revolving principal billed on the statement of ``on_ord`` was
        converted into installments: its minimum is recomputed on what is left (``ratio x`` the
        revolving principal left + the other parts, within 0..the reduced total). Returns the new
        minimum (None: no such statement)."""
        rec = self.by_ord.get(on_ord)
        if rec is None:
            return None
        rec.new_revolving = max(0, rec.new_revolving - fen)
        rec.total = max(0, rec.total - fen)
        rec.minimum = max(0, min(self.round(self.ratio * rec.new_revolving) + rec.rest, rec.total))
        return rec.minimum

    def history(self) -> tuple["MinimumOutcome", ...]:
        """Each statement's minimum and when it was met (for the customer features, SPEC 4.9).
        A minimum lowered by a conversion counts as met at the next repayment that covers it."""
        return tuple(MinimumOutcome(date.fromordinal(r.on_ord), date.fromordinal(r.due_ord), r.minimum,
                                    None if r.met_ord is None else date.fromordinal(r.met_ord), r.missed_at_next)
                     for r in self.records)

    def minimum_of(self, on_ord: int) -> Optional[int]:
        """The (possibly recomputed) minimum due of the statement of ``on_ord``."""
        rec = self.by_ord.get(on_ord)
        return None if rec is None else rec.minimum

    # ---- delinquency ---------------------------------------------------------------------------
    def delinquency(self, replay: "Replay", as_of_ord: int) -> tuple[int, Optional[int], int]:
        """(unpaid minimum of S*, ordinal of the due date DPD counts from, the charges part of it)."""
        rec = self.star(as_of_ord)
        if rec is None:
            return 0, None, 0
        unpaid = self.unpaid(rec, self.owed(replay))
        if not unpaid:
            return 0, None, 0
        k = self.records.index(rec)
        while k > 0 and self.records[k - 1].missed_at_next:
            k -= 1
        charges_now = replay.late_posted - replay.late_paid + self.posted - self.paid
        return unpaid, self.records[k].due_ord, min(unpaid, rec.charges, charges_now)
