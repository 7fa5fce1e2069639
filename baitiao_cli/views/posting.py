"""The output of ``repay``, ``defer`` and ``convert``: the JSON object (SPEC 5), the tables and the CSV of a
:class:`services.posting.Posted`. ``repayment(posted)`` / ``deferral(posted)`` / ``conversion(posted)`` return a
:class:`Report` whose fields are ``render.emit``'s keyword arguments."""

from __future__ import annotations

from datetime import timedelta
from typing import Any, NamedTuple

from ..engine.account import CREDIT, Account
from ..engine.money import dec, fen_str, rate_str
from ..render import Table
from ..services.posting import Posted

# The headline of a posting's table, by status.
STATUS_TEXT = {
    "recorded": "Recorded",
    "duplicate": "Already recorded (same ref, same content): nothing written",
    "dry_run": "Dry run: nothing written",
}
COMPONENT_TEXT = {"late_fee": "late fee", "revolving_fee": "revolving fee", "fee": "fee", "principal": "principal",
                  "credit": "credit balance"}
REPAYMENT_CSV_HEADERS = ("repayment_id", "status", "txn_id", "period", "component", "amount")
DEFERRAL_CSV_HEADERS = ("deferral_id", "status", "customer_id", "statement_date", "original_due_date",
                        "new_due_date", "days", "deferred_outstanding", "fee")


class Report(NamedTuple):
    json_obj: dict[str, Any]
    tables: list[Table]
    csv_table: Table


def _headline(obj: dict[str, Any], what: str, ref: str, name: str) -> str:
    return (f"{STATUS_TEXT[obj['status']]} · {what} {ref} · customer {obj['customer_id']}"
            + (f" {name}" if name else ""))


# --- repay -----------------------------------------------------------------------------------------

def repayment(posted: Posted) -> Report:
    obj = repayment_object(posted)
    return Report(obj, [_allocation_table(obj, posted.customer_name)], _allocation_csv(obj))


def _remaining(acct: Account) -> dict[str, Any]:
    od = acct.overdue
    return {
        "total_owed": fen_str(od.total_owed_fen),
        "total_due": fen_str(acct.total_due_fen),
        "billed_unpaid": fen_str(acct.billed_outstanding_fen),
        "late_fee_owed": fen_str(acct.late_fees.owed_fen),
        **({"revolving_fee_owed": fen_str(acct.revolving_fee_owed_fen)} if acct.minimum_status is not None else {}),
        "unbilled_principal": fen_str(acct.unbilled_principal_fen),
        "unbilled_fee": fen_str(acct.unbilled_fee_fen),
        "overdue_amount": fen_str(od.overdue_amount_fen),
        "dpd": od.dpd,
    }


def repayment_object(p: Posted) -> dict[str, Any]:
    """The SPEC 5 repay object (contract keys first), then the extras."""
    request, acct = p.record, p.account
    assert acct is not None
    obj: dict[str, Any] = {
        "repayment_id": request["repayment_id"],
        "status": p.status,
        "allocations": [{"txn_id": ln.txn_id, "period": ln.period, "component": ln.component,
                         "amount": fen_str(ln.amount_fen)} for ln in p.lines],
        "credit_balance": fen_str(acct.credit_balance_fen),
        "customer_id": request["customer_id"],
        "date": request["date"],
        "amount": request["amount"],
        "kind": request["kind"],
        "channel": request["channel"],
        "applied_as": p.applied_as,
        "to_credit": fen_str(sum(ln.amount_fen for ln in p.lines if ln.component == CREDIT)),
        "as_of": acct.as_of.isoformat(),
        "remaining": _remaining(acct),
        "back_dated": p.back_dated,
        "journal": str(p.journal),
    }
    if request["kind"] == "settle":
        obj["payoff"] = fen_str(p.payoff_fen) if p.payoff_fen is not None else None
        obj["early_settlement_fees"] = p.policy
    if p.refused is not None:
        obj["refused"] = p.refused
    return obj


def _allocation_table(obj: dict[str, Any], name: str) -> Table:
    settle = obj["kind"] == "settle"
    what = (f"{obj['date']} · {obj['amount']}" + (" · early settlement (提前结清)" if settle else "")
            + (f" · channel {obj['channel']}" if obj["channel"] else ""))
    lead = [_headline(obj, "repayment", obj["repayment_id"], name), what]
    if settle and obj.get("payoff") is not None:
        lead.append(f"Payoff on {obj['date']} (installments.early_settlement_fees = "
                    f"{obj['early_settlement_fees']}): {obj['payoff']}")
    if obj.get("refused"):
        lead.append(f"REFUSED: {obj['refused']}")
    rows = [[a["txn_id"] or "", "" if a["period"] is None else a["period"],
             COMPONENT_TEXT.get(a["component"], a["component"]), a["amount"]] for a in obj["allocations"]]
    r = obj["remaining"]
    footer = (f"Credit balance {obj['credit_balance']} · still owed {r['total_owed']} as of {obj['as_of']} "
              f"(billed unpaid {r['billed_unpaid']}, late fee {r['late_fee_owed']}, "
              f"not yet billed principal {r['unbilled_principal']})")
    if r["dpd"]:
        footer += f" · overdue {r['overdue_amount']}, {r['dpd']} days past due"
    return Table(headers=("txn", "period", "component", "amount"), rows=rows, title="Allocation",
                 align_right=frozenset({"period", "amount"}), footer=footer, lead=tuple(lead))


def _allocation_csv(obj: dict[str, Any]) -> Table:
    return Table(headers=REPAYMENT_CSV_HEADERS,
                 rows=[[obj["repayment_id"], obj["status"], a["txn_id"] or "",
                        "" if a["period"] is None else a["period"], a["component"], a["amount"]]
                       for a in obj["allocations"]])


# --- defer -----------------------------------------------------------------------------------------

def deferral(posted: Posted) -> Report:
    obj = deferral_object(posted)
    csv_row = [obj[h] if obj[h] is not None else "" for h in DEFERRAL_CSV_HEADERS]
    return Report(obj, [_deferral_table(obj, posted.customer_name)],
                  Table(headers=DEFERRAL_CSV_HEADERS, rows=[csv_row]))


def deferral_object(p: Posted) -> dict[str, Any]:
    """The deferral object (contract keys first, then the extras)."""
    request, applied = p.record, p.deferral
    return {
        "deferral_id": request["deferral_id"],
        "status": p.status,
        "customer_id": request["customer_id"],
        "statement_date": request["statement_date"],
        "new_due_date": applied.new_due_date.isoformat() if applied else None,
        "fee": fen_str(applied.fee_fen) if applied else None,
        "days": int(request["days"]),
        "date": request["date"],
        "original_due_date": ((applied.new_due_date - timedelta(days=applied.days)).isoformat()
                              if applied else None),
        "deferred_outstanding": fen_str(applied.deferred_outstanding_fen) if applied else None,
        **_posting_tail(p),
    }


def _posting_tail(p: Posted) -> dict[str, Any]:
    """The last keys of a deferral's and a conversion's object."""
    return {"as_of": p.as_of.isoformat(), "back_dated": p.back_dated, "journal": str(p.journal)}


def _deferral_table(obj: dict[str, Any], name: str) -> Table:
    lead = [_headline(obj, "deferral", obj["deferral_id"], name),
            f"Statement {obj['statement_date']} deferred {obj['days']} day(s) on request of {obj['date']}"
            + (f": now due {obj['new_due_date']}, deferral fee {obj['fee']}" if obj["new_due_date"] else "")]
    headers = ("statement", "original due", "new due", "days", "deferred outstanding", "fee")
    row = [obj["statement_date"], obj["original_due_date"] or "", obj["new_due_date"] or "", obj["days"],
           obj["deferred_outstanding"] or "", obj["fee"] or ""]
    return Table(headers=headers, rows=[row], title="Deferral", lead=tuple(lead),
                 align_right=frozenset({"days", "deferred outstanding", "fee"}))


# --- convert ---------------------------------------------------------------------------------------

CONVERSION_CSV_HEADERS = ("conversion_id", "status", "period", "statement_date", "due_date", "principal", "fee",
                          "total")


def conversion(posted: Posted) -> Report:
    obj = conversion_object(posted)
    rows = [[obj["conversion_id"], obj["status"], s["period"], s["statement_date"], s["due_date"], s["principal"],
             s["fee"], s["total"]] for s in obj["schedule"]]
    return Report(obj, [_conversion_table(obj, posted.customer_name)],
                  Table(headers=CONVERSION_CSV_HEADERS, rows=rows))


def conversion_object(p: Posted) -> dict[str, Any]:
    """The SPEC 5 convert object (contract keys first, then the extras); APR by IRR (SPEC 4.3)."""
    from ..engine.apr import annualize

    request, applied = p.record, p.conversion
    schedule = applied.schedule if applied else ()
    rates = annualize(applied.amount, [dec(s.principal_fen + s.fee_fen) for s in schedule]) if applied else None
    return {
        "conversion_id": request["conversion_id"],
        "status": p.status,
        "schedule": [{"period": s.period, "statement_date": s.statement_date.isoformat(),
                      "due_date": s.due_date.isoformat(), "principal": fen_str(s.principal_fen),
                      "fee": fen_str(s.fee_fen), "total": fen_str(s.principal_fen + s.fee_fen)} for s in schedule],
        "total_fee": fen_str(sum(s.fee_fen for s in schedule)) if applied else None,
        "apr": rate_str(rates.apr, 4) if rates else None,
        "effective_annual_rate": rate_str(rates.effective_annual_rate, 4) if rates else None,
        "customer_id": request["customer_id"],
        "statement_date": request["statement_date"],
        "date": request["date"],
        "amount": request["amount"],
        "terms": int(request["terms"]),
        "fee_rate": rate_str(applied.fee_rate, exact=True) if applied else (request["fee_rate"] or None),
        "taken": [{"txn_id": t, "amount": fen_str(x)} for t, x in applied.taken] if applied else [],
        **_posting_tail(p),
    }


def _pct(rate: str, exact: bool = False) -> str:
    """A rate of the JSON object as a table shows it: a percent (exact for a per-period fee rate)."""
    from decimal import Decimal, InvalidOperation

    from ..engine.money import percent_str
    from .quote import exact_percent

    try:
        return exact_percent(Decimal(rate)) if exact else percent_str(Decimal(rate))
    except InvalidOperation:          # (a request's rate as typed, refused before it was parsed)
        return rate


def _conversion_table(obj: dict[str, Any], name: str) -> Table:
    lead = [_headline(obj, "conversion", obj["conversion_id"], name),
            f"Statement {obj['statement_date']}: {obj['amount']} into {obj['terms']} periods on request of "
            f"{obj['date']}" + (f" at {_pct(obj['fee_rate'], True)} per period" if obj["fee_rate"] else "")]
    if obj["apr"] is not None:
        lead.append(f"Total fee {obj['total_fee']} · 年化利率 APR {_pct(obj['apr'])} (IRR method)")
    rows = [[f"{s['period']}/{obj['terms']}", s["statement_date"], s["due_date"], s["principal"], s["fee"], s["total"]]
            for s in obj["schedule"]]
    return Table(headers=("period", "statement", "due", "principal", "fee", "total"), rows=rows,
                 title="Statement installments (账单分期)", lead=tuple(lead),
                 align_right=frozenset({"period", "principal", "fee", "total"}))
