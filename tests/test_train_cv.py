"""Issue 17 on the training side: k-fold cross-validation, the model fitted on every row,
``--test-share 0``, monotone binning (``--monotone``), calibration (Brier, Hosmer-Lemeshow),
the training distribution kept for PSI, and every bad value of the new options."""

from __future__ import annotations

import json
import math
import random
from pathlib import Path

import pytest
from typer.testing import CliRunner

from baitiao_cli.cli.app import app
from baitiao_cli.engine.train import metrics
from baitiao_cli.engine.train.binning import bin_feature
from baitiao_cli.engine.train.fit import FeatureInput, TrainSettings, stratified_folds, train

runner = CliRunner()


def run(*args: str):
    r = runner.invoke(app, list(args))
    assert "Traceback" not in r.stdout + r.stderr
    return r


def write_csv(path: Path, header: list[str], rows: list[list]) -> Path:
    path.write_text("\n".join([",".join(header)] + [",".join(str(v) for v in r) for r in rows]) + "\n",
                    encoding="utf-8")
    return path


def rising_table(n: int = 1500, seed: int = 5) -> tuple[list[float], list[int]]:
    """x uniform on [0, 1); P(bad) = 0.05 + 0.5 x: the bad rate rises with x, in truth."""
    rng = random.Random(seed)
    xs = [round(rng.random(), 4) for _ in range(n)]
    return xs, [1 if rng.random() < 0.05 + 0.5 * x else 0 for x in xs]


def train_args(table: Path, out: Path, *extra: str) -> list[str]:
    return ["train", "--features", str(table), "--target", "bad", "--out", str(out), "--as-of", "2026-03-01",
            *extra]


# --- folds -------------------------------------------------------------------------------------

def test_stratified_folds_by_hand():
    # 10 bad and 20 good in 5 folds: dealt round-robin, each fold 2 bad + 4 good; every row once
    labels = [1] * 10 + [0] * 20
    folds = stratified_folds(labels, 5, 42)
    assert [len(f) for f in folds] == [6] * 5
    assert [sum(labels[i] for i in f) for f in folds] == [2] * 5
    assert sorted(i for f in folds for i in f) == list(range(30))
    assert stratified_folds(labels, 5, 42) == folds and stratified_folds(labels, 5, 7) != folds


def test_cv_on_a_perfect_separation_and_on_pure_noise():
    # x in 0..9, x < 5 always bad, x >= 5 always good: the bins cut at values seen in training, so
    # every fold ranks perfectly -> AUC 1, KS 1, Gini 1, sd 0
    rng = random.Random(2)
    xs = [float(rng.randrange(10)) for _ in range(400)]
    ys = [1 if x < 5 else 0 for x in xs]
    res = train([FeatureInput("x", "numeric", xs)], ys, TrainSettings(test_share=0), target="bad", bad_value="1",
                trained_on="2026-03-01")
    cv = res.metrics["cv"]
    assert cv["folds"] == 5 and len(cv["per_fold"]) == 5
    assert cv["auc"] == {"mean": 1.0, "sd": 0.0} and cv["ks"] == {"mean": 1.0, "sd": 0.0}
    assert cv["gini"] == {"mean": 1.0, "sd": 0.0}
    assert sum(f["rows"] for f in cv["per_fold"]) == 400 and res.metrics["test"] is None
    assert res.rows == {"total": 400, "train": 400, "test": 0, "bads": sum(ys)}
    # pure noise: nothing is kept in any fold, every row gets the same PD -> AUC 0.5 (ties count half), KS 0
    ys = [1 if rng.random() < 0.3 else 0 for _ in range(400)]
    noise = [rng.random() for _ in range(400)]
    res = train([FeatureInput("x", "numeric", noise)], ys, TrainSettings(test_share=0), target="bad",
                bad_value="1", trained_on="2026-03-01")
    assert res.metrics["cv"]["auc"] == {"mean": 0.5, "sd": 0.0} and res.metrics["cv"]["ks"]["mean"] == 0.0


def test_cv_uses_fewer_folds_when_a_class_is_small():
    # 3 bad rows: at most 3 folds (each fold needs a bad row to measure AUC)
    labels = [1, 1, 1] + [0] * 30
    xs = [float(i) for i in range(33)]
    res = train([FeatureInput("x", "numeric", xs)], labels, TrainSettings(test_share=0), target="bad",
                bad_value="1", trained_on="2026-03-01")
    assert res.metrics["cv"]["folds"] == 3 and res.metrics["cv"]["asked"] == 5


def test_the_written_model_is_fitted_on_every_row():
    xs, ys = rising_table()
    res = train([FeatureInput("x", "numeric", xs)], ys, TrainSettings(test_share=0.3), target="bad",
                bad_value="1", trained_on="2026-03-01")
    f = res.model.features[0]
    assert sum(b.rows for b in f.bins) == 1500 and sum(b.bads for b in f.bins) == sum(ys)
    assert res.rows["train"] == 1500 and res.rows["test"] == 450      # 30% of 1500 held out for the report
    dist = res.model.meta["training_distribution"]
    assert dist["rows"] == 1500 and [b["rows"] for b in dist["features"][0]["bins"]] == [b.rows for b in f.bins]


# --- monotone binning ----------------------------------------------------------------------------

def test_monotone_truth_gives_monotone_bins():
    xs, ys = rising_table()
    b = bin_feature("x", "numeric", xs, ys, trend="auto")           # the training default
    woes = [x.woe for x in b.bins]
    assert b.trend == "up" and len(woes) >= 3
    assert all(a <= c for a, c in zip(woes, woes[1:]))
    rates = [x.bads / x.rows for x in b.bins]
    assert all(a <= c for a, c in zip(rates, rates[1:]))
    # falling truth: the mirror image
    down = bin_feature("x", "numeric", [1 - x for x in xs], ys, trend="auto")
    assert down.trend == "down" and all(a >= c for a, c in zip([x.woe for x in down.bins],
                                                                [x.woe for x in down.bins][1:]))
    # forced against the data: everything pools into one bin (then the feature is dropped)
    assert len(bin_feature("x", "numeric", xs, ys, trend="down").bins) == 1


def test_pool_adjacent_violators_by_hand():
    # classes (goods, bads): (9,1) (8,2) (9,1) (5,5), no smoothing: rates .1 .2 .1 .5 -> rising
    # pools the 2nd and 3rd: (17,3) = .15, giving .1 .15 .5
    from baitiao_cli.engine.train.binning import _Class, pool_violators
    cls = [_Class(9, 1, 0, [0]), _Class(8, 2, 1, [1]), _Class(9, 1, 2, [2]), _Class(5, 5, 3, [3])]
    out = pool_violators(cls, True, 0.0, 0.0)
    assert [(c.goods, c.bads, c.lo) for c in out] == [(9, 1, 0), (17, 3, 1), (5, 5, 3)]
    # falling: .1 .2 pool (17,3) .15; then .15 .1 fine; .1 .5 pools -> (14,6) .3 > .15 -> pools all: (31,9)
    out = pool_violators(cls, False, 0.0, 0.0)
    assert [(c.goods, c.bads) for c in out] == [(31, 9)]


def test_u_shape_kept_with_none():
    rng = random.Random(9)
    xs = [rng.random() for _ in range(3000)]
    ys = [1 if rng.random() < 0.05 + 0.6 * (x - 0.5) ** 2 * 4 else 0 for x in xs]
    free = bin_feature("x", "numeric", xs, ys, trend="none")
    mono = bin_feature("x", "numeric", xs, ys, trend="auto")
    assert free.trend == "none" and mono.trend in ("up", "down")
    assert free.iv > mono.iv                  # a U-shape loses information when forced monotone


# --- calibration ----------------------------------------------------------------------------------

def test_calibration_by_hand():
    # PDs .1 .1 .9 .9, labels 0 1 1 1, two groups:
    #   low:  2 rows, expected .2, observed 1 -> (1 - .2)^2 / (.2 x (1 - .1)) = .64 / .18 = 3.5556
    #   high: 2 rows, expected 1.8, observed 2 -> (2 - 1.8)^2 / (1.8 x (1 - .9)) = .04 / .18 = 0.2222
    # HL = 3.7778 with max(2 - 2, 1) = 1 df; Brier = (.01 + .81 + .01 + .01) / 4 = .21
    c = metrics.calibration([0.1, 0.9, 0.1, 0.9], [0, 1, 1, 1], groups=2)
    assert c["brier"] == pytest.approx(0.21)
    assert c["hosmer_lemeshow"]["statistic"] == pytest.approx(34 / 9)
    assert c["hosmer_lemeshow"]["df"] == 1
    assert c["hosmer_lemeshow"]["p_value"] == pytest.approx(math.erfc(math.sqrt(34 / 9 / 2)), abs=1e-9)
    assert [(g["rows"], g["bads"]) for g in c["groups"]] == [(2, 1), (2, 2)]
    assert [g["predicted_pd"] for g in c["groups"]] == pytest.approx([0.1, 0.9])
    assert [g["observed_rate"] for g in c["groups"]] == [0.5, 1.0]


# --- the command line -----------------------------------------------------------------------------

@pytest.fixture(scope="module")
def rising_csv(tmp_path_factory) -> Path:
    xs, ys = rising_table()
    rng = random.Random(1)
    rows = [[f"R{i}", x, rng.choice("abc"), y] for i, (x, y) in enumerate(zip(xs, ys))]
    return write_csv(tmp_path_factory.mktemp("cv") / "t.csv", ["id", "x", "city", "bad"], rows)


def test_train_reports_cv_calibration_and_trend(rising_csv, tmp_path):
    out = tmp_path / "m.json"
    r = run(*train_args(rising_csv, out, "--format", "json"))
    assert r.exit_code == 0, r.stderr
    rep = json.loads(r.stdout)
    cv = rep["metrics"]["cv"]
    assert cv["folds"] == 5 and set(cv["auc"]) == {"mean", "sd"} and len(cv["per_fold"]) == 5
    assert 0.6 < float(cv["auc"]["mean"]) < 0.9
    assert rep["metrics"]["test"] is not None and rep["rows"] == {"total": 1500, "train": 1500, "test": 450,
                                                                   "bads": rep["rows"]["bads"]}
    cal = rep["calibration"]
    assert len(cal["groups"]) == 10 and sum(g["rows"] for g in cal["groups"]) == 1500
    assert set(cal["hosmer_lemeshow"]) == {"statistic", "df", "p_value"} and cal["hosmer_lemeshow"]["df"] == 8
    x = next(f for f in rep["features"] if f["name"] == "x")
    assert x["trend"] == "up"
    doc = json.loads(out.read_text())
    assert doc["trends"]["x"] == "up" and doc["settings"]["folds"] == 5 and doc["training_distribution"]["rows"] == 1500
    # the table: cross-validation, hold-out and all-rows lines, the calibration table, the trend column
    r = run(*train_args(rising_csv, out))
    assert "5-fold cross-validated AUC" in r.stdout and "±" in r.stdout and "Hosmer-Lemeshow" in r.stdout
    assert "PD decile" in r.stdout and "rises" in r.stdout


def test_test_share_zero_and_folds_option(rising_csv, tmp_path):
    out = tmp_path / "m.json"
    r = run(*train_args(rising_csv, out, "--test-share", "0", "--folds", "3", "--format", "json"))
    assert r.exit_code == 0, r.stderr
    rep = json.loads(r.stdout)
    assert rep["metrics"]["test"] is None and rep["rows"]["test"] == 0 and rep["metrics"]["cv"]["folds"] == 3
    r = run(*train_args(rising_csv, out, "--test-share", "0"))
    assert r.exit_code == 0 and "held-out" not in r.stdout and "3-fold" not in r.stdout


def test_monotone_option_forces_a_direction(rising_csv, tmp_path):
    out = tmp_path / "m.json"
    r = run(*train_args(rising_csv, out, "--monotone", "X=down", "--format", "json"))
    assert r.exit_code == 0, r.stderr
    x = next(f for f in json.loads(r.stdout)["features"] if f["name"] == "x")
    assert x["bins"] == 1 and x["status"] == "dropped: a single bin"     # against the data: pooled to one bin
    r = run(*train_args(rising_csv, out, "--monotone", "x=none", "--format", "json"))
    x = next(f for f in json.loads(r.stdout)["features"] if f["name"] == "x")
    assert r.exit_code == 0 and x["trend"] == "none"


@pytest.mark.parametrize("extra, code, message", [
    (("--folds", "1"), 2, "--folds: must be at least 2"),
    (("--folds", "0"), 2, "--folds: must be at least 2"),
    (("--folds", "abc"), 2, "--folds"),
    (("--test-share", "1"), 2, "--test-share"),
    (("--test-share", "-0.1"), 2, "--test-share"),
    (("--monotone", "x=sideways"), 2, "--monotone: expected FEATURE=up or FEATURE=down"),
    (("--monotone", "x"), 2, "--monotone: expected FEATURE=up"),
    (("--monotone", "=up"), 2, "--monotone"),
    (("--monotone", "x=up", "--monotone", "x=down"), 2, "given twice"),
    (("--monotone", "nosuch=up"), 1, "nosuch"),
    (("--monotone", "city=up"), 1, "categorical"),
    (("--monotone", "bad=up"), 1, "not a feature"),
    (("--thin-file", "nosuch"), 1, "nosuch"),
    (("--thin-file", "id"), 1, "--thin-file: this column is not a feature"),
])
def test_bad_new_options(rising_csv, tmp_path, extra, code, message):
    r = run(*train_args(rising_csv, tmp_path / "m.json", *extra))
    assert r.exit_code == code, (r.stdout, r.stderr)
    assert message in r.stderr
    assert not (tmp_path / "m.json").exists()


def test_history_monotone_unknown_feature_is_a_usage_error(tmp_path):
    r = run("train", "--from-history", "--observation-date", "2026-01-01", "--data-dir", str(tmp_path),
            "--monotone", "shoe_size=up")
    assert r.exit_code == 2 and "--monotone: shoe_size is not a customer feature" in r.stderr
    r = run("train", "--from-history", "--observation-date", "2026-01-01", "--data-dir", str(tmp_path),
            "--thin-file", "shoe_size")
    assert r.exit_code == 2 and "--thin-file: shoe_size is not a customer feature" in r.stderr


def test_thin_file_rule_by_hand():
    # x missing on 40 rows with a low bad rate: its own WOE is the lowest; with the thin-file rule it
    # takes the WOE of the riskiest valued bin instead
    rng = random.Random(4)
    xs: list = [float(i % 10) for i in range(400)] + [None] * 100
    ys = [1 if rng.random() < 0.1 + 0.05 * (i % 10) else 0 for i in range(400)] + [0] * 95 + [1] * 5
    plain = train([FeatureInput("x", "numeric", xs)], ys, TrainSettings(test_share=0, folds=2), target="bad",
                  bad_value="1", trained_on="2026-03-01")
    thin = train([FeatureInput("x", "numeric", xs)], ys, TrainSettings(test_share=0, folds=2, thin_missing=("x",)),
                 target="bad", bad_value="1", trained_on="2026-03-01")
    miss = next(b for b in plain.model.features[0].bins if b.missing)
    valued = [b.woe for b in plain.model.features[0].bins if not b.missing]
    assert miss.woe < min(valued)
    thin_bins = thin.model.features[0].bins
    assert next(b for b in thin_bins if b.missing).woe == max(b.woe for b in thin_bins if not b.missing)


def test_help_shows_plain_metavars():
    r = run("train", "--help")
    assert r.exit_code == 0
    assert "list[str]" not in r.stdout and "COLUMN" in r.stdout and "--folds" in r.stdout
