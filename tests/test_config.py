"""Configuration (SPEC 3): discovery order, strict keys, exact rates, validated values."""

from __future__ import annotations

import re

from decimal import Decimal as D
from pathlib import Path

import pytest
from typer.testing import CliRunner

from baitiao_cli.cli.app import app
from baitiao_cli.engine.config import Config
from baitiao_cli.errors import ConfigError
from baitiao_cli.io.config import ENV_VAR, build_config, find_config, load_config, parse_config_text

REPO = Path(__file__).resolve().parent.parent


@pytest.fixture(autouse=True)
def isolated(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv(ENV_VAR, raising=False)
    return tmp_path


def cfg_of(text: str) -> Config:
    return build_config(parse_config_text(text))


def error_of(text: str) -> str:
    with pytest.raises(ConfigError) as ei:
        cfg_of(text)
    return str(ei.value)


# --- the shipped file --------------------------------------------------------------------------

def test_repo_config_equals_the_built_in_defaults():
    raw = parse_config_text((REPO / "config.toml").read_text(encoding="utf-8"))
    cfg = build_config(raw)
    assert cfg == Config()
    # and exactly, digit for digit (Decimal("0.0050") == Decimal("0.005") would hide a change)
    assert [(t, str(r)) for t, r in cfg.pricing.fee_rates] == [(t, str(r)) for t, r in Config().pricing.fee_rates]
    assert str(cfg.pricing.apr_cap) == str(Config().pricing.apr_cap)
    assert str(cfg.late_fee.daily_rate) == str(Config().late_fee.daily_rate)
    assert str(cfg.deferral.fee_rate) == str(Config().deferral.fee_rate)


def test_repo_config_has_every_spec_key():
    raw = parse_config_text((REPO / "config.toml").read_text(encoding="utf-8"))
    spec = {"data": {"dir"},
            "billing": {"statement_day", "due_days", "grace_days", "rounding", "timezone"},
            "installments": {"terms", "early_settlement_fees"},
            "pricing": {"fee_rates", "apr_cap", "enforce_cap"},
            "late_fee": {"daily_rate"},
            "deferral": {"max_days", "fee_rate"}}
    for section, keys in spec.items():
        assert keys <= set(raw[section]), section


def test_empty_file_gives_the_defaults():
    assert cfg_of("") == Config()


# --- discovery order ---------------------------------------------------------------------------

def _write(path: Path, day: int) -> Path:
    path.write_text(f"[billing]\nstatement_day = {day}\n", encoding="utf-8")
    return path


def test_discovery_order(isolated, monkeypatch):
    # 4. nothing anywhere: built-in defaults
    assert find_config(None) is None
    assert load_config().config.billing.statement_day == 3
    assert load_config().path is None
    # 3. ./config.toml
    _write(isolated / "config.toml", 10)
    assert load_config().config.billing.statement_day == 10
    # 2. $BAITIAO_CONFIG beats ./config.toml
    env = _write(isolated / "env.toml", 20)
    monkeypatch.setenv(ENV_VAR, str(env))
    assert load_config().config.billing.statement_day == 20
    # 1. --config beats both
    explicit = _write(isolated / "explicit.toml", 25)
    lc = load_config(str(explicit))
    assert lc.config.billing.statement_day == 25 and lc.path == explicit


def test_discovery_through_a_command(isolated, monkeypatch):
    import json

    def day(*extra):
        r = CliRunner().invoke(app, ["quote", "--amount", "100", "--terms", "3", "--date", "2026-01-10",
                                     "--format", "json", *extra])
        assert r.exit_code == 0, r.stderr
        return json.loads(r.stdout)["statement_day"]

    assert day() == 3
    _write(isolated / "config.toml", 10)
    assert day() == 10
    monkeypatch.setenv(ENV_VAR, str(_write(isolated / "env.toml", 20)))
    assert day() == 20
    assert day("--config", str(_write(isolated / "x.toml", 25))) == 25


def test_missing_explicit_or_env_file_is_an_error(isolated, monkeypatch):
    with pytest.raises(ConfigError, match="config file not found"):
        find_config(str(isolated / "nope.toml"))
    monkeypatch.setenv(ENV_VAR, str(isolated / "gone.toml"))
    with pytest.raises(ConfigError, match=r"\$BAITIAO_CONFIG"):
        find_config(None)


def test_data_dir_is_relative_to_the_config_file(isolated):
    sub = isolated / "etc"
    sub.mkdir()
    (sub / "c.toml").write_text('[data]\ndir = "book"\n', encoding="utf-8")
    assert load_config(str(sub / "c.toml")).data_dir == sub / "book"
    # --data-dir wins
    assert load_config(str(sub / "c.toml"), "elsewhere").data_dir == Path("elsewhere")
    # built-in defaults: relative to the current directory
    assert load_config().data_dir == Path("sample_data")


def test_bom_is_accepted(isolated):
    (isolated / "c.toml").write_text("\ufeff[billing]\nstatement_day = 7\n", encoding="utf-8")
    assert load_config(str(isolated / "c.toml")).config.billing.statement_day == 7


# --- unknown keys --------------------------------------------------------------------------------

@pytest.mark.parametrize("text,named", [
    ("[billing]\nstatment_day = 5\n", "billing.statment_day"),
    ("[pricing]\napr_cap = \"0.24\"\nenforce = true\n", "pricing.enforce"),
    ("[bililng]\nstatement_day = 5\n", "[bililng]"),
    ("[late_fee]\ndaily_rate = \"0.0005\"\ncap = \"0.3\"\n", "late_fee.cap"),
    ("[overdue]\nactions = [{ from_day = 1, action = \"sms\", note = \"x\" }]\n", "overdue.actions[1].note"),
    ("top_level_key = 1\n", "unknown config key top_level_key"),
])
def test_unknown_key_or_section_is_an_error_naming_it(text, named):
    assert named in error_of(text)


def test_unknown_key_suggests_the_close_one():
    assert "did you mean 'statement_day'" in error_of("[billing]\nstatment_day = 5\n")
    assert "did you mean 'billing'" in error_of("[bililng]\nstatement_day = 5\n")


def test_unknown_key_exits_1_through_a_command(isolated):
    (isolated / "config.toml").write_text("[pricing]\napr_cpa = \"0.24\"\n", encoding="utf-8")
    r = CliRunner().invoke(app, ["quote", "--amount", "100", "--terms", "3", "--date", "2026-01-10"])
    assert r.exit_code == 1
    assert r.stdout == ""
    assert "pricing.apr_cpa" in r.stderr and "config.toml" in r.stderr
    assert "Traceback" not in r.stderr


def test_invalid_toml_names_the_file(isolated):
    (isolated / "config.toml").write_text("[billing\nstatement_day = 5\n", encoding="utf-8")
    r = CliRunner().invoke(app, ["quote", "--amount", "100", "--terms", "3"])
    assert r.exit_code == 1 and "config.toml: not valid TOML" in r.stderr


# --- rates are read exactly ------------------------------------------------------------------------

def test_rates_as_strings_and_as_toml_numbers_are_exact():
    a = cfg_of('[pricing]\nfee_rates = { "3" = "0.005", "6" = 0.005, "12" = 0.1, "24" = 1 }\n'
               'apr_cap = 0.24\n[late_fee]\ndaily_rate = 0.0005\n[deferral]\nfee_rate = "0.01"\n')
    rates = dict(a.pricing.fee_rates)
    # a TOML number 0.005 becomes Decimal('0.005') through its text, same as the string "0.005"
    assert rates[3] == rates[6] == D("0.005") and str(rates[6]) == "0.005"
    # 0.1 is not representable in binary: Decimal(0.1) would be 0.1000000000000000055511151231257827...
    assert str(rates[12]) == "0.1"
    assert rates[24] == D(1)                     # a TOML integer rate
    assert str(a.pricing.apr_cap) == "0.24"
    assert str(a.late_fee.daily_rate) == "0.0005"
    assert str(a.deferral.fee_rate) == "0.01"
    assert all(isinstance(r, D) for _, r in a.pricing.fee_rates)


def test_optional_cap_ratio():
    assert cfg_of("").late_fee.cap_ratio is None
    assert str(cfg_of('[late_fee]\ncap_ratio = "0.30"\n').late_fee.cap_ratio) == "0.30"


# --- bad values ------------------------------------------------------------------------------------

@pytest.mark.parametrize("text,needle", [
    ("[billing]\nstatement_day = 29\n", "billing.statement_day: must be between 1 and 28, got 29"),
    ("[billing]\nstatement_day = 0\n", "billing.statement_day: must be between 1 and 28, got 0"),
    ("[billing]\nstatement_day = \"3\"\n", "billing.statement_day: expected a whole number"),
    ("[billing]\nstatement_day = 3.0\n", "billing.statement_day: expected a whole number, got 3.0"),
    ("[billing]\nstatement_day = true\n", "billing.statement_day: expected a whole number"),
    ("[billing]\ndue_days = -1\n", "billing.due_days"),
    ("[billing]\nrounding = \"UP\"\n", "billing.rounding: must be one of ROUND_HALF_UP, ROUND_HALF_EVEN"),
    ("[billing]\nrounding = \"round_half_up\"\n", "billing.rounding"),
    ("[installments]\nterms = []\n", "installments.terms"),
    ("[installments]\nterms = [1, 3, 3]\n", "installments.terms: duplicate term"),
    ("[installments]\nterms = \"3,6\"\n", "installments.terms"),
    ("[installments]\nearly_settlement_fees = \"some\"\n", "installments.early_settlement_fees"),
    ('[pricing]\nfee_rates = { "x" = "0.005" }\n', "pricing.fee_rates: key 'x' is not a term"),
    ('[pricing]\nfee_rates = { "1_2" = "0.005" }\n', "pricing.fee_rates: key '1_2' is not a term"),
    ('[pricing]\nfee_rates = { " 3" = "0.005" }\n', "is not a term"),
    ('[pricing]\nfee_rates = { "5" = "0.005" }\n', "pricing.fee_rates.5: term 5 is not in installments.terms"),
    ('[pricing]\nfee_rates = { "1" = "0.005", "3" = "0.005", "6" = "0.005", "12" = "0.005", "24" = "0.005" }\n',
     "pricing.fee_rates.1: pay-in-full"),
    ('[pricing]\nfee_rates = { "3" = "0.005", "03" = "0.006" }\n', "term 3 is given twice"),
    ('[pricing]\nfee_rates = { "3" = "0.005" }\n', "no fee rate for terms 6, 12, 24"),
    ('[pricing]\nfee_rates = { "3" = "abc", "6" = "0.005", "12" = "0.005", "24" = "0.005" }\n',
     "pricing.fee_rates.3: not a number"),
    ('[pricing]\nfee_rates = { "3" = "-0.005", "6" = "0.005", "12" = "0.005", "24" = "0.005" }\n',
     "pricing.fee_rates.3: must be a finite number >= 0"),
    ('[pricing]\nfee_rates = "0.005"\n', "pricing.fee_rates: expected a table"),
    ('[pricing]\napr_cap = "NaN"\n', "pricing.apr_cap: must be a finite number"),
    ('[pricing]\napr_cap = nan\n', "pricing.apr_cap: must be a finite number"),
    ('[pricing]\napr_cap = true\n', "pricing.apr_cap: expected a rate"),
    ('[pricing]\nenforce_cap = "yes"\n', "pricing.enforce_cap: expected true or false"),
    ("[deferral]\nmax_days = 0\n", "deferral.max_days: must be between 1 and 365"),
    ("[overdue]\nfreeze_from_day = 0\n", "overdue.freeze_from_day: must be at least 1, got 0"),
    ("[overdue]\nbuckets = { current = 0, M1 = 1, M2 = 1 }\n", "two buckets start at the same day"),
    ("[overdue]\nbuckets = { M1 = 1 }\n", "one bucket must start at 0"),
    ("billing = 3\n", "[billing] must be a table"),
])
def test_bad_values_are_errors_naming_the_key(text, needle):
    assert needle in error_of(text)


def test_unknown_timezone_is_an_error():
    zoneinfo = pytest.importorskip("zoneinfo")
    try:
        zoneinfo.ZoneInfo("UTC")
    except zoneinfo.ZoneInfoNotFoundError:  # pragma: no cover - no tz database: not checked
        pytest.skip("no tz database on this machine")
    assert "billing.timezone: unknown timezone 'Mars/Olympus'" in error_of('[billing]\ntimezone = "Mars/Olympus"\n')
    assert cfg_of('[billing]\ntimezone = "Europe/Paris"\n').billing.timezone == "Europe/Paris"


def test_new_term_needs_its_fee_rate():
    # terms gains 36 but pricing.fee_rates (defaults) has no rate for it: an error, not a zero fee
    assert "no fee rate for term 36" in error_of("[installments]\nterms = [1, 3, 6, 12, 24, 36]\n")
    ok = cfg_of('[installments]\nterms = [1, 36]\n[pricing]\nfee_rates = { "36" = "0.004" }\n')
    assert ok.pricing.fee_rate_for(36) == D("0.004")


def test_fewer_terms_keep_only_their_default_rates():
    cfg = cfg_of("[installments]\nterms = [1, 3]\n")
    assert cfg.pricing.fee_rates == ((3, D("0.005")),)


def test_bad_value_through_a_command_names_file_and_key(isolated):
    (isolated / "config.toml").write_text("[billing]\nstatement_day = 29\n", encoding="utf-8")
    r = CliRunner().invoke(app, ["quote", "--amount", "100", "--terms", "3"])
    assert r.exit_code == 1
    assert "config.toml: billing.statement_day: must be between 1 and 28, got 29" in r.stderr


def test_values_are_applied():
    cfg = cfg_of('[billing]\nstatement_day = 28\ndue_days = 5\ngrace_days = 3\nrounding = "ROUND_HALF_EVEN"\n'
                 'timezone = "UTC"\n[installments]\nterms = [1, 6]\nearly_settlement_fees = "none"\n'
                 '[pricing]\nfee_rates = { "6" = "0.0075" }\napr_cap = "0.36"\nenforce_cap = true\n'
                 '[deferral]\nmax_days = 10\nfee_rate = "0.02"\n')
    assert (cfg.billing.statement_day, cfg.billing.due_days, cfg.billing.grace_days) == (28, 5, 3)
    assert (cfg.billing.rounding, cfg.billing.timezone) == ("ROUND_HALF_EVEN", "UTC")
    assert cfg.installments.terms == (1, 6) and cfg.installments.early_settlement_fees == "none"
    assert cfg.pricing.fee_rates == ((6, D("0.0075")),)
    assert (cfg.pricing.apr_cap, cfg.pricing.enforce_cap) == (D("0.36"), True)
    assert (cfg.deferral.max_days, cfg.deferral.fee_rate) == (10, D("0.02"))


@pytest.mark.parametrize("key", ["lgd", "pd_stage1", "pd_stage2"])
def test_ecl_shares_must_be_between_0_and_1(key):
    from baitiao_cli.errors import ConfigError
    from baitiao_cli.io.config import build_config, parse_config_text

    with pytest.raises(ConfigError, match=f"ecl.{key}: must be between 0 and 1"):
        build_config(parse_config_text(f'[ecl]\n{key} = "1.5"\n'))
    assert build_config(parse_config_text(f'[ecl]\n{key} = "1"\n'))


def test_minimum_payment_and_conversion_sections():
    cfg = build_config(parse_config_text(
        '[minimum_payment]\nenabled = true\nratio = "0.05"\ncarry_threshold = 500\ndaily_rate = "0.0004"\n'
        '[conversion]\nfee_rates = { "6" = "0.0065" }\nmin_amount = "200"\nmax_ratio = "0.8"\n'))
    mp, cv = cfg.minimum_payment, cfg.conversion
    assert (mp.enabled, str(mp.ratio), str(mp.carry_threshold), str(mp.daily_rate)) == (True, "0.05", "500", "0.0004")
    assert cv.fee_rates == ((6, D("0.0065")),) and cv.fee_rate_for(6) == D("0.0065") and cv.fee_rate_for(3) is None
    assert (str(cv.min_amount), str(cv.max_ratio)) == ("200", "0.8")
    assert Config().minimum_payment.enabled is False      # off unless asked: every bill due in full


@pytest.mark.parametrize("text, message", [
    ("[minimum_payment]\nenabled = 1\n", "minimum_payment.enabled: expected true or false"),
    ("[minimum_payment]\nratio = 0\n", "minimum_payment.ratio: must be above 0 and at most 1"),
    ("[minimum_payment]\nratio = \"1.5\"\n", "minimum_payment.ratio: must be above 0 and at most 1"),
    ("[minimum_payment]\ndaily_rate = \"x\"\n", "minimum_payment.daily_rate: not a number"),
    ("[minimum_payment]\nsurprise = 1\n", "surprise"),
    ("[conversion]\nfee_rates = { \"5\" = \"0.006\" }\n", "conversion.fee_rates.5: term 5 is not in the terms 3, 6, 12, 24"),
    ("[conversion]\nfee_rates = 3\n", "conversion.fee_rates: expected a table"),
    ("[conversion]\nmax_ratio = \"0\"\n", "conversion.max_ratio: must be above 0 and at most 1"),
    ("[conversion]\nmin_amount = \"-1\"\n", "conversion.min_amount: must be a finite number >= 0"),
])
def test_minimum_payment_and_conversion_bad_values(text, message):
    with pytest.raises(ConfigError, match=re.escape(message)):
        build_config(parse_config_text(text))
