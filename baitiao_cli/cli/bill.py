"""``baitiao bill``: monthly statements (SPEC 4.1, 5), for the desk and the daily cron run.

- Batch (no ``--customer``): the statements dated ``--as-of`` of every customer whose
  statement day is that day (and whose first statement is on or before it).
- ``--customer ID``: that customer's latest statement on or before ``--as-of``.
- ``--out DIR``: ``DIR/<statement-date>/<customer_id>.json`` and ``.txt`` per statement plus
  ``summary.csv`` (batch only), each written atomically; a re-run gives the same bytes.
- ``--shard K/N`` (batch): only the customers of shard K of N; with ``--out`` the summary is
  ``summary.shard-K-of-N.csv``. ``--jobs N``: N worker processes, output byte-identical to one
  (``services.jobs``, docs/scale.md).

The work is ``services.billing.run``; the output is ``views.statement``.

Exit status: 0 done; 1 invalid input (nothing written), an unknown customer, an unwritable
``--out``, or ``--skip-invalid`` with rejected records (after writing the valid accounts);
2 usage error.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Optional

import typer

from ..errors import SkippedRecords, UsageError
from ..io.objstore import local_output
from ..render import emit, emit_document, progress, warn
from .common import AsOfOpt, BatchOptions, Format, batch_command, customer_option
from .display import HtmlOpt, LangOpt, lang_of

if TYPE_CHECKING:
    from ..services.billing import Billing
# The engine, services and views are imported inside the functions: ``baitiao --help`` never pays for them.

CustomerOpt = Annotated[Optional[str], typer.Option(
    "--customer", metavar="ID", help="Show this customer's latest statement on or before --as-of.", show_default=False)]
OutOpt = Annotated[Optional[str], typer.Option(
    "--out", metavar="DIR", help="Also write DIR/<statement-date>/<customer>.json and .txt per statement, plus summary.csv "
                  "(batch), atomically.", show_default=False)]


def _progress(total: int):
    """The progress bar of a one-process batch run: on stderr when it is a terminal, else None."""
    return progress(total, "statements")


def _show(result: Billing, fmt: Format, customer: Optional[str], lang: str = "en") -> None:
    from ..views.statement import (
        batch_table, batch_table_row, customer_tables, minimum_only_json, minimum_only_table, no_statement_table,
        statement_json, summary_row, summary_table,
    )

    day = result.day
    if result.rows is None:           # one customer
        pairs = result.statements
        obj = {"as_of": day.isoformat(), "statements": [statement_json(a, s) for a, s in pairs]}
        tables = customer_tables(*pairs[0], lang) if pairs else [no_statement_table(customer)]
        if result.minimum_only is not None:
            obj["statements"][0]["minimum_only"] = minimum_only_json(result.minimum_only)
            tables.append(minimum_only_table(result.minimum_only, lang))
        emit(fmt.value, json_obj=obj, tables=tables, csv_table=summary_table([summary_row(a, s) for a, s in pairs]))
    elif fmt is Format.json:
        emit_document([("as_of", day.isoformat())], "statements", (r.json for r in result.rows))
    else:
        table = batch_table([batch_table_row(r.summary, r.effective_due_date, r.new_amount_fen) for r in result.rows],
                            sum(r.total_due_fen for r in result.rows), day)
        emit(fmt.value, json_obj=None, tables=[table], csv_table=summary_table([r.summary for r in result.rows]))


@batch_command
def command(as_of: AsOfOpt = None, customer: CustomerOpt = None, out: OutOpt = None, lang: LangOpt = None,
            html: HtmlOpt = False, *, run: BatchOptions) -> None:
    """Statements dated --as-of for every customer with that statement day, or one customer's latest.

    Exit status: 0 done; 1 invalid input (nothing written) or an unknown customer, or
    --skip-invalid with rejected records (the valid accounts are written); 2 usage error.

    Examples (on the bundled sample_data, through ./config.toml):

    \b
      baitiao bill --as-of 2026-11-03
      baitiao bill --as-of 2026-11-20 --customer C000040
      baitiao bill --as-of 2026-11-03 --out out/statements --jobs 2
    """
    from ..services import billing

    if customer is not None:
        customer_option(customer)
    shard = run.split()
    if customer is not None and (run.shard is not None or run.jobs != 1 or run.cluster is not None):
        raise UsageError("--shard, --jobs and --cluster split a batch run; they do not go with --customer")
    local_output(out, "--out")
    lc, day = run.setup(as_of)
    out_dir = Path(out) if out else None
    if out_dir is not None and out_dir.exists() and not out_dir.is_dir():
        raise UsageError(f"--out: {out} exists and is not a folder")
    if html and out_dir is None:
        raise UsageError("--html: writes files; give --out DIR")
    printing = billing.Printing(lang_of(lang, lc, customer_facing=True), html)

    result = billing.run(lc, run.encoding, run.skip_invalid, day, customer=customer, shard=shard, jobs=run.jobs,
                         cluster=run.cluster_spec(), out_dir=out_dir, want_json=run.fmt is Format.json,
                         on_warning=warn, progress=_progress, printing=printing)
    _show(result, run.fmt, customer, lang_of(lang, lc, customer_facing=False))
    if result.rejected:
        raise SkippedRecords(result.rejected, "the valid accounts were processed")
