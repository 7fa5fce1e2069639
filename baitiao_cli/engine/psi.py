"""Population stability index (SPEC 4.8): of the score distribution binned by grade between two
dates (``grade_psi``), and of each feature between a model's training rows and a scored book
(``feature_psi``, the bins and counts the model file records in ``training_distribution``).

PSI = sum over bins of (actual - expected) x ln(actual / expected); expected = the shares on the
earlier date (or in training), actual = the shares on the later one (or in the book); an empty
bin counts as ``PSI_FLOOR``. Readings: below 0.1 stable, 0.1 to 0.25 watch, above 0.25 shifted.
For a feature, a value training never saw (a new category, or a missing value when training had
none) falls in an extra bin ``unseen`` whose training share is 0 (so the floor).
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, localcontext
from bisect import bisect_right
from typing import Any, Mapping, NamedTuple, Optional, Sequence

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
    parts, value = _parts([count_b[g.grade] for g in ordered], [count_a[g.grade] for g in ordered])
    bins = [PsiBin(g.grade, g.min_score if k < len(ordered) - 1 else None,
                   ordered[k - 1].min_score - 1 if k > 0 else None,
                   count_b[g.grade], e, count_a[g.grade], a, c) for k, (g, (e, a, c)) in enumerate(zip(ordered, parts))]
    if nb == 0 or na == 0:      # nothing to compare: no PSI rather than a huge meaningless one
        return Psi(nb, na, None, "no customers", tuple(bins))
    return Psi(nb, na, value, psi_reading(value), tuple(bins))


def _parts(expected: Sequence[int], actual: Sequence[int]) -> tuple[list[tuple[Decimal, Decimal, Decimal]], Decimal]:
    """Per bin (expected share, actual share, contribution), each to 4 places, and the PSI (4
    places; summed exactly first). A side with no rows has every share 0."""
    ne, na = sum(expected), sum(actual)
    parts = []
    total = Decimal(0)
    with localcontext() as ctx:
        ctx.prec = 28
        for ce, ca in zip(expected, actual):
            e = Decimal(ce) / ne if ne else Decimal(0)
            a = Decimal(ca) / na if na else Decimal(0)
            e_, a_ = max(e, PSI_FLOOR), max(a, PSI_FLOOR)
            contribution = (a_ - e_) * (a_ / e_).ln()
            total += contribution
            parts.append((_four_places(e), _four_places(a), _four_places(contribution)))
    return parts, _four_places(total)


class ReferenceFeature(NamedTuple):
    """One feature's bins in training (from the model file's ``training_distribution``)."""

    name: str
    kind: str                       # numeric | categorical
    labels: tuple[str, ...]
    counts: tuple[int, ...]
    uppers: tuple[float, ...]       # numeric: the upper bound of each valued bin but the last
    categories: dict                # categorical: category -> bin index
    missing: Optional[int]          # index of the missing bin, None when training had none


class FeatureBin(NamedTuple):
    label: str
    expected_count: int
    expected_share: Decimal
    actual_count: int
    actual_share: Decimal
    contribution: Decimal


class FeaturePsi(NamedTuple):
    name: str
    value: Optional[Decimal]        # None when the book is empty
    reading: str                    # stable | watch | shifted | no customers
    bins: tuple[FeatureBin, ...]


class DistributionError(ValueError):
    """The model file has no usable ``training_distribution``; the message says what is wrong."""


def reference_features(distribution: Any) -> tuple[int, list[ReferenceFeature]]:
    """(training rows, the features) of a model file's ``training_distribution`` block."""
    if distribution is None:
        raise DistributionError("it records no training_distribution (made before baitiao recorded the "
                                "training rows' bins); retrain it with this version to compare feature "
                                "distributions")
    try:
        rows = distribution["rows"]
        out = [_reference(f) for f in distribution["features"]]
    except (KeyError, TypeError, ValueError, AttributeError):
        raise DistributionError("its training_distribution is malformed (expected rows and features with "
                                "name, type and bins with rows)") from None
    return rows, out


def _reference(f: Mapping[str, Any]) -> ReferenceFeature:
    labels, counts, uppers, cats, missing = [], [], [], {}, None
    valued = [b for b in f["bins"] if not b.get("missing")]
    for b in f["bins"]:
        if not isinstance(b["rows"], int) or b["rows"] < 0:
            raise ValueError("rows")
        if b.get("missing"):
            missing = len(labels)
        elif f["type"] == "categorical":
            cats.update({c: len(labels) for c in b["categories"]})
        labels.append(str(b.get("label", "")))
        counts.append(b["rows"])
    if f["type"] == "numeric":
        uppers = [float(b["upper"]) for b in valued[:-1]]  # float-ok: bin bounds of a statistic
    elif f["type"] != "categorical":
        raise ValueError("type")
    return ReferenceFeature(str(f["name"]), f["type"], tuple(labels), tuple(counts), tuple(uppers), cats, missing)


def feature_psi(ref: ReferenceFeature, values: Sequence[Any]) -> FeaturePsi:
    """PSI of one feature: the book's ``values`` (float/None numeric, str/None categorical)
    binned as in training, against the training counts."""
    n_bins = len(ref.labels)
    counts = [0] * (n_bins + 1)                  # the last: values training never saw
    valued = [k for k in range(n_bins) if k != ref.missing]
    for v in values:
        if v is None:
            k = n_bins if ref.missing is None else ref.missing
        elif ref.kind == "numeric":
            k = valued[bisect_right(ref.uppers, v)] if valued else n_bins
        else:
            k = ref.categories.get(v, n_bins)
        counts[k] += 1
    labels, expected = list(ref.labels), list(ref.counts)
    if not counts[n_bins]:
        counts.pop()
    else:
        labels.append("unseen")
        expected.append(0)
    parts, value = _parts(expected, counts)
    bins = tuple(FeatureBin(lb, ce, e, ca, a, c) for lb, ce, ca, (e, a, c) in zip(labels, expected, counts, parts))
    if not values:
        return FeaturePsi(ref.name, None, "no customers", bins)
    return FeaturePsi(ref.name, value, psi_reading(value), bins)
