"""``baitiao remind``: the daily reminder list before due dates, with an early warning (SPEC 4.13).

The customers with something unpaid on a statement whose effective due date (the deferred one
after a deferral) is between ``--as-of`` and ``--as-of`` + ``--days`` (default 3) inclusive:
due date, days left (due today: 0), amount due and minimum due still unpaid, the behaviour PD
(the score model on today's history, as ``score`` gives it; ``--model`` like ``score``) and an
``at_risk`` flag (the model's grade gets no new credit), riskiest first (PD, then amount, then
customer id). Grace days do not widen the window: see ``engine.remind`` and docs/remind.md.
The work is ``services.remind.run``; the output ``views.remind``.

- stdout: ``--format table``, ``json`` (SPEC 5: ``{"customers":[{"customer_id","due_date",
  "amount_due","minimum_due","days_left","pd",...}],"as_of","days",...}``) or ``csv``. Phones
  masked, always.
- ``--out FILE``: the list as CSV for the SMS gateway (UTF-8 with BOM, CRLF, Excel-safe, phones
  masked), written atomically. ``--out-unmasked FILE``: the same with full phone numbers, in a
  file created with mode 0600, with a warning on stderr. Both are CSV: a name ending in
  another extension (``.json``, ``.xlsx``...) is refused (exit 2).

Exit status: 0 done; 1 invalid input (nothing written), an unwritable file or a bad model, or
``--skip-invalid`` with rejected records (after writing what it could); 2 usage error.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any, Optional

import typer

from ..errors import SkippedRecords, UsageError
from ..io.objstore import is_uri, local_output
from ..render import emit, warn
from .common import AsOfOpt, BatchOptions, batch_command, int_option

MAX_DAYS = 366

DaysOpt = Annotated[str, typer.Option(
    "--days", metavar="N", help=f"Remind of statements due within the next N days (0..{MAX_DAYS}; 0: due today).")]


def file_option(name: str, help: str) -> Any:
    """An optional FILE option (checked by the command)."""
    return Annotated[Optional[str], typer.Option(name, metavar="FILE", help=help, show_default=False)]


ModelOpt = file_option("--model", "Model for the PD (default: scoring.model, else the shipped model).")
OutOpt = file_option("--out", "Also write the list for the SMS gateway to this CSV file (UTF-8 with BOM, phones "
                              "masked), atomically.")
OutUnmaskedOpt = file_option("--out-unmasked", "Also write the list with FULL phone numbers to this CSV file, "
                                               "created with mode 0600 (a warning is printed).")


def days_option(value: str) -> int:
    n = int_option(value, "--days")
    if not 0 <= n <= MAX_DAYS:
        raise UsageError(f"--days: must be between 0 and {MAX_DAYS}, got {n}")
    return n


def csv_file_option(value: Optional[str], name: str) -> Optional[str]:
    """A file name for a CSV output: not a folder, no extension but ``.csv`` (usage errors, exit 2)."""
    if value is None:
        return None
    local_output(value, name)
    path = Path(value)
    if not value.strip() or path.is_dir():
        raise UsageError(f"{name}: {value!r} is a folder or empty; give a file name")
    if path.suffix and path.suffix.lower() != ".csv":
        raise UsageError(f"{name} writes CSV (for the SMS gateway): give a .csv file name, not {path.name!r}")
    return value


@batch_command
def command(as_of: AsOfOpt = None, days: DaysOpt = "3", model: ModelOpt = None, out: OutOpt = None,
            out_unmasked: OutUnmaskedOpt = None, *, run: BatchOptions) -> None:
    """Customers with something unpaid on a statement due within --days days: amount, minimum, PD, risk.

    Exit status: 0 done; 1 invalid input (nothing written), a bad model or an unwritable file, or
    --skip-invalid with rejected records (the list covers the valid ones); 2 usage error.

    Examples (on the bundled sample_data, through ./config.toml):

    \b
      baitiao remind --as-of 2026-11-10
      baitiao remind --as-of 2026-11-10 --days 7 --out out/sms.csv
    """
    from ..services import remind
    from ..views.remind import emit_args

    shard = run.split()
    n_days = days_option(days)
    out = csv_file_option(out, "--out")
    out_unmasked = csv_file_option(out_unmasked, "--out-unmasked")
    if out is not None and out_unmasked is not None and Path(out).resolve() == Path(out_unmasked).resolve():
        raise UsageError("--out and --out-unmasked name the same file: the masked list would be overwritten")
    lc, day = run.setup(as_of)
    for name, value in (("--out", out), ("--out-unmasked", out_unmasked)):
        if value is not None and not is_uri(lc.data_dir) and Path(value).resolve().parent == Path(lc.data_dir).resolve():
            raise UsageError(f"{name}: {value} is in the data folder {lc.data_dir}: write the SMS file elsewhere")
    result, rejected = remind.run(lc, run.encoding, run.skip_invalid, day, n_days, model=model, shard=shard,
                                  jobs=run.jobs, cluster=run.cluster_spec(), out=out, out_unmasked=out_unmasked,
                                  on_warning=warn)
    emit(run.fmt.value, **emit_args(result, run.fmt.value))
    if rejected:
        raise SkippedRecords(rejected, "the list covers the valid ones")
