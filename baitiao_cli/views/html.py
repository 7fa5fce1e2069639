"""Printable documents: the HTML statement (``bill --out DIR --html``) and the collection notice
(催收通知, ``overdue-report --out DIR --letters``).

Self-contained pages: one inline stylesheet, no script, no image, no external font or link; A4 print
CSS (``@page``), Chinese fonts by name with fallbacks. Every text that comes from the data (name,
ids, refs, details) goes through ``html.escape``; personal data arrives already masked. Pure: a
statement's JSON object (``views.statement.statement_json``) or an ``AccountRisk`` in, a string out;
the same input gives the same bytes. Labels: ``views.labels``.
"""

from __future__ import annotations

from html import escape
from typing import Any, Iterable, Optional, Sequence

from .labels import kind_label, label

FONTS = ('"Noto Sans CJK SC", "Source Han Sans SC", "PingFang SC", "Microsoft YaHei", "WenQuanYi Micro Hei", '
         '"Heiti SC", "SimHei", sans-serif')

CSS = """@page { size: A4; margin: 14mm 14mm 16mm 14mm; }
* { box-sizing: border-box; }
body { font-family: %s; font-size: 10.5pt; color: #111; margin: 0; }
.page { max-width: 182mm; margin: 0 auto; padding: 6mm 0; }
h1 { font-size: 17pt; margin: 0 0 2mm 0; }
h2 { font-size: 11.5pt; margin: 5mm 0 1.5mm 0; border-bottom: 1px solid #999; padding-bottom: 1mm; }
.who { margin: 0 0 3mm 0; color: #333; }
.headline { display: flex; gap: 4mm; margin: 3mm 0; }
.box { flex: 1; border: 1.5px solid #222; padding: 2mm 3mm; }
.box .k { font-size: 9pt; color: #444; }
.box .v { font-size: 15pt; font-weight: bold; font-variant-numeric: tabular-nums; }
table { border-collapse: collapse; width: 100%%; font-size: 9.5pt; }
th, td { border-bottom: 1px solid #ccc; padding: 1mm 1.5mm; text-align: left; vertical-align: top; }
th { background: #eee; font-weight: bold; }
td.n, th.n { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
tr { page-break-inside: avoid; break-inside: avoid; }
.kv td:first-child { color: #444; width: 45%%; }
.note { font-size: 8.5pt; color: #444; margin-top: 5mm; }
.sign { margin-top: 10mm; text-align: right; }
@media print { .page { padding: 0; } h2 { break-after: avoid; } }
""" % FONTS


def _page(lang: str, title: str, body: Iterable[str]) -> str:
    head = ('<!DOCTYPE html>\n<html lang="%s">\n<head>\n<meta charset="utf-8">\n<title>%s</title>\n'
            '<style>\n%s</style>\n</head>\n<body>\n<div class="page">\n'
            % ("zh-CN" if lang == "zh" else "en", escape(title), CSS))
    return head + "\n".join(body) + "\n</div>\n</body>\n</html>\n"


def _table(heads: Sequence[str], rows: Iterable[Sequence[Any]], numeric: frozenset[int] = frozenset()) -> str:
    """A table; every cell is escaped; the ``numeric`` columns are right-aligned."""
    def cls(i: int) -> str:
        return ' class="n"' if i in numeric else ""
    out = ["<table>", "<tr>" + "".join(f"<th{cls(i)}>{escape(h)}</th>" for i, h in enumerate(heads)) + "</tr>"]
    for r in rows:
        out.append("<tr>" + "".join(f"<td{cls(i)}>{escape('' if c is None else str(c))}</td>"
                                    for i, c in enumerate(r)) + "</tr>")
    out.append("</table>")
    return "\n".join(out)


def _kv(pairs: Iterable[tuple[str, Optional[str]]]) -> str:
    rows = "".join(f'<tr><td>{escape(k)}</td><td class="n">{escape(v)}</td></tr>' for k, v in pairs if v is not None)
    return f'<table class="kv">{rows}</table>'


def _box(key: str, value: str) -> str:
    return f'<div class="box"><div class="k">{escape(key)}</div><div class="v">{escape(value)}</div></div>'


def _item_due(s: dict, it: dict) -> str:
    """An item's due date as it must be paid: the deferred date for the items of a deferred statement."""
    return s["effective_due_date"] if s.get("deferred_due_date") and it["due_date"] == s["due_date"] else it["due_date"]


def statement_html(s: dict, lang: str = "zh") -> str:
    """One statement (its ``bill`` JSON object, ``minimum_only`` included when present) as an HTML page."""
    tr = label(lang)
    who = " ".join(x for x in (s["customer_id"], s.get("name") or "",
                               f"{tr('phone')} {s['phone']}" if s.get("phone") else "") if x)
    body = [f"<h1>{escape(tr('title').format(date=s['statement_date'], number=s['statement_number']))}</h1>",
            f'<p class="who">{escape(tr("html_customer"))}：{escape(who)}</p>',
            '<div class="headline">' + _box(tr("html_total_due"), s["total_due"])
            + _box(tr("html_minimum_due"), s["minimum_due"]) + _box(tr("html_pay_by"), s["effective_due_date"])
            + "</div>"]
    n = s["on_time_streak"]
    k = s["on_time_to_raise"]
    body.append(f"<p>{escape(tr('incentive_more').format(n=n, k=k) if k else tr('incentive_due').format(n=n))}</p>")
    body.append(_kv(_summary_pairs(s, tr)))
    heads = [tr(h) for h in ("h_kind", "h_txn", "h_period", "h_principal", "h_fee", "h_amount", "h_unpaid", "h_due")]
    for title, carried in ((tr("new_items"), False), (tr("carried_items"), True)):
        rows = [[kind_label(lang, "kind", it["kind"]), it["txn_id"], f"{it['period']}/{it['periods']}",
                 it["principal"], it["fee"], it["amount"], it["outstanding"], _item_due(s, it)]
                for it in s["items"] if it["carried"] is carried]
        body += [f"<h2>{escape(title)}</h2>", _table(heads, rows, frozenset({3, 4, 5, 6})) if rows
                 else f"<p>{escape(tr('none').strip())}</p>"]
    body += _activity_html(s, lang)
    body += _upcoming_html(s, tr)
    if s.get("minimum_only"):
        body += _minimum_only_html(s["minimum_only"], tr)
    note = tr("html_footer") + (tr("html_footer_revolving") if "revolving_fee_unpaid" in s else "")
    body.append(f'<p class="note">{escape(note)}</p>')
    return _page(lang, tr("html_title").format(date=s["statement_date"]), body)


def _summary_pairs(s: dict, tr) -> list[tuple[str, Optional[str]]]:
    due = s["due_date"] + (tr("deferred_to").format(date=s["deferred_due_date"]) if s.get("deferred_due_date") else "")
    return [(tr("statement_date").strip(" ：:"), s["statement_date"]), (tr("due_date").strip(" ：:"), due),
            (tr("new_items"), s["new_amount"]), (tr("h_principal"), s["new_principal"]), (tr("h_fee"), s["new_fees"]),
            (tr("carried_items"), s["carried_amount"]),
            (tr("late_fee_line").split("{")[0].strip(" ：:"), s["late_fee_posted"]),
            (tr("html_late_fee"), s["late_fee_unpaid"]),
            (tr("revolving_line").split("{")[0].strip(" ：:"), s.get("revolving_fee_posted")),
            (tr("html_revolving_fee"), s.get("revolving_fee_unpaid")),
            (tr("html_payments"), s["payments"]), (tr("html_refunds"), s["refunds"]),
            (tr("act.credit_applied"), s["credits_applied"]), (tr("html_credit_balance"), s["credit_balance"]),
            (tr("html_credit_limit"), s.get("credit_limit")), (tr("html_available"), s.get("available_credit"))]


def _activity_html(s: dict, lang: str) -> list[str]:
    from .statement import activity_detail

    tr = label(lang)
    rows = [[a["date"], kind_label(lang, "act", a["kind"]), a["ref"], a["amount"],
             activity_detail(a["kind"], a["detail"], lang)] for a in s["activity"]]
    heads = [tr(h) for h in ("h_date", "h_what", "h_ref", "h_amount", "h_detail")]
    return [f"<h2>{escape(tr('since'))}</h2>",
            _table(heads, rows, frozenset({3})) if rows else f"<p>{escape(tr('nothing').strip())}</p>"]


def _upcoming_html(s: dict, tr) -> list[str]:
    rows = [[p["statement_date"], p["txn_id"], f"{p['period']}/{p['periods']}", p["principal"], p["fee"], p["amount"]]
            for p in s["upcoming"]]
    heads = [tr(h) for h in ("h_statement", "h_txn", "h_period", "h_principal", "h_fee", "h_amount")]
    out = [f"<h2>{escape(tr('upcoming'))}</h2>",
           _table(heads, rows, frozenset({3, 4, 5})) if rows else f"<p>{escape(tr('none').strip())}</p>"]
    if s["upcoming_totals"]:
        out.append(_table([tr("h_statement"), tr("h_amount")],
                          [[u["statement_date"], u["amount"]] for u in s["upcoming_totals"]], frozenset({1})))
    return out


def _minimum_only_html(m: dict, tr) -> list[str]:
    heads = [tr(h) for h in ("h_statement", "h_due", "h_total_due", "h_minimum_due", "h_payment")]
    rows = [[p["statement_date"], p["due_date"], p["total_due"], p["minimum_due"], p["payment"]] for p in m["payments"]]
    return [f"<h2>{escape(tr('html_minimum_only').format(n=len(rows), paid=m['total_paid'], after=m['owed_after']))}</h2>",
            _table(heads, rows, frozenset({2, 3, 4})),
            f"<p>{escape(tr('minimum_only_sum').format(paid=m['total_paid'], after=m['owed_after'], cost=m['cost'], now=m['owed_now']).strip())}</p>"]


# --- the collection notice (催收通知) -----------------------------------------------------------------

def notice_html(r: Any, as_of: str, lang: str = "zh") -> str:
    """The collection notice of one account at the legal stage (an ``engine.overdue.AccountRisk``):
    masked phone and ID number, the amounts, what to pay and by when."""
    from ..engine.money import fen_str
    from ..privacy import mask_id, mask_phone

    tr = label(lang)
    c = r.customer
    to = tr("n_to").format(name=c.name or c.customer_id, customer_id=c.customer_id,
                           phone=mask_phone(c.phone) or "-", id_number=mask_id(c.id_number) or "-")
    oldest = r.oldest_due_date.isoformat() if r.oldest_due_date else "-"
    body = [f"<h1>{escape(tr('n_title'))}</h1>", f'<p class="who">{escape(to)}</p>',
            f"<p>{escape(tr('n_body').format(as_of=as_of, dpd=r.dpd, oldest=oldest))}</p>",
            _kv([(tr("n_dpd"), str(r.dpd)), (tr("n_overdue"), fen_str(r.overdue_fen)),
                 (tr("n_late_fee"), fen_str(r.late_fee_fen)), (tr("n_to_cure"), fen_str(r.to_cure_fen)),
                 (tr("n_total_owed"), fen_str(r.total_owed_fen)),
                 (tr("n_action"), kind_label(lang, "action", r.action or ""))]),
            f"<p>{escape(tr('n_ask').format(to_cure=fen_str(r.to_cure_fen)))}</p>",
            f'<p class="sign">{escape(tr("n_sign").format(as_of=as_of))}</p>']
    return _page(lang, f"{tr('n_title')} {c.customer_id}", body)
