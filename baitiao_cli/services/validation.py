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
    problems = list(result.problems) + refused_conversions(result, lc.config)
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


def refused_conversions(result, cfg) -> list[Problem]:
    """A warning for each conversion of the journal that the rules refuse (SPEC 4.10): the replay
    ignores it, as ``bill`` and ``overdue-report`` say; ``validate`` says it without a report date
    (each customer replayed to the date of its last conversion). The record is named by its id."""
    dataset = result.dataset
    if not dataset.conversions:
        return []
    from ..engine.ledger import group_by_customer, overdue_status

    label = result.labels.get("conversions", "conversions")
    wanted = sorted({c.customer_id for c in dataset.conversions})
    groups = group_by_customer(dataset, wanted, conversions=True)
    customers = {c.customer_id: c for c in dataset.customers}
    out = []
    for cid in wanted:
        if cid not in customers:
            continue
        txns, repayments, deferrals, conversions = groups[cid]
        last = max(c.date for c in conversions)
        status = overdue_status(customers[cid], txns, repayments, deferrals, cfg, last, conversions)
        out += [Problem(label, 0, "conversion_id", f"customer {cid}: {w}", "warning")
                for w in status.warnings if w.kind == "conversion_refused"]
    return out
