"""``baitiao score`` presenters: the customers' scores (JSON, CSV, tables), the PSI and table scores."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from typing import TYPE_CHECKING, Any

from ..engine.money import money_str, rate_str
from ..render import Table

if TYPE_CHECKING:
    from ..engine.customer_score import CustomerScore
    from ..engine.psi import Psi
    from ..services.scoring import CustomerScores, FeatureDrift, TableScores

CSV_HEADERS = ("customer_id", "name", "score", "grade", "pd", "credit_limit", "manual_limit", "available_credit",
               "allowed_terms", "fee_rate", "dpd", "credit_line_frozen", "reason_1", "reason_2", "reason_3",
               "reason_4")
_SHARE_PLACES = Decimal("0.01")   # shares in tables: a percent with 2 places, as overdue-report


def terms_text(terms: tuple[int, ...]) -> str:
    return " ".join(str(t) for t in terms) if terms else "none"


def customer_json(s: "CustomerScore") -> dict:
    """SPEC 5 keys first (customer_id, score, grade, pd, credit_limit, allowed_terms, reasons), then extras."""
    from ..engine.features import FEATURE_NAMES, feature_text

    f = s.features.as_dict()
    return {
        "customer_id": s.customer_id,
        "score": s.score,
        "grade": s.offer.grade,
        "pd": s.pd,
        "credit_limit": money_str(s.offer.credit_limit),
        "allowed_terms": list(s.offer.allowed_terms),
        "reasons": list(s.reasons),
        "fee_rate": rate_str(s.offer.fee_rate, exact=True),
        "manual_limit": s.offer.manual_limit,
        "unpaid_principal": money_str(s.unpaid_principal),
        "available_credit": money_str(s.available_credit),
        "dpd": s.dpd,
        "credit_line_frozen": s.frozen,
        "features": {k: feature_text(f[k]) for k in FEATURE_NAMES},
        "points_lost": {k: str(v) for k, v in sorted(s.points_lost.items())},
    }


def psi_json(psi: "Psi", r: "CustomerScores") -> dict:
    assert r.psi_against is not None
    return {"against": r.psi_against.isoformat(), "as_of": r.as_of.isoformat(), "bins_by": "grade",
            "expected_customers": psi.expected_customers, "actual_customers": psi.actual_customers,
            "value": None if psi.value is None else str(psi.value), "reading": psi.reading,
            "bins": [{"bin": b.grade, "min_score": b.min_score, "max_score": b.max_score,
                      "expected_count": b.expected_count, "expected_share": str(b.expected_share),
                      "actual_count": b.actual_count, "actual_share": str(b.actual_share),
                      "contribution": str(b.contribution)} for b in psi.bins]}


def _expected_defaults(r: "CustomerScores") -> dict[str, Decimal]:
    """Per grade, the expected number of defaults: the sum of the customers' PDs (exact: the PDs
    are 6-place decimals), shown to 2 places."""
    sums = {g.grade: Decimal(0) for g in _ordered_grades(r)}
    for s in r.scores:
        sums[s.offer.grade] += Decimal(s.pd)
    return {k: v.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP) for k, v in sums.items()}


def _expected_total(r: "CustomerScores") -> Decimal:
    return sum((Decimal(s.pd) for s in r.scores), Decimal(0)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def drift_json(d: "FeatureDrift") -> dict:
    return {"against_model": d.model_path.name, "training_rows": d.training_rows, "customers": d.customers,
            "features": [{"name": f.name, "value": None if f.value is None else str(f.value), "reading": f.reading,
                          "bins": [{"bin": b.label, "training_count": b.expected_count,
                                    "training_share": str(b.expected_share), "book_count": b.actual_count,
                                    "book_share": str(b.actual_share), "contribution": str(b.contribution)}
                                   for b in f.bins]} for f in d.features]}


def _drift_table(d: "FeatureDrift") -> Table:
    flagged = sum(1 for f in d.features if f.reading in ("watch", "shifted"))
    return Table(
        headers=("feature", "PSI", "reading", "bins", "largest part"),
        rows=[[f.name, "" if f.value is None else str(f.value), f.reading, len(f.bins), _largest(f)]
              for f in d.features],
        title=(f"Feature stability against the training rows of {d.model_path.name} ({d.training_rows} rows) · "
               f"{d.customers} customers · {flagged} flagged (< 0.1 stable, 0.1-0.25 watch, > 0.25 shifted)"),
        align_right=frozenset({"PSI", "bins"}))


def _largest(f: Any) -> str:
    if not f.bins:
        return ""
    b = max(f.bins, key=lambda x: (x.contribution, x.label))
    return f"{b.label}: {b.expected_share} -> {b.actual_share}"


def _grade_counts(r: "CustomerScores") -> dict[str, int]:
    counts = {g.grade: 0 for g in _ordered_grades(r)}
    for s in r.scores:
        counts[s.offer.grade] += 1
    return counts


def _ordered_grades(r: "CustomerScores") -> list:
    return sorted(r.grades, key=lambda g: g.min_score, reverse=True)


def customers(r: "CustomerScores", fmt: str) -> dict[str, Any]:
    """The ``render.emit`` arguments for the customers' scores in ``fmt`` (only that format is built)."""
    if fmt == "json":
        obj: dict[str, Any] = {"as_of": r.as_of.isoformat(), "model": r.model_path.name,
                               "customers": [customer_json(s) for s in r.scores],
                               "summary": {"customers": len(r.scores), "grades": _grade_counts(r),
                                           "expected_defaults": {k: str(v) for k, v in _expected_defaults(r).items()},
                                           "expected_defaults_total": str(_expected_total(r))}}
        if r.psi is not None:
            obj["psi"] = psi_json(r.psi, r)
        if r.drift is not None:
            obj["feature_psi"] = drift_json(r.drift)
        return {"json_obj": obj}
    if fmt == "csv":
        return {"json_obj": None, "csv_table": Table(headers=CSV_HEADERS, rows=[_csv_row(s) for s in r.scores])}
    tables = _detail_tables(r.scores[0], r) if r.single and r.scores else _book_tables(r)
    if r.psi is not None:
        tables.append(_psi_table(r.psi, r))
    if r.drift is not None:
        tables.append(_drift_table(r.drift))
    return {"json_obj": None, "tables": tables}


def _csv_row(s: "CustomerScore") -> list:
    reasons = list(s.reasons) + [""] * (4 - len(s.reasons))
    return [s.customer_id, s.name, s.score, s.offer.grade, s.pd, money_str(s.offer.credit_limit),
            "true" if s.offer.manual_limit else "false", money_str(s.available_credit),
            terms_text(s.offer.allowed_terms), rate_str(s.offer.fee_rate, exact=True), s.dpd,
            "true" if s.frozen else "false", *reasons]


def fee_text(rate: Decimal, terms: tuple) -> str:
    """A per-period fee rate in a table: a percent never rounded ("0.75%"); "-" when no term is
    allowed (no credit: no fee is charged)."""
    from .quote import exact_percent

    return exact_percent(rate) if terms else "-"


def _book_tables(r: "CustomerScores") -> list[Table]:
    scored = r.scores
    main = Table(
        headers=("customer", "name", "score", "grade", "PD", "limit", "available", "terms", "fee/period",
                 "main reason"),
        rows=[[s.customer_id, s.name, s.score, s.offer.grade, s.pd,
               money_str(s.offer.credit_limit) + (" (manual)" if s.offer.manual_limit else ""),
               money_str(s.available_credit) + (" frozen" if s.frozen else ""),
               terms_text(s.offer.allowed_terms), fee_text(s.offer.fee_rate, s.offer.allowed_terms),
               s.reasons[0] if s.reasons else ""] for s in scored],
        title=f"{len(scored)} customers scored on {r.as_of.isoformat()} with {r.model_path.name}",
        wrap="main reason", drop=("name", "available", "fee/period", "terms", "PD"),
        align_right=frozenset({"score", "PD", "limit", "available", "fee/period"}))
    grades = _ordered_grades(r)
    counts = _grade_counts(r)
    n = len(scored) or 1
    expected = _expected_defaults(r)
    summary = Table(
        headers=("grade", "scores", "customers", "share", "expected defaults", "limit", "terms", "fee/period"),
        rows=[[g.grade, score_range(grades, k), counts[g.grade],
               f"{(Decimal(counts[g.grade]) * 100 / n).quantize(_SHARE_PLACES)}%", str(expected[g.grade]),
               money_str(g.base_limit), terms_text(g.terms), fee_text(g.fee_rate, g.terms)]
              for k, g in enumerate(grades)],
        title=f"Grades · expected defaults (sum of the PDs: 90+ DPD within 12 months) {_expected_total(r)}",
        drop=("terms", "fee/period", "scores"),
        align_right=frozenset({"customers", "share", "expected defaults", "limit", "fee/period"}))
    return [main, summary]


def _psi_table(psi: "Psi", r: "CustomerScores") -> Table:
    assert r.psi_against is not None
    before, after = f"on {r.psi_against.isoformat()}", f"on {r.as_of.isoformat()}"
    grades = _ordered_grades(r)
    return Table(
        headers=("grade", "scores", before, "share", after, "share ", "PSI part"),
        rows=[[b.grade, score_range(grades, k), b.expected_count, str(b.expected_share), b.actual_count,
               str(b.actual_share), str(b.contribution)] for k, b in enumerate(psi.bins)],
        title=(f"Score stability: PSI {psi.value} ({psi.reading}; < 0.1 stable, 0.1-0.25 watch, "
               "> 0.25 shifted)") if psi.value is not None else "Score stability: no PSI (no customers)",
        align_right=frozenset({before, "share", after, "share ", "PSI part"}))


def score_range(grades: list, k: int) -> str:
    lo = grades[k].min_score
    if k == 0:
        return f">= {lo}"
    hi = grades[k - 1].min_score - 1
    if k == len(grades) - 1:
        return f"<= {hi}"
    return f"{lo}-{hi}"


def _detail_tables(s: "CustomerScore", r: "CustomerScores") -> list[Table]:
    from ..engine.features import FEATURE_NAMES, MEANINGS, feature_text

    o = s.offer
    head = Table(
        headers=("measure", "value"),
        rows=[["score", s.score], ["grade", o.grade], ["PD (90+ DPD in 12 months)", s.pd],
              ["credit limit", money_str(o.credit_limit) + (" (manual limit)" if o.manual_limit else "")],
              ["unpaid principal", money_str(s.unpaid_principal)],
              ["available credit", money_str(s.available_credit)
               + (f" (credit line frozen: {s.dpd} days past due)" if s.frozen else "")],
              ["allowed terms", terms_text(o.allowed_terms)],
              ["fee rate per period", fee_text(o.fee_rate, o.allowed_terms)]],
        title=f"{s.customer_id} {s.name} on {s.as_of.isoformat()} ({r.model_path.name})")
    reasons = Table(headers=("#", "reason"), rows=[[k, reason] for k, reason in enumerate(s.reasons, 1)],
                    title="Reasons (most points lost first)", wrap="reason",
                    footer="" if s.reasons else "no reason: no points lost")
    f = s.features.as_dict()
    feats = Table(
        headers=("feature", "value", "points lost", "meaning"),
        rows=[[k, "missing" if f[k] is None else feature_text(f[k]),
               str(s.points_lost[k]) if k in s.points_lost else "not in model", MEANINGS[k]] for k in FEATURE_NAMES],
        title="Features", align_right=frozenset({"value", "points lost"}), wrap="meaning")
    return [head, reasons, feats]


def table_scores(r: "TableScores") -> dict[str, Any]:
    """The ``render.emit`` arguments for ``score --features``."""
    t = Table(headers=("id", "pd", "score"), rows=[list(row) for row in r.rows],
              title=f"{len(r.rows)} rows scored with {r.model_path.name}", align_right=frozenset({"pd", "score"}))
    return {"json_obj": {"rows": [row._asdict() for row in r.rows]}, "tables": (t,), "csv_table": t}
