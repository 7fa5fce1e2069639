"""``overdue-report``: the overdue accounts, the portfolio summary and (``compare``) roll rates.

Every customer of the shard is replayed to ``as_of`` (and to ``compare`` for roll rates) with
the fast ledger path (``ledger.overdue_status``: the replay without building the account),
classified by ``engine.overdue`` and folded into the portfolio summary in one pass: the work
is linear in the book. In ``jobs`` processes (``services.jobs``) each job folds its own
summary and the parent merges them (``SummaryBuilder.merge``, ``RollRateBuilder.merge``): the
result is the same whatever ``jobs`` is. See docs/scale.md.
"""

from __future__ import annotations

import heapq
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, NamedTuple, Optional

from ..errors import RefusedError
from . import jobs as job_pool
from .progress import each

if TYPE_CHECKING:
    from ..engine.overdue import PortfolioSummary, RiskPolicy, RollRates
    from ..engine.partition import Shard
# The engine is imported inside the functions: ``baitiao --help`` and other commands never pay for it.


class OverdueReport(NamedTuple):
    """The overdue accounts (priority order), the summary, the roll rates (None without compare)."""

    as_of: date
    accounts: list
    summary: PortfolioSummary
    roll: Optional[RollRates]
    policy: RiskPolicy
    written_off: tuple = ()          # AccountRisk of the written-off accounts (SPEC 4.15), customer_id order


class JobResult(NamedTuple):
    """What one job gave (what a worker process sends back)."""

    summary: Any                     # SummaryBuilder
    roll: Any                        # RollRateBuilder or None
    overdue: list                    # AccountRisk of the overdue accounts
    warnings: list                   # (customer_id, message), customer_id order
    written_off: list = []           # AccountRisk of the written-off accounts, customer_id order


def _select(dataset, shard: Shard) -> tuple[list, dict]:
    """Every customer of ``shard``, in customer_id order, and their records."""
    from ..engine.ledger import group_by_customer

    chosen = sorted((c for c in dataset.customers if c.customer_id in shard), key=lambda c: c.customer_id)
    return chosen, group_by_customer(dataset, None if shard.whole else [c.customer_id for c in chosen],
                                     conversions=True)


def _work(cfg, policy: RiskPolicy, as_of: date, compare: Optional[date]) -> job_pool.Work:
    def work(chosen: list, groups: dict, job: Shard, _progress: bool) -> JobResult:
        """Replay the ``chosen`` customers in ``job`` (once per date) and fold them into one job's result."""
        from ..engine.ledger import overdue_status
        from ..engine.overdue import RollRateBuilder, SummaryBuilder

        summary = SummaryBuilder(policy, as_of)
        roll = RollRateBuilder(policy, compare, as_of) if compare is not None else None
        overdue: list = []
        written_off: list = []
        warnings: list[tuple[str, str]] = []
        assess = policy.assess
        for c in each(chosen, "accounts"):
            if not job.whole and c.customer_id not in job:
                continue
            txns, repayments, deferrals, conversions, corrections = groups[c.customer_id]
            now = overdue_status(c, txns, repayments, deferrals, cfg, as_of, conversions, corrections,
                                 by_scenario=True)
            for w in now.warnings:
                warnings.append((c.customer_id, w))
            risk = assess(c, now.overdue)
            summary.add(risk, now.scenarios)
            if risk.dpd > 0:
                overdue.append(risk)
            elif risk.written_off_on is not None:
                written_off.append(risk)
            if roll is not None:
                before = overdue_status(c, txns, repayments, deferrals, cfg, compare, conversions, corrections)
                roll.add(assess(c, before.overdue), risk)
        return JobResult(summary, roll, overdue, warnings, written_off)
    return work


def merge(results: list[JobResult], as_of: date, policy: RiskPolicy,
          on_warning: Callable[[str], None]) -> OverdueReport:
    """One report from the results of the jobs (in job order): the same whatever the jobs are."""
    from ..engine.overdue import priority_key

    first = results[0]
    summary, roll = first.summary, first.roll
    overdue = list(first.overdue)
    for res in results[1:]:
        summary.merge(res.summary)
        if roll is not None:
            roll.merge(res.roll)
        overdue.extend(res.overdue)
    for cid, w in heapq.merge(*(res.warnings for res in results), key=lambda cw: cw[0]):
        on_warning(f"customer {cid}: {w}")
    overdue.sort(key=priority_key)
    written_off = tuple(heapq.merge(*(res.written_off for res in results), key=lambda r: r.customer.customer_id))
    return OverdueReport(as_of, overdue, summary.result(), roll.result() if roll is not None else None, policy,
                         written_off)


class Letters(NamedTuple):
    """``--out DIR --letters``: the folder, the worklist's language and the notices' language."""

    out_dir: Path
    worklist_lang: str = "en"
    notice_lang: str = "zh"


def run(lc, encoding: Optional[str], skip_invalid: bool, as_of: date, compare: Optional[date] = None, *,
        shard: Optional[Shard] = None, jobs: int = 1, cluster=None, out_path: Optional[str] = None,
        on_warning: Callable[[str], None], letters: Optional[Letters] = None,
        worklist_lang: str = "en") -> tuple[OverdueReport, list]:
    """The report of ``shard`` (default: the whole book) and the rejected records; with ``out_path``
    the collection worklist is written to that file (atomically) after the warnings went to ``on_warning``;
    with ``letters`` the worklist goes to ``DIR/<as-of>/worklist.csv`` with a notice per legal-stage account."""
    from ..engine.overdue import RiskPolicy
    from ..engine.partition import WHOLE

    policy = RiskPolicy.from_config(lc.config)
    work = _work(lc.config, policy, as_of, compare)
    results, rejected = job_pool.run(lc, encoding, skip_invalid, shard or WHOLE, jobs, _select, work, on_warning,
                                     cluster)
    report = merge(results, as_of, policy, on_warning)
    if letters is not None:
        write_letters(letters, report, on_warning)
    elif out_path is not None:
        write_worklist(out_path, report, worklist_lang)
    return report, rejected


def write_worklist(out: str, report: OverdueReport, lang: str = "en") -> None:
    from ..io.atomic import write_atomic
    from ..views.overdue import worklist_csv

    path = Path(out)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)   # like bill --out: create the folder
        write_atomic(path, worklist_csv(report, lang))
    except OSError as e:
        raise RefusedError(f"--out: cannot write {out}: {e.strerror or e}") from None


def write_letters(letters: Letters, report: OverdueReport, on_warning: Callable[[str], None]) -> None:
    """``DIR/<as-of>/worklist.csv`` and ``DIR/<as-of>/<customer_id>.notice.html`` per account at the legal
    stage (``views.overdue.legal_accounts``), every file computed first, each written atomically."""
    from ..views.html import notice_html
    from ..views.labels import label
    from ..views.overdue import legal_accounts, worklist_csv
    from .billing import _file_name, write_files

    day = report.as_of.isoformat()
    folder = letters.out_dir / day
    accounts = legal_accounts(report)
    if not any(name == "legal" for _d, name in report.policy.actions):
        on_warning(label("en")("n_none_legal"))
    files = [(folder / "worklist.csv", worklist_csv(report, letters.worklist_lang).encode("utf-8"))]
    files += [(_file_name(folder, r.customer.customer_id, ".notice.html"),
               notice_html(r, day, letters.notice_lang).encode("utf-8")) for r in accounts]
    write_files(files)
