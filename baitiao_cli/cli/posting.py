"""What ``repay`` and ``defer`` share: option checks, the journal file, torn-line and
idempotency checks, and the one locked append (SPEC 4.5, 4.6, 6; docs/posting.md).

The sequence both commands follow, all of it inside ``journal_lock(data_dir)``::

    refuse_torn_journals   a journal whose last line is incomplete is never read or appended to
    load                   the whole data directory, validated (invalid data: refuse, write nothing)
    existing / conflict    the ref already in the journal: same content -> duplicate, else refuse
    (compute)              engine.ledger.post_repayment / post_deferral: dry run and real run alike
    check_appendable       the exact bytes the append would write (JSON array, missing column...)
    append                 one write, fsynced (unless --dry-run)
"""

from __future__ import annotations

import csv
import re
from datetime import date
from pathlib import Path
from typing import Any, Mapping, Optional, Sequence

from ..errors import DataError, Problem, RefusedError, UsageError
from ..render import warn

# --ref: the idempotency key. Stricter than what the loader accepts in a journal (1-128
# characters without control characters): what a script or an operator types, safe in any
# file, log line or shell, and the same rule as customer ids.
REF = re.compile(r"\A[A-Za-z0-9_-]{1,64}\Z")
CHANNEL_MAX = 64

REPAYMENT_COLUMNS = ("repayment_id", "customer_id", "date", "amount", "kind", "channel")
DEFERRAL_COLUMNS = ("deferral_id", "customer_id", "statement_date", "date", "days")
JOURNALS = ("repayments", "deferrals")


# --- option values (malformed: usage error, exit 2) ------------------------------------------------

# The headline of a posting's table, by status (repay and defer).
STATUS_TEXT = {
    "recorded": "Recorded",
    "duplicate": "Already recorded (same ref, same content): nothing written",
    "dry_run": "Dry run: nothing written",
}

def ref_option(value: str) -> str:
    if not REF.match(value or ""):
        raise UsageError(f"--ref: must be 1 to 64 letters, digits, '_' or '-' (the idempotency key): {value!r}")
    return value


def channel_option(value: Optional[str]) -> str:
    """Free text, stripped (as the loader strips it); no control characters, at most 64 characters."""
    if value is None:
        return ""
    s = value.strip()
    if any(ord(ch) < 32 or ord(ch) == 127 for ch in s):
        raise UsageError(f"--channel: control characters are not allowed: {value!r}")
    if len(s) > CHANNEL_MAX:
        raise UsageError(f"--channel: at most {CHANNEL_MAX} characters")
    return s


# --- the data directory and its journals -----------------------------------------------------------

def require_data_dir(data_dir: Path) -> Path:
    if not Path(data_dir).is_dir():
        raise DataError([Problem(str(data_dir), 0, "", "data directory not found (--data-dir or data.dir "
                                                       "in the config)")])
    return Path(data_dir)


def _find(data_dir: Path, name: str) -> Optional[Path]:
    from ..io.loader import find_data_file

    return find_data_file(data_dir, name)


def refuse_torn_journals(data_dir: Path) -> None:
    """Refuse when a journal's last line is incomplete (a crash mid-write).

    Checked before anything is read: the loader rejects a torn record it cannot parse, but a
    record cut after a digit ("...,100.00" -> "...,10") would parse, and must never be applied.
    """
    for name in JOURNALS:
        path = _find(data_dir, name)
        if path is None or path.suffix.lower() == ".json":
            continue
        try:
            size = path.stat().st_size
            if not size:
                continue
            with open(path, "rb") as f:
                f.seek(size - 1)
                last = f.read(1)
        except OSError as e:
            raise RefusedError(f"{path}: cannot read: {e.strerror or e}") from None
        if last != b"\n":
            lines = path.read_bytes().count(b"\n") + 1
            raise RefusedError(
                f"{path}:{lines}: the last line is incomplete (torn write?); nothing was computed or "
                f"written. Repair the journal first (docs/posting.md, 'A torn journal')")


def load(lc, encoding: Optional[str]):
    """The validated dataset (DataError on any invalid record: nothing is computed or written)."""
    from ..io.loader import load_dataset

    result = load_dataset(lc.data_dir, lc.config, encoding=encoding)
    for p in result.warnings:
        warn(str(p))
    return result


def journal_path(data_dir: Path, name: str, result) -> Path:
    """The existing ``<name>`` file of the data directory; else a new one in the format of the
    transactions file: ``.csv`` for CSV, ``.jsonl`` for JSON or JSON Lines (a JSON array
    cannot be appended to)."""
    path = result.files.get(name)
    if path is not None:
        return Path(path)
    txn = result.files.get("transactions")
    ext = "csv" if txn is not None and Path(txn).suffix.lower() == ".csv" else "jsonl"
    return Path(data_dir) / f"{name}.{ext}"


# --- idempotency ---------------------------------------------------------------------------------

def check_ref(what: str, ref: str, path: Path, recorded: Optional[Mapping[str, str]],
              request: Mapping[str, str]) -> None:
    """Idempotency: a ref already in the journal must carry the same content (else refused)."""
    if recorded is None:
        return
    diffs = differences(recorded, {k: v for k, v in request.items() if k != what})
    if diffs:
        refuse_conflict(what, ref, path, diffs)


def account_inputs(result, cid: str, when: date):
    """The posting customer's row and events: refused when unknown or not yet open on ``when``."""
    from ..engine.ledger import group_by_customer

    ds = result.dataset
    cust = next((c for c in ds.customers if c.customer_id == cid), None)
    if cust is None:
        raise RefusedError(f"unknown customer {cid!r}: not in {result.files.get('customers', 'the customers file')}")
    if when < cust.opened_on:
        raise RefusedError(f"--date {when.isoformat()} is before the account of {cid!r} opened "
                           f"({cust.opened_on.isoformat()})")
    txns, reps, defs = group_by_customer(ds, [cid])[cid]
    return cust, txns, reps, defs


def differences(journal: Mapping[str, str], request: Mapping[str, str]) -> list[str]:
    """The fields where a journal record and a request differ, in plain words."""
    out = []
    for k, v in request.items():
        old = journal.get(k, "")
        if old != v:
            out.append(f"{k} {old or '(empty)'} in the journal, {v or '(empty)'} in this request")
    return out


def refuse_conflict(what: str, ref: str, path: Path, diffs: Sequence[str]) -> None:
    raise RefusedError(f"{what} {ref!r} is already in {path} with different content: "
                       + "; ".join(diffs) + ". Nothing written: a new record needs a new --ref "
                       "(see docs/posting.md to correct a mistake)")


def warn_back_dated(what: str, when: date, later: Sequence[Any]) -> bool:
    """Warn when the journal holds later-dated records of the same customer."""
    if not later:
        return False
    last = max(r.date for r in later)
    warn(f"back-dated {what}: the journal already holds {len(later)} later-dated record(s) of this "
         f"customer (latest {last.isoformat()}); the journal is replayed by value date, so their "
         f"allocations may shift")
    return True


# --- writing --------------------------------------------------------------------------------------

def fit_record(path: Path, record: Mapping[str, str], defaults: Mapping[str, str]) -> dict[str, str]:
    """``record`` for an existing CSV journal: an optional column the header lacks is left out
    when the value is its default (``kind = normal`` in a journal without a ``kind`` column)."""
    out = dict(record)
    if path.suffix.lower() != ".csv" or not path.is_file():
        return out
    try:
        with open(path, "rb") as f:
            first = f.readline()
    except OSError:
        return out
    try:
        text = first.decode("utf-8")
    except UnicodeDecodeError:
        text = first.decode("gb18030", errors="replace")
    header = {c.strip().strip("\ufeff").strip().lower() for c in next(csv.reader([text.rstrip("\r\n")]), [])}
    for k, v in defaults.items():
        if out.get(k) == v and k not in header:
            out[k] = ""
    return out


def check_appendable(path: Path, record: Mapping[str, str], columns: Sequence[str]) -> None:
    """Everything the append would refuse (torn line, JSON array, missing column), without writing:
    a dry run answers as the real run would."""
    from ..io.journal import encode_record

    try:
        encode_record(path, record, columns)
    except OSError as e:
        raise RefusedError(f"{path}: cannot read: {e.strerror or e}") from None


def append(path: Path, record: Mapping[str, str], columns: Sequence[str]) -> None:
    from ..io.journal import append_record

    try:
        append_record(path, record, columns)
    except OSError as e:
        raise RefusedError(f"{path}: cannot append: {e.strerror or e}; check it with 'baitiao validate' "
                           f"before retrying") from None

