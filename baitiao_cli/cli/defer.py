"""``baitiao defer``: post a deferred-repayment request (延期还款, SPEC 4.6, 5, 6; docs/posting.md).

Same safety as ``repay``: under ``journal_lock(data_dir)`` the journals are checked for a
torn last line, the data directory is loaded and validated, ``--ref`` is checked for
idempotency, ``engine.ledger.post_deferral`` decides (the same path for ``--dry-run`` and
a real run), then one fsynced append to the deferrals journal.

Exit status: 0 recorded, duplicate (same ref, same content: nothing written) or dry run;
1 refused by the rules (already deferred, past its due date, account overdue, days outside
1..deferral.max_days, no such statement, nothing unpaid on it), unknown customer, a date
before the account opened or after ``--as-of``, the same ref with different content,
invalid data, a torn or unappendable journal; 2 a malformed option value or a missing option.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Annotated, Any

import typer

from ..engine.money import fen_str
from ..errors import RefusedError, UsageError
from ..io.parse import parse_int
from ..render import Table, emit, warn
from . import posting
from .common import (
    customer_option,
    AsOfOpt,
    ConfigOpt,
    DataDirOpt,
    EncodingOpt,
    Format,
    FormatOpt,
    date_option,
    setup,
    today_in,
)

HEADERS = ("deferral_id", "status", "customer_id", "statement_date", "original_due_date", "new_due_date",
           "days", "deferred_outstanding", "fee")


def build_report(status: str, request: dict[str, str], applied, as_of: date, journal: str,
                 back_dated: bool) -> dict[str, Any]:
    """The deferral object (contract keys first, then the extras)."""
    obj: dict[str, Any] = {
        "deferral_id": request["deferral_id"],
        "status": status,
        "customer_id": request["customer_id"],
        "statement_date": request["statement_date"],
        "new_due_date": applied.new_due_date.isoformat() if applied else None,
        "fee": fen_str(applied.fee_fen) if applied else None,
        "days": int(request["days"]),
        "date": request["date"],
        "original_due_date": ((applied.new_due_date - timedelta(days=applied.days)).isoformat()
                              if applied else None),
        "deferred_outstanding": fen_str(applied.deferred_outstanding_fen) if applied else None,
        "as_of": as_of.isoformat(),
        "back_dated": back_dated,
        "journal": journal,
    }
    return obj


def _row(obj: dict[str, Any]) -> list[Any]:
    return [obj[h] if obj[h] is not None else "" for h in HEADERS]


def _tables(obj: dict[str, Any], name: str) -> list[Table]:
    lead = [f"{posting.STATUS_TEXT[obj['status']]} · deferral {obj['deferral_id']} · customer {obj['customer_id']}"
            + (f" {name}" if name else ""),
            f"Statement {obj['statement_date']} deferred {obj['days']} day(s) on request of {obj['date']}"
            + (f": now due {obj['new_due_date']}, deferral fee {obj['fee']}" if obj["new_due_date"] else "")]
    headers = ("statement", "original due", "new due", "days", "deferred outstanding", "fee")
    row = [obj["statement_date"], obj["original_due_date"] or "", obj["new_due_date"] or "", obj["days"],
           obj["deferred_outstanding"] or "", obj["fee"] or ""]
    return [Table(headers=headers, rows=[row], title="Deferral", lead=tuple(lead),
                  align_right=frozenset({"days", "deferred outstanding", "fee"}))]


def command(
    customer: Annotated[str, typer.Option("--customer", metavar="ID", help="Customer id.", show_default=False)],
    statement_date: Annotated[str, typer.Option(
        "--statement-date", metavar="YYYY-MM-DD", help="The statement to defer, YYYY-MM-DD.", show_default=False)],
    days: Annotated[str, typer.Option(
        "--days", metavar="N", help="Days to defer the due date by (1..deferral.max_days).", show_default=False)],
    request_date: Annotated[str, typer.Option(
        "--date", metavar="YYYY-MM-DD", help="Request date YYYY-MM-DD (on or before the statement's due date; not after --as-of).",
        show_default=False)],
    ref: Annotated[str, typer.Option(
        "--ref", metavar="REF", help="Deferral id, the idempotency key: 1-64 letters, digits, '_' or '-'.", show_default=False)],
    dry_run: Annotated[bool, typer.Option(
        "--dry-run", help="Check and show the deferral exactly as a real run would; write nothing.")] = False,
    as_of: AsOfOpt = None,
    data_dir: DataDirOpt = None,
    config: ConfigOpt = None,
    fmt: FormatOpt = Format.table,
    encoding: EncodingOpt = None,
) -> None:
    """Defer one statement's due date (延期还款) and append the request to the deferrals journal.

    Allowed once per statement, on or before its due date, while the account is not overdue,
    by 1..deferral.max_days days; a fee of deferral.fee_rate x the deferred outstanding is due
    on the new date. Exit status: 0 recorded, duplicate or dry run; 1 refused or invalid data;
    2 usage error.
    """
    from ..engine.ledger import (
        STATEMENTS_NONE,
        post_deferral,
        replay,
    )
    from ..engine.model import Deferral
    from ..io.journal import journal_lock

    sdate = date_option(statement_date, "--statement-date")
    when = date_option(request_date, "--date")
    try:
        n_days = parse_int(days)
    except ValueError as e:
        raise UsageError(f"--days: {e}") from None
    did = posting.ref_option(ref)
    cid = customer_option(customer)
    given_as_of = date_option(as_of, "--as-of")
    lc = setup(config, data_dir)
    cfg = lc.config
    today: date = given_as_of or today_in(cfg.billing.timezone)
    assert when is not None and sdate is not None
    if when > today:
        raise RefusedError(f"--date {when.isoformat()} is after the business date {today.isoformat()} "
                           "(--as-of, default today in billing.timezone)")
    request = {"deferral_id": did, "customer_id": cid, "statement_date": sdate.isoformat(),
               "date": when.isoformat(), "days": str(n_days)}
    ddir = posting.require_data_dir(lc.data_dir)

    with journal_lock(ddir):
        posting.refuse_torn_journals(ddir)
        result = posting.load(lc, encoding)
        ds = result.dataset
        path = posting.journal_path(ddir, "deferrals", result)
        old = next((d for d in ds.deferrals if d.deferral_id == did), None)
        recorded = None if old is None else {
            "customer_id": old.customer_id, "statement_date": old.statement_date.isoformat(),
            "date": old.date.isoformat(), "days": str(old.days)}
        posting.check_ref("deferral_id", did, path, recorded, request)
        cust, txns, reps, defs = posting.account_inputs(result, cid, when)

        if old is not None:                      # an idempotent retry: answer with the original
            acct = replay(cust, txns, reps, defs, cfg, today, statements=STATEMENTS_NONE)
            applied = next((a for a in acct.deferrals if a.deferral_id == did), None)
            if applied is None:
                for w in acct.warnings:
                    if w.record_id == did:
                        warn(w)
            obj = build_report("duplicate", request, applied, today, str(path), back_dated=False)
        else:
            if sdate > when:
                raise RefusedError(f"deferral refused: the statement of {sdate.isoformat()} is not issued yet "
                                   f"on {when.isoformat()} (a deferral is requested on or after its statement "
                                   "date); nothing written")
            later = [r for r in reps if r.date > when] + [d for d in defs if d.date > when]
            back = posting.warn_back_dated("deferral", when, later)
            post = post_deferral(cust, txns, reps, defs, cfg, Deferral(did, cid, sdate, when, n_days), today)
            if post.refusal is not None or post.deferral is None:
                raise RefusedError(f"deferral refused: {post.refusal or 'not applied'}; nothing written")
            posting.check_appendable(path, request, posting.DEFERRAL_COLUMNS)
            if not dry_run:
                posting.append(path, request, posting.DEFERRAL_COLUMNS)
            obj = build_report("dry_run" if dry_run else "recorded", request, post.deferral, today, str(path),
                               back_dated=back)

    emit(fmt.value, json_obj=obj, tables=_tables(obj, cust.name),
         csv_table=Table(headers=HEADERS, rows=[_row(obj)]))
