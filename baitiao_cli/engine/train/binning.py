"""Fine and coarse classing of one feature, and its weight of evidence. Pure Python.

Numeric features
    Fine classing: the sorted values are cut into about ``fine_classes`` (20) classes of equal
    row count; tied values never straddle a cut (a feature with few distinct values gets one
    class per value). A bin is ``lower <= x < upper``; cut points are values seen in training.
Categorical features
    Fine classing: one class per category, ordered by (smoothed) bad rate, then by text.
Both
    Coarse classing merges neighbouring classes: first every class holding less than
    ``min_share`` of the rows is merged into the neighbour it differs least from (smallest
    2x2 chi-square); then, while there are more than ``max_bins`` classes (or, when
    ``chi_threshold`` is set, two neighbours whose chi-square is below it), the least different
    neighbours are merged (ChiMerge). The default threshold is 0, i.e. merge down to
    ``max_bins`` only: on the German credit data a 5% significance stop (3.84) over-merged and
    lost 0.007 of held-out AUC on average over 20 seeded splits.
Monotone trend (numeric features, ``trend``)
    ``up``: the bad rate rises with the value; ``down``: it falls; ``auto``: both are built and
    the one keeping the larger information value wins (``up`` on a tie); ``none``: no
    constraint (a U-shaped risk, by age say, is kept). A monotone binning pools adjacent
    violators of the fine classes (pool-adjacent-violators, on the smoothed bad rate the WOE
    is computed from, so the WOE itself is monotone), then merges by minimum share and
    ChiMerge as above and pools once more (a merge of two neighbours cannot break the order
    of the raw rates, but can that of the smoothed ones in a corner case). The missing bin
    stands outside the order.
    Missing values form their own bin whenever the training rows have any, whatever its size.
Weight of evidence
    ``WOE = ln((b + m p) / (g + m (1 - p))) - ln(B / G)`` with ``m`` (1) pseudo-row split at
    the overall bad rate ``p``: bad over good, so a positive WOE is riskier than average and a
    tiny bin is pulled toward 0. A value the model never saw (a new category; a missing value
    when training had none) gets WOE 0, the average.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Any, Optional, Sequence

from .metrics import woe as woe_of_counts

NUMERIC = "numeric"
CATEGORICAL = "categorical"
UP, DOWN, AUTO, NONE = "up", "down", "auto", "none"
TRENDS = (UP, DOWN, AUTO, NONE)
CHI2_5PCT = 3.841                  # chi-square at 5% with one degree of freedom


@dataclass(frozen=True, slots=True)
class Bin:
    """One coarse class. Numeric: ``lower <= x < upper`` (``None`` = unbounded);
    categorical: ``categories``; or the bin of missing values."""

    rows: int
    bads: int
    woe: float = 0.0
    lower: Optional[float] = None
    upper: Optional[float] = None
    categories: tuple[str, ...] = ()
    missing: bool = False

    @property
    def goods(self) -> int:
        return self.rows - self.bads


@dataclass(frozen=True, slots=True)
class Binning:
    name: str
    kind: str                      # numeric | categorical
    bins: tuple[Bin, ...]
    iv: float
    trend: str = NONE              # numeric: the bad rate's direction (up/down), none when not constrained


@dataclass(slots=True)
class _Class:
    goods: int
    bads: int
    lo: Any                        # numeric: smallest value in the class
    cats: list

    @property
    def rows(self) -> int:
        return self.goods + self.bads


def _chi2(a: _Class, b: _Class) -> float:
    """Pearson chi-square of the 2x2 table (goods, bads) x (a, b); 0 when a margin is empty."""
    n = a.rows + b.rows
    g, bd = a.goods + b.goods, a.bads + b.bads
    if a.rows == 0 or b.rows == 0 or g == 0 or bd == 0:
        return 0.0
    diff = a.goods * b.bads - a.bads * b.goods
    return n * diff * diff / (a.rows * b.rows * g * bd)


def _merge(classes: list[_Class], i: int) -> None:
    """Merge class i+1 into class i."""
    a, b = classes[i], classes[i + 1]
    classes[i] = _Class(a.goods + b.goods, a.bads + b.bads, a.lo, a.cats + b.cats)
    del classes[i + 1]


def coarse_classes(classes: list[_Class], total: int, max_bins: int, min_share: float,
                   chi_threshold: float) -> list[_Class]:
    classes = list(classes)
    # 1. No class below the minimum share (merge the smallest into its closest neighbour).
    while len(classes) > 1:
        small = [k for k, c in enumerate(classes) if c.rows < min_share * total]
        if not small:
            break
        k = min(small, key=lambda j: (classes[j].rows, j))
        if k == 0:
            _merge(classes, 0)
        elif k == len(classes) - 1:
            _merge(classes, k - 1)
        else:
            left, right = _chi2(classes[k - 1], classes[k]), _chi2(classes[k], classes[k + 1])
            _merge(classes, k - 1 if left <= right else k)
    # 2. ChiMerge: at most max_bins, and neighbours significantly different.
    while len(classes) > 1:
        chis = [_chi2(classes[j], classes[j + 1]) for j in range(len(classes) - 1)]
        j = min(range(len(chis)), key=lambda k: (chis[k], k))
        if len(classes) <= max_bins and chis[j] >= chi_threshold:
            break
        _merge(classes, j)
    return classes


def _with_woe(bins: list[Bin], pseudo: float, total_goods: int, total_bads: int) -> tuple[list[Bin], float]:
    goods = [b.goods for b in bins]
    bads = [b.bads for b in bins]
    # WOE against the totals of the whole training sample (identical to woe_of_counts when
    # the bins cover every row, which they do).
    assert sum(goods) == total_goods and sum(bads) == total_bads
    woes = woe_of_counts(goods, bads, pseudo)
    out = [Bin(b.rows, b.bads, w, b.lower, b.upper, b.categories, b.missing) for b, w in zip(bins, woes)]
    iv = sum((b.bads / total_bads - b.goods / total_goods) * b.woe for b in out)
    return out, iv


def bin_feature(name: str, kind: str, values: Sequence[Any], labels: Sequence[int], *,
                max_bins: int = 8, min_share: float = 0.05, fine_classes: int = 20,
                chi_threshold: float = 0.0, pseudo: float = 1.0, trend: str = NONE) -> Binning:
    """Bin one feature on the training rows (``values`` aligned with 0/1 ``labels``);
    ``trend`` (numeric only): up, down, auto or none (module docstring)."""
    total = len(values)
    total_bads = sum(1 for y in labels if y)
    total_goods = total - total_bads
    if total_bads == 0 or total_goods == 0:
        raise ValueError("binning needs at least one bad and one good row")
    distinct, miss_g, miss_b = _distinct(values, labels)
    p = total_bads / total
    if kind == NUMERIC:
        fine = _equal_frequency(distinct, sum(g + b for _, g, b in distinct), fine_classes)
    else:
        fine = sorted((_Class(g, b, v, [v]) for v, g, b in distinct),
                      key=lambda c: ((c.bads + pseudo * p) / (c.rows + pseudo), c.lo))
    trends = (UP, DOWN) if kind == NUMERIC and trend == AUTO else (trend if kind == NUMERIC else NONE,)
    best: Optional[Binning] = None
    for t in trends:
        classes = fine
        if t in (UP, DOWN) and classes:
            classes = pool_violators(classes, t == UP, pseudo * p, pseudo)
        classes = coarse_classes(classes, total, max_bins, min_share, chi_threshold) if classes else []
        if t in (UP, DOWN) and classes:
            classes = pool_violators(classes, t == UP, pseudo * p, pseudo)
        bins: list[Bin] = []
        for k, c in enumerate(classes):
            if kind == NUMERIC:
                upper = classes[k + 1].lo if k + 1 < len(classes) else None
                bins.append(Bin(c.rows, c.bads, lower=None if k == 0 else c.lo, upper=upper))
            else:
                bins.append(Bin(c.rows, c.bads, categories=tuple(sorted(c.cats))))
        if miss_g + miss_b:
            bins.append(Bin(miss_g + miss_b, miss_b, missing=True))
        with_woe, iv = _with_woe(bins, pseudo, total_goods, total_bads)
        candidate = Binning(name, kind, tuple(with_woe), iv, t if t in (UP, DOWN) else NONE)
        if best is None or candidate.iv > best.iv:      # auto: down only when strictly better
            best = candidate
    assert best is not None
    return best


def _distinct(values: Sequence[Any], labels: Sequence[int]) -> tuple[list[tuple[Any, int, int]], int, int]:
    """``(value, goods, bads)`` per distinct present value, ascending, and the goods and bads of
    the missing values (one pass through ``Counter``: a continuous column has as many distinct
    values as rows)."""
    per: dict[Any, list[int]] = {}
    for (v, y), n in Counter(zip(values, (1 if y else 0 for y in labels))).items():
        gb = per.get(v)
        if gb is None:
            gb = per[v] = [0, 0]
        gb[y] += n
    miss = per.pop(None, [0, 0])
    return [(v, *per[v]) for v in sorted(per)], miss[0], miss[1]


def pool_violators(classes: list[_Class], rising: bool, pseudo_bads: float, pseudo_rows: float) -> list[_Class]:
    """Pool adjacent violators: merge neighbours until the smoothed bad rate
    ``(bads + pseudo_bads) / (rows + pseudo_rows)`` never falls (``rising``) or never rises
    from one class to the next. Ties are allowed (ChiMerge merges them later if needed)."""
    def rate(c: _Class) -> float:
        return (c.bads + pseudo_bads) / (c.rows + pseudo_rows)

    out: list[_Class] = []
    for c in classes:
        out.append(_Class(c.goods, c.bads, c.lo, list(c.cats)))
        while len(out) > 1 and (rate(out[-2]) > rate(out[-1]) if rising else rate(out[-2]) < rate(out[-1])):
            _merge(out, len(out) - 2)
    return out


def _equal_frequency(distinct: list[tuple[Any, int, int]], n: int, fine: int) -> list[_Class]:
    """Group consecutive distinct ``(value, goods, bads)`` into about ``fine`` classes of equal row count."""
    if len(distinct) <= fine:
        return [_Class(g, b, v, [v]) for v, g, b in distinct]
    out: list[_Class] = []
    cur: Optional[_Class] = None
    filled = 0
    next_k = 1                      # the next quantile k/fine to reach
    for v, g, b in distinct:
        if cur is None:
            cur = _Class(g, b, v, [v])
        else:
            cur.goods += g
            cur.bads += b
        filled += g + b
        # close the class once the running total reaches the next 1/fine quantile; a heavy
        # tied value may jump over several quantiles at once
        if filled * fine >= next_k * n:
            out.append(cur)
            cur = None
            next_k = filled * fine // n + 1
    if cur is not None:
        out.append(cur)
    return out
