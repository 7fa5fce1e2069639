"""``train`` use cases: fit the PD model on a labelled table (``from_table``) or on the history of
the data directory (``from_history``), write the model file, return what was trained.

Warnings (a suspicious information value, a rough sample, a short window, nothing predictive)
go to the ``on_warning`` callback.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, NamedTuple, Optional

from ..errors import DataError, Problem, RefusedError

if TYPE_CHECKING:
    from ..engine.train.fit import TrainResult, TrainSettings
    from ..io.config import LoadedConfig

Warn = Callable[[str], None]

LEAK_IV = 1.0        # an information value above this usually means the column leaks the target
HISTORY_TARGET = "default_90dpd_12m"
FEATURE_SET = "baitiao-customer-features/1"
SMALL_SAMPLE = 200          # fewer customers than this (or fewer than 20 bad): warn that the model is rough
_LABEL = ("1 = reached 90+ DPD (more than 90 days past due) on some bill in (observation_date, "
          "window_end]; customers opened after the observation date or already 90+ DPD on it are left out")


class Trained(NamedTuple):
    out: str                        # the model file written
    result: "TrainResult"
    bad_value: str
    history: Optional[dict] = None  # with --from-history: the block recorded in the model file


def from_table(lc: "LoadedConfig", features: str, target: str, out: str, settings: "TrainSettings", *,
               trained_on: date, id_column: Optional[str] = None, bad_value: Optional[str] = None,
               exclude: tuple[str, ...] = (), categorical: tuple[str, ...] = (), encoding: Optional[str] = None,
               on_warning: Warn) -> Trained:
    """Train on a labelled table: every column but the target, the id and the excluded is a feature."""
    from ..engine.train.fit import train
    from ..io.table import binary_target, column_name, load_table

    table = load_table(features, encoding)
    tcol = column_name(target)
    labels, bad = binary_target(table, tcol, bad_value)
    idcol, inputs = _table_inputs(table, tcol, id_column, exclude, categorical)
    _check_monotone(table, settings.monotone, settings.thin_missing, inputs)
    bads = sum(labels)
    if bads < 2 or len(labels) - bads < 2:
        raise DataError([Problem(table.source, table.header_line, tcol,
                                 f"need at least 2 bad and 2 good rows to train and test; "
                                 f"found {bads} bad and {len(labels) - bads} good")])
    result = train(inputs, labels, settings, target=tcol, bad_value=bad, trained_on=trained_on.isoformat(),
                   source=Path(features).name, id_column=idcol, scaling=lc.config.scoring.scaling)
    _write(out, result, "no feature is predictive enough to keep: the model gives every row the training bad rate",
           on_warning)
    for f in result.features:
        if f.iv > LEAK_IV:
            on_warning(f"{f.name}: information value {_two_places(f.iv)} is suspiciously high; "
                       "check that the column does not leak the target")
    return Trained(out, result, bad)


def _check_monotone(table: Any, monotone: tuple, thin_missing: tuple, inputs: list) -> None:
    """Every ``--monotone`` column must be a numeric feature of the table, every ``--thin-file``
    column a feature (DataError otherwise)."""
    from ..io.table import column_name, require_columns

    names = [column_name(name) for name, _ in monotone]
    thin = [column_name(name) for name in thin_missing]
    require_columns(table, names, "column (--monotone)")
    require_columns(table, thin, "column (--thin-file)")
    kinds = {f.name: f.kind for f in inputs}
    problems = []
    for option, cols in (("--monotone", names), ("--thin-file", thin)):
        for name in cols:
            if name not in kinds:
                problems.append(Problem(table.source, table.header_line, name,
                                        f"{option}: this column is not a feature (it is the target, the id or excluded)"))
            elif option == "--monotone" and kinds[name] != "numeric":
                problems.append(Problem(table.source, table.header_line, name,
                                        "--monotone: a monotone trend needs a numeric feature; this one is categorical"))
    if problems:
        raise DataError(problems)


def _two_places(x: float) -> str:
    return str(Decimal(x).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP))  # as views.train.stat_str(x, 2)


def _table_inputs(table: Any, tcol: str, id_column: Optional[str], exclude: tuple[str, ...],
                  categorical: tuple[str, ...]) -> tuple[Optional[str], list]:
    """(id column, the feature inputs) of a labelled table; DataError on bad cells or no feature."""
    from ..engine.train.fit import FeatureInput
    from ..io.table import CATEGORICAL, NUMERIC, column_name, detect_kind, numeric_values, require_columns

    if id_column is not None:
        idcol: Optional[str] = column_name(id_column)
        require_columns(table, [idcol], "id column (--id-column)")
    else:
        idcol = "id" if "id" in table.cells else None
    skip = {tcol} | ({idcol} if idcol else set())
    excluded = [column_name(c) for c in exclude]
    forced = [column_name(c) for c in categorical]
    require_columns(table, excluded, "column (--exclude)")
    require_columns(table, forced, "column (--categorical)")
    skip |= set(excluded)
    inputs = []
    problems: list[Problem] = []
    for name in table.columns:
        if name in skip:
            continue
        kind = CATEGORICAL if name in forced else detect_kind(table.cells[name])
        if kind == NUMERIC:
            values, bad_cells = numeric_values(table, name)
            problems.extend(bad_cells)
        else:
            values = table.cells[name]
        inputs.append(FeatureInput(name, kind, values))
    if problems:
        raise DataError(sorted(problems, key=lambda p: (p.line, p.field)))
    if not inputs:
        raise DataError([Problem(table.source, table.header_line, "",
                                 "no feature columns: the table has only the target and id columns")])
    return idcol, inputs


def _write(out: str, result: "TrainResult", nothing_kept: str, on_warning: Warn) -> None:
    from ..io.modelfile import write_model

    write_model(out, result.model)
    if not result.model.features:
        on_warning(nothing_kept)


def from_history(lc: "LoadedConfig", observation: date, out: str, settings: "TrainSettings", *,
                 trained_on: date, exclude: tuple[str, ...] = (), save_table: Optional[str] = None,
                 encoding: Optional[str] = None, on_warning: Warn) -> Trained:
    """Train on the customers of the data directory: features on ``observation``, labelled by
    90+ DPD in the 12 months after it; ``save_table`` also gets the labelled feature table (CSV)."""
    from ..io.loader import load_dataset
    from ..io.objstore import data_folder

    loaded = load_dataset(lc.data_dir, lc.config, encoding=encoding)
    for p in loaded.problems:
        on_warning(str(p))
    result, sample, history = train_from_history(
        loaded.dataset, lc.config, lc.config.scoring, observation, trained_on=trained_on,
        source=data_folder(lc.data_dir).resolve().name, settings=settings, exclude=exclude, on_warning=on_warning)
    result.model.meta["command"] = history_command_line(observation.isoformat(), trained_on.isoformat(),
                                                        {**_settings_options(settings), "exclude": exclude,
                                                         "monotone": settings.monotone,
                                                         "thin_missing": settings.thin_missing})
    if save_table is not None:
        from ..io.atomic import write_atomic
        from ..views.train import history_table_csv

        try:
            write_atomic(Path(save_table), history_table_csv(sample, HISTORY_TARGET))
        except OSError as e:
            raise RefusedError(f"--save-table: cannot write {save_table}: {e.strerror or e}") from None
    _write(out, result, "no feature is predictive enough to keep: the model gives every customer the training "
           "default rate", on_warning)
    return Trained(out, result, "1", history)


_OPTION_DEFAULTS = {"test_share": 0.3, "seed": 42, "l2": 1.0, "max_bins": 8, "min_bin_share": 0.05, "min_iv": 0.02,
                    "folds": 5}

# The business directions of the history features (issue 17): more months on book and a higher
# on-time share never raise the PD; a worse DPD and a higher utilisation never lower it. The other
# features take their direction from the data ("auto"). `--monotone` overrides these.
HISTORY_TRENDS = {"months_on_book": "down", "on_time_share": "down", "worst_dpd_12m": "up", "current_dpd": "up",
                  "utilisation": "up", "avg_monthly_spend_12m": "down"}
# Missing because the history is too short to tell (open 3 months or less, no bill due yet): such a
# missing value never scores better than the riskiest known value (the thin-file rule).
HISTORY_THIN_MISSING = ("on_time_share", "spend_trend")


def _settings_options(settings: "TrainSettings") -> dict:
    return {k: getattr(settings, k) for k in _OPTION_DEFAULTS}


def history_command_line(observation: str, trained_on: str, options: dict) -> str:
    """The `baitiao train --from-history` command that makes the model (options that differ from
    the defaults only; the data directory is not part of it: see ``source``)."""
    parts = ["baitiao train --from-history", f"--observation-date {observation}", f"--as-of {trained_on}"]
    for k, d in _OPTION_DEFAULTS.items():
        v = options.get(k, d)
        if v != d:
            parts.append(f"--{k.replace('_', '-')} {v}")
    for name in options.get("exclude") or ():
        parts.append(f"--exclude {name}")
    for name, trend in options.get("monotone") or ():
        parts.append(f"--monotone {name}={trend}")
    for name in options.get("thin_missing") or ():
        parts.append(f"--thin-file {name}")
    return " ".join(parts)


def saved_table_command(table: str, out: str) -> str:
    """The `train --features` command that refits the history model on its `--save-table` file: the
    history's fixed trends and thin-file columns spelled out as options."""
    return " ".join(["baitiao train --features", table, "--target", HISTORY_TARGET, "--id-column customer_id",
                     "--exclude worst_dpd_after", *(f"--monotone {k}={v}" for k, v in sorted(HISTORY_TRENDS.items())),
                     *(f"--thin-file {k}" for k in HISTORY_THIN_MISSING), "--out", out])


def train_from_history(dataset: Any, cfg: Any, scoring: Any, observation: Any, *, trained_on: Any,
                       source: str, settings: Any, exclude: tuple[str, ...] = (),
                       on_warning: Warn) -> tuple[Any, Any, dict]:
    """Build the labelled sample of ``dataset`` on ``observation`` and fit the model.

    Returns ``(train_result, sample, history)`` where ``history`` is the block recorded in the
    model file. Raises RefusedError when there is nothing to learn from.
    """
    from ..engine.features import FEATURE_NAMES, MEANINGS, feature_columns, history_sample
    from ..engine.train.binning import NUMERIC
    from ..engine.train.fit import FeatureInput, train

    last, window_end, full_end = _label_window(dataset, observation, on_warning)
    sample = history_sample(dataset, cfg, scoring, observation, window_end)
    n, bads = len(sample.rows), sample.bads
    if bads < 2 or n - bads < 2:
        raise RefusedError(
            f"the history gives {bads} customer(s) who went 90+ days past due between {observation.isoformat()} "
            f"and {window_end.isoformat()} and {n - bads} who did not ({sample.opened_after} opened later and "
            f"{sample.in_default} already in default were left out): at least 2 of each are needed; "
            "pick another --observation-date or use more data")
    if n < SMALL_SAMPLE or bads < 20:
        on_warning(f"only {n} customers ({bads} who defaulted): the model is rough and its held-out "
                   "metrics are noisy; features may be left out for lack of evidence")
    cols = feature_columns(sample.rows)
    settings = replace(settings, monotone=tuple(sorted({**HISTORY_TRENDS, **dict(settings.monotone)}.items())),
                       thin_missing=tuple(sorted({*HISTORY_THIN_MISSING, *settings.thin_missing})))
    inputs = [FeatureInput(name, NUMERIC, cols[name]) for name in FEATURE_NAMES if name not in exclude]
    labels = [r.bad for r in sample.rows]
    result = train(inputs, labels, settings, target=HISTORY_TARGET, bad_value="1", trained_on=trained_on.isoformat(),
                   source=source, id_column="customer_id", scaling=scoring.scaling)
    history = {
        "observation_date": observation.isoformat(),
        "window_end": window_end.isoformat(),
        "window_complete": window_end == full_end,
        "data_end": last.isoformat(),
        "label": _LABEL,
        "customers": {"used": n, "bad": bads, "opened_after_observation": sample.opened_after,
                      "in_default_on_observation": sample.in_default},
    }
    meta = result.model.meta
    meta["feature_set"] = FEATURE_SET
    meta["feature_meanings"] = {k: MEANINGS[k] for k in FEATURE_NAMES if k not in exclude}
    meta["history"] = history
    return result, sample, history


def _label_window(dataset: Any, observation: date, on_warning: Warn) -> tuple[date, date, date]:
    """(data end, label window end, full 12-month window end); refused when nothing follows ``observation``."""
    from ..engine.features import WINDOW_MONTHS, add_months, data_end

    last = data_end(dataset)
    if last is None or last <= observation:
        raise RefusedError(f"nothing happened after the observation date {observation.isoformat()} "
                           f"(the data end on {last.isoformat() if last else 'no date: no event at all'}): "
                           "no outcome to learn from; pick an earlier --observation-date")
    full_end = add_months(observation, WINDOW_MONTHS)
    window_end = min(full_end, last)
    if window_end < full_end:
        on_warning(f"the data end on {last.isoformat()}, before {full_end.isoformat()} (12 months after the "
                   f"observation date): the label covers only the {(window_end - observation).days} days up to "
                   f"{window_end.isoformat()}, so it undercounts defaults")
    return last, window_end, full_end
