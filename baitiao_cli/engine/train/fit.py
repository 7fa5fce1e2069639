"""Fit a PD model on a labelled table: measure, bin, select, regress. Deterministic.

1. **Measurement** by stratified k-fold cross-validation (``folds``, 5): the bad rows and the
   good rows are each shuffled with ``random.Random(seed)`` and dealt round-robin into the
   folds; for each fold the whole pipeline below (binning included, so nothing leaks) is fitted
   on the other folds and AUC, KS and Gini are measured on it; the report gives their mean and
   sample standard deviation, and the out-of-fold PDs feed the calibration table, the Brier
   score and the Hosmer-Lemeshow test (``metrics.calibration``). With ``test_share`` > 0 a
   single stratified hold-out is reported too (the pipeline fitted on the rest): the same
   seeded shuffle, ``round(test_share * count)`` of each class (at least one, at most all but
   one) held out.
2. **The written model** is fitted on every labelled row; its metrics on those rows are the
   ``train`` metrics (in-sample: optimistic, shown for comparison with the folds).
3. **Binning** of every feature (``binning``): WOE and information value; numeric features
   monotone by default (``monotone``: per feature up/down/auto/none, else ``trend``).
4. **Selection**: a feature is dropped when it has a single bin, when its IV is below ``min_iv``
   (0.02, "not predictive" in the usual scorecard rule of thumb), or when its bins are not
   significantly associated with the label (Pearson chi-square test of the bins x good/bad
   table, p >= ``max_p`` = 0.05). The test matters on small tables: there, a pure-noise column
   cut into 8 bins easily shows an IV above 0.02 by chance (about 7 x (1/B + 1/G)).
5. **Regression** (``logistic``): L2 logistic regression of the label on the WOE columns.
   With WOE measured bad-over-good every coefficient should be positive; a negative one
   means the feature only corrects for others it overlaps with, which makes the scorecard
   unreadable (a riskier bin would earn points), so the most negative is dropped and the
   model refitted until all are positive.
6. **Rounding**: WOE, coefficients and the intercept are rounded to 6 decimals; the reported
   metrics are computed with the rounded model exactly as ``score`` will apply it.
7. **Training distribution**: every feature's bins (the written model's binning) with their
   row counts are kept for ``score --psi-against MODEL``.
"""

from __future__ import annotations

import math
import random
import statistics
from dataclasses import asdict, dataclass, replace
from typing import Any, Optional, Sequence

from ..scoring import Scaling
from . import metrics
from .binning import AUTO, NONE, NUMERIC, Binning, bin_feature
from .logistic import fit_logistic_l2
from .modelfile import Feature, PdModel, WoeLookup, bin_bounds, sigmoid

ROUND = 6


@dataclass(frozen=True, slots=True)
class TrainSettings:
    test_share: float = 0.3
    seed: int = 42
    l2: float = 1.0
    max_bins: int = 8
    min_bin_share: float = 0.05
    min_iv: float = 0.02
    fine_classes: int = 20
    chi_threshold: float = 0.0      # ChiMerge significance stop; 0 = merge to max_bins only
    woe_pseudo: float = 1.0
    max_p: float = 0.05             # a feature's bins must be associated with the label at this level
    folds: int = 5                  # stratified k-fold cross-validation (at least 2)
    trend: str = AUTO               # numeric features' monotone trend unless ``monotone`` names them
    monotone: tuple = ()            # ((feature, "up"|"down"|"auto"|"none"), ...)
    thin_missing: tuple = ()        # features whose missing bin never scores better than their worst bin


@dataclass(frozen=True, slots=True)
class FeatureInput:
    name: str
    kind: str                       # numeric | categorical
    values: Sequence[Any]           # float/None or str/None, one per row


@dataclass(frozen=True, slots=True)
class FeatureResult:
    name: str
    kind: str
    iv: float
    bins: int
    coefficient: Optional[float]    # None when dropped
    status: str                     # "used" or the reason it was dropped
    trend: str = NONE               # numeric: up/down (the bad rate's direction), none when unconstrained


@dataclass(frozen=True, slots=True)
class TrainResult:
    model: PdModel
    features: tuple[FeatureResult, ...]
    metrics: dict                   # {"train": {"auc","ks","gini"}, "test": {...} | None, "cv": {...} | None}
    rows: dict                      # {"total","train","test","bads"}: train = rows of the written model
    calibration: Optional[dict] = None   # metrics.calibration of the out-of-fold PDs (None without CV)


def stratified_split(labels: Sequence[int], test_share: float, seed: int) -> tuple[list[int], list[int]]:
    """Row indices (train, test), each ascending; the same labels and seed give the same split."""
    rng = random.Random(seed)
    test: list[int] = []
    for cls in (1, 0):
        idx = [i for i, y in enumerate(labels) if y == cls]
        rng.shuffle(idx)
        k = min(max(round(test_share * len(idx)), 1), len(idx) - 1) if len(idx) > 1 else 0
        test.extend(idx[:k])
    held = set(test)
    return [i for i in range(len(labels)) if i not in held], sorted(test)


def _scores(model: PdModel, features: Sequence[FeatureInput], rows: Sequence[int]) -> list[float]:
    cols = {f.name: [f.values[i] for i in rows] for f in features if f.name in model.kinds}
    return model.log_odds_columns(cols, len(rows))


def _evaluate(scores: Sequence[float], labels: Sequence[int]) -> dict:
    a = round(metrics.auc(scores, labels), ROUND)
    return {"auc": a, "ks": round(metrics.ks(scores, labels), ROUND), "gini": round(metrics.gini(a), ROUND)}


def stratified_folds(labels: Sequence[int], folds: int, seed: int) -> list[list[int]]:
    """Row indices of ``folds`` folds, each ascending: bad and good rows each shuffled with
    ``random.Random(seed)`` and dealt round-robin, so every fold has its share of both."""
    rng = random.Random(seed)
    out: list[list[int]] = [[] for _ in range(folds)]
    k = 0
    for cls in (1, 0):
        idx = [i for i, y in enumerate(labels) if y == cls]
        rng.shuffle(idx)
        for i in idx:
            out[k % folds].append(i)
            k += 1
    return [sorted(f) for f in out]


def train(features: Sequence[FeatureInput], labels: Sequence[int], settings: TrainSettings = TrainSettings(), *,
          target: str, bad_value: str, trained_on: str, source: str = "", id_column: Optional[str] = None,
          scaling: Scaling = Scaling()) -> TrainResult:
    """Fit the model on every row, measured by cross-validation (and a hold-out when
    ``settings.test_share`` > 0). ``labels`` are 1 = bad. Needs at least two bad and two good rows."""
    n = len(labels)
    bads = sum(labels)
    if bads < 2 or n - bads < 2:
        raise ValueError("need at least two bad and two good rows")
    if any(len(f.values) != n for f in features):
        raise ValueError("every feature needs one value per row")
    everyone = list(range(n))
    intercept, model_features, results, binnings = _fit_rows(features, labels, everyone, settings)
    probe = PdModel(intercept, model_features)
    result_metrics: dict[str, Any] = {"train": _evaluate(_scores(probe, features, everyone), labels),
                                      "test": None, "cv": None}
    test_rows = 0
    if settings.test_share > 0:
        train_idx, test_idx = stratified_split(labels, settings.test_share, settings.seed)
        held = PdModel(*_fit_rows(features, labels, train_idx, settings)[:2])
        result_metrics["test"] = _evaluate(_scores(held, features, test_idx), [labels[i] for i in test_idx])
        test_rows = len(test_idx)
    result_metrics["cv"], calibration = cross_validate(features, labels, settings)
    rows = {"total": n, "train": n, "test": test_rows, "bads": bads}
    ordered = tuple(results[f.name] for f in features)
    excluded = [{"name": r.name, "type": r.kind, "iv": r.iv, "reason": r.status.removeprefix("dropped: ")}
                for r in ordered if r.coefficient is None]
    meta = {
        "model": "logistic regression (L2) on weight-of-evidence binned features",
        "predicts": f"P({target} = {bad_value}): ln(PD/(1-PD)) = intercept + sum coefficient * woe",
        "target": target,
        "bad_value": bad_value,
        "id_column": id_column,
        "trained_on": trained_on,
        "source": source,
        "rows": rows,
        "settings": {**asdict(settings), "monotone": {k: v for k, v in settings.monotone}},
        "metrics": result_metrics,
        "calibration": calibration,
        "scaling": {"base_score": str(scaling.base_score), "base_odds": str(scaling.base_odds),
                    "pdo": str(scaling.pdo)},
        "trends": {f.name: results[f.name].trend for f in features if f.kind == NUMERIC},
        "training_distribution": training_distribution(features, binnings, n),
    }
    model = PdModel(intercept, model_features, meta=meta, excluded=excluded)
    return TrainResult(model, ordered, result_metrics, rows, calibration)


def _fit_rows(features: Sequence[FeatureInput], labels: Sequence[int], rows: list[int], settings: TrainSettings
              ) -> tuple[float, list[Feature], dict[str, FeatureResult], dict[str, Binning]]:
    """The whole pipeline (binning, selection, regression) fitted on ``rows`` only."""
    y = [labels[i] for i in rows]
    results: dict[str, FeatureResult] = {}
    binnings, candidates = _screen(features, rows, y, settings, results)
    intercept, model_features = _fit(candidates, binnings, rows, y, settings.l2, results)
    results = {k: replace(r, trend=binnings[k].trend) for k, r in results.items()}
    return intercept, model_features, results, binnings


def cross_validate(features: Sequence[FeatureInput], labels: Sequence[int], settings: TrainSettings
                   ) -> tuple[Optional[dict], Optional[dict]]:
    """(the ``cv`` metrics: per fold and mean/sd of AUC, KS, Gini; the calibration of the
    out-of-fold PDs). The folds are fewer than asked when a class has fewer rows (at least 2);
    (None, None) when a class has a single row."""
    bads = sum(labels)
    k = min(settings.folds, bads, len(labels) - bads)
    if k < 2:
        return None, None
    oof = [0.0] * len(labels)
    per_fold = []
    for fold in stratified_folds(labels, k, settings.seed):
        held = set(fold)
        rest = [i for i in range(len(labels)) if i not in held]
        model = PdModel(*_fit_rows(features, labels, rest, settings)[:2])
        z = _scores(model, features, fold)
        y = [labels[i] for i in fold]
        for i, zi in zip(fold, z):
            oof[i] = zi
        per_fold.append({**_evaluate(z, y), "rows": len(fold), "bads": sum(y)})
    summary = {m: {"mean": round(statistics.mean(f[m] for f in per_fold), ROUND),
                   "sd": round(statistics.stdev(f[m] for f in per_fold), ROUND)} for m in ("auc", "ks", "gini")}
    cv = {"folds": k, "asked": settings.folds, "seed": settings.seed, **summary, "per_fold": per_fold}
    return cv, metrics.calibration([sigmoid(z) for z in oof], labels)


def training_distribution(features: Sequence[FeatureInput], binnings: dict[str, Binning], n: int) -> dict:
    """Every feature's bins on the rows of the written model, with their row counts: the
    expected side of ``score --psi-against MODEL``."""
    out = []
    for f in features:
        b = binnings[f.name]
        out.append({"name": f.name, "type": f.kind, "bins": [{**bin_bounds(f.kind, x), "rows": x.rows} for x in b.bins]})
    return {"rows": n, "features": out}


def _screen(features: Sequence[FeatureInput], train_idx: list[int], y_train: list[int], settings: TrainSettings,
            results: dict[str, FeatureResult]) -> tuple[dict[str, Binning], list[FeatureInput]]:
    """Bin every feature on the training rows; record the dropped ones in ``results``; return the
    binnings and the candidates (two or more bins, enough IV, bins associated with the label)."""
    binnings: dict[str, Binning] = {}
    candidates: list[FeatureInput] = []
    trends = dict(settings.monotone)
    for f in features:
        b = bin_feature(f.name, f.kind, [f.values[i] for i in train_idx], y_train,
                        max_bins=settings.max_bins, min_share=settings.min_bin_share,
                        fine_classes=settings.fine_classes, chi_threshold=settings.chi_threshold,
                        pseudo=settings.woe_pseudo, trend=trends.get(f.name, settings.trend))
        if f.name in settings.thin_missing:
            b = _no_better_when_missing(b)
        b = replace(b, bins=tuple(replace(x, woe=round(x.woe, ROUND)) for x in b.bins), iv=round(b.iv, ROUND))
        binnings[f.name] = b
        if len(b.bins) < 2:
            results[f.name] = FeatureResult(f.name, f.kind, b.iv, len(b.bins), None, "dropped: a single bin")
        elif b.iv < settings.min_iv:
            results[f.name] = FeatureResult(f.name, f.kind, b.iv, len(b.bins), None,
                                            f"dropped: IV below {settings.min_iv}")
        elif (pval := metrics.chi2_sf(*metrics.chi2_independence([x.goods for x in b.bins],
                                                                 [x.bads for x in b.bins]))) >= settings.max_p:
            results[f.name] = FeatureResult(f.name, f.kind, b.iv, len(b.bins), None,
                                            f"dropped: not significant (chi-square p = {pval:.2f})")
        else:
            candidates.append(f)
    return binnings, candidates


def _no_better_when_missing(b: Binning) -> Binning:
    """The thin-file rule: when a missing value means "too little history to tell", its bin gets
    at least the WOE of the riskiest valued bin, so a short history never earns points a longer
    one of the same behaviour would not (a conservative, not a learned, WOE)."""
    valued = [x.woe for x in b.bins if not x.missing]
    if not valued:
        return b
    worst = max(valued)
    return replace(b, bins=tuple(replace(x, woe=max(x.woe, worst)) if x.missing else x for x in b.bins))


def _fit(candidates: list[FeatureInput], binnings: dict[str, Binning], train_idx: list[int], y_train: list[int],
         l2: float, results: dict[str, FeatureResult]) -> tuple[float, list[Feature]]:
    """The L2 logistic regression on the candidates' WOE, dropping the most negative coefficient until
    none is left; ``(intercept, model features)`` (the training bad rate when nothing is kept)."""
    def woe_column(f: FeatureInput) -> list[float]:
        lk = WoeLookup(Feature(f.name, f.kind, 1.0, 0.0, binnings[f.name].bins), 0.0)
        return [lk.woe(f.values[i]) for i in train_idx]

    woe_cols = {f.name: woe_column(f) for f in candidates}
    used = list(candidates)
    fit = None
    while used:
        fit = fit_logistic_l2([woe_cols[f.name] for f in used], y_train, l2)
        negative = [(c, f.name) for c, f in zip(fit.coefficients, used) if c <= 0]
        if not negative:
            break
        worst = min(negative)[1]
        b = binnings[worst]
        f = next(x for x in used if x.name == worst)
        results[worst] = FeatureResult(worst, f.kind, b.iv, len(b.bins), None,
                                       "dropped: negative coefficient (overlaps other features)")
        used.remove(f)
        fit = None
    if fit is None:   # nothing predictive: the model is the training bad rate
        p = sum(y_train) / len(y_train)
        return round(math.log(p / (1 - p)), ROUND), []
    model_features = []
    for f, c in zip(used, fit.coefficients):
        b = binnings[f.name]
        coef = round(c, ROUND)
        model_features.append(Feature(f.name, f.kind, coef, b.iv, b.bins))
        results[f.name] = FeatureResult(f.name, f.kind, b.iv, len(b.bins), coef, "used")
    return round(fit.intercept, ROUND), model_features
