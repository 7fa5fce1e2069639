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

from ..errors import UsageError
from ..io.parse import parse_int
from ..render import emit, warn
from .common import DataOptions, customer_option, date_option, money_option, setup, today_in, with_data_options
from .posting import CustomerOpt, flag_option, ref_option, text_option
from .quote import _fee_rate_option as fee_rate_option

StatementDateOpt = text_option("--statement-date", "YYYY-MM-DD", "The statement to convert, YYYY-MM-DD.")
AmountOpt = text_option("--amount", "AMOUNT", "Pay-in-full principal of that statement to convert, e.g. 1800.00.")
TermsOpt = text_option("--terms", "N", "Number of periods (3, 6, 12 or 24; priced by conversion.fee_rates).")
RequestDateOpt = text_option("--date", "YYYY-MM-DD", "Request date YYYY-MM-DD (from the statement date to its due "
                                                     "date; not after --as-of).")
RefOpt = text_option("--ref", "REF", "Conversion id, the idempotency key: 1-64 letters, digits, '_' or '-'.")
DryRunOpt = flag_option("--dry-run", "Check and show the plan exactly as a real run would; write nothing.")
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
    """
    from ..engine.model import Conversion
    from ..services import posting
    from ..views.posting import conversion

    sdate = date_option(statement_date, "--statement-date")
    amt = money_option(amount, "--amount")
    try:
        n_terms = parse_int(terms)
    except ValueError as e:
        raise UsageError(f"--terms: {e}") from None
    when = date_option(request_date, "--date")
    cid_ref = ref_option(ref)
    rate = fee_rate_option(fee_rate)
    cid = customer_option(customer)
    given_as_of = date_option(opts.as_of, "--as-of")
    lc = setup(opts.config, opts.data_dir)
    today = given_as_of or today_in(lc.config.billing.timezone)
    new = Conversion(cid_ref, cid, sdate, when, amt, n_terms, rate)
    posted = posting.post(lc, new, today, dry_run=dry_run, encoding=opts.encoding, notify=warn)
    emit(opts.fmt.value, **conversion(posted)._asdict())
