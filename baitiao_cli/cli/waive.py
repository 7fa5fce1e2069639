"""``baitiao waive``: forgive late fee, revolving fee or fees (减免, SPEC 4.15, 5, 6; docs/posting.md).

Charges accrued up to ``--date`` are posted first (as a repayment does), then ``--amount`` of the
component is forgiven; more than is owed is refused. Appends to the adjustments journal with
the workflow of ``repay`` (lock, validated load, idempotent ``--ref``, one fsynced append).

Exit status: 0 recorded, duplicate or dry run; 1 refused (over what is owed, a written-off
account, no revolving fee with the minimum payment off), unknown customer, invalid data, a torn
or unappendable journal; 2 a malformed option value or a missing option.
"""

from __future__ import annotations

from typing import Annotated

import typer

from .common import DataOptions, customer_option, date_option, money_option, with_data_options
from .posting import CustomerOpt, DryRunFlag, post_and_emit, reason_option, ref_option, text_option

COMPONENTS = {"late_fee": "waive_late_fee", "revolving_fee": "waive_revolving_fee", "fee": "waive_fee"}
ComponentOpt = text_option("--component", "late_fee|revolving_fee|fee",
                           "What to forgive: posted late fee, revolving fee, or the fees of billed items.")
AmountOpt = text_option("--amount", "AMOUNT", "Amount to forgive, e.g. 12.50 (at most what is owed on --date).")
DateOpt = text_option("--date", "YYYY-MM-DD", "Date of the waiver, YYYY-MM-DD (not after --as-of).")
RefOpt = text_option("--ref", "REF", "Adjustment id, the idempotency key: 1-64 letters, digits, '_' or '-'.")
ReasonReq = Annotated[str, typer.Option("--reason", metavar="TEXT", help="Why (required: the audit trail).",
                                        show_default=False)]


@with_data_options
def command(customer: CustomerOpt, component: ComponentOpt, amount: AmountOpt, when: DateOpt, ref: RefOpt,
            reason: ReasonReq, dry_run: DryRunFlag = False, *, opts: DataOptions) -> None:
    """Waive part or all of a customer's late fee, revolving fee or fees (减免).

    Charges accrued up to --date are posted first; a waiver above what is owed is refused.
    The next statement lists the waiver in its activity. Exit status: 0 recorded, duplicate or
    dry run; 1 refused or invalid data; 2 usage error.

    Examples (on the bundled sample_data, through ./config.toml):

    \b
      baitiao waive --customer C000022 --component late_fee --amount 50 --date 2026-11-03 --ref WV-1 --reason hardship --as-of 2026-11-03 --dry-run
      baitiao waive --customer C000022 --component late_fee --amount 50 --date 2026-11-03 --ref WV-1 --reason hardship --as-of 2026-11-03 --dry-run --format json
    """
    from ..engine.model import Adjustment
    from ..errors import UsageError
    from ..views.posting import adjustment

    kind = COMPONENTS.get(component.strip().lower())
    if kind is None:
        raise UsageError(f"--component: must be late_fee, revolving_fee or fee, got {component!r}")
    text = reason_option(reason)
    if not text:
        raise UsageError("--reason: a waiver needs a reason (the audit trail)")
    new = Adjustment(ref_option(ref), customer_option(customer), date_option(when, "--date"), kind,
                     money_option(amount, "--amount"), text)
    post_and_emit(opts, new, dry_run, adjustment)
