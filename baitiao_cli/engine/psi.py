"""Population stability index of the score distribution, binned by grade (SPEC 4.8).

PSI = sum over bins of (actual - expected) x ln(actual / expected); expected = the shares on the
earlier date, actual = the shares on the later one; an empty bin counts as ``PSI_FLOOR``.
Readings: below 0.1 stable, 0.1 to 0.25 watch, above 0.25 shifted.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, localcontext
from typing import NamedTuple, Optional, Sequence

from .scoring import GradePolicy

PSI_FLOOR = Decimal("0.0001")      # an empty bin counts as this share (else ln(0))
PSI_STABLE = Decimal("0.1")
PSI_SHIFTED = Decimal("0.25")
_PLACES = Decimal("0.0001")


class PsiBin(NamedTuple):
    grade: str
    min_score: Optional[int]        # None for the lowest grade
    max_score: Optional[int]        # None for the highest grade
    expected_count: int
    expected_share: Decimal         # 4 places
    actual_count: int
    actual_share: Decimal
    contribution: Decimal


class Psi(NamedTuple):
    expected_customers: int
    actual_customers: int
    value: Optional[Decimal]        # None when either side has no customer
    reading: str
    bins: tuple[PsiBin, ...]


def psi_reading(value: Decimal) -> str:
    if value < PSI_STABLE:
        return "stable"
    if value <= PSI_SHIFTED:
        return "watch"
    return "shifted"


def _four_places(x: Decimal) -> Decimal:
    return x.quantize(_PLACES, rounding=ROUND_HALF_UP)


def grade_psi(before: Sequence[str], after: Sequence[str], grades: Sequence[GradePolicy]) -> Psi:
    """PSI of the grades ``after`` against the grades ``before`` (one grade name per customer)."""
    ordered = sorted(grades, key=lambda g: g.min_score, reverse=True)
    count_b = {g.grade: 0 for g in ordered}
    count_a = {g.grade: 0 for g in ordered}
    for grade in before:
        count_b[grade] += 1
    for grade in after:
        count_a[grade] += 1
    nb, na = len(before), len(after)
    bins = []
    total = Decimal(0)
    with localcontext() as ctx:
        ctx.prec = 28
        for k, g in enumerate(ordered):
            e = Decimal(count_b[g.grade]) / nb if nb else Decimal(0)
            a = Decimal(count_a[g.grade]) / na if na else Decimal(0)
            e_, a_ = max(e, PSI_FLOOR), max(a, PSI_FLOOR)
            contribution = (a_ - e_) * (a_ / e_).ln()
            total += contribution
            bins.append(PsiBin(g.grade, g.min_score if k < len(ordered) - 1 else None,
                               ordered[k - 1].min_score - 1 if k > 0 else None,
                               count_b[g.grade], _four_places(e), count_a[g.grade], _four_places(a),
                               _four_places(contribution)))
    value = _four_places(total)
    if nb == 0 or na == 0:      # nothing to compare: no PSI rather than a huge meaningless one
        return Psi(nb, na, None, "no customers", tuple(bins))
    return Psi(nb, na, value, psi_reading(value), tuple(bins))
