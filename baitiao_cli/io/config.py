"""Find, read and validate ``config.toml`` into an immutable :class:`Config`.

Discovery order (SPEC 3): ``--config PATH``, else ``$BAITIAO_CONFIG``, else ``./config.toml``,
else built-in defaults. Unknown keys are an error naming the key. Rates are read into
Decimal through their text (a TOML float ``0.005`` is re-read from its literal text, never
through binary floating point).
"""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any, Optional

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

from ..engine.config import (
    Action, Billing, Config, Conversion, DeferralCfg, Display, Ecl, Installments, LateFee, MinimumPayment, Overdue, Pricing,
    Review, Scenario,
)
from ..engine.money import ROUNDING_MODES
from ..engine.scoring import GradePolicy, Scaling, Scoring
from ..errors import ConfigError

ENV_VAR = "BAITIAO_CONFIG"

# The schema: section -> key -> kind. Every key here is allowed; anything else is an error.
SCHEMA: dict[str, dict[str, str]] = {
    "data": {"dir": "str"},
    "billing": {"statement_day": "int", "due_days": "int", "grace_days": "int",
                "rounding": "str", "timezone": "str"},
    "installments": {"terms": "int_list", "early_settlement_fees": "str"},
    "pricing": {"fee_rates": "rate_table", "apr_cap": "rate", "enforce_cap": "bool"},
    "late_fee": {"daily_rate": "rate", "cap_ratio": "rate"},
    "deferral": {"max_days": "int", "fee_rate": "rate"},
    "minimum_payment": {"enabled": "bool", "ratio": "rate", "carry_threshold": "rate", "daily_rate": "rate",
                        "batch_cost": "bool"},
    "conversion": {"fee_rates": "rate_table", "min_amount": "rate", "max_ratio": "rate"},
    "overdue": {"buckets": "bucket_table", "actions": "action_list", "freeze_from_day": "int",
                "write_off_min_dpd": "int"},
    "ecl": {"lgd": "rate", "pd_stage1": "rate", "pd_stage2": "rate"},
    "review": {"raise_after": "int", "raise_min_grade": "str", "min_utilisation": "rate", "raise_ratio": "rate"},
    "display": {"lang": "str"},
}

# Extra sections other modules register (e.g. scoring) with their own validators.
EXTRA_SECTIONS: dict[str, dict[str, str]] = {
    # [scoring]: points scaling, grade policy and the model file (engine/scoring.py, build_scoring);
    # built once into Config.scoring.
    # [scenarios.NAME]: one table per scenario (SPEC 4.14), keys checked by _check_scenario_keys.
    "scenarios": {},
    "scoring": {"base_score": "rate", "base_odds": "rate", "pdo": "rate", "income_multiple": "rate",
                "limit_step": "rate", "model": "str", "grades": "grade_list"},
}


@dataclass(frozen=True, slots=True)
class LoadedConfig:
    config: Config
    path: Optional[Path]          # None when built-in defaults are used
    data_dir: Path                # resolved data directory (an io.objstore.ObjectPath for s3://...)
    raw: dict                     # the parsed TOML as read (every section is built into ``config``)


def find_config(explicit: Optional[str]) -> Optional[Path]:
    if explicit:
        p = Path(explicit)
        if not p.is_file():
            raise ConfigError(f"config file not found: {explicit}")
        return p
    env = os.environ.get(ENV_VAR)
    if env:
        p = Path(env)
        if not p.is_file():
            raise ConfigError(f"config file named by ${ENV_VAR} not found: {env}")
        return p
    p = Path("config.toml")
    return p if p.is_file() else None




def _share(value: Any, key: str) -> Decimal:
    """A probability or loss share: a rate between 0 and 1."""
    r = _rate(value, key)
    if r > 1:
        raise ConfigError(f"{key}: must be between 0 and 1, got {value!r}")
    return r


def _rate(value: Any, key: str) -> Decimal:
    if isinstance(value, bool):
        raise ConfigError(f"{key}: expected a rate (string or number), got a boolean")
    if isinstance(value, (int, str)):
        text = str(value).strip()
    elif isinstance(value, float):
        # TOML floats are parsed by tomllib as binary floats; we reparse the literal with
        # parse_float=Decimal in parse_config_text, so a float should never reach here.
        raise ConfigError(f"{key}: internal: float rate not re-read from text")  # pragma: no cover
    elif isinstance(value, Decimal):
        text = str(value)
    else:
        raise ConfigError(f"{key}: expected a rate (string or number), got {type(value).__name__}")
    try:
        d = Decimal(text)
    except InvalidOperation:
        raise ConfigError(f"{key}: not a number: {value!r}") from None
    if not d.is_finite() or d < 0:
        raise ConfigError(f"{key}: must be a finite number >= 0, got {value!r}")
    return d


def _int(value: Any, key: str, lo: Optional[int] = None, hi: Optional[int] = None) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        shown = str(value) if isinstance(value, Decimal) else repr(value)
        raise ConfigError(f"{key}: expected a whole number, got {shown}")
    if lo is not None and value < lo or hi is not None and value > hi:
        if hi is None:
            raise ConfigError(f"{key}: must be at least {lo}, got {value}")
        if lo is None:
            raise ConfigError(f"{key}: must be at most {hi}, got {value}")
        raise ConfigError(f"{key}: must be between {lo} and {hi}, got {value}")
    return value


# Offline fallback of cli.common.today_in when the tz database is missing.
_FIXED_OFFSET_ZONES = ("Asia/Shanghai", "Asia/Chongqing", "Asia/Hong_Kong", "PRC")


def _timezone(value: Any, key: str) -> str:
    """A timezone name the tz database knows (checked only when the database is present)."""
    name = _str(value, key)
    import zoneinfo

    try:
        zoneinfo.ZoneInfo(name)
        return name
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        pass
    if name in _FIXED_OFFSET_ZONES:
        return name
    try:
        zoneinfo.ZoneInfo("UTC")
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):  # pragma: no cover - no tz database at all
        return name
    raise ConfigError(f"{key}: unknown timezone {name!r} (an IANA name such as \"Asia/Shanghai\")")


def _unknown(name: str, known) -> str:
    """" (did you mean 'x'?)" for a likely typo, else ""."""
    import difflib

    close = difflib.get_close_matches(name, list(known), n=1)
    return f" (did you mean {close[0]!r}?)" if close else ""


def _str(value: Any, key: str, choices: Optional[tuple[str, ...]] = None) -> str:
    if not isinstance(value, str):
        raise ConfigError(f"{key}: expected a string, got {value!r}")
    if choices and value not in choices:
        raise ConfigError(f"{key}: must be one of {', '.join(choices)}; got {value!r}")
    return value


def _check_keys(raw: dict) -> None:
    schema = {**SCHEMA, **EXTRA_SECTIONS}
    for section, body in raw.items():
        if section not in schema:
            what = f"section [{section}]" if isinstance(body, dict) else f"key {section} (outside any section)"
            raise ConfigError(f"unknown config {what}{_unknown(section, schema)}")
        if not isinstance(body, dict):
            raise ConfigError(f"[{section}] must be a table")
        if section == "scenarios":
            _check_scenario_keys(body)
            continue
        for key in body:
            if key not in schema[section]:
                raise ConfigError(f"unknown config key {section}.{key}{_unknown(key, schema[section])}")


def parse_config_text(text: str, source: str = "config.toml") -> dict:
    try:
        # parse_float=Decimal reads every TOML float through its literal text: no binary float.
        return tomllib.loads(text, parse_float=Decimal)
    except tomllib.TOMLDecodeError as e:
        raise ConfigError(f"{source}: not valid TOML: {e}") from None


def build_config(raw: dict) -> Config:
    """Validate a parsed TOML mapping and build the immutable Config. Raises ConfigError.

    Sections are checked in file order of the schema (billing, installments, pricing, late_fee,
    deferral, overdue, ecl, scoring, data): the first problem found is the one reported.
    """
    _check_keys(raw)
    d = Config()
    billing = _billing(raw.get("billing", {}), d.billing)
    installments = _installments(raw.get("installments", {}), d.installments)
    pricing = _pricing(raw.get("pricing", {}), d.pricing, installments.terms)
    late_fee = _late_fee(raw.get("late_fee", {}), d.late_fee)
    deferral = _deferral(raw.get("deferral", {}), d.deferral)
    minimum_payment = _minimum_payment(raw.get("minimum_payment", {}), d.minimum_payment)
    conversion = _conversion(raw.get("conversion", {}), d.conversion)
    overdue = _overdue(raw.get("overdue", {}), d.overdue)
    ecl = _ecl(raw.get("ecl", {}), d.ecl)
    scoring = build_scoring(raw.get("scoring", {}), installments.terms)
    review = _review(raw.get("review", {}), d.review, scoring)
    scenarios = _scenarios(raw.get("scenarios", {}), installments.terms)
    return Config(scenarios=scenarios, data_dir=_str(raw.get("data", {}).get("dir", d.data_dir), "data.dir"),
                  billing=billing,
                  installments=installments, pricing=pricing, late_fee=late_fee,
                  deferral=deferral, minimum_payment=minimum_payment, conversion=conversion, overdue=overdue,
                  ecl=ecl, scoring=scoring, review=review, display=_display(raw.get("display", {})))


def _display(dp: dict) -> Display:
    lang = dp.get("lang")
    return Display(lang=None if lang is None else _str(lang, "display.lang", ("zh", "en")))


def _review(r: dict, d: Review, scoring) -> Review:
    grades = tuple(g.grade for g in scoring.grades)
    return Review(raise_after=_int(r.get("raise_after", d.raise_after), "review.raise_after", 1),
                  raise_min_grade=_str(r.get("raise_min_grade", d.raise_min_grade), "review.raise_min_grade",
                                       grades),
                  min_utilisation=_share(r.get("min_utilisation", d.min_utilisation), "review.min_utilisation"),
                  raise_ratio=_rate(r.get("raise_ratio", d.raise_ratio), "review.raise_ratio"))


def _billing(b: dict, d: Billing) -> Billing:
    return Billing(
        statement_day=_int(b.get("statement_day", d.statement_day), "billing.statement_day", 1, 28),
        due_days=_int(b.get("due_days", d.due_days), "billing.due_days", 0, 60),
        grace_days=_int(b.get("grace_days", d.grace_days), "billing.grace_days", 0, 60),
        rounding=_str(b.get("rounding", d.rounding), "billing.rounding", tuple(ROUNDING_MODES)),
        timezone=_timezone(b.get("timezone", d.timezone), "billing.timezone"),
    )


def _installments(i: dict, d: Installments) -> Installments:
    terms_raw = i.get("terms", list(d.terms))
    if not isinstance(terms_raw, list) or not terms_raw:
        raise ConfigError("installments.terms: expected a non-empty list of whole numbers")
    terms = tuple(_int(t, "installments.terms", 1, 120) for t in terms_raw)
    if len(set(terms)) != len(terms):
        raise ConfigError("installments.terms: duplicate term")
    return Installments(
        terms=terms,
        early_settlement_fees=_str(i.get("early_settlement_fees", d.early_settlement_fees),
                                   "installments.early_settlement_fees",
                                   ("all_remaining", "current_period", "none")),
    )


def _fee_rates(fr: Any, terms: tuple[int, ...], key: str = "pricing.fee_rates") -> tuple[tuple[int, Decimal], ...]:
    """``pricing.fee_rates`` (or ``key``): a rate for installment terms of ``terms`` only."""
    if not isinstance(fr, dict):
        raise ConfigError(f"{key}: expected a table like {{ \"3\" = \"0.005\" }}")
    rates: list[tuple[int, Decimal]] = []
    for k, v in fr.items():
        # a plain number of periods: int() alone would also take " 3", "+3" and "1_2"
        if not (isinstance(k, str) and k.isascii() and k.isdigit()):
            raise ConfigError(f"{key}: key {k!r} is not a term (a number of installments)")
        t = int(k)
        if t not in terms:
            offered = "installments.terms" if key == "pricing.fee_rates" else "the terms " + ", ".join(map(str, terms))
            raise ConfigError(f"{key}.{k}: term {t} is not in {offered}")
        if t == 1:
            raise ConfigError(f"{key}.1: pay-in-full (1 installment) is interest-free "
                              "and takes no fee rate")
        if any(t == seen for seen, _ in rates):
            raise ConfigError(f"{key}: term {t} is given twice")
        rates.append((t, _rate(v, f"{key}.{k}")))
    return tuple(sorted(rates))


def _pricing(p: dict, d: Pricing, terms: tuple[int, ...]) -> Pricing:
    if "fee_rates" in p:
        fee_rates = _fee_rates(p["fee_rates"], terms)
    else:
        fee_rates = tuple((t, r) for t, r in d.fee_rates if t in terms)
    # Every installment term needs its rate: a missing one must not quietly quote a zero fee.
    missing = [t for t in terms if t > 1 and all(t != rt for rt, _ in fee_rates)]
    if missing:
        raise ConfigError("pricing.fee_rates: no fee rate for term"
                          + ("s " if len(missing) > 1 else " ") + ", ".join(map(str, missing))
                          + " of installments.terms")
    enforce = _bool(p.get("enforce_cap", d.enforce_cap), "pricing.enforce_cap")
    return Pricing(fee_rates=fee_rates, apr_cap=_rate(p.get("apr_cap", d.apr_cap), "pricing.apr_cap"),
                   enforce_cap=enforce)


_SCENARIO_KEYS = ("terms", "fee_rates")


def _check_scenario_keys(body: dict) -> None:
    """``[scenarios.NAME]``: each NAME a table of ``terms`` and ``fee_rates`` only."""
    for name, table in body.items():
        if not isinstance(table, dict):
            raise ConfigError(f"scenarios.{name}: expected a table [scenarios.{name}] with terms and fee_rates")
        for key in table:
            if key not in _SCENARIO_KEYS:
                raise ConfigError(f"unknown config key scenarios.{name}.{key}{_unknown(key, _SCENARIO_KEYS)}")


def _scenarios(body: dict, offered: tuple[int, ...]) -> tuple[Scenario, ...]:
    """``[scenarios.NAME]`` (SPEC 4.14): allowed terms (among ``installments.terms``) and a fee
    rate for each allowed installment term, nothing else; NAME is a purchase ``category`` as written."""
    out = []
    for name, table in body.items():
        where = f"scenarios.{name}"
        if not name or name != name.strip():
            raise ConfigError(f"{where}: a scenario name is a purchase category: not empty, "
                              "no leading or trailing spaces")
        for key in _SCENARIO_KEYS:
            if key not in table:
                raise ConfigError(f"{where}: missing key {key}")
        raw_terms = table["terms"]
        if not isinstance(raw_terms, list) or not raw_terms:
            raise ConfigError(f"{where}.terms: expected a non-empty list of terms such as [6, 12, 24]")
        terms = tuple(_int(t, f"{where}.terms", 1) for t in raw_terms)
        bad = [t for t in terms if t not in offered]
        if bad:
            raise ConfigError(f"{where}.terms: term {bad[0]} is not in installments.terms "
                              f"({', '.join(map(str, offered))})")
        if len(set(terms)) != len(terms):
            raise ConfigError(f"{where}.terms: duplicate term")
        rates = _fee_rates(table["fee_rates"], terms, f"{where}.fee_rates")
        unpriced = [t for t in terms if t > 1 and all(t != rt for rt, _ in rates)]
        if unpriced:
            raise ConfigError(f"{where}.fee_rates: no fee rate for term {unpriced[0]} of {where}.terms")
        out.append(Scenario(name=name, terms=tuple(sorted(terms)), fee_rates=rates))
    return tuple(out)


def _late_fee(lf: dict, d: LateFee) -> LateFee:
    return LateFee(
        daily_rate=_rate(lf.get("daily_rate", d.daily_rate), "late_fee.daily_rate"),
        cap_ratio=_rate(lf["cap_ratio"], "late_fee.cap_ratio") if "cap_ratio" in lf else None,
    )


def _deferral(df: dict, d: DeferralCfg) -> DeferralCfg:
    return DeferralCfg(
        max_days=_int(df.get("max_days", d.max_days), "deferral.max_days", 1, 365),
        fee_rate=_rate(df.get("fee_rate", d.fee_rate), "deferral.fee_rate"),
    )


def _bool(value: Any, key: str) -> bool:
    if not isinstance(value, bool):
        raise ConfigError(f"{key}: expected true or false, got {value!r}")
    return value


def _minimum_payment(mp: dict, d: MinimumPayment) -> MinimumPayment:
    ratio = _rate(mp.get("ratio", d.ratio), "minimum_payment.ratio")
    if not 0 < ratio <= 1:
        raise ConfigError(f"minimum_payment.ratio: must be above 0 and at most 1, got {mp.get('ratio')!r}")
    return MinimumPayment(
        enabled=_bool(mp.get("enabled", d.enabled), "minimum_payment.enabled"),
        ratio=ratio,
        carry_threshold=_rate(mp.get("carry_threshold", d.carry_threshold), "minimum_payment.carry_threshold"),
        daily_rate=_rate(mp.get("daily_rate", d.daily_rate), "minimum_payment.daily_rate"),
        batch_cost=_bool(mp.get("batch_cost", d.batch_cost), "minimum_payment.batch_cost"),
    )


def _conversion(cv: dict, d: Conversion) -> Conversion:
    fee_rates = _fee_rates(cv["fee_rates"], (3, 6, 12, 24), "conversion.fee_rates") if "fee_rates" in cv \
        else d.fee_rates
    max_ratio = _rate(cv.get("max_ratio", d.max_ratio), "conversion.max_ratio")
    if not 0 < max_ratio <= 1:
        raise ConfigError(f"conversion.max_ratio: must be above 0 and at most 1, got {cv.get('max_ratio')!r}")
    return Conversion(fee_rates=fee_rates, min_amount=_rate(cv.get("min_amount", d.min_amount),
                                                            "conversion.min_amount"), max_ratio=max_ratio)


def _buckets(bt: Any) -> tuple[tuple[str, int], ...]:
    if not isinstance(bt, dict) or not bt:
        raise ConfigError('overdue.buckets: expected a table like { current = 0, M1 = 1, ... }')
    pairs = sorted(((_int(v, f"overdue.buckets.{k}", 0), str(k)) for k, v in bt.items()))
    lows = [lo for lo, _ in pairs]
    if len(set(lows)) != len(lows):
        raise ConfigError("overdue.buckets: two buckets start at the same day past due")
    if pairs[0][0] != 0:
        raise ConfigError("overdue.buckets: one bucket must start at 0 (current)")
    return tuple((name, lo) for lo, name in pairs)


def _actions(al: Any) -> tuple[Action, ...]:
    if not isinstance(al, list) or not all(isinstance(a, dict) for a in al):
        raise ConfigError("overdue.actions: expected an array of tables {from_day = N, action = \"...\"}")
    acts = []
    for n, a in enumerate(al, 1):
        extra = set(a) - {"from_day", "action"}
        if extra:
            raise ConfigError(f"unknown config key overdue.actions[{n}].{sorted(extra)[0]}")
        acts.append(Action(_int(a.get("from_day"), f"overdue.actions[{n}].from_day", 1),
                           _str(a.get("action"), f"overdue.actions[{n}].action")))
    return tuple(sorted(acts, key=lambda x: x.from_day))


def _overdue(od: dict, d: Overdue) -> Overdue:
    buckets = _buckets(od["buckets"]) if "buckets" in od else d.buckets
    actions = _actions(od["actions"]) if "actions" in od else d.actions
    return Overdue(buckets=buckets, actions=actions,
                   freeze_from_day=_int(od.get("freeze_from_day", d.freeze_from_day),
                                        "overdue.freeze_from_day", 1),
                   write_off_min_dpd=_int(od.get("write_off_min_dpd", d.write_off_min_dpd),
                                          "overdue.write_off_min_dpd", 1))


def _ecl(e: dict, d: Ecl) -> Ecl:
    return Ecl(lgd=_share(e.get("lgd", d.lgd), "ecl.lgd"),
               pd_stage1=_share(e.get("pd_stage1", d.pd_stage1), "ecl.pd_stage1"),
               pd_stage2=_share(e.get("pd_stage2", d.pd_stage2), "ecl.pd_stage2"))


def build_scoring(section: dict, terms: tuple[int, ...] = (1, 3, 6, 12, 24)) -> Scoring:
    """Validate the ``[scoring]`` section into :class:`baitiao_cli.engine.scoring.Scoring`.

    ``terms`` are the configured ``installments.terms``: a grade may only allow those.
    """
    d = Scoring()

    def positive(key: str, default: Decimal) -> Decimal:
        v = _rate(section.get(key, default), f"scoring.{key}")
        if v <= 0:
            raise ConfigError(f"scoring.{key}: must be greater than zero, got {v}")
        return v

    scaling = Scaling(base_score=_rate(section.get("base_score", d.scaling.base_score), "scoring.base_score"),
                      base_odds=positive("base_odds", d.scaling.base_odds),
                      pdo=positive("pdo", d.scaling.pdo))
    grades = _grades(section["grades"], terms) if "grades" in section else d.grades
    return Scoring(scaling=scaling,
                   income_multiple=_rate(section.get("income_multiple", d.income_multiple),
                                         "scoring.income_multiple"),
                   limit_step=positive("limit_step", d.limit_step),
                   model=_str(section.get("model", d.model), "scoring.model"),
                   grades=grades)


_GRADE_KEYS = ("grade", "min_score", "base_limit", "terms", "fee_rate")


def _grades(gl: Any, terms: tuple[int, ...]) -> tuple[GradePolicy, ...]:
    """``scoring.grades``: unique names and cut-offs, highest ``min_score`` first."""
    if not isinstance(gl, list) or not gl or not all(isinstance(g, dict) for g in gl):
        raise ConfigError("scoring.grades: expected a non-empty array of tables "
                          "{grade, min_score, base_limit, terms, fee_rate}")
    built = [_grade(g, f"scoring.grades[{n}]", terms) for n, g in enumerate(gl, 1)]
    names = [g.grade for g in built]
    if len(set(names)) != len(names) or any(not nm.strip() for nm in names):
        raise ConfigError("scoring.grades: grade names must be unique and non-empty")
    if len({g.min_score for g in built}) != len(built):
        raise ConfigError("scoring.grades: two grades have the same min_score")
    return tuple(sorted(built, key=lambda g: g.min_score, reverse=True))


def _grade(g: dict, where: str, terms: tuple[int, ...]) -> GradePolicy:
    extra = sorted(set(g) - set(_GRADE_KEYS))
    if extra:
        raise ConfigError(f"unknown config key {where}.{extra[0]}{_unknown(extra[0], _GRADE_KEYS)}")
    absent = [k for k in _GRADE_KEYS if k not in g]
    if absent:
        raise ConfigError(f"{where}: missing key {absent[0]}")
    gterms = g["terms"]
    if not isinstance(gterms, list):
        raise ConfigError(f"{where}.terms: expected a list of terms such as [1, 3, 6]")
    gt = tuple(_int(t, f"{where}.terms", 1) for t in gterms)
    bad = [t for t in gt if t not in terms]
    if bad:
        raise ConfigError(f"{where}.terms: term {bad[0]} is not in installments.terms")
    return GradePolicy(grade=_str(g["grade"], f"{where}.grade"), min_score=_int(g["min_score"], f"{where}.min_score"),
                       base_limit=_rate(g["base_limit"], f"{where}.base_limit"), terms=tuple(sorted(set(gt))),
                       fee_rate=_rate(g["fee_rate"], f"{where}.fee_rate"))


def load_config(explicit: Optional[str] = None, data_dir: Optional[str] = None) -> LoadedConfig:
    """Discover, read and validate the config; resolve the data directory.

    A relative ``data.dir`` is taken relative to the config file's folder (so a cron job
    started elsewhere with ``--config /srv/baitiao/config.toml`` finds its data); with
    built-in defaults it is relative to the current directory. ``--data-dir`` wins.
    ``s3://bucket/prefix`` is an object-store folder (``io.objstore``; another scheme: UsageError).
    """
    path = find_config(explicit)
    raw: dict = {}
    if path is not None:
        try:
            text = path.read_text(encoding="utf-8-sig")
        except (OSError, UnicodeDecodeError) as e:
            raise ConfigError(f"{path}: cannot read config: {e}") from None
        raw = parse_config_text(text, str(path))
        try:
            cfg = build_config(raw)
        except ConfigError as e:
            raise ConfigError(f"{path}: {e}") from None
    else:
        cfg = Config()
    from .objstore import data_folder      # (no pyarrow: that comes when an object is read)

    if data_dir:
        ddir = data_folder(data_dir)
    else:
        ddir = data_folder(cfg.data_dir, "data.dir")
        if isinstance(ddir, Path) and not ddir.is_absolute() and path is not None:
            ddir = path.parent / ddir
    return LoadedConfig(config=cfg, path=path, data_dir=ddir, raw=raw)
