"""``baitiao quote`` through the CLI: every option, exit codes, stdout and stderr, SPEC 5 JSON.

Exit codes: 0 ok (an APR over the cap only warns unless enforce_cap); 1 a refused quote
(term not offered, APR over an enforced cap, unknown customer, bad config); 2 a malformed
option value or a missing option.
"""

from __future__ import annotations

import csv
import io
import json
import math
import subprocess
import sys
import types
from datetime import date, datetime
from pathlib import Path

import pytest
from typer.testing import CliRunner

from baitiao_cli.cli.app import app
from baitiao_cli.engine.model import Customer, Dataset

QUOTE_KEYS = ["amount", "terms", "fee_rate", "schedule", "total_fee", "total_payable", "apr",
              "effective_annual_rate"]
ROW_KEYS = ["period", "statement_date", "due_date", "principal", "fee", "total"]


@pytest.fixture(autouse=True)
def isolated(tmp_path, monkeypatch):
    """No ./config.toml and no $BAITIAO_CONFIG: built-in defaults unless a test writes one."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("BAITIAO_CONFIG", raising=False)
    return tmp_path


def run(*args: str):
    result = CliRunner().invoke(app, ["quote", *args])
    assert "Traceback" not in result.stdout + result.stderr
    return result


def run_json(*args: str):
    r = run(*args, "--format", "json")
    assert r.exit_code == 0, r.stderr
    return json.loads(r.stdout), r


# --- JSON contract ----------------------------------------------------------------------------

def test_json_1200_over_12_matches_spec_key_for_key():
    obj, r = run_json("--amount", "1200", "--terms", "12", "--date", "2026-01-10")
    assert r.stderr == ""
    # contract keys first, in SPEC 5 order, then the documented extras
    assert list(obj)[:len(QUOTE_KEYS)] == QUOTE_KEYS
    assert set(obj) - set(QUOTE_KEYS) == {"apr_exceeds_cap", "apr_cap", "apr_method", "monthly_irr",
                                          "purchase_date", "statement_day"}
    assert obj["amount"] == "1200.00" and obj["terms"] == 12 and obj["fee_rate"] == "0.0050"
    # 12 x (100.00 + 6.00), statement day 3 from 2026-02-03, due +9
    assert len(obj["schedule"]) == 12
    assert obj["schedule"][0] == {"period": 1, "statement_date": "2026-02-03", "due_date": "2026-02-12",
                                  "principal": "100.00", "fee": "6.00", "total": "106.00"}
    assert all(list(row) == ROW_KEYS for row in obj["schedule"])
    assert all((row["principal"], row["fee"], row["total"]) == ("100.00", "6.00", "106.00")
               for row in obj["schedule"])
    assert obj["schedule"][-1]["statement_date"] == "2027-01-03"
    assert (obj["total_fee"], obj["total_payable"]) == ("72.00", "1272.00")
    # IRR: APR 10.90%, effective (1+i)^12 - 1 = 11.46%
    assert (obj["apr"], obj["effective_annual_rate"]) == ("0.1090", "0.1146")
    assert obj["apr_exceeds_cap"] is False and obj["apr_cap"] == "0.2400"
    assert obj["apr_method"] == "IRR" and obj["monthly_irr"] == "0.00908032"
    assert (obj["purchase_date"], obj["statement_day"]) == ("2026-01-10", 3)


def test_json_types_money_and_rates_are_strings():
    obj, _ = run_json("--amount", "1000", "--terms", "3", "--fee-rate", "0.007", "--date", "2026-03-01")
    for k in ("amount", "fee_rate", "total_fee", "total_payable", "apr", "effective_annual_rate"):
        assert isinstance(obj[k], str)
    for row in obj["schedule"]:
        assert isinstance(row["period"], int)
        for k in ("principal", "fee", "total"):
            assert isinstance(row[k], str) and len(row[k].split(".")[1]) == 2
    # 333.33 / 333.33 / 333.34, fee 7.00 each (1000.00 x 0.007)
    assert [r["principal"] for r in obj["schedule"]] == ["333.33", "333.33", "333.34"]
    assert [r["fee"] for r in obj["schedule"]] == ["7.00"] * 3
    assert obj["fee_rate"] == "0.0070" and obj["total_payable"] == "1021.00"


def test_several_terms_give_quotes_in_the_order_asked_without_duplicates():
    obj, _ = run_json("--amount", "1200", "--terms", "12", "--terms", "3", "--terms", "12",
                      "--date", "2026-01-10")
    assert list(obj) == ["quotes"]
    assert [q["terms"] for q in obj["quotes"]] == [12, 3]
    for q in obj["quotes"]:
        assert list(q)[:len(QUOTE_KEYS)] == QUOTE_KEYS
    assert obj["quotes"][0]["apr"] == "0.1090"


def test_single_term_is_the_object_itself_not_a_list():
    obj, _ = run_json("--amount", "100", "--terms", "3", "--date", "2026-01-10")
    assert "quotes" not in obj and obj["terms"] == 3


def test_pay_in_full_no_fee_apr_zero():
    obj, _ = run_json("--amount", "259.90", "--terms", "1", "--date", "2026-05-20")
    assert obj["schedule"] == [{"period": 1, "statement_date": "2026-06-03", "due_date": "2026-06-12",
                                "principal": "259.90", "fee": "0.00", "total": "259.90"}]
    assert (obj["fee_rate"], obj["total_fee"], obj["apr"], obj["effective_annual_rate"]) == (
        "0.0000", "0.00", "0.0000", "0.0000")


# --- dates ------------------------------------------------------------------------------------

def test_purchase_on_the_statement_day_joins_the_next_bill():
    obj, _ = run_json("--amount", "300", "--terms", "3", "--date", "2026-01-03")
    assert obj["schedule"][0]["statement_date"] == "2026-02-03"
    obj, _ = run_json("--amount", "300", "--terms", "3", "--date", "2026-01-02")
    assert obj["schedule"][0]["statement_date"] == "2026-01-03"


def test_purchase_on_new_years_eve_crosses_the_year_and_due_is_plus_9():
    obj, _ = run_json("--amount", "600", "--terms", "3", "--date", "2026-12-31")
    assert [(r["statement_date"], r["due_date"]) for r in obj["schedule"]] == [
        ("2027-01-03", "2027-01-12"), ("2027-02-03", "2027-02-12"), ("2027-03-03", "2027-03-12")]


def test_date_defaults_to_today_in_the_configured_timezone(monkeypatch):
    import baitiao_cli.cli.quote as quote_mod

    seen = []
    monkeypatch.setattr(quote_mod, "today_in", lambda tz: seen.append(tz) or date(2026, 12, 31))
    obj, _ = run_json("--amount", "600", "--terms", "3")
    assert seen == ["Asia/Shanghai"]
    assert obj["purchase_date"] == "2026-12-31"


def test_date_default_without_patching_is_a_real_date_near_now():
    from zoneinfo import ZoneInfo

    before = datetime.now(ZoneInfo("Asia/Shanghai")).date()
    obj, _ = run_json("--amount", "600", "--terms", "3")
    after = datetime.now(ZoneInfo("Asia/Shanghai")).date()
    assert obj["purchase_date"] in (before.isoformat(), after.isoformat())


@pytest.mark.parametrize("bad", ["2026-02-30", "2026/01/10", "10-01-2026", "tomorrow", ""])
def test_bad_date_is_a_usage_error(bad):
    r = run("--amount", "100", "--terms", "3", "--date", bad)
    assert r.exit_code == 2
    assert "--date" in r.stderr and r.stdout == ""


# --- amount -----------------------------------------------------------------------------------

@pytest.mark.parametrize("bad,why", [
    ("12.345", "more than 2 decimal places"), ("abc", "not a decimal amount"),
    ("0", "greater than zero"), ("0.00", "greater than zero"), ("-5", "must be positive"),
    ("1e3", "exponent"), ("NaN", "not a finite number"), ("1,200.00", "thousands separators"),
    ("", "empty amount"),
])
def test_bad_amount_is_a_usage_error_with_a_clear_message(bad, why):
    r = run("--amount", bad, "--terms", "3", "--date", "2026-01-10")
    assert r.exit_code == 2
    assert r.stdout == ""
    assert "--amount" in r.stderr and why in r.stderr


def test_amount_is_normalised_to_two_decimals():
    obj, _ = run_json("--amount", "1200.5", "--terms", "3", "--date", "2026-01-10")
    assert obj["amount"] == "1200.50"


def test_missing_required_options_are_usage_errors():
    r = run("--terms", "3")
    assert r.exit_code == 2 and "--amount" in r.stderr
    r = run("--amount", "100")
    assert r.exit_code == 2 and "--terms" in r.stderr


# --- terms ------------------------------------------------------------------------------------

@pytest.mark.parametrize("term", ["5", "0", "36", "-3"])
def test_terms_not_offered_are_refused_listing_the_allowed_ones(term):
    r = run("--amount", "100", "--terms", term, "--date", "2026-01-10")
    assert r.exit_code == 1
    assert r.stdout == ""
    assert f"{term} installments are not offered" in r.stderr
    assert "allowed terms: 1, 3, 6, 12, 24" in r.stderr


def test_one_bad_term_among_several_refuses_the_whole_quote():
    r = run("--amount", "100", "--terms", "3", "--terms", "7", "--date", "2026-01-10", "-f", "json")
    assert r.exit_code == 1 and r.stdout == "" and "7 installments" in r.stderr


def test_non_integer_terms_is_a_usage_error():
    r = run("--amount", "100", "--terms", "twelve")
    assert r.exit_code == 2 and "--terms" in r.stderr


def test_terms_follow_the_config(isolated):
    cfg = isolated / "c.toml"
    cfg.write_text('[installments]\nterms = [1, 3, 9]\n[pricing]\nfee_rates = { "3" = "0.005", "9" = "0.004" }\n')
    obj, _ = run_json("--config", str(cfg), "--amount", "900", "--terms", "9", "--date", "2026-01-10")
    # 900.00 / 9 = 100.00; fee 900.00 x 0.004 = 3.60 a period
    assert obj["fee_rate"] == "0.0040" and obj["schedule"][0]["fee"] == "3.60"
    r = run("--config", str(cfg), "--amount", "900", "--terms", "12")
    assert r.exit_code == 1 and "allowed terms: 1, 3, 9" in r.stderr


# --- fee rate and the APR cap ------------------------------------------------------------------

def test_fee_rate_overrides_the_default():
    obj, _ = run_json("--amount", "1200", "--terms", "12", "--fee-rate", "0.01", "--date", "2026-01-10")
    # 1200 x 0.01 = 12.00 a period -> APR 21.46%
    assert obj["fee_rate"] == "0.0100" and obj["schedule"][0]["fee"] == "12.00"
    assert obj["apr"] == "0.2146"
    obj, _ = run_json("--amount", "1200", "--terms", "12", "--fee-rate", "0.006", "--date", "2026-01-10")
    assert obj["apr"] == "0.1303"


def test_fee_rate_with_more_than_four_places_is_shown_exactly():
    obj, _ = run_json("--amount", "1000", "--terms", "3", "--fee-rate", "0.00625", "--date", "2026-01-10")
    # 1000 x 0.00625 = 6.25
    assert obj["fee_rate"] == "0.00625" and obj["schedule"][0]["fee"] == "6.25"


def test_fee_rate_does_not_apply_to_pay_in_full():
    r = run("--amount", "100", "--terms", "1", "--fee-rate", "0.01", "--date", "2026-01-10", "-f", "json")
    assert r.exit_code == 0
    assert "interest-free" in r.stderr
    assert json.loads(r.stdout)["total_fee"] == "0.00"


@pytest.mark.parametrize("bad", ["abc", "-0.01", "1e-3", "1", "1.5", "NaN", ""])
def test_bad_fee_rate_is_a_usage_error(bad):
    r = run("--amount", "100", "--terms", "3", "--fee-rate", bad)
    assert r.exit_code == 2 and "--fee-rate" in r.stderr and r.stdout == ""


def test_apr_above_cap_is_flagged_with_a_warning():
    # 1.2% x 6 -> APR 24.28% > 24.00%
    r = run("--amount", "1200", "--terms", "6", "--fee-rate", "0.012", "--date", "2026-01-10", "-f", "json")
    assert r.exit_code == 0
    obj = json.loads(r.stdout)
    assert obj["apr"] == "0.2428" and obj["apr_exceeds_cap"] is True
    assert r.stderr == ("warning: 6 installments: APR 24.28% is above the 24.00% cap (pricing.apr_cap)\n")


def test_apr_above_cap_is_refused_when_enforced(isolated):
    cfg = isolated / "strict.toml"
    cfg.write_text("[pricing]\nenforce_cap = true\n")
    r = run("--config", str(cfg), "--amount", "1200", "--terms", "6", "--fee-rate", "0.012",
            "--date", "2026-01-10", "-f", "json")
    assert r.exit_code == 1
    assert r.stdout == ""
    assert "APR 24.28% is above the 24.00% cap" in r.stderr and "enforce_cap" in r.stderr
    # under the cap it still quotes
    obj, _ = run_json("--config", str(cfg), "--amount", "1200", "--terms", "12", "--date", "2026-01-10")
    assert obj["apr_exceeds_cap"] is False


def test_cap_comes_from_config(isolated):
    cfg = isolated / "cap.toml"
    cfg.write_text('[pricing]\napr_cap = 0.10\n')     # a TOML number, read exactly as 0.10
    r = run("--config", str(cfg), "--amount", "1200", "--terms", "12", "--date", "2026-01-10", "-f", "json")
    assert r.exit_code == 0 and json.loads(r.stdout)["apr_exceeds_cap"] is True
    assert "above the 10.00% cap" in r.stderr


def test_several_terms_warn_once_per_quote_over_the_cap():
    r = run("--amount", "1200", "--terms", "6", "--terms", "12", "--terms", "24", "--fee-rate", "0.012",
            "--date", "2026-01-10", "-f", "json")
    assert r.exit_code == 0
    flagged = [q["terms"] for q in json.loads(r.stdout)["quotes"] if q["apr_exceeds_cap"]]
    assert flagged == [6, 12, 24]
    assert r.stderr.count("warning:") == 3


# --- config discovery through the command ------------------------------------------------------

def test_config_statement_day_and_rounding(isolated):
    cfg = isolated / "c.toml"
    cfg.write_text('[billing]\nstatement_day = 15\nrounding = "ROUND_HALF_EVEN"\n')
    obj, _ = run_json("--config", str(cfg), "--amount", "101", "--terms", "3", "--date", "2026-01-10")
    # statement day 15 -> 2026-01-15, due 01-24; 101.00 x 0.005 = 0.505 -> HALF_EVEN 0.50
    assert obj["statement_day"] == 15
    assert obj["schedule"][0]["statement_date"] == "2026-01-15"
    assert obj["schedule"][0]["due_date"] == "2026-01-24"
    assert obj["schedule"][0]["fee"] == "0.50"
    obj, _ = run_json("--amount", "101", "--terms", "3", "--date", "2026-01-10")   # defaults: HALF_UP
    assert obj["schedule"][0]["fee"] == "0.51"


def test_config_from_env_and_from_cwd(isolated, monkeypatch):
    (isolated / "config.toml").write_text("[billing]\nstatement_day = 20\n")
    obj, _ = run_json("--amount", "100", "--terms", "3", "--date", "2026-01-10")
    assert obj["statement_day"] == 20
    env_cfg = isolated / "env.toml"
    env_cfg.write_text("[billing]\nstatement_day = 25\n")
    monkeypatch.setenv("BAITIAO_CONFIG", str(env_cfg))
    obj, _ = run_json("--amount", "100", "--terms", "3", "--date", "2026-01-10")
    assert obj["statement_day"] == 25


def test_bad_config_exits_1_naming_the_key(isolated):
    cfg = isolated / "bad.toml"
    cfg.write_text("[billing]\nstatment_day = 5\n")
    r = run("--config", str(cfg), "--amount", "100", "--terms", "3")
    assert r.exit_code == 1 and r.stdout == ""
    assert "billing.statment_day" in r.stderr and str(cfg) in r.stderr


def test_malformed_option_is_reported_before_a_bad_config(isolated):
    (isolated / "config.toml").write_text("[billing]\nstatment_day = 5\n")
    r = run("--amount", "12.345", "--terms", "3")
    assert r.exit_code == 2 and "--amount" in r.stderr


def test_customer_id_with_a_trailing_newline_is_malformed(fake_loader):
    r = run("--amount", "300", "--terms", "3", "--customer", "C001\n")
    assert r.exit_code == 2 and fake_loader == []


def test_missing_config_file_exits_1(isolated):
    r = run("--config", str(isolated / "nope.toml"), "--amount", "100", "--terms", "3")
    assert r.exit_code == 1 and "not found" in r.stderr


# --- --customer --------------------------------------------------------------------------------

class _FakeResult:
    def __init__(self, customers):
        self.dataset = Dataset(customers=tuple(customers), transactions=(), repayments=(), deferrals=())
        self.problems = ()


# A model with no feature: every customer gets PD 1/(1+e^8) = 0.000335, score 718 (600 at 50:1,
# PDO 20: 600 + 28.85 x (8 - ln 50) = 717.9), grade A: every term, fee 0.40%, limit 20000 (no income).
CONSTANT_MODEL = {"format": "baitiao-pd-model", "format_version": 1, "intercept": -8.0, "unseen_woe": 0.0,
                  "features": []}


def write_model_config(folder: Path, intercept: float = -8.0) -> Path:
    """./config.toml whose [scoring] model is a constant model (grade A by default)."""
    (folder / "m.json").write_text(json.dumps({**CONSTANT_MODEL, "intercept": intercept}), encoding="utf-8")
    cfg = folder / "config.toml"
    cfg.write_text('[scoring]\nmodel = "m.json"\n', encoding="utf-8")
    return cfg


@pytest.fixture
def fake_loader(monkeypatch, isolated):
    """Stand-in for baitiao_cli.io.loader with the agreed API, recording its calls; the customers
    have no history and the config's model puts them in grade A (see write_model_config)."""
    write_model_config(isolated)
    calls = []
    customers = [Customer("C001", date(2025, 1, 1), 15), Customer("C002", date(2025, 1, 1), 28)]

    def load_dataset(data_dir, cfg, encoding=None, skip_invalid=False):
        calls.append((Path(data_dir), cfg, encoding, skip_invalid))
        return _FakeResult(customers)

    import baitiao_cli.io as io_pkg

    mod = types.ModuleType("baitiao_cli.io.loader")
    mod.load_dataset = load_dataset
    monkeypatch.setitem(sys.modules, "baitiao_cli.io.loader", mod)
    monkeypatch.setattr(io_pkg, "loader", mod, raising=False)
    return calls


def test_customer_uses_their_statement_day(fake_loader, isolated):
    obj, _ = run_json("--amount", "300", "--terms", "3", "--customer", "C001", "--date", "2026-01-10",
                      "--data-dir", str(isolated / "data"), "--encoding", "gb18030")
    # C001 has statement day 15: bought 01-10 -> bills 01-15, 02-15, 03-15, due 01-24 ...
    assert obj["customer_id"] == "C001" and obj["statement_day"] == 15
    assert [r["statement_date"] for r in obj["schedule"]] == ["2026-01-15", "2026-02-15", "2026-03-15"]
    assert obj["schedule"][0]["due_date"] == "2026-01-24"
    (data_dir, _cfg, encoding, skip_invalid) = fake_loader[0]
    assert data_dir == isolated / "data" and encoding == "gb18030" and skip_invalid is False


def test_customer_with_several_terms(fake_loader):
    obj, _ = run_json("--amount", "300", "--terms", "3", "--terms", "6", "--customer", "C002",
                      "--date", "2026-02-28")
    # statement day 28: bought on it (02-28) -> first bill 03-28
    assert all(q["customer_id"] == "C002" and q["statement_day"] == 28 for q in obj["quotes"])
    assert obj["quotes"][0]["schedule"][0]["statement_date"] == "2026-03-28"


def test_unknown_customer_exits_1_naming_the_id(fake_loader):
    r = run("--amount", "300", "--terms", "3", "--customer", "NOBODY", "--date", "2026-01-10")
    assert r.exit_code == 1 and r.stdout == ""
    assert "'NOBODY'" in r.stderr and "unknown customer" in r.stderr


def test_malformed_customer_id_is_a_usage_error(fake_loader):
    r = run("--amount", "300", "--terms", "3", "--customer", "a b;rm", "--date", "2026-01-10")
    assert r.exit_code == 2 and "--customer" in r.stderr
    assert fake_loader == []     # never reached the data files


def test_terms_are_checked_before_the_data_is_read(fake_loader):
    r = run("--amount", "300", "--terms", "5", "--customer", "C001")
    assert r.exit_code == 1 and fake_loader == []


def _write_data(d: Path) -> None:
    d.mkdir()
    (d / "customers.csv").write_text(
        "customer_id,name,phone,opened_on,statement_day\n"
        "C001,张三,13812345678,2025-01-05,15\n"
        "C002,李四,13912345678,2025-02-01,\n", encoding="utf-8")
    (d / "transactions.csv").write_text(
        "txn_id,customer_id,date,amount,type,installments\n"
        "T1,C001,2025-03-01,100.00,purchase,1\n", encoding="utf-8")
    # billed 2025-03-15, due 03-24, paid on time (a late payment would leave its late fee unpaid,
    # the account overdue and the credit line frozen: quote --customer would refuse)
    (d / "repayments.csv").write_text(
        "repayment_id,customer_id,date,amount\n"
        "R1,C001,2025-03-20,100.00\n", encoding="utf-8")


def test_customer_with_the_real_loader(isolated):
    pytest.importorskip("baitiao_cli.io.loader")
    write_model_config(isolated)
    _write_data(isolated / "data")
    obj, _ = run_json("--data-dir", str(isolated / "data"), "--amount", "300", "--terms", "3",
                      "--customer", "C001", "--date", "2026-01-10")
    assert obj["statement_day"] == 15 and obj["schedule"][0]["statement_date"] == "2026-01-15"
    # C002 has no statement_day: billing.statement_day (3) applies
    obj, _ = run_json("--data-dir", str(isolated / "data"), "--amount", "300", "--terms", "3",
                      "--customer", "C002", "--date", "2026-01-10")
    assert obj["statement_day"] == 3
    r = run("--data-dir", str(isolated / "data"), "--amount", "300", "--terms", "3", "--customer", "C999",
            "--date", "2026-01-10")
    assert r.exit_code == 1 and "'C999'" in r.stderr


def test_customer_with_a_missing_data_dir_exits_1(isolated):
    pytest.importorskip("baitiao_cli.io.loader")
    r = run("--data-dir", str(isolated / "nowhere"), "--amount", "300", "--terms", "3", "--customer", "C001")
    assert r.exit_code == 1 and r.stdout == "" and "nowhere" in r.stderr


def test_customer_with_bad_data_exits_1_with_the_problem(isolated):
    pytest.importorskip("baitiao_cli.io.loader")
    _write_data(isolated / "data")
    (isolated / "data" / "customers.csv").write_text(
        "customer_id,opened_on,statement_day\nC001,2025-01-05,29\n", encoding="utf-8")
    r = run("--data-dir", str(isolated / "data"), "--amount", "300", "--terms", "3", "--customer", "C001")
    assert r.exit_code == 1 and r.stdout == ""
    assert "customers.csv" in r.stderr and "statement_day" in r.stderr


# --- --customer: the customer's grade price, allowed terms and available credit ---------------------
# The config's model has one feature (tests/test_score_cli.py): ln(PD/(1-PD)) = ln(1/50) + WOE, WOE = 0
# at DPD 0 (score 600, grade C: terms 1-12, fee 0.60%, limit 8000 capped at 3 x income) and ln 2 at
# DPD >= 1 (score 580, grade D: terms 1-6, fee 0.75%, limit 3000 capped); DPD >= 1 freezes the line.

DPD_MODEL = {"format": "baitiao-pd-model", "format_version": 1, "intercept": math.log(1 / 50), "unseen_woe": 0.0,
             "features": [{"name": "current_dpd", "type": "numeric", "coefficient": 1.0, "bins": [
                 {"lower": None, "upper": 1, "woe": 0.0}, {"lower": 1, "upper": None, "woe": math.log(2)}]}]}


@pytest.fixture
def graded(isolated) -> Path:
    """C1 (income 1000.00): 1000.00 bought 2025-05-20, billed 06-03, due 06-12, unpaid; C2 (income
    9000.00): nothing. ./config.toml points scoring.model at DPD_MODEL."""
    (isolated / "dpd.json").write_text(json.dumps(DPD_MODEL), encoding="utf-8")
    (isolated / "config.toml").write_text('[scoring]\nmodel = "dpd.json"\n', encoding="utf-8")
    d = isolated / "data"
    d.mkdir()
    (d / "customers.csv").write_text("customer_id,opened_on,statement_day,monthly_income\n"
                                     "C1,2025-01-01,3,1000.00\nC2,2025-01-01,3,9000.00\n", encoding="utf-8")
    (d / "transactions.csv").write_text("txn_id,customer_id,date,amount,type,installments\n"
                                        "T1,C1,2025-05-20,1000.00,purchase,1\n", encoding="utf-8")
    (d / "repayments.csv").write_text("repayment_id,customer_id,date,amount,kind,channel\n", encoding="utf-8")
    return d


def quote_c(*args: str):
    return run("--data-dir", "data", *args)


def test_customer_gets_the_grade_price(graded):
    obj, r = run_json("--data-dir", "data", "--amount", "1200", "--terms", "3", "--customer", "C2",
                      "--date", "2025-06-05")
    # grade C: 0.60% per period on 1200.00 = 7.20 a period
    assert obj["fee_rate"] == "0.0060" and [p["fee"] for p in obj["schedule"]] == ["7.20"] * 3
    assert obj["total_fee"] == "21.60"
    assert (obj["grade"], obj["score"], obj["fee_rate_source"], obj["grade_fee_rate"]) == ("C", 600, "grade", "0.0060")
    assert obj["credit_limit"] == "8000.00" and obj["available_credit"] == "8000.00"
    assert obj["allowed_terms"] == [1, 3, 6, 12] and obj["pd"] == "0.019608"
    # --fee-rate wins over the grade's
    obj, _ = run_json("--data-dir", "data", "--amount", "1200", "--terms", "3", "--customer", "C2",
                      "--date", "2025-06-05", "--fee-rate", "0.005")
    assert obj["fee_rate"] == "0.0050" and obj["schedule"][0]["fee"] == "6.00" and obj["fee_rate_source"] == "option"
    # pay in full stays interest-free whatever the grade
    obj, _ = run_json("--data-dir", "data", "--amount", "1200", "--terms", "1", "--customer", "C2",
                      "--date", "2025-06-05")
    assert obj["fee_rate"] == "0.0000" and obj["total_fee"] == "0.00"


def test_customer_table_shows_the_offer(graded):
    r = quote_c("--amount", "1200", "--terms", "3", "--customer", "C2", "--date", "2025-06-05")
    assert r.exit_code == 0
    assert ("Customer C2: grade C (score 600) · credit limit 8000.00 · available 8000.00 · terms 1, 3, 6, 12 · "
            "grade fee rate 0.60% per period") in r.stdout


def test_a_term_the_grade_does_not_allow_is_refused(graded):
    r = quote_c("--amount", "1200", "--terms", "3", "--terms", "24", "--customer", "C2", "--date", "2025-06-05")
    assert r.exit_code == 1 and r.stdout == ""
    assert ("customer C2 is grade C (score 600): 24 installment(s) not allowed for this grade; "
            "allowed terms: 1, 3, 6, 12") in r.stderr


def test_an_amount_above_the_available_credit_is_refused(graded):
    # C1: limit min(8000, 3 x 1000) = 3000.00, 1000.00 unpaid (not yet due on 06-05): 2000.00 available
    obj, _ = run_json("--data-dir", "data", "--amount", "2000", "--terms", "3", "--customer", "C1",
                      "--date", "2025-06-05")
    assert obj["available_credit"] == "2000.00" and obj["credit_limit"] == "3000.00"
    r = quote_c("--amount", "2000.01", "--terms", "3", "--customer", "C1", "--date", "2025-06-05")
    assert r.exit_code == 1 and r.stdout == ""
    assert ("amount 2000.01 is above the available credit of C1: 2000.00 (credit limit 3000.00, "
            "unpaid principal 1000.00)") in r.stderr


def test_a_frozen_line_and_a_grade_without_terms_are_refused(graded, isolated):
    # on 2025-06-20 C1 is 8 days past due (due 06-12): grade D, line frozen, 12 months not allowed
    r = quote_c("--amount", "100", "--terms", "12", "--customer", "C1", "--date", "2025-06-20")
    assert r.exit_code == 1
    assert "customer C1 is grade D (score 580): 12 installment(s) not allowed" in r.stderr
    assert "the credit line of C1 is frozen (8 days past due): available credit 0.00" in r.stderr
    # a model that gives PD 1/2 (score 487): grade E, no terms at all
    (isolated / "dpd.json").write_text(json.dumps({**DPD_MODEL, "intercept": 0.0, "features": []}), encoding="utf-8")
    r = quote_c("--amount", "100", "--terms", "1", "--customer", "C2", "--date", "2025-06-05")
    assert r.exit_code == 1 and "customer C2 is grade E (score 487): no new credit" in r.stderr


def test_customer_with_a_model_of_other_columns_exits_1(graded, isolated):
    other = {**DPD_MODEL, "features": [{**DPD_MODEL["features"][0], "name": "age"}]}
    (isolated / "dpd.json").write_text(json.dumps(other), encoding="utf-8")
    r = quote_c("--amount", "100", "--terms", "3", "--customer", "C2", "--date", "2025-06-05")
    assert r.exit_code == 1 and "not customer features (age)" in r.stderr


# --- table and CSV -----------------------------------------------------------------------------

def test_table_shows_the_apr_first_and_the_per_period_rate_after():
    r = run("--amount", "1200", "--terms", "12", "--date", "2026-01-10")
    assert r.exit_code == 0 and r.stderr == ""
    lines = r.stdout.splitlines()
    # the headline is the first line; the per-period rate comes only after the schedule
    assert lines[0] == "年化利率 APR 10.90% (IRR method) · effective annual rate 11.46%"
    per_period = next(i for i, l in enumerate(lines) if "per-period fee rate 0.50%" in l)
    last_row = max(i for i, l in enumerate(lines) if "2027-01-12" in l)
    assert per_period > last_row
    assert "Total fee 72.00 · total payable 1272.00" in lines[per_period]
    assert sum("106.00" in l for l in lines) == 12


def test_table_flags_the_cap_in_the_headline():
    r = run("--amount", "1200", "--terms", "6", "--fee-rate", "0.012", "--date", "2026-01-10")
    lines = r.stdout.splitlines()
    assert lines[0].startswith("年化利率 APR 24.28% (IRR method)")
    assert lines[1] == "APR above the 24.00% cap (pricing.apr_cap)"


def test_table_comparison_side_by_side():
    r = run("--amount", "1200", "--terms", "3", "--terms", "6", "--terms", "12", "--date", "2026-01-10")
    assert r.exit_code == 0
    lines = r.stdout.splitlines()
    assert lines[0].startswith("年化利率 APR (IRR method): 3 months ")
    assert "12 months 10.90%" in lines[0]
    header = next(l for l in lines if l.lstrip().startswith("terms"))
    assert header.index("APR (IRR)") < header.index("fee rate/period")
    row12 = next(l for l in lines if l.split() and l.split()[0] == "12" and "10.90%" in l)
    assert "106.00" in row12 and "72.00" in row12 and "1272.00" in row12
    # followed by each schedule
    assert sum("monthly installments" in l for l in lines) == 3


def test_table_pay_in_full():
    r = run("--amount", "100", "--terms", "1", "--date", "2026-01-10")
    assert "interest-free" in r.stdout.splitlines()[0]
    assert "paid in full on the next bill" in r.stdout


PRICE_KEYS = ["fee_rate", "total_fee", "total_payable", "apr", "effective_annual_rate", "apr_exceeds_cap"]


def test_csv_single_schedule():
    r = run("--amount", "1000", "--terms", "3", "--fee-rate", "0.007", "--date", "2026-03-01", "-f", "csv")
    assert r.exit_code == 0
    rows = list(csv.reader(io.StringIO(r.stdout)))
    # (issue 18: one shape for one or several --terms, with the price on every row; it had the
    # schedule columns only). Fee 1000 x 0.007 = 7.00 a period, 21.00 in all; payable 1021.00.
    assert rows[0] == ["terms"] + ROW_KEYS + PRICE_KEYS
    price = ["0.0070", "21.00", "1021.00"]
    assert [row[:10] for row in rows[1:]] == [["3", "1", "2026-03-03", "2026-03-12", "333.33", "7.00", "340.33"] + price,
                                               ["3", "2", "2026-04-03", "2026-04-12", "333.33", "7.00", "340.33"] + price,
                                               ["3", "3", "2026-05-03", "2026-05-12", "333.34", "7.00", "340.34"] + price]
    obj = json.loads(run("--amount", "1000", "--terms", "3", "--fee-rate", "0.007", "--date", "2026-03-01",
                         "-f", "json").stdout)
    assert {tuple(row[10:]) for row in rows[1:]} == {(obj["apr"], obj["effective_annual_rate"], "false")}


def test_csv_several_terms_has_a_terms_column_and_no_thousands_separators():
    r = run("--amount", "1234567.00", "--terms", "3", "--terms", "6", "--date", "2026-01-10", "--format", "csv")
    rows = list(csv.reader(io.StringIO(r.stdout)))
    assert rows[0] == ["terms"] + ROW_KEYS + PRICE_KEYS
    assert [row[0] for row in rows[1:]] == ["3"] * 3 + ["6"] * 6
    assert "," not in "".join(cell for row in rows for cell in row)
    # 1234567.00 / 3 = 411522.333.. -> 411522.33, 411522.33, 411522.34
    assert [row[4] for row in rows[1:4]] == ["411522.33", "411522.33", "411522.34"]


def test_bad_format_is_a_usage_error():
    r = run("--amount", "100", "--terms", "3", "--format", "xml")
    assert r.exit_code == 2


def test_quote_help():
    r = run("--help")
    assert r.exit_code == 0
    for opt in ("--amount", "--terms", "--customer", "--date", "--fee-rate", "--data-dir", "--config", "--format"):
        assert opt in r.stdout


# --- start-up: heavy libraries stay out of the import path --------------------------------------

_PROBE = """
import sys
sys.argv = ["baitiao"] + sys.argv[1:]
from baitiao_cli.cli.app import main
try:
    main()
except SystemExit:
    pass
sys.stderr.write("LOADED:" + ",".join(sorted({m.split(".")[0] for m in sys.modules}
                                               & {"rich", "tabulate", "pydantic"})) + "\\n")
"""


def _loaded(tmp_path, *args: str) -> tuple[str, str]:
    p = subprocess.run([sys.executable, "-c", _PROBE, *args], capture_output=True, text=True, cwd=tmp_path,
                       env={k: v for k, v in __import__("os").environ.items() if k != "BAITIAO_CONFIG"})
    line = [l for l in p.stderr.splitlines() if l.startswith("LOADED:")][-1]
    return line[len("LOADED:"):], p.stdout


@pytest.mark.parametrize("args", [
    ("--help",),
    ("quote", "--help"),
    ("quote", "--amount", "1200", "--terms", "12", "--date", "2026-01-10", "--format", "json"),
    ("quote", "--amount", "1200", "--terms", "12", "--date", "2026-01-10", "--format", "csv"),
    ("quote", "--amount", "1200", "--terms", "5", "--date", "2026-01-10"),      # an error path
    ("quote", "--amount", "x"),                                                 # a usage error
])
def test_help_json_csv_and_errors_do_not_import_rich_tabulate_or_pydantic(tmp_path, args):
    # pydantic: typer 0.2x coerces option values through pydantic (~80 ms); cli/_fastparams.py
    # handles our plain option types without it
    loaded, out = _loaded(tmp_path, *args)
    assert loaded == ""
    assert out or "--help" not in args


def test_piped_table_uses_neither_rich_nor_tabulate(tmp_path):
    # (issue 18: plain tables are drawn by render itself, measured in terminal cells with wcwidth;
    # this test used to expect tabulate here)
    loaded, out = _loaded(tmp_path, "quote", "--amount", "1200", "--terms", "12", "--date", "2026-01-10")
    assert "年化利率" in out
    assert loaded == ""


def test_plain_coercion_is_active_and_keeps_typer_semantics():
    from baitiao_cli.cli import _fastparams

    assert _fastparams.install() is True      # typer's layout recognised (idempotent)
    # bad values are still click usage errors naming the option
    r = run("--amount", "1", "--terms", "3.5")
    assert r.exit_code == 2 and "Invalid value for '--terms'" in r.stderr and "'3.5'" in r.stderr
    r = run("--amount", "1", "--terms", "3", "--format", "xml")
    assert r.exit_code == 2 and "'xml' is not one of 'table', 'json', 'csv'" in r.stderr
    r = run("--amount", "1", "--terms", "3", "--format", "JSON")   # case-sensitive, as typer is
    assert r.exit_code == 2
    obj, _ = run_json("--amount", "1", "--terms", " 3", "--terms", "+6", "--date", "2026-01-10")
    assert [q["terms"] for q in obj["quotes"]] == [3, 6]
