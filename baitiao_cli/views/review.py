"""The output of ``review``: the JSON object (SPEC 5), the tables and the CSV of a
:class:`services.review.ReviewResult` (docs/review.md)."""

from __future__ import annotations

from typing import Any, NamedTuple

from ..engine.money import money_str
from ..render import Table

ACTIONS = ("raise", "hold", "cut", "freeze")
CSV_HEADERS = ("customer_id", "name", "action", "current_limit", "new_limit", "on_time_streak", "utilisation",
               "grade", "score", "pd", "dpd", "cap", "change", "reasons")


class Report(NamedTuple):
    json_obj: dict[str, Any]
    tables: list[Table]
    csv_table: Table


def _util(u) -> Any:
    return None if u is None else str(u)


def customer_json(d) -> dict[str, Any]:
    return {"customer_id": d.customer_id, "action": d.action, "current_limit": money_str(d.current_limit),
            "new_limit": money_str(d.new_limit), "on_time_streak": d.on_time_streak, "reasons": list(d.reasons),
            "name": d.name, "grade": d.grade, "score": d.score, "pd": d.pd, "dpd": d.dpd,
            "utilisation": _util(d.utilisation), "cap": money_str(d.cap), "change": d.change, "frozen": d.frozen}


def summary(decisions: list) -> dict[str, Any]:
    counts = {a: sum(1 for d in decisions if d.action == a) for a in ACTIONS}
    before = sum((d.current_limit for d in decisions), start=0)
    after = sum((d.new_limit for d in decisions), start=0)
    return {"customers": len(decisions), **counts, "limits_before": money_str(before),
            "limits_after": money_str(after)}


def review(result) -> Report:
    decisions = result.decisions
    obj: dict[str, Any] = {"as_of": result.as_of.isoformat(), "customers": [customer_json(d) for d in decisions],
                           "summary": summary(decisions)}
    if result.applied is not None:
        a = result.applied
        obj["applied"] = {"ref": a.ref, "status": a.status, "journal": str(a.journal), "written": a.written,
                          "changes": len(a.records)}
    s = obj["summary"]
    lead = [f"CREDIT-LINE REVIEW {obj['as_of']} · {s['customers']} customer(s): {s['raise']} raise, {s['hold']} hold, "
            f"{s['cut']} cut, {s['freeze']} freeze · limits {s['limits_before']} → {s['limits_after']}"]
    if result.applied is not None:
        a = result.applied
        lead.append({"recorded": f"Applied as {a.ref}: {a.written} change(s) appended to {a.journal}",
                     "duplicate": f"Already applied as {a.ref} (same changes): nothing written",
                     "dry_run": f"Dry run of {a.ref}: {len(a.records)} change(s) would be appended; nothing written"}
                    [a.status])
    rows = [[d.customer_id, d.name, d.action, money_str(d.current_limit), money_str(d.new_limit), d.on_time_streak,
             "" if d.utilisation is None else f"{(d.utilisation * 100).quantize(1)}%", d.grade, d.dpd,
             "; ".join(d.reasons)] for d in decisions]
    table = Table(headers=("customer", "name", "action", "limit", "new limit", "streak", "used", "grade", "DPD",
                           "reasons"), rows=rows, title=f"Credit-line review on {obj['as_of']} (提额)", lead=lead,
                  wrap="reasons", drop=("name", "grade", "used", "DPD"),
                  align_right=frozenset({"limit", "new limit", "streak", "used", "DPD"}))
    csv_rows = [[c["customer_id"], c["name"], c["action"], c["current_limit"], c["new_limit"], c["on_time_streak"],
                 c["utilisation"] or "", c["grade"], c["score"], c["pd"], c["dpd"], c["cap"], c["change"] or "",
                 "; ".join(c["reasons"])] for c in obj["customers"]]
    return Report(obj, [table], Table(headers=CSV_HEADERS, rows=csv_rows))
