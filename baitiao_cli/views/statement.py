"""Statements as output: the ``bill`` JSON object, the text statement, the summary row, the tables.

Pure: an ``Account`` and one of its ``Statement``s in, plain dicts/strings/tables out. Personal
data leaves only masked (``baitiao_cli.privacy``). Nothing depends on the clock, so the
same statement always gives the same bytes.

JSON of one statement (SPEC 5 contract keys first, then extras)::

    {"customer_id", "statement_date", "due_date", "total_due", "minimum_due",
     "items": [{"kind", "txn_id", "period", "principal", "fee", "amount",       # contract
                "periods", "outstanding", "carried", "statement_date", "due_date", "purchase_date"}],
     "statement_number", "effective_due_date", "deferred_due_date", "name", "phone",
     "new_principal", "new_fees", "new_amount", "carried_amount", "late_fee_posted", "late_fee_unpaid",
     "revolving_fee_posted", "revolving_fee_unpaid",     # these two only with the minimum payment on
     "payments", "refunds", "credits_applied", "credit_balance", "activity": [...],
     "credit_limit", "available_credit",                                       # null when no limit
     "upcoming": [{"statement_date", "due_date", "txn_id", "period", "periods", "principal", "fee",
                   "amount"}],
     "upcoming_totals": [{"statement_date", "amount"}]}

``period`` is an int (1..N) and ``periods`` is N; the text statement shows ``i/N``.
``amount`` of an item is its billed principal + fee; ``outstanding`` what was unpaid of it
when the statement was issued (a carried item shows its remaining amount there).
"""

from __future__ import annotations

import re
from datetime import date
from typing import TYPE_CHECKING, Any, NamedTuple, Optional, Sequence

from ..engine.account import (
    ACT_CREDIT_APPLIED, ACT_PAYMENT, ACT_REFUND, ACT_SETTLEMENT, Account, Statement, StatementLine,
)
from ..engine.money import fen_str, to_fen
from ..privacy import mask_phone
from ..render import Table, display_width
from .labels import kind_label, label

if TYPE_CHECKING:
    from ..engine.minimum_only import MinimumOnlyCost

SUMMARY_HEADERS = (
    "customer_id", "name", "phone", "statement_date", "due_date", "deferred_due_date", "new_principal",
    "new_fees", "carried_amount", "late_fee", "payments", "refunds", "credits_applied", "credit_balance",
    "total_due", "minimum_due", "credit_limit", "available_credit", "items",
)

# the English labels (kept for callers); every language: ``views.labels``
KIND_LABEL = {k: kind_label("en", "kind", k) for k in ("purchase", "installment", "deferral_fee", "conversion")}
ACTIVITY_LABEL = {k: kind_label("en", "act", k) for k in (
    "payment", "settlement", "refund", "credit_applied", "late_fee_posted", "deferral", "conversion",
    "revolving_fee_posted", "waiver", "write_off", "recovery")}


def _limit_fen(account: Account) -> Optional[int]:
    lim = account.customer.credit_limit
    return None if lim is None else to_fen(lim)


def _item(ln: StatementLine, carried: bool) -> dict[str, Any]:
    return {
        "kind": ln.kind, "txn_id": ln.txn_id, "period": ln.period,
        "principal": fen_str(ln.principal_fen), "fee": fen_str(ln.fee_fen),
        "amount": fen_str(ln.principal_fen + ln.fee_fen),
        "periods": ln.periods, "outstanding": fen_str(ln.outstanding_fen), "carried": carried,
        "statement_date": ln.statement_date.isoformat(), "due_date": ln.due_date.isoformat(),
        "purchase_date": ln.purchase_date.isoformat(),
    }


def _totals(st: Statement) -> dict[str, int]:
    t = {"payments": 0, "refunds": 0, "credits_applied": 0}
    for a in st.activity:
        if a.kind in (ACT_PAYMENT, ACT_SETTLEMENT):
            t["payments"] += a.amount_fen
        elif a.kind == ACT_REFUND:
            t["refunds"] += a.amount_fen
        elif a.kind == ACT_CREDIT_APPLIED:
            t["credits_applied"] += a.amount_fen
    return t


def upcoming_totals(st: Statement) -> list[tuple[Any, int]]:
    """(statement date, principal + fee due on it) for the next three statements."""
    out = []
    for sd in st.upcoming_dates:
        out.append((sd, sum(p.principal_fen + p.fee_fen for p in st.upcoming if p.statement_date == sd)))
    return out


def statement_json(account: Account, st: Statement) -> dict[str, Any]:
    """One statement as the ``bill`` JSON object (SPEC 5 keys first)."""
    c = account.customer
    tot = _totals(st)
    limit = _limit_fen(account)
    out = {
        "customer_id": c.customer_id,
        "statement_date": st.statement_date.isoformat(),
        "due_date": st.due_date.isoformat(),
        "total_due": fen_str(st.total_due_fen),
        "minimum_due": fen_str(st.minimum_due_fen),
        "items": [_item(ln, False) for ln in st.new_items] + [_item(ln, True) for ln in st.carried_items],
        "statement_number": st.number,
        "effective_due_date": st.effective_due_date.isoformat(),
        "deferred_due_date": st.deferred_due_date.isoformat() if st.deferred_due_date else None,
        "name": c.name,
        "phone": mask_phone(c.phone),
        "new_principal": fen_str(sum(ln.principal_fen for ln in st.new_items)),
        "new_fees": fen_str(sum(ln.fee_fen for ln in st.new_items)),
        "new_amount": fen_str(sum(ln.outstanding_fen for ln in st.new_items)),
        "carried_amount": fen_str(sum(ln.outstanding_fen for ln in st.carried_items)),
        "late_fee_posted": fen_str(st.late_fee_posted_fen),
        "late_fee_unpaid": fen_str(st.late_fee_unpaid_fen),
        **_revolving_json(st),
        "payments": fen_str(tot["payments"]),
        "refunds": fen_str(tot["refunds"]),
        "credits_applied": fen_str(tot["credits_applied"]),
        "credit_balance": fen_str(st.credit_balance_fen),
        "activity": [{"date": a.date.isoformat(), "kind": a.kind, "ref": a.ref, "amount": fen_str(a.amount_fen),
                      "detail": a.detail} for a in st.activity],
        "credit_limit": fen_str(limit) if limit is not None else None,
        "available_credit": fen_str(st.available_credit_fen(limit)) if limit is not None else None,
        "upcoming": [{"statement_date": p.statement_date.isoformat(), "due_date": p.due_date.isoformat(),
                      "txn_id": p.txn_id, "period": p.period, "periods": p.periods,
                      "principal": fen_str(p.principal_fen), "fee": fen_str(p.fee_fen),
                      "amount": fen_str(p.principal_fen + p.fee_fen)} for p in st.upcoming],
        "upcoming_totals": [{"statement_date": sd.isoformat(), "amount": fen_str(a)}
                            for sd, a in upcoming_totals(st)],
        "on_time_streak": account.on_time_streak,
        "on_time_to_raise": max(0, account.raise_after - account.on_time_streak),
    }
    return out


def incentive_text(account: Account, lang: str = "en") -> str:
    """The on-time incentive (SPEC 4.12): the streak and what it earns at the next credit-line review."""
    n, need = account.on_time_streak, account.raise_after
    tr = label(lang)
    return (tr("incentive_more").format(n=n, k=need - n) if n < need else tr("incentive_due").format(n=n))


def _revolving_json(st: Statement) -> dict[str, str]:
    """The revolving fee keys of a statement issued with the minimum payment on (none when off)."""
    if not st.revolving:
        return {}
    return {"revolving_fee_posted": fen_str(st.revolving_fee_posted_fen),
            "revolving_fee_unpaid": fen_str(st.revolving_fee_unpaid_fen)}


class SummaryRow(NamedTuple):
    """One row of ``summary.csv`` / ``bill --format csv`` (columns: ``SUMMARY_HEADERS``), as text."""

    customer_id: str
    name: str
    phone: str
    statement_date: str
    due_date: str
    deferred_due_date: str
    new_principal: str
    new_fees: str
    carried_amount: str
    late_fee: str
    payments: str
    refunds: str
    credits_applied: str
    credit_balance: str
    total_due: str
    minimum_due: str
    credit_limit: str
    available_credit: str
    items: int


assert SummaryRow._fields == SUMMARY_HEADERS


def summary_row(account: Account, st: Statement) -> SummaryRow:
    """One row of ``summary.csv`` / ``bill --format csv`` (columns: ``SUMMARY_HEADERS``)."""
    c = account.customer
    tot = _totals(st)
    limit = _limit_fen(account)
    return SummaryRow(
        c.customer_id, c.name, mask_phone(c.phone), st.statement_date.isoformat(), st.due_date.isoformat(),
        st.deferred_due_date.isoformat() if st.deferred_due_date else "",
        fen_str(sum(ln.principal_fen for ln in st.new_items)), fen_str(sum(ln.fee_fen for ln in st.new_items)),
        fen_str(sum(ln.outstanding_fen for ln in st.carried_items)), fen_str(st.late_fee_unpaid_fen),
        fen_str(tot["payments"]), fen_str(tot["refunds"]), fen_str(tot["credits_applied"]),
        fen_str(st.credit_balance_fen), fen_str(st.total_due_fen), fen_str(st.minimum_due_fen),
        fen_str(limit) if limit is not None else "",
        fen_str(st.available_credit_fen(limit)) if limit is not None else "",
        len(st.new_items) + len(st.carried_items),
    )


def _cols(rows: list[list[str]], right: set[int]) -> list[str]:
    """Fixed-width text columns (no dependency on tabulate: the text file must never change)."""
    if not rows:
        return []
    widths = [max(_width(r[i]) for r in rows) for i in range(len(rows[0]))]
    out = []
    for r in rows:
        cells = []
        for i, cell in enumerate(r):
            pad = " " * (widths[i] - _width(cell))
            cells.append(pad + cell if i in right else cell + pad)
        out.append("  " + "  ".join(cells).rstrip())
    return out


def _width(s: str) -> int:
    """Display width in terminal cells (``render.display_width``): wide (CJK) characters take two."""
    return display_width(s)


def statement_text(account: Account, st: Statement, lang: str = "en") -> str:
    """The human-readable statement (the ``.txt`` file), in ``lang`` (labels: ``views.labels``)."""
    tr = label(lang)
    c = account.customer
    limit = _limit_fen(account)
    tot = _totals(st)
    lines = [tr("title").format(date=st.statement_date.isoformat(), number=st.number), ""]
    who = c.customer_id + (f"  {c.name}" if c.name else "") + (f"  {tr('phone')} {mask_phone(c.phone)}" if c.phone else "")
    lines.append(tr("customer") + who)
    lines.append(tr("statement_date") + st.statement_date.isoformat())
    due = tr("due_date") + st.due_date.isoformat()
    if st.deferred_due_date:
        due += tr("deferred_to").format(date=st.deferred_due_date.isoformat())
    lines.append(due)
    if limit is not None:
        lines.append(tr("credit_limit").format(limit=fen_str(limit), available=fen_str(st.available_credit_fen(limit))))
    lines.append(incentive_text(account, lang))
    lines.append("")
    lines += _item_blocks(st, lang)
    lines.append(tr("late_fee_line").format(posted=fen_str(st.late_fee_posted_fen),
                                            unpaid=fen_str(st.late_fee_unpaid_fen)))
    if st.revolving:
        lines.append(tr("revolving_line").format(posted=fen_str(st.revolving_fee_posted_fen),
                                                 unpaid=fen_str(st.revolving_fee_unpaid_fen)))
    lines.append("")
    lines.append(tr("since"))
    if st.activity:
        lines += _cols([[a.date.isoformat(), kind_label(lang, "act", a.kind), a.ref, fen_str(a.amount_fen),
                         activity_detail(a.kind, a.detail, lang)] for a in st.activity], {3})
    else:
        lines.append(tr("nothing"))
    lines.append(tr("since_totals").format(payments=fen_str(tot["payments"]), refunds=fen_str(tot["refunds"]),
                                           used=fen_str(tot["credits_applied"]), left=fen_str(st.credit_balance_fen)))
    lines.append("")
    lines.append(tr("total_due_by").format(amount=fen_str(st.total_due_fen), date=st.effective_due_date.isoformat()))
    lines.append(tr("minimum_due_by").format(amount=fen_str(st.minimum_due_fen),
                                             date=st.effective_due_date.isoformat()))
    lines.append("")
    lines.append(tr("upcoming"))
    if st.upcoming:
        lines += _cols([[tr(h) for h in ("h_statement", "h_txn", "h_period", "h_principal", "h_fee", "h_amount")]]
                       + [[p.statement_date.isoformat(), p.txn_id, f"{p.period}/{p.periods}", fen_str(p.principal_fen),
                           fen_str(p.fee_fen), fen_str(p.principal_fen + p.fee_fen)] for p in st.upcoming], {3, 4, 5})
    else:
        lines.append(tr("none"))
    lines.append(tr("per_statement") + " · ".join(f"{sd.isoformat()} {fen_str(a)}" for sd, a in upcoming_totals(st)))
    return "\n".join(lines) + "\n"


ITEM_HEADS = ("h_kind", "h_txn", "h_period", "h_principal", "h_fee", "h_amount", "h_unpaid", "h_due")


def _item_blocks(st: Statement, lang: str) -> list[str]:
    """The new and the carried items of the text statement, each under its heading."""
    tr = label(lang)
    head = [tr(h) for h in ITEM_HEADS]
    right = {3, 4, 5, 6}

    def row(ln: StatementLine) -> list[str]:
        return [kind_label(lang, "kind", ln.kind), ln.txn_id, f"{ln.period}/{ln.periods}", fen_str(ln.principal_fen),
                fen_str(ln.fee_fen), fen_str(ln.principal_fen + ln.fee_fen), fen_str(ln.outstanding_fen),
                _due(ln, st)]

    lines = [tr("new_items")]
    lines += _cols([head] + [row(ln) for ln in st.new_items], right) if st.new_items else [tr("none")]
    lines.append("")
    lines.append(tr("carried_items"))
    lines += _cols([head] + [row(ln) for ln in st.carried_items], right) if st.carried_items else [tr("none")]
    lines.append("")
    return lines


_DETAIL_PATTERNS = (
    ("deferral", re.compile(r"statement (?P<statement>\S+) due (?P<due>\S+)")),
    ("conversion", re.compile(r"statement (?P<statement>\S+) into (?P<terms>\d+) periods")),
    ("refund", re.compile(r"(?P<ref>.+)")),
    ("waiver", re.compile(r"(?P<component>late_fee|revolving_fee|fee)(?P<rest>(: .*)?)", re.S)),
)


def activity_detail(kind: str, detail: str, lang: str) -> str:
    """An activity's detail in ``lang``: the engine writes it in English (``engine.recorder``)."""
    if lang == "en" or not detail:
        return detail
    for k, pat in _DETAIL_PATTERNS:
        m = pat.fullmatch(detail)
        if k == kind and m:
            fields = m.groupdict()
            if "component" in fields:
                fields["component"] = kind_label(lang, "component", fields["component"])
                fields["rest"] = fields["rest"].replace(": ", "：", 1)
            return label(lang)(f"detail.{k}").format(**fields)
    return detail


# --- tables -------------------------------------------------------------------------------------

BATCH_HEADERS = ("customer", "name", "phone", "statement", "due", "new", "carried", "late fee", "payments",
                 "total due", "minimum due", "available")
# left out first on a narrow terminal; customer, due, new, total due and minimum due always stay
BATCH_DROP = ("phone", "statement", "available", "payments", "name", "late fee", "carried")
_BATCH_MONEY = frozenset({"new", "carried", "late fee", "payments", "total due", "minimum due", "available"})


def batch_table_row(s: SummaryRow, effective_due_date: date, new_amount_fen: int) -> list[Any]:
    """The ``bill --format table`` row of a batch statement, from its summary row: "new" is what the
    new items add (principal and fees still unpaid), so new + carried + late fee = total due."""
    return [s.customer_id, s.name, s.phone, s.statement_date, effective_due_date.isoformat(), fen_str(new_amount_fen),
            s.carried_amount, s.late_fee, s.payments, s.total_due, s.minimum_due, s.available_credit]


def batch_table(rows: Sequence[Sequence[Any]], total_due_fen: int, day: date) -> Table:
    """The batch run as one table: a row per statement (``batch_table_row``), the total due below."""
    return Table(headers=BATCH_HEADERS, rows=rows, title=f"statements dated {day.isoformat()}",
                 align_right=_BATCH_MONEY, drop=BATCH_DROP, footer=f"{len(rows)} statement(s) · total due {fen_str(total_due_fen)}")


def summary_table(rows: Sequence[SummaryRow]) -> Table:
    """The ``--format csv`` table: summary rows."""
    return Table(headers=SUMMARY_HEADERS, rows=rows)


def _lead(account: Account, st: Statement, lang: str = "en") -> list[str]:
    tr = label(lang)
    c = account.customer
    who = c.customer_id + (f" {c.name}" if c.name else "") + (tr("t_phone").format(phone=mask_phone(c.phone))
                                                               if c.phone else "")
    lead = [tr("t_lead").format(date=st.statement_date.isoformat(), number=st.number, who=who),
            tr("t_total").format(amount=fen_str(st.total_due_fen), date=st.effective_due_date.isoformat())
            + (tr("t_deferred_from").format(date=st.due_date.isoformat()) if st.deferred_due_date else "")
            + (tr("t_minimum").format(amount=fen_str(st.minimum_due_fen)) if st.revolving else "")]
    limit = _limit_fen(account)
    if limit is not None:
        lead.append(tr("t_limit").format(limit=fen_str(limit), available=fen_str(st.available_credit_fen(limit))))
    lead.append(incentive_text(account, lang))
    return lead


def _due(ln: StatementLine, st: Statement) -> str:
    """An item's due date as the customer must pay it: the deferred date for the items of a
    deferred statement (its original due date)."""
    if st.deferred_due_date and ln.due_date == st.due_date:
        return st.effective_due_date.isoformat()
    return ln.due_date.isoformat()


def customer_tables(account: Account, st: Statement, lang: str = "en") -> list[Table]:
    """One statement on a terminal: its items (with the headline), the activity, what comes next."""
    tr = label(lang)
    h = {k: tr(k) for k in ITEM_HEADS + ("h_status", "h_statement", "h_date", "h_what", "h_ref", "h_detail")}
    rows = [[kind_label(lang, "kind", ln.kind), ln.txn_id, f"{ln.period}/{ln.periods}", fen_str(ln.principal_fen),
             fen_str(ln.fee_fen), fen_str(ln.principal_fen + ln.fee_fen), fen_str(ln.outstanding_fen),
             _due(ln, st), tr("st_carried") if carried else tr("st_new")]
            for carried, lines in ((False, st.new_items), (True, st.carried_items)) for ln in lines]
    money = frozenset({h["h_principal"], h["h_fee"], h["h_amount"], h["h_unpaid"]})
    items = Table(headers=tuple(h[k] for k in ITEM_HEADS + ("h_status",)),
                  rows=rows, title=tr("t_items"), lead=_lead(account, st, lang), align_right=money,
                  footer=(tr("t_footer_late").format(posted=fen_str(st.late_fee_posted_fen),
                                                     unpaid=fen_str(st.late_fee_unpaid_fen))
                          + (tr("t_footer_revolving").format(posted=fen_str(st.revolving_fee_posted_fen),
                                                             unpaid=fen_str(st.revolving_fee_unpaid_fen))
                             if st.revolving else "")
                          + tr("t_footer_credit").format(amount=fen_str(st.credit_balance_fen))))
    activity = Table(headers=(h["h_date"], h["h_what"], h["h_ref"], h["h_amount"], h["h_detail"]),
                     rows=[[a.date.isoformat(), kind_label(lang, "act", a.kind), a.ref, fen_str(a.amount_fen),
                            activity_detail(a.kind, a.detail, lang)] for a in st.activity],
                     title=tr("since"), align_right=frozenset({h["h_amount"]}))
    upcoming = Table(headers=(h["h_statement"], h["h_txn"], h["h_period"], h["h_principal"], h["h_fee"], h["h_amount"]),
                     rows=[[p.statement_date.isoformat(), p.txn_id, f"{p.period}/{p.periods}",
                            fen_str(p.principal_fen), fen_str(p.fee_fen), fen_str(p.principal_fen + p.fee_fen)]
                           for p in st.upcoming],
                     title=tr("upcoming"), align_right=frozenset({h["h_principal"], h["h_fee"], h["h_amount"]}),
                     footer=" · ".join(f"{sd.isoformat()} {fen_str(a)}" for sd, a in upcoming_totals(st)))
    return [items, activity, upcoming]


def minimum_only_json(cost: "MinimumOnlyCost") -> dict[str, Any]:
    """The cost of paying only the minimum (``engine.minimum_only``) as JSON."""
    return {"as_of": cost.as_of.isoformat(), "owed_now": fen_str(cost.owed_now_fen),
            "total_paid": fen_str(cost.total_paid_fen), "owed_after": fen_str(cost.owed_after_fen),
            "cost": fen_str(cost.cost_fen),
            "payments": [{"statement_date": p.statement_date.isoformat(), "due_date": p.due_date.isoformat(),
                          "total_due": fen_str(p.total_due_fen), "minimum_due": fen_str(p.minimum_due_fen),
                          "payment": fen_str(p.payment_fen), "paid_on": p.paid_on.isoformat()}
                         for p in cost.payments]}


MINIMUM_ONLY_HEADS = ("h_statement", "h_due", "h_total_due", "h_minimum_due", "h_payment")


def minimum_only_text(cost: "MinimumOnlyCost", lang: str = "en") -> str:
    """The lines the text statement gains: paying only the minimum for the next twelve bills."""
    tr = label(lang)
    lines = ["", tr("minimum_only_title").format(n=len(cost.payments))]
    lines += _cols([[tr(k) for k in MINIMUM_ONLY_HEADS]]
                   + [[p.statement_date.isoformat(), p.due_date.isoformat(), fen_str(p.total_due_fen),
                       fen_str(p.minimum_due_fen), fen_str(p.payment_fen)] for p in cost.payments], {2, 3, 4})
    lines.append(tr("minimum_only_sum").format(paid=fen_str(cost.total_paid_fen), after=fen_str(cost.owed_after_fen),
                                               cost=fen_str(cost.cost_fen), now=fen_str(cost.owed_now_fen)))
    return "\n".join(lines) + "\n"


def minimum_only_table(cost: "MinimumOnlyCost", lang: str = "en") -> Table:
    """Paying only the minimum for the next twelve bills, as a table."""
    tr = label(lang)
    heads = tuple(tr(k) for k in MINIMUM_ONLY_HEADS)
    return Table(headers=heads,
                 rows=[[p.statement_date.isoformat(), p.due_date.isoformat(), fen_str(p.total_due_fen),
                        fen_str(p.minimum_due_fen), fen_str(p.payment_fen)] for p in cost.payments],
                 title=tr("t_minimum_only").format(n=len(cost.payments)),
                 align_right=frozenset(heads[2:]),
                 footer=tr("t_minimum_only_footer").format(paid=fen_str(cost.total_paid_fen),
                                                           after=fen_str(cost.owed_after_fen),
                                                           now=fen_str(cost.owed_now_fen), cost=fen_str(cost.cost_fen)))


def no_statement_table(customer_id: str) -> Table:
    return Table(headers=("customer", "statement"), rows=[], title=f"no statement for {customer_id}")
