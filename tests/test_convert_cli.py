"""``baitiao convert`` through the CLI (账单分期, SPEC 4.10, 5): the plan and its APR, every refusal
with its reason and nothing written, dry runs, idempotency and conflicts, validate on a bad
conversions file, and the bills after a conversion.

Built-in config: statement day 3, due = statement + 9, grace 0, conversion.fee_rates 0.6% for
3/6/12/24, min_amount 100, max_ratio 0.90, late fee 0.05%/day.

C1 (opened 2026-01-01): T1 2400.00 pay-in-full on 2026-01-20 -> statement 2026-02-03, due 02-12
(the SPEC's worked example). C2 (opened 2025-12-01): T8 100.00 on 2025-12-10 -> statement 2026-01-03
due 01-12, never paid (overdue from 01-13); T9 500.00 on 2026-01-10 -> statement 2026-02-03.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from baitiao_cli.cli.app import app

from trust_helpers import ok_json, refused

CUSTOMERS = """customer_id,name,opened_on,statement_day
C1,张三,2026-01-01,3
C2,李四,2025-12-01,3
"""
TRANSACTIONS = """txn_id,customer_id,date,amount
T1,C1,2026-01-20,2400.00
T8,C2,2025-12-10,100.00
T9,C2,2026-01-10,500.00
"""
CONV_HEADER = "conversion_id,customer_id,statement_date,date,amount,terms,fee_rate\n"


@pytest.fixture(autouse=True)
def isolated(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("BAITIAO_CONFIG", raising=False)


def make_dir(root: Path, conversions=None) -> Path:
    d = root / "data"
    d.mkdir()
    (d / "customers.csv").write_text(CUSTOMERS, encoding="utf-8")
    (d / "transactions.csv").write_text(TRANSACTIONS, encoding="utf-8")
    if conversions is not None:
        (d / "conversions.csv").write_text(conversions, encoding="utf-8")
    return d


@pytest.fixture
def data(tmp_path) -> Path:
    return make_dir(tmp_path)


def snapshot(d: Path) -> dict:
    return {str(p.relative_to(d)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(d.rglob("*")) if p.is_file()}


def convert(d: Path, customer="C1", statement="2026-02-03", amount="1800.00", terms="3", on="2026-02-05",
            ref="V1", *extra: str, fmt="json", as_of=None):
    argv = ["convert", "--data-dir", str(d), "--format", fmt, "--customer", customer, "--statement-date", statement,
            "--amount", amount, "--terms", terms, "--date", on, "--ref", ref, "--as-of", as_of or on, *extra]
    return CliRunner().invoke(app, argv)


def bill(d: Path, as_of: str) -> dict:
    r = CliRunner().invoke(app, ["bill", "--data-dir", str(d), "--format", "json", "--customer", "C1",
                                 "--as-of", as_of])
    return ok_json(r)["statements"][0]


# --- the worked example ---------------------------------------------------------------------------

def test_worked_example_plan_fee_and_apr(data):
    # 1800.00 (<= 2160.00 = 90% x 2400.00) into 3 at 0.6%: 600.00 + 10.80 (= 1800.00 x 0.006) on the
    # 03-03, 04-03 and 05-03 bills; total fee 3 x 10.80 = 32.40. APR by IRR: 1800 = 610.80 x sum(1/(1+i)^k),
    # k = 1..3 -> i = 0.8975%/month, APR = 12 i = 10.77%.
    obj = ok_json(convert(data))
    assert list(obj)[:6] == ["conversion_id", "status", "schedule", "total_fee", "apr", "effective_annual_rate"]
    assert (obj["conversion_id"], obj["status"], obj["total_fee"], obj["apr"]) == ("V1", "recorded", "32.40",
                                                                                   "0.1077")
    assert obj["schedule"] == [
        {"period": k, "statement_date": f"2026-0{k + 2}-03", "due_date": f"2026-0{k + 2}-12", "principal": "600.00",
         "fee": "10.80", "total": "610.80"} for k in (1, 2, 3)]
    assert obj["taken"] == [{"txn_id": "T1", "amount": "1800.00"}]
    rows = list(csv.DictReader(io.StringIO((data / "conversions.csv").read_text(encoding="utf-8"))))
    assert rows == [{"conversion_id": "V1", "customer_id": "C1", "statement_date": "2026-02-03",
                     "date": "2026-02-05", "amount": "1800.00", "terms": "3", "fee_rate": ""}]


def test_the_amended_bill_and_the_later_bills(data):
    ok_json(convert(data))
    # as of 02-05 the 02-03 bill asks 600.00 (2400.00 - 1800.00); the plan's periods are upcoming
    st = bill(data, "2026-02-05")
    assert (st["statement_date"], st["total_due"]) == ("2026-02-03", "600.00")
    assert [(i["txn_id"], i["principal"]) for i in st["items"]] == [("T1", "600.00")]
    # the 03-03 bill: period 1 of V1 (600.00 + 10.80) and the unpaid 600.00 of T1 carried, with late fee
    # 19 days (02-13..03-03) x 600.00 x 0.0005 = 5.70: total 610.80 + 600.00 + 5.70 = 1216.50
    st = bill(data, "2026-03-03")
    new = [(i["kind"], i["txn_id"], i["period"], i["principal"], i["fee"]) for i in st["items"] if not i["carried"]]
    assert new == [("conversion", "V1", 1, "600.00", "10.80")]
    assert st["total_due"] == "1216.50"
    assert [(a["date"], a["kind"], a["ref"], a["amount"], a["detail"]) for a in st["activity"]
            if a["kind"] == "conversion"] == [("2026-02-05", "conversion", "V1", "1800.00",
                                              "statement 2026-02-03 into 3 periods")]
    st = bill(data, "2026-05-03")
    assert [(i["txn_id"], i["period"]) for i in st["items"] if not i["carried"]] == [("V1", 3)]


def test_partial_conversion_leaves_pay_in_full_on_the_bill(data):
    # 1000.00 of the 2400.00 into 6: 1000/6 = 166.66 x 5 + 166.70; fee 1000.00 x 0.006 = 6.00 each;
    # the 02-03 bill still asks 1400.00 of pay-in-full spending.
    obj = ok_json(convert(data, amount="1000.00", terms="6"))
    assert [s["principal"] for s in obj["schedule"]] == ["166.66"] * 5 + ["166.70"]
    assert obj["total_fee"] == "36.00"
    st = bill(data, "2026-02-05")
    assert st["total_due"] == "1400.00" and st["items"][0]["principal"] == "1400.00"


def test_fee_rate_option_overrides_the_config(data):
    # 1200.00 x 0.005 = 6.00 per period over 12: total fee 72.00
    obj = ok_json(convert(data, "C1", "2026-02-03", "1200.00", "12", "2026-02-05", "V1", "--fee-rate", "0.005"))
    assert (obj["total_fee"], obj["fee_rate"], len(obj["schedule"])) == ("72.00", "0.0050", 12)
    row = (data / "conversions.csv").read_text(encoding="utf-8").splitlines()[1]
    assert row == "V1,C1,2026-02-03,2026-02-05,1200.00,12,0.005"


def test_table_csv_and_dry_run(data):
    before = snapshot(data)
    r = convert(data, "C1", "2026-02-03", "1800.00", "3", "2026-02-05", "V1", "--dry-run", fmt="table")
    assert r.exit_code == 0, r.stderr
    assert "Dry run: nothing written · conversion V1 · customer C1 张三" in r.stdout
    # (issue 18: a rate in a table is a percent, as quote shows it; this was "0.1077")
    assert "Total fee 32.40 · 年化利率 APR 10.77% (IRR method)" in r.stdout
    assert snapshot(data) == before
    r = convert(data, fmt="csv")
    rows = list(csv.reader(io.StringIO(r.stdout)))
    assert rows[0] == ["conversion_id", "status", "period", "statement_date", "due_date", "principal", "fee", "total"]
    assert rows[1] == ["V1", "recorded", "1", "2026-03-03", "2026-03-12", "600.00", "10.80", "610.80"]


# --- refusals: exit 1, the reason in plain words, nothing written -----------------------------------

@pytest.mark.parametrize("args, reason", [
    (("C1", "2026-02-03", "99.99"), "99.99 is under the minimum conversion amount 100 (conversion.min_amount)"),
    (("C1", "2026-02-03", "2160.01"), "2160.01 is over 0.90 (conversion.max_ratio) of the pay-in-full principal "
                                      "billed on 2026-02-03 (2400.00): at most 2160.00"),
    (("C1", "2026-02-03", "1800.00", "3", "2026-02-13"), "requested on 2026-02-13, after the statement's due date "
                                                         "2026-02-12"),
    (("C2", "2026-02-03", "200.00"), "the account is overdue"),
    (("C1", "2026-02-04", "500.00"), "no statement of this customer on 2026-02-04"),
    (("C1", "2026-03-03", "500.00", "3", "2026-02-05"), "no statement of this customer on 2026-03-03"),
    (("C1", "2026-02-03", "500.00", "5"), "5 periods is not a conversion term (3, 6, 12, 24)"),
])
def test_refusals(data, args, reason):
    before = snapshot(data)
    refused(convert(data, *args), f"conversion refused: {reason}")
    assert "nothing written" in convert(data, *args).stderr
    assert snapshot(data) == before


def test_refused_second_conversion_of_the_statement(data):
    ok_json(convert(data, amount="500.00"))
    before = snapshot(data)
    refused(convert(data, amount="500.00", on="2026-02-06", ref="V2"),
            "statement 2026-02-03 is already converted")
    assert snapshot(data) == before


def test_refused_unknown_customer_and_after_as_of(data):
    refused(convert(data, customer="C9"), "unknown customer 'C9'")
    refused(convert(data, as_of="2026-02-04"), "--date 2026-02-05 is after the business date 2026-02-04")
    assert not (data / "conversions.csv").exists()


def test_malformed_options_are_usage_errors(data):
    for extra in (("--terms", "x"), ("--amount", "1.001"), ("--fee-rate", "abc")):
        args = dict(zip(("--terms", "--amount", "--fee-rate"), ("3", "1800.00", None)))
        args[extra[0]] = extra[1]
        argv = ["convert", "--data-dir", str(data), "--customer", "C1", "--statement-date", "2026-02-03",
                "--date", "2026-02-05", "--ref", "V1", "--as-of", "2026-02-05"]
        for k, v in args.items():
            if v is not None:
                argv += [k, v]
        r = CliRunner().invoke(app, argv)
        assert r.exit_code == 2 and extra[0] in r.stderr and "Traceback" not in r.stderr, r.stderr
    assert not (data / "conversions.csv").exists()


# --- idempotency ------------------------------------------------------------------------------------

def test_same_ref_same_content_is_a_duplicate(data):
    ok_json(convert(data))
    before = snapshot(data)
    obj = ok_json(convert(data))
    assert obj["status"] == "duplicate" and obj["total_fee"] == "32.40"
    assert snapshot(data) == before


def test_same_ref_different_content_is_a_conflict_naming_the_field(data):
    ok_json(convert(data))
    before = snapshot(data)
    r = convert(data, amount="1500.00")
    refused(r, "conversion_id 'V1' is already in")
    assert "amount 1800.00 in the journal, 1500.00 in this request" in r.stderr
    r = convert(data, terms="6")
    assert r.exit_code == 1 and "terms 3 in the journal, 6 in this request" in r.stderr
    assert snapshot(data) == before


# --- validate ---------------------------------------------------------------------------------------

def test_validate_reports_every_bad_conversion(tmp_path):
    d = make_dir(tmp_path, CONV_HEADER
                 + "V1,C1,2026-02-03,2026-02-05,1800.00,3,\n"
                 + "V1,C1,2026-02-03,2026-02-05,1800.00,3,\n"         # line 3: duplicate id
                 + "V3,C9,2026-02-03,2026-02-05,100.00,3,\n"          # line 4: unknown customer
                 + "V4,C1,2026-02-03,2026-02-05,-5,3,\n"              # line 5: bad amount
                 + "V5,C1,2026-02-30,2026-02-05,100.00,3,\n"          # line 6: bad date
                 + "V6,C1,2026-02-03,2026-02-05,100.00,5,\n")         # line 7: bad terms
    r = CliRunner().invoke(app, ["validate", "--data-dir", str(d), "--format", "json"])
    assert r.exit_code == 1 and "Traceback" not in r.stderr
    f = str(d / "conversions.csv")
    for line, field in ((3, "conversion_id"), (4, "customer_id"), (5, "amount"), (6, "statement_date"),
                        (7, "terms")):
        assert f"{f}:{line}: {field}:" in r.stderr, (line, r.stderr)
    assert "unknown term 5 (conversions allowed: 3, 6, 12, 24)" in r.stderr


def test_validate_a_term_without_a_price_needs_a_fee_rate(tmp_path):
    cfg = tmp_path / "c.toml"
    cfg.write_text('[conversion]\nfee_rates = { "3" = "0.006" }\n', encoding="utf-8")
    d = make_dir(tmp_path, CONV_HEADER + "V1,C1,2026-02-03,2026-02-05,600.00,6,\n"
                 + "V2,C1,2026-03-03,2026-03-05,600.00,6,0.005\n")
    r = CliRunner().invoke(app, ["validate", "--data-dir", str(d), "--config", str(cfg), "--format", "json"])
    assert r.exit_code == 1
    assert f"{d / 'conversions.csv'}:2: terms: no conversion.fee_rates entry for 6 periods and no fee_rate given" \
        in r.stderr
    assert ":3:" not in r.stderr


def test_a_refused_conversion_in_the_journal_is_a_warning_of_the_replay(tmp_path):
    # 99.99 is under conversion.min_amount: the bill is the one without it, with a warning
    d = make_dir(tmp_path, CONV_HEADER + "V1,C1,2026-02-03,2026-02-05,99.99,3,\n")
    r = CliRunner().invoke(app, ["bill", "--data-dir", str(d), "--format", "json", "--customer", "C1",
                                 "--as-of", "2026-02-05"])
    assert r.exit_code == 0
    assert json.loads(r.stdout)["statements"][0]["total_due"] == "2400.00"
    assert "conversion V1: 99.99 is under the minimum conversion amount 100" in r.stderr


def test_without_conversions_validate_lists_no_conversions_row(data):
    r = CliRunner().invoke(app, ["validate", "--data-dir", str(data), "--format", "json"])
    assert r.exit_code == 0
    assert [f["dataset"] for f in json.loads(r.stdout)["files"]] == ["customers", "transactions", "repayments",
                                                                      "deferrals"]


def test_batch_runs_see_the_conversions_whatever_the_jobs(data):
    ok_json(convert(data))
    outs = []
    for jobs in ("1", "2"):
        r = CliRunner().invoke(app, ["bill", "--data-dir", str(data), "--format", "csv", "--as-of", "2026-03-03",
                                     "--jobs", jobs])
        assert r.exit_code == 0, r.stderr
        outs.append(r.stdout)
    assert outs[0] == outs[1]
    row = list(csv.DictReader(io.StringIO(outs[0])))[0]
    # C1's 03-03 bill: new 600.00 + 10.80 (period 1 of V1), carried 600.00 (T1), late fee 5.70: 1216.50
    assert (row["customer_id"], row["new_principal"], row["new_fees"], row["carried_amount"], row["total_due"]) == (
        "C1", "600.00", "10.80", "600.00", "1216.50")
    r = CliRunner().invoke(app, ["overdue-report", "--data-dir", str(data), "--format", "json", "--as-of",
                                 "2026-03-20", "--jobs", "2"])
    acct = next(a for a in json.loads(r.stdout)["accounts"] if a["customer_id"] == "C1")
    # 600.00 overdue from 02-13 (DPD 36 on 03-20) and period 1 (610.80) from 03-13: 1210.80
    assert (acct["dpd"], acct["overdue_amount"]) == (36, "1210.80")


def test_with_the_minimum_payment_on_the_converted_bill_asks_a_new_minimum(tmp_path):
    """SPEC 4.10 worked example with [minimum_payment] on (SPEC 4.9): 2400.00 pay-in-full billed
    02-03 has a minimum of 10% = 240.00; after 1800.00 is converted on 02-05 the bill asks
    600.00 and its minimum is recomputed on the 600.00 of pay-in-full principal left: 60.00."""
    d = make_dir(tmp_path, CONV_HEADER + "V1,C1,2026-02-03,2026-02-05,1800.00,3,\n")
    cfg = tmp_path / "rev.toml"
    cfg.write_text("[minimum_payment]\nenabled = true\n", encoding="utf-8")
    before = CliRunner().invoke(app, ["bill", "--data-dir", str(d), "--config", str(cfg), "--customer", "C1",
                                      "--as-of", "2026-02-04", "--format", "json"])
    assert before.exit_code == 0, before.stderr
    st = json.loads(before.stdout)["statements"][0]
    assert (st["total_due"], st["minimum_due"]) == ("2400.00", "240.00")
    after = CliRunner().invoke(app, ["bill", "--data-dir", str(d), "--config", str(cfg), "--customer", "C1",
                                     "--as-of", "2026-02-05", "--format", "json"])
    assert after.exit_code == 0, after.stderr
    st = json.loads(after.stdout)["statements"][0]
    assert (st["total_due"], st["minimum_due"]) == ("600.00", "60.00")
    # paying that minimum by the due date keeps the account current: no DPD on 02-20
    (d / "repayments.csv").write_text("repayment_id,customer_id,date,amount\nR1,C1,2026-02-10,60.00\n",
                                      encoding="utf-8")
    rep = CliRunner().invoke(app, ["overdue-report", "--data-dir", str(d), "--config", str(cfg),
                                   "--as-of", "2026-02-20", "--format", "json"])
    assert rep.exit_code == 0, rep.stderr
    assert all(a["customer_id"] != "C1" for a in json.loads(rep.stdout)["accounts"])


def test_validate_warns_of_a_conversion_the_rules_refuse(tmp_path):
    """A journal row that loads but that SPEC 4.10 refuses (2200.00 of C1's 2400.00: over the
    90% = 2160.00) is ignored by every replay; validate says so (a warning, exit 0) by its id."""
    d = make_dir(tmp_path, CONV_HEADER + "V9,C1,2026-02-03,2026-02-05,2200.00,3,\n")
    r = CliRunner().invoke(app, ["validate", "--data-dir", str(d), "--format", "json"])
    assert r.exit_code == 0, r.stderr
    lines = [ln for ln in r.stderr.splitlines() if "V9" in ln]
    assert len(lines) == 1 and lines[0].startswith("warning: ") and "conversions.csv: conversion_id:" in lines[0]
    assert "customer C1: conversion V9:" in lines[0] and "2160.00" in lines[0]
    conv = next(f for f in json.loads(r.stdout)["files"] if f["dataset"] == "conversions")
    assert (conv["errors"], conv["warnings"]) == (0, 1)
