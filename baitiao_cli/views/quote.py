"""``baitiao quote`` presenters: the SPEC 5 quote object, the schedule and comparison tables."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal
from typing import TYPE_CHECKING, Any, Optional

from ..engine.money import money_str, percent_str, rate_str
from ..render import Table

if TYPE_CHECKING:
    from ..engine.customer_score import CustomerScore
    from ..engine.quote import Quote
    from ..services.quote import Quotes

SCHEDULE_HEADERS = ("period", "statement_date", "due_date", "principal", "fee", "total")   # JSON keys, CSV
TABLE_HEADERS = ("period", "statement", "due", "principal", "fee", "total")
# ``--format csv``: one shape for one or several --terms: a row per period, the quote's terms first
# and its price on every row (rates as in the JSON: decimal strings)
CSV_HEADERS = ("terms",) + SCHEDULE_HEADERS + ("fee_rate", "total_fee", "total_payable", "apr",
                                               "effective_annual_rate", "apr_exceeds_cap")
_MONEY_COLS = frozenset({"principal", "fee", "total", "1st payment", "total fee", "total payable"})
_CENT = Decimal("0.01")


def exact_percent(rate: Decimal) -> str:
    """A per-period rate as a percent with at least 2 places, never rounded: 0.00625 -> "0.625%"."""
    p = rate * 100
    p2 = p.quantize(_CENT)
    return (str(p2) if p2 == p else format(p.normalize(), "f")) + "%"


def quote_json(qt: "Quote", customer_id: Optional[str] = None,
               customer_offer: Optional[dict[str, Any]] = None) -> dict[str, Any]:
    """The SPEC 5 quote object (contract keys first, in contract order), then the extras."""
    obj: dict[str, Any] = {
        "amount": money_str(qt.amount),
        "terms": qt.terms,
        "fee_rate": rate_str(qt.fee_rate, exact=True),
        "schedule": [
            {"period": p.period, "statement_date": p.statement_date.isoformat(),
             "due_date": p.due_date.isoformat(), "principal": money_str(p.principal),
             "fee": money_str(p.fee), "total": money_str(p.total)}
            for p in qt.schedule
        ],
        "total_fee": money_str(qt.total_fee),
        "total_payable": money_str(qt.total_payable),
        "apr": rate_str(qt.apr, 4),
        "effective_annual_rate": rate_str(qt.effective_annual_rate, 4),
        "apr_exceeds_cap": qt.apr_exceeds_cap,
        "apr_cap": rate_str(qt.apr_cap, exact=True),
        "apr_method": "IRR",
        "monthly_irr": rate_str(qt.monthly_rate, 8),
        "purchase_date": qt.purchase_date.isoformat(),
        "statement_day": qt.statement_day,
    }
    if qt.scenario is not None:
        obj["scenario"] = qt.scenario
    if customer_id is not None:
        obj["customer_id"] = customer_id
    if customer_offer is not None:
        obj.update(customer_offer)
    return obj


def _apr_headline(qt: "Quote") -> str:
    if qt.terms == 1:
        return (f"年化利率 APR {percent_str(qt.apr)} (IRR method) · interest-free: "
                "pay in full on the next bill")
    return (f"年化利率 APR {percent_str(qt.apr)} (IRR method) · "
            f"effective annual rate {percent_str(qt.effective_annual_rate)}")


def _schedule_rows(qt: "Quote") -> list[list[Any]]:
    return [[p.period, p.statement_date.isoformat(), p.due_date.isoformat(), money_str(p.principal),
             money_str(p.fee), money_str(p.total)] for p in qt.schedule]


def _table_rows(qt: "Quote") -> list[list[Any]]:
    return [[f"{row[0]}/{qt.terms}", *row[1:]] for row in _schedule_rows(qt)]


def csv_table(quotes: list["Quote"]) -> Table:
    return Table(headers=CSV_HEADERS, rows=[
        [qt.terms, *row, rate_str(qt.fee_rate, exact=True), money_str(qt.total_fee), money_str(qt.total_payable),
         rate_str(qt.apr, 4), rate_str(qt.effective_annual_rate, 4), "true" if qt.apr_exceeds_cap else "false"]
        for qt in quotes for row in _schedule_rows(qt)])


def _fee_line(qt: "Quote") -> str:
    if qt.terms == 1:
        return f"Total payable {money_str(qt.total_payable)} · no fee"
    return (f"Total fee {money_str(qt.total_fee)} · total payable {money_str(qt.total_payable)} · "
            f"per-period fee rate {exact_percent(qt.fee_rate)} of the original principal "
            "(flat; not an annual rate)")


def _schedule_table(qt: "Quote", *, lead: bool) -> Table:
    plan = (f"in {qt.terms} monthly installments" if qt.terms > 1 else "paid in full on the next bill")
    title = (f"{money_str(qt.amount)} {plan} · purchase {qt.purchase_date.isoformat()} · "
             f"statement day {qt.statement_day}")
    lines: tuple[str, ...] = ()
    if lead:
        cap = f"APR above the {percent_str(qt.apr_cap)} cap (pricing.apr_cap)"
        lines = (_apr_headline(qt),) + ((cap,) if qt.apr_exceeds_cap else ())
    else:
        title += f" · APR {percent_str(qt.apr)}"
    return Table(headers=TABLE_HEADERS, rows=_table_rows(qt), title=title,
                 align_right=frozenset({"period"}) | _MONEY_COLS, footer=_fee_line(qt), lead=lines)


def _comparison_table(quotes: list["Quote"]) -> Table:
    headers = ("terms", "APR (IRR)", "effective annual", "1st payment", "total fee", "total payable",
               "fee rate/period", "above cap")
    rows = [[qt.terms, percent_str(qt.apr), percent_str(qt.effective_annual_rate), money_str(qt.schedule[0].total),
             money_str(qt.total_fee), money_str(qt.total_payable), exact_percent(qt.fee_rate),
             "yes" if qt.apr_exceeds_cap else "no"] for qt in quotes]
    first = quotes[0]
    lead = ["年化利率 APR (IRR method): "
            + " · ".join(f"{qt.terms} month{'s' if qt.terms > 1 else ''} {percent_str(qt.apr)}" for qt in quotes)]
    if any(qt.apr_exceeds_cap for qt in quotes):
        lead.append(f"APR above the {percent_str(first.apr_cap)} cap (pricing.apr_cap) for "
                    + ", ".join(str(qt.terms) for qt in quotes if qt.apr_exceeds_cap) + " months")
    return Table(headers=headers, rows=rows,
                 title=(f"{money_str(first.amount)} · purchase {first.purchase_date.isoformat()} · "
                        f"statement day {first.statement_day}"),
                 align_right=frozenset(headers) - {"above cap"}, lead=tuple(lead))


def _offer_json(sc: "CustomerScore", rate_given: bool, scenario: Optional[str] = None) -> dict[str, Any]:
    o = sc.offer
    return {"grade": o.grade, "score": sc.score, "pd": sc.pd, "credit_limit": money_str(o.credit_limit),
            "available_credit": money_str(sc.available_credit), "allowed_terms": list(o.allowed_terms),
            "grade_fee_rate": rate_str(o.fee_rate, exact=True),
            "fee_rate_source": "option" if rate_given else "scenario" if scenario is not None else "grade"}


def _offer_line(sc: "CustomerScore", customer_id: str) -> str:
    o = sc.offer
    return (f"Customer {customer_id}: grade {o.grade} (score {sc.score}) · credit limit {money_str(o.credit_limit)} · "
            f"available {money_str(sc.available_credit)} · terms {', '.join(str(t) for t in o.allowed_terms)} · "
            f"grade fee rate {exact_percent(o.fee_rate)} per period")


def _with_offer_line(table: Table, r: "Quotes") -> Table:
    lead = table.lead
    if r.scenario is not None:
        src = "--fee-rate given" if r.fee_rate_given else f"priced by scenarios.{r.scenario}"
        lead = (*lead, f"Scenario {r.scenario} ({src})")
    if r.offer is not None:
        assert r.customer_id is not None
        lead = (*lead, _offer_line(r.offer, r.customer_id))
    return table if lead == table.lead else replace(table, lead=lead)


def quotes(r: "Quotes") -> dict[str, Any]:
    """The ``render.emit`` arguments: one quote's schedule, or the comparison and every schedule;
    with a customer and the minimum payment on, also the cost of paying only the minimum."""
    out = _quotes(r)
    if r.minimum_only is not None:
        from .statement import minimum_only_json, minimum_only_table

        out["json_obj"]["minimum_only"] = minimum_only_json(r.minimum_only)
        out["tables"].append(minimum_only_table(r.minimum_only))
    return out


def _quotes(r: "Quotes") -> dict[str, Any]:
    extra = _offer_json(r.offer, r.fee_rate_given, r.scenario) if r.offer is not None else None
    if len(r.quotes) == 1:
        qt = r.quotes[0]
        return {"json_obj": quote_json(qt, r.customer_id, extra),
                "tables": [_with_offer_line(_schedule_table(qt, lead=True), r)], "csv_table": csv_table([qt])}
    return {"json_obj": {"quotes": [quote_json(qt, r.customer_id, extra) for qt in r.quotes]},
            "tables": [_with_offer_line(_comparison_table(r.quotes), r)]
            + [_schedule_table(qt, lead=False) for qt in r.quotes],
            "csv_table": csv_table(r.quotes)}
