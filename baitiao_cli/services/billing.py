"""``bill``: the statements of a batch run (or of one customer), and the files ``--out`` writes.

- Batch (no customer): the statements dated ``day`` of every customer whose statement day is
  that day (and whose first statement is on or before it), in customer_id order, for one
  shard of the book, computed in ``jobs`` processes (``services.jobs``); each statement comes
  back already rendered (JSON, text, summary row: what a worker process sends back).
- One customer: that customer's latest statement on or before ``day``.
- ``out_dir``: ``DIR/<statement-date>/<customer_id>.json`` and ``.txt`` per statement plus the
  summary CSV (batch only), every file computed before any is written, each written atomically.
"""

from __future__ import annotations

import heapq
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Callable, NamedTuple, Optional

from ..errors import RefusedError
from ..io.parse import CUSTOMER_ID
from . import jobs as job_pool

if TYPE_CHECKING:
    from ..engine.account import Account, Statement
    from ..engine.minimum_only import MinimumOnlyCost
    from ..engine.partition import Shard
    from ..views.statement import SummaryRow
# The engine is imported inside the functions: ``baitiao --help`` and other commands never pay for it.


class BillRow(NamedTuple):
    """One statement of a batch run, already rendered (what a worker process sends back)."""

    customer_id: str
    warnings: tuple[str, ...]
    json: Optional[str]          # the statement JSON (``render.dumps``), for --format json and --out
    text: Optional[str]          # the text statement, for --out
    summary: SummaryRow          # the summary.csv / --format csv row
    effective_due_date: date
    total_due_fen: int
    new_amount_fen: int = 0      # what the new items add to the total due (principal and fees unpaid)
    html: Optional[str] = None   # the HTML statement, for --out --html


class Billing(NamedTuple):
    """What ``run`` gave: ``rows`` of a batch run, or the ``statements`` of one customer (0 or 1)."""

    day: date
    rows: Optional[list[BillRow]]
    statements: list[tuple[Account, Statement]]
    rejected: list                 # what --skip-invalid left out
    minimum_only: Optional["MinimumOnlyCost"] = None   # one customer, minimum payment on: paying only it


def summary_name(shard: Shard) -> str:
    """``summary.csv`` for a whole run, ``summary.shard-K-of-N.csv`` for a shard of several."""
    return "summary.csv" if shard.shards == 1 else f"summary.shard-{shard.shard}-of-{shard.shards}.csv"


# --- the batch run ---------------------------------------------------------------------------------

def _select(day: date) -> job_pool.Select:
    def select(dataset, shard: Shard) -> tuple[list, dict]:
        """The customers billed on ``day`` (statement day = its day) in ``shard``, in customer_id order
        (with the credit limit of the ``limits`` journal on ``day``)."""
        from ..engine.ledger import group_by_customer
        from ..engine.limits import with_limits

        dataset = with_limits(dataset, day)
        chosen = sorted((c for c in dataset.customers if c.statement_day == day.day and c.customer_id in shard),
                        key=lambda c: c.customer_id)
        return chosen, (group_by_customer(dataset, [c.customer_id for c in chosen], conversions=True)
                        if chosen else {})
    return select


class Printing(NamedTuple):
    """The language of the statement files and whether ``--out`` also writes the HTML statement."""

    lang: str = "en"
    html: bool = False


def _work(cfg, day: date, want_json: bool, want_text: bool, progress: Callable,
          printing: Printing = Printing()) -> job_pool.Work:
    def work(chosen: list, groups: dict, job: Shard, show_progress: bool) -> list[BillRow]:
        """Replay the ``chosen`` customers that fall in ``job`` to ``day``; render their statement dated ``day``."""
        from ..engine.ledger import latest_statement
        from ..engine.minimum_only import minimum_only_cost
        from ..render import dumps
        from ..views.statement import minimum_only_text, statement_json, statement_text, summary_row

        # every statement shows what paying only the minimum costs (unless minimum_payment.batch_cost = false)
        revolving = cfg.minimum_payment.enabled and cfg.minimum_payment.batch_cost

        mine = chosen if job.whole else [c for c in chosen if c.customer_id in job]
        out: list[BillRow] = []
        bar = progress(len(mine)) if show_progress else None
        task = None
        if bar is not None:
            bar.start()
            task = bar.add_task("statements", total=len(mine))
        try:
            for c in mine:
                txns, repayments, deferrals, conversions, corrections = groups[c.customer_id]
                # replay(..., "last"), lighter
                acct = latest_statement(c, txns, repayments, deferrals, cfg, day, conversions, corrections)
                st = acct.statement
                if st is not None and st.statement_date == day:
                    cost = minimum_only_cost(c, txns, repayments, deferrals, cfg, day, conversions=conversions,
                                             corrections=corrections) \
                        if revolving and (want_json or want_text) else None
                    obj = _with_cost(statement_json(acct, st), cost) if want_json else None
                    out.append(BillRow(c.customer_id, acct.warnings, dumps(obj) if obj is not None else None,
                                       statement_text(acct, st, printing.lang)
                                       + (minimum_only_text(cost, printing.lang) if cost else "")
                                       if want_text else None,
                                       summary_row(acct, st), st.effective_due_date, st.total_due_fen,
                                       sum(ln.outstanding_fen for ln in st.new_items),
                                       _html(obj, printing) if want_text and printing.html else None))
                if bar is not None:
                    bar.advance(task)
        finally:
            if bar is not None:
                bar.stop()
        return out
    return work


def _with_cost(obj: dict, cost) -> dict:
    """The statement JSON with the cost of paying only the minimum (SPEC 4.9), when there is one."""
    if cost is not None:
        from ..views.statement import minimum_only_json

        obj["minimum_only"] = minimum_only_json(cost)
    return obj


def _html(obj: Optional[dict], printing: Printing) -> Optional[str]:
    from ..views.html import statement_html

    return statement_html(obj, printing.lang) if obj is not None else None


def _no_bar(total: int) -> None:
    return None


def batch(lc, encoding: Optional[str], skip_invalid: bool, day: date, shard: Shard, jobs: int, *,
          want_json: bool, want_text: bool, on_warning: Callable[[str], None],
          progress: Callable = _no_bar, printing: Printing = Printing(), cluster=None) -> tuple[list[BillRow], list]:
    """Every statement dated ``day`` in ``shard``, in customer_id order (the same rows whatever
    ``jobs`` is), and the rejected records."""
    work = _work(lc.config, day, want_json, want_text, progress, printing)
    results, rejected = job_pool.run(lc, encoding, skip_invalid, shard, jobs, _select(day), work, on_warning,
                                     cluster)
    rows = results[0] if len(results) == 1 else list(heapq.merge(*results, key=lambda row: row.customer_id))
    for row in rows:
        for w in row.warnings:
            on_warning(f"customer {row.customer_id}: {w}")
    return rows, rejected


# --- one customer ----------------------------------------------------------------------------------

def customer_statement(dataset, cfg, day: date, customer_id: str,
                       on_warning: Callable[[str], None]) -> list[tuple[Account, Statement]]:
    """``[(account, its latest statement on or before day)]``, or ``[]`` (said on ``on_warning``)."""
    from ..engine.ledger import STATEMENTS_LAST, group_by_customer, replay
    from ..engine.limits import with_limits

    dataset = with_limits(dataset, day)
    cust = next((c for c in dataset.customers if c.customer_id == customer_id), None)
    if cust is None:
        raise RefusedError(f"--customer: unknown customer {customer_id!r}")
    txns, repayments, deferrals, conversions, corrections = group_by_customer(dataset, [customer_id],
                                                                             conversions=True)[customer_id]
    acct = replay(cust, txns, repayments, deferrals, cfg, day, statements=STATEMENTS_LAST, conversions=conversions,
                  corrections=corrections)
    st = acct.latest_statement(day)
    if st is None:
        on_warning(f"customer {customer_id} has no statement on or before {day.isoformat()}")
        return []
    for w in acct.warnings:
        on_warning(f"customer {customer_id}: {w}")
    return [(acct, st)]


# --- the files of --out ----------------------------------------------------------------------------

def _file_name(folder: Path, customer_id: str, suffix: str) -> Path:
    if not CUSTOMER_ID.match(customer_id):   # the loader validated it; never build a path from anything else
        raise RefusedError(f"customer id {customer_id!r} cannot be used as a file name")
    return folder / f"{customer_id}{suffix}"


def batch_files(out_dir: Path, rows: list[BillRow], day: date, summary: str) -> list[tuple[Path, bytes]]:
    """Every file a batch ``--out`` writes, with its bytes, summary last."""
    from ..render import csv_text
    from ..views.statement import SUMMARY_HEADERS

    folder = out_dir / day.isoformat()
    files: list[tuple[Path, bytes]] = []
    for r in rows:
        files.append((_file_name(folder, r.customer_id, ".json"), (r.json + "\n").encode("utf-8")))
        files.append((_file_name(folder, r.customer_id, ".txt"), r.text.encode("utf-8")))
        if r.html is not None:
            files.append((_file_name(folder, r.customer_id, ".html"), r.html.encode("utf-8")))
    if rows:
        files.append((folder / summary, csv_text(SUMMARY_HEADERS, [r.summary for r in rows], bom=True)
                      .encode("utf-8")))
    return files


def customer_files(out_dir: Path, statements: list[tuple[Account, Statement]],
                   minimum_only: Optional["MinimumOnlyCost"] = None,
                   printing: Printing = Printing()) -> list[tuple[Path, bytes]]:
    """The ``.json`` and ``.txt`` (and with ``printing.html`` the ``.html``) file of each statement (no
    summary), with their bytes; with the cost of paying only the minimum when given."""
    from ..render import json_text
    from ..views.statement import minimum_only_json, minimum_only_text, statement_json, statement_text

    files: list[tuple[Path, bytes]] = []
    for acct, st in statements:
        folder, cid = out_dir / st.statement_date.isoformat(), acct.customer.customer_id
        obj, text = statement_json(acct, st), statement_text(acct, st, printing.lang)
        if minimum_only is not None:
            obj["minimum_only"] = minimum_only_json(minimum_only)
            text += minimum_only_text(minimum_only, printing.lang)
        files.append((_file_name(folder, cid, ".json"), json_text(obj).encode("utf-8")))
        files.append((_file_name(folder, cid, ".txt"), text.encode("utf-8")))
        if printing.html:
            files.append((_file_name(folder, cid, ".html"), _html(obj, printing).encode("utf-8")))
    return files


# Below this many files they are written one after the other; from it on, WRITERS at a time.
# Each file is still written to a temporary name, fsynced and renamed (io.atomic.write_atomic):
# only the fsyncs overlap, which is where the time goes (a daily run writes two files per
# statement: one after the other, 40,000 fsyncs cost about 7 s on the reference machine).
PARALLEL_WRITES_FROM = 256
WRITERS = 16


def _write_all(files: list[tuple[Path, bytes]], write_atomic) -> None:
    if len(files) < PARALLEL_WRITES_FROM:
        for path, data in files:
            write_atomic(path, data, sync_dir=False)
        return
    from concurrent.futures import ThreadPoolExecutor

    ex = ThreadPoolExecutor(max_workers=WRITERS)
    try:
        for fut in [ex.submit(write_atomic, path, data, sync_dir=False) for path, data in files]:
            fut.result()
    finally:                               # on an error: finish the files in flight, start no more
        ex.shutdown(wait=True, cancel_futures=True)


def write_files(files: list[tuple[Path, bytes]]) -> None:
    """Write every file atomically (folders created, stale temporaries of a killed run removed)."""
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
        _write_all(files, write_atomic)
    except OSError as e:
        raise RefusedError(f"--out: cannot write {e.filename or ''}: {e.strerror or e}") from None
    finally:
        for folder in done:
            fsync_dir(folder)


# --- the use case ----------------------------------------------------------------------------------

def run(lc, encoding: Optional[str], skip_invalid: bool, day: date, *, customer: Optional[str] = None,
        shard: Optional[Shard] = None, jobs: int = 1, cluster=None, out_dir: Optional[Path] = None,
        want_json: bool = False, on_warning: Callable[[str], None], progress: Callable = _no_bar,
        printing: Printing = Printing()) -> Billing:
    """The statements of a batch run (``customer`` None) or of one customer, ``--out`` files written.

    Warnings (of the load, then of each account) go to ``on_warning`` before any file is written.
    """
    from ..engine.partition import WHOLE

    shard = shard or WHOLE
    if customer is None:
        rows, rejected = batch(lc, encoding, skip_invalid, day, shard, jobs, want_json=want_json or out_dir is not None,
                               want_text=out_dir is not None, on_warning=on_warning, progress=progress,
                               printing=printing, cluster=cluster)
        if out_dir is not None:
            write_files(batch_files(out_dir, rows, day, summary_name(shard)))
        return Billing(day, rows, [], rejected)
    from .validation import load_input

    dataset, rejected = load_input(lc, encoding, skip_invalid, on_warning)
    statements = customer_statement(dataset, lc.config, day, customer, on_warning)
    minimum_only = minimum_only_of(dataset, lc.config, day, customer) if statements else None
    if out_dir is not None:
        write_files(customer_files(out_dir, statements, minimum_only, printing))
    return Billing(day, None, statements, rejected, minimum_only)


def minimum_only_of(dataset, cfg, day: date, customer_id: str) -> Optional["MinimumOnlyCost"]:
    """The cost of paying only the minimum for one customer on ``day`` (None when the minimum is off)."""
    if not cfg.minimum_payment.enabled:
        return None
    from ..engine.ledger import group_by_customer
    from ..engine.minimum_only import minimum_only_cost

    cust = next(c for c in dataset.customers if c.customer_id == customer_id)
    txns, repayments, deferrals, conversions, corrections = group_by_customer(dataset, [customer_id],
                                                                             conversions=True)[customer_id]
    return minimum_only_cost(cust, txns, repayments, deferrals, cfg, day, conversions=conversions,
                             corrections=corrections)


def merge_summaries(folder: str, shards: int) -> bytes:
    """The ``summary.csv`` of a whole run from ``summary.shard-K-of-N.csv`` K = 1..N in ``folder``.

    Every shard's file has the same header; the merged file has it once and every data row,
    in customer_id order (the order of the single run). Raises FileNotFoundError when a
    shard's file is missing.
    """
    import csv
    import os

    from ..engine.partition import Shard
    from ..render import csv_text

    rows: list[list[str]] = []
    header: Optional[list[str]] = None
    for k in range(1, shards + 1):
        with open(os.path.join(folder, summary_name(Shard(k, shards))), encoding="utf-8-sig", newline="") as f:
            found = list(csv.reader(f))
        if not found:
            continue
        if header is None:
            header = found[0]
        rows.extend(found[1:])
    # customer_id order; a leading "'" is the Excel neutraliser of an id starting with "-"
    rows.sort(key=lambda row: row[0][1:] if row[0].startswith("'") else row[0])
    if header is None:
        return "\ufeff".encode("utf-8")
    return csv_text(header, rows, bom=True).encode("utf-8")   # the cells are already Excel-safe: kept as they are
