"""The trained PD model: applying it to a row, and its self-describing JSON file. Pure Python.

The model is a logistic regression on weight-of-evidence encoded features::

    ln(PD / (1 - PD)) = intercept + sum_j coefficient_j * WOE_j(x_j)

Model file (JSON, UTF-8, ``format = "baitiao-pd-model"``, ``format_version = 1``)::

    {
      "format": "baitiao-pd-model", "format_version": 1,
      "model": "...", "predicts": "...",
      "target": "<column>", "bad_value": "<the target value that means default>",
      "id_column": "<column>" | null,
      "trained_on": "YYYY-MM-DD", "source": "<file name of the training table>",
      "rows": {"total", "train", "test", "bads"},
      "settings": {"test_share", "seed", "l2", "max_bins", "min_bin_share", "min_iv",
                   "fine_classes", "chi_threshold", "woe_pseudo", "max_p"},
      "metrics": {"train": {"auc", "ks", "gini"}, "test": {"auc", "ks", "gini"}},
      "scaling": {"base_score", "base_odds", "pdo", "base_points"},
      "intercept": <number>,
      "unseen_woe": 0.0,
      "features": [{"name", "type": "numeric"|"categorical", "coefficient", "iv",
                    "bins": [{"label", "lower", "upper"          (numeric: lower <= x < upper, null = unbounded)
                              | "categories": [...]               (categorical)
                              | "missing": true,                  (the bin of missing values)
                              "rows", "bads", "woe", "points"}]}],
      "excluded": [{"name", "type", "iv", "reason"}]
    }

Only ``format*``, ``intercept``, ``unseen_woe`` and ``features`` (name, type, coefficient,
bins with their bounds or categories and ``woe``) are needed to score; the rest describes how
the model was made. ``points`` and ``base_points`` are the scorecard under the scaling of
training time (rounded for reading): the score itself is always computed from the exact
log-odds with the scaling configured when scoring.

Scoring rules: a numeric value goes to the bin with ``lower <= x < upper``; a categorical value
to the bin listing it; a missing value to the missing bin. A value the model never saw in
training (a new category, or a missing value when training had none) gets ``unseen_woe`` (0:
the average, neither points won nor lost).
"""

from __future__ import annotations

import json
import math
from bisect import bisect_right
from dataclasses import dataclass
from typing import Any, Mapping, Optional, Sequence

from .binning import CATEGORICAL, NUMERIC, Bin

FORMAT = "baitiao-pd-model"
FORMAT_VERSION = 1


class ModelFormatError(ValueError):
    """The model file is not a valid model; the message names the offending key."""


@dataclass(frozen=True, slots=True)
class Feature:
    name: str
    kind: str
    coefficient: float
    iv: float
    bins: tuple[Bin, ...]


class WoeLookup:
    """Fast value -> WOE for one feature."""

    __slots__ = ("cuts", "woes", "cats", "missing", "unseen")

    def __init__(self, f: Feature, unseen: float):
        valued = [b for b in f.bins if not b.missing]
        miss = [b for b in f.bins if b.missing]
        self.missing = miss[0].woe if miss else unseen
        self.unseen = unseen
        self.cuts = [b.upper for b in valued[:-1]] if f.kind == NUMERIC else []
        self.woes = [b.woe for b in valued]
        self.cats = {c: b.woe for b in valued for c in b.categories} if f.kind == CATEGORICAL else {}

    def woe(self, value: Any) -> float:
        if value is None:
            return self.missing
        if self.cats or not self.woes or not isinstance(value, (int, float)):
            return self.cats.get(value, self.unseen)
        return self.woes[bisect_right(self.cuts, value)]


def sigmoid(z: float) -> float:
    """``1 / (1 + e^-z)`` without overflow."""
    if z >= 0:
        return 1.0 / (1.0 + math.exp(-z))
    e = math.exp(z)
    return e / (1.0 + e)


class PdModel:
    """A trained model: ``features`` (used, with coefficients) plus descriptive metadata."""

    def __init__(self, intercept: float, features: Sequence[Feature], *, unseen_woe: float = 0.0,
                 meta: Optional[Mapping[str, Any]] = None, excluded: Sequence[Mapping[str, Any]] = ()):
        self.intercept = intercept
        self.features = tuple(features)
        self.unseen_woe = unseen_woe
        self.meta = dict(meta or {})
        self.excluded = [dict(e) for e in excluded]
        self._lookups = [(f.name, f.coefficient, WoeLookup(f, unseen_woe)) for f in self.features]
        # best (lowest) WOE contribution of each feature: the reference for reason codes
        self._best = {f.name: min(f.coefficient * b.woe for b in f.bins) if f.bins else 0.0
                      for f in self.features}

    @property
    def kinds(self) -> dict[str, str]:
        return {f.name: f.kind for f in self.features}

    def log_odds(self, row: Mapping[str, Any]) -> float:
        """``ln(PD/(1-PD))`` for a row of typed values (float/None numeric, str/None categorical)."""
        z = self.intercept
        for name, coef, lk in self._lookups:
            z += coef * lk.woe(row.get(name))
        return z

    def pd(self, row: Mapping[str, Any]) -> float:
        return sigmoid(self.log_odds(row))

    def log_odds_columns(self, columns: Mapping[str, Sequence[Any]], n: int) -> list[float]:
        """Log-odds of ``n`` rows given by column (faster than row by row)."""
        z = [self.intercept] * n
        for name, coef, lk in self._lookups:
            col = columns.get(name)
            if col is None:
                w = coef * lk.missing
                z = [a + w for a in z]
                continue
            woe = lk.woe
            z = [a + coef * woe(v) for a, v in zip(z, col)]
        return z

    def log_odds_lost(self, row: Mapping[str, Any]) -> dict[str, float]:
        """Per feature: the customer's contribution to the bad log-odds above that of the
        feature's best bin (>= 0). Times the scaling factor, these are the points lost."""
        return {name: coef * lk.woe(row.get(name)) - self._best[name] for name, coef, lk in self._lookups}

    # --- (de)serialisation ---------------------------------------------------------------

    def to_dict(self) -> dict[str, Any]:
        head = {"format": FORMAT, "format_version": FORMAT_VERSION}
        body = {k: v for k, v in self.meta.items() if k not in ("intercept", "features", "excluded",
                                                                 "unseen_woe", "format", "format_version")}
        scale = _scorecard_scale(self.meta.get("scaling"))
        pts = scale[0] if scale else None
        feats = []
        for f in self.features:
            bins = []
            for b in f.bins:
                d = bin_bounds(f.kind, b)
                d.update(rows=b.rows, bads=b.bads, woe=b.woe)
                if pts is not None:
                    d["points"] = round(-pts * f.coefficient * b.woe, 1)
                bins.append(d)
            feats.append({"name": f.name, "type": f.kind, "coefficient": f.coefficient,
                          "iv": f.iv, "bins": bins})
        if scale:
            factor, offset = scale
            body["scaling"] = {**body["scaling"], "base_points": round(offset - factor * self.intercept, 1)}
        return {**head, **body, "intercept": self.intercept, "unseen_woe": self.unseen_woe,
                "features": feats, "excluded": self.excluded}

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), ensure_ascii=False, indent=2, allow_nan=False) + "\n"

    @classmethod
    def from_json(cls, text: str) -> "PdModel":
        try:
            doc = json.loads(text)
        except json.JSONDecodeError as e:
            raise ModelFormatError(f"not valid JSON (line {e.lineno}: {e.msg})") from None
        return cls.from_dict(doc)

    @classmethod
    def from_dict(cls, doc: Any) -> "PdModel":
        if not isinstance(doc, dict) or doc.get("format") != FORMAT:
            raise ModelFormatError(f"format: not a {FORMAT} file")
        if doc.get("format_version") != FORMAT_VERSION:
            raise ModelFormatError(f"format_version: {doc.get('format_version')!r} is not supported "
                                   f"(this version reads {FORMAT_VERSION})")
        intercept = _number(doc.get("intercept"), "intercept", LOG_ODDS_BOUND)
        unseen = _number(doc.get("unseen_woe", 0.0), "unseen_woe", LOG_ODDS_BOUND)
        fl = doc.get("features")
        if not isinstance(fl, list):
            raise ModelFormatError("features: expected a list")
        features = []
        names: set[str] = set()
        for i, fd in enumerate(fl):
            where = f"features[{i}]"
            if not isinstance(fd, dict):
                raise ModelFormatError(f"{where}: expected an object")
            name = fd.get("name")
            if not isinstance(name, str) or not name:
                raise ModelFormatError(f"{where}.name: expected a column name")
            if name in names:
                raise ModelFormatError(f"{where}.name: feature {name!r} appears twice")
            names.add(name)
            kind = fd.get("type")
            if kind not in (NUMERIC, CATEGORICAL):
                raise ModelFormatError(f"{where}.type: expected numeric or categorical")
            coef = _number(fd.get("coefficient"), f"{where}.coefficient", LOG_ODDS_BOUND)
            iv = _number(fd.get("iv", 0.0), f"{where}.iv")
            features.append(Feature(name, kind, coef, iv, _bins(fd.get("bins"), kind, where)))
        meta = {k: v for k, v in doc.items() if k not in ("intercept", "unseen_woe", "features", "excluded")}
        excluded = doc.get("excluded", [])
        if not isinstance(excluded, list):
            raise ModelFormatError("excluded: expected a list")
        for i, e in enumerate(excluded):
            if not isinstance(e, dict):
                raise ModelFormatError(f"excluded[{i}]: expected an object")
        return cls(intercept, features, unseen_woe=unseen, meta=meta, excluded=excluded)


def _scorecard_scale(scaling: Any) -> Optional[tuple[float, float]]:
    """(factor, offset) of the recorded scaling, for the readable ``points``; None if absent."""
    try:
        pdo, base, odds = (float(str(scaling[k])) for k in ("pdo", "base_score", "base_odds"))  # float-ok
    except (TypeError, KeyError, ValueError):
        return None
    if pdo <= 0 or odds <= 0:
        return None
    factor = pdo / math.log(2)
    return factor, base - factor * math.log(odds)


# The log-odds terms (intercept, coefficients, WOE) of a real model are small numbers; a damaged
# file with 1e308 there would make the score itself overflow (Decimal cannot round it): refused.
LOG_ODDS_BOUND = 1e9


def _number(v: Any, where: str, bound: Optional[float] = None) -> float:
    if isinstance(v, bool) or not isinstance(v, (int, float)) or not math.isfinite(v):
        raise ModelFormatError(f"{where}: expected a finite number, got {v!r}")
    if bound is not None and abs(v) > bound:
        raise ModelFormatError(f"{where}: {v!r} is not a plausible log-odds term (at most {bound:g} in size)")
    return v


def _bins(bl: Any, kind: str, where: str) -> tuple[Bin, ...]:
    if not isinstance(bl, list) or not bl:
        raise ModelFormatError(f"{where}.bins: expected a non-empty list")
    out: list[Bin] = []
    seen_cats: set[str] = set()
    n_missing = 0
    for k, bd in enumerate(bl):
        w = f"{where}.bins[{k}]"
        if not isinstance(bd, dict):
            raise ModelFormatError(f"{w}: expected an object")
        woe = _number(bd.get("woe"), f"{w}.woe", LOG_ODDS_BOUND)
        rows, bads = bd.get("rows", 0), bd.get("bads", 0)
        if not all(isinstance(x, int) and not isinstance(x, bool) and x >= 0 for x in (rows, bads)):
            raise ModelFormatError(f"{w}: rows and bads must be whole numbers >= 0")
        if bd.get("missing") is True:
            n_missing += 1
            out.append(Bin(rows, bads, woe, missing=True))
        elif kind == NUMERIC:
            lo, hi = bd.get("lower"), bd.get("upper")
            for key, v in (("lower", lo), ("upper", hi)):
                if v is not None:
                    _number(v, f"{w}.{key}")
            out.append(Bin(rows, bads, woe, lower=lo, upper=hi))
        else:
            cats = bd.get("categories")
            if not isinstance(cats, list) or not cats or not all(isinstance(c, str) for c in cats):
                raise ModelFormatError(f"{w}.categories: expected a non-empty list of text values")
            dup = seen_cats.intersection(cats)
            if dup:
                raise ModelFormatError(f"{w}.categories: {sorted(dup)[0]!r} is in two bins")
            seen_cats.update(cats)
            out.append(Bin(rows, bads, woe, categories=tuple(cats)))
    if n_missing > 1:
        raise ModelFormatError(f"{where}.bins: more than one missing bin")
    valued = [b for b in out if not b.missing]
    if kind == NUMERIC and valued:
        if valued[0].lower is not None or valued[-1].upper is not None:
            raise ModelFormatError(f"{where}.bins: the first bin needs lower null and the last upper null")
        for a, b in zip(valued, valued[1:]):
            if a.upper is None or b.lower is None or a.upper != b.lower or (a.lower is not None and a.lower >= a.upper):
                raise ModelFormatError(f"{where}.bins: numeric bins must be ascending and adjacent "
                                       "(each upper equal to the next lower)")
    return tuple(out)


def bin_bounds(kind: str, b: Bin) -> dict[str, Any]:
    """A bin's ``label`` and where it lies: ``missing: true``, ``lower``/``upper`` or ``categories``."""
    d: dict[str, Any] = {"label": bin_label(kind, b)}
    if b.missing:
        d["missing"] = True
    elif kind == NUMERIC:
        d["lower"], d["upper"] = b.lower, b.upper
    else:
        d["categories"] = list(b.categories)
    return d


def _num_text(x: float) -> str:
    return str(int(x)) if x == int(x) and abs(x) < 1e15 else repr(x)


def bin_label(kind: str, b: Bin) -> str:
    """``[25, 33)``, ``< 25``, ``>= 33``, ``A11, A12`` or ``missing``."""
    if b.missing:
        return "missing"
    if kind == CATEGORICAL:
        return ", ".join(b.categories)
    if b.lower is None and b.upper is None:
        return "any"
    if b.lower is None:
        return f"< {_num_text(b.upper)}"
    if b.upper is None:
        return f">= {_num_text(b.lower)}"
    return f"[{_num_text(b.lower)}, {_num_text(b.upper)})"
