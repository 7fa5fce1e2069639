"""The reminder list as output: its JSON (SPEC 5), CSV rows, the SMS gateway file, its table.

Pure: a ``services.remind.ReminderList`` in, plain dicts, rows, CSV text and ``render.Table``s
out. Phones leave only masked (``baitiao_cli.privacy``), except in the SMS file the operator
asks for unmasked (``sms_csv(..., masked=False)``: ``remind --out-unmasked``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ..engine.money import fen_str
from ..privacy import mask_phone
from ..render import Table, csv_text

if TYPE_CHECKING:
    from ..engine.remind import Reminder
    from ..services.remind import ReminderList

# --format csv, --out and --out-unmasked: one row per reminder, riskiest first.
CSV_HEADERS = ("customer_id", "name", "phone", "due_date", "days_left", "amount_due", "minimum_due", "pd", "score",
               "grade", "at_risk", "statement_date")
TABLE_HEADERS = ("customer_id", "name", "phone", "due_date", "days_left", "amount_due", "minimum_due", "pd",
                 "grade", "at_risk")
_RIGHT = frozenset({"days_left", "amount_due", "minimum_due", "pd"})


def reminder_json(r: Reminder) -> dict[str, Any]:
    """The contract keys first (SPEC 5), then the extras."""
    c, d = r.customer, r.due
    return {
        "customer_id": c.customer_id,
        "due_date": d.due_date.isoformat(),
        "amount_due": fen_str(d.amount_due_fen),
        "minimum_due": fen_str(d.minimum_due_fen),
        "days_left": d.days_left,
        "pd": r.pd,
        "statement_date": d.statement_date.isoformat(),
        "score": r.score,
        "grade": r.grade,
        "at_risk": r.at_risk,
        "name": c.name,
        "phone": mask_phone(c.phone),
    }


def summary_json(res: ReminderList) -> dict[str, Any]:
    rs = res.reminders
    return {"customers": len(rs), "at_risk": sum(1 for r in rs if r.at_risk),
            "amount_due": fen_str(sum(r.due.amount_due_fen for r in rs)),
            "minimum_due": fen_str(sum(r.due.minimum_due_fen for r in rs))}


def report_json(res: ReminderList) -> dict[str, Any]:
    return {"customers": [reminder_json(r) for r in res.reminders], "as_of": res.as_of.isoformat(),
            "days": res.days, "until": res.until.isoformat(), "at_risk_grades": list(res.at_risk_grades),
            "model": res.model_path.name, "summary": summary_json(res)}


def csv_rows(res: ReminderList, *, masked: bool = True) -> list[list[Any]]:
    phone = mask_phone if masked else (lambda p: p or "")
    return [[r.customer.customer_id, r.customer.name, phone(r.customer.phone), r.due.due_date.isoformat(),
             r.due.days_left, fen_str(r.due.amount_due_fen), fen_str(r.due.minimum_due_fen), r.pd, r.score, r.grade,
             "yes" if r.at_risk else "no", r.due.statement_date.isoformat()] for r in res.reminders]


def sms_csv(res: ReminderList, *, masked: bool) -> str:
    """The SMS gateway file: CSV for Excel (UTF-8 with BOM, CRLF, formula-like text neutralised)."""
    return csv_text(CSV_HEADERS, csv_rows(res, masked=masked), bom=True)


def tables(res: ReminderList) -> list[Table]:
    s = summary_json(res)
    lead = [f"Reminders on {res.as_of.isoformat()}: statements due {res.as_of.isoformat()} to "
            f"{res.until.isoformat()} ({res.days} day(s)) with something unpaid",
            f"{s['customers']} customer(s), {s['at_risk']} at risk (grade {', '.join(res.at_risk_grades)}: no new "
            f"credit by the model {res.model_path.name}); amount due {s['amount_due']}, minimum due "
            f"{s['minimum_due']}"]
    rows = [[r.customer.customer_id, r.customer.name, mask_phone(r.customer.phone), r.due.due_date.isoformat(),
             r.due.days_left, fen_str(r.due.amount_due_fen), fen_str(r.due.minimum_due_fen), r.pd, r.grade,
             "AT RISK" if r.at_risk else ""] for r in res.reminders]
    footer = "" if rows else "no customer has something unpaid on a statement due in the window"
    return [Table(headers=TABLE_HEADERS, rows=rows, title="Reminders (riskiest first)", align_right=_RIGHT,
                  footer=footer, lead=lead)]


def emit_args(res: ReminderList, fmt: str) -> dict[str, Any]:
    """The ``render.emit`` arguments for the list in ``fmt`` (only that format is built)."""
    if fmt == "json":
        return {"json_obj": report_json(res)}
    if fmt == "csv":
        return {"json_obj": None, "csv_table": Table(headers=CSV_HEADERS, rows=csv_rows(res))}
    return {"json_obj": None, "tables": tables(res)}
