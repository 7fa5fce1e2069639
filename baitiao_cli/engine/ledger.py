"""The ledger engine: replay one customer's events into their account on a date (SPEC 4.1-4.7).

``replay(customer, txns, repayments, deferrals, cfg, as_of)`` is pure: same inputs, same
``Account`` (``engine.account``), whatever the order of the input rows.

How it works (event-driven, never day by day):

- Events up to and including ``as_of`` are sorted by date; within a day: statement billing,
  then purchases (txn_id order), then refunds (txn_id order), then repayments (journal order:
  ``seq``, then repayment_id), then deferrals (journal order).
- Money is integer fen inside. Late fee accrues as integer *fen-days* (balance x days) between
  balance changes; ``daily_rate x fen-days`` is the exact accrual in fen.
- The late fee of an item inside its grace window is *contingent*: kept aside and dropped if
  the item is paid in full by ``due + grace_days``, added to the accrual when the grace
  window ends with the item unpaid (so such an item owes from ``due + 1``, on its balance at
  the start of each day, grace days included).
- Posting (at each repayment, each use of the credit balance, and each statement date)
  rounds the accrual since the previous posting to the fen with ``billing.rounding``; the
  sub-fen remainder is dropped (it is not carried to the next posting).

For runs over a whole book, two lighter entry points run the same replay and return only
what they need, equal to what ``replay`` gives: ``overdue_status`` (``Account.overdue`` and
the warnings, without building allocation or activity records nor the account: about twice
as fast) and ``latest_statement`` (the latest ``Statement`` and the warnings).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from functools import lru_cache
from operator import attrgetter
from typing import Iterable, Iterator, Optional, Sequence

from .account import (
    ACT_CREDIT_APPLIED, ACT_DEFERRAL, ACT_LATE_FEE, ACT_PAYMENT, ACT_REFUND, ACT_SETTLEMENT, CREDIT,
    CREDIT_SOURCE, DEFERRAL_FEE_ITEM, FEE, INSTALLMENT_ITEM, LATE_FEE, PRINCIPAL, PURCHASE_ITEM,
    Account, AccountStatus, Activity, Allocation, AllocationLine, DeferralApplied, EngineWarning, Item, LateFees,
    OverdueStatus, PurchaseSummary, ScheduledPeriod, Statement, StatementLine, StatementStatus,
)
from .config import Config
from .model import REFUND, SETTLE, Customer, Dataset, Deferral, Repayment, Txn
from .money import ROUNDING_MODES, dec, to_fen
from .schedule import period_fee

ALL_REMAINING = "all_remaining"
CURRENT_PERIOD = "current_period"
NO_FEES = "none"
SETTLEMENT_POLICIES = (ALL_REMAINING, CURRENT_PERIOD, NO_FEES)

STATEMENTS_ALL = "all"
STATEMENTS_LAST = "last"
STATEMENTS_NONE = "none"

_ONE = Decimal(1)


def month_index(d: date) -> int:
    return d.year * 12 + d.month - 1


def first_statement_month(d: date, statement_day: int) -> int:
    """Month index of the first statement date strictly after ``d``."""
    m = d.year * 12 + d.month - 1
    return m + 1 if d.day >= statement_day else m


@lru_cache(maxsize=None)
def _cal(m: int, statement_day: int, due_days: int) -> tuple[date, int, date, int]:
    """Statement date, its ordinal, due date, its ordinal for month index ``m``."""
    s = date(m // 12, m % 12 + 1, statement_day)
    o = s.toordinal()
    return s, o, date.fromordinal(o + due_days), o + due_days


class _W:
    """A billed item while replaying (mutable, private)."""

    __slots__ = ("kind", "txn_id", "period", "periods", "pdate", "p_ord", "sdate", "s_ord", "odue", "due",
                 "due_ord", "principal", "fee", "refunded", "ppaid", "fpaid", "bal", "paid_on", "late", "cont",
                 "accel")

    def __init__(self, kind, txn_id, period, periods, pdate, pdate_ord, sdate, s_ord, due, due_ord, principal,
                 fee, accel=False):
        self.kind = kind
        self.txn_id = txn_id
        self.period = period
        self.periods = periods
        self.pdate = pdate
        self.p_ord = pdate_ord
        self.sdate = sdate
        self.s_ord = s_ord
        self.odue = due
        self.due = due
        self.due_ord = due_ord
        self.principal = principal
        self.fee = fee
        self.refunded = 0
        self.ppaid = 0
        self.fpaid = 0
        self.bal = principal + fee
        self.paid_on = None
        self.late = False
        self.cont = 0          # contingent fen-days while inside the grace window
        self.accel = accel


class _P:
    """A purchase while replaying: its periods, what is billed, refunded, settled."""

    __slots__ = ("txn", "txn_id", "date", "d_ord", "amount", "n", "rate", "fee", "pr", "first_m", "nbilled",
                 "nactive", "refunded", "to_credit", "settled_on", "items", "kind")

    def __init__(self, txn: Txn, amount: int, n: int, rate: Decimal, fee: int, first_m: int):
        self.txn = txn
        self.txn_id = txn.txn_id
        self.date = txn.date
        self.d_ord = txn.date.toordinal()
        self.amount = amount
        self.n = n
        self.rate = rate
        self.fee = fee
        base = amount // n                       # P/N rounded down to the fen (amount > 0)
        self.pr = [base] * (n - 1) + [amount - base * (n - 1)]   # the last period takes the rest
        self.first_m = first_m                   # month index of period 1's statement
        self.nbilled = 0                         # periods billed so far (in order)
        self.nactive = n                         # periods not cancelled by a refund (a prefix)
        self.refunded = 0
        self.to_credit = 0
        self.settled_on: Optional[date] = None
        self.items: list[_W] = []
        self.kind = PURCHASE_ITEM if n == 1 else INSTALLMENT_ITEM


# allocation order (SPEC 4.5): due date, statement date, purchase date, txn_id, period
_by_key = attrgetter("due_ord", "s_ord", "p_ord", "txn_id", "period")
_txn_order = attrgetter("date", "txn_id")


class _Replay:
    def __init__(self, customer: Customer, cfg: Config, as_of: date, statements: str, record: bool = True,
                 allocations: bool = True):
        self.c = customer
        # record=False (``overdue_status``): the state only -- no allocation lines, allocations or
        # activity records are built (they never feed back into the state); statements must be "none".
        # allocations=False (``latest_statement``, statements "last"): no allocation lines,
        # allocations or credit uses (no statement reads them), and activity only from the
        # statement before the last one on (the last statement lists only what follows that one).
        self.record = record
        self.rec_alloc = record and allocations
        self.late_activity = record and not allocations and statements == STATEMENTS_LAST
        self.cfg = cfg
        self.as_of = as_of
        self.mode = statements
        self.snap_all = statements == STATEMENTS_ALL
        self.snap_last = statements == STATEMENTS_LAST
        b = cfg.billing
        self.sday = customer.statement_day
        self.due_days = b.due_days
        self.grace = b.grace_days
        self.rounding_name = b.rounding
        self.rounding = ROUNDING_MODES[b.rounding]
        self.rate = cfg.late_fee.daily_rate
        self.cap = cfg.late_fee.cap_ratio
        self.policy = cfg.installments.early_settlement_fees
        self.T = 0                   # late fee accrued through this day (ordinal)
        self.S = 0                   # fen-days accrued (definite) since the last posting
        self.S_total = 0             # fen-days accrued (definite) since the start
        self.late_posted = 0
        self.late_paid = 0
        self.credit = 0
        self.open: list[_W] = []     # billed items with something outstanding
        self.dirty = False           # open needs sorting
        self.items: list[_W] = []
        self.plist: list[_P] = []    # every purchase, in processing order
        self.active: list[_P] = []   # purchases with periods still to bill
        self.pmap: dict[str, _P] = {}
        self.first_m = 0
        self.last_m = -1
        self.deferred: dict[int, DeferralApplied] = {}
        self.allocs: list[Allocation] = []
        self.credit_uses: list[Allocation] = []
        self.activity: list[Activity] = []
        self.act_mark = 0
        self.stmts: list[tuple] = []
        self.warnings: list[EngineWarning] = []
        self.refusals: dict[str, str] = {}   # repayment/deferral id -> why the rules refused/changed it
        self.seen_rep: set[str] = set()

    # ---- late fee ---------------------------------------------------------------------------
    def warn(self, kind: str, record_id: str, message: str) -> None:
        self.warnings.append(EngineWarning(kind, record_id, message))

    def advance(self, E: int) -> None:
        """Accrue late fee for days T+1..E on the balances at the start of those days."""
        T = self.T
        if E <= T:
            return
        if self.open:
            g = self.grace
            S = 0
            for w in self.open:
                D = w.due_ord
                if D >= E:
                    continue
                n = E - (T if T > D else D)
                if w.late:
                    S += w.bal * n
                else:
                    w.cont += w.bal * n
                    if E > D + g:            # still unpaid at the start of day due+grace+1
                        w.late = True
                        S += w.cont
                        w.cont = 0
            if S:
                self.S += S
                self.S_total += S
        self.T = E

    def _late_amount(self, S: int) -> int:
        """Fen to post for ``S`` fen-days: rounded, and capped by late_fee.cap_ratio if set."""
        x = int((self.rate * S).quantize(_ONE, rounding=self.rounding))
        if self.cap is not None:
            overdue = sum(w.bal for w in self.open if w.late)
            cap = int((self.cap * overdue).quantize(_ONE, rounding=self.rounding))
            x = max(0, min(x, cap - (self.late_posted - self.late_paid)))
        return x

    def post(self, t: date) -> int:
        S = self.S
        if not S:
            return 0
        self.S = 0
        x = self._late_amount(S)
        if x:
            self.late_posted += x
            if self.record:
                self.activity.append(Activity(t, ACT_LATE_FEE, "", x))
        return x

    # ---- allocation ---------------------------------------------------------------------------
    def allocate(self, amt: int, t: date, src: str) -> tuple[list[AllocationLine], int]:
        """Pay posted late fee, then billed items oldest due first (fee before principal).

        Returns the allocation lines (an empty list when not recording) and what is left.
        """
        lines = []
        rec = self.rec_alloc
        lu = self.late_posted - self.late_paid
        if lu and amt:
            x = lu if lu < amt else amt
            self.late_paid += x
            amt -= x
            if rec:
                lines.append(AllocationLine(src, t, None, None, LATE_FEE, x))
        if amt and self.open:
            if self.dirty:
                self.open.sort(key=_by_key)
                self.dirty = False
            closed = 0               # open is sorted: what closes is a prefix of it
            for w in self.open:
                fo = w.fee - w.fpaid
                if fo:
                    x = fo if fo < amt else amt
                    w.fpaid += x
                    w.bal -= x
                    amt -= x
                    if rec:
                        lines.append(AllocationLine(src, t, w.txn_id, w.period, FEE, x))
                if amt:
                    po = w.principal - w.refunded - w.ppaid
                    if po:
                        x = po if po < amt else amt
                        w.ppaid += x
                        w.bal -= x
                        amt -= x
                        if rec:
                            lines.append(AllocationLine(src, t, w.txn_id, w.period, PRINCIPAL, x))
                if not w.bal:
                    w.paid_on = t
                    if not w.late:
                        w.cont = 0       # paid in full within due + grace: no late fee
                    closed += 1
                if not amt:
                    break
            if closed:
                # every item before the last one visited was paid in full (money was left after
                # it); the last one visited may or may not be: so the closed ones are a prefix
                del self.open[:closed]
        return lines, amt

    def apply_credit(self, t: date, t_ord: int, post: bool) -> None:
        """Use the credit balance on whatever is billed and unpaid (late fee first)."""
        if not self.credit or not (self.open or self.late_posted > self.late_paid):
            return
        if post:
            self.advance(t_ord)
            self.post(t)
        c = self.credit
        lines, rest = self.allocate(c, t, CREDIT_SOURCE)
        self.credit = rest
        used = c - rest
        if used and self.record:
            if self.rec_alloc:
                self.credit_uses.append(Allocation(CREDIT_SOURCE, t, used, "credit", "credit", tuple(lines)))
            self.activity.append(Activity(t, ACT_CREDIT_APPLIED, "", used))

    # ---- statements -----------------------------------------------------------------------------
    def statement(self, m: int) -> None:
        """Statement of month index ``m``: post late fee, bill due periods, use credit, snapshot."""
        bill = None
        if self.active:
            for p in self.active:
                if p.first_m + p.nbilled == m:
                    if bill is None:
                        bill = [p]
                    else:
                        bill.append(p)
        snap = self.snap_all or (self.snap_last and m == self.last_m)
        if bill is None and not self.open and not self.S and not snap:
            self.act_mark = len(self.activity)
            if self.late_activity and m == self.last_m - 1:
                self.record = True
            return                   # nothing billed, owed or accrued: nothing to do
        s, s_ord, due, due_ord = _cal(m, self.sday, self.due_days)
        self.advance(s_ord)
        posted = self.post(s)
        new = []
        if bill is not None:
            done = False
            for p in bill:
                i = p.nbilled
                w = _W(p.kind, p.txn_id, i + 1, p.n, p.date, p.d_ord, s, s_ord, due, due_ord, p.pr[i], p.fee)
                self.items.append(w)
                if w.bal:
                    self.open.append(w)
                else:                                # a 0.00 period (e.g. 0.01 over 3 periods)
                    w.paid_on = s
                p.items.append(w)
                new.append(w)
                p.nbilled = i + 1
                if p.nbilled >= p.nactive:
                    done = True
            self.dirty = True
            if done:
                self.active = [p for p in self.active if p.nbilled < p.nactive]
        if self.credit:
            self.apply_credit(s, s_ord, post=False)
        if snap:
            self._snapshot(m, s, s_ord, new, posted)
        self.act_mark = len(self.activity)
        if self.late_activity and m == self.last_m - 1:
            self.record = True

    def _snapshot(self, m, s, s_ord, new, posted) -> None:
        if self.dirty:
            self.open.sort(key=_by_key)
            self.dirty = False

        def line(w: _W) -> StatementLine:
            return StatementLine(w.kind, w.txn_id, w.period, w.periods, w.pdate, w.sdate, w.due,
                                 w.principal - w.refunded, w.fee, w.bal)

        new_lines = tuple(line(w) for w in new)
        carried = tuple(line(w) for w in self.open if w.s_ord < s_ord)
        late_unpaid = self.late_posted - self.late_paid
        owed = sum(w.bal for w in self.open) + late_unpaid
        total_due = max(0, owed - self.credit)
        upcoming = []
        up_dates = []
        for k in range(m + 1, m + 4):
            sd, _so, dd, _ddo = _cal(k, self.sday, self.due_days)
            up_dates.append(sd)
            for p in self.active:
                i = k - p.first_m
                if p.nbilled <= i < p.nactive:
                    upcoming.append(ScheduledPeriod(p.kind, p.txn_id, i + 1, p.n, p.date, sd, dd, p.pr[i], p.fee))
        unpaid_principal = sum(w.principal - w.refunded - w.ppaid for w in self.open)
        for p in self.active:
            unpaid_principal += sum(p.pr[p.nbilled:p.nactive])
        self.stmts.append((m, s, new_lines, carried, posted, late_unpaid, self.credit, total_due,
                           tuple(self.activity[self.act_mark:]), tuple(upcoming), tuple(up_dates),
                           unpaid_principal))

    # ---- events ------------------------------------------------------------------------------
    def purchase(self, t: Txn) -> None:
        n = t.installments or 1
        amount = to_fen(t.amount)
        rate = t.fee_rate if t.fee_rate is not None else self.cfg.pricing.fee_rate_for(n)
        fee = to_fen(period_fee(t.amount, rate, self.rounding_name)) if n > 1 else 0
        p = _P(t, amount, n, rate, fee, first_statement_month(t.date, self.sday))
        self.plist.append(p)
        self.active.append(p)
        self.pmap[p.txn_id] = p

    def refund(self, t: Txn) -> None:
        p = self.pmap.get(t.ref_txn_id or "")
        if p is None:
            self.warn("refund_unmatched", t.txn_id, f"refund {t.txn_id}: purchase {t.ref_txn_id!r} is not a purchase of this "
                                                    f"customer dated on or before the refund; ignored")
            return
        amt = to_fen(t.amount)
        left = p.amount - p.refunded
        if amt > left:
            self.warn("refund_exceeds", t.txn_id, f"refund {t.txn_id}: {dec(amt)} exceeds what is left of purchase {p.txn_id} "
                                                  f"({dec(left)}); ignored")
            return
        t_ord = t.date.toordinal()
        self.advance(t_ord)
        p.refunded += amt
        rest = amt
        # 1. unbilled principal, from the last period backwards; a period reaching zero is cancelled
        if p.settled_on is None:
            i = p.nactive - 1
            while rest and i >= p.nbilled:
                x = min(rest, p.pr[i])
                p.pr[i] -= x
                rest -= x
                if not p.pr[i]:
                    p.nactive = i
                i -= 1
            if p.nbilled >= p.nactive and p in self.active:
                self.active.remove(p)
        # 2. billed, unpaid principal of that purchase, oldest due first
        if rest:
            closed = False
            for w in sorted(p.items, key=_by_key):
                po = w.principal - w.refunded - w.ppaid
                if po:
                    x = min(rest, po)
                    w.refunded += x
                    w.bal -= x
                    rest -= x
                    if not w.bal:
                        w.paid_on = t.date
                        if not w.late:
                            w.cont = 0
                        closed = True
                    if not rest:
                        break
            if closed:
                self.open = [w for w in self.open if w.bal]
        self.activity.append(Activity(t.date, ACT_REFUND, t.txn_id, amt, p.txn_id))
        # 3. the rest becomes credit balance, used at once on anything billed and unpaid
        if rest:
            p.to_credit += rest
            self.credit += rest
            self.apply_credit(t.date, t_ord, post=True)

    def _payoff(self, policy: str) -> int:
        """Early-settlement payoff now (late fee already posted): see ``payoff_amount``."""
        total = self.late_posted - self.late_paid + sum(w.bal for w in self.open)
        for p in self.active:
            total += sum(p.pr[p.nbilled:p.nactive])
            if policy == ALL_REMAINING:
                total += p.fee * (p.nactive - p.nbilled)
            elif policy == CURRENT_PERIOD:
                total += p.fee
        return max(0, total - self.credit)

    def _accelerate(self, t: date, policy: str) -> None:
        """Bill every unbilled period now (early settlement), fees per ``policy``."""
        o = t.toordinal()
        for p in self.active:
            for i in range(p.nbilled, p.nactive):
                fee = p.fee if (policy == ALL_REMAINING or (policy == CURRENT_PERIOD and i == p.nbilled)) else 0
                w = _W(p.kind, p.txn_id, i + 1, p.n, p.date, p.d_ord, t, o, t, o, p.pr[i], fee, True)
                self.items.append(w)
                if w.bal:
                    self.open.append(w)
                else:
                    w.paid_on = t
                p.items.append(w)
            p.nbilled = p.nactive
            p.settled_on = t
        self.active = []
        self.dirty = True

    def repay(self, r: Repayment) -> None:
        if r.repayment_id in self.seen_rep:
            self.warn("duplicate_repayment", r.repayment_id, f"repayment {r.repayment_id}: duplicate repayment_id in the journal; "
                                                             f"applied once")
            return
        self.seen_rep.add(r.repayment_id)
        amt = to_fen(r.amount)
        t = r.date
        t_ord = t.toordinal()
        if t_ord > self.T:
            self.advance(t_ord)
        if self.S:
            self.post(t)
        applied_as = "normal"
        payoff = None
        if r.kind == SETTLE:
            payoff = self._payoff(self.policy)
            if amt >= payoff:
                applied_as = "settle"
                self._accelerate(t, self.policy)
                if self.credit:
                    self.apply_credit(t, t_ord, post=False)
            else:
                why = f"settle of {dec(amt)} on {t} does not cover the payoff {dec(payoff)}"
                self.refusals[r.repayment_id] = why
                self.warn("settle_short", r.repayment_id, f"repayment {r.repayment_id}: {why}; applied as a normal repayment")
        lines, rest = self.allocate(amt, t, r.repayment_id)
        if rest:
            self.credit += rest
        if self.record:
            if self.rec_alloc:
                if rest:
                    lines.append(AllocationLine(r.repayment_id, t, None, None, CREDIT, rest))
                self.allocs.append(Allocation(r.repayment_id, t, amt, r.kind, applied_as, tuple(lines), payoff))
            self.activity.append(Activity(t, ACT_SETTLEMENT if applied_as == "settle" else ACT_PAYMENT,
                                          r.repayment_id, amt))

    def _statement_items(self, m: int) -> list[_W]:
        """The items billed on the statement of month ``m`` (not deferral fees, not accelerated)."""
        s_ord = _cal(m, self.sday, self.due_days)[1]
        return [w for w in self.items if w.s_ord == s_ord and not w.accel and w.kind != DEFERRAL_FEE_ITEM]

    def defer(self, d: Deferral) -> None:
        why = self._deferral_refusal(d)
        if why:
            self.refusals[d.deferral_id] = why
            self.warn("deferral_refused", d.deferral_id, f"deferral {d.deferral_id}: {why}; ignored")
            return
        m = month_index(d.statement_date)
        s, s_ord, _odue, odue_ord = _cal(m, self.sday, self.due_days)
        unpaid = [w for w in self._statement_items(m) if w.bal]
        nd_ord = odue_ord + d.days
        new_due = date.fromordinal(nd_ord)
        for w in unpaid:
            w.due = new_due
            w.due_ord = nd_ord
        self.dirty = True
        outstanding = sum(w.bal for w in unpaid)
        fee = int((self.cfg.deferral.fee_rate * outstanding).quantize(_ONE, rounding=self.rounding))
        if fee:
            w = _W(DEFERRAL_FEE_ITEM, d.deferral_id, 1, 1, d.date, d.date.toordinal(), s, s_ord, new_due, nd_ord,
                   0, fee)
            self.items.append(w)
            self.open.append(w)
        rec = DeferralApplied(d.deferral_id, d.date, d.statement_date, d.days, new_due, fee, outstanding)
        self.deferred[m] = rec
        self.activity.append(Activity(d.date, ACT_DEFERRAL, d.deferral_id, fee,
                                      f"statement {d.statement_date} due {new_due}"))

    def _deferral_refusal(self, d: Deferral) -> Optional[str]:
        """Why SPEC 4.6 refuses this deferral (None when it is allowed)."""
        s = d.statement_date
        m = month_index(s)
        if s.day != self.sday or not self.first_m <= m <= self.last_m:
            return f"no statement of this customer on {s}"
        if s > d.date:
            return f"statement {s} is not issued yet on {d.date}"
        if m in self.deferred:
            return f"statement {s} is already deferred"
        _s, _so, odue, odue_ord = _cal(m, self.sday, self.due_days)
        if d.date > odue:
            return f"requested on {d.date}, after the statement's due date {odue}"
        if not 1 <= d.days <= self.cfg.deferral.max_days:
            return f"{d.days} days is outside 1..{self.cfg.deferral.max_days}"
        t_ord = d.date.toordinal()
        g = self.grace
        if any(w.bal and t_ord > w.due_ord + g for w in self.open):
            return "the account is overdue"
        if not any(w.bal for w in self._statement_items(m)):
            return f"nothing is unpaid on statement {s}"
        return None

    # ---- driver --------------------------------------------------------------------------------
    def run(self, txns: Sequence[Txn], repayments: Sequence[Repayment], deferrals: Sequence[Deferral]) -> None:
        as_of = self.as_of
        cid = self.c.customer_id
        opened = self.c.opened_on
        start = opened
        purchases = []
        refunds = []
        for t in txns:
            if t.date > as_of:
                continue
            if t.customer_id != cid:
                self.warn("other_customer", t.txn_id, f"transaction {t.txn_id} belongs to customer {t.customer_id}; ignored")
            elif t.type == REFUND:
                refunds.append(t)
            else:
                if t.date < opened:
                    self.warn("before_opening", t.txn_id, f"purchase {t.txn_id} on {t.date} is before the account opened "
                                                          f"({opened})")
                    if t.date < start:
                        start = t.date
                purchases.append(t)
        reps = []
        for r in repayments:
            if r.date > as_of:
                continue
            if r.customer_id != cid:
                self.warn("other_customer", r.repayment_id, f"repayment {r.repayment_id} belongs to customer {r.customer_id}; ignored")
            else:
                reps.append(r)
        defs = []
        for d in deferrals:
            if d.date > as_of:
                continue
            if d.customer_id != cid:
                self.warn("other_customer", d.deferral_id, f"deferral {d.deferral_id} belongs to customer {d.customer_id}; ignored")
            else:
                defs.append(d)
        # One list of (key, record), key = ((day * 4 + kind) << 32) + rank: kind is purchase 0,
        # refund 1, repayment 2, deferral 3; rank is the position in that kind's own order
        # (purchases and refunds: date, txn_id; journals: date, seq, id). Keys are distinct
        # integers, so the sort never compares records and ties keep each kind's order.
        events: list[tuple] = []
        if purchases:
            purchases.sort(key=_txn_order)
            events += [(((t.date.toordinal() << 2) << 32) + k, t) for k, t in enumerate(purchases)]
        if refunds:
            refunds.sort(key=_txn_order)
            events += [((((t.date.toordinal() << 2) + 1) << 32) + k, t) for k, t in enumerate(refunds)]
        if reps:
            reps.sort(key=_journal_order_rep)
            events += [((((r.date.toordinal() << 2) + 2) << 32) + k, r) for k, r in enumerate(reps)]
        if defs:
            defs.sort(key=_journal_order_def)
            events += [((((d.date.toordinal() << 2) + 3) << 32) + k, d) for k, d in enumerate(defs)]
        events.sort()
        sday = self.sday
        self.first_m = m = first_statement_month(start, sday)
        self.last_m = last_m = month_index(as_of) - (1 if as_of.day < sday else 0)
        self.T = start.toordinal()
        if self.late_activity:
            # activity is read only after the statement before the last one: record from there on
            self.record = last_m - 1 < m
        # statement billing runs first on its day: statement m happens before any event keyed >= s_ord * 4
        due_days = self.due_days
        next_key = (_cal(m, sday, due_days)[1] << 34) if m <= last_m else None
        for key, rec in events:
            while next_key is not None and next_key <= key:
                self.statement(m)
                m += 1
                next_key = (_cal(m, sday, due_days)[1] << 34) if m <= last_m else None
            kind = (key >> 32) & 3
            if kind == 2:
                self.repay(rec)
            elif kind == 0:
                self.purchase(rec)
            elif kind == 1:
                self.refund(rec)
            else:
                self.defer(rec)
        while m <= last_m:
            self.statement(m)
            m += 1
        self.advance(as_of.toordinal())

    def freeze(self) -> Account:
        items = self.items
        items.sort(key=_by_key)
        new = tuple.__new__             # NamedTuple construction without the argument-binding wrapper
        frozen_items = tuple([
            new(Item, (w.kind, w.txn_id, w.period, w.periods, w.pdate, w.sdate, w.odue, w.due, w.principal, w.fee,
                       w.refunded, w.ppaid, w.fpaid, None if w.bal else w.paid_on, w.late, w.accel))
            for w in items])
        scheduled = []
        for p in self.active:
            for i in range(p.nbilled, p.nactive):
                s, _so, d, _do = _cal(p.first_m + i, self.sday, self.due_days)
                scheduled.append(ScheduledPeriod(p.kind, p.txn_id, i + 1, p.n, p.date, s, d, p.pr[i], p.fee))
        if len(self.active) > 1:
            scheduled.sort(key=_sched_order)
        purchases = tuple([PurchaseSummary(p.txn_id, p.date, p.amount, p.n, p.rate, p.fee, p.refunded, p.to_credit,
                                           p.settled_on, p.txn.merchant, p.txn.category) for p in self.plist])
        S = self.S
        late = LateFees(self.late_posted, self.late_paid, (self.rate * S).scaleb(-2),
                        self._late_amount(S) if S else 0, (self.rate * self.S_total).scaleb(-2))
        statements = [self._statement(k, snap) for k, snap in enumerate(self.stmts, start=1)]
        return Account(
            customer=self.c, as_of=self.as_of, grace_days=self.grace, settlement_policy=self.policy,
            items=frozen_items, scheduled=tuple(scheduled), purchases=purchases, late_fees=late,
            credit_balance_fen=self.credit, statements=tuple(statements), allocations=tuple(self.allocs),
            credit_uses=tuple(self.credit_uses),
            deferrals=tuple([self.deferred[m] for m in sorted(self.deferred)]) if self.deferred else (),
            activity=tuple(self.activity), warnings=tuple(self.warnings))

    def _statement(self, k: int, snap: tuple) -> Statement:
        """The ``Statement`` of the ``k``-th snapshot kept (1-based)."""
        m, s, new_lines, carried, posted, late_unpaid, credit, total_due, act, up, up_dates, unpaid_principal = snap
        dfr = self.deferred.get(m)
        number = k if self.mode == STATEMENTS_ALL else m - self.first_m + 1
        return Statement(number, s, _cal(m, self.sday, self.due_days)[2], dfr.new_due_date if dfr else None,
                         new_lines, carried, posted, late_unpaid, credit, total_due, act, up, up_dates,
                         unpaid_principal)

    def status(self) -> OverdueStatus:
        """``freeze().overdue`` without building the account: the same ``OverdueStatus``."""
        on = self.as_of.toordinal()
        g = self.grace
        billed = 0
        od = []
        for w in self.items:
            bal = w.bal
            if bal:
                billed += bal
                if bal > 0 and on - w.due_ord > g:
                    od.append(w)
        unbilled = 0
        for p in self.active:
            if p.nactive > p.nbilled:
                unbilled += sum(p.pr[p.nbilled:p.nactive])
        S = self.S
        late_owed = self.late_posted - self.late_paid + (self._late_amount(S) if S else 0)
        total_owed = max(0, billed + unbilled + late_owed - self.credit)
        if not od:
            return OverdueStatus(self.as_of, 0, None, (), 0, 0, late_owed, total_owed)
        if len(od) > 1:
            od.sort(key=_by_key)
        new = tuple.__new__
        items = tuple([new(Item, (w.kind, w.txn_id, w.period, w.periods, w.pdate, w.sdate, w.odue, w.due,
                                  w.principal, w.fee, w.refunded, w.ppaid, w.fpaid, None, w.late, w.accel))
                       for w in od])
        oldest = min(w.due for w in od)
        return OverdueStatus(
            as_of=self.as_of, dpd=(self.as_of - oldest).days, oldest_due_date=oldest, items=items,
            overdue_principal_fen=sum(w.principal - w.refunded - w.ppaid for w in od),
            overdue_fee_fen=sum(w.fee - w.fpaid for w in od),
            late_fee_owed_fen=late_owed, total_owed_fen=total_owed)


_journal_order_rep = attrgetter("date", "seq", "repayment_id")
_journal_order_def = attrgetter("date", "seq", "deferral_id")
_sched_order = attrgetter("statement_date", "purchase_date", "txn_id", "period")


def replay(customer: Customer, txns: Sequence[Txn], repayments: Sequence[Repayment],
           deferrals: Sequence[Deferral], cfg: Config, as_of: date, *, statements: str = STATEMENTS_ALL) -> Account:
    """Replay one customer's events up to and including ``as_of`` into their ``Account``.

    ``txns``, ``repayments`` and ``deferrals`` are that customer's records in any order
    (records of another customer are ignored with a warning; records dated after ``as_of``
    are ignored). ``statements``: ``"all"`` (default) keeps a snapshot of every statement,
    ``"last"`` only of the latest one on or before ``as_of``, ``"none"`` none (faster, for
    reports that need only balances).
    """
    if statements not in (STATEMENTS_ALL, STATEMENTS_LAST, STATEMENTS_NONE):
        raise ValueError(f"statements must be all, last or none, not {statements!r}")
    r = _Replay(customer, cfg, as_of, statements)
    r.run(txns, repayments, deferrals)
    return r.freeze()


def overdue_status(customer: Customer, txns: Sequence[Txn], repayments: Sequence[Repayment],
                   deferrals: Sequence[Deferral], cfg: Config, as_of: date) -> AccountStatus:
    """``replay(..., statements="none")`` reduced to what a delinquency report reads, fast.

    Returns ``AccountStatus(customer, overdue, warnings)`` where ``overdue`` equals
    ``replay(...).overdue`` and ``warnings`` equals ``replay(...).warnings``. It runs the same
    replay but builds no allocation or activity records and no ``Account`` (about twice as
    fast): for ``overdue-report`` over a whole book.
    """
    r = _Replay(customer, cfg, as_of, STATEMENTS_NONE, record=False)
    r.run(txns, repayments, deferrals)
    return AccountStatus(customer, r.status(), tuple(r.warnings))


def latest_statement(customer: Customer, txns: Sequence[Txn], repayments: Sequence[Repayment],
                     deferrals: Sequence[Deferral], cfg: Config, as_of: date) -> StatementStatus:
    """``replay(..., statements="last")`` reduced to what a statement run reads, faster.

    Returns ``StatementStatus(customer, statement, warnings)``: ``statement`` equals
    ``replay(...).latest_statement()`` (the latest statement on or before ``as_of``, None
    before the first one) and ``warnings`` equals ``replay(...).warnings``; the rest of the
    account (items, allocations, activity...) is not built. For ``bill`` over a book.
    """
    r = _Replay(customer, cfg, as_of, STATEMENTS_LAST, allocations=False)
    r.run(txns, repayments, deferrals)
    st = r._statement(len(r.stmts), r.stmts[-1]) if r.stmts else None
    return StatementStatus(customer, st, tuple(r.warnings))


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


def payoff_fen(account: Account, on: Optional[date] = None, policy: Optional[str] = None) -> int:
    if on is not None and on != account.as_of:
        raise ValueError(f"replay the account to {on} first (it is as of {account.as_of})")
    if policy is None:
        policy = account.settlement_policy
    if policy not in SETTLEMENT_POLICIES:
        raise ValueError(f"unknown early settlement policy {policy!r}")
    total = account.late_fees.owed_fen + account.billed_outstanding_fen + account.unbilled_principal_fen
    if policy == ALL_REMAINING:
        total += account.unbilled_fee_fen
    elif policy == CURRENT_PERIOD:
        first: dict[str, int] = {}
        for p in account.scheduled:
            if p.txn_id not in first:
                first[p.txn_id] = p.fee_fen
        total += sum(first.values())
    return max(0, total - account.credit_balance_fen)


def quote_payoff(customer: Customer, txns: Sequence[Txn], repayments: Sequence[Repayment],
                 deferrals: Sequence[Deferral], cfg: Config, on: date, policy: Optional[str] = None) -> Decimal:
    """Replay to ``on`` and return the payoff amount (policy default: the configured one)."""
    acct = replay(customer, txns, repayments, deferrals, cfg, on, statements=STATEMENTS_NONE)
    return payoff_amount(acct, on, policy or cfg.installments.early_settlement_fees)


# ---- posting a new journal record (repay / defer) ------------------------------------------------

@dataclass(frozen=True, slots=True)
class Posting:
    """The account with one new journal record applied, and what happened to that record.

    ``refusal`` is None when the rules accept it; otherwise the reason in plain words (a
    settle short of the payoff -- then ``allocation`` shows it applied as a normal
    repayment --, or a deferral the rules refuse -- then ``deferral`` is None).
    """

    account: Account
    allocation: Optional[Allocation] = None
    deferral: Optional[DeferralApplied] = None
    refusal: Optional[str] = None


def post_repayment(customer: Customer, txns: Sequence[Txn], repayments: Sequence[Repayment],
                   deferrals: Sequence[Deferral], cfg: Config, new: Repayment, as_of: date, *,
                   statements: str = STATEMENTS_NONE) -> Posting:
    """Replay with ``new`` appended to the journal (after every same-day row) up to ``as_of``.

    The dry run and the real posting share this one path: the caller appends ``new`` to the
    journal only when it is satisfied with the result.
    """
    if new.date > as_of:
        raise ValueError(f"repayment dated {new.date} is after as_of {as_of}")
    seq = max((r.seq for r in repayments), default=0) + 1
    new = new._replace(seq=seq)
    r = _Replay(customer, cfg, as_of, statements)
    r.run(txns, [*repayments, new], deferrals)
    acct = r.freeze()
    return Posting(acct, allocation=acct.allocation(new.repayment_id), refusal=r.refusals.get(new.repayment_id))


def post_deferral(customer: Customer, txns: Sequence[Txn], repayments: Sequence[Repayment],
                  deferrals: Sequence[Deferral], cfg: Config, new: Deferral, as_of: date, *,
                  statements: str = STATEMENTS_NONE) -> Posting:
    """Replay with ``new`` appended to the deferrals journal up to ``as_of``; see ``Posting``."""
    if new.date > as_of:
        raise ValueError(f"deferral dated {new.date} is after as_of {as_of}")
    seq = max((d.seq for d in deferrals), default=0) + 1
    new = new._replace(seq=seq)
    r = _Replay(customer, cfg, as_of, statements)
    r.run(txns, repayments, [*deferrals, new])
    acct = r.freeze()
    applied = next((d for d in acct.deferrals if d.deferral_id == new.deferral_id), None)
    return Posting(acct, deferral=applied, refusal=r.refusals.get(new.deferral_id))


# ---- whole-dataset helpers ---------------------------------------------------------------------

def group_by_customer(dataset: Dataset, customers: Optional[Iterable[str]] = None
                      ) -> dict[str, tuple[list[Txn], list[Repayment], list[Deferral]]]:
    """Each customer's (txns, repayments, deferrals), every customer present (lists may be empty).

    ``customers`` restricts the grouping to those ids (records of others are skipped).
    """
    ids = [c.customer_id for c in dataset.customers] if customers is None else customers
    out: dict[str, tuple[list, list, list]] = {cid: ([], [], []) for cid in ids}
    for t in dataset.transactions:
        g = out.get(t.customer_id)
        if g is not None:
            g[0].append(t)
    for r in dataset.repayments:
        g = out.get(r.customer_id)
        if g is not None:
            g[1].append(r)
    for d in dataset.deferrals:
        g = out.get(d.customer_id)
        if g is not None:
            g[2].append(d)
    return out


def replay_all(dataset: Dataset, cfg: Config, as_of: date, *, customers: Optional[Iterable[str]] = None,
               statements: str = STATEMENTS_ALL) -> Iterator[Account]:
    """Replay every customer (or those in ``customers``), in customer_id order."""
    wanted = set(customers) if customers is not None else None
    chosen = [c for c in dataset.customers if wanted is None or c.customer_id in wanted]
    groups = group_by_customer(dataset, [c.customer_id for c in chosen])
    for c in sorted(chosen, key=attrgetter("customer_id")):
        t, r, d = groups[c.customer_id]
        yield replay(c, t, r, d, cfg, as_of, statements=statements)
