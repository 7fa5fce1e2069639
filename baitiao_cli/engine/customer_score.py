"""One customer's score on a date: features -> PD -> score -> grade, limit, terms, price -> reasons.

Pure: a replayed account (or the dataset and a date), the model, the ``[scoring]`` policy and
the config in; a :class:`CustomerScore` out. Used by ``score`` and by ``quote --customer``.
The available credit is the credit limit less the unpaid principal, 0 while the credit line is
frozen (``engine.overdue.credit_frozen``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from math import copysign
from typing import TYPE_CHECKING, Any, Optional

from . import features as customer_feature_rules     # looked up per call: tests replace customer_features
from .features import CustomerFeatures, bin_text, model_row, reason_text, reference_limit
from .overdue import credit_frozen
from .scoring import Offer, Scaling, Scoring, offer_for, reasons, round_score
from .train.modelfile import PdModel, sigmoid

if TYPE_CHECKING:
    from .account import Account
    from .config import Config

PD_PLACES = Decimal("0.000001")
_POINTS_PLACES = Decimal("0.1")


def pd_str(pd: float) -> str:
    """A PD as the contract decimal string with 6 places."""
    return str(Decimal(pd).quantize(PD_PLACES, rounding=ROUND_HALF_UP))


@dataclass(frozen=True, slots=True)
class CustomerScore:
    """Everything `score` reports about one customer on a date."""

    customer_id: str
    name: str
    as_of: date
    features: CustomerFeatures
    pd: str                         # 6 places
    score: int
    offer: Offer
    reasons: tuple[str, ...]
    points_lost: dict               # feature -> points lost against its best bin (Decimal, 1 place)
    unpaid_principal: Decimal
    available_credit: Decimal
    dpd: int
    frozen: bool


_SCALE_CACHE: dict = {}


def _offset_and_factor(scaling: Scaling) -> tuple[Decimal, Decimal]:
    """(offset, factor) of a scaling, computed once (each is a Decimal logarithm)."""
    got = _SCALE_CACHE.get(scaling)
    if got is None:
        got = _SCALE_CACHE[scaling] = (scaling.offset, scaling.factor)
    return got


_POINTS_CACHE: dict = {}


def _points(factor: Decimal, x: float) -> Decimal:
    """The points lost for log-odds lost ``x``: ``factor x x`` to 1 place, half up. A model gives
    few distinct ``x`` (one per feature bin), so each is computed once and shared by every
    customer in it (100k customers hold 9 of them each). 0.0 and -0.0, equal keys with different
    results (0.0, -0.0), are told apart by their sign."""
    key = (factor, x) if x else (factor, x, copysign(1.0, x))
    got = _POINTS_CACHE.get(key)
    if got is None:
        got = _POINTS_CACHE[key] = (factor * Decimal(x)).quantize(_POINTS_PLACES, rounding=ROUND_HALF_UP)
    return got


def best_bins(model: PdModel) -> dict[str, str]:
    """Per model feature, its best-scoring bin (lowest coefficient x WOE, the first on a tie) in words."""
    cached = getattr(model, "_best_bin_text", None)
    if cached is not None:
        return cached
    out = {}
    for f in model.features:
        if f.bins:
            b = min(f.bins, key=lambda x: f.coefficient * x.woe)
            out[f.name] = bin_text(f.name, b.lower, b.upper, b.missing)
    model._best_bin_text = out        # PdModel has a __dict__: a per-model cache
    return out


class _ReasonTexts:
    """``describe`` for ``scoring.reasons``: the words of a feature's reason (``reason_text``), made
    only for the (at most 4) features ``reasons`` picks, not for every feature of the model."""

    __slots__ = ("values", "best")

    def __init__(self, values: dict, best: dict[str, str]) -> None:
        self.values, self.best = values, best

    def get(self, name: str, default: Optional[str] = None) -> str:
        return reason_text(name, self.values.get(name), self.best.get(name))


def score_account(account: "Account", model: PdModel, scoring: Scoring, cfg: "Config") -> CustomerScore:
    """Features -> PD -> score -> grade, limit, terms, price -> reasons, for one replayed account."""
    c = account.customer
    feats = customer_feature_rules.customer_features(account, reference_limit(c, scoring))
    values = feats.as_dict()
    row = model_row(values)
    z = model.log_odds(row)
    offset, factor = _offset_and_factor(scoring.scaling)
    score = round_score(offset - factor * Decimal(z))      # = Scaling.score_from_log_odds, constants cached
    lost = {name: _points(factor, x) for name, x in model.log_odds_lost(row).items()}
    offer = offer_for(score, scoring, monthly_income=c.monthly_income, manual_limit=c.credit_limit)
    dpd = feats.current_dpd
    frozen = credit_frozen(dpd, cfg.overdue.freeze_from_day)
    unpaid = feats.unpaid_principal
    available = Decimal("0.00") if frozen else max(Decimal("0.00"), offer.credit_limit - unpaid)
    why = reasons(lost, _ReasonTexts(values, best_bins(model)))
    return CustomerScore(c.customer_id, c.name, account.as_of, feats, pd_str(sigmoid(z)), score, offer, why, lost,
                         unpaid, available.quantize(Decimal("0.01")), dpd, frozen)


def score_customer(dataset: Any, cfg: "Config", model: PdModel, customer: Any, on: date) -> CustomerScore:
    """Replay one customer to ``on`` and score them (their limit: the ``limits`` journal's on ``on``)."""
    from .ledger import STATEMENTS_NONE, group_by_customer, replay
    from .limits import limit_state

    state = limit_state((c for c in dataset.limits if c.customer_id == customer.customer_id), on)
    if state is not None:
        customer = customer._replace(credit_limit=state.usable)

    txns, reps, defs, convs, fixes = group_by_customer(dataset, [customer.customer_id],
                                                       conversions=True)[customer.customer_id]
    acct = replay(customer, txns, reps, defs, cfg, on, statements=STATEMENTS_NONE, conversions=convs, corrections=fixes,
                  allocations=False)       # the features read balances and items only
    return score_account(acct, model, cfg.scoring, cfg)


def score_customers(dataset: Any, cfg: "Config", model: PdModel, on: date,
                    customer_id: Optional[str] = None) -> list[CustomerScore]:
    """Every customer opened on or before ``on`` (or just ``customer_id``), in customer_id order."""
    from .ledger import STATEMENTS_NONE, replay_all
    from .limits import with_limits

    dataset = with_limits(dataset, on)

    ids = [c.customer_id for c in dataset.customers if c.opened_on <= on
           and (customer_id is None or c.customer_id == customer_id)]
    return [score_account(a, model, cfg.scoring, cfg)
            for a in replay_all(dataset, cfg, on, customers=ids, statements=STATEMENTS_NONE, allocations=False)]
