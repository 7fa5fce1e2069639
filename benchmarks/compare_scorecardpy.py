"""Compare ``baitiao train`` with scorecardpy's standard pipeline and a plain one-hot L2 logistic
regression (scikit-learn) on the German credit data, on the same splits.

    python -m venv --system-site-packages /work/bench-venv
    /work/bench-venv/bin/pip install scorecardpy scikit-learn 'pandas<3'   # not project dependencies
    /work/bench-venv/bin/python benchmarks/compare_scorecardpy.py [--seed 42] [--repeats 20]

(scorecardpy 0.1.9.7 fails on pandas 3.) The German credit data (1000 applicants, 20 mixed
columns, 30% bad) ships inside the PyPI package ``scorecardpy`` (``sc.germancredit()``); it is
written to a temporary folder for the run and never stored in this repository. Per seed, one
stratified 70/30 split (``baitiao_cli.engine.train.fit.stratified_split``); every model is
fitted on the same 70% only and measured on the same held-out 30% with the same AUC/KS code
(scikit-learn's ``roc_auc_score``/``roc_curve``, so this also cross-checks baitiao's metrics):

- baitiao: ``baitiao train --features train70.csv --target creditability --seed S`` with its
  defaults (5-fold CV report, model fitted on all of the 70%), then ``baitiao score --model ...
  --features test30.csv``; ``--baitiao-option`` adds options (e.g. ``--monotone=COL=none``);
- scorecardpy, as in its README: ``var_filter`` -> ``woebin`` -> ``woebin_ply`` ->
  ``LogisticRegression(penalty="l1", C=0.9, solver="saga")``, all fitted on the 70% (the README
  bins the whole table; that would leak the test rows into the bins);
- one-hot LR: categories one-hot encoded, numbers standardised, ``LogisticRegression(C=1)``
  (L2), fitted on the 70%.

Nothing is tuned on the held-out rows: every side runs with its defaults. The measured figures
are in docs/scoring.md. Exits 0 with a note when scorecardpy or scikit-learn is not installed.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import statistics
import subprocess
import sys
import tempfile
import warnings
from pathlib import Path

BAITIAO = [sys.executable, "-c", "from baitiao_cli.cli.app import main; main()"]


def _auc_ks(y, p):
    from sklearn.metrics import roc_auc_score, roc_curve

    fpr, tpr, _ = roc_curve(y, p)
    return roc_auc_score(y, p), max(tpr - fpr)


def run_baitiao(df, train_idx, test_idx, seed: int, tmp: Path, extra=()):
    """``baitiao train`` with its defaults on the training rows only, then ``score`` on the test rows."""
    train = tmp / "train.csv"
    df.iloc[train_idx].to_csv(train, index=False)
    model = tmp / f"model_{seed}.json"
    r = subprocess.run(BAITIAO + ["train", "--features", str(train), "--target", "creditability",
                                  "--out", str(model), "--seed", str(seed), "--as-of", "2026-01-01",
                                  "--format", "json", *extra], capture_output=True, text=True)
    if r.returncode:
        raise SystemExit(f"baitiao train failed:\n{r.stderr}")
    report = json.loads(r.stdout)
    test = tmp / "test.csv"
    df.iloc[test_idx].to_csv(test, index=False)
    r = subprocess.run(BAITIAO + ["score", "--model", str(model), "--features", str(test), "--format", "json"],
                       capture_output=True, text=True)
    if r.returncode:
        raise SystemExit(f"baitiao score failed:\n{r.stderr}")
    pds = [float(row["pd"]) for row in json.loads(r.stdout)["rows"]]
    y = (df.iloc[test_idx]["creditability"] == "bad").astype(int).tolist()
    auc, ks = _auc_ks(y, pds)
    return auc, ks, report["metrics"]["cv"]


def run_onehot_lr(df, train_idx, test_idx):
    """The plain baseline: one-hot categories, standardised numbers, L2 logistic regression (C = 1)."""
    from sklearn.compose import ColumnTransformer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import OneHotEncoder, StandardScaler

    X = df.drop(columns=["creditability"])
    y = (df["creditability"] == "bad").astype(int)
    cats = [c for c in X.columns if X[c].dtype == object or str(X[c].dtype) == "category"]
    nums = [c for c in X.columns if c not in cats]
    pipe = make_pipeline(ColumnTransformer([("cat", OneHotEncoder(handle_unknown="ignore"), cats),
                                            ("num", StandardScaler(), nums)]),
                         LogisticRegression(C=1.0, max_iter=5000))
    pipe.fit(X.iloc[train_idx], y.iloc[train_idx])
    p = pipe.predict_proba(X.iloc[test_idx])[:, 1]
    return _auc_ks(y.iloc[test_idx].tolist(), p)


def run_scorecardpy(df, train_idx, test_idx):
    import scorecardpy as sc
    import sklearn
    from sklearn.linear_model import LogisticRegression

    dat = df.copy()
    dat["creditability"] = (dat["creditability"] == "bad").astype(int)
    train, test = dat.iloc[train_idx], dat.iloc[test_idx]
    with warnings.catch_warnings(), contextlib.redirect_stdout(io.StringIO()):
        warnings.simplefilter("ignore")
        train_f = sc.var_filter(train, y="creditability")
        bins = sc.woebin(train_f, y="creditability")
        train_woe = sc.woebin_ply(train_f, bins)
        test_woe = sc.woebin_ply(test[train_f.columns], bins)
    y_train = train_woe.loc[:, "creditability"]
    X_train = train_woe.loc[:, train_woe.columns != "creditability"]
    X_test = test_woe.loc[:, X_train.columns]
    # the README's L1 model; scikit-learn 1.8 renamed penalty="l1" to l1_ratio=1
    major, minor = (int(v) for v in sklearn.__version__.split(".")[:2])
    l1 = {"l1_ratio": 1.0} if (major, minor) >= (1, 8) else {"penalty": "l1"}
    lr = LogisticRegression(C=0.9, solver="saga", max_iter=10000, **l1)
    lr.fit(X_train, y_train)
    p = lr.predict_proba(X_test)[:, 1]
    return _auc_ks(test_woe["creditability"].tolist(), p)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seed", type=int, default=42)
    ap.add_argument("--repeats", type=int, default=1)
    ap.add_argument("--baitiao-option", action="append", default=[],
                    help="an extra option for baitiao train (repeatable, e.g. --baitiao-option=--monotone=...)")
    args = ap.parse_args()
    try:
        import pandas
        import scorecardpy as sc  # noqa: F401
        import sklearn  # noqa: F401
    except ImportError as e:
        print(f"skipped: {e.name} is not installed (pip install scorecardpy scikit-learn to run this "
              "comparison; neither is a project dependency)")
        return 0
    if int(pandas.__version__.split(".")[0]) >= 3:
        print(f"skipped: scorecardpy {sc.__version__ if hasattr(sc, '__version__') else ''} does not run on "
              f"pandas {pandas.__version__} (it calls to_numeric(errors='ignore')); use an environment "
              "with pandas<3, e.g. python -m venv --system-site-packages v && v/bin/pip install 'pandas<3'")
        return 0
    from baitiao_cli.engine.train.fit import stratified_split

    df = sc.germancredit()
    labels = (df["creditability"] == "bad").astype(int).tolist()
    print(f"German credit: {len(df)} rows, {df.shape[1] - 1} features, {sum(labels)} bad; 70/30 stratified split; "
          "held-out AUC / KS of models fitted on the 70%")
    print(f"{'seed':>4}  {'baitiao AUC':>11} {'KS':>6}  {'scorecardpy AUC':>15} {'KS':>6}  {'one-hot LR AUC':>14} "
          f"{'KS':>6}   baitiao's own 5-fold CV on the 70%")
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for seed in range(args.seed, args.seed + args.repeats):
            train_idx, test_idx = stratified_split(labels, 0.3, seed)
            b_auc, b_ks, cv = run_baitiao(df, train_idx, test_idx, seed, Path(tmp), args.baitiao_option)
            s_auc, s_ks = run_scorecardpy(df, train_idx, test_idx)
            l_auc, l_ks = run_onehot_lr(df, train_idx, test_idx)
            rows.append((b_auc, b_ks, s_auc, s_ks, l_auc, l_ks))
            print(f"{seed:>4}  {b_auc:>11.4f} {b_ks:>6.4f}  {s_auc:>15.4f} {s_ks:>6.4f}  {l_auc:>14.4f} {l_ks:>6.4f}   "
                  f"AUC {cv['auc']['mean']} ± {cv['auc']['sd']}, KS {cv['ks']['mean']} ± {cv['ks']['sd']}", flush=True)
    if len(rows) > 1:
        means = [statistics.mean(c) for c in zip(*rows)]
        sds = [statistics.stdev(c) for c in zip(*rows)]
        print(f"{'mean':>4}  {means[0]:>11.4f} {means[1]:>6.4f}  {means[2]:>15.4f} {means[3]:>6.4f}  "
              f"{means[4]:>14.4f} {means[5]:>6.4f}")
        print(f"{'sd':>4}  {sds[0]:>11.4f} {sds[1]:>6.4f}  {sds[2]:>15.4f} {sds[3]:>6.4f}  {sds[4]:>14.4f} {sds[5]:>6.4f}")
        wins = [sum(r[0] >= r[k] for r in rows) for k in (2, 4)]
        print(f"baitiao AUC >= scorecardpy on {wins[0]} of {len(rows)} splits, >= one-hot LR on {wins[1]}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
