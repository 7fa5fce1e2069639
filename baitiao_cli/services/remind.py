"""``remind``: the customers with something unpaid on a statement due within the next days (SPEC 4.13).

Each customer of the shard who may have a statement due in the window
(``engine.remind.may_be_due``: a date test, no replay) is replayed to ``as_of`` with its
statements, the statement to remind is picked (``engine.remind.due_statement``) and the
customer is scored on the same replayed account with the score model
(``engine.customer_score.score_account``, the model of ``score``: ``--model``, else
``scoring.model``, else the shipped one). Customers outside the window cost a date test, not
a replay. ``--jobs``/``--shard`` work as for ``overdue-report`` (``services.jobs``): the list is
the same whatever ``jobs`` is. The SMS files (``--out``, ``--out-unmasked``) are written
atomically after the list is made; their bytes come from ``views.remind``.
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
    from ..engine.partition import Shard

Warn = Callable[[str], None]
# The engine is imported inside the functions: ``baitiao --help`` and other commands never pay for it.


class ReminderList(NamedTuple):
    """The reminders (riskiest first) on ``as_of`` for statements due within ``days`` days."""

    as_of: date
    days: int
    until: date                      # as_of + days: the last due date in the window
    reminders: list                  # engine.remind.Reminder, engine.remind.order_key order
    at_risk_grades: tuple            # the grades flagged at risk (engine.remind.at_risk_grades), sorted
    model_path: Path


class JobResult(NamedTuple):
    reminders: list
    warnings: list                   # (customer_id, message), customer_id order


def _select(as_of: date) -> job_pool.Select:
    def select(dataset, shard: Shard) -> tuple[list, dict]:
        """The customers of ``shard`` (with the credit limit of the ``limits`` journal on ``as_of``)."""
        from ..engine.ledger import group_by_customer
        from ..engine.limits import with_limits

        dataset = with_limits(dataset, as_of)
        chosen = sorted((c for c in dataset.customers if c.customer_id in shard), key=lambda c: c.customer_id)
        return chosen, group_by_customer(dataset, None if shard.whole else [c.customer_id for c in chosen],
                                         conversions=True)
    return select


def _work(cfg, model, as_of: date, days: int, risky: frozenset) -> job_pool.Work:
    def work(chosen: list, groups: dict, job: Shard, _progress: bool) -> JobResult:
        """Replay and score the ``chosen`` customers of ``job`` who may have a statement due in the window."""
        from ..engine.customer_score import score_account
        from ..engine.remind import Reminder, due_statement, may_be_due, replay_for_reminder

        reminders: list = []
        warnings: list[tuple[str, str]] = []
        for c in each(chosen, "accounts"):
            if c.opened_on > as_of or (not job.whole and c.customer_id not in job):
                continue
            txns, repayments, deferrals, conversions, corrections = groups[c.customer_id]
            if not may_be_due(c, deferrals, cfg, as_of, days):
                continue
            replayed = replay_for_reminder(c, txns, repayments, deferrals, cfg, as_of, conversions, corrections)
            warnings.extend((c.customer_id, w) for w in replayed.account.warnings)
            due = due_statement(replayed, days)
            if due is None:
                continue
            s = score_account(replayed.account, model, cfg.scoring, cfg)
            reminders.append(Reminder(c, due, s.pd, s.score, s.offer.grade, s.offer.grade in risky))
        return JobResult(reminders, warnings)
    return work


def run(lc, encoding: Optional[str], skip_invalid: bool, as_of: date, days: int, *, model: Optional[str] = None,
        shard: Optional[Shard] = None, jobs: int = 1, cluster=None, out: Optional[str] = None,
        out_unmasked: Optional[str] = None, on_warning: Warn) -> tuple[ReminderList, list]:
    """The reminder list of ``shard`` (default: the whole book) and the rejected records; ``out`` and
    ``out_unmasked`` (file names) get the SMS CSV, masked and with full phone numbers (mode 0600)."""
    from ..engine.partition import WHOLE
    from ..engine.remind import at_risk_grades, order_key, window_end
    from .scoring import _check_scaling, load_customer_model, resolve_model_path

    cfg = lc.config
    model_path = resolve_model_path(model, cfg.scoring.model, lc.path)
    pd_model = load_customer_model(model_path)
    assert model_path is not None
    _check_scaling(pd_model, cfg.scoring.scaling, model_path, on_warning)
    risky = at_risk_grades(cfg.scoring.grades)
    work = _work(cfg, pd_model, as_of, days, risky)
    results, rejected = job_pool.run(lc, encoding, skip_invalid, shard or WHOLE, jobs, _select(as_of), work,
                                     on_warning, cluster)
    for cid, w in heapq.merge(*(r.warnings for r in results), key=lambda cw: cw[0]):
        on_warning(f"customer {cid}: {w}")
    reminders = sorted((r for res in results for r in res.reminders), key=order_key)
    result = ReminderList(as_of, days, window_end(as_of, days), reminders, tuple(sorted(risky)), model_path)
    if out is not None:
        write_sms_file(out, "--out", result, masked=True)
    if out_unmasked is not None:
        write_sms_file(out_unmasked, "--out-unmasked", result, masked=False)
        on_warning(f"--out-unmasked: {out_unmasked} holds full phone numbers (file mode 0600): keep it off "
                   "shared folders and delete it once the SMS gateway has taken it")
    return result, rejected


def write_sms_file(out: str, option: str, result: Any, *, masked: bool) -> None:
    """The SMS gateway CSV, atomically; the unmasked one is created with mode 0600 and keeps it."""
    from ..io.atomic import write_atomic
    from ..views.remind import sms_csv

    path = Path(out)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)   # like overdue-report --out: create the folder
        write_atomic(path, sms_csv(result, masked=masked), mode=None if masked else 0o600)
    except OSError as e:
        raise RefusedError(f"{option}: cannot write {out}: {e.strerror or e}") from None
