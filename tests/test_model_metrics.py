"""AUC, KS, Gini, WOE, IV and PSI on tiny hand-counted examples."""

from __future__ import annotations

import math

import pytest

from baitiao_cli.engine.train import metrics as m

# scores (higher = riskier) and labels (1 = bad)
SCORES = [0.9, 0.8, 0.8, 0.3, 0.2]
LABELS = [1, 1, 0, 0, 1]


def test_auc_with_a_tie():
    # bads 0.9, 0.8, 0.2; goods 0.8, 0.3. Pairs bad-vs-good: (0.9,0.8) 1, (0.9,0.3) 1,
    # (0.8,0.8) tie 1/2, (0.8,0.3) 1, (0.2,0.8) 0, (0.2,0.3) 0 -> 3.5 / 6
    assert m.auc(SCORES, LABELS) == pytest.approx(3.5 / 6)


def test_auc_perfect_inverse_and_all_tied():
    assert m.auc([3, 2, 1], [1, 0, 0]) == 1.0
    assert m.auc([1, 2, 3], [1, 0, 0]) == 0.0
    assert m.auc([5, 5, 5, 5], [1, 0, 1, 0]) == 0.5


def test_gini():
    # 2 * 0.583333 - 1 = 0.166667
    assert m.gini(m.auc(SCORES, LABELS)) == pytest.approx(1 / 6)


def test_ks_over_tied_groups():
    # from the top: 0.9 -> bads 1/3, goods 0 (gap 1/3); 0.8 (tie, one of each) -> 2/3 vs 1/2
    # (1/6); 0.3 -> 2/3 vs 1 (1/3); 0.2 -> 1 vs 1 (0). KS = 1/3
    assert m.ks(SCORES, LABELS) == pytest.approx(1 / 3)
    assert m.ks([3, 2, 1], [1, 0, 0]) == 1.0


def test_metrics_need_both_classes():
    with pytest.raises(ValueError):
        m.auc([1, 2], [0, 0])
    with pytest.raises(ValueError):
        m.ks([1, 2], [1, 1])


def test_woe_and_iv_by_hand():
    goods, bads = [40, 30, 30], [5, 10, 15]
    # G = 100, B = 30. WOE = ln(bad share / good share):
    # ln((5/30)/0.4) = ln 0.416667 = -0.875469; ln((10/30)/0.3) = ln 1.111111 = 0.105361;
    # ln((15/30)/0.3) = ln 1.666667 = 0.510826
    w = m.woe(goods, bads)
    assert w == pytest.approx([-0.875469, 0.105361, 0.510826], abs=1e-6)
    # IV = (1/6-0.4)(-0.875469) + (1/3-0.3)(0.105361) + (0.5-0.3)(0.510826)
    #    = 0.204276 + 0.003512 + 0.102165 = 0.309953
    assert m.information_value(goods, bads) == pytest.approx(0.309953, abs=1e-6)


def test_woe_pseudo_row_pulls_an_empty_bin_to_zero():
    # p = 5/15; empty bin: ln((0 + 1/3)/(0 + 2/3)) - ln(5/10) = ln 0.5 - ln 0.5 = 0
    w = m.woe([10, 0], [5, 0], pseudo=1.0)
    assert w[1] == pytest.approx(0.0, abs=1e-12)
    # the full bin: ln((5 + 1/3)/(10 + 2/3)) - ln(0.5) = ln 0.5 - ln 0.5 = 0 as well
    assert w[0] == pytest.approx(0.0, abs=1e-12)


def test_psi_by_hand():
    # (0.1-0.25) ln(0.4) + (0.2-0.25) ln(0.8) + (0.3-0.25) ln(1.2) + (0.4-0.25) ln(1.6)
    # = 0.137444 + 0.011157 + 0.009116 + 0.070501 = 0.228218
    assert m.psi([25, 25, 25, 25], [10, 20, 30, 40]) == pytest.approx(0.228218, abs=1e-6)
    assert m.psi([1, 2, 3], [2, 4, 6]) == 0.0          # same shares, counts differ


def test_psi_empty_bin_uses_the_floor():
    # expected [0.5, 0.5], actual [1, 0] -> (1-0.5) ln 2 + (0.0001-0.5) ln(0.0001/0.5)
    want = 0.5 * math.log(2) + (1e-4 - 0.5) * math.log(1e-4 / 0.5)
    assert m.psi([1, 1], [2, 0]) == pytest.approx(want)


def test_psi_of_scores():
    base = list(range(100))
    assert m.psi_of_scores(base, base) == 0.0
    assert m.psi_of_scores(base, [s + 50 for s in base]) > 0.25     # a big shift is a big PSI


# --- properties -------------------------------------------------------------------------------------

from hypothesis import given, settings, strategies as st  # noqa: E402

samples = st.lists(st.tuples(st.integers(0, 6), st.integers(0, 1)), min_size=2, max_size=40).filter(
    lambda xs: 0 < sum(y for _, y in xs) < len(xs))


@settings(max_examples=200, deadline=None)
@given(samples)
def test_auc_equals_the_pair_count(xs):
    scores = [float(s) for s, _ in xs]
    labels = [y for _, y in xs]
    bads = [s for s, y in zip(scores, labels) if y]
    goods = [s for s, y in zip(scores, labels) if not y]
    pairs = sum(1.0 if b > g else 0.5 if b == g else 0.0 for b in bads for g in goods)
    assert m.auc(scores, labels) == pytest.approx(pairs / (len(bads) * len(goods)))
    assert m.auc([-s for s in scores], labels) == pytest.approx(1 - m.auc(scores, labels))
    assert 0 <= m.ks(scores, labels) <= 1
