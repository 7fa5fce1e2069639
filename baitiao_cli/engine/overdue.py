"""Delinquency, provisions and the collection ladder (SPEC 4.7): the pure core of ``overdue-report``.

Everything here works on one account's :class:`~baitiao_cli.engine.account.OverdueStatus`
(from ``replay(..., statements="none")``) and the configuration; nothing reads files, the
clock or prints. Money is integer fen throughout.

Per account (:func:`RiskPolicy.assess` -> :class:`AccountRisk`):

- **DPD**: the engine's ``OverdueStatus.dpd`` (as_of - due date of the oldest overdue item;
  0 while nothing is overdue, including items still inside ``billing.grace_days``).
- **bucket**: the configured ``overdue.buckets`` bucket whose lowest DPD is the largest one
  not above the DPD (defaults: current 0, M1 1-30, ..., M6 151-180, M6+ over 180).
- **regulatory five-tier class** (fixed by the rule, not configurable): normal 0,
  special_mention 1-90, substandard 91-120, doubtful 121-180, loss over 180.
- **IFRS 9 stage** (DPD backstops): 1 (DPD <= 30), 2 (31-90), 3 (> 90).
- **EAD** = the account's total owed on the date: billed unpaid principal and fees + unbilled
  (not yet due) installment principal + late fee owed (posted unpaid + accrued, to the fen)
  - credit balance, never below 0. Unbilled installment *fees* are left out: they are not
  earned until their period is billed (and an early settlement under ``none`` /
  ``current_period`` never charges them).
- **ECL** = PD x LGD x EAD, rounded to the fen with ``billing.rounding``; PD by stage from
  ``[ecl]`` (``pd_stage1``, ``pd_stage2``; stage 3 PD = 1), LGD from ``ecl.lgd``.
- **action**: the last rung of the ``overdue.actions`` ladder whose ``from_day`` the DPD has
  reached; its **severity** is its 1-based position in the ladder (0 = no action yet).
  ``action_since`` = oldest overdue due date + ``from_day`` days, but never before the
  account first counted as overdue (due + grace_days + 1): with grace days an action cannot
  have been due while the account was still inside its grace window.
- **frozen**: the credit line is frozen when DPD >= ``overdue.freeze_from_day``.

Portfolio (:class:`SummaryBuilder`, :class:`RollRateBuilder`): single-pass accumulators
(linear in the book, mergeable for runs split by customer). The *book* on a date is the
accounts with something owed (total owed > 0); accounts owing nothing (never used, repaid
in full, only a credit balance) are counted apart and stay out of the buckets and rates.
"""

from __future__ import annotations

import heapq
from bisect import bisect_right
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Iterable, NamedTuple, Optional

from .account import OverdueStatus
from .config import Config
from .model import Customer

# ---- regulatory five-tier loan classification (贷款五级分类) ------------------------------------
NORMAL = "normal"
SPECIAL_MENTION = "special_mention"
SUBSTANDARD = "substandard"
DOUBTFUL = "doubtful"
LOSS = "loss"
REGULATORY_CLASSES = (NORMAL, SPECIAL_MENTION, SUBSTANDARD, DOUBTFUL, LOSS)
REGULATORY_LABELS = {NORMAL: "正常", SPECIAL_MENTION: "关注", SUBSTANDARD: "次级", DOUBTFUL: "可疑", LOSS: "损失"}

STAGES = (1, 2, 3)

# Headline delinquency rates: name -> lowest DPD counted. "30+" is *more than* 30 days past due
# (M2 and worse, the same line as IFRS 9 stage 2), "90+" more than 90 (M4 and worse, stage 3,
# substandard or worse); "1+" is any account past due.
DELINQUENCY_THRESHOLDS = (("1+", 1), ("30+", 31), ("90+", 91))

PAID_OFF = "paid_off"   # roll-rate column: nothing owed on the later date
WRITTEN_OFF = "written_off"   # roll-rate column: written off by the later date (SPEC 4.15)

TOP_EXPOSURES = 10


def regulatory_class(dpd: int) -> str:
    """Five-tier class by days past due (SPEC 4.7)."""
    if dpd <= 0:
        return NORMAL
    if dpd <= 90:
        return SPECIAL_MENTION
    if dpd <= 120:
        return SUBSTANDARD
    if dpd <= 180:
        return DOUBTFUL
    return LOSS


def ifrs9_stage(dpd: int) -> int:
    """IFRS 9 stage by days past due: 1 (<= 30), 2 (31-90), 3 (> 90)."""
    if dpd <= 30:
        return 1
    if dpd <= 90:
        return 2
    return 3


def credit_frozen(dpd: int, freeze_from_day: int) -> bool:
    """The credit line is frozen once the account is ``freeze_from_day`` (``overdue.freeze_from_day``)
    or more days past due; never while it is current."""
    return dpd > 0 and dpd >= freeze_from_day


def ecl_fen(ead_fen: int, pd: Decimal, lgd: Decimal, rounding: str = "ROUND_HALF_UP") -> int:
    """PD x LGD x EAD in fen, rounded to the fen (``ead_fen`` is integer fen)."""
    if ead_fen <= 0:
        return 0
    return int((Decimal(ead_fen) * pd * lgd).quantize(Decimal(1), rounding=rounding))


def ratio(num: int, den: int, places: int = 4) -> Decimal:
    """``num / den`` as a Decimal with ``places`` decimals (half up); 0 when ``den`` is 0."""
    if den <= 0:
        return Decimal(0).quantize(Decimal(1).scaleb(-places))
    return (Decimal(num) / Decimal(den)).quantize(Decimal(1).scaleb(-places), rounding="ROUND_HALF_UP")


class AccountRisk(NamedTuple):
    """One account's delinquency and provisioning position on ``as_of``."""

    customer: Customer
    as_of: date
    dpd: int
    bucket: str
    oldest_due_date: Optional[date]
    overdue_principal_fen: int       # unpaid principal of the overdue items
    overdue_fee_fen: int             # unpaid fees of the overdue items
    late_fee_fen: int                # late fee owed: posted unpaid + accrued (to the fen)
    total_owed_fen: int              # EAD: billed unpaid + unbilled principal + late fee owed - credit (>= 0)
    regulatory_class: str
    stage: int
    pd: Decimal
    ecl_fen: int
    action: Optional[str]
    action_severity: int             # 1-based position of ``action`` in the ladder; 0 = none
    action_since: Optional[date]
    frozen: bool
    written_off_on: Optional[date] = None    # SPEC 4.15: out of the book since; then DPD 0, nothing owed
    written_off_fen: int = 0
    recovered_fen: int = 0                   # money received after the write-off

    @property
    def customer_id(self) -> str:
        return self.customer.customer_id

    @property
    def overdue_fen(self) -> int:
        """``overdue_amount``: unpaid principal + fees of the overdue items, late fee excluded."""
        return self.overdue_principal_fen + self.overdue_fee_fen

    @property
    def to_cure_fen(self) -> int:
        """What the customer must pay today to be current again: overdue amount + late fee owed."""
        return self.overdue_fen + self.late_fee_fen

    @property
    def is_overdue(self) -> bool:
        return self.dpd > 0

    @property
    def in_book(self) -> bool:
        """Something is owed (an overdue account always owes something)."""
        return self.total_owed_fen > 0 or self.dpd > 0


def priority_key(r: AccountRisk) -> tuple:
    """Collection priority: action severity (descending), overdue amount (descending), customer_id."""
    return (-r.action_severity, -r.overdue_fen, r.customer.customer_id)


def exposure_key(r: AccountRisk) -> tuple:
    """Largest exposures first: total owed (EAD) descending, then customer_id."""
    return (-r.total_owed_fen, r.customer.customer_id)


@dataclass(frozen=True)
class RiskPolicy:
    """The configuration that classifies an account, prepared once for a run."""

    bucket_names: tuple[str, ...]
    bucket_lows: tuple[int, ...]
    actions: tuple[tuple[int, str], ...]     # (from_day, action), sorted by from_day
    freeze_from_day: int
    grace_days: int
    lgd: Decimal
    pd_by_stage: tuple[Decimal, Decimal, Decimal]
    rounding: str
    scenario_names: tuple[str, ...] = ()     # [scenarios.NAME] of the config (SPEC 4.14)

    @classmethod
    def from_config(cls, cfg: Config) -> "RiskPolicy":
        buckets = sorted(cfg.overdue.buckets, key=lambda b: b[1])
        actions = tuple(sorted(((a.from_day, a.action) for a in cfg.overdue.actions), key=lambda a: a[0]))
        return cls(bucket_names=tuple(n for n, _ in buckets), bucket_lows=tuple(lo for _, lo in buckets),
                   actions=actions, freeze_from_day=cfg.overdue.freeze_from_day,
                   grace_days=cfg.billing.grace_days, lgd=cfg.ecl.lgd,
                   pd_by_stage=(cfg.ecl.pd_stage1, cfg.ecl.pd_stage2, Decimal(1)),
                   rounding=cfg.billing.rounding, scenario_names=tuple(sc.name for sc in cfg.scenarios))

    # -- per account ------------------------------------------------------------------------
    def bucket(self, dpd: int) -> str:
        k = bisect_right(self.bucket_lows, max(dpd, 0)) - 1
        return self.bucket_names[max(k, 0)]

    def action(self, dpd: int) -> tuple[int, Optional[int], Optional[str]]:
        """(severity, from_day, action) of the rung due at ``dpd``; (0, None, None) before the first."""
        found = (0, None, None)
        if dpd <= 0:
            return found
        for k, (from_day, name) in enumerate(self.actions, 1):
            if from_day <= dpd:
                found = (k, from_day, name)
            else:
                break
        return found

    def action_since(self, oldest_due: date, from_day: int) -> date:
        return oldest_due + timedelta(days=max(from_day, self.grace_days + 1))

    def pd(self, stage: int) -> Decimal:
        return self.pd_by_stage[stage - 1]

    def assess(self, customer: Customer, status: OverdueStatus) -> AccountRisk:
        """Classify one account from its ``Account.overdue`` status."""
        wo = status.written_off
        if wo is not None:                    # out of receivables: no bucket, no ECL, no action
            return AccountRisk(customer, status.as_of, 0, self.bucket_names[0], None, 0, 0, 0, 0, NORMAL, 1,
                               Decimal(0), 0, None, 0, None, True, wo.date, wo.amount_fen, status.recovered_fen)
        dpd = status.dpd if status.is_overdue else 0
        stage = ifrs9_stage(dpd)
        pd = self.pd(stage)
        severity, from_day, action = self.action(dpd)
        since = (self.action_since(status.oldest_due_date, from_day)
                 if from_day is not None and status.oldest_due_date is not None else None)
        return AccountRisk(
            customer=customer, as_of=status.as_of, dpd=dpd, bucket=self.bucket(dpd),
            oldest_due_date=status.oldest_due_date if dpd else None,
            overdue_principal_fen=status.overdue_principal_fen, overdue_fee_fen=status.overdue_fee_fen,
            late_fee_fen=status.late_fee_owed_fen, total_owed_fen=status.total_owed_fen,
            regulatory_class=regulatory_class(dpd), stage=stage, pd=pd,
            ecl_fen=ecl_fen(status.total_owed_fen, pd, self.lgd, self.rounding),
            action=action, action_severity=severity, action_since=since,
            frozen=credit_frozen(dpd, self.freeze_from_day),
        )

    def bucket_range(self, name: str) -> str:
        """``"1-30"``, ``"181+"``: the DPD range of a bucket, for display."""
        k = self.bucket_names.index(name)
        lo = self.bucket_lows[k]
        if k + 1 < len(self.bucket_lows):
            hi = self.bucket_lows[k + 1] - 1
            return str(lo) if hi == lo else f"{lo}-{hi}"
        return f"{lo}+"


# ---- portfolio summary -------------------------------------------------------------------------

class Tally(NamedTuple):
    accounts: int
    amount_fen: int


class StageEcl(NamedTuple):
    stage: int
    pd: Decimal
    accounts: int
    ead_fen: int
    ecl_fen: int


class ScenarioTally(NamedTuple):
    """The book's part in one scenario (SPEC 4.14; attribution: ``engine.scenarios``). An account
    counts in every scenario it has a part in; amounts add up to the portfolio's exactly."""

    scenario: str                  # a purchase category as written ("" = none)
    configured: bool               # a [scenarios.NAME] table prices it
    accounts: int                  # accounts in the book with a part here
    receivables_fen: int           # their receivables attributed here
    overdue_accounts: int          # overdue accounts with overdue amount attributed here
    overdue_fen: int
    delinquency: tuple[tuple[str, Tally], ...]   # "30+", "90+": accounts with a part here by account DPD,
                                                 # amount = their receivables attributed here


# per-scenario counters of SummaryBuilder: accounts, receivables, overdue accounts, overdue amount,
# then (accounts, amount) per SCENARIO_THRESHOLDS
SCENARIO_THRESHOLDS = (("30+", 31), ("90+", 91))


@dataclass(frozen=True)
class PortfolioSummary:
    as_of: date
    accounts_total: int                      # every customer replayed
    accounts: int                            # in the book: something owed
    receivables_fen: int                     # total owed of the book
    overdue_accounts: int
    overdue_fen: int                         # overdue amount (principal + fees of overdue items)
    late_fee_fen: int                        # late fee owed over the book
    frozen_accounts: int
    buckets: tuple[tuple[str, Tally], ...]   # every configured bucket, in DPD order (amount = total owed)
    classes: tuple[tuple[str, Tally], ...]   # five-tier classes (amount = total owed)
    delinquency: tuple[tuple[str, Tally], ...]   # "1+", "30+", "90+" (amount = total owed)
    ecl_by_stage: tuple[StageEcl, ...]
    ecl_fen: int
    lgd: Decimal
    top_exposures: tuple[AccountRisk, ...]   # overdue accounts, largest total owed first
    written_off_accounts: int = 0            # SPEC 4.15: written off on or before as_of (not in the book)
    written_off_fen: int = 0
    recovered_fen: int = 0                   # received from them after their write-off
    by_scenario: tuple[ScenarioTally, ...] = ()   # SPEC 4.14: by category name ("" last)

    @property
    def accounts_without_balance(self) -> int:
        return self.accounts_total - self.accounts


class SummaryBuilder:
    """Accumulates :class:`AccountRisk` records into a :class:`PortfolioSummary` in one pass.

    Memory is constant in the size of the book (the top exposures are trimmed as they come);
    two builders of disjoint parts of a book ``merge`` into the builder of the whole.
    """

    def __init__(self, policy: RiskPolicy, as_of: date, top_n: int = TOP_EXPOSURES):
        self.policy = policy
        self.as_of = as_of
        self.top_n = top_n
        self.total = 0
        self.n = 0
        self.receivables = 0
        self.overdue_n = 0
        self.overdue_fen = 0
        self.late_fee_fen = 0
        self.frozen_n = 0
        nb = len(policy.bucket_names)
        self._bucket_index = {name: k for k, name in enumerate(policy.bucket_names)}
        self.bucket_n = [0] * nb
        self.bucket_fen = [0] * nb
        self.class_n = dict.fromkeys(REGULATORY_CLASSES, 0)
        self.class_fen = dict.fromkeys(REGULATORY_CLASSES, 0)
        self.delinq_n = [0] * len(DELINQUENCY_THRESHOLDS)
        self.delinq_fen = [0] * len(DELINQUENCY_THRESHOLDS)
        self.stage_n = [0, 0, 0]
        self.stage_ead = [0, 0, 0]
        self.stage_ecl = [0, 0, 0]
        self._top: list[AccountRisk] = []
        self.written_off_n = self.written_off_fen = self.recovered_fen = 0
        self.scenarios: dict[str, list[int]] = {name: [0] * 8 for name in policy.scenario_names}

    def add(self, r: AccountRisk, scenarios: tuple = ()) -> None:
        """Count one account; ``scenarios``: its ``engine.scenarios.ScenarioShare`` parts."""
        self.total += 1
        if r.written_off_on is not None:
            self.written_off_n += 1
            self.written_off_fen += r.written_off_fen
            self.recovered_fen += r.recovered_fen
            return
        if not r.in_book:
            return
        owed = r.total_owed_fen
        self.n += 1
        self.receivables += owed
        self.late_fee_fen += r.late_fee_fen
        k = self._bucket_index[r.bucket]
        self.bucket_n[k] += 1
        self.bucket_fen[k] += owed
        self.class_n[r.regulatory_class] += 1
        self.class_fen[r.regulatory_class] += owed
        s = r.stage - 1
        self.stage_n[s] += 1
        self.stage_ead[s] += owed
        self.stage_ecl[s] += r.ecl_fen
        if r.dpd > 0:
            self.overdue_n += 1
            self.overdue_fen += r.overdue_fen
            if r.frozen:
                self.frozen_n += 1
            for j, (_name, lo) in enumerate(DELINQUENCY_THRESHOLDS):
                if r.dpd >= lo:
                    self.delinq_n[j] += 1
                    self.delinq_fen[j] += owed
            self._top.append(r)
            if len(self._top) >= 8 * self.top_n + 64:
                self._top = heapq.nsmallest(self.top_n, self._top, key=exposure_key)
        if scenarios:
            self._add_scenarios(r.dpd, scenarios)

    def _add_scenarios(self, dpd: int, scenarios: tuple) -> None:
        table = self.scenarios
        for name, rec, od in scenarios:
            row = table.get(name)
            if row is None:
                row = table[name] = [0] * 8
            row[0] += 1
            row[1] += rec
            if od:
                row[2] += 1
                row[3] += od
            for j, (_name, lo) in enumerate(SCENARIO_THRESHOLDS):
                if dpd >= lo:
                    row[4 + 2 * j] += 1
                    row[5 + 2 * j] += rec

    def add_all(self, risks: Iterable[AccountRisk]) -> "SummaryBuilder":
        for r in risks:
            self.add(r)
        return self

    def merge(self, other: "SummaryBuilder") -> "SummaryBuilder":
        """Fold in the builder of another, disjoint, part of the same book on the same date."""
        if other.as_of != self.as_of or other.policy != self.policy:
            raise ValueError("can only merge summaries of the same date and configuration")
        for name in ("total", "n", "receivables", "overdue_n", "overdue_fen", "late_fee_fen", "frozen_n",
                     "written_off_n", "written_off_fen", "recovered_fen"):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        for name in ("bucket_n", "bucket_fen", "delinq_n", "delinq_fen", "stage_n", "stage_ead", "stage_ecl"):
            mine, theirs = getattr(self, name), getattr(other, name)
            for k, v in enumerate(theirs):
                mine[k] += v
        for c in REGULATORY_CLASSES:
            self.class_n[c] += other.class_n[c]
            self.class_fen[c] += other.class_fen[c]
        self._top = heapq.nsmallest(self.top_n, self._top + other._top, key=exposure_key)
        for name, theirs in other.scenarios.items():
            mine = self.scenarios.setdefault(name, [0] * 8)
            for k, v in enumerate(theirs):
                mine[k] += v
        return self

    def _scenario_tallies(self) -> tuple[ScenarioTally, ...]:
        configured = set(self.policy.scenario_names)
        out = []
        for name in sorted(self.scenarios, key=lambda n: (n == "", n)):
            row = self.scenarios[name]
            out.append(ScenarioTally(name, name in configured, row[0], row[1], row[2], row[3],
                                     tuple((t, Tally(row[4 + 2 * j], row[5 + 2 * j]))
                                           for j, (t, _lo) in enumerate(SCENARIO_THRESHOLDS))))
        return tuple(out)

    def result(self) -> PortfolioSummary:
        p = self.policy
        return PortfolioSummary(
            as_of=self.as_of, accounts_total=self.total, accounts=self.n, receivables_fen=self.receivables,
            overdue_accounts=self.overdue_n, overdue_fen=self.overdue_fen, late_fee_fen=self.late_fee_fen,
            frozen_accounts=self.frozen_n,
            buckets=tuple((name, Tally(self.bucket_n[k], self.bucket_fen[k]))
                          for k, name in enumerate(p.bucket_names)),
            classes=tuple((c, Tally(self.class_n[c], self.class_fen[c])) for c in REGULATORY_CLASSES),
            delinquency=tuple((name, Tally(self.delinq_n[j], self.delinq_fen[j]))
                              for j, (name, _lo) in enumerate(DELINQUENCY_THRESHOLDS)),
            ecl_by_stage=tuple(StageEcl(s, p.pd(s), self.stage_n[s - 1], self.stage_ead[s - 1],
                                        self.stage_ecl[s - 1]) for s in STAGES),
            ecl_fen=sum(self.stage_ecl), lgd=p.lgd,
            top_exposures=tuple(heapq.nsmallest(self.top_n, self._top, key=exposure_key)),
            written_off_accounts=self.written_off_n, written_off_fen=self.written_off_fen,
            recovered_fen=self.recovered_fen, by_scenario=self._scenario_tallies(),
        )


def summarize(risks: Iterable[AccountRisk], policy: RiskPolicy, as_of: date,
              top_n: int = TOP_EXPOSURES) -> PortfolioSummary:
    return SummaryBuilder(policy, as_of, top_n).add_all(risks).result()


# ---- roll rates -------------------------------------------------------------------------------

@dataclass(frozen=True)
class RollRates:
    """Where the book of ``from_date`` went by ``to_date``.

    Rows: each bucket on ``from_date`` (accounts in the book then); columns: each bucket on
    ``to_date`` plus ``paid_off`` (nothing owed any more) and ``written_off`` (written off by
    ``to_date``, its own state: SPEC 4.15). Each cell counts accounts and sums
    their total owed **on the earlier date** (the exposure that rolled). Accounts not in the
    book on ``from_date`` (new since) are only counted in ``new_accounts``/``new_fen``.
    """

    from_date: date
    to_date: date
    rows: tuple[str, ...]
    columns: tuple[str, ...]
    cells: dict                  # (from_bucket, to_column) -> Tally
    new_accounts: int
    new_fen: int                 # their total owed on to_date

    def cell(self, frm: str, to: str) -> Tally:
        return self.cells.get((frm, to), Tally(0, 0))

    def row_total(self, frm: str) -> Tally:
        n = a = 0
        for c in self.columns:
            t = self.cell(frm, c)
            n += t.accounts
            a += t.amount_fen
        return Tally(n, a)


class RollRateBuilder:
    def __init__(self, policy: RiskPolicy, from_date: date, to_date: date):
        self.policy = policy
        self.from_date = from_date
        self.to_date = to_date
        self.counts: dict = {}
        self.amounts: dict = {}
        self.new_n = 0
        self.new_fen = 0

    def add(self, earlier: AccountRisk, later: AccountRisk) -> None:
        if not earlier.in_book:
            if later.in_book:
                self.new_n += 1
                self.new_fen += later.total_owed_fen
            return
        key = (earlier.bucket, WRITTEN_OFF if later.written_off_on is not None
               else later.bucket if later.in_book else PAID_OFF)
        self.counts[key] = self.counts.get(key, 0) + 1
        self.amounts[key] = self.amounts.get(key, 0) + earlier.total_owed_fen

    def merge(self, other: "RollRateBuilder") -> "RollRateBuilder":
        for k, v in other.counts.items():
            self.counts[k] = self.counts.get(k, 0) + v
        for k, v in other.amounts.items():
            self.amounts[k] = self.amounts.get(k, 0) + v
        self.new_n += other.new_n
        self.new_fen += other.new_fen
        return self

    def result(self) -> RollRates:
        names = self.policy.bucket_names
        return RollRates(from_date=self.from_date, to_date=self.to_date, rows=names,
                         columns=names + (PAID_OFF, WRITTEN_OFF),
                         cells={k: Tally(v, self.amounts[k]) for k, v in self.counts.items()},
                         new_accounts=self.new_n, new_fen=self.new_fen)
