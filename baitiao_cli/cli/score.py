"""``baitiao score``: PD and score with a trained model (SPEC 4.8, 5).

Two paths share the model lookup and the scaling:

- ``--features F``: score every row of a table with the model (``--model M``, else
  ``scoring.model``). JSON ``{"rows": [{"id", "pd", "score"}]}``; ``id`` is the row's value in
  ``--id-column``, else in a column named ``id``, else in the model's recorded id column, else
  the 1-based row number; always a string.
- customers of the data directory on ``--as-of`` (``--customer`` for one): needs the features
  built from the ledger history; not available yet (exit 2 with a message).

Scores use the points scaling configured in ``[scoring]`` (``engine/scoring.py``); ``pd`` is a
decimal string with 6 places.

Exit status: 0 scored; 1 bad input (unreadable table or model file, a model feature missing
from the table, a non-number in a numeric feature, a missing id); 2 bad or missing options.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Annotated

import typer

from ..errors import DataError, Problem, UsageError
from ..render import Table, emit, warn
from .common import (
    AsOfOpt,
    ConfigOpt,
    DataDirOpt,
    EncodingOpt,
    Format,
    FormatOpt,
    setup,
)

PD_PLACES = Decimal("0.000001")
DEFAULT_MODEL = Path(__file__).resolve().parent.parent / "data" / "default_model.json"


def resolve_model_path(explicit: str | None, scoring_model: str, config_path: Path | None) -> Path | None:
    """``--model``, else ``scoring.model`` (relative to the config file's folder), else the
    model shipped in the package when there is one."""
    if explicit:
        return Path(explicit)
    if scoring_model:
        p = Path(scoring_model)
        if not p.is_absolute() and config_path is not None:
            p = config_path.parent / p
        return p
    return DEFAULT_MODEL if DEFAULT_MODEL.is_file() else None


def pd_str(pd: float) -> str:
    return str(Decimal(pd).quantize(PD_PLACES, rounding=ROUND_HALF_UP))


def command(
    as_of: AsOfOpt = None,
    customer: Annotated[str | None, typer.Option(
        "--customer", help="Score only this customer.", show_default=False)] = None,
    model: Annotated[str | None, typer.Option(
        "--model", help="Model file from `baitiao train` (default: scoring.model, else the shipped model).",
        show_default=False)] = None,
    features: Annotated[str | None, typer.Option(
        "--features", help="Score the rows of this table (CSV/JSON/JSONL) instead of the customers.",
        show_default=False)] = None,
    id_column: Annotated[str | None, typer.Option(
        "--id-column", help="With --features: the column holding row ids (default: 'id').",
        show_default=False)] = None,
    data_dir: DataDirOpt = None,
    config: ConfigOpt = None,
    fmt: FormatOpt = Format.table,
    encoding: EncodingOpt = None,
) -> None:
    """Credit score and PD: of the rows of a table (--model M --features F) with a trained model."""
    from ..io.config import build_scoring

    lc = setup(config, data_dir)
    scoring = build_scoring(lc.raw.get("scoring", {}), lc.config.installments.terms)
    model_path = resolve_model_path(model, scoring.model, lc.path)
    if features is not None:
        if customer is not None:
            raise UsageError("--customer and --features do not go together: --features scores a table")
        if model_path is None:
            raise UsageError("--features needs a model: give --model M (or set scoring.model in the config)")
        _score_table(model_path, features, id_column, encoding, fmt.value, scoring)
        return
    if id_column is not None:
        raise UsageError("--id-column goes with --features")
    raise UsageError("scoring the customers of the data directory is not available yet; "
                     "score a table with --model M --features F")


def _score_table(model_path: Path, features: str, id_column: str | None, encoding: str | None,
                 fmt: str, scoring) -> None:
    from ..engine.train.binning import NUMERIC
    from ..engine.train.modelfile import sigmoid
    from ..io.modelfile import read_model
    from ..io.table import load_table, numeric_values, require_columns

    model = read_model(model_path)
    _warn_scaling(model.meta.get("scaling"), scoring.scaling, model_path)
    table = load_table(features, encoding)
    require_columns(table, [f.name for f in model.features], "column (a feature of the model)")
    problems: list[Problem] = []
    columns: dict[str, list] = {}
    for f in model.features:
        if f.kind == NUMERIC:
            columns[f.name], bad = numeric_values(table, f.name)
            problems.extend(bad)
        else:
            columns[f.name] = table.cells[f.name]
    ids = _ids(table, id_column, model.meta.get("id_column"), problems)
    if problems:
        problems.sort(key=lambda p: (p.line, p.field))
        raise DataError(problems)
    scaling = scoring.scaling
    rows = []
    for rid, z in zip(ids, model.log_odds_columns(columns, len(table))):
        rows.append({"id": rid, "pd": pd_str(sigmoid(z)), "score": scaling.score_from_log_odds(Decimal(z))})
    t = Table(headers=("id", "pd", "score"), rows=[[r["id"], r["pd"], r["score"]] for r in rows],
              title=f"{len(rows)} rows scored with {model_path.name}", align_right=frozenset({"pd", "score"}))
    emit(fmt, json_obj={"rows": rows}, tables=(t,), csv_table=t)


def _ids(table, id_column: str | None, model_id: str | None, problems: list[Problem]) -> list[str]:
    from ..io.table import column_name, require_columns

    if id_column is not None:
        col: str | None = column_name(id_column)
        require_columns(table, [col], "id column (--id-column)")
    elif "id" in table.cells:
        col = "id"
    elif model_id and model_id in table.cells:
        col = model_id
    else:
        return [str(n) for n in range(1, len(table) + 1)]
    out = []
    for v, line in zip(table.cells[col], table.lines):
        if v is None:
            problems.append(Problem(table.source, line, col, "missing id"))
        out.append(v or "")
    return out


def _warn_scaling(recorded, scaling, model_path: Path) -> None:
    """Scores follow the configured scaling; say so when the model was trained under another."""
    if not isinstance(recorded, dict):
        return
    now = {"base_score": scaling.base_score, "base_odds": scaling.base_odds, "pdo": scaling.pdo}
    try:
        same = all(Decimal(str(recorded[k])) == v for k, v in now.items())
    except Exception:  # noqa: BLE001 - a malformed descriptive block: nothing to compare
        return
    if not same:
        warn(f"{model_path.name} was trained under the scaling base_score {recorded.get('base_score')}, "
             f"base_odds {recorded.get('base_odds')}, pdo {recorded.get('pdo')}; scores use the configured "
             f"{scaling.base_score}, {scaling.base_odds}, {scaling.pdo}")
