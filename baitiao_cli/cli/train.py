"""``baitiao train``: fit the PD model on a labelled table and write a model file (SPEC 4.8).

Exit status: 0 trained and written; 1 bad input (unreadable table, missing or non-binary
target, no feature column, too few bad or good rows) or an unwritable output; 2 a malformed
option value.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Annotated, Any, Optional

import typer

from ..errors import DataError, Problem, UsageError
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
    if l2 < 0:
        raise UsageError(f"--l2: must be 0 or more, got {l2}")
    if max_bins < 2:
        raise UsageError(f"--max-bins: must be at least 2, got {max_bins}")
    if not 0 <= min_bin_share < 0.5:
        raise UsageError(f"--min-bin-share: must be at least 0 and below 0.5, got {min_bin_share}")
    if min_iv < 0:
        raise UsageError(f"--min-iv: must be 0 or more, got {min_iv}")


def command(
    features: Annotated[str, typer.Option(
        "--features", help="Labelled table: CSV, JSON array or JSON Lines, one row per applicant.",
        show_default=False)],
    target: Annotated[str, typer.Option(
        "--target", help="The label column: two values, 1/0, bad/good, yes/no or true/false "
                         "(else say which is bad with --bad-value).", show_default=False)],
    out: Annotated[str, typer.Option("--out", help="Model file to write (JSON).", show_default=False)],
    id_column: Annotated[Optional[str], typer.Option(
        "--id-column", help="Row id column, not a feature (default: 'id' when the table has one).",
        show_default=False)] = None,
    test_share: Annotated[float, typer.Option(
        "--test-share", help="Share of rows held out (stratified) to measure AUC, KS and Gini.")] = 0.3,
    seed: Annotated[int, typer.Option("--seed", help="Seed of the train/test split.")] = 42,
    bad_value: Annotated[Optional[str], typer.Option(
        "--bad-value", help="The target value that means default.", show_default=False)] = None,
    exclude: Annotated[Optional[list[str]], typer.Option(
        "--exclude", help="A column that is not a feature (repeatable).", show_default=False)] = None,
    categorical: Annotated[Optional[list[str]], typer.Option(
        "--categorical", help="Treat this numeric-looking column as categories (codes; repeatable).",
        show_default=False)] = None,
    l2: Annotated[float, typer.Option("--l2", help="L2 penalty of the logistic regression.")] = 1.0,
    max_bins: Annotated[int, typer.Option("--max-bins", help="Most bins per feature (missing not counted).")] = 8,
    min_bin_share: Annotated[float, typer.Option(
        "--min-bin-share", help="Smallest share of training rows in a bin.")] = 0.05,
    min_iv: Annotated[float, typer.Option(
        "--min-iv", help="Features with a lower information value are left out.")] = 0.02,
    as_of: AsOfOpt = None,
    data_dir: DataDirOpt = None,
    config: ConfigOpt = None,
    fmt: FormatOpt = Format.table,
    encoding: EncodingOpt = None,
) -> None:
    """Fit the PD model (WOE binning + L2 logistic regression) on a labelled table.

    Reports AUC, KS and Gini on held-out rows and each feature's information value, and writes
    a self-describing model file for `baitiao score --model`. The training date recorded is
    --as-of (default: today in billing.timezone). Same table and options: same file, byte for byte.
    """
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


def _render(fmt: str, out: str, result: Any, bad: str) -> None:
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
    used = sum(1 for f in features if f.coefficient is not None)
    t = result.metrics["test"]
    lead = (f"Model written to {out}: {used} of {len(features)} features used · "
            f"held-out AUC {stat_str(t['auc'])} · KS {stat_str(t['ks'])} · Gini {stat_str(t['gini'])}",)
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
