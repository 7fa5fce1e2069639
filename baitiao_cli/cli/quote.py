"""``baitiao quote``: installment schedule(s), totals and the annualized rate (SPEC 4.2, 4.3, 5).

With ``--customer ID`` the quote is the customer's: their statement day, and their offer on
the purchase date (``--date``) as ``baitiao score`` computes it (history replayed to that date,
features, model, grade): the grade's per-period fee rate (unless ``--fee-rate`` is given), the
grade's allowed terms (another term is refused) and the available credit (credit limit less
unpaid principal; 0 while the credit line is frozen): a larger amount is refused.

With ``--scenario NAME`` (a ``[scenarios.NAME]`` table, SPEC 4.14) the scenario's fee rates price
the quote (before a customer's grade rate; ``--fee-rate`` still wins) and a term it does not
allow is refused (exit 1); a NAME the config does not have is a usage error (exit 2).

Exit status: 0 quoted (an APR above ``pricing.apr_cap`` is only a warning unless
``pricing.enforce_cap`` is true); 1 a term that is not offered (by the config or, with
``--customer``, by the customer's grade), an amount above the customer's available credit, an
APR above an enforced cap, an unknown customer or invalid data/config; 2 a malformed option
value (amount, date, fee rate, customer id) or a missing option.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Annotated, Optional

import typer

from ..errors import UsageError
from ..io.parse import parse_rate
from ..render import emit, warn
from .common import (InputOptions, customer_option, date_option, money_option, setup, today_in,
                     trailing_options)


def _fee_rate_option(value: Optional[str]) -> Optional[Decimal]:
    if value is None:
        return None
    try:
        r = parse_rate(value)
    except ValueError as e:
        raise UsageError(f"--fee-rate: {e}") from None
    if r >= 1:
        raise UsageError(f"--fee-rate: a per-period rate must be below 1 (0.005 = 0.5% per month): {value!r}")
    return r


@trailing_options(InputOptions)
def command(
    amount: Annotated[str, typer.Option(
        "--amount", metavar="AMOUNT", help="Purchase amount, e.g. 1200.00 (> 0, at most 2 decimals).", show_default=False)],
    terms: Annotated[list[int], typer.Option(
        "--terms", metavar="N", help="Number of monthly installments; repeat to compare offers side by side "
                        "(--terms 3 --terms 12).", show_default=False)],
    customer: Annotated[Optional[str], typer.Option(
        "--customer", metavar="ID", help="Quote for this customer: their statement day, and their grade's fee rate, "
                                         "allowed terms and available credit on --date.", show_default=False)] = None,
    purchase_date: Annotated[Optional[str], typer.Option(
        "--date", metavar="DATE", help="Purchase date YYYY-MM-DD (default: today in billing.timezone).",
        show_default=False)] = None,
    fee_rate: Annotated[Optional[str], typer.Option(
        "--fee-rate", metavar="RATE", help="Per-period flat fee rate, e.g. 0.005 (default: pricing.fee_rates for the term; "
                                           "with --customer, the grade's rate).",
        show_default=False)] = None,
    scenario: Annotated[Optional[str], typer.Option(
        "--scenario", metavar="NAME", help="Price by [scenarios.NAME] of the config (a purchase category such as "
                                           "education): its fee rates and allowed terms.",
        show_default=False)] = None,
    *,
    opts: InputOptions,
) -> None:
    """Installment schedule, total cost and the annualized rate (APR, IRR method) of a purchase.

    Several --terms give a side-by-side comparison. An APR above pricing.apr_cap is flagged
    (warning on stderr, "apr_exceeds_cap": true) and refused when pricing.enforce_cap is true.

    Examples (on the bundled sample_data, through ./config.toml):

    \b
      baitiao quote --amount 1200 --terms 12 --date 2026-01-10
      baitiao quote --amount 1200 --terms 3 --terms 6 --terms 12
      baitiao quote --amount 3000 --terms 6 --customer C000002 --date 2026-11-20 --format json
    """
    from ..services import quote as service
    from ..views import quote as views

    # malformed option values first (exit 2), then the config (exit 1)
    amt = money_option(amount, "--amount")
    rate = _fee_rate_option(fee_rate)
    given_date = date_option(purchase_date, "--date")
    if customer is not None:
        customer_option(customer)
    lc = setup(opts.config, opts.data_dir)
    when: date = given_date or today_in(lc.config.billing.timezone)
    result = service.run(lc, amt, terms, when, fee_rate=rate, customer=customer, encoding=opts.encoding,
                         scenario=scenario, on_warning=warn)
    emit(opts.fmt.value, **views.quotes(result))
