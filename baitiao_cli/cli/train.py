"""``baitiao train``: fit the PD model and write a model file (SPEC 4.8).

Two sources of training rows:

- ``--features F --target COL --out M``: a labelled table (CSV/JSON/JSONL);
- ``--from-history --observation-date D [--data-dir DIR] [--out M]``: the customers of the data
  directory. Each customer opened on or before D and not already more than 90 days past due
  on D gets the customer features of D (``engine/features.py``) and the label "reached 90+
  DPD (more than 90 days past due) on some bill in (D, D + 12 months]". When the data end
  before D + 12 months, the window stops at the latest event date, with a warning.

Exit status: 0 trained and written; 1 bad input (unreadable table or data files, missing or
non-binary target, no feature column, too few bad or good rows, no history after D) or an
unwritable output; 2 a malformed option value or options that do not go together.
"""

from __future__ import annotations

import math
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Annotated, Any, Optional

import typer

from ..errors import DataError, Problem, RefusedError, UsageError
from ..render import Table, emit, warn
from .common import AsOfOpt, ConfigOpt, DataDirOpt, EncodingOpt, Format, FormatOpt, date_option, setup, today_in

LEAK_IV = 1.0        # an information value above this usually means the column leaks the target


def stat_str(x: Optional[float], places: int = 4) -> Optional[str]:
    """A statistic as a decimal string (``0.8123``), rounded half up; None stays None."""
    if x is None:
        return None
    return str(Decimal(x).quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP))


def iv_strength(iv: float) -> str:
    """The usual reading of an information value (Siddiqi)."""
    if iv < 0.02:
        return "not predictive"
    if iv < 0.1:
        return "weak"
    if iv < 0.3:
        return "medium"
    if iv < 0.5:
        return "strong"
    return "very strong"


def _check_options(test_share: float, l2: float, max_bins: int, min_bin_share: float, min_iv: float) -> None:
    if not 0 < test_share < 1:
        raise UsageError(f"--test-share: must be between 0 and 1 (0.3 = 30% held out), got {test_share}")
    if not 0 <= l2 < math.inf:            # also refuses nan and inf (json cannot even record them)
        raise UsageError(f"--l2: must be a finite number, 0 or more, got {l2}")
    if max_bins < 2:
        raise UsageError(f"--max-bins: must be at least 2, got {max_bins}")
    if not 0 <= min_bin_share < 0.5:
        raise UsageError(f"--min-bin-share: must be at least 0 and below 0.5, got {min_bin_share}")
    if not 0 <= min_iv < math.inf:
        raise UsageError(f"--min-iv: must be a finite number, 0 or more, got {min_iv}")


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
        "--save-table", metavar="FILE", help="With --from-history: also write the labelled feature table (CSV) here; "
                             "`train --features` on it with --target default_90dpd_12m "
                             "--id-column customer_id --exclude worst_dpd_after gives the same model.",
        show_default=False)] = None,
    id_column: Annotated[Optional[str], typer.Option(
        "--id-column", metavar="COLUMN", help="Row id column, not a feature (default: 'id' when the table has one).",
        show_default=False)] = None,
    test_share: Annotated[float, typer.Option(
        "--test-share", metavar="SHARE", help="Share of rows held out (stratified) to measure AUC, KS and Gini.")] = 0.3,
    seed: Annotated[int, typer.Option("--seed", metavar="N", help="Seed of the train/test split.")] = 42,
    bad_value: Annotated[Optional[str], typer.Option(
        "--bad-value", metavar="VALUE", help="The target value that means default.", show_default=False)] = None,
    exclude: Annotated[Optional[list[str]], typer.Option(
        "--exclude", help="A column that is not a feature (repeatable).", show_default=False)] = None,
    categorical: Annotated[Optional[list[str]], typer.Option(
        "--categorical", help="Treat this numeric-looking column as categories (codes; repeatable).",
        show_default=False)] = None,
    l2: Annotated[float, typer.Option("--l2", metavar="LAMBDA", help="L2 penalty of the logistic regression.")] = 1.0,
    max_bins: Annotated[int, typer.Option("--max-bins", metavar="N", help="Most bins per feature (missing not counted).")] = 8,
    min_bin_share: Annotated[float, typer.Option(
        "--min-bin-share", metavar="SHARE", help="Smallest share of training rows in a bin.")] = 0.05,
    min_iv: Annotated[float, typer.Option(
        "--min-iv", metavar="IV", help="Features with a lower information value are left out.")] = 0.02,
    as_of: AsOfOpt = None,
    data_dir: DataDirOpt = None,
    config: ConfigOpt = None,
    fmt: FormatOpt = Format.table,
    encoding: EncodingOpt = None,
) -> None:
    """Fit the PD model (WOE binning + L2 logistic regression) on a labelled table or on the history.

    Reports AUC, KS and Gini on held-out rows and each feature's information value, and writes
    a self-describing model file for `baitiao score --model`. The training date recorded is
    --as-of (default: today in billing.timezone). Same input and options: same file, byte for byte.
    With --from-history --observation-date D: the customers' features on D, labelled by whether
    they went more than 90 days past due in the 12 months after D (see docs/scoring.md).
    """
    if from_history:
        if features is not None or target is not None or id_column is not None or bad_value is not None \
                or categorical:
            given = [n for n, v in (("--features", features), ("--target", target), ("--id-column", id_column),
                                    ("--bad-value", bad_value), ("--categorical", categorical)) if v]
            raise UsageError(f"{', '.join(given)}: not with --from-history (the history gives the features "
                             "and the label)")
        _check_options(test_share, l2, max_bins, min_bin_share, min_iv)
        if observation_date is None:
            raise UsageError("--from-history needs --observation-date D (the date the features are taken on)")
        _train_from_history(observation_date, out, save_table, exclude, as_of, data_dir, config, fmt, encoding,
                            test_share=test_share, seed=seed, l2=l2, max_bins=max_bins,
                            min_bin_share=min_bin_share, min_iv=min_iv)
        return
    if observation_date is not None or save_table is not None:
        raise UsageError("--observation-date and --save-table go with --from-history")
    missing = [n for n, v in (("--features", features), ("--target", target), ("--out", out)) if v is None]
    if missing:
        raise UsageError(f"missing option {', '.join(missing)}: train on a labelled table "
                         "(--features F --target COL --out M) or on the history (--from-history "
                         "--observation-date D)")
    assert features is not None and target is not None and out is not None
    from ..engine.train.fit import FeatureInput, TrainSettings, train
    from ..io.config import build_scoring
    from ..io.modelfile import write_model
    from ..io.table import (
        CATEGORICAL, NUMERIC, binary_target, column_name, detect_kind, load_table, numeric_values,
        require_columns,
    )

    _check_options(test_share, l2, max_bins, min_bin_share, min_iv)
    lc = setup(config, data_dir)
    scoring = build_scoring(lc.raw.get("scoring", {}), lc.config.installments.terms)
    trained_on = date_option(as_of, "--as-of") or today_in(lc.config.billing.timezone)

    table = load_table(features, encoding)
    tcol = column_name(target)
    labels, bad = binary_target(table, tcol, bad_value)
    if id_column is not None:
        idcol: Optional[str] = column_name(id_column)
        require_columns(table, [idcol], "id column (--id-column)")
    else:
        idcol = "id" if "id" in table.cells else None
    skip = {tcol} | ({idcol} if idcol else set())
    excluded = [column_name(c) for c in exclude or ()]
    forced = [column_name(c) for c in categorical or ()]
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
    bads = sum(labels)
    if bads < 2 or len(labels) - bads < 2:
        raise DataError([Problem(table.source, table.header_line, tcol,
                                 f"need at least 2 bad and 2 good rows to train and test; "
                                 f"found {bads} bad and {len(labels) - bads} good")])

    settings = TrainSettings(test_share=test_share, seed=seed, l2=l2, max_bins=max_bins,
                             min_bin_share=min_bin_share, min_iv=min_iv)
    result = train(inputs, labels, settings, target=tcol, bad_value=bad, trained_on=trained_on.isoformat(),
                   source=Path(features).name, id_column=idcol, scaling=scoring.scaling)
    write_model(out, result.model)
    if not result.model.features:
        warn("no feature is predictive enough to keep: the model gives every row the training bad rate")
    for f in result.features:
        if f.iv > LEAK_IV:
            warn(f"{f.name}: information value {stat_str(f.iv, 2)} is suspiciously high; "
                 "check that the column does not leak the target")
    _render(fmt.value, out, result, bad)


def _render(fmt: str, out: str, result: Any, bad: str, history: Optional[dict] = None,
            history_lines: tuple[str, ...] = ()) -> None:
    meta = result.model.meta
    rows = result.rows
    features = sorted(result.features, key=lambda f: (-f.iv, f.name))
    obj = {
        "model": out,
        "target": meta["target"],
        "bad_value": bad,
        "trained_on": meta["trained_on"],
        "rows": rows,
        "metrics": {split: {k: stat_str(v) for k, v in m.items()} for split, m in result.metrics.items()},
        "features": [{"name": f.name, "type": f.kind, "iv": stat_str(f.iv), "bins": f.bins,
                      "coefficient": stat_str(f.coefficient, 6), "status": f.status} for f in features],
    }
    if history is not None:
        obj["history"] = history
    used = sum(1 for f in features if f.coefficient is not None)
    t = result.metrics["test"]
    lead = (f"Model written to {out}: {used} of {len(features)} features used · "
            f"held-out AUC {stat_str(t['auc'])} · KS {stat_str(t['ks'])} · Gini {stat_str(t['gini'])}",
            *history_lines)
    metrics_table = Table(
        headers=("rows", "count", "AUC", "KS", "Gini"),
        rows=[[split, rows[split], *(stat_str(m[k]) for k in ("auc", "ks", "gini"))]
              for split, m in result.metrics.items()],
        title=(f"Target {meta['target']} (bad = {bad}) · {rows['total']} rows, {rows['bads']} bad · "
               f"trained on {meta['trained_on']}"),
        align_right=frozenset({"count", "AUC", "KS", "Gini"}), lead=lead)
    feature_table = Table(
        headers=("feature", "type", "IV", "strength", "bins", "coefficient", "status"),
        rows=[[f.name, f.kind, stat_str(f.iv), iv_strength(f.iv), f.bins, stat_str(f.coefficient, 6) or "",
               f.status] for f in features],
        title="Features by information value", align_right=frozenset({"IV", "bins", "coefficient"}))
    emit(fmt, json_obj=obj, tables=(metrics_table, feature_table), csv_table=feature_table)


# --- --from-history ----------------------------------------------------------------------------------

HISTORY_TARGET = "default_90dpd_12m"
FEATURE_SET = "baitiao-customer-features/1"
SMALL_SAMPLE = 200          # fewer customers than this (or fewer than 20 bad): warn that the model is rough
_LABEL = ("1 = reached 90+ DPD (more than 90 days past due) on some bill in (observation_date, "
          "window_end]; customers opened after the observation date or already 90+ DPD on it are left out")


def history_command_line(observation: str, trained_on: str, options: dict) -> str:
    """The `baitiao train --from-history` command that makes the model (options that differ from
    the defaults only; the data directory is not part of it: see ``source``)."""
    parts = ["baitiao train --from-history", f"--observation-date {observation}", f"--as-of {trained_on}"]
    defaults = {"test_share": 0.3, "seed": 42, "l2": 1.0, "max_bins": 8, "min_bin_share": 0.05, "min_iv": 0.02}
    for k, d in defaults.items():
        v = options.get(k, d)
        if v != d:
            parts.append(f"--{k.replace('_', '-')} {v}")
    for name in options.get("exclude") or ():
        parts.append(f"--exclude {name}")
    return " ".join(parts)


def train_from_history(dataset: Any, cfg: Any, scoring: Any, observation: Any, *, trained_on: Any,
                       source: str, settings: Any, exclude: tuple[str, ...] = (),
                       on_warning: Any = warn) -> tuple[Any, Any, dict]:
    """Build the labelled sample of ``dataset`` on ``observation`` and fit the model.

    Returns ``(train_result, sample, history)`` where ``history`` is the block recorded in the
    model file. Raises RefusedError when there is nothing to learn from.
    """
    from ..engine.features import (
        FEATURE_NAMES, MEANINGS, WINDOW_MONTHS, add_months, data_end, feature_columns, history_sample,
    )
    from ..engine.train.fit import FeatureInput, train
    from ..engine.train.binning import NUMERIC

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


def history_table_csv(sample: Any) -> str:
    """The labelled feature table: customer_id, the features, worst_dpd_after, the label."""
    from ..engine.features import FEATURE_NAMES, feature_text
    from ..render import csv_text

    headers = ("customer_id", *FEATURE_NAMES, "worst_dpd_after", HISTORY_TARGET)
    rows = []
    for r in sample.rows:
        f = r.features.as_dict()
        rows.append([r.customer_id, *("" if f[k] is None else feature_text(f[k]) for k in FEATURE_NAMES),
                     r.worst_dpd_after, r.bad])
    return csv_text(headers, rows)


def _train_from_history(observation_date: str, out: Optional[str], save_table: Optional[str],
                        exclude: Optional[list[str]], as_of: Optional[str], data_dir: Optional[str],
                        config: Optional[str], fmt: Format, encoding: Optional[str], **opts: Any) -> None:
    from ..engine.features import FEATURE_NAMES
    from ..engine.train.fit import TrainSettings
    from ..io.config import build_scoring
    from ..io.loader import load_dataset
    from ..io.modelfile import write_model

    observation = date_option(observation_date, "--observation-date")
    assert observation is not None
    excluded = tuple(column_name_plain(e) for e in exclude or ())
    unknown = [e for e in excluded if e not in FEATURE_NAMES]
    if unknown:
        raise UsageError(f"--exclude: {', '.join(unknown)} is not a customer feature; the features are "
                         + ", ".join(FEATURE_NAMES))
    if len(excluded) >= len(FEATURE_NAMES):
        raise UsageError("--exclude: every feature is excluded; nothing left to train on")
    out = out or f"pd_model_{observation.isoformat()}.json"
    if save_table is not None and Path(save_table).is_dir():
        raise UsageError(f"--save-table: {save_table} is a folder; give a file name")
    lc = setup(config, data_dir)
    scoring = build_scoring(lc.raw.get("scoring", {}), lc.config.installments.terms)
    trained_on = date_option(as_of, "--as-of") or today_in(lc.config.billing.timezone)
    result_load = load_dataset(lc.data_dir, lc.config, encoding=encoding)
    for p in result_load.problems:
        warn(str(p))
    settings = TrainSettings(**opts)
    result, sample, history = train_from_history(
        result_load.dataset, lc.config, scoring, observation, trained_on=trained_on,
        source=Path(lc.data_dir).resolve().name, settings=settings, exclude=excluded)
    result.model.meta["command"] = history_command_line(observation.isoformat(), trained_on.isoformat(),
                                                        {**opts, "exclude": excluded})
    if save_table is not None:
        from ..io.atomic import write_atomic

        try:
            write_atomic(Path(save_table), history_table_csv(sample))
        except OSError as e:
            raise RefusedError(f"--save-table: cannot write {save_table}: {e.strerror or e}") from None
    write_model(out, result.model)
    if not result.model.features:
        warn("no feature is predictive enough to keep: the model gives every customer the training default rate")
    c = history["customers"]
    lines = (f"Customers on {history['observation_date']}: {c['used']} used, {c['bad']} went 90+ days past due "
             f"by {history['window_end']} ({c['opened_after_observation']} opened later and "
             f"{c['in_default_on_observation']} already in default left out)",)
    _render(fmt.value, out, result, "1", history, lines)


def column_name_plain(name: str) -> str:
    return name.strip().lower()
