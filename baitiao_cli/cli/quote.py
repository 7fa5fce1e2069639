"""``baitiao quote``: installment schedule(s), totals and the annualized rate (SPEC 4.2, 4.3, 5).

With ``--customer ID`` the quote is the customer's: their statement day, and their offer on
the purchase date (``--date``) as ``baitiao score`` computes it (history replayed to that date,
features, model, grade): the grade's per-period fee rate (unless ``--fee-rate`` is given), the
grade's allowed terms (another term is refused) and the available credit (credit limit less
unpaid principal; 0 while the credit line is frozen): a larger amount is refused.

Exit status: 0 quoted (an APR above ``pricing.apr_cap`` is only a warning unless
``pricing.enforce_cap`` is true); 1 a term that is not offered (by the config or, with
``--customer``, by the customer's grade), an amount above the customer's available credit, an
APR above an enforced cap, an unknown customer or invalid data/config; 2 a malformed option
value (amount, date, fee rate, customer id) or a missing option.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import TYPE_CHECKING, Annotated, Any, Optional

import typer

from ..engine.money import money_str, rate_str
from ..errors import RefusedError, UsageError
from ..io.parse import parse_rate
from ..render import Table, emit, warn
from .common import (
    customer_option,
    ConfigOpt, DataDirOpt, EncodingOpt, Format, FormatOpt, date_option, money_option, setup, today_in,
)

if TYPE_CHECKING:
    from ..engine.quote import Quote

_HUNDRED = Decimal(100)
_RATE_PLACES = Decimal("0.0001")
SCHEDULE_HEADERS = ("period", "statement_date", "due_date", "principal", "fee", "total")
_MONEY_COLS = frozenset({"principal", "fee", "total", "1st payment", "total fee", "total payable"})


# --- formatting helpers ------------------------------------------------------------------------

def exact_rate_str(rate: Decimal) -> str:
    """A rate as a decimal string with at least 4 places and never rounded (0.005 -> "0.0050",
    0.00625 -> "0.00625"): the per-period fee rate is a contract term, so it is shown exactly."""
    r4 = rate.quantize(_RATE_PLACES)
    if r4 == rate:
        return str(r4)
    return format(rate.normalize(), "f")


def percent(rate: Decimal, places: int = 2) -> str:
    """0.10899 -> "10.90%" (rounded half up for display)."""
    return str((rate * _HUNDRED).quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)) + "%"


def exact_percent(rate: Decimal) -> str:
    """A per-period rate as a percent with at least 2 places, never rounded: 0.00625 -> "0.625%"."""
    p = rate * _HUNDRED
    p2 = p.quantize(Decimal("0.01"))
    return (str(p2) if p2 == p else format(p.normalize(), "f")) + "%"


def quote_json(qt: Quote, customer_id: Optional[str] = None,
               customer_offer: Optional[dict[str, Any]] = None) -> dict[str, Any]:
    """The SPEC 5 quote object (contract keys first, in contract order), then the extras."""
    obj: dict[str, Any] = {
        "amount": money_str(qt.amount),
        "terms": qt.terms,
        "fee_rate": exact_rate_str(qt.fee_rate),
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
        "apr_cap": exact_rate_str(qt.apr_cap),
        "apr_method": "IRR",
        "monthly_irr": rate_str(qt.monthly_rate, 8),
        "purchase_date": qt.purchase_date.isoformat(),
        "statement_day": qt.statement_day,
    }
    if customer_id is not None:
        obj["customer_id"] = customer_id
    if customer_offer is not None:
        obj.update(customer_offer)
    return obj


def _apr_headline(qt: Quote) -> str:
    if qt.terms == 1:
        return (f"年化利率 APR {percent(qt.apr)} (IRR method) · interest-free: "
                "pay in full on the next bill")
    return (f"年化利率 APR {percent(qt.apr)} (IRR method) · "
            f"effective annual rate {percent(qt.effective_annual_rate)}")


def _cap_line(qt: Quote) -> str:
    return f"APR above the {percent(qt.apr_cap)} cap (pricing.apr_cap)"


def _schedule_rows(qt: Quote) -> list[list[Any]]:
    return [[p.period, p.statement_date.isoformat(), p.due_date.isoformat(), money_str(p.principal),
             money_str(p.fee), money_str(p.total)] for p in qt.schedule]


def _fee_line(qt: Quote) -> str:
    if qt.terms == 1:
        return f"Total payable {money_str(qt.total_payable)} · no fee"
    return (f"Total fee {money_str(qt.total_fee)} · total payable {money_str(qt.total_payable)} · "
            f"per-period fee rate {exact_percent(qt.fee_rate)} of the original principal "
            "(flat; not an annual rate)")


def _schedule_table(qt: Quote, *, lead: bool) -> Table:
    plan = (f"in {qt.terms} monthly installments" if qt.terms > 1 else "paid in full on the next bill")
    title = (f"{money_str(qt.amount)} {plan} · purchase {qt.purchase_date.isoformat()} · "
             f"statement day {qt.statement_day}")
    lines: tuple[str, ...] = ()
    if lead:
        lines = (_apr_headline(qt),) + ((_cap_line(qt),) if qt.apr_exceeds_cap else ())
    else:
        title += f" · APR {percent(qt.apr)}"
    return Table(headers=SCHEDULE_HEADERS, rows=_schedule_rows(qt), title=title,
                 align_right=frozenset({"period"}) | _MONEY_COLS, footer=_fee_line(qt), lead=lines)


def _comparison_table(quotes: list[Quote]) -> Table:
    headers = ("terms", "APR (IRR)", "effective annual", "1st payment", "total fee", "total payable",
               "fee rate/period", "above cap")
    rows = [[qt.terms, percent(qt.apr), percent(qt.effective_annual_rate), money_str(qt.schedule[0].total),
             money_str(qt.total_fee), money_str(qt.total_payable), exact_percent(qt.fee_rate),
             "yes" if qt.apr_exceeds_cap else ""] for qt in quotes]
    first = quotes[0]
    lead = ["年化利率 APR (IRR method): "
            + " · ".join(f"{qt.terms} month{'s' if qt.terms > 1 else ''} {percent(qt.apr)}" for qt in quotes)]
    if any(qt.apr_exceeds_cap for qt in quotes):
        lead.append(f"APR above the {percent(first.apr_cap)} cap (pricing.apr_cap) for "
                    + ", ".join(str(qt.terms) for qt in quotes if qt.apr_exceeds_cap) + " months")
    return Table(headers=headers, rows=rows,
                 title=(f"{money_str(first.amount)} · purchase {first.purchase_date.isoformat()} · "
                        f"statement day {first.statement_day}"),
                 align_right=frozenset(headers) - {"above cap"}, lead=tuple(lead))


# --- option parsing ------------------------------------------------------------------------------

def _fee_rate_option(value: Optional[str]) -> Optional[Decimal]:
    if value is None:
        return None
    try:
        r = parse_rate(value)
    except ValueError as e:
        raise UsageError(f"--fee-rate: {e}") from None
    if r >= 1:
        raise UsageError(f"--fee-rate: a per-period rate must be below 1 (0.005 = 0.5% per month): {value!r}")
    return r


def _dedupe(terms: list[int]) -> list[int]:
    seen: set[int] = set()
    out = []
    for t in terms:
        if t not in seen:
            seen.add(t)
            out.append(t)
    return out


def _customer(lc, customer_id: str, encoding: Optional[str]):
    """The customer's record and the dataset (the loader validates every file)."""
    try:
        from ..io.loader import load_dataset   # deferred: only --customer needs the data files
    except ModuleNotFoundError as e:
        if e.name != "baitiao_cli.io.loader":
            raise
        raise RefusedError("--customer needs the data loader, which this installation lacks") from None

    result = load_dataset(lc.data_dir, lc.config, encoding=encoding)
    for problem in getattr(result, "warnings", ()):
        warn(str(problem))
    for c in result.dataset.customers:
        if c.customer_id == customer_id:
            return c, result.dataset
    raise RefusedError(f"unknown customer {customer_id!r}: not in the customers file of {lc.data_dir}")


def _customer_offer(lc, customer, dataset, when: date):
    """The customer's score and offer on ``when`` (as `baitiao score` computes it)."""
    from ..io.config import build_scoring
    from .score import load_customer_model, resolve_model_path, score_customer

    scoring = build_scoring(lc.raw.get("scoring", {}), lc.config.installments.terms)
    model, _path = load_customer_model(resolve_model_path(None, scoring.model, lc.path))
    return score_customer(dataset, lc.config, scoring, model, customer, when)


def _check_customer_offer(sc, customer_id: str, amount: Decimal, wanted: list[int]) -> None:
    """Refuse terms the grade does not allow and an amount above the available credit (one message)."""
    o = sc.offer
    refused = []
    if not o.allowed_terms:
        refused.append(f"customer {customer_id} is grade {o.grade} (score {sc.score}): no new credit "
                       "(the grade allows no terms)")
    else:
        bad = [t for t in wanted if t not in o.allowed_terms]
        if bad:
            refused.append(f"customer {customer_id} is grade {o.grade} (score {sc.score}): "
                           f"{', '.join(str(t) for t in bad)} installment(s) not allowed for this grade; "
                           f"allowed terms: {', '.join(str(t) for t in o.allowed_terms)}")
    if amount > sc.available_credit:
        if sc.frozen:
            refused.append(f"the credit line of {customer_id} is frozen ({sc.dpd} days past due): "
                           f"available credit {money_str(sc.available_credit)}")
        else:
            refused.append(f"amount {money_str(amount)} is above the available credit of {customer_id}: "
                           f"{money_str(sc.available_credit)} (credit limit {money_str(o.credit_limit)}, "
                           f"unpaid principal {money_str(sc.unpaid_principal)})")
    if refused:
        raise RefusedError("; ".join(refused))


def _offer_json(sc, rate_given: bool) -> dict[str, Any]:
    o = sc.offer
    return {"grade": o.grade, "score": sc.score, "pd": sc.pd, "credit_limit": money_str(o.credit_limit),
            "available_credit": money_str(sc.available_credit), "allowed_terms": list(o.allowed_terms),
            "grade_fee_rate": exact_rate_str(o.fee_rate), "fee_rate_source": "option" if rate_given else "grade"}


def _offer_line(sc, customer_id: str) -> str:
    o = sc.offer
    return (f"Customer {customer_id}: grade {o.grade} (score {sc.score}) · credit limit {money_str(o.credit_limit)} · "
            f"available {money_str(sc.available_credit)} · terms {', '.join(str(t) for t in o.allowed_terms)} · "
            f"grade fee rate {exact_percent(o.fee_rate)} per period")


# --- the command ---------------------------------------------------------------------------------

def command(
    amount: Annotated[str, typer.Option(
        "--amount", metavar="AMOUNT", help="Purchase amount, e.g. 1200.00 (> 0, at most 2 decimals).", show_default=False)],
    terms: Annotated[list[int], typer.Option(
        "--terms", metavar="N", help="Number of monthly installments; repeat to compare offers side by side "
                        "(--terms 3 --terms 12).", show_default=False)],
    customer: Annotated[Optional[str], typer.Option(
        "--customer", metavar="ID", help="Quote for this customer: their statement day, and their grade's fee rate, "
                                         "allowed terms and available credit on --date.", show_default=False)] = None,
    purchase_date: Annotated[Optional[str], typer.Option(
        "--date", metavar="DATE", help="Purchase date YYYY-MM-DD (default: today in billing.timezone).",
        show_default=False)] = None,
    fee_rate: Annotated[Optional[str], typer.Option(
        "--fee-rate", metavar="RATE", help="Per-period flat fee rate, e.g. 0.005 (default: pricing.fee_rates for the term; "
                                           "with --customer, the grade's rate).",
        show_default=False)] = None,
    data_dir: DataDirOpt = None,
    config: ConfigOpt = None,
    fmt: FormatOpt = Format.table,
    encoding: EncodingOpt = None,
) -> None:
    """Installment schedule, total cost and the annualized rate (APR, IRR method) of a purchase.

    Several --terms give a side-by-side comparison. An APR above pricing.apr_cap is flagged
    (warning on stderr, "apr_exceeds_cap": true) and refused when pricing.enforce_cap is true.
    """
    from ..engine.quote import build_quote, check_terms   # deferred: keep `baitiao --help` light

    # malformed option values first (exit 2), then the config (exit 1)
    amt = money_option(amount, "--amount")
    rate = _fee_rate_option(fee_rate)
    given_date = date_option(purchase_date, "--date")
    if customer is not None:
        customer_option(customer)
    lc = setup(config, data_dir)
    cfg = lc.config
    when: date = given_date or today_in(cfg.billing.timezone)

    wanted = _dedupe(terms)
    refused = [msg for msg in (check_terms(t, cfg) for t in wanted) if msg]
    if refused:
        raise RefusedError("; ".join(refused))

    statement_day = None
    sc = None
    rate_given = rate is not None
    if customer is not None:
        cust, dataset = _customer(lc, customer, encoding)
        statement_day = cust.statement_day
        sc = _customer_offer(lc, cust, dataset, when)
        _check_customer_offer(sc, customer, amt, wanted)
        if rate is None:
            rate = sc.offer.fee_rate

    if rate_given and 1 in wanted:
        warn("--fee-rate does not apply to 1 installment: pay-in-full is interest-free")
    quotes = [build_quote(amt, t, when, cfg, fee_rate=rate, statement_day=statement_day) for t in wanted]

    over = [qt for qt in quotes if qt.apr_exceeds_cap]
    if over and cfg.pricing.enforce_cap:
        raise RefusedError("; ".join(
            f"{qt.terms} installments: APR {percent(qt.apr)} is above the {percent(qt.apr_cap)} cap "
            "(pricing.apr_cap)" for qt in over) + "; refused because pricing.enforce_cap is true")
    for qt in over:
        warn(f"{qt.terms} installments: APR {percent(qt.apr)} is above the {percent(qt.apr_cap)} cap "
             "(pricing.apr_cap)")

    extra = _offer_json(sc, rate_given) if sc is not None else None
    if len(quotes) == 1:
        qt = quotes[0]
        table = _schedule_table(qt, lead=True)
        if sc is not None:
            table = replace(table, lead=(*table.lead, _offer_line(sc, customer)))
        emit(fmt.value, json_obj=quote_json(qt, customer, extra), tables=[table])
        return
    csv_table = Table(headers=("terms",) + SCHEDULE_HEADERS,
                      rows=[[qt.terms] + r for qt in quotes for r in _schedule_rows(qt)])
    comparison = _comparison_table(quotes)
    if sc is not None:
        comparison = replace(comparison, lead=(*comparison.lead, _offer_line(sc, customer)))
    emit(fmt.value, json_obj={"quotes": [quote_json(qt, customer, extra) for qt in quotes]},
         tables=[comparison] + [_schedule_table(qt, lead=False) for qt in quotes],
         csv_table=csv_table)
