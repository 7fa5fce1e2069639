"""``baitiao repay``: post a repayment or an early settlement to the journal and show its
allocation (SPEC 4.5, 5, 6; docs/posting.md).

The workflow (journal lock, torn-journal check, load and validate, ``--ref`` idempotency,
``engine.ledger.post_repayment`` for ``--dry-run`` and a real run alike, the settle check,
one fsynced append) is ``services.posting.post``; the output is ``views.posting.repayment``.

Exit status: 0 recorded, duplicate (the same ref with the same content: nothing written)
or dry run; 1 invalid data, unknown customer, a date before the account opened or after
``--as-of``, the same ref with different content, a settle short of the payoff (a dry run
still prints the payoff quote on stdout), a torn or unappendable journal; 2 a malformed
option value or a missing option.
"""

from __future__ import annotations

from typing import Annotated, Optional

import typer

from ..errors import RefusedError
from .common import DataOptions, customer_option, date_option, money_option, with_data_options
from .posting import CustomerOpt, channel_option, flag_option, post_and_emit, ref_option, text_option


AmountOpt = text_option("--amount", "AMOUNT", "Amount received, e.g. 106.00 (> 0, at most 2 decimals).")
ValueDateOpt = text_option("--date", "YYYY-MM-DD", "Value date of the payment YYYY-MM-DD (not after --as-of).")
RefOpt = text_option("--ref", "REF", "Repayment id, the idempotency key: 1-64 letters, digits, '_' or '-'. Re-sending "
                     "the same ref with the same content is answered 'duplicate' and writes nothing.")
SettleOpt = flag_option("--settle", "Early settlement (提前结清): pays everything; refused if the amount is short of "
                                    "the payoff. With --dry-run: quote the payoff.")
DryRunOpt = flag_option("--dry-run", "Compute and show the allocation exactly as a real run would; write nothing.")
ChannelOpt = Annotated[Optional[str], typer.Option(
    "--channel", metavar="TEXT", help="Free text: where the money came from (app, bank, 支付宝 ...).", show_default=False)]


@with_data_options
def command(customer: CustomerOpt, amount: AmountOpt, value_date: ValueDateOpt, ref: RefOpt,
            settle: SettleOpt = False, dry_run: DryRunOpt = False, channel: ChannelOpt = None, *,
            opts: DataOptions) -> None:
    """Post a repayment (or an early settlement) to the journal and show its allocation.

    Allocation (SPEC 4.5): late fee accrued to the date, posted late fees, then billed items
    oldest due first, fee before principal; the rest becomes credit balance.
    Exit status: 0 recorded, duplicate or dry run; 1 refused or invalid data; 2 usage error.

    Examples (on the bundled sample_data, through ./config.toml):

    \b
      baitiao repay --customer C000040 --amount 700 --date 2026-11-20 --ref DESK-1 --as-of 2026-11-20 --dry-run
      baitiao repay --customer C000040 --amount 16279.96 --date 2026-11-20 --ref DESK-2 --settle --as-of 2026-11-20 --dry-run
      baitiao repay --customer C000040 --amount 700 --date 2026-11-20 --ref DESK-1 --channel app --as-of 2026-11-20 --format json --dry-run
    """
    from ..engine.model import NORMAL, SETTLE, Repayment
    from ..views.posting import repayment

    # malformed option values first (exit 2), then the config (exit 1)
    amt = money_option(amount, "--amount")
    when = date_option(value_date, "--date")
    rid = ref_option(ref)
    cid = customer_option(customer)
    ch = channel_option(channel)
    new = Repayment(rid, cid, when, amt, SETTLE if settle else NORMAL, ch)
    posted = post_and_emit(opts, new, dry_run, repayment)
    if posted.refusal_after_output is not None:
        raise RefusedError(posted.refusal_after_output)
