"""Loading the input for a use case, and ``validate``: every problem of every input file.

``load_checked`` is the load every batch command makes: problems as data, warnings handed to
the caller's callback, errors either refused (``DataError`` from the loader) or, with
``--skip-invalid``, returned as the rejected records. ``validate`` loads everything and counts
records, valid records, errors and warnings per dataset file.
"""

from __future__ import annotations

from typing import Callable, NamedTuple, Optional

from ..errors import Problem


def load_checked(lc, encoding: Optional[str], skip_invalid: bool, on_warning: Callable[[str], None]):
    """Load and validate the data directory; each warning goes to ``on_warning``.

    Returns ``(LoadResult, rejected)``: ``rejected`` lists the errors ``skip_invalid`` let
    through (the caller reports them and exits 1 after doing its work). Without it an invalid
    input raises DataError (exit 1).
    """
    from ..io.loader import load_dataset

    result = load_dataset(lc.data_dir, lc.config, encoding=encoding, skip_invalid=skip_invalid)
    for p in result.problems:
        if p.severity != "error":
            on_warning(str(p))
    return result, [p for p in result.problems if p.severity == "error"]


def load_input(lc, encoding: Optional[str], skip_invalid: bool, on_warning: Callable[[str], None]):
    """``load_checked`` for a batch run: ``(dataset, rejected)``."""
    result, rejected = load_checked(lc, encoding, skip_invalid, on_warning)
    return result.dataset, rejected


class FileCheck(NamedTuple):
    """One dataset of ``validate``: its file (None: none found) and what was found in it."""

    dataset: str
    file: Optional[str]
    records: int
    valid: int
    errors: int
    warnings: int


class Validation(NamedTuple):
    """What ``validate`` found: every problem (file order), a check per dataset, the totals."""

    problems: list[Problem]
    files: list[FileCheck]
    errors: int
    warnings: int


def validate(lc, encoding: Optional[str]) -> Validation:
    """Load every input file in full (nothing refused) and count what was found per dataset."""
    from ..io.loader import DATASETS, LISTED_WHEN_PRESENT, load_dataset

    result = load_dataset(lc.data_dir, lc.config, encoding=encoding, skip_invalid=True, whole_accounts=False)
    problems = list(result.problems) + refused_requests(result, lc.config) + scenario_warnings(result, lc.config,
                                                                                               encoding)
    by_file: dict = {}
    for p in problems:
        e, w = by_file.get(p.file, (0, 0))
        by_file[p.file] = (e + 1, w) if p.severity == "error" else (e, w + 1)
    files = []
    for name in DATASETS:
        if name in LISTED_WHEN_PRESENT and name not in result.files:
            continue
        e, w = by_file.get(result.labels.get(name, ""), (0, 0))
        path = result.files.get(name)
        records = result.counts.get(name, 0)
        files.append(FileCheck(name, str(path) if path is not None else None, records,
                               records - result.skipped.get(name, 0), e, w))
    errors = sum(1 for p in problems if p.severity == "error")
    return Validation(problems, files, errors, len(problems) - errors)


def scenario_warnings(result, cfg, encoding: Optional[str] = None) -> list[Problem]:
    """A warning for each purchase whose term its scenario does not allow, or whose explicit
    fee_rate is not the scenario's (SPEC 4.14; ``engine.scenarios.purchase_mismatch``), by line."""
    if not cfg.scenarios:
        return []
    from ..engine.model import PURCHASE
    from ..engine.scenarios import purchase_mismatch

    found = [(t.txn_id, m) for t in result.dataset.transactions
             if t.type == PURCHASE and (m := purchase_mismatch(t, cfg)) is not None]
    if not found:
        return []
    from ..io.locate import record_lines

    label = result.labels.get("transactions", "transactions")
    lines = record_lines(result.files["transactions"], label, "txn_id", {tid for tid, _m in found}, encoding)
    return [Problem(label, lines[tid], fld, f"purchase {tid}: {msg}", "warning") for tid, (fld, msg) in found]


# the journal records the rules may refuse: engine warning kind -> (dataset, id column)
REFUSALS = {"conversion_refused": ("conversions", "conversion_id"), "waiver_refused": ("adjustments", "adjustment_id"),
            "write_off_refused": ("adjustments", "adjustment_id")}


def refused_requests(result, cfg) -> list[Problem]:
    """A warning for each conversion (SPEC 4.10) and adjustment (4.15: a waiver over what was owed on
    its date, a write-off under overdue.write_off_min_dpd) of the journals that the rules refuse: the
    replay ignores it, as ``bill`` and ``overdue-report`` say; ``validate`` says it without a report
    date (each customer replayed to the date of its last such request). Named by its id and line."""
    dataset = result.dataset
    if not dataset.conversions and not dataset.adjustments:
        return []
    from ..engine.ledger import group_by_customer, overdue_status

    wanted = sorted({c.customer_id for c in dataset.conversions} | {a.customer_id for a in dataset.adjustments})
    groups = group_by_customer(dataset, wanted, conversions=True)
    customers = {c.customer_id: c for c in dataset.customers}
    out = []
    for cid in wanted:
        if cid not in customers:
            continue
        txns, repayments, deferrals, conversions, corrections = groups[cid]
        last = max(r.date for r in (*conversions, *corrections.adjustments))
        status = overdue_status(customers[cid], txns, repayments, deferrals, cfg, last, conversions, corrections)
        for w in status.warnings:
            if w.kind in REFUSALS:
                name, column = REFUSALS[w.kind]
                out.append(Problem(result.labels.get(name, name), 0, column, f"customer {cid}: {w}", "warning"))
    return out
