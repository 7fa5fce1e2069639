"""``baitiao train``: fit the PD model and write a model file (SPEC 4.8).

Two sources of training rows:

- ``--features F --target COL --out M``: a labelled table (CSV/JSON/JSONL);
- ``--from-history --observation-date D [--data-dir DIR] [--out M]``: the customers of the data
  directory. Each customer opened on or before D and not already more than 90 days past due
  on D gets the customer features of D (``engine/features.py``) and the label "reached 90+
  DPD (more than 90 days past due) on some bill in (D, D + 12 months]". When the data end
  before D + 12 months, the window stops at the latest event date, with a warning.

The model written is fitted on every labelled row; AUC, KS and Gini are measured by stratified
k-fold cross-validation (``--folds``) and on an optional hold-out (``--test-share``, 0 = none);
numeric features get monotone bins (``--monotone``); see docs/scoring.md.

Exit status: 0 trained and written; 1 bad input (unreadable table or data files, missing or
non-binary target, no feature column, too few bad or good rows, no history after D, a
``--monotone``/``--thin-file`` column that is not a feature of the table) or an unwritable
output; 2 a malformed option value or options that do not go together.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, Optional

import typer

from ..errors import UsageError
from ..render import emit, warn
from .common import DataOptions, date_option, setup, today_in, trailing_options

if TYPE_CHECKING:
    from ..services.training import Trained


def _check_options(test_share: float, l2: float, max_bins: int, min_bin_share: float, min_iv: float,
                   folds: int, **_: Any) -> None:
    if not 0 <= test_share < 1:
        raise UsageError(f"--test-share: must be at least 0 and below 1 (0.3 = 30% held out, 0 = no hold-out), "
                         f"got {test_share}")
    if folds < 2:
        raise UsageError(f"--folds: must be at least 2 (cross-validation needs two folds), got {folds}")
    if not 0 <= l2 < math.inf:            # also refuses nan and inf (json cannot even record them)
        raise UsageError(f"--l2: must be a finite number, 0 or more, got {l2}")
    if max_bins < 2:
        raise UsageError(f"--max-bins: must be at least 2, got {max_bins}")
    if not 0 <= min_bin_share < 0.5:
        raise UsageError(f"--min-bin-share: must be at least 0 and below 0.5, got {min_bin_share}")
    if not 0 <= min_iv < math.inf:
        raise UsageError(f"--min-iv: must be a finite number, 0 or more, got {min_iv}")


def monotone_option(values: Optional[list[str]]) -> tuple[tuple[str, str], ...]:
    """``--monotone FEATURE=up|down|auto|none`` (repeatable) as ((feature lower-cased, trend), ...)."""
    from ..engine.train.binning import TRENDS

    out: dict[str, str] = {}
    for v in values or ():
        name, sep, trend = v.partition("=")
        name, trend = name.strip().lower(), trend.strip().lower()
        if not sep or not name or trend not in TRENDS:
            raise UsageError(f"--monotone: expected FEATURE=up or FEATURE=down (or =auto, =none), got {v!r}")
        if name in out and out[name] != trend:
            raise UsageError(f"--monotone: {name} is given twice ({out[name]} and {trend})")
        out[name] = trend
    return tuple(sorted(out.items()))


# The end of ``train --help`` (here, not in the docstring: the command is at the 80-line limit).
EXAMPLES = """Examples (on the bundled sample_data, through ./config.toml):

\b
  baitiao train --from-history --observation-date 2025-11-01 --as-of 2026-11-03 --out pd_model.json
  baitiao score --as-of 2026-11-03 --model pd_model.json
"""


@trailing_options(DataOptions, busy=True)
def command(
    features: Annotated[Optional[str], typer.Option(
        "--features", metavar="FILE", help="Labelled table: CSV, JSON array or JSON Lines, one row per applicant.",
        show_default=False)] = None,
    target: Annotated[Optional[str], typer.Option(
        "--target", metavar="COLUMN", help="The label column: two values, 1/0, bad/good, yes/no or true/false "
                         "(else say which is bad with --bad-value).", show_default=False)] = None,
    out: Annotated[Optional[str], typer.Option(
        "--out", metavar="FILE", help="Model file to write (JSON). With --from-history the default is "
                      "pd_model_<observation date>.json in the current folder.", show_default=False)] = None,
    from_history: Annotated[bool, typer.Option(
        "--from-history", help="Train on the customers of the data directory: their features on "
                               "--observation-date, labelled by 90+ DPD in the 12 months after it.")] = False,
    observation_date: Annotated[Optional[str], typer.Option(
        "--observation-date", metavar="YYYY-MM-DD", help="With --from-history: the date the features are taken on (YYYY-MM-DD).",
        show_default=False)] = None,
    save_table: Annotated[Optional[str], typer.Option(
        "--save-table", metavar="FILE", help="With --from-history: also write the labelled feature table (CSV) here "
                             "(docs/scoring.md: the `train --features` command that refits the same model).",
        show_default=False)] = None,
    id_column: Annotated[Optional[str], typer.Option(
        "--id-column", metavar="COLUMN", help="Row id column, not a feature (default: 'id' when the table has one).",
        show_default=False)] = None,
    folds: Annotated[int, typer.Option("--folds", metavar="K", help=(
        "Measure AUC, KS and Gini by stratified K-fold cross-validation (all refitted in each fold)."))] = 5,
    test_share: Annotated[float, typer.Option("--test-share", metavar="SHARE", help=(
        "Also report one stratified hold-out of this share, fitted on the rest (0: none)."))] = 0.3,
    seed: Annotated[int, typer.Option("--seed", metavar="N", help="Seed of the folds and the hold-out.")] = 42,
    monotone: Annotated[Optional[list[str]], typer.Option("--monotone", metavar="FEATURE=up|down", help=(
        "Fix how a numeric feature's bad rate moves as its value rises: up, down, auto (the data's "
        "direction, the default) or none (repeatable; see docs/scoring.md)."), show_default=False)] = None,
    bad_value: Annotated[Optional[str], typer.Option(
        "--bad-value", metavar="VALUE", help="The target value that means default.", show_default=False)] = None,
    exclude: Annotated[Optional[list[str]], typer.Option(
        "--exclude", metavar="COLUMN", help="A column that is not a feature (repeatable).", show_default=False)] = None,
    categorical: Annotated[Optional[list[str]], typer.Option(
        "--categorical", metavar="COLUMN", help="Treat this numeric-looking column as categories (codes; repeatable).",
        show_default=False)] = None,
    thin_file: Annotated[Optional[list[str]], typer.Option("--thin-file", metavar="COLUMN", help=(
        "Missing here means too little history: it never scores better than the riskiest known value "
        "(repeatable; --from-history: on_time_share, spend_trend)."), show_default=False)] = None,
    l2: Annotated[float, typer.Option("--l2", metavar="LAMBDA", help="L2 penalty of the logistic regression.")] = 1.0,
    max_bins: Annotated[int, typer.Option("--max-bins", metavar="N", help="Most bins per feature (missing not counted).")] = 8,
    min_bin_share: Annotated[float, typer.Option(
        "--min-bin-share", metavar="SHARE", help="Smallest share of training rows in a bin.")] = 0.05,
    min_iv: Annotated[float, typer.Option(
        "--min-iv", metavar="IV", help="Features with a lower information value are left out.")] = 0.02,
    *,
    opts: DataOptions,
) -> None:
    """Fit the PD model (WOE binning + L2 logistic regression) on a labelled table or on the history.

    Reports AUC, KS and Gini by stratified k-fold cross-validation (and on a hold-out), the
    calibration and each feature's information value and trend, and writes a self-describing
    model file, fitted on every row, for `baitiao score --model`. The training date recorded is
    --as-of (default: today in billing.timezone). Same input and options: same file, byte for byte.
    With --from-history --observation-date D: the customers' features on D, labelled by whether
    they went more than 90 days past due in the 12 months after D (see docs/scoring.md).
    """
    from ..views import train as views

    fit = {"test_share": test_share, "seed": seed, "l2": l2, "max_bins": max_bins, "min_bin_share": min_bin_share,
           "min_iv": min_iv, "folds": folds, "monotone": monotone_option(monotone),
           "thin_missing": tuple(sorted({c.strip().lower() for c in thin_file or ()}))}
    where = {"as_of": opts.as_of, "config": opts.config, "data_dir": opts.data_dir, "encoding": opts.encoding}
    if from_history:
        _not_with_history((("--features", features), ("--target", target), ("--id-column", id_column),
                           ("--bad-value", bad_value), ("--categorical", categorical)))
        trained = _from_history(observation_date, out, save_table, exclude, fit, **where)
    else:
        if observation_date is not None or save_table is not None:
            raise UsageError("--observation-date and --save-table go with --from-history")
        missing = [n for n, v in (("--features", features), ("--target", target), ("--out", out)) if v is None]
        if missing:
            raise UsageError(f"missing option {', '.join(missing)}: train on a labelled table "
                             "(--features F --target COL --out M) or on the history (--from-history "
                             "--observation-date D)")
        assert features is not None and target is not None and out is not None
        trained = _from_table(features, target, out, id_column, bad_value, exclude, categorical, fit, **where)
    emit(opts.fmt.value, **views.trained(trained))


def _not_with_history(options: tuple) -> None:
    given = [name for name, value in options if value is not None and value != []]
    if given:
        raise UsageError(f"{', '.join(given)}: not with --from-history (the history gives the features "
                         "and the label)")


def _from_table(features: str, target: str, out: str, id_column: Optional[str], bad_value: Optional[str],
                exclude: Optional[list[str]], categorical: Optional[list[str]], fit: dict, *,
                as_of: Optional[str], config: Optional[str], data_dir: Optional[str],
                encoding: Optional[str]) -> "Trained":
    from ..engine.train.fit import TrainSettings
    from ..services import training

    _check_options(**fit)
    lc = setup(config, data_dir)
    trained_on = date_option(as_of, "--as-of") or today_in(lc.config.billing.timezone)
    return training.from_table(lc, features, target, out, TrainSettings(**fit), trained_on=trained_on,
                               id_column=id_column, bad_value=bad_value, exclude=tuple(exclude or ()),
                               categorical=tuple(categorical or ()), encoding=encoding, on_warning=warn)


def _from_history(observation_date: Optional[str], out: Optional[str], save_table: Optional[str],
                  exclude: Optional[list[str]], fit: dict, *, as_of: Optional[str], config: Optional[str],
                  data_dir: Optional[str], encoding: Optional[str]) -> "Trained":
    from ..engine.features import FEATURE_NAMES
    from ..engine.train.fit import TrainSettings
    from ..services import training

    _check_options(**fit)
    if observation_date is None:
        raise UsageError("--from-history needs --observation-date D (the date the features are taken on)")
    observation = date_option(observation_date, "--observation-date")
    assert observation is not None
    excluded = tuple(e.strip().lower() for e in exclude or ())
    unknown = [e for e in excluded if e not in FEATURE_NAMES]
    if unknown:
        raise UsageError(f"--exclude: {', '.join(unknown)} is not a customer feature; the features are "
                         + ", ".join(FEATURE_NAMES))
    if len(excluded) >= len(FEATURE_NAMES):
        raise UsageError("--exclude: every feature is excluded; nothing left to train on")
    for option, names in (("--monotone", [name for name, _ in fit["monotone"]]), ("--thin-file", fit["thin_missing"])):
        unknown = [name for name in names if name not in FEATURE_NAMES]
        if unknown:
            raise UsageError(f"{option}: {', '.join(unknown)} is not a customer feature; the features are "
                             + ", ".join(FEATURE_NAMES))
    out = out or f"pd_model_{observation.isoformat()}.json"
    if save_table is not None and Path(save_table).is_dir():
        raise UsageError(f"--save-table: {save_table} is a folder; give a file name")
    lc = setup(config, data_dir)
    trained_on = date_option(as_of, "--as-of") or today_in(lc.config.billing.timezone)
    return training.from_history(lc, observation, out, TrainSettings(**fit), trained_on=trained_on,
                                 exclude=excluded, save_table=save_table, encoding=encoding, on_warning=warn)
