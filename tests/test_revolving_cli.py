"""SPEC 4.9 through the CLI with a config that enables the minimum payment: ``bill``,
``overdue-report``, ``repay --dry-run`` (and ``--settle``).

Config: ``[minimum_payment] enabled = true`` (ratio 0.10, carry_threshold 300, daily 0.0005),
statement day 3, due + 9, late fee 0.0005/day, grace 0. February 2026 has 28 days.
- C1: T1 1000.00 pay-in-full on 2026-01-10 (billed 02-03, due 02-12, minimum 100.00); R1 100.00 on
  02-10 (met). 03-03: revolving fee 19 x 900.00 x 0.0005 = 8.55; minimum 90.00 + 8.55 = 98.55;
  total due 908.55.
- C2: T2 2000.00 pay-in-full on 2026-01-10, nothing paid: the SPEC's missed-minimum example
  (03-03: revolving fee 19.00, late fee 1.90, minimum = total due = 2020.90; 03-20: DPD 36,
  overdue 2020.90, late fee 10.80).
"""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from baitiao_cli.cli.app import app
from decimal import Decimal as D

CUSTOMERS = """customer_id,name,phone,opened_on,statement_day
C1,张三,13812345678,2026-01-01,3
C2,李四,13900001111,2026-01-01,3
"""
TRANSACTIONS = """txn_id,customer_id,date,amount,installments
T1,C1,2026-01-10,1000.00,1
T2,C2,2026-01-10,2000.00,1
"""
REPAYMENTS = """repayment_id,customer_id,date,amount,kind,channel
R1,C1,2026-02-10,100.00,normal,app
"""
ON = "[minimum_payment]\nenabled = true\n"


@pytest.fixture(autouse=True)
def isolated(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("BAITIAO_CONFIG", raising=False)


@pytest.fixture
def data(tmp_path) -> Path:
    d = tmp_path / "data"
    d.mkdir()
    (d / "customers.csv").write_text(CUSTOMERS, encoding="utf-8")
    (d / "transactions.csv").write_text(TRANSACTIONS, encoding="utf-8")
    (d / "repayments.csv").write_text(REPAYMENTS, encoding="utf-8")
    return d


def cli(data: Path, *args: str, config: str = ON):
    cfg = data.parent / "rev.toml"
    cfg.write_text(config, encoding="utf-8")
    return CliRunner().invoke(app, [args[0], "--data-dir", str(data), "--config", str(cfg), *args[1:]])


def ok(result) -> str:
    assert result.exit_code == 0, (result.stdout, result.stderr)
    assert "Traceback" not in result.stderr
    return result.stdout


def test_bill_json_minimum_and_revolving_fee(data):
    obj = json.loads(ok(cli(data, "bill", "--as-of", "2026-03-03", "-f", "json")))
    c1, c2 = obj["statements"]
    assert list(c1)[:6] == ["customer_id", "statement_date", "due_date", "total_due", "minimum_due", "items"]
    assert (c1["total_due"], c1["minimum_due"]) == ("908.55", "98.55")
    assert (c1["revolving_fee_posted"], c1["revolving_fee_unpaid"]) == ("8.55", "8.55")
    assert (c2["total_due"], c2["minimum_due"]) == ("2020.90", "2020.90")
    assert (c2["revolving_fee_posted"], c2["late_fee_posted"]) == ("19.00", "1.90")


def test_bill_csv_table_and_text_statement(data, tmp_path):
    rows = list(csv.reader(io.StringIO(ok(cli(data, "bill", "--as-of", "2026-03-03", "-f", "csv")))))
    k = rows[0].index("minimum_due")
    assert rows[0][k - 1] == "total_due"
    assert [(r[0], r[k - 1], r[k]) for r in rows[1:]] == [("C1", "908.55", "98.55"), ("C2", "2020.90", "2020.90")]
    table = ok(cli(data, "bill", "--as-of", "2026-03-03", "-f", "table"))
    assert "minimum due" in table and "98.55" in table
    ok(cli(data, "bill", "--as-of", "2026-03-03", "--out", str(tmp_path / "out"), "--lang", "en"))
    text = (tmp_path / "out" / "2026-03-03" / "C1.txt").read_text(encoding="utf-8")
    assert "最低还款额 MINIMUM DUE: 98.55   by 2026-03-12" in text
    assert "Revolving fee posted on this statement: 8.55" in text


def test_bill_minimum_off_equals_total(data):
    obj = json.loads(ok(cli(data, "bill", "--as-of", "2026-03-03", "-f", "json", config="")))
    for s in obj["statements"]:
        assert s["minimum_due"] == s["total_due"] and "revolving_fee_posted" not in s


def test_overdue_report_by_the_unpaid_minimum(data):
    # C2: DPD 36, overdue 2020.90, late fee 10.80 (SPEC worked example).
    # C1: S* = the 03-03 bill (due 03-12), minimum 98.55 unpaid: DPD 8, overdue 98.55;
    # late fee 03-13..03-20 = 8 x (98.55 - 8.55 charges) x 0.0005 = 8 x 0.045 = 0.36.
    obj = json.loads(ok(cli(data, "overdue-report", "--as-of", "2026-03-20", "-f", "json")))
    acc = {a["customer_id"]: a for a in obj["accounts"]}
    assert (acc["C2"]["dpd"], acc["C2"]["overdue_amount"], acc["C2"]["late_fee"]) == (36, "2020.90", "10.80")
    assert acc["C2"]["bucket"] == "M2"
    assert (acc["C1"]["dpd"], acc["C1"]["overdue_amount"], acc["C1"]["late_fee"]) == (8, "98.55", "0.36")


def test_overdue_report_minimum_met_is_current(data):
    # 02-20: C1 paid its 100.00 minimum on 02-10: not overdue although 900.00 of 02-03 is unpaid.
    obj = json.loads(ok(cli(data, "overdue-report", "--as-of", "2026-02-20", "-f", "json")))
    acc = {a["customer_id"]: a for a in obj["accounts"]}
    assert acc.get("C1", {"dpd": 0})["dpd"] == 0
    assert (acc["C2"]["dpd"], acc["C2"]["overdue_amount"], acc["C2"]["late_fee"]) == (8, "200.00", "0.80")


def test_repay_dry_run_shows_the_revolving_fee(data):
    # 03-10: revolving fee 8.55 posted 03-03 + 03-04..03-10 = 7 x 0.45 = 3.15 posted now = 11.70 first,
    # then principal 98.55 - 11.70 = 86.85.
    before = (data / "repayments.csv").read_bytes()
    obj = json.loads(ok(cli(data, "repay", "--customer", "C1", "--amount", "98.55", "--date", "2026-03-10",
                            "--ref", "R2", "--dry-run", "--as-of", "2026-03-10", "-f", "json")))
    assert obj["status"] == "dry_run"
    assert [(a["txn_id"], a["component"], a["amount"]) for a in obj["allocations"]] == [
        (None, "revolving_fee", "11.70"), ("T1", "principal", "86.85")]
    assert obj["remaining"]["revolving_fee_owed"] == "0.00"
    assert (data / "repayments.csv").read_bytes() == before
    table = ok(cli(data, "repay", "--customer", "C1", "--amount", "98.55", "--date", "2026-03-10",
                   "--ref", "R2", "--dry-run", "--as-of", "2026-03-10", "-f", "table"))
    assert "revolving fee" in table


def test_repay_settle_includes_the_revolving_fee(data):
    # 02-20: payoff = 900.00 + revolving fee 02-13..02-20 = 8 x 0.45 = 3.60 -> 903.60; 903.59 is short.
    short = cli(data, "repay", "--customer", "C1", "--amount", "903.59", "--date", "2026-02-20", "--ref", "S1",
                "--settle", "--as-of", "2026-02-20", "-f", "json")
    assert short.exit_code == 1 and "903.60" in short.stderr and "Traceback" not in short.stderr
    obj = json.loads(ok(cli(data, "repay", "--customer", "C1", "--amount", "903.60", "--date", "2026-02-20",
                            "--ref", "S1", "--settle", "--as-of", "2026-02-20", "-f", "json")))
    assert [(a["component"], a["amount"]) for a in obj["allocations"]] == [("revolving_fee", "3.60"),
                                                                           ("principal", "900.00")]


def test_malformed_minimum_payment_config_is_refused(data):
    r = cli(data, "bill", "--as-of", "2026-03-03", config='[minimum_payment]\nenabled = true\nratio = "abc"\n')
    assert r.exit_code == 1 and "ratio" in r.stderr and "Traceback" not in r.stderr


# --- the cost of paying only the minimum (12 months) -------------------------------------------------
# C1 on 03-03: 908.55 owed, minimum 98.55 paid 03-12. Month 2 by hand: at 03-12 the revolving fee
# 03-04..03-12 = 9 x 0.45 = 4.05 is posted; 98.55 pays 8.55 + 4.05 of fees and 85.95 of principal ->
# 814.05 left. 04-03: fee 03-13..04-03 = 22 x 814.05 x 0.0005 = 8.95455 -> 8.95; total 823.00;
# minimum 0.10 x 814.05 = 81.405 -> 81.41 + 8.95 = 90.36.

def test_bill_customer_shows_the_cost_of_paying_only_the_minimum(data):
    obj = json.loads(ok(cli(data, "bill", "--customer", "C1", "--as-of", "2026-03-03", "-f", "json")))
    mo = obj["statements"][0]["minimum_only"]
    assert len(mo["payments"]) == 12
    assert [(p["due_date"], p["total_due"], p["minimum_due"], p["payment"]) for p in mo["payments"][:2]] == [
        ("2026-03-12", "908.55", "98.55", "98.55"), ("2026-04-12", "823.00", "90.36", "90.36")]
    assert mo["owed_now"] == "908.55"
    # cost = paid + still owed after - owed now
    assert D(mo["cost"]) == D(mo["total_paid"]) + D(mo["owed_after"]) - D("908.55") and D(mo["cost"]) > 0
    table = ok(cli(data, "bill", "--customer", "C1", "--as-of", "2026-03-03", "-f", "table"))
    assert "Paying only the minimum" in table


def test_quote_customer_shows_the_cost_of_paying_only_the_minimum(data):
    obj = json.loads(ok(cli(data, "quote", "--amount", "100", "--terms", "1", "--date", "2026-03-03",
                            "--customer", "C1", "-f", "json")))
    assert obj["minimum_only"]["payments"][0]["payment"] == "98.55"
    # minimum off: the 900.00 unpaid since 02-12 makes C1 19 days past due, its line frozen: refused
    off = cli(data, "quote", "--amount", "100", "--terms", "1", "--date", "2026-03-03", "--customer", "C1",
              "-f", "json", config="")
    assert off.exit_code == 1 and "frozen (19 days past due)" in off.stderr and "Traceback" not in off.stderr


def test_bill_customer_out_text_has_the_minimum_only_lines(data, tmp_path):
    ok(cli(data, "bill", "--customer", "C1", "--as-of", "2026-03-03", "--out", str(tmp_path / "one"), "--lang", "en"))
    text = (tmp_path / "one" / "2026-03-03" / "C1.txt").read_text(encoding="utf-8")
    assert "最低还款额 MINIMUM DUE: 98.55" in text and "If you pay only the minimum (最低还款) for 12 months" in text
    obj = json.loads((tmp_path / "one" / "2026-03-03" / "C1.json").read_text(encoding="utf-8"))
    assert obj["minimum_only"]["payments"][1]["minimum_due"] == "90.36"


def test_defer_refused_while_a_minimum_is_unpaid(data):
    # C2 paid nothing of its 200.00 minimum due 02-12; a purchase billed on 03-03 cannot be deferred on 03-05.
    with (data / "transactions.csv").open("a", encoding="utf-8") as f:
        f.write("T3,C2,2026-02-10,50.00,1\nT4,C1,2026-02-10,50.00,1\n")
    args = ["--statement-date", "2026-03-03", "--days", "10", "--date", "2026-03-05", "--as-of", "2026-03-05",
            "-f", "json"]
    r = cli(data, "defer", "--customer", "C2", "--ref", "D1", *args)
    assert r.exit_code == 1 and "minimum payment is unpaid" in r.stderr and "Traceback" not in r.stderr
    assert r.stdout == "" and not (data / "deferrals.csv").exists()
    # C1 met its minimum: the deferral is accepted although 900.00 of the 02-03 bill is past due
    obj = json.loads(ok(cli(data, "defer", "--customer", "C1", "--ref", "D2", *args)))
    assert obj["status"] == "recorded"


def test_batch_statements_show_the_cost_of_paying_only_the_minimum(data, tmp_path):
    """The daily run's statements (stdout JSON, --out .json and .txt, --jobs 2 alike) carry the same
    12-month block as ``bill --customer``: C1's 03-03 bill pays 98.55 then 90.36 (worked above)."""
    obj = json.loads(ok(cli(data, "bill", "--as-of", "2026-03-03", "-f", "json")))
    c1 = next(s for s in obj["statements"] if s["customer_id"] == "C1")
    assert [p["payment"] for p in c1["minimum_only"]["payments"][:2]] == ["98.55", "90.36"]
    assert ok(cli(data, "bill", "--as-of", "2026-03-03", "-f", "json", "--jobs", "2")) == json.dumps(obj, indent=2,
                                                                                                  ensure_ascii=False) + "\n"
    ok(cli(data, "bill", "--as-of", "2026-03-03", "--out", str(tmp_path / "batch"), "--lang", "en"))
    text = (tmp_path / "batch" / "2026-03-03" / "C1.txt").read_text(encoding="utf-8")
    assert "If you pay only the minimum (最低还款) for 12 months" in text
    saved = json.loads((tmp_path / "batch" / "2026-03-03" / "C1.json").read_text(encoding="utf-8"))
    assert saved["minimum_only"] == c1["minimum_only"]
    off = json.loads(ok(cli(data, "bill", "--as-of", "2026-03-03", "-f", "json", config="")))
    assert all("minimum_only" not in s for s in off["statements"])      # minimum payment off: no block


def test_batch_cost_false_leaves_the_block_to_the_one_customer_statement(data):
    """``[minimum_payment] batch_cost = false``: the daily run skips the 12-month projection (its
    replays make bill about 6x slower); ``bill --customer`` still shows it."""
    cfg = "[minimum_payment]\nenabled = true\nbatch_cost = false\n"
    obj = json.loads(ok(cli(data, "bill", "--as-of", "2026-03-03", "-f", "json", config=cfg)))
    assert obj["statements"] and all("minimum_only" not in s for s in obj["statements"])
    assert all(s["minimum_due"] for s in obj["statements"])
    one = json.loads(ok(cli(data, "bill", "--customer", "C1", "--as-of", "2026-03-03", "-f", "json", config=cfg)))
    assert "minimum_only" in one["statements"][0]
    bad = cli(data, "bill", "--as-of", "2026-03-03", config="[minimum_payment]\nbatch_cost = 1\n")
    assert bad.exit_code == 1 and "minimum_payment.batch_cost: expected true or false" in bad.stderr
