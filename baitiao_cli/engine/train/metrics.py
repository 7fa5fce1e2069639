"""Model metrics: AUC, KS, Gini, weight of evidence, information value, PSI. Pure Python.

These are statistics of probabilities and counts, not money: floats are fine here.
Conventions: a higher score means *riskier* (PD or log-odds of default); labels are
1 = bad (default), 0 = good.
"""

from __future__ import annotations

import math
from bisect import bisect_right
from itertools import groupby
from typing import Iterable, Sequence

PSI_FLOOR = 1e-4     # share given to an empty bin in PSI so the log stays finite


def _groups(scores: Sequence[float], labels: Sequence[int]) -> list[tuple[int, int]]:
    """(bads, goods) per distinct score, highest score first."""
    if len(scores) != len(labels):
        raise ValueError("scores and labels differ in length")
    pairs = sorted(zip(scores, labels), key=lambda sl: sl[0], reverse=True)
    return [bads_and_goods(y for _, y in grp) for _, grp in groupby(pairs, key=lambda sl: sl[0])]


def bads_and_goods(labels: Iterable[int]) -> tuple[int, int]:
    """(bads, goods) among labels, 1 (truthy) = bad."""
    b = g = 0
    for y in labels:
        if y:
            b += 1
        else:
            g += 1
    return b, g


def _totals(groups: list[tuple[int, int]]) -> tuple[int, int]:
    bads = sum(b for b, _ in groups)
    goods = sum(g for _, g in groups)
    if bads == 0 or goods == 0:
        raise ValueError("need at least one bad and one good")
    return bads, goods


def auc(scores: Sequence[float], labels: Sequence[int]) -> float:
    """Probability that a random bad scores above a random good; a tie counts one half."""
    groups = _groups(scores, labels)
    bads, goods = _totals(groups)
    goods_below = goods
    wins = 0.0
    for b, g in groups:            # highest score first
        goods_below -= g
        wins += b * goods_below + 0.5 * b * g
    return wins / (bads * goods)


def gini(auc_value: float) -> float:
    """Accuracy ratio: 2 * AUC - 1."""
    return 2 * auc_value - 1


def ks(scores: Sequence[float], labels: Sequence[int]) -> float:
    """Kolmogorov-Smirnov: the largest gap between the cumulative shares of bads and goods
    above a cut-off, over every cut-off between distinct scores."""
    groups = _groups(scores, labels)
    bads, goods = _totals(groups)
    cb = cg = 0
    best = 0.0
    for b, g in groups:
        cb += b
        cg += g
        best = max(best, abs(cb / bads - cg / goods))
    return best


def woe(goods: Sequence[int], bads: Sequence[int], pseudo: float = 0.0) -> list[float]:
    """Weight of evidence per bin, bad over good: ``ln((b_i/B) / (g_i/G))``.

    ``pseudo`` adds that many pseudo-rows to every bin, split at the overall bad rate, so an
    empty or tiny bin is pulled toward 0 (the average): ``ln((b_i + m p)/(g_i + m (1-p))) - ln(B/G)``.
    """
    B, G = sum(bads), sum(goods)
    if B == 0 or G == 0:
        raise ValueError("need at least one bad and one good")
    p = B / (B + G)
    base = math.log(B / G)
    return [math.log((b + pseudo * p) / (g + pseudo * (1 - p))) - base for g, b in zip(goods, bads)]


def information_value(goods: Sequence[int], bads: Sequence[int], woes: Sequence[float] | None = None,
                      pseudo: float = 0.0) -> float:
    """``IV = sum (b_i/B - g_i/G) * WOE_i`` (WOE computed with ``pseudo`` unless given)."""
    B, G = sum(bads), sum(goods)
    if woes is None:
        woes = woe(goods, bads, pseudo)
    return sum((b / B - g / G) * w for g, b, w in zip(goods, bads, woes))


def psi(expected: Sequence[float], actual: Sequence[float], floor: float = PSI_FLOOR) -> float:
    """Population stability index of two distributions over the same bins (counts or shares):
    ``sum (a_i - e_i) * ln(a_i / e_i)`` with shares, an empty bin counted as ``floor``."""
    if len(expected) != len(actual) or not expected:
        raise ValueError("PSI needs the same, non-empty list of bins on both sides")
    te, ta = sum(expected), sum(actual)
    if te <= 0 or ta <= 0:
        raise ValueError("PSI needs a non-empty population on both sides")
    total = 0.0
    for e, a in zip(expected, actual):
        es = max(e / te, floor)
        as_ = max(a / ta, floor)
        total += (as_ - es) * math.log(as_ / es)
    return total


def psi_of_scores(expected: Sequence[float], actual: Sequence[float], bins: int = 10) -> float:
    """PSI of two score samples, binned at the deciles (``bins`` quantiles) of ``expected``."""
    if not expected or not actual:
        raise ValueError("PSI needs scores on both sides")
    ordered = sorted(expected)
    cuts = sorted({ordered[(k * len(ordered)) // bins] for k in range(1, bins)})
    cuts = [c for c in cuts if c > ordered[0]]
    e = [0] * (len(cuts) + 1)
    a = [0] * (len(cuts) + 1)
    for s in expected:
        e[bisect_right(cuts, s)] += 1
    for s in actual:
        a[bisect_right(cuts, s)] += 1
    return psi(e, a)


def brier(pds: Sequence[float], labels: Sequence[int]) -> float:
    """Mean squared error of the predicted PDs: ``mean (p - y)^2`` (0 perfect; 0.25 = always 0.5)."""
    if not pds or len(pds) != len(labels):
        raise ValueError("Brier needs one PD per label")
    return sum((p - y) ** 2 for p, y in zip(pds, labels)) / len(pds)


def calibration(pds: Sequence[float], labels: Sequence[int], groups: int = 10) -> dict:
    """Predicted against observed default rates by PD decile (``groups`` groups of equal size by
    rank, lowest PD first; fewer when there are fewer rows), the Brier score and the
    Hosmer-Lemeshow test: ``HL = sum (O - E)^2 / (E (1 - E / n))`` over the groups (O bads
    observed, E the sum of the PDs, n rows), chi-square with ``groups - 2`` degrees of freedom;
    a small p-value (< 0.05) says the PDs do not match the observed rates."""
    n = len(pds)
    order = sorted(range(n), key=lambda i: (pds[i], i))
    g = max(1, min(groups, n))
    rows = []
    hl = 0.0
    for k in range(g):
        members = order[k * n // g:(k + 1) * n // g]
        m = len(members)
        expected = sum(pds[i] for i in members)
        observed = sum(labels[i] for i in members)
        if 0 < expected < m:
            hl += (observed - expected) ** 2 / (expected * (1 - expected / m))
        rows.append({"group": k + 1, "rows": m, "predicted_pd": expected / m, "observed_rate": observed / m,
                     "expected_bads": expected, "bads": observed})
    df = max(g - 2, 1)
    return {"by": "decile of predicted PD", "groups": rows, "brier": brier(pds, labels),
            "hosmer_lemeshow": {"statistic": hl, "df": df, "p_value": chi2_sf(hl, df)}}


def chi2_independence(goods: Sequence[int], bads: Sequence[int]) -> tuple[float, int]:
    """Pearson chi-square of the bins x (good, bad) table and its degrees of freedom (bins - 1)."""
    B, G = sum(bads), sum(goods)
    n = B + G
    stat = 0.0
    for g, b in zip(goods, bads):
        rows = g + b
        for obs, tot in ((g, G), (b, B)):
            exp = rows * tot / n
            if exp > 0:
                stat += (obs - exp) ** 2 / exp
    return stat, max(len(goods) - 1, 0)


def chi2_sf(x: float, df: int) -> float:
    """P(X >= x) for a chi-square with ``df`` degrees of freedom (regularised upper gamma)."""
    if df <= 0:
        return 1.0
    if x <= 0:
        return 1.0
    a, z = df / 2.0, x / 2.0
    lg = math.lgamma(a)
    if z < a + 1:                      # series for the lower gamma
        term = total = 1.0 / a
        k = a
        for _ in range(1000):
            k += 1
            term *= z / k
            total += term
            if abs(term) < abs(total) * 1e-15:
                break
        return max(0.0, 1.0 - total * math.exp(-z + a * math.log(z) - lg))
    # continued fraction for the upper gamma (modified Lentz)
    tiny = 1e-300
    b = z + 1 - a
    c = 1 / tiny
    d = 1 / b
    h = d
    for i in range(1, 1000):
        an = -i * (i - a)
        b += 2
        d = an * d + b
        d = tiny if abs(d) < tiny else d
        c = b + an / c
        c = tiny if abs(c) < tiny else c
        d = 1 / d
        delta = d * c
        h *= delta
        if abs(delta - 1) < 1e-15:
            break
    return math.exp(-z + a * math.log(z) - lg) * h
