"""The output of ``balance``: the JSON object, a key/value table, one CSV row."""

from __future__ import annotations

from typing import Any, NamedTuple

from ..engine.money import fen_str
from ..render import Table

KEYS = ("customer_id", "as_of", "total_due", "minimum_due", "overdue_amount", "dpd", "late_fee", "payoff_amount",
        "credit_balance", "available_credit", "next_due_date", "credit_limit", "revolving_fee", "to_be_current", "billed_unpaid",
        "unbilled_principal", "written_off", "recovered")
LABELS = {"total_due": "total due (应还总额)", "minimum_due": "minimum due (最低还款额)",
          "overdue_amount": "overdue amount", "dpd": "days past due (逾期天数)", "late_fee": "late fee owed",
          "payoff_amount": "early-settlement payoff", "credit_balance": "credit balance",
          "available_credit": "available credit", "credit_limit": "credit limit", "next_due_date": "next due date (到期还款日)",
          "revolving_fee": "revolving fee owed", "to_be_current": "to pay to be current",
          "billed_unpaid": "billed and unpaid", "unbilled_principal": "unbilled principal",
          "written_off": "written off", "recovered": "recovered since"}


class Report(NamedTuple):
    json_obj: dict[str, Any]
    tables: list[Table]
    csv_table: Table


def balance(b, name: str) -> Report:
    obj: dict[str, Any] = {
        "customer_id": b.customer_id, "as_of": b.as_of.isoformat(), "total_due": fen_str(b.total_due_fen),
        "minimum_due": fen_str(b.minimum_due_fen), "overdue_amount": fen_str(b.overdue_amount_fen), "dpd": b.dpd,
        "late_fee": fen_str(b.late_fee_fen), "payoff_amount": fen_str(b.payoff_fen),
        "credit_balance": fen_str(b.credit_balance_fen),
        "available_credit": None if b.available_credit_fen is None else fen_str(b.available_credit_fen),
        "next_due_date": None if b.next_due_date is None else b.next_due_date.isoformat(),
        "credit_limit": None if b.credit_limit_fen is None else fen_str(b.credit_limit_fen),
        "revolving_fee": fen_str(b.revolving_fee_fen), "to_be_current": fen_str(b.to_be_current_fen),
        "billed_unpaid": fen_str(b.billed_unpaid_fen), "unbilled_principal": fen_str(b.unbilled_principal_fen),
        "written_off": fen_str(b.written_off_fen), "recovered": fen_str(b.recovered_fen)}
    rows = [[LABELS[k], "-" if obj[k] is None else obj[k]] for k in KEYS[2:]
            if k not in ("written_off", "recovered") or b.written_off_fen]
    lead = [f"BALANCE of {b.customer_id}" + (f" {name}" if name else "") + f" at the end of {obj['as_of']}"]
    table = Table(headers=("measure", "amount"), rows=rows, title="Balance", lead=lead,
                  align_right=frozenset({"amount"}))
    csv = Table(headers=KEYS, rows=[["" if obj[k] is None else obj[k] for k in KEYS]])
    return Report(obj, [table], csv)
