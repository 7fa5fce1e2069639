"""``baitiao balance``: what one customer owes right now (issue 19; docs/balance.md).

Replays the customer to ``--as-of`` (default today) and shows the total due, the minimum due, the
overdue amount and DPD, late and revolving fees accrued to that day, the credit balance, what to
pay to be current, the early-settlement payoff, the next due date and the available credit
(``engine.balance``). Nothing is written.

Exit status: 0 done; 1 invalid data, an unknown customer or one not yet open; 2 usage error.
"""

from __future__ import annotations

from .common import DataOptions, as_of_date, customer_option, setup, with_data_options
from .posting import CustomerOpt


@with_data_options
def command(customer: CustomerOpt, *, opts: DataOptions) -> None:
    """What one customer owes right now: total, minimum, overdue, fees, payoff, next due date.

    The desk's answer to "how much do I owe?" and "how much to settle today?"; nothing is
    written. Exit status: 0 done; 1 invalid data or unknown customer; 2 usage error.

    Examples (on the bundled sample_data, through ./config.toml):

    \b
      baitiao balance --customer C000040 --as-of 2026-11-20
      baitiao balance --customer C000022 --as-of 2026-11-03 --format json
    """
    from ..render import emit, warn
    from ..services.balance import balance
    from ..views.balance import balance as view

    cid = customer_option(customer)
    lc = setup(opts.config, opts.data_dir)
    figures, name = balance(lc, cid, as_of_date(opts.as_of, lc), encoding=opts.encoding, on_warning=warn)
    emit(opts.fmt.value, **view(figures, name)._asdict())
