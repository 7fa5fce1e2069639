"""The overdue report as output: its JSON (SPEC 5), CSV rows, the collectors' worklist, its tables.

Pure: an ``services.overdue.OverdueReport`` in, plain dicts, rows, CSV text and
``render.Table``s out. Phones leave only masked (``baitiao_cli.privacy``).
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING, Any, Optional

from ..engine.money import fen_str, rate_str
from ..engine.overdue import PAID_OFF, REGULATORY_LABELS, ratio
from ..privacy import mask_phone
from ..render import Table, bar, csv_text
from .labels import kind_label, label

if TYPE_CHECKING:
    from ..engine.overdue import AccountRisk, PortfolioSummary, RiskPolicy, RollRates, ScenarioTally
    from ..services.overdue import OverdueReport as Report

# --format csv: one row per overdue account (the JSON account fields, flat).
CSV_HEADERS = ("customer_id", "name", "phone", "dpd", "bucket", "overdue_amount", "late_fee", "total_owed",
               "regulatory_class", "stage", "ecl", "action", "action_since", "oldest_due_date", "frozen")
# --out: the collectors' worklist.
WORKLIST_HEADERS = ("priority", "customer_id", "name", "phone", "action", "action_since", "dpd", "bucket",
                    "oldest_due_date", "overdue_amount", "late_fee", "to_cure", "total_owed", "frozen",
                    "regulatory_class", "class_label", "stage")
SCENARIO_HEADERS = ("scenario", "accts", "receivables", "% book", "od accts", "overdue", "30+ n", "30+ amt",
                    "90+ n", "90+ amt")
BAR_WIDTH = 16   # the bucket table stays within 80 columns

# --- formatting helpers ---------------------------------------------------------------------------

def _rate(r: Decimal) -> str:
    """A configured rate with at least 4 places, never losing digits."""
    return rate_str(r, as_written=True)


def _pct(num: int, den: int) -> str:
    return f"{ratio(num, den, 4) * 100:.2f}%"


def _date(d: Optional[date]) -> Optional[str]:
    return d.isoformat() if d is not None else None


# --- JSON (contract: SPEC 5) ----------------------------------------------------------------------

def account_json(r: AccountRisk) -> dict[str, Any]:
    c = r.customer
    return {
        "customer_id": c.customer_id,
        "dpd": r.dpd,
        "bucket": r.bucket,
        "overdue_amount": fen_str(r.overdue_fen),
        "late_fee": fen_str(r.late_fee_fen),
        "action": r.action,
        "stage": r.stage,
        "regulatory_class": r.regulatory_class,
        "name": c.name,
        "phone": mask_phone(c.phone),
        "overdue_principal": fen_str(r.overdue_principal_fen),
        "overdue_fee": fen_str(r.overdue_fee_fen),
        "total_owed": fen_str(r.total_owed_fen),
        "oldest_due_date": _date(r.oldest_due_date),
        "action_since": _date(r.action_since),
        "frozen": r.frozen,
        "pd": _rate(r.pd),
        "ecl": fen_str(r.ecl_fen),
    }


def summary_json(s: PortfolioSummary, policy: RiskPolicy, roll: Optional[RollRates]) -> dict[str, Any]:
    rec = s.receivables_fen
    out: dict[str, Any] = {
        "accounts_total": s.accounts_total,
        "accounts": s.accounts,
        "accounts_without_balance": s.accounts_without_balance,
        "receivables": fen_str(rec),
        "overdue_accounts": s.overdue_accounts,
        "overdue_amount": fen_str(s.overdue_fen),
        "late_fee": fen_str(s.late_fee_fen),
        "frozen_accounts": s.frozen_accounts,
        "written_off_accounts": s.written_off_accounts,
        "written_off_amount": fen_str(s.written_off_fen),
        "recovered_amount": fen_str(s.recovered_fen),
        "by_scenario": [scenario_json(t) for t in s.by_scenario],
        "buckets": [{"bucket": name, "dpd": policy.bucket_range(name), "accounts": t.accounts,
                     "amount": fen_str(t.amount_fen), "share_of_accounts": str(ratio(t.accounts, s.accounts)),
                     "share_of_receivables": str(ratio(t.amount_fen, rec))} for name, t in s.buckets],
        "delinquency": {name: {"accounts": t.accounts, "rate_by_count": str(ratio(t.accounts, s.accounts)),
                               "amount": fen_str(t.amount_fen), "rate_by_amount": str(ratio(t.amount_fen, rec))}
                        for name, t in s.delinquency},
        "regulatory_classes": [{"class": c, "label": REGULATORY_LABELS[c], "accounts": t.accounts,
                                "amount": fen_str(t.amount_fen), "share_of_receivables": str(ratio(t.amount_fen, rec))}
                               for c, t in s.classes],
        "ecl": {"lgd": _rate(s.lgd),
                "by_stage": [{"stage": e.stage, "pd": _rate(e.pd), "accounts": e.accounts, "ead": fen_str(e.ead_fen),
                              "ecl": fen_str(e.ecl_fen)} for e in s.ecl_by_stage],
                "ead": fen_str(rec),
                "total": fen_str(s.ecl_fen),
                "coverage": str(ratio(s.ecl_fen, rec))},
        "top_exposures": [{"customer_id": r.customer.customer_id, "name": r.customer.name, "dpd": r.dpd,
                           "bucket": r.bucket, "overdue_amount": fen_str(r.overdue_fen),
                           "total_owed": fen_str(r.total_owed_fen), "ecl": fen_str(r.ecl_fen)}
                          for r in s.top_exposures],
    }
    if roll is not None:
        out["roll_rates"] = roll_json(roll)
    return out


def scenario_json(t: ScenarioTally) -> dict[str, Any]:
    """One ``summary.by_scenario`` entry (SPEC 5: scenario, receivables, overdue_amount first)."""
    return {"scenario": t.scenario, "receivables": fen_str(t.receivables_fen), "overdue_amount": fen_str(t.overdue_fen),
            "configured": t.configured, "accounts": t.accounts, "overdue_accounts": t.overdue_accounts,
            "delinquency": {name: {"accounts": d.accounts, "rate_by_count": str(ratio(d.accounts, t.accounts)),
                                   "amount": fen_str(d.amount_fen),
                                   "rate_by_amount": str(ratio(d.amount_fen, t.receivables_fen))}
                            for name, d in t.delinquency}}


def roll_json(roll: RollRates) -> dict[str, Any]:
    rows = []
    for frm in roll.rows:
        tot = roll.row_total(frm)
        cells = {}
        for to in roll.columns:
            t = roll.cell(frm, to)
            cells[to] = {"accounts": t.accounts, "amount": fen_str(t.amount_fen),
                         "rate_by_count": str(ratio(t.accounts, tot.accounts)),
                         "rate_by_amount": str(ratio(t.amount_fen, tot.amount_fen))}
        rows.append({"from_bucket": frm, "accounts": tot.accounts, "amount": fen_str(tot.amount_fen), "to": cells})
    return {"from": roll.from_date.isoformat(), "to": roll.to_date.isoformat(),
            "amount_basis": "total owed on the from date",
            "columns": list(roll.columns), "rows": rows,
            "new_accounts": roll.new_accounts, "new_amount": fen_str(roll.new_fen)}


def report_json(rep: Report) -> dict[str, Any]:
    return {"as_of": rep.as_of.isoformat(), "accounts": [account_json(r) for r in rep.accounts],
            "summary": summary_json(rep.summary, rep.policy, rep.roll),
            "written_off": [written_off_json(r) for r in rep.written_off]}


def written_off_json(r: AccountRisk) -> dict[str, Any]:
    """A written-off account (SPEC 4.15): out of receivables since ``written_off_on``."""
    return {"customer_id": r.customer.customer_id, "name": r.customer.name,
            "written_off_on": _date(r.written_off_on), "written_off_amount": fen_str(r.written_off_fen),
            "recovered_amount": fen_str(r.recovered_fen),
            "net_loss": fen_str(r.written_off_fen - r.recovered_fen)}


# --- CSV rows -------------------------------------------------------------------------------------

def csv_rows(rep: Report) -> list[list[Any]]:
    return [[r.customer.customer_id, r.customer.name, mask_phone(r.customer.phone), r.dpd, r.bucket,
             fen_str(r.overdue_fen), fen_str(r.late_fee_fen), fen_str(r.total_owed_fen), r.regulatory_class,
             r.stage, fen_str(r.ecl_fen), r.action or "", _date(r.action_since) or "",
             _date(r.oldest_due_date) or "", "true" if r.frozen else "false"] for r in rep.accounts]


def worklist_rows(rep: Report, lang: str = "en") -> list[list[Any]]:
    """The worklist rows; with ``lang`` zh the action and ``frozen`` are words (codes stay codes)."""
    zh = lang == "zh"
    yes, no = ("是", "否") if zh else ("true", "false")
    return [[k, r.customer.customer_id, r.customer.name, mask_phone(r.customer.phone),
             kind_label(lang, "action", r.action) if zh and r.action else r.action or "",
             _date(r.action_since) or "", r.dpd, r.bucket, _date(r.oldest_due_date) or "", fen_str(r.overdue_fen),
             fen_str(r.late_fee_fen), fen_str(r.to_cure_fen), fen_str(r.total_owed_fen),
             yes if r.frozen else no, r.regulatory_class, REGULATORY_LABELS[r.regulatory_class], r.stage]
            for k, r in enumerate(rep.accounts, 1)]


def worklist_headers(lang: str = "en") -> tuple[str, ...]:
    """The worklist's header row: the JSON key names, or their Chinese labels (``views.labels``)."""
    return WORKLIST_HEADERS if lang == "en" else tuple(label(lang)(f"w.{h}") for h in WORKLIST_HEADERS)


def worklist_csv(rep: Report, lang: str = "en") -> str:
    return csv_text(worklist_headers(lang), worklist_rows(rep, lang), bom=True)


def legal_accounts(rep: Report) -> list:
    """The accounts at the legal stage: their action is ``legal`` or a later one of ``overdue.actions``
    (priority order); none when no action is called ``legal``."""
    ladder = [name for _day, name in rep.policy.actions]
    if "legal" not in ladder:
        return []
    legal = set(ladder[ladder.index("legal"):])
    return [r for r in rep.accounts if r.action in legal]


# --- tables ---------------------------------------------------------------------------------------

ACCOUNT_COLUMNS = ("o_customer", "o_name", "o_phone", "o_dpd", "o_bucket", "o_overdue", "o_late_fee", "o_total_owed",
                   "o_class", "o_stage", "o_ecl", "o_action", "o_since", "o_frozen")


def accounts_table(rep: Report, lang: str = "en") -> Table:
    """The overdue accounts in collection priority order (the collectors' screen), in ``lang``."""
    tr = label(lang)
    h = {k: tr(k) for k in ACCOUNT_COLUMNS}
    s = rep.summary
    if lang == "en":
        legend = "class: " + " · ".join(f"{lbl} {code.replace('_', ' ')}" for code, lbl in REGULATORY_LABELS.items())
    else:
        legend = tr("o_legend").format(labels=" · ".join(REGULATORY_LABELS.values()))
    acct_rows = [[r.customer.customer_id, r.customer.name, mask_phone(r.customer.phone), r.dpd, r.bucket,
                  fen_str(r.overdue_fen), fen_str(r.late_fee_fen), fen_str(r.total_owed_fen),
                  REGULATORY_LABELS[r.regulatory_class], r.stage, fen_str(r.ecl_fen),
                  (kind_label(lang, "action", r.action) if r.action else "-"),
                  _date(r.action_since) or "", tr("o_yes") if r.frozen else tr("o_no")] for r in rep.accounts]
    return Table(
        headers=tuple(h[k] for k in ACCOUNT_COLUMNS), rows=acct_rows,
        title=tr("o_title").format(date=rep.as_of.isoformat()),
        drop=tuple(h[k] for k in ("o_phone", "o_since", "o_frozen", "o_stage", "o_ecl", "o_name", "o_class",
                                  "o_total_owed")),
        align_right=frozenset(h[k] for k in ("o_dpd", "o_overdue", "o_late_fee", "o_total_owed", "o_stage", "o_ecl")),
        lead=[tr("o_lead").format(date=rep.as_of.isoformat(), overdue=s.overdue_accounts, accounts=s.accounts,
                                  amount=fen_str(s.overdue_fen), late_fee=fen_str(s.late_fee_fen),
                                  receivables=fen_str(s.receivables_fen), ecl=fen_str(s.ecl_fen))],
        footer=legend)


def tables(rep: Report, lang: str = "en") -> list[Table]:
    """Every table of the report; with ``lang`` zh the accounts table (the collectors' screen) is in
    Chinese, the portfolio tables stay English (docs/printing.md)."""
    s, policy = rep.summary, rep.policy
    rec = s.receivables_fen
    out = [accounts_table(rep, lang)]

    top_amount = max((t.amount_fen for _n, t in s.buckets), default=0)
    out.append(Table(
        headers=("bucket (DPD)", "accounts", "% count", "amount", "% amount", "chart (amount)"),
        rows=[[f"{name} {policy.bucket_range(name)}", t.accounts, _pct(t.accounts, s.accounts), fen_str(t.amount_fen),
               _pct(t.amount_fen, rec), bar(t.amount_fen, top_amount, BAR_WIDTH)] for name, t in s.buckets],
        title="Buckets (amount = total owed; % amount = share of receivables)",
        align_right=frozenset({"accounts", "% count", "amount", "% amount"}),
        footer=(f"{s.accounts} account(s) with a balance, receivables {fen_str(rec)}; "
                f"{s.accounts_without_balance} account(s) owe nothing; {s.frozen_accounts} credit line(s) frozen")))

    out.append(Table(
        headers=("delinquency", "accounts", "by count", "amount", "by amount"),
        rows=[[name, t.accounts, _pct(t.accounts, s.accounts), fen_str(t.amount_fen), _pct(t.amount_fen, rec)]
              for name, t in s.delinquency],
        title="Delinquency rates (30+ = more than 30 days past due; amount = total owed)",
        align_right=frozenset({"accounts", "by count", "amount", "by amount"})))

    if s.by_scenario:
        out.append(scenario_table(s))

    out.append(Table(
        headers=("class", "code", "accounts", "amount", "% receivables"),
        rows=[[REGULATORY_LABELS[c], c, t.accounts, fen_str(t.amount_fen), _pct(t.amount_fen, rec)]
              for c, t in s.classes],
        title="Regulatory five-tier classification",
        align_right=frozenset({"accounts", "amount", "% receivables"})))

    stage_rows = [[str(e.stage), _rate(e.pd), _rate(s.lgd), e.accounts, fen_str(e.ead_fen), fen_str(e.ecl_fen)]
                  for e in s.ecl_by_stage]
    stage_rows.append(["total", "", "", s.accounts, fen_str(rec), fen_str(s.ecl_fen)])
    out.append(Table(
        headers=("stage", "PD", "LGD", "accounts", "EAD", "ECL"), rows=stage_rows,
        title="Expected credit loss (IFRS 9, ECL = PD × LGD × EAD)",
        align_right=frozenset({"PD", "LGD", "accounts", "EAD", "ECL"}),
        footer=f"coverage (ECL / receivables) {_pct(s.ecl_fen, rec)}"))

    out.append(Table(
        headers=("#", "customer", "name", "DPD", "bucket", "overdue", "total owed", "ECL"),
        rows=[[k, r.customer.customer_id, r.customer.name, r.dpd, r.bucket, fen_str(r.overdue_fen),
               fen_str(r.total_owed_fen), fen_str(r.ecl_fen)] for k, r in enumerate(s.top_exposures, 1)],
        title=f"Largest overdue exposures (top {len(s.top_exposures)})",
        align_right=frozenset({"#", "DPD", "overdue", "total owed", "ECL"})))

    if rep.written_off:
        out.append(written_off_table(rep))
    if rep.roll is not None:
        out.extend(roll_tables(rep.roll))
    return out


def scenario_table(s: PortfolioSummary) -> Table:
    """Receivables, overdue amounts and 30+/90+ rates by scenario (SPEC 4.14)."""
    rows = []
    for t in s.by_scenario:
        d = dict(t.delinquency)
        rows.append([(t.scenario or "(no category)") + (" *" if t.configured else ""), t.accounts, fen_str(t.receivables_fen),
                     _pct(t.receivables_fen, s.receivables_fen), t.overdue_accounts, fen_str(t.overdue_fen),
                     _pct(d["30+"].accounts, t.accounts), _pct(d["30+"].amount_fen, t.receivables_fen),
                     _pct(d["90+"].accounts, t.accounts), _pct(d["90+"].amount_fen, t.receivables_fen)])
    return Table(
        headers=SCENARIO_HEADERS, rows=rows,
        title="By scenario (purchase category; * = priced by [scenarios.NAME]; 30+/90+: share by count and amount)",
        align_right=frozenset(SCENARIO_HEADERS[1:]),
        drop=("od accts", "% book", "30+ n", "90+ n"),
        footer=("an account counts in every scenario it owes in; amounts are split by the purchases behind "
                "them and add up to the book (docs/scenarios.md)"))


def written_off_table(rep: Report) -> Table:
    s = rep.summary
    rows = [[r.customer.customer_id, r.customer.name, _date(r.written_off_on), fen_str(r.written_off_fen),
             fen_str(r.recovered_fen), fen_str(r.written_off_fen - r.recovered_fen)] for r in rep.written_off]
    return Table(
        headers=("customer", "name", "written off on", "written off", "recovered", "net loss"), rows=rows,
        title="Written-off accounts (核销): out of receivables, buckets and ECL",
        align_right=frozenset({"written off", "recovered", "net loss"}),
        footer=f"{s.written_off_accounts} account(s) written off {fen_str(s.written_off_fen)}, recovered "
               f"{fen_str(s.recovered_fen)}")


def roll_tables(roll: RollRates) -> list[Table]:
    span = f"{roll.from_date.isoformat()} → {roll.to_date.isoformat()}"
    cols = list(roll.columns)
    count_rows, amount_rows = [], []
    for frm in roll.rows:
        tot = roll.row_total(frm)
        count_rows.append([frm] + [(f"{roll.cell(frm, to).accounts} ({_pct(roll.cell(frm, to).accounts, tot.accounts)})"
                                    if roll.cell(frm, to).accounts else "") for to in cols] + [tot.accounts])
        amount_rows.append([frm] + [(fen_str(roll.cell(frm, to).amount_fen) if roll.cell(frm, to).accounts else "")
                                    for to in cols] + [fen_str(tot.amount_fen)])
    headers = ["from \\ to"] + cols + ["total"]
    right = frozenset(cols + ["total"])
    return [
        Table(headers=headers, rows=count_rows, title=f"Roll rates {span}: accounts (share of the row)",
              align_right=right),
        Table(headers=headers, rows=amount_rows, title=f"Roll rates {span}: total owed on {roll.from_date.isoformat()}",
              align_right=right,
              footer=f"{roll.new_accounts} account(s) with no balance on {roll.from_date.isoformat()} are not in "
                     f"the matrix (new since; owing {fen_str(roll.new_fen)} now); {PAID_OFF} = nothing owed "
                     f"on {roll.to_date.isoformat()}; written_off = written off by then"),
    ]


