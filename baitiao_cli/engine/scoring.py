"""Credit score, grade, limit, price and reasons (SPEC 4.8). Pure: no files, no clock, no numpy.

Points scaling (the standard scorecard convention; odds are good:bad)::

    factor = PDO / ln 2
    offset = base_score - factor * ln(base_odds)
    score  = offset - factor * ln(PD / (1 - PD))          # = offset + factor * ln(good:bad odds)

With base 600 at odds 50:1 and PDO 20, PD 1/51 (odds 50:1) scores exactly 600 and PD 2/52
(odds 25:1, half the odds) scores 580. The arithmetic runs in ``Decimal`` (``Decimal.ln``);
the score is an integer, rounded half up (599.5 -> 600, -0.5 -> -1 is never reached in
practice: scores are far above zero).

Grades are cut from the score: the grades are tried from the highest ``min_score`` down and
the first whose ``min_score`` the score reaches wins; the grade with the lowest ``min_score``
also takes every score below it. Each grade sets:

- ``base_limit``: the credit limit before the income cap;
- the income cap: with a declared monthly income the limit is at most
  ``income_multiple x monthly_income``; without one, no cap applies;
- the result is rounded DOWN to a multiple of ``limit_step`` (100 by default);
- a manual ``credit_limit`` on the customer row wins over all of the above (kept as given);
- ``terms``: the installment terms the grade may use (empty = no new credit);
- ``fee_rate``: the flat per-period fee rate quoted to the grade.

Reasons (adverse-action method): for every model feature, the points a customer lost there
are ``best-bin points - the customer's points`` (the best bin being the one the model scores
highest). The reasons are the features with the largest loss, at most four, ties broken by
feature name; features where nothing was lost give no reason.

Money, limits and fee rates are ``Decimal`` throughout.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal, localcontext
from typing import Iterable, Mapping, Optional, Sequence

from .money import FEN

MAX_REASONS = 4
_LN2 = Decimal(2).ln()


@dataclass(frozen=True, slots=True)
class Scaling:
    """Points scaling: ``base_score`` points at good:bad odds ``base_odds``; ``pdo`` points double the odds."""

    base_score: Decimal = Decimal("600")
    base_odds: Decimal = Decimal("50")
    pdo: Decimal = Decimal("20")

    @property
    def factor(self) -> Decimal:
        return self.pdo / _LN2

    @property
    def offset(self) -> Decimal:
        return self.base_score - self.factor * self.base_odds.ln()

    def exact_score_from_log_odds(self, log_odds_bad: Decimal) -> Decimal:
        """Unrounded score for ``ln(PD/(1-PD))`` (the model's linear predictor)."""
        return self.offset - self.factor * log_odds_bad

    def score_from_log_odds(self, log_odds_bad: Decimal) -> int:
        return round_score(self.exact_score_from_log_odds(log_odds_bad))

    def score_from_pd(self, pd: Decimal) -> int:
        """Integer score of a PD strictly between 0 and 1."""
        if not (0 < pd < 1):
            raise ValueError(f"PD must be strictly between 0 and 1, got {pd}")
        return self.score_from_log_odds((pd / (1 - pd)).ln())

    def points(self, log_odds: Decimal) -> Decimal:
        """Points that a change of ``log_odds`` in the bad log-odds costs (positive = points lost)."""
        return self.factor * log_odds


def round_score(exact: Decimal) -> int:
    """Scores are whole numbers, rounded half up."""
    with localcontext() as ctx:
        ctx.prec = 50
        return int(exact.quantize(Decimal(1), rounding=ROUND_HALF_UP))


@dataclass(frozen=True, slots=True)
class GradePolicy:
    grade: str
    min_score: int
    base_limit: Decimal
    terms: tuple[int, ...]
    fee_rate: Decimal


DEFAULT_GRADES: tuple[GradePolicy, ...] = (
    GradePolicy("A", 620, Decimal("20000"), (1, 3, 6, 12, 24), Decimal("0.004")),
    GradePolicy("B", 605, Decimal("12000"), (1, 3, 6, 12, 24), Decimal("0.005")),
    GradePolicy("C", 590, Decimal("8000"), (1, 3, 6, 12), Decimal("0.006")),
    GradePolicy("D", 540, Decimal("3000"), (1, 3, 6), Decimal("0.0075")),
    GradePolicy("E", 0, Decimal("0"), (), Decimal("0")),
)


@dataclass(frozen=True, slots=True)
class Scoring:
    """The ``[scoring]`` config section, validated once at load into ``Config.scoring`` (``io.config.build_scoring``)."""

    scaling: Scaling = field(default_factory=Scaling)
    income_multiple: Decimal = Decimal("3")
    limit_step: Decimal = Decimal("100")
    model: str = ""                     # model file path; "" = the model shipped in the package
    grades: tuple[GradePolicy, ...] = DEFAULT_GRADES   # highest min_score first


@dataclass(frozen=True, slots=True)
class Offer:
    """What a score buys: grade, limit, allowed terms and the per-period fee rate."""

    grade: str
    credit_limit: Decimal
    allowed_terms: tuple[int, ...]
    fee_rate: Decimal
    manual_limit: bool = False          # True when the customer's own credit_limit was used


def grade_for(score: int, grades: Sequence[GradePolicy]) -> GradePolicy:
    """The grade of a score (``grades`` in any order; the lowest grade takes every lower score)."""
    ordered = sorted(grades, key=lambda g: g.min_score, reverse=True)
    if not ordered:
        raise ValueError("no grades configured")
    for g in ordered:
        if score >= g.min_score:
            return g
    return ordered[-1]


def credit_limit(policy: GradePolicy, *, monthly_income: Optional[Decimal], income_multiple: Decimal,
                 step: Decimal = Decimal("100"), manual_limit: Optional[Decimal] = None) -> Decimal:
    """The credit limit: a manual limit wins; else the grade's base limit, capped by
    ``income_multiple x monthly_income`` when income is known, rounded down to ``step``."""
    if manual_limit is not None:
        return manual_limit.quantize(FEN)
    limit = policy.base_limit
    if monthly_income is not None:
        limit = min(limit, income_multiple * monthly_income)
    if limit <= 0:
        return Decimal("0").quantize(FEN)
    if step > 0:
        limit = (limit / step).to_integral_value(rounding=ROUND_DOWN) * step
    return limit.quantize(FEN, rounding=ROUND_DOWN)


def offer_for(score: int, scoring: Scoring, *, monthly_income: Optional[Decimal] = None,
              manual_limit: Optional[Decimal] = None) -> Offer:
    """Grade, limit, allowed terms and fee rate for a score."""
    g = grade_for(score, scoring.grades)
    limit = credit_limit(g, monthly_income=monthly_income, income_multiple=scoring.income_multiple,
                         step=scoring.limit_step, manual_limit=manual_limit)
    return Offer(grade=g.grade, credit_limit=limit, allowed_terms=g.terms, fee_rate=g.fee_rate,
                 manual_limit=manual_limit is not None)


def reasons(points_lost: Mapping[str, Decimal] | Iterable[tuple[str, Decimal]],
            describe: Optional[Mapping[str, str]] = None, limit: int = MAX_REASONS) -> tuple[str, ...]:
    """Adverse-action reasons: the features that cost the most points, most costly first.

    ``points_lost`` maps a feature to the points lost there relative to its best bin (>= 0).
    Only strictly positive losses count; ties are broken by feature name; at most ``limit``
    (4) are returned, each turned into plain words through ``describe`` (feature name when
    ``describe`` has no entry).
    """
    items = points_lost.items() if isinstance(points_lost, Mapping) else points_lost
    costly = sorted(((name, lost) for name, lost in items if lost > 0), key=lambda kv: (-kv[1], kv[0]))
    describe = describe or {}
    return tuple(describe.get(name, name) for name, _ in costly[:limit])
