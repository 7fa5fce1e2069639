"""Fine/coarse classing, WOE bins, and the value -> WOE lookup the scorer uses."""

from __future__ import annotations

import math

import pytest

from baitiao_cli.engine.train.binning import CATEGORICAL, NUMERIC, Bin, bin_feature
from baitiao_cli.engine.train.modelfile import Feature, PdModel, WoeLookup, bin_label


def test_few_distinct_values_get_one_bin_each():
    # 3 values x 10 rows; bads 1, 3, 6 per value
    values = [1.0] * 10 + [2.0] * 10 + [3.0] * 10
    labels = [1] + [0] * 9 + [1] * 3 + [0] * 7 + [1] * 6 + [0] * 4
    b = bin_feature("x", NUMERIC, values, labels, pseudo=0.0)
    assert [(x.lower, x.upper, x.rows, x.bads) for x in b.bins] == [
        (None, 2.0, 10, 1), (2.0, 3.0, 10, 3), (3.0, None, 10, 6)]
    # B = 10, G = 20: WOE = ln((1/10)/(9/20)) = ln 0.222222 = -1.504077, ln((3/10)/(7/20)) =
    # ln 0.857143 = -0.154151, ln((6/10)/(4/20)) = ln 3 = 1.098612
    assert [x.woe for x in b.bins] == pytest.approx([-1.504077, -0.154151, 1.098612], abs=1e-6)


def test_small_class_is_merged_into_its_closest_neighbour():
    # value 2 holds 1 row of 21 (< 5%): its neighbours are 1 (all good) and 3 (all bad); the
    # row is bad, so it joins 3 (chi-square 0 against 3)
    values = [1.0] * 10 + [2.0] + [3.0] * 10
    labels = [0] * 10 + [1] + [1] * 10
    b = bin_feature("x", NUMERIC, values, labels)
    assert [(x.lower, x.upper, x.rows, x.bads) for x in b.bins] == [(None, 2.0, 10, 0), (2.0, None, 11, 11)]


def test_missing_values_get_their_own_bin():
    values = [1.0, 2.0, None, 1.0, 2.0, None] * 5
    labels = [0, 1, 1, 0, 1, 0] * 5
    b = bin_feature("x", NUMERIC, values, labels)
    miss = [x for x in b.bins if x.missing]
    assert len(miss) == 1 and (miss[0].rows, miss[0].bads) == (10, 5)
    assert [(x.upper, x.rows, x.bads) for x in b.bins if not x.missing] == [(2.0, 10, 0), (None, 10, 10)]
    # B = G = 15, p = 1/2; missing: ln((5 + 1/2)/(5 + 1/2)) - ln(15/15) = 0
    assert miss[0].woe == pytest.approx(0.0)


def test_at_most_max_bins():
    values = [float(i) for i in range(400)]
    labels = [1 if (i * 7919) % 10 < 3 else 0 for i in range(400)]
    b = bin_feature("x", NUMERIC, values, labels, max_bins=4)
    assert len(b.bins) <= 4
    assert b.bins[0].lower is None and b.bins[-1].upper is None
    assert all(a.upper == c.lower for a, c in zip(b.bins, b.bins[1:]))
    assert sum(x.rows for x in b.bins) == 400


def test_equal_frequency_with_a_heavy_tied_value():
    # half the rows are 0; the rest distinct: 0 stays one class, never split by a cut
    values = [0.0] * 200 + [float(i) for i in range(1, 201)]
    labels = ([1, 0, 0, 0] * 50) + ([0, 1] * 100)
    b = bin_feature("x", NUMERIC, values, labels, max_bins=20, min_share=0.0)
    assert b.bins[0].upper is not None and b.bins[0].rows == 200


def test_categories_ordered_by_bad_rate_and_merged_when_rare():
    values = ["a"] * 20 + ["b"] * 20 + ["c"] * 20 + ["d"]
    labels = [1] * 2 + [0] * 18 + [1] * 15 + [0] * 5 + [1] * 8 + [0] * 12 + [1]
    b = bin_feature("cat", CATEGORICAL, values, labels, pseudo=0.0)
    # bad rates a 0.10, c 0.40, b 0.75, d 1.0 (1 row: merged into b, the closest)
    assert [x.categories for x in b.bins] == [("a",), ("c",), ("b", "d")]
    assert [x.woe for x in b.bins] == sorted(x.woe for x in b.bins)


def test_lookup_bounds_missing_and_unseen():
    f = Feature("x", NUMERIC, 1.0, 0.1, (Bin(10, 1, -1.0, None, 25.0), Bin(10, 5, 0.5, 25.0, 40.0),
                                          Bin(10, 8, 1.5, 40.0, None)))
    lk = WoeLookup(f, 0.0)
    assert [lk.woe(v) for v in (-5.0, 24.999, 25.0, 39.0, 40.0, 1e9)] == [-1.0, -1.0, 0.5, 0.5, 1.5, 1.5]
    assert lk.woe(None) == 0.0          # no missing bin in training: unseen -> WOE 0
    c = Feature("c", CATEGORICAL, 1.0, 0.1, (Bin(5, 1, -0.7, categories=("x", "y")), Bin(5, 4, 0.9, missing=True)))
    lc = WoeLookup(c, 0.0)
    assert (lc.woe("y"), lc.woe(None), lc.woe("never seen")) == (-0.7, 0.9, 0.0)


def test_bin_labels():
    assert bin_label(NUMERIC, Bin(1, 0, 0, None, 25.0)) == "< 25"
    assert bin_label(NUMERIC, Bin(1, 0, 0, 25.0, 33.5)) == "[25, 33.5)"
    assert bin_label(NUMERIC, Bin(1, 0, 0, 33.5, None)) == ">= 33.5"
    assert bin_label(CATEGORICAL, Bin(1, 0, 0, categories=("A11", "A12"))) == "A11, A12"
    assert bin_label(CATEGORICAL, Bin(1, 0, 0, missing=True)) == "missing"


def test_model_log_odds_and_points_lost_by_hand():
    age = Feature("age", NUMERIC, 0.8, 0.2, (Bin(1, 0, 0.5, None, 30.0), Bin(1, 0, -0.25, 30.0, None)))
    city = Feature("city", CATEGORICAL, 1.2, 0.1, (Bin(1, 0, -0.5, categories=("sh",)),
                                                   Bin(1, 0, 0.25, categories=("cd",))))
    model = PdModel(-2.0, [age, city])
    # z = -2 + 0.8*0.5 + 1.2*0.25 = -2 + 0.4 + 0.3 = -1.3; PD = 1/(1+e^1.3) = 0.214165
    row = {"age": 22.0, "city": "cd"}
    assert model.log_odds(row) == pytest.approx(-1.3)
    assert model.pd(row) == pytest.approx(1 / (1 + math.exp(1.3)))
    # lost vs best bin: age 0.8*(0.5-(-0.25)) = 0.6; city 1.2*(0.25-(-0.5)) = 0.9
    assert model.log_odds_lost(row) == pytest.approx({"age": 0.6, "city": 0.9})
    assert model.log_odds_lost({"age": 45.0, "city": "sh"}) == pytest.approx({"age": 0.0, "city": 0.0})
    cols = {"age": [22.0, 45.0], "city": ["cd", "sh"]}
    assert model.log_odds_columns(cols, 2) == pytest.approx([-1.3, -2.0 - 0.2 - 0.6])
