"""``baitiao convert``: statement installments (账单分期, SPEC 4.10, 5, 6; docs/posting.md).

Same workflow as ``repay`` and ``defer`` (``services.posting.post``): under the journal lock
the journals are checked for a torn last line, the data directory is loaded and validated,
``--ref`` is checked for idempotency, ``engine.ledger.post_conversion`` decides (the same path
for ``--dry-run`` and a real run), then one fsynced append to the conversions journal. The
output is ``views.posting.conversion``: the plan, its total fee and APR (IRR).

Exit status: 0 recorded, duplicate (same ref, same content: nothing written) or dry run;
1 refused by the rules (under conversion.min_amount, over conversion.max_ratio of the
statement's pay-in-full principal, after its due date, while overdue, a second conversion of
the statement, no such statement of the customer), unknown customer, a date before the account
opened or after ``--as-of``, the same ref with different content, invalid data, a torn or
unappendable journal; 2 a malformed option value or a missing option.
"""

from __future__ import annotations

from typing import Annotated, Optional

import typer

from .common import DataOptions, customer_option, date_option, int_option, money_option, with_data_options
from .posting import CustomerOpt, post_and_emit, ref_option, statement_request_options, text_option
from .quote import _fee_rate_option as fee_rate_option

StatementDateOpt, RequestDateOpt, RefOpt, DryRunOpt = statement_request_options(
    "conversion", "from the statement date to its due date")
AmountOpt = text_option("--amount", "AMOUNT", "Pay-in-full principal of that statement to convert, e.g. 1800.00.")
TermsOpt = text_option("--terms", "N", "Number of periods (3, 6, 12 or 24; priced by conversion.fee_rates).")
FeeRateOpt = Annotated[Optional[str], typer.Option(
    "--fee-rate", metavar="RATE", help="Per-period flat fee rate, e.g. 0.006 (default: conversion.fee_rates for "
                                       "the term).", show_default=False)]


@with_data_options
def command(customer: CustomerOpt, statement_date: StatementDateOpt, amount: AmountOpt, terms: TermsOpt,
            request_date: RequestDateOpt, ref: RefOpt, fee_rate: FeeRateOpt = None, dry_run: DryRunOpt = False, *,
            opts: DataOptions) -> None:
    """Convert part of a statement's pay-in-full spending into installments (账单分期).

    Period i is billed on the i-th statement after the converted one, with a flat fee of
    fee rate x amount per period. Allowed from the statement date to its due date, while not
    overdue, once per statement, from conversion.min_amount up to conversion.max_ratio of the
    statement's pay-in-full principal. Exit status: 0 recorded, duplicate or dry run;
    1 refused or invalid data; 2 usage error.

    Examples (on the bundled sample_data, through ./config.toml):

    \b
      baitiao convert --customer C000010 --statement-date 2026-11-25 --amount 300 --terms 3 --date 2026-11-25 --ref CV-1 --as-of 2026-11-25 --dry-run
      baitiao convert --customer C000010 --statement-date 2026-11-25 --amount 300 --terms 6 --date 2026-11-25 --ref CV-1 --as-of 2026-11-25 --dry-run --format json
    """
    from ..engine.model import Conversion
    from ..views.posting import conversion

    sdate = date_option(statement_date, "--statement-date")
    amt = money_option(amount, "--amount")
    n_terms = int_option(terms, "--terms")
    when = date_option(request_date, "--date")
    new = Conversion(ref_option(ref), customer_option(customer), sdate, when, amt, n_terms, fee_rate_option(fee_rate))
    post_and_emit(opts, new, dry_run, conversion)
