"""``baitiao score``: PD, score, grade, limit, terms, price and reasons (SPEC 4.8, 5).

Two paths share the model lookup and the scaling:

- customers of the data directory (default; ``--customer ID`` for one): each customer opened
  on or before ``--as-of`` is replayed to it (``statements="none"``), gets the customer
  features of ``engine/features.py``, the model's PD, the score, the grade, the credit limit
  (a manual ``credit_limit`` wins), the allowed terms, the per-period fee rate, the available
  credit (0 while the credit line is frozen: DPD >= ``overdue.freeze_from_day``) and up to
  four reasons in plain words. JSON ``{"as_of", "model", "customers": [{"customer_id",
  "score", "grade", "pd", "credit_limit", "allowed_terms", "reasons", ...extras}], "summary"}``.
  ``--psi-against DATE`` adds ``"psi"``: the population stability index of the score
  distribution on ``--as-of`` against DATE, binned by grade; ``--psi-against MODEL`` (a model
  file) adds ``"feature_psi"``: each feature's PSI against that model's training rows (its
  ``training_distribution``). The summary gives the expected defaults per grade (sum of PDs).
- ``--features F``: score every row of a table with the model (``--model M``, else
  ``scoring.model``). JSON ``{"rows": [{"id", "pd", "score"}]}``; ``id`` is the row's value in
  ``--id-column``, else in a column named ``id``, else in the model's recorded id column, else
  the 1-based row number; always a string.

The model: ``--model M``, else ``scoring.model`` of the config (relative to the config file),
else the model shipped in the package (``baitiao_cli/data/default_model.json``). Scores use the
points scaling configured in ``[scoring]`` (``engine/scoring.py``); ``pd`` is a decimal string
with 6 places. Scoring never imports numpy.

Exit status: 0 scored; 1 bad input (unreadable table, data or model file, a model feature
missing from the table or not a customer feature, a non-number in a numeric feature, a
missing id, an unknown customer, a ``--psi-against`` model without a training distribution)
or ``--skip-invalid`` with rejected records; 2 bad or missing options.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from ..errors import SkippedRecords, UsageError
from ..render import emit, warn
from ..services.scoring import DEFAULT_MODEL  # noqa: F401 - where tests and docs look for the shipped model
from .common import AsOfOpt, BookOptions, as_of_date, customer_option, date_option, setup, trailing_options


def _names_a_model(value: str) -> bool:
    """``--psi-against`` takes a date or a model file: a file that exists, or a name ending in .json."""
    return Path(value).is_file() or value.lower().endswith(".json")


@trailing_options(BookOptions)
def command(
    as_of: AsOfOpt = None,
    customer: Annotated[str | None, typer.Option(
        "--customer", metavar="ID", help="Score only this customer.", show_default=False)] = None,
    model: Annotated[str | None, typer.Option(
        "--model", metavar="FILE", help="Model file from `baitiao train` (default: scoring.model, else the shipped model).",
        show_default=False)] = None,
    features: Annotated[str | None, typer.Option(
        "--features", metavar="FILE", help="Score the rows of this table (CSV/JSON/JSONL) instead of the customers.",
        show_default=False)] = None,
    id_column: Annotated[str | None, typer.Option(
        "--id-column", metavar="COLUMN", help="With --features: the column holding row ids (default: 'id').",
        show_default=False)] = None,
    psi_against: Annotated[str | None, typer.Option(
        "--psi-against", metavar="YYYY-MM-DD|MODEL", help="An earlier date YYYY-MM-DD: add the population stability "
                              "index of the scores on --as-of against the scores on that date (bins: the grades). "
                              "A model file: the PSI of each feature of the book against that model's training "
                              "rows (flagged over 0.1 and 0.25).",
        show_default=False)] = None,
    *,
    opts: BookOptions,
) -> None:
    """Credit score, PD, grade, limit, allowed terms, fee rate and reasons of the customers on --as-of.

    With --features F (and a model): the PD and score of every row of a table instead.

    Examples (on the bundled sample_data, through ./config.toml):

    \b
      baitiao score --as-of 2026-11-03
      baitiao score --as-of 2026-11-03 --customer C000040
      baitiao score --as-of 2026-11-03 --format json
    """
    from ..services import scoring
    from ..views import score as views

    lc = setup(opts.config, opts.data_dir)
    if features is not None:
        if opts.cluster is not None or opts.partitions is not None:
            raise UsageError("--cluster scores the customers of the book: not with --features")
        if customer is not None:
            raise UsageError("--customer and --features do not go together: --features scores a table")
        if psi_against is not None:
            raise UsageError("--psi-against compares the customers of the book (on two dates, or with a "
                             "model's training rows): not with --features")
        if model is None and not lc.config.scoring.model:     # the shipped customer model is not a table model
            raise UsageError("--features needs a model: give --model M (or set scoring.model in the config)")
        model_path = scoring.resolve_model_path(model, lc.config.scoring.model, lc.path)
        assert model_path is not None
        rows = scoring.score_table(lc, model_path, features, id_column, opts.encoding, on_warning=warn)
        emit(opts.fmt.value, **views.table_scores(rows))
        return
    if id_column is not None:
        raise UsageError("--id-column goes with --features")
    cluster = opts.cluster_spec()
    if cluster is not None and customer is not None:
        raise UsageError("--cluster splits a run over the whole book; it does not go with --customer")
    day = as_of_date(as_of, lc)
    psi_model = psi_against if psi_against is not None and _names_a_model(psi_against) else None
    earlier = None if psi_model is not None else date_option(psi_against, "--psi-against")
    if psi_model is not None and customer is not None:
        raise UsageError("--psi-against MODEL compares the features of the whole book: not with --customer")
    if earlier is not None:
        if customer is not None:
            raise UsageError("--psi-against compares the score distributions of the whole book: not with --customer")
        if earlier >= day:
            raise UsageError(f"--psi-against: {earlier.isoformat()} must be before --as-of {day.isoformat()}")
    if customer is not None:
        customer_option(customer)
    result = scoring.run(lc, day, customer=customer, model=model, psi_against=earlier, encoding=opts.encoding,
                         skip_invalid=opts.skip_invalid, psi_model=psi_model, cluster=cluster, on_warning=warn)
    emit(opts.fmt.value, **views.customers(result, opts.fmt.value))
    if result.rejected:
        raise SkippedRecords(result.rejected, "the scores cover the valid ones")
