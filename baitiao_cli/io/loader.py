"""Load and validate a data directory into a :class:`Dataset` (SPEC 2, 6).

``load_dataset`` finds ``customers``, ``transactions``, ``repayments`` and ``deferrals``
(``.csv``, ``.json`` or ``.jsonl``), reads them (``io.readers``), checks every field and
every cross-file rule (``io.validate``) and returns the valid records with every problem
found. With any error it raises :class:`DataError` listing them all, unless
``skip_invalid`` is set: then it returns what is valid (a record that depends on a
rejected customer or purchase is rejected too, and listed) and the caller exits 1 after
doing its work.
"""

from __future__ import annotations

import gc
from dataclasses import dataclass, field
from pathlib import Path
from typing import Optional

from ..engine.config import Config
from ..engine.model import Dataset
from ..errors import DataError, Problem, UsageError
from .readers import RawFile, lookup_encoding, open_file
from .validate import READERS, CustomerIndex, Part, check_customer_refs, check_transactions

DATASETS = ("customers", "transactions", "repayments", "deferrals")
REQUIRED = ("customers", "transactions")
EXTENSIONS = (("csv", "csv"), ("json", "json"), ("jsonl", "jsonl"))


@dataclass(frozen=True)
class LoadResult:
    dataset: Dataset                    # only valid records, in file order
    problems: tuple                     # tuple[Problem, ...]: errors and warnings, file then line order
    files: dict                         # dataset name -> file found
    counts: dict                        # records read per dataset
    skipped: dict                       # records rejected per dataset
    labels: dict = field(default_factory=dict)   # dataset name -> the ``file`` its problems carry

    @property
    def errors(self) -> tuple:
        return tuple(p for p in self.problems if p.severity == "error")

    @property
    def warnings(self) -> tuple:
        return tuple(p for p in self.problems if p.severity != "error")


def _candidates(data_dir: Path, name: str) -> list:
    return [(data_dir / f"{name}.{ext}", fmt) for ext, fmt in EXTENSIONS
            if (data_dir / f"{name}.{ext}").exists()]


def find_data_file(data_dir: Path, name: str) -> Optional[Path]:
    """``<name>.csv``, ``.json`` or ``.jsonl`` in ``data_dir``; None if there is none.

    Raises DataError when two of them exist (which one is the truth is not ours to guess)
    or when the one found is not a regular file.
    """
    found = _candidates(Path(data_dir), name)
    if len(found) > 1:
        names = " and ".join(p.name for p, _ in found)
        raise DataError([Problem(str(found[0][0]), 0, "",
                                 f"both {names} exist: keep exactly one {name} file")])
    if not found:
        return None
    path = found[0][0]
    if not path.is_file():
        raise DataError([Problem(str(path), 0, "", "is not a regular file")])
    return path


def _missing_message(data_dir: Path, name: str, required: bool) -> str:
    others = sorted(p.name for p in data_dir.glob(f"{name}.*")) if data_dir.is_dir() else []
    msg = f"missing required file: expected {name}.csv, {name}.json or {name}.jsonl"
    if others:
        msg += f" (found {', '.join(others)}: export it as CSV UTF-8, JSON or JSON Lines)"
    return msg if required else msg.replace("missing required file", "no file")


def _fmt(path: Path) -> str:
    return path.suffix.lower().lstrip(".")


def load_dataset(data_dir: Path, cfg: Config, *, encoding: Optional[str] = None,
                 skip_invalid: bool = False) -> LoadResult:
    """Read and validate every input file of ``data_dir``.

    ``encoding`` overrides the detection for CSV files (JSON is always UTF-8, BOM or not,
    with the same GB18030 fallback). Raises UsageError for an unknown encoding name and
    DataError for any error-severity problem unless ``skip_invalid``.
    """
    if encoding is not None and lookup_encoding(encoding) is None:
        raise UsageError(f"--encoding: unknown encoding {encoding!r} (try utf-8, gb18030 or gbk)")
    # Millions of small objects and no reference cycles: the cyclic GC would only rescan
    # them again and again (it doubled the load time at a million rows). Restored on exit.
    gc_was_enabled = gc.isenabled()
    gc.disable()
    try:
        result = _load(Path(data_dir), cfg, encoding)
    finally:
        if gc_was_enabled:
            gc.enable()
    if not skip_invalid and any(p.severity == "error" for p in result.problems):
        raise DataError(list(result.problems))
    return result


def _load(data_dir: Path, cfg: Config, encoding: Optional[str]) -> LoadResult:
    problems: list = []
    files: dict = {}
    labels: dict = {}
    parts: dict = {}
    order: dict = {}
    if not data_dir.is_dir():
        problems.append(Problem(str(data_dir), 0, "", "data directory not found (--data-dir or data.dir "
                                                      "in the config)"))
        for name in DATASETS:
            labels[name] = str(data_dir / f"{name}.*")
    else:
        for name in DATASETS:
            labels[name] = str(data_dir / f"{name}.*")
            try:
                path = find_data_file(data_dir, name)
            except DataError as e:
                problems.extend(e.problems)
                labels[name] = e.problems[0].file
                continue
            if path is None:
                if name in REQUIRED:
                    problems.append(Problem(labels[name], 0, "", _missing_message(data_dir, name, True)))
                continue
            files[name] = path
            labels[name] = label = str(path)
            raw = open_file(path, label, _fmt(path), problems, encoding)
            parts[name] = _read_part(name, raw, cfg, problems)
    for k, name in enumerate(DATASETS):
        order[labels[name]] = k

    customers_part = parts.get("customers")
    customers = CustomerIndex(customers_part, labels["customers"])
    accepted: dict = {"customers": customers_part.records if customers.ok else []}
    part = parts.get("transactions")
    if part is not None and part.usable:
        accepted["transactions"] = check_transactions(part, customers, labels["transactions"], problems)
    for name, what in (("repayments", "repayment"), ("deferrals", "deferral request")):
        part = parts.get(name)
        if part is not None and part.usable:
            accepted[name] = check_customer_refs(part, customers, labels[name], problems, what)

    counts = {name: (parts[name].read if name in parts else 0) for name in DATASETS}
    skipped = {name: counts[name] - len(accepted.get(name, ())) for name in DATASETS}
    problems.sort(key=lambda p: (order.get(p.file, len(DATASETS)), p.line))
    dataset = Dataset(customers=tuple(accepted.get("customers", ())),
                      transactions=tuple(accepted.get("transactions", ())),
                      repayments=tuple(accepted.get("repayments", ())),
                      deferrals=tuple(accepted.get("deferrals", ())))
    return LoadResult(dataset=dataset, problems=tuple(problems), files=files, counts=counts,
                      skipped=skipped, labels=labels)


def _read_part(name: str, raw: RawFile, cfg: Config, problems: list) -> Part:
    label = raw.label
    if raw.unreadable and not raw.columns:
        return Part(usable=False)
    if raw.empty:
        if name in REQUIRED:
            problems.append(Problem(label, 0, "", "empty file: not even a header line"))
            return Part(usable=False)
        problems.append(Problem(label, 0, "", "empty file (no header): read as no records", "warning"))
        return Part()
    part = READERS[name](raw, cfg, problems)
    if raw.unreadable:
        part.usable = False
    return part
