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
  distribution on ``--as-of`` against DATE, binned by grade.
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
missing id, an unknown customer) or ``--skip-invalid`` with rejected records; 2 bad or
missing options.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, Optional

import typer

from ..errors import DataError, Problem, RefusedError, SkippedRecords, UsageError
from ..render import Table, emit, warn
from .common import (
    customer_option,
    AsOfOpt,
    ConfigOpt,
    DataDirOpt,
    EncodingOpt,
    Format,
    FormatOpt,
    SkipInvalidOpt,
    as_of_date,
    date_option,
    setup,
)

if TYPE_CHECKING:
    from ..engine.account import Account
    from ..engine.features import CustomerFeatures
    from ..engine.scoring import Offer, Scoring
    from ..engine.train.modelfile import PdModel

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
        "--psi-against", metavar="YYYY-MM-DD", help="An earlier date YYYY-MM-DD: add the population stability index of the "
                              "scores on --as-of against the scores on that date (bins: the grades).",
        show_default=False)] = None,
    data_dir: DataDirOpt = None,
    config: ConfigOpt = None,
    fmt: FormatOpt = Format.table,
    encoding: EncodingOpt = None,
    skip_invalid: SkipInvalidOpt = False,
) -> None:
    """Credit score, PD, grade, limit, allowed terms, fee rate and reasons of the customers on --as-of.

    With --features F (and a model): the PD and score of every row of a table instead.
    """
    from ..io.config import build_scoring

    lc = setup(config, data_dir)
    scoring = build_scoring(lc.raw.get("scoring", {}), lc.config.installments.terms)
    model_path = resolve_model_path(model, scoring.model, lc.path)
    if features is not None:
        if customer is not None:
            raise UsageError("--customer and --features do not go together: --features scores a table")
        if psi_against is not None:
            raise UsageError("--psi-against compares the customers on two dates: not with --features")
        if model is None and not scoring.model:     # the shipped customer model is not a table model
            raise UsageError("--features needs a model: give --model M (or set scoring.model in the config)")
        assert model_path is not None
        _score_table(model_path, features, id_column, encoding, fmt.value, scoring)
        return
    if id_column is not None:
        raise UsageError("--id-column goes with --features")
    day = as_of_date(as_of, lc)
    earlier = date_option(psi_against, "--psi-against")
    if earlier is not None:
        if customer is not None:
            raise UsageError("--psi-against compares the score distributions of the whole book: not with --customer")
        if earlier >= day:
            raise UsageError(f"--psi-against: {earlier.isoformat()} must be before --as-of {day.isoformat()}")
    if customer is not None:
        customer_option(customer)
    pd_model, shown_path = load_customer_model(model_path)
    _warn_scaling(pd_model.meta.get("scaling"), scoring.scaling, shown_path)

    from ..io.loader import load_dataset

    result = load_dataset(lc.data_dir, lc.config, encoding=encoding, skip_invalid=skip_invalid)
    rejected = [p for p in result.problems if p.severity == "error"]
    for p in result.problems:
        if p.severity != "error":
            warn(str(p))
    dataset = result.dataset
    if customer is not None:
        c = find_customer(dataset, customer, lc.data_dir)
        if c.opened_on > day:
            raise RefusedError(f"customer {customer!r} opened on {c.opened_on.isoformat()}, after --as-of "
                               f"{day.isoformat()}: nothing to score yet")
    scored = score_customers(dataset, lc.config, scoring, pd_model, day, customer)
    psi = None
    if earlier is not None:
        before = score_customers(dataset, lc.config, scoring, pd_model, earlier, None)
        psi = psi_report(before, scored, scoring, earlier, day)
    _render_customers(fmt.value, scored, day, shown_path, scoring, psi, single=customer is not None)
    if rejected:
        raise SkippedRecords(rejected, "the scores cover the valid ones")


# --- the customer path: shared with `quote --customer` ------------------------------------------------



def load_customer_model(model_path: Path | None) -> tuple["PdModel", Path]:
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
    return model, model_path


def find_customer(dataset: Any, customer_id: str, data_dir: Any):
    for c in dataset.customers:
        if c.customer_id == customer_id:
            return c
    raise RefusedError(f"unknown customer {customer_id!r}: not in the customers file of {data_dir}")


@dataclass(frozen=True, slots=True)
class CustomerScore:
    """Everything `score` reports about one customer on a date."""

    customer_id: str
    name: str
    as_of: date
    features: "CustomerFeatures"
    pd: str                         # 6 places
    score: int
    offer: "Offer"
    reasons: tuple[str, ...]
    points_lost: dict               # feature -> points lost against its best bin (Decimal, 1 place)
    unpaid_principal: Decimal
    available_credit: Decimal
    dpd: int
    frozen: bool


def score_account(account: "Account", model: "PdModel", scoring: "Scoring", cfg: Any) -> CustomerScore:
    """Features -> PD -> score -> grade, limit, terms, price -> reasons, for one replayed account."""
    from ..engine.features import customer_features, model_row, reason_text, reference_limit
    from ..engine.scoring import offer_for, reasons, round_score
    from ..engine.train.modelfile import sigmoid

    c = account.customer
    feats = customer_features(account, reference_limit(c, scoring))
    values = feats.as_dict()
    row = model_row(values)
    z = model.log_odds(row)
    offset, factor = _scale(scoring.scaling)
    score = round_score(offset - factor * Decimal(z))      # = Scaling.score_from_log_odds, constants cached
    lost = {name: (factor * Decimal(x)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)
            for name, x in model.log_odds_lost(row).items()}
    best = best_bins(model)
    texts = {name: reason_text(name, values.get(name), best.get(name)) for name in lost}
    offer = offer_for(score, scoring, monthly_income=c.monthly_income, manual_limit=c.credit_limit)
    dpd = feats.current_dpd
    frozen = dpd > 0 and dpd >= cfg.overdue.freeze_from_day
    unpaid = feats.unpaid_principal
    available = Decimal("0.00") if frozen else max(Decimal("0.00"), offer.credit_limit - unpaid)
    return CustomerScore(c.customer_id, c.name, account.as_of, feats, pd_str(sigmoid(z)), score, offer,
                         reasons(lost, texts), lost, unpaid, available.quantize(Decimal("0.01")), dpd, frozen)


_SCALE_CACHE: dict = {}


def _scale(scaling: Any) -> tuple[Decimal, Decimal]:
    """(offset, factor) of a scaling, computed once (each is a Decimal logarithm)."""
    got = _SCALE_CACHE.get(scaling)
    if got is None:
        got = _SCALE_CACHE[scaling] = (scaling.offset, scaling.factor)
    return got


def best_bins(model: "PdModel") -> dict[str, str]:
    """Per model feature, its best-scoring bin (lowest coefficient x WOE, the first on a tie) in words."""
    from ..engine.features import bin_text

    cached = getattr(model, "_best_bin_text", None)
    if cached is not None:
        return cached
    out = {}
    for f in model.features:
        if f.bins:
            b = min(f.bins, key=lambda x: f.coefficient * x.woe)
            out[f.name] = bin_text(f.name, b.lower, b.upper, b.missing)
    model._best_bin_text = out        # PdModel has a __dict__: a per-model cache
    return out


def score_customer(dataset: Any, cfg: Any, scoring: "Scoring", model: "PdModel", customer: Any,
                   on: date) -> CustomerScore:
    """Replay one customer to ``on`` and score them."""
    from ..engine.ledger import STATEMENTS_NONE, group_by_customer, replay

    txns, reps, defs = group_by_customer(dataset, [customer.customer_id])[customer.customer_id]
    acct = replay(customer, txns, reps, defs, cfg, on, statements=STATEMENTS_NONE)
    return score_account(acct, model, scoring, cfg)


def score_customers(dataset: Any, cfg: Any, scoring: "Scoring", model: "PdModel", on: date,
                    customer_id: Optional[str]) -> list[CustomerScore]:
    """Every customer opened on or before ``on`` (or just ``customer_id``), in customer_id order."""
    from ..engine.ledger import STATEMENTS_NONE, replay_all

    ids = [c.customer_id for c in dataset.customers if c.opened_on <= on
           and (customer_id is None or c.customer_id == customer_id)]
    return [score_account(a, model, scoring, cfg)
            for a in replay_all(dataset, cfg, on, customers=ids, statements=STATEMENTS_NONE)]


# --- PSI ------------------------------------------------------------------------------------------

PSI_FLOOR = Decimal("0.0001")      # an empty bin counts as this share (else ln(0))
PSI_STABLE = Decimal("0.1")
PSI_SHIFTED = Decimal("0.25")


def psi_reading(value: Decimal) -> str:
    if value < PSI_STABLE:
        return "stable"
    if value <= PSI_SHIFTED:
        return "watch"
    return "shifted"


def psi_report(before: list[CustomerScore], after: list[CustomerScore], scoring: "Scoring",
               earlier: date, day: date) -> dict:
    """PSI = sum over bins of (actual - expected) x ln(actual / expected), expected = the shares on
    the earlier date, actual = the shares on --as-of; bins = the grades (score cut-offs)."""
    from decimal import localcontext

    grades = sorted(scoring.grades, key=lambda g: g.min_score, reverse=True)
    count_b = {g.grade: 0 for g in grades}
    count_a = {g.grade: 0 for g in grades}
    for s in before:
        count_b[s.offer.grade] += 1
    for s in after:
        count_a[s.offer.grade] += 1
    nb, na = len(before), len(after)
    bins = []
    total = Decimal(0)
    with localcontext() as ctx:
        ctx.prec = 28
        for k, g in enumerate(grades):
            e = Decimal(count_b[g.grade]) / nb if nb else Decimal(0)
            a = Decimal(count_a[g.grade]) / na if na else Decimal(0)
            e_, a_ = max(e, PSI_FLOOR), max(a, PSI_FLOOR)
            part = (a_ - e_) * (a_ / e_).ln()
            total += part
            upper = grades[k - 1].min_score - 1 if k > 0 else None
            bins.append({"bin": g.grade, "min_score": g.min_score if k < len(grades) - 1 else None,
                         "max_score": upper, "expected_count": count_b[g.grade],
                         "expected_share": _share(e), "actual_count": count_a[g.grade],
                         "actual_share": _share(a), "contribution": _share(part)})
    value = total.quantize(Decimal("0.0001"), rounding=ROUND_HALF_UP)
    if nb == 0 or na == 0:      # nothing to compare: no PSI rather than a huge meaningless one
        warn(f"no customer to score on {(earlier if nb == 0 else day).isoformat()}: no PSI")
        return {"against": earlier.isoformat(), "as_of": day.isoformat(), "bins_by": "grade",
                "expected_customers": nb, "actual_customers": na, "value": None, "reading": "no customers",
                "bins": bins}
    return {"against": earlier.isoformat(), "as_of": day.isoformat(), "bins_by": "grade",
            "expected_customers": nb, "actual_customers": na,
            "value": str(value), "reading": psi_reading(value), "bins": bins}


def _share(x: Decimal) -> str:
    return str(x.quantize(Decimal("0.0001"), rounding=ROUND_HALF_UP))


# --- rendering ------------------------------------------------------------------------------------

CSV_HEADERS = ("customer_id", "name", "score", "grade", "pd", "credit_limit", "manual_limit", "available_credit",
               "allowed_terms", "fee_rate", "dpd", "credit_line_frozen", "reason_1", "reason_2", "reason_3",
               "reason_4")


def rate_text(rate: Decimal) -> str:
    """A rate with at least 4 places, never rounded (0.004 -> "0.0040", 0.00625 -> "0.00625")."""
    r4 = rate.quantize(Decimal("0.0001"))
    return str(r4) if r4 == rate else format(rate.normalize(), "f")


def customer_json(s: CustomerScore) -> dict:
    """SPEC 5 keys first (customer_id, score, grade, pd, credit_limit, allowed_terms, reasons), then extras."""
    from ..engine.features import FEATURE_NAMES, feature_text

    from ..engine.money import money_str

    f = s.features.as_dict()
    return {
        "customer_id": s.customer_id,
        "score": s.score,
        "grade": s.offer.grade,
        "pd": s.pd,
        "credit_limit": money_str(s.offer.credit_limit),
        "allowed_terms": list(s.offer.allowed_terms),
        "reasons": list(s.reasons),
        "fee_rate": rate_text(s.offer.fee_rate),
        "manual_limit": s.offer.manual_limit,
        "unpaid_principal": money_str(s.unpaid_principal),
        "available_credit": money_str(s.available_credit),
        "dpd": s.dpd,
        "credit_line_frozen": s.frozen,
        "features": {k: feature_text(f[k]) for k in FEATURE_NAMES},
        "points_lost": {k: str(v) for k, v in sorted(s.points_lost.items())},
    }


def _terms_text(terms: tuple[int, ...]) -> str:
    return " ".join(str(t) for t in terms) if terms else "none"


def _render_customers(fmt: str, scored: list[CustomerScore], day: date, model_path: Path, scoring: "Scoring",
                      psi: Optional[dict], single: bool) -> None:
    from ..engine.money import money_str

    grades = sorted(scoring.grades, key=lambda g: g.min_score, reverse=True)
    counts = {g.grade: 0 for g in grades}
    for s in scored:
        counts[s.offer.grade] += 1
    summary = {"customers": len(scored), "grades": counts}
    if fmt == "json":
        obj: dict[str, Any] = {"as_of": day.isoformat(), "model": model_path.name,
                               "customers": [customer_json(s) for s in scored], "summary": summary}
        if psi is not None:
            obj["psi"] = psi
        emit(fmt, json_obj=obj)
        return
    rows = []
    for s in scored:
        r = list(s.reasons) + [""] * (4 - len(s.reasons))
        rows.append([s.customer_id, s.name, s.score, s.offer.grade, s.pd, money_str(s.offer.credit_limit),
                     "yes" if s.offer.manual_limit else "", money_str(s.available_credit),
                     _terms_text(s.offer.allowed_terms), rate_text(s.offer.fee_rate), s.dpd,
                     "yes" if s.frozen else "", *r])
    csv_table = Table(headers=CSV_HEADERS, rows=rows)
    if fmt == "csv":
        emit(fmt, json_obj=None, csv_table=csv_table)
        return
    tables = []
    if single and scored:
        tables += _detail_tables(scored[0], model_path)
    else:
        main = Table(
            headers=("customer", "name", "score", "grade", "PD", "limit", "available", "terms", "fee/period",
                     "main reason"),
            rows=[[s.customer_id, s.name, s.score, s.offer.grade, s.pd,
                   money_str(s.offer.credit_limit) + (" (manual)" if s.offer.manual_limit else ""),
                   money_str(s.available_credit) + (" frozen" if s.frozen else ""),
                   _terms_text(s.offer.allowed_terms), rate_text(s.offer.fee_rate),
                   s.reasons[0] if s.reasons else ""] for s in scored],
            title=f"{len(scored)} customers scored on {day.isoformat()} with {model_path.name}",
            align_right=frozenset({"score", "PD", "limit", "available", "fee/period"}))
        tables.append(main)
        n = len(scored) or 1
        tables.append(Table(
            headers=("grade", "scores", "customers", "share", "limit", "terms", "fee/period"),
            rows=[[g.grade, _score_range(grades, k), counts[g.grade],
                   f"{(Decimal(counts[g.grade]) * 100 / n).quantize(Decimal('0.1'))}%",
                   money_str(g.base_limit), _terms_text(g.terms), rate_text(g.fee_rate)]
                  for k, g in enumerate(grades)],
            title="Grades", align_right=frozenset({"customers", "share", "limit", "fee/period"})))
    if psi is not None:
        tables.append(Table(
            headers=("grade", "scores", f"on {psi['against']}", "share", f"on {psi['as_of']}", "share ",
                     "PSI part"),
            rows=[[b["bin"], _score_range(grades, k), b["expected_count"], b["expected_share"], b["actual_count"],
                   b["actual_share"], b["contribution"]] for k, b in enumerate(psi["bins"])],
            title=(f"Score stability: PSI {psi['value']} ({psi['reading']}; < 0.1 stable, 0.1-0.25 watch, "
                   "> 0.25 shifted)") if psi["value"] is not None else "Score stability: no PSI (no customers)",
            align_right=frozenset({f"on {psi['against']}", "share", f"on {psi['as_of']}", "share ", "PSI part"})))
    emit(fmt, json_obj=None, tables=tables)


def _score_range(grades: list, k: int) -> str:
    lo = grades[k].min_score
    if k == 0:
        return f">= {lo}"
    hi = grades[k - 1].min_score - 1
    if k == len(grades) - 1:
        return f"<= {hi}"
    return f"{lo}-{hi}"


def _detail_tables(s: CustomerScore, model_path: Path) -> list[Table]:
    from ..engine.features import FEATURE_NAMES, MEANINGS, feature_text
    from ..engine.money import money_str

    o = s.offer
    head = Table(
        headers=("", ""),
        rows=[["score", s.score], ["grade", o.grade], ["PD (90+ DPD in 12 months)", s.pd],
              ["credit limit", money_str(o.credit_limit) + (" (manual limit)" if o.manual_limit else "")],
              ["unpaid principal", money_str(s.unpaid_principal)],
              ["available credit", money_str(s.available_credit)
               + (f" (credit line frozen: {s.dpd} days past due)" if s.frozen else "")],
              ["allowed terms", _terms_text(o.allowed_terms)], ["fee rate per period", rate_text(o.fee_rate)]],
        title=f"{s.customer_id} {s.name} on {s.as_of.isoformat()} ({model_path.name})",
        lead=tuple(f"reason {k}: {r}" for k, r in enumerate(s.reasons, 1)) or ("no reason: no points lost",))
    f = s.features.as_dict()
    feats = Table(
        headers=("feature", "value", "points lost", "meaning"),
        rows=[[k, "missing" if f[k] is None else feature_text(f[k]),
               str(s.points_lost[k]) if k in s.points_lost else "not in model", MEANINGS[k]] for k in FEATURE_NAMES],
        title="Features", align_right=frozenset({"value", "points lost"}))
    return [head, feats]


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
