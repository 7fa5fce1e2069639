"""Scenarios (场景, SPEC 4.14): ``[scenarios.NAME]`` config, scenario pricing in the replay and in
``quote --scenario``, refusals, ``validate`` warnings, ``overdue-report`` ``summary.by_scenario``.

Hand-worked numbers throughout; the education scenario of SPEC 3 prices 6/12/24 installments at
0.4% per period (the default ``pricing.fee_rates`` are 0.5%).
"""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import date, timedelta
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from baitiao_cli.engine.config import Config, Scenario
from baitiao_cli.engine.ledger import overdue_status, replay
from baitiao_cli.engine.model import Customer, Txn
from baitiao_cli.engine.overdue import RiskPolicy, SummaryBuilder
from baitiao_cli.engine.scenarios import account_split, purchase_mismatch, split_fen
from baitiao_cli.errors import ConfigError
from baitiao_cli.io.config import build_config, parse_config_text

from test_properties_ledger import accounts
from trust_helpers import invoke, write_book

D = Decimal
EDUCATION = """
[scenarios.education]
terms = [6, 12, 24]
fee_rates = { "6" = "0.004", "12" = "0.004", "24" = "0.004" }
"""
CUSTOMERS = (
    "customer_id,name,phone,id_number,opened_on,statement_day,monthly_income,credit_limit\n"
    "C1,张三,13812345678,110003199001011234,2026-01-01,3,8000.00,5000.00\n"
    "C2,王五,13900001111,110008199202022345,2025-12-01,3,,\n"
)
HEADER = "txn_id,customer_id,date,type,amount,installments,fee_rate,ref_txn_id,merchant,category\n"
EMPTY_REPAYMENTS = "repayment_id,customer_id,date,amount,kind,channel\n"


@pytest.fixture(autouse=True)
def isolated(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("BAITIAO_CONFIG", raising=False)


def config_file(tmp_path, text: str = EDUCATION):
    p = tmp_path / "scenarios.toml"
    p.write_text(text, encoding="utf-8")
    return str(p)


def education_cfg() -> Config:
    return build_config(parse_config_text(EDUCATION))


# ---- config ---------------------------------------------------------------------------------------

def test_config_builds_the_scenario_and_the_default_has_none():
    cfg = education_cfg()
    assert cfg.scenarios == (Scenario("education", (6, 12, 24), ((6, D("0.004")), (12, D("0.004")),
                                                                 (24, D("0.004")))),)
    assert Config().scenarios == ()
    # the scenario's rate for its category (exact name, case as written), else pricing.fee_rates
    assert cfg.fee_rate_for(12, "education") == D("0.004")
    assert cfg.fee_rate_for(12, "Education") == D("0.005")
    assert cfg.fee_rate_for(12, "online") == D("0.005")
    assert cfg.fee_rate_for(3, "education") == D("0.005")    # a term the scenario does not allow
    assert cfg.fee_rate_for(1, "education") == D("0")


@pytest.mark.parametrize("text, message", [
    ('[scenarios.education]\nterms = [5]\nfee_rates = { "5" = "0.004" }',
     "scenarios.education.terms: term 5 is not in installments.terms"),
    ('[scenarios.education]\nterms = [6, 12]\nfee_rates = { "6" = "0.004" }',
     "scenarios.education.fee_rates: no fee rate for term 12 of scenarios.education.terms"),
    ('[scenarios.education]\nterms = [6]\nfee_rates = { "6" = "0.004" }\nlimit_share = "0.5"',
     "unknown config key scenarios.education.limit_share"),
    ('[scenarios.education]\nterms = [6]\nfee_rates = { "6" = "0.004" }\nterm = [3]',
     "unknown config key scenarios.education.term (did you mean 'terms'?)"),
    ('[scenarios.education]\nterms = [6]', "scenarios.education: missing key fee_rates"),
    ('[scenarios.education]\nterms = [6]\nfee_rates = { "12" = "0.004" }',
     "scenarios.education.fee_rates.12: term 12 is not in the terms 6"),
    ('[scenarios.education]\nterms = []\nfee_rates = {}', "scenarios.education.terms: expected a non-empty list"),
    ('[scenarios.education]\nterms = [6, 6]\nfee_rates = { "6" = "0.004" }', "scenarios.education.terms: duplicate"),
    ('[scenarios.education]\nterms = [6]\nfee_rates = { "6" = "-1" }', "scenarios.education.fee_rates.6: must be"),
    ('[scenarios]\neducation = 3', "scenarios.education: expected a table"),
    ('[scenarios." education"]\nterms = [6]\nfee_rates = { "6" = "0.004" }', "no leading or trailing spaces"),
])
def test_bad_scenario_config_is_refused_naming_the_key(tmp_path, text, message):
    with pytest.raises(ConfigError, match=None) as e:
        build_config(parse_config_text(text))
    assert message in str(e.value)
    # through the CLI: exit 1, the key named on stderr, no traceback
    r = invoke(["quote", "--amount", "1200", "--terms", "6", "--date", "2026-01-10",
                "--config", config_file(tmp_path, text)])
    assert r.exit_code == 1
    assert message in r.stderr and r.stdout == ""


# ---- the replay prices a purchase by its category's scenario ---------------------------------------

def test_replay_prices_by_the_scenario_of_the_category():
    cfg = education_cfg()
    c = Customer("C1", date(2026, 1, 1), 3)
    txns = [Txn("T1", "C1", date(2026, 1, 10), D("1200.00"), "purchase", 12, None, category="education"),
            Txn("T2", "C1", date(2026, 1, 10), D("1200.00"), "purchase", 12, None, category="online"),
            Txn("T3", "C1", date(2026, 1, 10), D("1200.00"), "purchase", 12, D("0.006"), category="education"),
            Txn("T4", "C1", date(2026, 1, 10), D("1200.00"), "purchase", 3, None, category="education")]
    acct = replay(c, txns, [], [], cfg, date(2026, 2, 3))
    fees = {i.txn_id: i.fee for i in acct.items}
    # 1200 x 0.004 = 4.80 (scenario); 1200 x 0.005 = 6.00 (pricing.fee_rates, online has no scenario);
    # 1200 x 0.006 = 7.20 (the row's own rate wins); 3 terms are not education's: pricing's 0.005 = 6.00
    assert fees == {"T1": D("4.80"), "T2": D("6.00"), "T3": D("7.20"), "T4": D("6.00")}
    # the default config has no scenario: education is priced by pricing.fee_rates
    acct = replay(c, txns[:1], [], [], Config(), date(2026, 2, 3))
    assert acct.items[0].fee == D("6.00")


def test_bill_statement_shows_the_scenario_fee(tmp_path):
    d = write_book(tmp_path, {"customers.csv": CUSTOMERS, "repayments.csv": EMPTY_REPAYMENTS,
                              "transactions.csv": HEADER + "T1,C1,2026-01-10,purchase,1200.00,12,,,学而思,education\n"})
    r = invoke(["bill", "--data-dir", str(d), "--config", config_file(tmp_path), "--as-of", "2026-02-03",
                "--customer", "C1", "--format", "json"])
    assert r.exit_code == 0, r.stderr
    st_ = json.loads(r.stdout)["statements"][0]
    # period 1: principal 1200/12 = 100.00, fee 1200 x 0.004 = 4.80; total due 104.80
    assert [(i["principal"], i["fee"]) for i in st_["items"]] == [("100.00", "4.80")]
    assert st_["total_due"] == "104.80"


# ---- quote --scenario -------------------------------------------------------------------------------

def quote(tmp_path, *args):
    return invoke(["quote", "--amount", "1200", "--date", "2026-01-10", "--config", config_file(tmp_path), *args])


def test_quote_prices_by_the_scenario(tmp_path):
    r = quote(tmp_path, "--terms", "12", "--scenario", "education", "--format", "json")
    assert r.exit_code == 0, r.stderr
    q = json.loads(r.stdout)
    # fee 1200 x 0.004 = 4.80 a period, x 12 = 57.60; payable 1257.60
    assert (q["fee_rate"], q["total_fee"], q["total_payable"], q["scenario"]) == ("0.0040", "57.60", "1257.60",
                                                                                  "education")
    assert q["schedule"][0]["fee"] == "4.80"
    assert list(q)[:8] == ["amount", "terms", "fee_rate", "schedule", "total_fee", "total_payable", "apr",
                           "effective_annual_rate"]
    # without --scenario: pricing.fee_rates, 0.5% -> 6.00 x 12 = 72.00, and no "scenario" key
    q = json.loads(quote(tmp_path, "--terms", "12", "--format", "json").stdout)
    assert q["total_fee"] == "72.00" and "scenario" not in q
    # --fee-rate still wins: 1200 x 0.007 = 8.40 x 12 = 100.80
    q = json.loads(quote(tmp_path, "--terms", "12", "--scenario", "education", "--fee-rate", "0.007",
                         "--format", "json").stdout)
    assert q["total_fee"] == "100.80"


def test_quote_table_names_the_scenario(tmp_path):
    r = quote(tmp_path, "--terms", "6", "--scenario", "education")
    assert r.exit_code == 0
    # 1200 x 0.004 = 4.80 x 6 = 28.80
    assert "Scenario education (priced by scenarios.education)" in r.stdout and "28.80" in r.stdout


def test_quote_refuses_a_term_the_scenario_does_not_allow(tmp_path):
    r = quote(tmp_path, "--terms", "3", "--terms", "12", "--scenario", "education")
    assert r.exit_code == 1 and r.stdout == ""
    assert ("3 installments are not allowed in scenario education; allowed terms: 6, 12, 24 "
            "(scenarios.education.terms)") in r.stderr
    r = quote(tmp_path, "--terms", "1", "--scenario", "education")
    assert r.exit_code == 1 and "1 installments are not allowed in scenario education" in r.stderr


def test_quote_unknown_scenario_is_a_usage_error(tmp_path):
    r = quote(tmp_path, "--terms", "12", "--scenario", "Education")
    assert r.exit_code == 2 and r.stdout == ""
    assert "--scenario: unknown scenario 'Education'; configured scenarios: education" in r.stderr
    r = invoke(["quote", "--amount", "1200", "--terms", "12", "--scenario", "education"])   # built-in config
    assert r.exit_code == 2 and "the config has no [scenarios.NAME] table" in r.stderr


# ---- validate ---------------------------------------------------------------------------------------

def test_validate_warns_about_terms_and_rates_the_scenario_does_not_allow(tmp_path):
    txns = (HEADER
            + "T1,C1,2026-01-10,purchase,1200.00,12,,,学而思,education\n"      # fits: no warning
            + "T2,C1,2026-01-11,purchase,300.00,3,,,学而思,education\n"        # line 3: 3 terms
            + "T3,C1,2026-01-12,purchase,600.00,6,0.006,,学而思,education\n"   # line 4: rate 0.006 != 0.004
            + "T4,C1,2026-01-12,purchase,600.00,6,0.004,,学而思,education\n"   # the scenario's rate: fine
            + "T5,C1,2026-01-13,purchase,600.00,3,,,京东,online\n")            # no scenario: fine
    d = write_book(tmp_path, {"customers.csv": CUSTOMERS, "repayments.csv": EMPTY_REPAYMENTS,
                              "transactions.csv": txns})
    r = invoke(["validate", "--data-dir", str(d), "--config", config_file(tmp_path)])
    assert r.exit_code == 0
    f = str(d / "transactions.csv")
    assert (f"warning: {f}:3: installments: purchase T2: 3 installment(s) not allowed in scenario education "
            "(category education); allowed terms: 6, 12, 24 (scenarios.education.terms); priced by "
            "pricing.fee_rates") in r.stderr
    assert (f"warning: {f}:4: fee_rate: purchase T3: 0.006 differs from scenario education's rate 0.004 for 6 "
            "installments (scenarios.education.fee_rates); the row's rate is used") in r.stderr
    assert r.stderr.count("warning:") == 2
    # without scenarios nothing is said
    r = invoke(["validate", "--data-dir", str(d)])
    assert r.exit_code == 0 and "scenario" not in r.stderr


def test_purchase_mismatch_engine():
    cfg = education_cfg()
    t = Txn("T", "C", date(2026, 1, 1), D("10"), "purchase", 12, None, category="education")
    assert purchase_mismatch(t, cfg) is None
    assert purchase_mismatch(t._replace(installments=1), cfg)[0] == "installments"
    assert purchase_mismatch(t._replace(fee_rate=D("0.0040")), cfg) is None    # the same rate, written longer
    assert purchase_mismatch(t._replace(fee_rate=D("0.005")), cfg)[0] == "fee_rate"
    assert purchase_mismatch(t._replace(category="online", installments=5), cfg) is None


# ---- the split: largest remainder -------------------------------------------------------------------

def test_split_fen_by_largest_remainder():
    # 100 fen over three equal weights: 33 each, the 1 fen left to the first name (ties by name)
    assert split_fen(100, {"b": 1, "a": 1, "c": 1}) == {"a": 34, "b": 33, "c": 33}
    # 1000 fen 2:1 -> 666.67 : 333.33 -> floors 666 + 333, remainders 2/3 and 1/3: the fen to "a"
    assert split_fen(1000, {"a": 2, "b": 1}) == {"a": 667, "b": 333}
    assert split_fen(0, {"a": 5}) == {"a": 0}
    assert split_fen(7, {"x": 3}) == {"x": 7}
    assert split_fen(5, {"a": 0, "b": 0}) == {"a": 3, "b": 2}     # no weight: equal shares, 2 each + 1 to "a"


def test_account_split_falls_back_when_nothing_is_behind_the_amount():
    # overdue with no overdue item behind it (e.g. an unpaid minimum): by the receivables weights
    assert account_split(1000, 300, {"a": 1, "b": 1}, {}) == (("a", 500, 150), ("b", 500, 150))
    # no weight at all (only a late fee left): to the empty category
    assert account_split(250, 0, {}, {}) == (("", 250, 0),)


# ---- overdue-report summary.by_scenario -------------------------------------------------------------

BOOK = (HEADER
        + "T1,C1,2026-01-10,purchase,1200.00,12,,,学而思,education\n"
        + "T2,C1,2026-01-20,purchase,300.00,1,,,京东,online\n"
        + "T3,C2,2025-12-10,purchase,500.00,1,,,京东,online\n")


def test_by_scenario_hand_worked(tmp_path):
    d = write_book(tmp_path, {"customers.csv": CUSTOMERS, "repayments.csv": EMPTY_REPAYMENTS,
                              "transactions.csv": BOOK})
    r = invoke(["overdue-report", "--data-dir", str(d), "--config", config_file(tmp_path), "--as-of", "2026-02-20",
                "--format", "json"])
    assert r.exit_code == 0, r.stderr
    s = json.loads(r.stdout)["summary"]
    # C1: T1 period 1 = 100.00 + fee 1200 x 0.004 = 4.80 and T2 300.00, both billed 02-03, due 02-12:
    #   DPD 8, overdue 404.80; late fee 404.80 x 0.0005 x 8 = 1.6192 -> 1.62;
    #   receivables 404.80 + unbilled 11 x 100.00 + 1.62 = 1506.42.
    #   weights: education 104.80 + 1100.00 = 1204.80, online 300.00 (sum 1504.80);
    #   education 150642 x 120480 / 150480 = 120609 r 105840, online 150642 x 30000 / 150480 = 30032 r 44640;
    #   1 fen left -> education (larger remainder): 1206.10 + 300.32 = 1506.42.
    #   overdue by overdue items: education 104.80, online 300.00.
    # C2: T3 500.00 billed 2026-01-03, due 01-12: DPD 39 (30+), late fee 500 x 0.0005 x 39 = 9.75;
    #   receivables 509.75, all online; overdue 500.00.
    assert s["receivables"] == "2016.17" and s["overdue_amount"] == "904.80"     # 1506.42 + 509.75; 404.80 + 500
    edu, online = s["by_scenario"]
    assert list(edu)[:3] == ["scenario", "receivables", "overdue_amount"]
    assert edu == {"scenario": "education", "receivables": "1206.10", "overdue_amount": "104.80", "configured": True,
                   "accounts": 1, "overdue_accounts": 1,
                   "delinquency": {"30+": {"accounts": 0, "rate_by_count": "0.0000", "amount": "0.00",
                                           "rate_by_amount": "0.0000"},
                                   "90+": {"accounts": 0, "rate_by_count": "0.0000", "amount": "0.00",
                                           "rate_by_amount": "0.0000"}}}
    # online: 300.32 + 509.75 = 810.07; overdue 300.00 + 500.00 = 800.00; 30+: C2 only, 1 of 2 accounts,
    # 509.75 / 810.07 = 0.62927 -> 0.6293
    assert (online["scenario"], online["receivables"], online["overdue_amount"], online["configured"],
            online["accounts"], online["overdue_accounts"]) == ("online", "810.07", "800.00", False, 2, 2)
    assert online["delinquency"]["30+"] == {"accounts": 1, "rate_by_count": "0.5000", "amount": "509.75",
                                            "rate_by_amount": "0.6293"}
    assert online["delinquency"]["90+"]["accounts"] == 0
    # the table shows the same rows
    r = invoke(["overdue-report", "--data-dir", str(d), "--config", config_file(tmp_path), "--as-of", "2026-02-20"])
    assert "By scenario" in r.stdout
    row = next(ln for ln in r.stdout.splitlines() if ln.startswith("online"))
    assert row.split() == ["online", "2", "810.07", "40.18%", "2", "800.00", "50.00%", "62.93%", "0.00%", "0.00%"]
    # 810.07 / 2016.17 = 0.40179 -> 40.18%


def test_by_scenario_without_configured_scenarios_is_by_category(tmp_path):
    d = write_book(tmp_path, {"customers.csv": CUSTOMERS, "repayments.csv": EMPTY_REPAYMENTS,
                              "transactions.csv": BOOK})
    r = invoke(["overdue-report", "--data-dir", str(d), "--as-of", "2026-02-20", "--format", "json"])
    rows = json.loads(r.stdout)["summary"]["by_scenario"]
    assert [(x["scenario"], x["configured"]) for x in rows] == [("education", False), ("online", False)]
    # priced by pricing.fee_rates now: T1 fee 6.00, the split still adds up to the book
    s = json.loads(r.stdout)["summary"]
    assert sum(D(x["receivables"]) for x in rows) == D(s["receivables"])


def test_by_scenario_adds_up_with_jobs(tmp_path):
    d = write_book(tmp_path, {"customers.csv": CUSTOMERS, "repayments.csv": EMPTY_REPAYMENTS,
                              "transactions.csv": BOOK})
    args = ["overdue-report", "--data-dir", str(d), "--config", config_file(tmp_path), "--as-of", "2026-02-20",
            "--format", "json"]
    one = json.loads(invoke(args).stdout)["summary"]["by_scenario"]
    two = json.loads(invoke(args + ["--jobs", "2"]).stdout)["summary"]["by_scenario"]
    assert one == two


CATEGORIES = st.sampled_from(["", "education", "online", "travel"])


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.tuples(accounts(), st.lists(CATEGORIES, min_size=6, max_size=6)), min_size=1, max_size=4),
       st.booleans())
def test_by_scenario_sums_to_the_portfolio(book, with_scenario):
    """Whatever the accounts: the parts add up to the portfolio's receivables and overdue amount, fen for
    fen, and asking for the split changes nothing else."""
    scen = (Scenario("education", (6, 12), ((6, D("0.004")), (12, D("0.0035")))),) if with_scenario else ()
    first_cfg = book[0][0][4]
    builder = SummaryBuilder(RiskPolicy.from_config(replace(first_cfg, scenarios=scen)), date(2026, 1, 1))
    for (cust, txns, reps, defs, cfg, as_of), cats in book:
        cfg = replace(cfg, scenarios=scen)
        txns = [t._replace(category=cats[k % 6]) for k, t in enumerate(txns)]
        plain = overdue_status(cust, txns, reps, defs, cfg, as_of)
        split = overdue_status(cust, txns, reps, defs, cfg, as_of, by_scenario=True)
        assert split.overdue == plain.overdue and split.warnings == plain.warnings
        status = split.overdue
        risk = RiskPolicy.from_config(cfg).assess(cust, status)
        if risk.in_book:
            assert sum(p.receivables_fen for p in split.scenarios) == status.total_owed_fen
            assert sum(p.overdue_fen for p in split.scenarios) == status.overdue_amount_fen
            assert all(p.receivables_fen >= 0 and p.overdue_fen >= 0 for p in split.scenarios)
        builder.add(risk._replace(as_of=date(2026, 1, 1)), split.scenarios)
    s = builder.result()
    assert sum(t.receivables_fen for t in s.by_scenario) == s.receivables_fen
    assert sum(t.overdue_fen for t in s.by_scenario) == s.overdue_fen
    for t in s.by_scenario:
        assert t.accounts <= s.accounts and t.overdue_accounts <= s.overdue_accounts
        for _name, d30 in t.delinquency:
            assert d30.accounts <= t.accounts and d30.amount_fen <= t.receivables_fen


def test_a_statement_installment_counts_for_its_largest_converted_purchase():
    from baitiao_cli.engine.model import Conversion

    c = Customer("C1", date(2026, 1, 1), 3)
    txns = [Txn("T1", "C1", date(2026, 1, 10), D("600.00"), "purchase", 1, category="education"),
            Txn("T2", "C1", date(2026, 1, 12), D("400.00"), "purchase", 1, category="online")]
    conv = [Conversion("V1", "C1", date(2026, 2, 3), date(2026, 2, 5), D("800.00"), 3)]
    st_ = overdue_status(c, txns, [], [], Config(), date(2026, 2, 5), conv, by_scenario=True)
    # the 800.00 converted is taken in allocation order: T1 600.00 (older), then T2 200.00 -> the plan
    # counts for T1's education. Left: T2 200.00 billed (online) + the plan's 800.00 unbilled
    # principal (education); receivables 1000.00, nothing overdue.
    assert st_.overdue.total_owed_fen == 100000
    assert st_.scenarios == (("education", 80000, 0), ("online", 20000, 0))


def test_quote_for_a_customer_in_a_scenario(tmp_path):
    d = write_book(tmp_path)     # C1: grade C on 2026-03-01 (terms 1, 3, 6, 12; 0.6% a period)
    base = ["quote", "--data-dir", str(d), "--config", config_file(tmp_path), "--amount", "1200", "--date",
            "2026-03-01", "--customer", "C1", "--scenario", "education"]
    r = invoke(base + ["--terms", "12", "--format", "json"])
    assert r.exit_code == 0, r.stderr
    q = json.loads(r.stdout)
    # the scenario's 0.4% instead of the grade's 0.6%: 1200 x 0.004 = 4.80 x 12 = 57.60
    assert (q["grade"], q["grade_fee_rate"], q["fee_rate"], q["total_fee"], q["fee_rate_source"]) == (
        "C", "0.0060", "0.0040", "57.60", "scenario")
    # 3: allowed by the grade, not by education; 24: allowed by education, not by grade C
    r = invoke(base + ["--terms", "3"])
    assert r.exit_code == 1 and "not allowed in scenario education" in r.stderr
    r = invoke(base + ["--terms", "24"])
    assert r.exit_code == 1 and "24 installment(s) not allowed for this grade" in r.stderr


def test_zero_principal_periods_carry_no_weight():
    # 0.02 over 3 periods: principals 0.00, 0.00, 0.02 (P/N rounded down, the last takes the rest)
    c = Customer("C1", date(2026, 1, 1), 3)
    txns = [Txn("T1", "C1", date(2026, 1, 10), D("0.02"), "purchase", 3, D("0"), category="education"),
            Txn("T2", "C1", date(2026, 1, 10), D("0.02"), "purchase", 3, D("0"), category="online")]
    st_ = overdue_status(c, txns, [], [], Config(), date(2026, 1, 20), by_scenario=True)
    # nothing billed yet: 0.02 + 0.02 unbilled = 4 fen, weights 2 : 2
    assert st_.scenarios == (("education", 2, 0), ("online", 2, 0))
