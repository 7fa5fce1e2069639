"""``baitiao reverse``: correct a posted record by a new one (冲正, SPEC 4.11, 5, 6; docs/posting.md).

The target (a repayment, deferral, conversion or adjustment id) is treated as never posted by
every report dated on or after ``--date``; reports dated before still show it. Same workflow as
``repay`` (``services.posting.post``): journal lock, torn-journal refusal, validated load,
idempotent ``--ref``, one fsynced append to the reversals journal. The answer shows the
customer's account on ``--as-of`` before and after (``views.posting.reversal``).

Exit status: 0 recorded, duplicate or dry run; 1 refused (unknown target, already reversed, a
reversal of a reversal, a date before the target's date or after ``--as-of``), invalid data, a
torn or unappendable journal; 2 a malformed option value or a missing option.
"""

from __future__ import annotations

from .common import DataOptions, date_option, with_data_options
from .posting import DryRunFlag, ReasonOpt, post_and_emit, reason_option, ref_option, text_option

TargetOpt = text_option("--target", "ID", "The repayment_id, deferral_id, conversion_id or adjustment_id to reverse.")
DateOpt = text_option("--date", "YYYY-MM-DD", "Date of the correction, YYYY-MM-DD (not before the target's date, "
                                              "not after --as-of).")
RefOpt = text_option("--ref", "REF", "Reversal id, the idempotency key: 1-64 letters, digits, '_' or '-'.")


@with_data_options
def command(target: TargetOpt, when: DateOpt, ref: RefOpt, reason: ReasonOpt = None, dry_run: DryRunFlag = False, *,
            opts: DataOptions) -> None:
    """Reverse a posted repayment, deferral, conversion or adjustment (冲正).

    A bounced payment, a payment posted to the wrong customer (reverse it, then post it again
    to the right one), a deferral or conversion entered by mistake: from --date on, every report
    treats the record as never posted (a bounced payment owes its late fee from the original due
    date). A record is reversed once; a reversal is not reversed. Exit status: 0 recorded,
    duplicate or dry run; 1 refused or invalid data; 2 usage error.

    Examples (on the bundled sample_data, through ./config.toml):

    \b
      baitiao reverse --target R000000002 --date 2025-11-05 --ref RV-1 --reason bounced --as-of 2025-11-05 --dry-run
      baitiao reverse --target D000002 --date 2026-10-26 --ref RV-2 --reason "wrong customer" --as-of 2026-10-26 --dry-run --format json
    """
    from ..engine.model import Reversal
    from ..views.posting import reversal

    new = Reversal(ref_option(ref), ref_option(target, "--target"), date_option(when, "--date"),
                   reason_option(reason))
    post_and_emit(opts, new, dry_run, reversal)
