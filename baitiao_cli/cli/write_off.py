"""``baitiao write-off``: take an account out of receivables (核销, SPEC 4.15, 5, 6; docs/posting.md).

Only at ``overdue.write_off_min_dpd`` days past due or more (default 181). From ``--date`` the
account stops accruing, leaves buckets and ECL, and money received is a recovery. Appends to the
adjustments journal (the amount written off is recorded) with the workflow of ``repay``.

Exit status: 0 recorded, duplicate or dry run; 1 refused (too few days past due, already written
off), unknown customer, invalid data, a torn or unappendable journal; 2 a malformed option.
"""

from __future__ import annotations

from .common import DataOptions, customer_option, date_option, with_data_options
from .posting import CustomerOpt, DryRunFlag, ReasonOpt, post_and_emit, reason_option, ref_option, text_option

DateOpt = text_option("--date", "YYYY-MM-DD", "Date of the write-off, YYYY-MM-DD (not after --as-of).")
RefOpt = text_option("--ref", "REF", "Adjustment id, the idempotency key: 1-64 letters, digits, '_' or '-'.")


@with_data_options
def command(customer: CustomerOpt, when: DateOpt, ref: RefOpt, reason: ReasonOpt = None, dry_run: DryRunFlag = False,
            *, opts: DataOptions) -> None:
    """Write off an account past overdue.write_off_min_dpd days (核销).

    Its whole balance leaves receivables on --date: no further late or revolving fee, no
    bucket, no ECL; overdue-report lists it among the written-off accounts, and any money
    received afterwards is a recovery. Exit status: 0 recorded, duplicate or dry run;
    1 refused or invalid data; 2 usage error.

    Examples (on the bundled sample_data, through ./config.toml):

    \b
      baitiao write-off --customer C000035 --date 2026-11-03 --ref WO-1 --reason uncollectable --as-of 2026-11-03 --dry-run
      baitiao write-off --customer C000035 --date 2026-11-03 --ref WO-1 --reason uncollectable --as-of 2026-11-03 --dry-run --format json
    """
    from ..engine.model import WRITE_OFF, Adjustment
    from ..views.posting import adjustment

    new = Adjustment(ref_option(ref), customer_option(customer), date_option(when, "--date"), WRITE_OFF, None,
                     reason_option(reason))
    post_and_emit(opts, new, dry_run, adjustment)
