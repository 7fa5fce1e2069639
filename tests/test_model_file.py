"""The model file: round trip, strict reading, and the L2 logistic fit."""

from __future__ import annotations

import json
import math

import pytest

from baitiao_cli.engine.train.binning import CATEGORICAL, NUMERIC, Bin
from baitiao_cli.engine.train.logistic import fit_logistic_l2
from baitiao_cli.engine.train.modelfile import Feature, ModelFormatError, PdModel


def small_model() -> PdModel:
    age = Feature("age", NUMERIC, 0.8, 0.2, (Bin(40, 4, 0.5, None, 30.0), Bin(50, 5, -0.25, 30.0, None),
                                             Bin(10, 3, 0.1, missing=True)))
    city = Feature("city", CATEGORICAL, 1.2, 0.1, (Bin(30, 2, -0.5, categories=("sh", "bj")),
                                                   Bin(70, 10, 0.25, categories=("cd",))))
    meta = {"target": "bad", "bad_value": "1", "trained_on": "2026-01-01",
            "scaling": {"base_score": "600", "base_odds": "50", "pdo": "20"}}
    return PdModel(-2.0, [age, city], meta=meta, excluded=[{"name": "noise", "type": "numeric", "iv": 0.001,
                                                            "reason": "IV below 0.02"}])


def test_round_trip_is_byte_identical_and_scores_the_same():
    m = small_model()
    text = m.to_json()
    back = PdModel.from_json(text)
    assert back.to_json() == text
    row = {"age": 22.0, "city": "cd"}
    assert back.log_odds(row) == m.log_odds(row)


def test_file_is_self_describing():
    doc = json.loads(small_model().to_json())
    assert doc["format"] == "baitiao-pd-model" and doc["format_version"] == 1
    assert doc["trained_on"] == "2026-01-01" and doc["target"] == "bad"
    age = doc["features"][0]
    assert age["bins"][0] == {"label": "< 30", "lower": None, "upper": 30.0, "rows": 40, "bads": 4,
                              "woe": 0.5, "points": round(-20 / math.log(2) * 0.8 * 0.5, 1)}
    assert age["bins"][2]["missing"] is True
    assert doc["features"][1]["bins"][0]["categories"] == ["sh", "bj"]
    # base points = offset - factor * intercept = 487.1229 + 28.8539 * 2 = 544.83 -> 544.8
    assert doc["scaling"]["base_points"] == 544.8


def broken(change) -> str:
    doc = json.loads(small_model().to_json())
    change(doc)
    return json.dumps(doc)


@pytest.mark.parametrize("change,message", [
    (lambda d: d.update(format="something"), "format: not a baitiao-pd-model file"),
    (lambda d: d.update(format_version=2), "format_version: 2 is not supported"),
    (lambda d: d.update(intercept="x"), "intercept: expected a finite number"),
    (lambda d: d.pop("features"), "features: expected a list"),
    (lambda d: d["features"][0].update(type="date"), r"features\[0\].type: expected numeric or categorical"),
    (lambda d: d["features"][0].update(coefficient=None), r"features\[0\].coefficient"),
    (lambda d: d["features"][0]["bins"][1].update(lower=31.0), r"features\[0\].bins: numeric bins must be ascending"),
    (lambda d: d["features"][0]["bins"][0].update(lower=1.0), r"features\[0\].bins: the first bin needs lower null"),
    (lambda d: d["features"][1]["bins"][1].update(categories=["cd", "sh"]), r"'sh' is in two bins"),
    (lambda d: d["features"][1]["bins"][0].update(woe="high"), r"features\[1\].bins\[0\].woe"),
    (lambda d: d["features"][1].update(name="age"), "feature 'age' appears twice"),
    (lambda d: d["features"][0].update(bins=[]), r"features\[0\].bins: expected a non-empty list"),
])
def test_broken_files_are_refused_naming_the_key(change, message):
    with pytest.raises(ModelFormatError, match=message):
        PdModel.from_json(broken(change))


def test_not_json_at_all():
    with pytest.raises(ModelFormatError, match="not valid JSON"):
        PdModel.from_json("{nope")
    with pytest.raises(ModelFormatError, match="format"):
        PdModel.from_json("[1, 2]")


# --- the logistic regression -----------------------------------------------------------------------

def test_unpenalised_fit_matches_the_closed_form():
    # one 0/1 feature: x=0 -> 10 rows, 2 bad (logit 0.2 = ln 0.25 = -1.386294);
    # x=1 -> 10 rows, 5 bad (logit 0.5 = 0): intercept -1.386294, coefficient +1.386294
    x = [0.0] * 10 + [1.0] * 10
    y = [1, 1] + [0] * 8 + [1] * 5 + [0] * 5
    fit = fit_logistic_l2([x], y, l2=0.0)
    assert fit.converged
    assert fit.intercept == pytest.approx(math.log(0.25), abs=1e-8)
    assert fit.coefficients[0] == pytest.approx(-math.log(0.25), abs=1e-8)


def test_l2_shrinks_and_satisfies_its_optimality_condition():
    x = [0.0] * 10 + [1.0] * 10
    y = [1, 1] + [0] * 8 + [1] * 5 + [0] * 5
    fit = fit_logistic_l2([x], y, l2=5.0)
    assert 0 < fit.coefficients[0] < -math.log(0.25)
    # at the optimum: sum (y - mu) = 0 (intercept, unpenalised) and sum x (y - mu) = l2 * b
    mu = [1 / (1 + math.exp(-(fit.intercept + fit.coefficients[0] * xi))) for xi in x]
    assert sum(yi - mi for yi, mi in zip(y, mu)) == pytest.approx(0.0, abs=1e-7)
    assert sum(xi * (yi - mi) for xi, yi, mi in zip(x, y, mu)) == pytest.approx(5.0 * fit.coefficients[0], abs=1e-7)


def test_separable_data_stays_finite_with_a_penalty():
    fit = fit_logistic_l2([[0.0, 0.0, 1.0, 1.0]], [0, 0, 1, 1], l2=1.0)
    assert fit.converged and math.isfinite(fit.coefficients[0]) and fit.coefficients[0] > 0
