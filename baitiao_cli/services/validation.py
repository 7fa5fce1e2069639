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
    by_file: dict = {}
    for p in result.problems:
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
    errors = sum(1 for p in result.problems if p.severity == "error")
    return Validation(list(result.problems), files, errors, len(result.problems) - errors)
