"""``baitiao defer``: post a deferred-repayment request (延期还款, SPEC 4.6, 5, 6; docs/posting.md).

Same workflow as ``repay`` (``services.posting.post``): under the journal lock the journals
are checked for a torn last line, the data directory is loaded and validated, ``--ref`` is
checked for idempotency, ``engine.ledger.post_deferral`` decides (the same path for
``--dry-run`` and a real run), then one fsynced append to the deferrals journal. The output
is ``views.posting.deferral``.

Exit status: 0 recorded, duplicate (same ref, same content: nothing written) or dry run;
1 refused by the rules (already deferred, past its due date, account overdue, days outside
1..deferral.max_days, no such statement, nothing unpaid on it), unknown customer, a date
before the account opened or after ``--as-of``, the same ref with different content,
invalid data, a torn or unappendable journal; 2 a malformed option value or a missing option.
"""

from __future__ import annotations

from .common import DataOptions, customer_option, date_option, int_option, with_data_options
from .posting import CustomerOpt, flag_option, post_and_emit, ref_option, text_option

StatementDateOpt = text_option("--statement-date", "YYYY-MM-DD", "The statement to defer, YYYY-MM-DD.")
DaysOpt = text_option("--days", "N", "Days to defer the due date by (1..deferral.max_days).")
RequestDateOpt = text_option("--date", "YYYY-MM-DD", "Request date YYYY-MM-DD (on or before the statement's due date; "
                                                     "not after --as-of).")
RefOpt = text_option("--ref", "REF", "Deferral id, the idempotency key: 1-64 letters, digits, '_' or '-'.")
DryRunOpt = flag_option("--dry-run", "Check and show the deferral exactly as a real run would; write nothing.")


@with_data_options
def command(customer: CustomerOpt, statement_date: StatementDateOpt, days: DaysOpt, request_date: RequestDateOpt,
            ref: RefOpt, dry_run: DryRunOpt = False, *, opts: DataOptions) -> None:
    """Defer one statement's due date (延期还款) and append the request to the deferrals journal.

    Allowed once per statement, on or before its due date, while the account is not overdue,
    by 1..deferral.max_days days; a fee of deferral.fee_rate x the deferred outstanding is due
    on the new date. Exit status: 0 recorded, duplicate or dry run; 1 refused or invalid data;
    2 usage error.

    Examples (on the bundled sample_data, through ./config.toml):

    \b
      baitiao defer --customer C000016 --statement-date 2026-11-20 --days 15 --date 2026-11-22 --ref DF-1 --as-of 2026-11-22 --dry-run
      baitiao defer --customer C000016 --statement-date 2026-11-20 --days 15 --date 2026-11-22 --ref DF-1 --as-of 2026-11-22 --dry-run --format json
    """
    from ..engine.model import Deferral
    from ..views.posting import deferral

    sdate = date_option(statement_date, "--statement-date")
    when = date_option(request_date, "--date")
    n_days = int_option(days, "--days")
    new = Deferral(ref_option(ref), customer_option(customer), sdate, when, n_days)
    post_and_emit(opts, new, dry_run, deferral)
