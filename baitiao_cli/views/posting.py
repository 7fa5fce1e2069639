"""The output of ``repay``, ``defer`` and ``convert``: the JSON object (SPEC 5), the tables and the CSV of a
:class:`services.posting.Posted`. ``repayment(posted)`` / ``deferral(posted)`` / ``conversion(posted)`` return a
:class:`Report` whose fields are ``render.emit``'s keyword arguments."""

from __future__ import annotations

from datetime import timedelta
from typing import Any, NamedTuple, Optional

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
                  "credit": "credit balance", "recovery": "recovery (written-off account)"}
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


# --- reverse, waive, write-off: the account before and after ------------------------------------------

POSITION_KEYS = ("total_due", "total_owed", "overdue_amount", "dpd", "late_fee_owed", "revolving_fee_owed",
                 "written_off")
CHANGE_CSV_HEADERS = ("ref", "status", "customer_id", "field", "before", "after")


def _position(acct: Optional[Account]) -> Optional[dict[str, Any]]:
    """What a correction changes, on the business date: amounts owed, DPD, late fee, write-off."""
    if acct is None:
        return None
    od = acct.overdue
    return {"total_due": fen_str(acct.total_due_fen), "total_owed": fen_str(od.total_owed_fen),
            "overdue_amount": fen_str(od.overdue_amount_fen), "dpd": od.dpd,
            "late_fee_owed": fen_str(acct.late_fees.owed_fen),
            "revolving_fee_owed": fen_str(acct.revolving_fee_owed_fen),
            "written_off": fen_str(acct.write_off.amount_fen) if acct.write_off is not None else None}


def _changes(obj: dict[str, Any], ref: str) -> tuple[list[list[Any]], list[list[Any]]]:
    """Table rows (field, before, after) and CSV rows of a correction's before/after positions."""
    before, after = obj.get("before") or {}, obj.get("after") or {}
    rows, csv_rows = [], []
    for k in POSITION_KEYS:
        b, a = before.get(k), after.get(k)
        if b is None and a is None:
            continue
        cells = ["" if b is None else b, "" if a is None else a]
        rows.append([k.replace("_", " "), *cells])
        csv_rows.append([ref, obj["status"], obj["customer_id"], k, *cells])
    return rows, csv_rows


def _change_report(obj: dict[str, Any], ref: str, lead: list[str], title: str) -> Report:
    rows, csv_rows = _changes(obj, ref)
    table = Table(headers=("on " + obj["as_of"], "before", "after"), rows=rows, title=title, lead=tuple(lead),
                  align_right=frozenset({"before", "after"}))
    return Report(obj, [table], Table(headers=CHANGE_CSV_HEADERS, rows=csv_rows))


def reversal(posted: Posted) -> Report:
    """``reverse``: SPEC 5 keys (reversal_id, status, target_id), then the account before and after."""
    request = posted.record
    obj = {"reversal_id": request["reversal_id"], "status": posted.status, "target_id": request["target_id"],
           "target_kind": posted.target or None, "customer_id": posted.account.customer.customer_id,
           "date": request["date"], "reason": request["reason"],
           "before": _position(posted.before), "after": _position(posted.account), **_posting_tail(posted)}
    lead = [_headline(obj, "reversal", obj["reversal_id"], posted.customer_name),
            f"{(obj['target_kind'] or 'record').capitalize()} {obj['target_id']} reversed on {obj['date']}"
            + (f" ({obj['reason']})" if obj["reason"] else "")
            + ": every report dated on or after that day treats it as never posted"]
    return _change_report(obj, obj["reversal_id"], lead, "Reversal (冲正)")


WAIVED_TEXT = {"waive_late_fee": "late fee", "waive_revolving_fee": "revolving fee", "waive_fee": "fees"}


def adjustment(posted: Posted) -> Report:
    """``waive`` and ``write-off``: the adjustment as applied, then the account before and after."""
    from ..engine.account import WriteOffApplied

    request, applied = posted.record, posted.adjustment
    write_off = request["kind"] == "write_off"
    obj = {"adjustment_id": request["adjustment_id"], "status": posted.status, "customer_id": request["customer_id"],
           "kind": request["kind"], "date": request["date"],
           "amount": fen_str(applied.amount_fen) if applied is not None else (request["amount"] or None),
           "reason": request["reason"],
           **({"dpd": applied.dpd if isinstance(applied, WriteOffApplied) else None} if write_off else {}),
           "before": _position(posted.before), "after": _position(posted.account), **_posting_tail(posted)}
    what = "write-off" if write_off else "waiver"
    lead = [_headline(obj, what, obj["adjustment_id"], posted.customer_name)]
    if applied is None:
        lead.append("Not applied by the rules (see the warning)")
    elif write_off:
        lead.append(f"Written off on {obj['date']} at {obj['dpd']} days past due: {obj['amount']} out of receivables; "
                    "money received from now on is a recovery")
    else:
        lead.append(f"{obj['amount']} of {WAIVED_TEXT[obj['kind']]} waived on {obj['date']}"
                    + (f" ({obj['reason']})" if obj["reason"] else ""))
    return _change_report(obj, obj["adjustment_id"], lead, "Write-off (核销)" if write_off else "Waiver (减免)")
