"""Load and validate a data directory into a :class:`Dataset` (SPEC 2, 6).

``load_dataset`` finds ``customers``, ``transactions``, ``repayments`` and ``deferrals``
(``.csv``, ``.json`` or ``.jsonl``), reads them (``io.readers``), checks every field and
every cross-file rule (``io.validate``, through the dataset specs of ``io.spec``) and returns
the valid records with every problem found. With any error it raises :class:`DataError` listing them all, unless
``skip_invalid`` is set: then it returns what is valid (a record that depends on a
rejected customer or purchase is rejected too, and listed) and the caller exits 1 after
doing its work.
"""

from __future__ import annotations

import gc
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Optional

from ..engine.config import Config
from ..engine.model import Dataset
from ..errors import DataError, Problem, UsageError
from .readers import RawFile, lookup_encoding, open_file
from .fields import MISSING
from .objstore import data_folder
from .rows import LoadedFile
from .rules import CustomerIndex, check_refunds, check_reversals
from .share_load import Share, Unclean, header_warning, index_refunded
from .spec import SPECS
from .validate import read_file

DATASETS = ("customers", "transactions", "repayments", "deferrals", "conversions", "adjustments", "reversals",
            "limits")
REQUIRED = ("customers", "transactions")
LISTED_WHEN_PRESENT = ("conversions", "adjustments", "reversals", "limits")   # counted and listed (validate) only when the file exists, so a
                                         # book without them reads exactly as before they existed
EXTENSIONS = (("csv", "csv"), ("json", "json"), ("jsonl", "jsonl"), ("parquet", "parquet"))
# CSV files from this size on are read by pyarrow (io.arrow) when it can read them exactly; smaller ones by
# the Python reader, whose start-up is cheaper (importing pyarrow alone takes ~0.1 s). BAITIAO_ARROW_FROM
# (bytes) overrides it: 0 sends every CSV file it can through pyarrow (the test suite runs both ways).
ARROW_FROM = int(os.environ.get("BAITIAO_ARROW_FROM", 1 << 20))
FREEZE_FROM = 100_000      # records: from here on the loaded data is frozen out of the cyclic GC


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
    """``<name>.csv``, ``.json``, ``.jsonl`` or ``.parquet`` in ``data_dir`` (a ``Path``, or an
    ``io.objstore.ObjectPath``); None if there is none.

    Raises DataError when two of them exist (which one is the truth is not ours to guess)
    or when the one found is not a regular file.
    """
    found = _candidates(data_folder(data_dir), name)
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


def _missing_message(data_dir: Path, name: str) -> str:
    others = sorted(p.name for p in data_dir.glob(f"{name}.*"))
    msg = f"missing required file: expected {name}.csv, {name}.json, {name}.jsonl or {name}.parquet"
    if others:
        msg += f" (found {', '.join(others)}: export it as CSV UTF-8, JSON, JSON Lines or Parquet)"
    return msg


def _not_found(data_dir) -> str:
    """Why there is no data folder (an object store says whether the bucket exists: ``io.objstore``)."""
    if hasattr(data_dir, "not_found"):
        return data_dir.not_found()
    return "data directory not found (--data-dir or data.dir in the config)"


def _fmt(path: Path) -> str:
    return path.suffix.lower().lstrip(".")


def load_dataset(data_dir: Path, cfg: Config, *, encoding: Optional[str] = None,
                 skip_invalid: bool = False, whole_accounts: bool = True) -> LoadResult:
    """Read and validate every input file of ``data_dir``.

    Encodings: a file whose bytes are valid UTF-8 (with or without BOM) is read as UTF-8;
    any other CSV file is read as ``encoding`` when given, else as GB18030 (which covers
    GBK and GB2312). JSON and JSON Lines take the same detection without ``encoding``.
    Raises UsageError for an unknown encoding name, and DataError listing every problem
    when there is any error unless ``skip_invalid``: then the result holds the valid
    records and the caller exits 1 after doing its work. With ``whole_accounts`` (the
    default) a customer any of whose own records was rejected is skipped entirely — an
    account is never reported from part of its records (a statement missing a payment would
    charge late fees that are not owed); ``validate`` passes False to count record by record.

    The records keep their file order; ``seq`` is the position among the file's records
    (blank lines are not records); ``Customer.statement_day`` is resolved from the config
    when the row leaves it empty; ``Txn.fee_rate`` stays None when empty.
    """
    _check_encoding(encoding)
    result = _without_gc(lambda: _load(data_folder(data_dir), cfg, encoding))
    if any(p.severity == "error" for p in result.problems):
        if not skip_invalid:
            raise DataError(list(result.problems))
        if whole_accounts:
            result = _whole_accounts(result, encoding)
    return result


def load_share(data_dir: Path, cfg: Config, keep: Callable[[str], bool], *, ids_mod: int = 1, ids_rem: int = 0,
               encoding: Optional[str] = None) -> Optional[LoadResult]:
    """The records of the customers ``keep`` selects, if the whole input is clean; else None.

    For the worker processes of ``--jobs`` (``services.jobs``), which each check and keep one
    share of the book instead of one process loading all of it. Every customer is read and
    checked (all of them are in the result); of the transactions and repayments only the
    rows of kept customers are checked and built, through the column-wise fast path alone,
    with the ``seq`` and line the full load gives them; the ids of every row with
    ``hash(id) % ids_mod == ids_rem`` are checked for duplicates (the shares of a run give
    themselves the remainders 0..ids_mod-1 and must share the hash seed: forked workers);
    deferrals (a small journal) are read whole.

    None means "not clean, load the whole input the ordinary way": any problem (even a
    warning) but the warnings about a header that every share gives alike (an unknown or
    unnamed column: ``share_load.header_warning``; they are in the result's problems), any
    row the column driver would hand to the row driver, a row of an unknown customer, a
    duplicate id, a refund naming a purchase outside the share. So when every share of a partition of
    the customers comes back clean, the full load would have found exactly those header
    warnings and nothing else, and the union of the shares' records is exactly its records.
    """
    _check_encoding(encoding)
    try:
        return _without_gc(lambda: _load(data_folder(data_dir), cfg, encoding, share=(keep, ids_mod, ids_rem)))
    except Unclean:
        return None


def _check_encoding(encoding: Optional[str]) -> None:
    if encoding is not None and lookup_encoding(encoding) is None:
        raise UsageError(f"--encoding: unknown encoding {encoding!r} (try utf-8, gb18030 or gbk)")


def _without_gc(load: Callable[[], LoadResult]) -> LoadResult:
    """``load()`` with the cyclic GC off, the loaded records then frozen out of its sight.

    Millions of small objects and no reference cycles: the cyclic GC would only rescan them
    again and again (it doubled the load time at a million rows), so it is off while
    loading; the loaded records, which live as long as the run, are then moved out of its
    sight (gc.freeze) so that the first collection afterwards does not walk them all.
    """
    gc_was_enabled = gc.isenabled()
    gc.disable()
    result = None
    try:
        result = load()
    finally:
        if gc_was_enabled:
            if result is not None and sum(result.counts.values()) >= FREEZE_FROM:
                gc.freeze()
            gc.enable()
    return result


def _customers_at(path: Path, label: str, encoding: Optional[str], lines: set) -> set:
    """The customer_id text of the records starting on ``lines`` (rejected rows: re-read)."""
    raw = open_file(path, label, _fmt(path), [], encoding)
    if raw.unreadable or raw.empty or "customer_id" not in raw.columns:
        return set()
    i = raw.columns.index("customer_id")
    found: set = set()
    try:
        if raw.items is not None:
            for line, row, _ok in raw.items:
                if line in lines and i < len(row):
                    found.add(row[i].strip())
        else:
            rows = raw.rows
            while True:
                line = rows.line_num + 1
                row = next(rows, None)
                if row is None:
                    break
                if line in lines and i < len(row):
                    found.add(row[i].strip())
    except Exception:  # noqa: BLE001 - a row the reader cannot give back: its problem is already listed
        pass
    return found


def _whole_accounts(result: LoadResult, encoding: Optional[str]) -> LoadResult:
    """Drop every record of a customer one of whose own records was rejected, and say so."""
    ds = result.dataset
    known = {c.customer_id for c in ds.customers}
    hit: set = set()
    for name in DATASETS[1:]:
        path, label = result.files.get(name), result.labels.get(name)
        if path is None:
            continue
        lines = {p.line for p in result.problems if p.severity == "error" and p.file == label and p.line > 0}
        if lines:
            hit |= _customers_at(path, label, encoding, lines) & known
    if not hit:
        return result
    problems = list(result.problems)
    label = result.labels.get("customers", "customers")
    for k, c in enumerate(ds.customers):
        if c.customer_id in hit:
            problems.append(Problem(label, 0, "customer_id",
                                    f"account {c.customer_id} skipped: some of its records are invalid "
                                    "(an account is never reported from part of its records)",
                                    severity="warning"))
    keep = lambda rows: tuple(r for r in rows if r.customer_id not in hit)  # noqa: E731
    dataset = Dataset(customers=keep(ds.customers), transactions=keep(ds.transactions),
                      repayments=keep(ds.repayments), deferrals=keep(ds.deferrals),
                      conversions=keep(ds.conversions), adjustments=keep(ds.adjustments),
                      reversals=keep(ds.reversals), limits=keep(ds.limits))
    skipped = dict(result.skipped)
    for name, before, after in (("customers", ds.customers, dataset.customers),
                                ("transactions", ds.transactions, dataset.transactions),
                                ("repayments", ds.repayments, dataset.repayments),
                                ("deferrals", ds.deferrals, dataset.deferrals),
                                ("conversions", ds.conversions, dataset.conversions),
                                ("adjustments", ds.adjustments, dataset.adjustments),
                                ("reversals", ds.reversals, dataset.reversals),
                                ("limits", ds.limits, dataset.limits)):
        if name in result.counts:
            skipped[name] = skipped.get(name, 0) + len(before) - len(after)
    return LoadResult(dataset=dataset, problems=tuple(problems), files=result.files, counts=result.counts,
                      skipped=skipped, labels=result.labels)


def _load(data_dir: Path, cfg: Config, encoding: Optional[str], share: Optional[tuple] = None) -> LoadResult:
    """The full load; with ``share`` = (keep, ids_mod, ids_rem) the share load of ``load_share``,
    which raises Unclean at the first sign of a problem."""
    problems: list = []
    job_share: Optional[Share] = None    # (a worker of --jobs: the customers it keeps)
    files: dict = {}
    labels: dict = {}
    loaded: dict = {}           # dataset name -> LoadedFile
    order: dict = {}
    for name in DATASETS:
        labels[name] = str(data_dir / f"{name}.*")
    found_dir = data_dir.is_dir()
    if not found_dir:
        problems.append(Problem(str(data_dir), 0, "", _not_found(data_dir)))
    customers = CustomerIndex(None, labels["customers"])
    if found_dir:
        for name in DATASETS:
            try:
                path = find_data_file(data_dir, name)
            except DataError as e:
                problems.extend(e.problems)
                labels[name] = e.problems[0].file
                path = None
            else:
                if path is None and name in REQUIRED:
                    problems.append(Problem(labels[name], 0, "", _missing_message(data_dir, name)))
            if path is not None:
                files[name], labels[name] = path, str(path)
                raw = _open(name, path, labels[name], problems, encoding, share is None)
                loaded[name], raw = _read_file(name, raw, cfg, problems, customers, job_share), None   # (freed now)
            if name == "customers":      # the other files are checked against these as they are read
                customers = CustomerIndex(loaded.get("customers"), labels["customers"])
                if share is not None:
                    if not customers.ok or not all(map(header_warning, problems)):
                        raise Unclean("customers")
                    keep, ids_mod, ids_rem = share
                    job_share = Share({cid: c if keep(cid) else False for cid, c in customers.by_id.items()},
                                      ids_mod, ids_rem)
            if share is not None and not all(map(header_warning, problems)):
                raise Unclean(name)
    for k, name in enumerate(DATASETS):
        order[labels[name]] = k

    accepted: dict = {"customers": loaded["customers"].records if customers.ok else []}
    for name in DATASETS[1:]:
        got = loaded.get(name)
        if got is None or not got.usable:
            continue
        if not customers.ok:
            if got.records:
                problems.append(Problem(labels[name], 0, "customer_id",
                                        f"not checked against customers: {customers.label} could not "
                                        f"be loaded; {len(got.records)} record(s) skipped"))
        elif name == "transactions":
            if share is not None:
                index_refunded(got)
            accepted[name] = check_refunds(got, labels[name], problems)
        elif name == "reversals":
            journals = {n: (labels[n], loaded[n]) for n in loaded}
            accepted[name] = check_reversals(got, labels[name], problems, journals, accepted,
                                             other_share=None if share is None else _other_share(loaded))
        else:
            accepted[name] = got.records

    if share is not None and not all(map(header_warning, problems)):
        raise Unclean("refunds")
    listed = [name for name in DATASETS if name not in LISTED_WHEN_PRESENT or name in files]
    counts = {name: (loaded[name].read if name in loaded else 0) for name in listed}
    skipped = {name: counts[name] - len(accepted.get(name, ())) for name in listed}
    problems.sort(key=lambda p: (order.get(p.file, len(DATASETS)), p.line))
    dataset = Dataset(**{name: tuple(accepted.get(name, ())) for name in DATASETS})
    return LoadResult(dataset=dataset, problems=tuple(problems), files=files, counts=counts,
                      skipped=skipped, labels=labels)


def _open(name: str, path: Path, label: str, problems: list, encoding: Optional[str], columnar: bool) -> RawFile:
    """Read one data file: a big CSV or JSON Lines file (customers, transactions, repayments; ``ARROW_FROM``) into an
    Arrow table when pyarrow reads it exactly as the Python reader would (``io.arrow.open_csv``, ``open_jsonl``), else
    the Python reader;
    a Parquet file always into a table (``io.readers.open_file``)."""
    fmt = _fmt(path)
    if columnar and fmt in ("csv", "jsonl") and SPECS[name].by_columns and _size(path) >= ARROW_FROM:
        from .arrow import open_csv, open_jsonl   # (pyarrow only for the commands that load a book)
        raw = open_csv(path, label) if fmt == "csv" else open_jsonl(path, label, SPECS[name])
        if raw is not None:
            return raw
    return open_file(path, label, fmt, problems, encoding)


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return 0


def _other_share(loaded: dict) -> Callable[[str], bool]:
    """For a worker of ``--jobs``: whether an id was seen in a journal but belongs to another share."""
    seen = [loaded[n].first for n in ("repayments", "deferrals", "conversions", "adjustments") if n in loaded]
    return lambda rid: any(rid in s for s in seen)


def _read_file(name: str, raw: RawFile, cfg: Config, problems: list, customers: CustomerIndex,
               share: Optional[Share] = None) -> LoadedFile:
    label = raw.label
    if raw.unreadable and not raw.columns:
        return LoadedFile(usable=False)
    if raw.empty:
        if name in REQUIRED:
            problems.append(Problem(label, 0, "", "empty file: not even a header line"))
            return LoadedFile(usable=False)
        problems.append(Problem(label, 0, "", "empty file (no header): read as no records", "warning"))
        return LoadedFile()
    mark = len(problems)
    loaded = read_file(SPECS[name], raw, cfg, problems, customers, share)
    if loaded.missing_columns:
        # the missing column was reported once for the file: not again on every row
        gone = set(loaded.missing_columns)
        problems[mark:] = [p for p in problems[mark:]
                           if not (p.field in gone and p.message == MISSING and p.file == label)]
    if raw.unreadable:
        loaded.usable = False
    return loaded
