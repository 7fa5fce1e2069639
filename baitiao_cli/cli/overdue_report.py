"""``baitiao overdue-report``: delinquency, late fees, provisions and the collection worklist.

Every customer is replayed to ``--as-of`` (and to ``--compare`` for roll rates) with the
fast ledger path (``ledger.overdue_status``: the replay of ``statements="none"`` without
building the account), classified by ``engine.overdue`` and folded into the portfolio
summary in one pass: the work is linear in the book. ``--shard K/N`` reports on one shard
of the book (its summary covers that shard only); ``--jobs N`` computes in N processes and
merges (``SummaryBuilder.merge``, ``RollRateBuilder.merge``): the output is byte-identical
to one process. See docs/scale.md.

- stdout: ``--format table`` (the overdue accounts in priority order, the bucket
  distribution with a bar chart, delinquency rates, the five-tier classes, ECL by stage,
  the largest exposures, the roll-rate matrix with ``--compare``), ``json`` (SPEC 5:
  ``{"as_of","accounts":[...],"summary":{...}}``) or ``csv`` (the overdue account rows).
- ``--out FILE``: the collection worklist as CSV for Excel (UTF-8 with BOM, CRLF, formula-like
  text neutralised, phones masked), in priority order, written atomically.

Exit status: 0 done; 1 invalid input (nothing written), an unwritable ``--out``, or
``--skip-invalid`` with rejected records (after writing what it could); 2 usage error.
See docs/overdue.md.
"""

from __future__ import annotations

import heapq
import sys
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, NamedTuple, Optional

import typer

from ..errors import RefusedError, SkippedRecords, UsageError
from ..privacy import mask_phone
from ..render import Table, bar, csv_text, emit, warn
from .common import (
    AsOfOpt, ConfigOpt, DataDirOpt, EncodingOpt, Format, FormatOpt, SkipInvalidOpt, as_of_date, date_option, load_input,
    setup,
)
from .sharding import JobsOpt, ShardOpt, check_jobs, dumps, frozen_heap, parse_shard, run_parts, run_shares

if TYPE_CHECKING:
    from ..engine.overdue import AccountRisk, PortfolioSummary, RiskPolicy, RollRates
    from ..engine.partition import Part
# The engine is imported inside the functions: ``baitiao --help`` and other commands never pay for it.

CompareOpt = Annotated[Optional[str], typer.Option(
    "--compare", metavar="YYYY-MM-DD", help="An earlier date YYYY-MM-DD: add the roll-rate matrix from each bucket on that date "
                      "to each bucket on --as-of.", show_default=False)]
OutOpt = Annotated[Optional[str], typer.Option(
    "--out", metavar="FILE", help="Also write the collection worklist (priority order) to this CSV file for Excel "
                  "(UTF-8 with BOM), atomically.", show_default=False)]

# --format csv: one row per overdue account (the JSON account fields, flat).
CSV_HEADERS = ("customer_id", "name", "phone", "dpd", "bucket", "overdue_amount", "late_fee", "total_owed",
               "regulatory_class", "stage", "ecl", "action", "action_since", "oldest_due_date", "frozen")
# --out: the collectors' worklist.
WORKLIST_HEADERS = ("priority", "customer_id", "name", "phone", "action", "action_since", "dpd", "bucket",
                    "oldest_due_date", "overdue_amount", "late_fee", "to_cure", "total_owed", "frozen",
                    "regulatory_class", "class_label", "stage")
BAR_WIDTH = 16   # the bucket table stays within 80 columns


# --- computing ------------------------------------------------------------------------------------

class Report:
    """What the command computed: the overdue accounts (priority order), the summary, roll rates."""

    def __init__(self, as_of: date, accounts: list, summary: PortfolioSummary, roll: Optional[RollRates],
                 policy: RiskPolicy):
        self.as_of = as_of
        self.accounts = accounts
        self.summary = summary
        self.roll = roll
        self.policy = policy


class PartResult(NamedTuple):
    """What one part of the book gave (what a worker process sends back)."""

    summary: Any                     # SummaryBuilder
    roll: Any                        # RollRateBuilder or None
    overdue: list                    # AccountRisk of the overdue accounts
    warnings: list                   # (customer_id, message), customer_id order


def assess_part(chosen: list, groups: dict, cfg, policy: RiskPolicy, as_of: date, compare: Optional[date],
                part: Part) -> PartResult:
    """Replay the ``chosen`` customers in ``part`` (once per date) and fold them into one part's result."""
    from ..engine.ledger import overdue_status
    from ..engine.overdue import RollRateBuilder, SummaryBuilder

    summary = SummaryBuilder(policy, as_of)
    roll = RollRateBuilder(policy, compare, as_of) if compare is not None else None
    overdue: list[AccountRisk] = []
    warnings: list[tuple[str, str]] = []
    assess = policy.assess
    for c in chosen:
        if not part.whole and c.customer_id not in part:
            continue
        t, r, d = groups[c.customer_id]
        now = overdue_status(c, t, r, d, cfg, as_of)
        for w in now.warnings:
            warnings.append((c.customer_id, w))
        risk = assess(c, now.overdue)
        summary.add(risk)
        if risk.dpd > 0:
            overdue.append(risk)
        if roll is not None:
            before = overdue_status(c, t, r, d, cfg, compare)
            roll.add(assess(c, before.overdue), risk)
    return PartResult(summary, roll, overdue, warnings)


def _chosen(dataset, part: Part) -> list:
    return sorted((c for c in dataset.customers if c.customer_id in part), key=lambda c: c.customer_id)


def build_report(dataset, cfg, as_of: date, compare: Optional[date] = None, *, on_warning=None,
                 part: Optional[Part] = None, jobs: int = 1) -> Report:
    """Replay every customer (of ``part``) once per date, keep only the overdue ones, fold everyone
    into the summary; in ``jobs`` processes, with the same result whatever ``jobs`` is."""
    from ..engine.ledger import group_by_customer
    from ..engine.overdue import RiskPolicy
    from ..engine.partition import WHOLE

    part = part or WHOLE
    policy = RiskPolicy.from_config(cfg)
    chosen = _chosen(dataset, part)
    groups = group_by_customer(dataset, None if part.whole else [c.customer_id for c in chosen])
    if jobs == 1:
        results = [assess_part(chosen, groups, cfg, policy, as_of, compare, part)]
    else:
        def task(p: Part) -> PartResult:
            return assess_part(chosen, groups, cfg, policy, as_of, compare, p)

        with frozen_heap():
            results = run_parts(task, part.split(jobs))
    return merge_report(results, as_of, policy, on_warning)


def share_report(lc, encoding: Optional[str], as_of: date, compare: Optional[date], part: Part, jobs: int, *,
                 on_warning=None) -> Optional[Report]:
    """``build_report`` with each of the ``jobs`` workers loading only its own share of the input
    (``sharding.run_shares``); None when that cannot be done (one process, no fork, or an input
    that is not clean): then the caller loads everything and calls ``build_report``."""
    from ..engine.ledger import group_by_customer
    from ..engine.overdue import RiskPolicy

    policy = RiskPolicy.from_config(lc.config)

    def compute(dataset, p: Part) -> PartResult:
        chosen = _chosen(dataset, p)
        groups = group_by_customer(dataset, [c.customer_id for c in chosen])
        return assess_part(chosen, groups, lc.config, policy, as_of, compare, p)

    results = run_shares(lc, encoding, part, jobs, compute)
    if results is None:
        return None
    return merge_report(results, as_of, policy, on_warning)


def merge_report(results: list, as_of: date, policy: RiskPolicy, on_warning=None) -> Report:
    """One report from the results of the parts (in part order): the same whatever the parts are."""
    from ..engine.overdue import priority_key

    first = results[0]
    summary, roll = first.summary, first.roll
    overdue = list(first.overdue)
    for res in results[1:]:
        summary.merge(res.summary)
        if roll is not None:
            roll.merge(res.roll)
        overdue.extend(res.overdue)
    if on_warning is not None:
        for cid, w in heapq.merge(*(res.warnings for res in results), key=lambda cw: cw[0]):
            on_warning(f"customer {cid}: {w}")
    overdue.sort(key=priority_key)
    return Report(as_of, overdue, summary.result(), roll.result() if roll is not None else None, policy)


# --- formatting helpers ---------------------------------------------------------------------------

def _rate(r: Decimal) -> str:
    """A configured rate as a decimal string with at least 4 places, never losing digits."""
    places = max(4, -r.as_tuple().exponent if isinstance(r.as_tuple().exponent, int) else 4)
    return str(r.quantize(Decimal(1).scaleb(-places)))


def _pct(num: int, den: int) -> str:
    from ..engine.overdue import ratio

    return f"{ratio(num, den, 4) * 100:.2f}%"


def _date(d: Optional[date]) -> Optional[str]:
    return d.isoformat() if d is not None else None


# --- JSON (contract: SPEC 5) ----------------------------------------------------------------------

def account_json(r: AccountRisk) -> dict[str, Any]:
    from ..engine.money import fen_str

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
    from ..engine.money import fen_str
    from ..engine.overdue import REGULATORY_LABELS, ratio

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


def roll_json(roll: RollRates) -> dict[str, Any]:
    from ..engine.money import fen_str
    from ..engine.overdue import ratio

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
            "summary": summary_json(rep.summary, rep.policy, rep.roll)}


# --- CSV rows -------------------------------------------------------------------------------------

def csv_rows(rep: Report) -> list[list[Any]]:
    from ..engine.money import fen_str

    return [[r.customer.customer_id, r.customer.name, mask_phone(r.customer.phone), r.dpd, r.bucket,
             fen_str(r.overdue_fen), fen_str(r.late_fee_fen), fen_str(r.total_owed_fen), r.regulatory_class,
             r.stage, fen_str(r.ecl_fen), r.action or "", _date(r.action_since) or "",
             _date(r.oldest_due_date) or "", "true" if r.frozen else "false"] for r in rep.accounts]


def worklist_rows(rep: Report) -> list[list[Any]]:
    from ..engine.money import fen_str
    from ..engine.overdue import REGULATORY_LABELS

    return [[k, r.customer.customer_id, r.customer.name, mask_phone(r.customer.phone), r.action or "",
             _date(r.action_since) or "", r.dpd, r.bucket, _date(r.oldest_due_date) or "", fen_str(r.overdue_fen),
             fen_str(r.late_fee_fen), fen_str(r.to_cure_fen), fen_str(r.total_owed_fen),
             "yes" if r.frozen else "no", r.regulatory_class, REGULATORY_LABELS[r.regulatory_class], r.stage]
            for k, r in enumerate(rep.accounts, 1)]


def worklist_csv(rep: Report) -> str:
    return csv_text(WORKLIST_HEADERS, worklist_rows(rep), bom=True)


# --- tables ---------------------------------------------------------------------------------------

def tables(rep: Report) -> list[Table]:
    from ..engine.money import fen_str
    from ..engine.overdue import REGULATORY_LABELS

    legend = "class: " + " · ".join(f"{label} {code.replace('_', ' ')}" for code, label in REGULATORY_LABELS.items())
    s, policy = rep.summary, rep.policy
    rec = s.receivables_fen
    acct_rows = [[r.customer.customer_id, r.customer.name, mask_phone(r.customer.phone), r.dpd, r.bucket,
                  fen_str(r.overdue_fen), fen_str(r.late_fee_fen), fen_str(r.total_owed_fen),
                  REGULATORY_LABELS[r.regulatory_class], r.stage, fen_str(r.ecl_fen), r.action or "-",
                  _date(r.action_since) or "", "yes" if r.frozen else ""] for r in rep.accounts]
    out = [Table(
        headers=("customer", "name", "phone", "DPD", "bucket", "overdue", "late fee", "total owed", "class",
                 "stage", "ECL", "action", "since", "frozen"),
        rows=acct_rows, title=f"Overdue accounts on {rep.as_of.isoformat()}, in collection priority order",
        align_right=frozenset({"DPD", "overdue", "late fee", "total owed", "stage", "ECL"}),
        lead=[f"OVERDUE REPORT {rep.as_of.isoformat()} · {s.overdue_accounts} overdue of {s.accounts} account(s) "
              f"with a balance · overdue {fen_str(s.overdue_fen)} · late fee {fen_str(s.late_fee_fen)} · "
              f"receivables {fen_str(rec)} · ECL {fen_str(s.ecl_fen)}"],
        footer=legend)]

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

    if rep.roll is not None:
        out.extend(roll_tables(rep.roll))
    return out


def roll_tables(roll: RollRates) -> list[Table]:
    from ..engine.money import fen_str
    from ..engine.overdue import PAID_OFF

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
                     f"on {roll.to_date.isoformat()}"),
    ]


# --- the command ---------------------------------------------------------------------------------

def command(
    as_of: AsOfOpt = None,
    compare: CompareOpt = None,
    out: OutOpt = None,
    data_dir: DataDirOpt = None,
    config: ConfigOpt = None,
    fmt: FormatOpt = Format.table,
    encoding: EncodingOpt = None,
    skip_invalid: SkipInvalidOpt = False,
    shard: ShardOpt = None,
    jobs: JobsOpt = 1,
) -> None:
    """Overdue accounts (DPD, bucket, amounts, late fee, action, class, stage, ECL) and the portfolio summary.

    Exit status: 0 done; 1 invalid input (nothing written) or an unwritable --out, or
    --skip-invalid with rejected records (the report covers the valid ones); 2 usage error.
    """
    part = parse_shard(shard)
    check_jobs(jobs)
    lc = setup(config, data_dir)
    day = as_of_date(as_of, lc)
    earlier = date_option(compare, "--compare")
    if earlier is not None and earlier >= day:
        raise UsageError(f"--compare: {earlier.isoformat()} must be before --as-of {day.isoformat()}")
    out_path = Path(out) if out else None
    if out_path is not None and out_path.is_dir():
        raise UsageError(f"--out: {out} is a folder; give a file name")

    rejected: list = []
    # --jobs: each worker loads, checks and assesses its own share (None: load it all here)
    rep = share_report(lc, encoding, day, earlier, part, jobs, on_warning=warn)
    if rep is None:
        result, rejected = load_input(lc, encoding, skip_invalid)
        rep = build_report(result.dataset, lc.config, day, earlier, on_warning=warn, part=part, jobs=jobs)

    if out_path is not None:
        from ..io.atomic import write_atomic

        try:
            out_path.parent.mkdir(parents=True, exist_ok=True)   # like bill --out: create the folder
            write_atomic(out_path, worklist_csv(rep))
        except OSError as e:
            raise RefusedError(f"--out: cannot write {out}: {e.strerror or e}") from None

    if fmt is Format.json:
        sys.stdout.write(dumps(report_json(rep)) + "\n")
        sys.stdout.flush()
    else:
        emit(fmt.value, json_obj=None, tables=tables(rep) if fmt is Format.table else (),
             csv_table=Table(headers=CSV_HEADERS, rows=csv_rows(rep)) if fmt is Format.csv else None)

    if rejected:
        raise SkippedRecords(rejected, "the report covers the valid ones")
