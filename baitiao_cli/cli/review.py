"""``baitiao review``: the periodic credit-line review (提额 / 激励, SPEC 4.12, 5; docs/review.md).

Every customer opened on or before ``--as-of`` (or ``--customer``) is replayed, scored and decided
(``services.review``, ``engine.review``): raise, hold, cut or freeze, with the on-time streak,
utilisation, grade, PD and the reasons. ``--apply --ref R`` appends the changes to the ``limits``
journal (lock, fsync, idempotent: the same review applied twice adds nothing); from ``--as-of`` on
they decide the available credit of ``bill``, ``quote --customer`` and ``score``.

Exit status: 0 done (recorded, duplicate or dry run); 1 invalid input, an unknown customer, a
conflicting earlier application of the same ref, an unappendable journal, or ``--skip-invalid`` with
rejected records; 2 usage error.
"""

from __future__ import annotations

from typing import Annotated, Optional

import typer

from ..errors import SkippedRecords, UsageError
from ..render import emit, warn
from .common import AsOfOpt, BookOptions, as_of_date, customer_option, setup, trailing_options
from .posting import ref_option

CustomerOpt = Annotated[Optional[str], typer.Option("--customer", metavar="ID", help="Review one customer only.",
                                                    show_default=False)]
ModelOpt = Annotated[Optional[str], typer.Option("--model", metavar="M", help="PD model file (default: "
                                                 "scoring.model, else the shipped model).", show_default=False)]
ApplyOpt = Annotated[bool, typer.Option("--apply", help="Append the changes to the limits journal (needs --ref).")]
RefOpt = Annotated[Optional[str], typer.Option("--ref", metavar="REF", help="Id of this review run, the idempotency "
                                               "key of --apply: each change is recorded as REF:<customer_id>.",
                                               show_default=False)]
DryRunOpt = Annotated[bool, typer.Option("--dry-run", help="With --apply: check and show what would be appended; "
                                                           "write nothing.")]


@trailing_options(BookOptions)
def command(as_of: AsOfOpt = None, customer: CustomerOpt = None, model: ModelOpt = None, apply: ApplyOpt = False,
            ref: RefOpt = None, dry_run: DryRunOpt = False, *, opts: BookOptions) -> None:
    """Credit-line review: raise, hold, cut or freeze each customer's limit, with the reasons (提额).

    A raise needs review.raise_after on-time statements in a row, a grade no worse than
    review.raise_min_grade and utilisation of at least review.min_utilisation; an overdue account
    is frozen; a limit above what the grade and income allow is cut. Exit status: 0 done;
    1 invalid data or a refused --apply; 2 usage error.

    Examples (on the bundled sample_data, through ./config.toml):

    \b
      baitiao review --as-of 2026-11-03
      baitiao review --as-of 2026-11-03 --customer C000040
      baitiao review --as-of 2026-11-03 --apply --ref REVIEW-2026-11 --dry-run
    """
    from ..services import review
    from ..views.review import review as view

    if apply and ref is None:
        raise UsageError("--apply needs --ref REF (the idempotency key of this review run)")
    if ref is not None and not apply:
        raise UsageError("--ref goes with --apply")
    if dry_run and not apply:
        raise UsageError("--dry-run goes with --apply (a review without --apply writes nothing anyway)")
    if apply and opts.skip_invalid:
        raise UsageError("--apply does not go with --skip-invalid: a review is applied on valid data only")
    cluster = opts.cluster_spec()
    if cluster is not None and customer is not None:
        raise UsageError("--cluster splits a review of the whole book; it does not go with --customer")
    lc = setup(opts.config, opts.data_dir)
    if apply:
        from ..io.objstore import require_local

        require_local(lc.data_dir, "review --apply")
    day = as_of_date(as_of, lc)
    result = review.run(lc, day, customer=None if customer is None else customer_option(customer), model=model,
                        apply_ref=None if ref is None else ref_option(ref), dry_run=dry_run, encoding=opts.encoding,
                        skip_invalid=opts.skip_invalid, cluster=cluster, on_warning=warn)
    emit(opts.fmt.value, **view(result)._asdict())
    if result.rejected:
        raise SkippedRecords(result.rejected, "the review covers the valid ones")
