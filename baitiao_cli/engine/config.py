"""Typed, immutable configuration the engine receives. Built by ``baitiao_cli.io.config``."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Optional

from .scoring import Scoring


@dataclass(frozen=True, slots=True)
class Billing:
    statement_day: int = 3
    due_days: int = 9
    grace_days: int = 0
    rounding: str = "ROUND_HALF_UP"      # decimal module constant name
    timezone: str = "Asia/Shanghai"


@dataclass(frozen=True, slots=True)
class Installments:
    terms: tuple[int, ...] = (1, 3, 6, 12, 24)
    early_settlement_fees: str = "all_remaining"   # all_remaining | current_period | none


@dataclass(frozen=True, slots=True)
class Pricing:
    fee_rates: tuple[tuple[int, Decimal], ...] = (
        (3, Decimal("0.005")), (6, Decimal("0.005")), (12, Decimal("0.005")), (24, Decimal("0.005")),
    )
    apr_cap: Decimal = Decimal("0.24")
    enforce_cap: bool = False

    def fee_rate_for(self, terms: int) -> Decimal:
        """Default per-period fee rate for a term; pay-in-full (1) is interest-free."""
        if terms == 1:
            return Decimal("0")
        for t, r in self.fee_rates:
            if t == terms:
                return r
        return Decimal("0")


@dataclass(frozen=True, slots=True)
class LateFee:
    daily_rate: Decimal = Decimal("0.0005")
    cap_ratio: Optional[Decimal] = None


@dataclass(frozen=True, slots=True)
class DeferralCfg:
    max_days: int = 30
    fee_rate: Decimal = Decimal("0.01")


@dataclass(frozen=True, slots=True)
class MinimumPayment:
    """[minimum_payment] (SPEC 4.9): off = every bill is due in full by its due date."""

    enabled: bool = False
    ratio: Decimal = Decimal("0.10")             # share of revolving principal in the minimum
    carry_threshold: Decimal = Decimal("300")    # carried revolving principal below this: 100% in the minimum
    daily_rate: Decimal = Decimal("0.0005")      # revolving service fee (日服务费) per day
    batch_cost: bool = True    # the daily run's statements show 12 months of paying only the minimum


@dataclass(frozen=True, slots=True)
class Conversion:
    """[conversion] (SPEC 4.10): statement installments (账单分期)."""

    fee_rates: tuple[tuple[int, Decimal], ...] = (
        (3, Decimal("0.006")), (6, Decimal("0.006")), (12, Decimal("0.006")), (24, Decimal("0.006")))
    min_amount: Decimal = Decimal("100")
    max_ratio: Decimal = Decimal("0.90")

    def fee_rate_for(self, terms: int) -> Optional[Decimal]:
        """The per-period fee rate of a conversion into ``terms`` periods; None: not offered."""
        for t, r in self.fee_rates:
            if t == terms:
                return r
        return None


@dataclass(frozen=True, slots=True)
class Action:
    from_day: int
    action: str


@dataclass(frozen=True, slots=True)
class Overdue:
    # (bucket name, lowest DPD in it); the first bucket is "current" at DPD 0.
    buckets: tuple[tuple[str, int], ...] = (
        ("current", 0), ("M1", 1), ("M2", 31), ("M3", 61), ("M4", 91), ("M5", 121), ("M6", 151), ("M6+", 181),
    )
    actions: tuple[Action, ...] = (
        Action(1, "sms_reminder"),
        Action(7, "phone_call"),
        Action(31, "inhouse_collector"),
        Action(61, "external_agency"),
        Action(91, "legal"),
        Action(181, "write_off_review"),
    )
    freeze_from_day: int = 1      # the rule: engine.overdue.credit_frozen
    write_off_min_dpd: int = 181  # SPEC 4.15: a write-off needs at least this many days past due


@dataclass(frozen=True, slots=True)
class Review:
    """[review] (SPEC 4.12): the periodic credit-line review (``engine.review``)."""

    raise_after: int = 6                          # on-time statements in a row before a raise
    raise_min_grade: str = "C"                    # worst grade that may be raised
    min_utilisation: Decimal = Decimal("0.30")    # average billed per statement (last 6) / limit
    raise_ratio: Decimal = Decimal("0.20")        # +20%, rounded down to scoring.limit_step


@dataclass(frozen=True, slots=True)
class Ecl:
    lgd: Decimal = Decimal("0.45")
    pd_stage1: Decimal = Decimal("0.02")
    pd_stage2: Decimal = Decimal("0.20")
    # stage 3 PD is 1 by definition (SPEC 4.7)


@dataclass(frozen=True, slots=True)
class Scenario:
    """[scenarios.NAME] (SPEC 4.14): the terms and fee rates of purchases whose ``category`` is NAME."""

    name: str
    terms: tuple[int, ...]                           # the allowed terms, ascending
    fee_rates: tuple[tuple[int, Decimal], ...]       # a rate for every allowed term above 1

    def fee_rate_for(self, terms: int) -> Optional[Decimal]:
        """The scenario's per-period rate for ``terms``: 0 for pay-in-full, None when not priced here."""
        if terms == 1:
            return Decimal("0")
        for t, r in self.fee_rates:
            if t == terms:
                return r
        return None


@dataclass(frozen=True, slots=True)
class Display:
    # [display] lang: "zh" or "en" for every human output; None: zh for customer-facing statements
    # and notices, en for operators' tables and the worklist (views.labels.resolve)
    lang: Optional[str] = None


@dataclass(frozen=True, slots=True)
class Config:
    data_dir: str = "sample_data"
    billing: Billing = field(default_factory=Billing)
    installments: Installments = field(default_factory=Installments)
    pricing: Pricing = field(default_factory=Pricing)
    late_fee: LateFee = field(default_factory=LateFee)
    deferral: DeferralCfg = field(default_factory=DeferralCfg)
    minimum_payment: MinimumPayment = field(default_factory=MinimumPayment)
    conversion: Conversion = field(default_factory=Conversion)
    overdue: Overdue = field(default_factory=Overdue)
    ecl: Ecl = field(default_factory=Ecl)
    scoring: Scoring = field(default_factory=Scoring)   # [scoring], validated once at load
    review: Review = field(default_factory=Review)
    scenarios: tuple[Scenario, ...] = ()                 # [scenarios.NAME] (SPEC 4.14), by name
    display: Display = field(default_factory=Display)    # [display] (issue 19: --lang)

    def scenario(self, category: str) -> Optional[Scenario]:
        """The scenario a purchase's ``category`` picks (exact name, case as written), if configured."""
        for sc in self.scenarios:
            if sc.name == category:
                return sc
        return None

    def fee_rate_for(self, terms: int, category: str = "") -> Decimal:
        """The default per-period fee rate of a purchase without its own ``fee_rate``: its scenario's
        rate when its category names a scenario that prices ``terms``, else ``pricing.fee_rates``."""
        if self.scenarios and category:
            sc = self.scenario(category)
            if sc is not None:
                rate = sc.fee_rate_for(terms)
                if rate is not None:
                    return rate
        return self.pricing.fee_rate_for(terms)
