"""``review``: the credit-line review of every customer (or one) on a date; ``--apply`` appends the
changes to the ``limits`` journal (SPEC 4.12; docs/review.md).

Each customer is replayed to ``as_of`` (the streak and the utilisation read its items), scored with the configured model (``engine.customer_score.score_account``, as ``score``
does, with the limit in force) and decided by ``engine.review.decide``.

``--apply --ref R`` works like a posting (``services.posting``): under the journal lock, torn
journals refused, the data loaded and validated, then the decisions are made **without the
records of R** (so a run applied twice decides the same), each change is the record
``R:<customer_id>`` dated ``as_of``; one already in the journal with the same content is a
duplicate, with other content a conflict (refused, nothing written); the missing ones are
appended one whole fsynced line each (a crash between two leaves the rest to a re-run).
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Callable, NamedTuple, Optional

from ..errors import RefusedError
from .posting import DRY_RUN, DUPLICATE, RECORDED, check_ref, load, require_data_dir
from .progress import each

LIMIT_COLUMNS = ("change_id", "customer_id", "date", "credit_limit", "action", "reason")
REASON_MAX = 200
_FEN = Decimal("0.01")


class Applied(NamedTuple):
    ref: str
    status: str                      # recorded | duplicate | dry_run
    journal: Path
    written: int                     # records appended by this run
    records: tuple                   # every LimitChange of this ref (written now or before)


class ReviewResult(NamedTuple):
    as_of: date
    decisions: list                  # ReviewDecision, customer_id order
    applied: Optional[Applied]
    rejected: list


def _record_of(ref: str, as_of: date, d) -> "object":
    from ..engine.model import LimitChange

    reason = "; ".join(d.reasons)
    if len(reason) > REASON_MAX:
        reason = reason[:REASON_MAX - 1] + "…"
    return LimitChange(f"{ref}:{d.customer_id}", d.customer_id, as_of, d.new_limit, d.change, reason)


def _text(c) -> dict[str, str]:
    return {"change_id": c.change_id, "customer_id": c.customer_id, "date": c.date.isoformat(),
            "credit_limit": f"{c.credit_limit:.2f}", "action": c.action, "reason": c.reason}


def decisions(dataset, cfg, model, as_of: date, customer: Optional[str] = None, without_ref: Optional[str] = None):
    """The review of every customer opened on or before ``as_of`` (or only ``customer``), ignoring the
    limits journal's records of ``without_ref``."""
    from ..engine.customer_score import score_account
    from ..engine.ledger import STATEMENTS_NONE, group_by_customer, replay
    from ..engine.limits import limit_state, limits_by_customer
    from ..engine.review import decide, grade_cap

    chosen = sorted((c for c in dataset.customers if c.opened_on <= as_of
                     and (customer is None or c.customer_id == customer)), key=lambda c: c.customer_id)
    groups = group_by_customer(dataset, [c.customer_id for c in chosen], conversions=True)
    prefix = None if without_ref is None else f"{without_ref}:"
    journal = limits_by_customer(dataset)
    out = []
    for c in each(chosen, "accounts"):
        changes = [x for x in journal.get(c.customer_id, ()) if prefix is None or not x.change_id.startswith(prefix)]
        state = limit_state(changes, as_of)
        eff = c if state is None else c._replace(credit_limit=state.usable)
        t, r, d, v, k = groups[c.customer_id]
        acct = replay(eff, t, r, d, cfg, as_of, statements=STATEMENTS_NONE, conversions=v, corrections=k,
                      allocations=False)        # the score and the decision read balances and items only
        score = score_account(acct, model, cfg.scoring, cfg)
        current = (state.limit if state is not None else
                   c.credit_limit.quantize(_FEN) if c.credit_limit is not None else grade_cap(acct, score, cfg))
        out.append(decide(acct, score, current, state, cfg))
    return out


class ReviewPart:
    """The decisions of one part of the book (``--cluster``: one Dask task), customer_id order."""

    def __init__(self, cfg, model, as_of: date, without_ref: Optional[str]) -> None:
        self.cfg, self.model, self.as_of, self.without_ref = cfg, model, as_of, without_ref

    def __call__(self, dataset, part) -> list:
        from .cluster import customers_of

        return decisions(customers_of(dataset, part), self.cfg, self.model, self.as_of, None, self.without_ref)


def _on_cluster(cluster, lc, encoding, task: ReviewPart, on_warning) -> Optional[list]:
    """Every decision, computed part by part on ``cluster``; None when the input is not clean."""
    from .cluster import merged_parts

    return merged_parts(cluster, lc, encoding, task, on_warning, key=_customer_id)


def _customer_id(d) -> str:
    return d.customer_id


def run(lc, as_of: date, *, customer: Optional[str] = None, model: Optional[str] = None,
        apply_ref: Optional[str] = None, dry_run: bool = False, encoding: Optional[str] = None,
        skip_invalid: bool = False, cluster=None, on_warning: Callable[[str], None]) -> ReviewResult:
    """The review (and with ``apply_ref`` its changes appended); with ``cluster`` (``--cluster``)
    the decisions are computed part by part as Dask tasks (``services.cluster``): the same ones."""
    from ..services.scoring import load_customer_model, resolve_model_path

    pd_model = load_customer_model(resolve_model_path(model, lc.config.scoring.model, lc.path))
    if cluster is not None and customer is None and apply_ref is None:
        found = _on_cluster(cluster, lc, encoding, ReviewPart(lc.config, pd_model, as_of, None), on_warning)
        if found is not None:
            return ReviewResult(as_of, found, None, [])
    if apply_ref is None:
        from ..io.loader import load_dataset

        result = load_dataset(lc.data_dir, lc.config, encoding=encoding, skip_invalid=skip_invalid)
        for p in result.warnings:
            on_warning(str(p))
        _known(result.dataset, customer)
        return ReviewResult(as_of, decisions(result.dataset, lc.config, pd_model, as_of, customer), None,
                            list(result.errors))
    return _apply(lc, as_of, customer, pd_model, apply_ref, dry_run, encoding, on_warning,
                  cluster if customer is None else None)


def _known(dataset, customer: Optional[str]) -> None:
    if customer is not None and not any(c.customer_id == customer for c in dataset.customers):
        raise RefusedError(f"--customer: unknown customer {customer!r}")


def _apply(lc, as_of, customer, pd_model, ref, dry_run, encoding, on_warning, cluster=None) -> ReviewResult:
    from ..io.journal import append_or_refuse, check_appendable, journal_lock, journal_path, refuse_torn_journals

    data_dir = require_data_dir(lc.data_dir)
    with journal_lock(data_dir):
        refuse_torn_journals(data_dir)
        result = load(lc, encoding, on_warning)
        _known(result.dataset, customer)
        path = journal_path(data_dir, "limits", result.files)
        # with --cluster the decisions are computed on the cluster (the lock keeps the files as loaded here)
        found = None
        if cluster is not None:
            found = _on_cluster(cluster, lc, encoding, ReviewPart(lc.config, pd_model, as_of, ref), None)
        if found is None:
            found = decisions(result.dataset, lc.config, pd_model, as_of, customer, without_ref=ref)
        wanted = [_record_of(ref, as_of, d) for d in found if d.change is not None]
        recorded = {c.change_id: c for c in result.dataset.limits if c.change_id.startswith(f"{ref}:")}
        fresh = []
        for rec in wanted:              # every conflict refused before anything is written
            old = recorded.get(rec.change_id)
            check_ref("change_id", rec.change_id, path, None if old is None else _text(old), _text(rec))
            if old is None:
                fresh.append(rec)
        for rec in fresh:
            check_appendable(path, _text(rec), LIMIT_COLUMNS)
        if not dry_run:
            for rec in fresh:
                append_or_refuse(path, _text(rec), LIMIT_COLUMNS)
        status = DRY_RUN if dry_run else (RECORDED if fresh or not recorded else DUPLICATE)
        return ReviewResult(as_of, found, Applied(ref, status, path, 0 if dry_run else len(fresh), tuple(wanted)), [])

