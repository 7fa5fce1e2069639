"""The output of ``repay`` and ``defer``: the JSON object (SPEC 5), the tables and the CSV of a
:class:`services.posting.Posted`. ``repayment(posted)`` / ``deferral(posted)`` return a
:class:`Report` whose fields are ``render.emit``'s keyword arguments."""

from __future__ import annotations

from datetime import timedelta
from typing import Any, NamedTuple

from ..engine.account import CREDIT, Account
from ..engine.money import fen_str
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
        "as_of": p.as_of.isoformat(),
        "back_dated": p.back_dated,
        "journal": str(p.journal),
    }


def _deferral_table(obj: dict[str, Any], name: str) -> Table:
    lead = [_headline(obj, "deferral", obj["deferral_id"], name),
            f"Statement {obj['statement_date']} deferred {obj['days']} day(s) on request of {obj['date']}"
            + (f": now due {obj['new_due_date']}, deferral fee {obj['fee']}" if obj["new_due_date"] else "")]
    headers = ("statement", "original due", "new due", "days", "deferred outstanding", "fee")
    row = [obj["statement_date"], obj["original_due_date"] or "", obj["new_due_date"] or "", obj["days"],
           obj["deferred_outstanding"] or "", obj["fee"] or ""]
    return Table(headers=headers, rows=[row], title="Deferral", lead=tuple(lead),
                 align_right=frozenset({"days", "deferred outstanding", "fee"}))
