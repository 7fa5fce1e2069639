"""``baitiao overdue-report``: delinquency, late fees, provisions and the collection worklist.

The work is ``services.overdue.run`` (the replay of every customer, the portfolio summary, the
roll rates of ``--compare``; ``--shard K/N`` reports on one shard of the book, ``--jobs N``
computes in N processes, byte-identical to one: docs/scale.md); the output is
``views.overdue``.

- stdout: ``--format table`` (the overdue accounts in priority order, the bucket
  distribution with a bar chart, delinquency rates, the five-tier classes, ECL by stage,
  the largest exposures, the roll-rate matrix with ``--compare``), ``json`` (SPEC 5:
  ``{"as_of","accounts":[...],"summary":{...}}``) or ``csv`` (the overdue account rows).
- ``--out FILE``: the collection worklist as CSV for Excel (UTF-8 with BOM, CRLF, formula-like
  text neutralised, phones masked), in priority order, written atomically.

Exit status: 0 done; 1 invalid input (nothing written), an unwritable ``--out``, or
``--skip-invalid`` with rejected records (after writing what it could); 2 usage error.
See docs/overdue.md.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

from ..errors import SkippedRecords, UsageError
from ..io.objstore import local_output
from ..render import Table, emit, warn
from .common import AsOfOpt, BatchOptions, Format, batch_command, date_option
from .display import LangOpt, LettersOpt, lang_of

# The engine, services and views are imported inside ``command``: ``baitiao --help`` never pays for them.

CompareOpt = Annotated[Optional[str], typer.Option(
    "--compare", metavar="YYYY-MM-DD", help="An earlier date YYYY-MM-DD: add the roll-rate matrix from each bucket on that date "
                      "to each bucket on --as-of.", show_default=False)]
OutOpt = Annotated[Optional[str], typer.Option(
    "--out", metavar="FILE", help="Also write the collection worklist (priority order) to this CSV file for Excel "
                  "(UTF-8 with BOM), atomically.", show_default=False)]


@batch_command
def command(as_of: AsOfOpt = None, compare: CompareOpt = None, out: OutOpt = None, lang: LangOpt = None,
            letters: LettersOpt = False, *, run: BatchOptions) -> None:
    """Overdue accounts (DPD, bucket, amounts, late fee, action, class, stage, ECL) and the portfolio summary.

    Exit status: 0 done; 1 invalid input (nothing written) or an unwritable --out, or
    --skip-invalid with rejected records (the report covers the valid ones); 2 usage error.

    Examples (on the bundled sample_data, through ./config.toml):

    \b
      baitiao overdue-report --as-of 2026-11-03 --compare 2026-10-03
      baitiao overdue-report --as-of 2026-11-03 --out out/worklist.csv
      baitiao overdue-report --as-of 2026-11-03 --format csv
    """
    from ..services import overdue
    from ..views.overdue import CSV_HEADERS, csv_rows, report_json, tables

    shard = run.split()
    local_output(out, "--out")
    lc, day = run.setup(as_of)
    earlier = date_option(compare, "--compare")
    if earlier is not None and earlier >= day:
        raise UsageError(f"--compare: {earlier.isoformat()} must be before --as-of {day.isoformat()}")
    if letters:
        _check_letters_out(out)
    elif out and Path(out).is_dir():
        raise UsageError(f"--out: {out} is a folder; give a file name")
    if out and not letters and Path(out).suffix.lower() not in ("", ".csv"):
        raise UsageError(f"--out: {out}: the collection worklist is written as CSV only; give a .csv file name "
                         f"(--format {run.fmt.value} is the format of stdout)")

    worklist_lang = lang_of(lang, lc, customer_facing=False)
    report, rejected = overdue.run(lc, run.encoding, run.skip_invalid, day, earlier, shard=shard, jobs=run.jobs,
                                   cluster=run.cluster_spec(), out_path=out or None, on_warning=warn,
                                   worklist_lang=worklist_lang,
                                   letters=overdue.Letters(Path(out), worklist_lang, lang_of(lang, lc, True))
                                   if letters else None)
    fmt = run.fmt
    emit(fmt.value, json_obj=report_json(report) if fmt is Format.json else None,
         tables=tables(report, worklist_lang) if fmt is Format.table else (),
         csv_table=Table(headers=CSV_HEADERS, rows=csv_rows(report)) if fmt is Format.csv else None)
    if rejected:
        raise SkippedRecords(rejected, "the report covers the valid ones")


def _check_letters_out(out: Optional[str]) -> None:
    """``--letters`` writes a folder of files: ``--out DIR`` is needed and must not be a file."""
    if not out:
        raise UsageError("--letters: writes files; give --out DIR")
    if Path(out).exists() and not Path(out).is_dir():
        raise UsageError(f"--letters: --out {out} exists and is not a folder")
