"""``baitiao train`` presenters: metrics and features of a trained model; the labelled history table."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from typing import TYPE_CHECKING, Any, Optional

from ..render import Table

if TYPE_CHECKING:
    from ..services.training import Trained


def stat_str(x: Optional[float], places: int = 4) -> Optional[str]:
    """A statistic as a decimal string (``0.8123``), rounded half up; None stays None."""
    if x is None:
        return None
    return str(Decimal(x).quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP))


def iv_strength(iv: float) -> str:
    """The usual reading of an information value (Siddiqi)."""
    if iv < 0.02:
        return "not predictive"
    if iv < 0.1:
        return "weak"
    if iv < 0.3:
        return "medium"
    if iv < 0.5:
        return "strong"
    return "very strong"


def _history_lines(history: Optional[dict]) -> tuple[str, ...]:
    if history is None:
        return ()
    c = history["customers"]
    return (f"Customers on {history['observation_date']}: {c['used']} used, {c['bad']} went 90+ days past due "
            f"by {history['window_end']} ({c['opened_after_observation']} opened later and "
            f"{c['in_default_on_observation']} already in default left out)",)


def _split_metrics(m: Optional[dict]) -> Optional[dict]:
    return None if m is None else {k: stat_str(m[k]) for k in ("auc", "ks", "gini")}


def cv_json(cv: Optional[dict]) -> Optional[dict]:
    """The cross-validation block: folds, mean and sd of AUC/KS/Gini, the per-fold figures."""
    if cv is None:
        return None
    return {"folds": cv["folds"], "seed": cv["seed"],
            **{k: {"mean": stat_str(cv[k]["mean"]), "sd": stat_str(cv[k]["sd"])} for k in ("auc", "ks", "gini")},
            "per_fold": [{"fold": i, "rows": f["rows"], "bads": f["bads"], **_split_metrics(f)}
                         for i, f in enumerate(cv["per_fold"], 1)]}


def calibration_json(cal: Optional[dict]) -> Optional[dict]:
    if cal is None:
        return None
    hl = cal["hosmer_lemeshow"]
    return {"by": cal["by"], "predictions": "out-of-fold (cross-validation)",
            "brier": stat_str(cal["brier"]),
            "hosmer_lemeshow": {"statistic": stat_str(hl["statistic"], 2), "df": hl["df"],
                                "p_value": stat_str(hl["p_value"])},
            "groups": [{"group": g["group"], "rows": g["rows"], "predicted_pd": stat_str(g["predicted_pd"]),
                        "observed_rate": stat_str(g["observed_rate"]), "expected_bads": stat_str(g["expected_bads"], 1),
                        "bads": g["bads"]} for g in cal["groups"]]}


def _mean_sd(cv: dict, k: str) -> str:
    return f"{stat_str(cv[k]['mean'])} ± {stat_str(cv[k]['sd'])}"


def _lead(t: "Trained", used: int, n_features: int) -> tuple[str, ...]:
    m = t.result.metrics
    parts = [f"Model written to {t.out} (fitted on all {t.result.rows['total']} rows): {used} of {n_features} "
             "features used"]
    if m.get("cv") is not None:
        cv = m["cv"]
        parts.append(f"{cv['folds']}-fold cross-validated AUC {_mean_sd(cv, 'auc')} · KS {_mean_sd(cv, 'ks')} · "
                     f"Gini {_mean_sd(cv, 'gini')}")
    if m.get("test") is not None:
        test = m["test"]
        parts.append(f"held-out AUC {stat_str(test['auc'])} · KS {stat_str(test['ks'])} · Gini {stat_str(test['gini'])}")
    return (" · ".join(parts[:2]), *parts[2:], *_history_lines(t.history))


def _metrics_table(t: "Trained") -> Table:
    result, meta, rows = t.result, t.result.model.meta, t.result.rows
    m = result.metrics
    lines = []
    if m.get("cv") is not None:
        cv = m["cv"]
        lines.append([f"cross-validation, {cv['folds']} folds (mean ± sd)", rows["total"],
                      *(_mean_sd(cv, k) for k in ("auc", "ks", "gini"))])
    if m.get("test") is not None:
        lines.append([f"held-out ({rows['test']} rows; fitted on the rest)", rows["test"],
                      *(stat_str(m["test"][k]) for k in ("auc", "ks", "gini"))])
    lines.append(["all rows (the written model, in-sample)", rows["train"],
                  *(stat_str(m["train"][k]) for k in ("auc", "ks", "gini"))])
    return Table(
        headers=("rows", "count", "AUC", "KS", "Gini"), rows=lines,
        title=(f"Target {meta['target']} (bad = {t.bad_value}) · {rows['total']} rows, {rows['bads']} bad · "
               f"trained on {meta['trained_on']}"),
        align_right=frozenset({"count", "AUC", "KS", "Gini"}), lead=_lead(t, *_used(result)))


def _used(result: Any) -> tuple[int, int]:
    return sum(1 for f in result.features if f.coefficient is not None), len(result.features)


def _calibration_table(cal: dict) -> Table:
    c = calibration_json(cal)
    assert c is not None
    hl = c["hosmer_lemeshow"]
    return Table(
        headers=("PD decile", "rows", "predicted PD", "observed rate", "expected bad", "bad"),
        rows=[[g["group"], g["rows"], g["predicted_pd"], g["observed_rate"], g["expected_bads"], g["bads"]]
              for g in c["groups"]],
        title=(f"Calibration (out-of-fold PDs) · Brier {c['brier']} · Hosmer-Lemeshow {hl['statistic']} "
               f"(df {hl['df']}, p = {hl['p_value']})"),
        align_right=frozenset({"rows", "predicted PD", "observed rate", "expected bad", "bad"}))


def trained(t: "Trained") -> dict[str, Any]:
    """The ``render.emit`` arguments: the JSON report, the metrics, calibration and features
    tables (CSV: features)."""
    result, bad = t.result, t.bad_value
    meta = result.model.meta
    features = sorted(result.features, key=lambda f: (-f.iv, f.name))
    obj = {
        "model": t.out,
        "target": meta["target"],
        "bad_value": bad,
        "trained_on": meta["trained_on"],
        "rows": result.rows,
        "metrics": {"train": _split_metrics(result.metrics["train"]),
                    "test": _split_metrics(result.metrics.get("test")),
                    "cv": cv_json(result.metrics.get("cv"))},
        "calibration": calibration_json(result.calibration),
        "features": [{"name": f.name, "type": f.kind, "iv": stat_str(f.iv), "bins": f.bins,
                      "coefficient": stat_str(f.coefficient, 6), "status": f.status,
                      "trend": f.trend if f.kind == "numeric" else None} for f in features],
    }
    if t.history is not None:
        obj["history"] = t.history
    feature_table = Table(
        headers=("feature", "type", "IV", "strength", "bins", "coefficient", "status", "trend"),
        rows=[[f.name, f.kind, stat_str(f.iv), iv_strength(f.iv), f.bins, stat_str(f.coefficient, 6) or "",
               f.status, _trend_text(f)] for f in features],
        title="Features by information value (trend: how the bad rate moves as the value rises)",
        align_right=frozenset({"IV", "bins", "coefficient"}))
    tables = [_metrics_table(t)]
    if result.calibration is not None:
        tables.append(_calibration_table(result.calibration))
    tables.append(feature_table)
    return {"json_obj": obj, "tables": tuple(tables), "csv_table": feature_table}


def _trend_text(f: Any) -> str:
    if f.kind != "numeric":
        return ""
    return {"up": "rises", "down": "falls"}.get(f.trend, "free")


def history_table_csv(sample: Any, target: str) -> str:
    """The labelled feature table: customer_id, the features, worst_dpd_after, the label."""
    from ..engine.features import FEATURE_NAMES, feature_text
    from ..render import csv_text

    headers = ("customer_id", *FEATURE_NAMES, "worst_dpd_after", target)
    rows = []
    for r in sample.rows:
        f = r.features.as_dict()
        rows.append([r.customer_id, *("" if f[k] is None else feature_text(f[k]) for k in FEATURE_NAMES),
                     r.worst_dpd_after, r.bad])
    return csv_text(headers, rows)
