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


def trained(t: "Trained") -> dict[str, Any]:
    """The ``render.emit`` arguments: the JSON report, the metrics and features tables (CSV: features)."""
    result, bad = t.result, t.bad_value
    meta = result.model.meta
    rows = result.rows
    features = sorted(result.features, key=lambda f: (-f.iv, f.name))
    obj = {
        "model": t.out,
        "target": meta["target"],
        "bad_value": bad,
        "trained_on": meta["trained_on"],
        "rows": rows,
        "metrics": {split: {k: stat_str(v) for k, v in m.items()} for split, m in result.metrics.items()},
        "features": [{"name": f.name, "type": f.kind, "iv": stat_str(f.iv), "bins": f.bins,
                      "coefficient": stat_str(f.coefficient, 6), "status": f.status} for f in features],
    }
    if t.history is not None:
        obj["history"] = t.history
    used = sum(1 for f in features if f.coefficient is not None)
    test = result.metrics["test"]
    lead = (f"Model written to {t.out}: {used} of {len(features)} features used · "
            f"held-out AUC {stat_str(test['auc'])} · KS {stat_str(test['ks'])} · Gini {stat_str(test['gini'])}",
            *_history_lines(t.history))
    metrics_table = Table(
        headers=("rows", "count", "AUC", "KS", "Gini"),
        rows=[[split, rows[split], *(stat_str(m[k]) for k in ("auc", "ks", "gini"))]
              for split, m in result.metrics.items()],
        title=(f"Target {meta['target']} (bad = {bad}) · {rows['total']} rows, {rows['bads']} bad · "
               f"trained on {meta['trained_on']}"),
        align_right=frozenset({"count", "AUC", "KS", "Gini"}), lead=lead)
    feature_table = Table(
        headers=("feature", "type", "IV", "strength", "bins", "coefficient", "status"),
        rows=[[f.name, f.kind, stat_str(f.iv), iv_strength(f.iv), f.bins, stat_str(f.coefficient, 6) or "",
               f.status] for f in features],
        title="Features by information value", align_right=frozenset({"IV", "bins", "coefficient"}))
    return {"json_obj": obj, "tables": (metrics_table, feature_table), "csv_table": feature_table}


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
