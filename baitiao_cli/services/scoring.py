"""Scoring use cases: the customers of the data directory on a date (``run``), one customer
(``customer_score``, for ``quote --customer``) and the rows of a feature table (``score_table``).

The model: ``--model M``, else ``scoring.model`` of the config (relative to the config file),
else the model shipped in the package. Warnings go to the ``on_warning`` callback.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, NamedTuple, Optional

from ..errors import DataError, Problem, RefusedError

if TYPE_CHECKING:
    from ..engine.customer_score import CustomerScore
    from ..engine.psi import Psi
    from ..engine.scoring import GradePolicy, Scaling
    from ..engine.train.modelfile import PdModel
    from ..io.config import LoadedConfig

Warn = Callable[[str], None]

DEFAULT_MODEL = Path(__file__).resolve().parent.parent / "data" / "default_model.json"


@dataclass(frozen=True, slots=True)
class CustomerScores:
    """The customers scored on ``as_of`` (and the PSI against ``psi_against`` when asked)."""

    as_of: date
    model_path: Path
    grades: tuple["GradePolicy", ...]
    scores: list["CustomerScore"]
    single: bool                        # one customer asked for (--customer)
    psi_against: Optional[date]
    psi: Optional["Psi"]
    rejected: list[Problem]             # records --skip-invalid let through
    drift: Optional["FeatureDrift"] = None   # --psi-against MODEL: each feature's PSI against training


class FeatureDrift(NamedTuple):
    """``score --psi-against MODEL``: each feature of the book against the model's training rows."""

    model_path: Path
    training_rows: int
    customers: int
    features: list                      # engine.psi.FeaturePsi, in the model file's order


class RowScore(NamedTuple):
    id: str
    pd: str
    score: int


class TableScores(NamedTuple):
    model_path: Path
    rows: list[RowScore]


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


def load_customer_model(model_path: Path | None) -> "PdModel":
    """Read the model for scoring customers; its features must all be customer features."""
    from ..engine.features import FEATURE_NAMES
    from ..io.modelfile import read_model

    if model_path is None:
        raise RefusedError("no model to score with: the shipped default model is missing from this installation; "
                           "give --model M (or set scoring.model in the config)")
    model = read_model(model_path)
    foreign = [f.name for f in model.features if f.name not in FEATURE_NAMES]
    if foreign:
        raise DataError([Problem(str(model_path), 0, "features",
                                 f"this model uses columns that are not customer features ({', '.join(foreign)}): "
                                 "score its tables with --features F, or train a customer model with "
                                 "`baitiao train --from-history`; customer features: " + ", ".join(FEATURE_NAMES))])
    return model


def find_customer(dataset: Any, customer_id: str, data_dir: Any):
    for c in dataset.customers:
        if c.customer_id == customer_id:
            return c
    raise RefusedError(f"unknown customer {customer_id!r}: not in the customers file of {data_dir}")


def scaling_mismatch(recorded: Any, scaling: "Scaling", model_path: Path) -> Optional[str]:
    """Scores follow the configured scaling: the warning when the model was trained under another."""
    if not isinstance(recorded, dict):
        return None
    now = {"base_score": scaling.base_score, "base_odds": scaling.base_odds, "pdo": scaling.pdo}
    try:
        same = all(Decimal(str(recorded[k])) == v for k, v in now.items())
    except Exception:  # noqa: BLE001 - a malformed descriptive block: nothing to compare
        return None
    if same:
        return None
    return (f"{model_path.name} was trained under the scaling base_score {recorded.get('base_score')}, "
            f"base_odds {recorded.get('base_odds')}, pdo {recorded.get('pdo')}; scores use the configured "
            f"{scaling.base_score}, {scaling.base_odds}, {scaling.pdo}")


def _check_scaling(model: "PdModel", scaling: "Scaling", model_path: Path, on_warning: Warn) -> None:
    message = scaling_mismatch(model.meta.get("scaling"), scaling, model_path)
    if message is not None:
        on_warning(message)


def feature_drift(model_path: Path, scores: list) -> FeatureDrift:
    """The PSI of each feature of the model file's training rows against the scored customers;
    refused (exit 1) when the file records no training distribution or not customer features."""
    from ..engine.features import FEATURE_NAMES, model_row
    from ..engine.psi import DistributionError, feature_psi, reference_features
    from ..io.modelfile import read_model

    model = read_model(model_path)
    try:
        rows, refs = reference_features(model.meta.get("training_distribution"))
    except DistributionError as e:
        raise RefusedError(f"--psi-against {model_path}: {e}") from None
    foreign = [r.name for r in refs if r.name not in FEATURE_NAMES]
    if foreign:
        raise RefusedError(f"--psi-against {model_path}: the model was trained on columns that are not customer "
                           f"features ({', '.join(foreign)}); compare it with the table it scores instead")
    values = [model_row(s.features.as_dict()) for s in scores]
    return FeatureDrift(model_path, rows, len(scores), [feature_psi(r, [v[r.name] for v in values]) for r in refs])


class ScorePart:
    """The scores of one part of the book (``--cluster``: one Dask task): on ``as_of`` and, with
    ``psi_against``, on that date; each list in customer_id order, like ``score_customers``."""

    def __init__(self, cfg, model: "PdModel", as_of: date, psi_against: Optional[date]) -> None:
        self.cfg, self.model, self.as_of, self.psi_against = cfg, model, as_of, psi_against

    def __call__(self, dataset, part) -> tuple[list, Optional[list]]:
        from ..engine.customer_score import score_customers
        from .cluster import customers_of

        mine = customers_of(dataset, part)
        before = None if self.psi_against is None else score_customers(mine, self.cfg, self.model, self.psi_against)
        return score_customers(mine, self.cfg, self.model, self.as_of), before


def _scores(lc, cfg, pd_model, as_of: date, customer: Optional[str], psi_against: Optional[date],
            encoding: Optional[str], skip_invalid: bool, cluster, on_warning: Warn) -> tuple[list, Optional[list], list]:
    """(scores on ``as_of``, scores on ``psi_against`` or None, rejected records): on ``cluster``
    part by part when its input is clean (merged in customer_id order: the same lists), else here."""
    import heapq

    from ..engine.customer_score import score_customers
    from ..io.loader import load_dataset

    if cluster is not None and customer is None:
        from ..engine.partition import WHOLE
        from .cluster import run_parts

        parts = run_parts(cluster, lc, encoding, WHOLE, ScorePart(cfg, pd_model, as_of, psi_against), on_warning)
        if parts is not None:
            def merged(lists):
                return list(heapq.merge(*lists, key=lambda s: s.customer_id))
            return (merged(now for now, _b in parts),
                    None if psi_against is None else merged(b for _n, b in parts), [])
    result = load_dataset(lc.data_dir, cfg, encoding=encoding, skip_invalid=skip_invalid)
    rejected = [p for p in result.problems if p.severity == "error"]
    for p in result.problems:
        if p.severity != "error":
            on_warning(str(p))
    dataset = result.dataset
    if customer is not None:
        c = find_customer(dataset, customer, lc.data_dir)
        if c.opened_on > as_of:
            raise RefusedError(f"customer {customer!r} opened on {c.opened_on.isoformat()}, after --as-of "
                               f"{as_of.isoformat()}: nothing to score yet")
    scored = score_customers(dataset, cfg, pd_model, as_of, customer)
    before = None if psi_against is None else score_customers(dataset, cfg, pd_model, psi_against, None)
    return scored, before, rejected


def run(lc: "LoadedConfig", as_of: date, *, customer: Optional[str] = None, model: Optional[str] = None,
        psi_against: Optional[date] = None, encoding: Optional[str] = None, skip_invalid: bool = False,
        psi_model: Optional[str] = None, cluster=None, on_warning: Warn) -> CustomerScores:
    """Score the customers (or one) of the data directory on ``as_of``; with ``psi_against``, also
    the PSI of the grades on ``as_of`` against those on that earlier date; with ``psi_model``, the
    PSI of each feature against that model's training rows. With ``cluster`` (``--cluster``), the
    book is scored part by part as Dask tasks (``services.cluster``): the same scores."""
    from ..engine.psi import grade_psi

    cfg = lc.config
    model_path = resolve_model_path(model, cfg.scoring.model, lc.path)
    pd_model = load_customer_model(model_path)
    assert model_path is not None
    _check_scaling(pd_model, cfg.scoring.scaling, model_path, on_warning)
    scored, before, rejected = _scores(lc, cfg, pd_model, as_of, customer, psi_against, encoding, skip_invalid,
                                       cluster, on_warning)
    psi = None
    if psi_against is not None:
        assert before is not None
        psi = grade_psi([s.offer.grade for s in before], [s.offer.grade for s in scored], cfg.scoring.grades)
        if psi.value is None:
            empty = psi_against if psi.expected_customers == 0 else as_of
            on_warning(f"no customer to score on {empty.isoformat()}: no PSI")
    drift = feature_drift(Path(psi_model), scored) if psi_model is not None else None
    return CustomerScores(as_of, model_path, cfg.scoring.grades, scored, customer is not None, psi_against, psi,
                          rejected, drift)


def customer_score(lc: "LoadedConfig", customer: Any, dataset: Any, on: date) -> "CustomerScore":
    """The customer's score and offer on ``on`` (as ``run`` computes it), with the configured model."""
    from ..engine.customer_score import score_customer

    cfg = lc.config
    model = load_customer_model(resolve_model_path(None, cfg.scoring.model, lc.path))
    return score_customer(dataset, cfg, model, customer, on)


def score_table(lc: "LoadedConfig", model_path: Path, features: str, id_column: Optional[str],
                encoding: Optional[str], *, on_warning: Warn) -> TableScores:
    """The PD and score of every row of a feature table (CSV/JSON/JSONL) with a model."""
    from ..engine.customer_score import pd_str
    from ..engine.train.binning import NUMERIC
    from ..engine.train.modelfile import sigmoid
    from ..io.modelfile import read_model
    from ..io.table import load_table, numeric_values, require_columns

    scaling = lc.config.scoring.scaling
    model = read_model(model_path)
    _check_scaling(model, scaling, model_path, on_warning)
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
    ids = _row_ids(table, id_column, model.meta.get("id_column"), problems)
    if problems:
        problems.sort(key=lambda p: (p.line, p.field))
        raise DataError(problems)
    rows = [RowScore(rid, pd_str(sigmoid(z)), scaling.score_from_log_odds(Decimal(z)))
            for rid, z in zip(ids, model.log_odds_columns(columns, len(table)))]
    return TableScores(model_path, rows)


def _row_ids(table, id_column: str | None, model_id: str | None, problems: list[Problem]) -> list[str]:
    """``--id-column``, else a column ``id``, else the model's recorded id column, else the row number."""
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
