"""``baitiao bill``: monthly statements (SPEC 4.1, 5), for the desk and the daily cron run.

- Batch (no ``--customer``): the statements dated ``--as-of`` of every customer whose
  statement day is that day (and whose first statement is on or before it).
- ``--customer ID``: that customer's latest statement on or before ``--as-of``.
- ``--out DIR``: ``DIR/<statement-date>/<customer_id>.json`` and ``.txt`` per statement plus
  ``summary.csv`` (batch only), each written atomically; a re-run gives the same bytes.
- ``--shard K/N`` (batch): only the customers of shard K of N; with ``--out`` the summary is
  ``summary.shard-K-of-N.csv``. ``--jobs N``: N worker processes, output byte-identical to one
  (``cli.sharding``, docs/scale.md).

Exit status: 0 done; 1 invalid input (nothing written), an unknown customer, an unwritable
``--out``, or ``--skip-invalid`` with rejected records (after writing the valid accounts);
2 usage error.
"""

from __future__ import annotations

import heapq
import sys
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, NamedTuple, Optional

import typer

from ..errors import RefusedError, SkippedRecords, UsageError
from ..io.parse import CUSTOMER_ID
from ..render import Table, csv_text, emit, json_text, warn
from .common import (
    AsOfOpt, ConfigOpt, DataDirOpt, EncodingOpt, Format, FormatOpt, SkipInvalidOpt, as_of_date, load_input, setup,
)
from .sharding import (
    JobsOpt, ShardOpt, check_jobs, dumps, frozen_heap, parse_shard, run_parts, run_shares, summary_name,
    write_document,
)

if TYPE_CHECKING:
    from ..engine.account import Account, Statement
    from ..engine.partition import Part
# The engine is imported inside the functions: ``baitiao --help`` and other commands never pay for it.

CustomerOpt = Annotated[Optional[str], typer.Option(
    "--customer", metavar="ID", help="Show this customer's latest statement on or before --as-of.", show_default=False)]
OutOpt = Annotated[Optional[str], typer.Option(
    "--out", metavar="DIR", help="Also write DIR/<statement-date>/<customer>.json and .txt per statement, plus summary.csv "
                  "(batch), atomically.", show_default=False)]

BATCH_HEADERS = ("customer", "name", "phone", "statement", "due", "new", "carried", "late fee", "payments",
                 "total due", "available")
_MONEY = frozenset({"new", "carried", "late fee", "payments", "total due", "available"})


# --- computing ------------------------------------------------------------------------------------

def _progress(total: int):
    """A rich progress bar on stderr when stderr is a terminal; otherwise None (cron: silent)."""
    if total < 2 or not sys.stderr.isatty():
        return None
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

    return Progress(TextColumn("statements"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn(),
                    console=Console(file=sys.stderr), transient=True)


class BillRow(NamedTuple):
    """One statement of a batch run, already rendered (what a worker process sends back)."""

    customer_id: str
    warnings: tuple[str, ...]
    json: Optional[str]          # the statement JSON (``dumps``), for --format json and --out
    text: Optional[str]          # the text statement, for --out
    summary: list                # the summary.csv / --format csv row
    table: list                  # the --format table row
    total_due_fen: int


def batch_customers(dataset, day: date, part: Part) -> list:
    """The customers billed on ``day`` (statement day = its day) in ``part``, in customer_id order."""
    return sorted((c for c in dataset.customers if c.statement_day == day.day and c.customer_id in part),
                  key=lambda c: c.customer_id)


def batch_rows(chosen: list, groups: dict, cfg, day: date, part: Part, *, want_json: bool, want_text: bool,
               progress: bool = False) -> list[BillRow]:
    """Replay the ``chosen`` customers that fall in ``part`` to ``day``; render their statement dated ``day``."""
    from ..engine.ledger import latest_statement
    from ..engine.statement_report import statement_json, statement_text, summary_row
    from ..privacy import mask_phone

    mine = chosen if part.whole else [c for c in chosen if c.customer_id in part]
    out: list[BillRow] = []
    bar = _progress(len(mine)) if progress else None
    task = None
    if bar is not None:
        bar.start()
        task = bar.add_task("statements", total=len(mine))
    try:
        for c in mine:
            t, r, d = groups[c.customer_id]
            acct = latest_statement(c, t, r, d, cfg, day)     # what replay(..., "last") gives, lighter
            st = acct.statement
            if st is not None and st.statement_date == day:
                j = summary_row(acct, st)
                out.append(BillRow(
                    c.customer_id, acct.warnings,
                    dumps(statement_json(acct, st)) if want_json else None,
                    statement_text(acct, st) if want_text else None,
                    j,
                    [c.customer_id, c.name, mask_phone(c.phone), st.statement_date.isoformat(),
                     st.effective_due_date.isoformat(), j[6], j[8], j[9], j[10], j[14], j[16]],
                    st.total_due_fen))
            if bar is not None:
                bar.advance(task)
    finally:
        if bar is not None:
            bar.stop()
    return out


def batch_statements_rows(dataset, cfg, day: date, part: Part, jobs: int, *, want_json: bool,
                          want_text: bool) -> list[BillRow]:
    """Every statement dated ``day`` in ``part`` (the whole book by default), in customer_id order,
    computed in ``jobs`` processes (the same rows, in the same order, whatever ``jobs`` is)."""
    from ..engine.ledger import group_by_customer

    chosen = batch_customers(dataset, day, part)
    if not chosen:
        return []
    groups = group_by_customer(dataset, [c.customer_id for c in chosen])
    if jobs == 1:
        return batch_rows(chosen, groups, cfg, day, part, want_json=want_json, want_text=want_text,
                          progress=True)

    def task(p: Part) -> list[BillRow]:
        return batch_rows(chosen, groups, cfg, day, p, want_json=want_json, want_text=want_text)

    with frozen_heap():
        results = run_parts(task, part.split(jobs))
    return list(heapq.merge(*results, key=lambda row: row.customer_id))


def share_statements_rows(lc, encoding: Optional[str], day: date, part: Part, jobs: int, *, want_json: bool,
                          want_text: bool) -> Optional[list[BillRow]]:
    """``batch_statements_rows`` with each of the ``jobs`` workers loading only its own share of
    the input (``sharding.run_shares``); None when that cannot be done (one process, no fork,
    or an input that is not clean): then the caller loads everything and calls that."""
    from ..engine.ledger import group_by_customer

    def compute(dataset, p: Part) -> list[BillRow]:
        chosen = batch_customers(dataset, day, p)
        groups = group_by_customer(dataset, [c.customer_id for c in chosen])
        return batch_rows(chosen, groups, lc.config, day, p, want_json=want_json, want_text=want_text)

    results = run_shares(lc, encoding, part, jobs, compute)
    if results is None:
        return None
    return list(heapq.merge(*results, key=lambda row: row.customer_id))


def customer_statement(dataset, cfg, day: date, customer_id: str) -> list[tuple[Account, Statement]]:
    from ..engine.ledger import STATEMENTS_LAST, group_by_customer, replay

    cust = next((c for c in dataset.customers if c.customer_id == customer_id), None)
    if cust is None:
        raise RefusedError(f"--customer: unknown customer {customer_id!r}")
    t, r, d = group_by_customer(dataset, [customer_id])[customer_id]
    acct = replay(cust, t, r, d, cfg, day, statements=STATEMENTS_LAST)
    st = acct.latest_statement(day)
    if st is None:
        warn(f"customer {customer_id} has no statement on or before {day.isoformat()}")
        return []
    return [(acct, st)]


# --- rendering --------------------------------------------------------------------------------

def _batch_table(rows: list[BillRow], day: date) -> Table:
    from ..engine.money import fen_str

    total = sum(r.total_due_fen for r in rows)
    return Table(headers=BATCH_HEADERS, rows=[r.table for r in rows], title=f"statements dated {day.isoformat()}",
                 align_right=_MONEY, footer=f"{len(rows)} statement(s) · total due {fen_str(total)}")


def _customer_tables(acct: Account, st: Statement) -> list[Table]:
    from ..engine.money import fen_str, to_fen
    from ..engine.statement_report import ACTIVITY_LABEL, KIND_LABEL, upcoming_totals
    from ..privacy import mask_phone

    c = acct.customer
    limit = acct.customer.credit_limit
    lead = [f"Statement {st.statement_date.isoformat()} (no. {st.number}) · {c.customer_id}"
            + (f" {c.name}" if c.name else "") + (f" · phone {mask_phone(c.phone)}" if c.phone else ""),
            f"TOTAL DUE {fen_str(st.total_due_fen)} by {st.effective_due_date.isoformat()}"
            + (f" (deferred from {st.due_date.isoformat()})" if st.deferred_due_date else "")]
    if limit is not None:
        lim = to_fen(limit)
        lead.append(f"Credit limit {fen_str(lim)} · available {fen_str(st.available_credit_fen(lim))}")
    rows = [[KIND_LABEL.get(ln.kind, ln.kind), ln.txn_id, f"{ln.period}/{ln.periods}", fen_str(ln.principal_fen),
             fen_str(ln.fee_fen), fen_str(ln.principal_fen + ln.fee_fen), fen_str(ln.outstanding_fen),
             ln.due_date.isoformat(), "carried" if carried else "new"]
            for carried, lines in ((False, st.new_items), (True, st.carried_items)) for ln in lines]
    items = Table(headers=("kind", "txn", "period", "principal", "fee", "amount", "unpaid", "due", "status"),
                  rows=rows, title="Items", lead=lead, align_right=frozenset({"principal", "fee", "amount", "unpaid"}),
                  footer=(f"Late fee posted on this statement {fen_str(st.late_fee_posted_fen)} · "
                          f"late fee unpaid {fen_str(st.late_fee_unpaid_fen)} · "
                          f"credit balance {fen_str(st.credit_balance_fen)}"))
    activity = Table(headers=("date", "what", "ref", "amount", "detail"),
                     rows=[[a.date.isoformat(), ACTIVITY_LABEL.get(a.kind, a.kind), a.ref, fen_str(a.amount_fen),
                            a.detail] for a in st.activity],
                     title="Since the previous statement", align_right=frozenset({"amount"}))
    upcoming = Table(headers=("statement", "txn", "period", "principal", "fee", "amount"),
                     rows=[[p.statement_date.isoformat(), p.txn_id, f"{p.period}/{p.periods}",
                            fen_str(p.principal_fen), fen_str(p.fee_fen), fen_str(p.principal_fen + p.fee_fen)]
                           for p in st.upcoming],
                     title="Scheduled installments, next three months",
                     align_right=frozenset({"principal", "fee", "amount"}),
                     footer=" · ".join(f"{sd.isoformat()} {fen_str(a)}" for sd, a in upcoming_totals(st)))
    return [items, activity, upcoming]


def _summary_table(pairs) -> Table:
    from ..engine.statement_report import SUMMARY_HEADERS, summary_row

    return Table(headers=SUMMARY_HEADERS, rows=[summary_row(a, s) for a, s in pairs])


# --- writing -----------------------------------------------------------------------------------

def batch_files(out_dir: Path, rows: list[BillRow], day: date, summary: str) -> list[tuple[Path, bytes]]:
    """Every file a batch ``--out`` writes (the same bytes as ``planned_files``), summary last."""
    from ..engine.statement_report import SUMMARY_HEADERS

    folder = out_dir / day.isoformat()
    files: list[tuple[Path, bytes]] = []
    for r in rows:
        if not CUSTOMER_ID.match(r.customer_id):   # the loader validated it; never build a path from anything else
            raise RefusedError(f"customer id {r.customer_id!r} cannot be used as a file name")
        files.append((folder / f"{r.customer_id}.json", (r.json + "\n").encode("utf-8")))
        files.append((folder / f"{r.customer_id}.txt", r.text.encode("utf-8")))
    if rows:
        files.append((folder / summary, csv_text(SUMMARY_HEADERS, [r.summary for r in rows], bom=True)
                      .encode("utf-8")))
    return files


def planned_files(out_dir: Path, pairs, with_summary: bool) -> list[tuple[Path, bytes]]:
    """Every file ``--out`` writes, with its bytes, computed before anything is written."""
    from ..engine.statement_report import statement_json, statement_text

    files: list[tuple[Path, bytes]] = []
    by_date: dict[date, list] = {}
    for acct, st in pairs:
        by_date.setdefault(st.statement_date, []).append((acct, st))
    for day in sorted(by_date):
        folder = out_dir / day.isoformat()
        for acct, st in by_date[day]:
            cid = acct.customer.customer_id
            if not CUSTOMER_ID.match(cid):       # the loader validated it; never build a path from anything else
                raise RefusedError(f"customer id {cid!r} cannot be used as a file name")
            files.append((folder / f"{cid}.json", json_text(statement_json(acct, st)).encode("utf-8")))
            files.append((folder / f"{cid}.txt", statement_text(acct, st).encode("utf-8")))
        if with_summary:
            t = _summary_table(by_date[day])
            files.append((folder / "summary.csv", csv_text(t.headers, t.rows, bom=True).encode("utf-8")))
    return files


# Below this many files they are written one after the other; from it on, WRITERS at a time.
# Each file is still written to a temporary name, fsynced and renamed (io.atomic.write_atomic):
# only the fsyncs overlap, which is where the time goes (a daily run writes two files per
# statement: one after the other, 40,000 fsyncs cost about 7 s on the reference machine).
PARALLEL_WRITES_FROM = 256
WRITERS = 16


def write_files(files: list[tuple[Path, bytes]]) -> None:
    from ..io.atomic import fsync_dir, remove_stale_temps, write_atomic

    folders: dict[Path, list[str]] = {}
    for path, _data in files:
        folders.setdefault(path.parent, []).append(path.name)
    done = []
    try:
        for folder, names in folders.items():
            folder.mkdir(parents=True, exist_ok=True)
            done.append(folder)
            remove_stale_temps(folder, names)      # what a killed earlier run of these same files may have left
        if len(files) < PARALLEL_WRITES_FROM:
            for path, data in files:
                write_atomic(path, data, sync_dir=False)
        else:
            from concurrent.futures import ThreadPoolExecutor

            ex = ThreadPoolExecutor(max_workers=WRITERS)
            try:
                for fut in [ex.submit(write_atomic, path, data, sync_dir=False) for path, data in files]:
                    fut.result()
            finally:                               # on an error: finish the files in flight, start no more
                ex.shutdown(wait=True, cancel_futures=True)
    except OSError as e:
        raise RefusedError(f"--out: cannot write {e.filename or ''}: {e.strerror or e}") from None
    finally:
        for folder in done:
            fsync_dir(folder)


# --- the command ---------------------------------------------------------------------------------

def _one_customer(dataset, cfg, day: date, customer: str, out_dir: Optional[Path], fmt: Format) -> None:
    from ..engine.statement_report import statement_json

    pairs = customer_statement(dataset, cfg, day, customer)
    for acct, _st in pairs:
        for w in acct.warnings:
            warn(f"customer {acct.customer.customer_id}: {w}")
    if out_dir is not None:
        write_files(planned_files(out_dir, pairs, with_summary=False))
    obj: dict[str, Any] = {"as_of": day.isoformat(), "statements": [statement_json(a, s) for a, s in pairs]}
    tables = _customer_tables(*pairs[0]) if pairs else [Table(headers=("customer", "statement"), rows=[],
                                                             title=f"no statement for {customer}")]
    emit(fmt.value, json_obj=obj, tables=tables, csv_table=_summary_table(pairs))


def command(
    as_of: AsOfOpt = None,
    customer: CustomerOpt = None,
    out: OutOpt = None,
    data_dir: DataDirOpt = None,
    config: ConfigOpt = None,
    fmt: FormatOpt = Format.table,
    encoding: EncodingOpt = None,
    skip_invalid: SkipInvalidOpt = False,
    shard: ShardOpt = None,
    jobs: JobsOpt = 1,
) -> None:
    """Statements dated --as-of for every customer with that statement day, or one customer's latest.

    Exit status: 0 done; 1 invalid input (nothing written) or an unknown customer, or
    --skip-invalid with rejected records (the valid accounts are written); 2 usage error.
    """
    if customer is not None and not CUSTOMER_ID.match(customer):
        raise UsageError(f"--customer: not a customer id ([A-Za-z0-9_-]{{1,64}}): {customer!r}")
    part = parse_shard(shard)
    check_jobs(jobs)
    if customer is not None and (shard is not None or jobs != 1):
        raise UsageError("--shard and --jobs split a batch run; they do not go with --customer")
    lc = setup(config, data_dir)
    day = as_of_date(as_of, lc)
    out_dir = Path(out) if out else None
    if out_dir is not None and out_dir.exists() and not out_dir.is_dir():
        raise UsageError(f"--out: {out} exists and is not a folder")

    want_json, want_text = fmt is Format.json or out_dir is not None, out_dir is not None
    rows = None
    rejected: list = []
    if customer is None:
        # --jobs: each worker loads, checks and bills its own share (None: load it all here)
        rows = share_statements_rows(lc, encoding, day, part, jobs, want_json=want_json, want_text=want_text)
    if rows is None:
        result, rejected = load_input(lc, encoding, skip_invalid)
        if customer is None:
            rows = batch_statements_rows(result.dataset, lc.config, day, part, jobs, want_json=want_json,
                                         want_text=want_text)
        else:
            _one_customer(result.dataset, lc.config, day, customer, out_dir, fmt)
    if rows is not None:
        for row in rows:
            for w in row.warnings:
                warn(f"customer {row.customer_id}: {w}")
        if out_dir is not None:
            write_files(batch_files(out_dir, rows, day, summary_name(part)))
        if fmt is Format.json:
            write_document(sys.stdout, [("as_of", day.isoformat())], "statements", (r.json for r in rows))
            sys.stdout.flush()
        else:
            from ..engine.statement_report import SUMMARY_HEADERS

            emit(fmt.value, json_obj=None, tables=[_batch_table(rows, day)],
                 csv_table=Table(headers=SUMMARY_HEADERS, rows=[r.summary for r in rows]))

    if rejected:
        raise SkippedRecords(rejected, "the valid accounts were processed")
