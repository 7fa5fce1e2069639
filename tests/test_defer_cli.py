"""``baitiao defer`` through the CLI: a deferral and its fee, every refusal with its reason,
dry runs that change no byte, idempotency and conflicts, torn journals.

Built-in config: statement day 3, due = statement + 9, grace 0, deferral.max_days 30,
deferral.fee_rate 1%, late fee 0.05%/day.

Customer C1 (opened 2026-01-01): T1 500.00 pay-in-full on 2026-01-10 -> statement 2026-02-03, due 02-12.
Customer C2 (opened 2025-12-01): T8 100.00 on 2025-12-10 -> statement 2026-01-03 due 01-12, never paid
(overdue from 01-13); T9 200.00 on 2026-01-10 -> statement 2026-02-03 due 02-12.
"""

from __future__ import annotations

import csv
import hashlib
import io
from pathlib import Path

import pytest
from typer.testing import CliRunner

from baitiao_cli.cli.app import app
from trust_helpers import ok_json, refused as refused_run

CUSTOMERS = """customer_id,name,opened_on,statement_day
C1,张三,2026-01-01,3
C2,李四,2025-12-01,3
"""
TRANSACTIONS = """txn_id,customer_id,date,amount
T1,C1,2026-01-10,500.00
T8,C2,2025-12-10,100.00
T9,C2,2026-01-10,200.00
"""
DEF_HEADER = "deferral_id,customer_id,statement_date,date,days\n"
REP_HEADER = "repayment_id,customer_id,date,amount,kind,channel\n"


@pytest.fixture(autouse=True)
def isolated(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("BAITIAO_CONFIG", raising=False)


def make_dir(root: Path, repayments=None, deferrals=None) -> Path:
    d = root / "data"
    d.mkdir()
    (d / "customers.csv").write_text(CUSTOMERS, encoding="utf-8")
    (d / "transactions.csv").write_text(TRANSACTIONS, encoding="utf-8")
    if repayments is not None:
        (d / "repayments.csv").write_text(repayments, encoding="utf-8")
    if deferrals is not None:
        (d / "deferrals.csv").write_text(deferrals, encoding="utf-8")
    return d


@pytest.fixture
def data(tmp_path) -> Path:
    return make_dir(tmp_path)


def snapshot(d: Path) -> dict:
    return {str(p.relative_to(d)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(d.rglob("*")) if p.is_file()}


def defer(d: Path, customer="C1", statement="2026-02-03", days="10", on="2026-02-10", ref="D1", *extra: str,
          fmt="json", as_of=None):
    argv = ["defer", "--data-dir", str(d), "--format", fmt, "--customer", customer, "--statement-date", statement,
            "--days", days, "--date", on, "--ref", ref, "--as-of", as_of or on, *extra]
    return CliRunner().invoke(app, argv)


def refused(r, reason: str) -> None:
    """``trust_helpers.refused``, and the refusal says nothing was written."""
    refused_run(r, reason)
    assert "nothing written" in r.stderr


# --- a deferral ------------------------------------------------------------------------------------

def test_deferral_moves_the_due_date_and_charges_the_fee(data):
    # Statement 02-03 due 02-12, 500.00 unpaid. Deferred by 10 days on 02-10: due 02-22;
    # fee = 1% x 500.00 = 5.00, a fee item due 02-22.
    obj = ok_json(defer(data))
    assert list(obj)[:7] == ["deferral_id", "status", "customer_id", "statement_date", "new_due_date", "fee", "days"]
    assert (obj["deferral_id"], obj["status"], obj["customer_id"], obj["statement_date"], obj["new_due_date"],
            obj["fee"], obj["days"]) == ("D1", "recorded", "C1", "2026-02-03", "2026-02-22", "5.00", 10)
    assert obj["original_due_date"] == "2026-02-12" and obj["deferred_outstanding"] == "500.00"
    rows = list(csv.DictReader(io.StringIO((data / "deferrals.csv").read_text(encoding="utf-8"))))
    assert rows == [{"deferral_id": "D1", "customer_id": "C1", "statement_date": "2026-02-03",
                     "date": "2026-02-10", "days": "10"}]


def test_repayment_after_a_deferral_owes_no_late_fee(data):
    ok_json(defer(data))
    # Paid on the new due date 02-22: no late fee; T1 500.00 first (statement 02-03, purchase 01-10),
    # then the deferral fee item D1 (same due date and statement, dated 02-10): fee 5.00.
    r = CliRunner().invoke(app, ["repay", "--data-dir", str(data), "--format", "json", "--customer", "C1",
                                 "--amount", "505.00", "--date", "2026-02-22", "--ref", "R1",
                                 "--as-of", "2026-02-22"])
    obj = ok_json(r)
    assert [(a["txn_id"], a["component"], a["amount"]) for a in obj["allocations"]] == [
        ("T1", "principal", "500.00"), ("D1", "fee", "5.00")]
    assert obj["remaining"]["total_owed"] == "0.00"


def test_deferral_after_a_partial_payment_charges_on_what_is_unpaid(tmp_path):
    # 200.00 paid on 02-05; 300.00 left -> fee 1% x 300.00 = 3.00; 30 days (the maximum): due 03-14.
    d = make_dir(tmp_path, repayments=REP_HEADER + "R1,C1,2026-02-05,200.00,normal,\n")
    obj = ok_json(defer(d, days="30"))
    assert (obj["new_due_date"], obj["fee"], obj["deferred_outstanding"]) == ("2026-03-14", "3.00", "300.00")


def test_table_and_csv_output(data):
    r = defer(data, "C1", "2026-02-03", "10", "2026-02-10", "D1", "--dry-run", fmt="table")
    assert r.exit_code == 0
    assert "Dry run: nothing written · deferral D1 · customer C1 张三" in r.stdout
    assert "now due 2026-02-22, deferral fee 5.00" in r.stdout
    r = defer(data, fmt="csv")
    rows = list(csv.reader(io.StringIO(r.stdout)))
    assert rows == [["deferral_id", "status", "customer_id", "statement_date", "original_due_date", "new_due_date",
                     "days", "deferred_outstanding", "fee"],
                    ["D1", "recorded", "C1", "2026-02-03", "2026-02-12", "2026-02-22", "10", "500.00", "5.00"]]


# --- refusals, each with its reason -----------------------------------------------------------------

def test_refused_already_deferred(data):
    ok_json(defer(data))
    before = snapshot(data)
    refused(defer(data, "C1", "2026-02-03", "5", "2026-02-11", "D2"), "statement 2026-02-03 is already deferred")
    assert snapshot(data) == before


def test_refused_after_the_due_date(data):
    refused(defer(data, on="2026-02-13"), "after the statement's due date 2026-02-12")
    assert not (data / "deferrals.csv").exists()


def test_refused_when_the_account_is_overdue(data):
    # C2's 01-03 statement (100.00 due 01-12) is unpaid on 02-10: overdue.
    refused(defer(data, customer="C2"), "the account is overdue")
    assert not (data / "deferrals.csv").exists()


@pytest.mark.parametrize("days, reason", [("31", "31 days is outside 1..30"), ("0", "0 days is outside 1..30"),
                                          ("-3", "-3 days is outside 1..30")])
def test_refused_days_outside_the_range(data, days, reason):
    refused(defer(data, days=days), reason)
    assert not (data / "deferrals.csv").exists()


def test_refused_days_outside_a_configured_range(tmp_path):
    d = make_dir(tmp_path)
    cfg = tmp_path / "c.toml"
    cfg.write_text("[deferral]\nmax_days = 7\n", encoding="utf-8")
    refused(defer(d, "C1", "2026-02-03", "8", "2026-02-10", "D1", "--config", str(cfg)), "8 days is outside 1..7")


def test_refused_no_such_statement(data):
    refused(defer(data, statement="2026-02-04"), "no statement of this customer on 2026-02-04")
    # before the account opened (2026-01-01): no statement
    refused(defer(data, statement="2025-12-03", on="2026-01-05"), "no statement of this customer on 2025-12-03")
    # C1's first statement is 01-03 (the first statement day after opening), with nothing on it
    refused(defer(data, statement="2026-01-03", on="2026-01-05"), "nothing is unpaid on statement 2026-01-03")


def test_refused_statement_not_issued_yet(data):
    refused(defer(data, statement="2026-03-03"), "the statement of 2026-03-03 is not issued yet on 2026-02-10")


def test_refused_nothing_unpaid(tmp_path):
    d = make_dir(tmp_path, repayments=REP_HEADER + "R1,C1,2026-02-05,500.00,normal,\n")
    refused(defer(d), "nothing is unpaid on statement 2026-02-03")


@pytest.mark.parametrize("kw, reason", [
    ({"customer": "C7"}, "unknown customer 'C7'"),
    ({"on": "2026-02-10", "as_of": "2026-02-09"}, "after the business date 2026-02-09"),
])
def test_refused_requests(data, kw, reason):
    args = {"customer": "C1", "statement": "2026-02-03", "days": "10", "on": "2026-02-10", "ref": "D1"}
    as_of = kw.pop("as_of", None)
    args.update(kw)
    r = defer(data, *args.values(), as_of=as_of)
    assert r.exit_code == 1 and reason in r.stderr and r.stdout == ""


@pytest.mark.parametrize("opt, value", [("--days", "ten"), ("--days", "1.5"), ("--statement-date", "2026-02-30"),
                                        ("--date", "feb 10"), ("--ref", "D 1"), ("--customer", "C/1")])
def test_malformed_option_is_a_usage_error(data, opt, value):
    argv = {"--customer": "C1", "--statement-date": "2026-02-03", "--days": "10", "--date": "2026-02-10",
            "--ref": "D1", "--as-of": "2026-02-10"}
    argv[opt] = value
    r = CliRunner().invoke(app, ["defer", "--data-dir", str(data), *[x for kv in argv.items() for x in kv]])
    assert r.exit_code == 2, (r.stdout, r.stderr)
    assert opt in r.stderr and "Traceback" not in r.stderr
    assert not (data / "deferrals.csv").exists()


# --- dry run, idempotency, journal safety ---------------------------------------------------------------

@pytest.mark.parametrize("with_journal", [True, False])
def test_dry_run_changes_no_byte(tmp_path, with_journal):
    d = make_dir(tmp_path, deferrals=DEF_HEADER if with_journal else None)
    before = snapshot(d)
    obj = ok_json(defer(d, "C1", "2026-02-03", "10", "2026-02-10", "D1", "--dry-run"))
    assert obj["status"] == "dry_run" and obj["new_due_date"] == "2026-02-22" and obj["fee"] == "5.00"
    assert snapshot(d) == before


def test_same_ref_same_content_is_a_duplicate(data):
    first = ok_json(defer(data))
    before = snapshot(data)
    again = ok_json(defer(data, as_of="2026-03-01"))
    assert again["status"] == "duplicate"
    assert (again["new_due_date"], again["fee"]) == (first["new_due_date"], first["fee"])
    assert snapshot(data) == before


@pytest.mark.parametrize("kw, field", [
    ({"days": "11"}, "days 10 in the journal, 11 in this request"),
    ({"on": "2026-02-11"}, "date 2026-02-10 in the journal, 2026-02-11 in this request"),
    ({"customer": "C2"}, "customer_id C1 in the journal, C2 in this request"),
])
def test_same_ref_different_content_is_refused(data, kw, field):
    ok_json(defer(data))
    before = snapshot(data)
    args = {"customer": "C1", "statement": "2026-02-03", "days": "10", "on": "2026-02-10", "ref": "D1"}
    args.update(kw)
    r = defer(data, *args.values())
    assert r.exit_code == 1 and "'D1' is already in" in r.stderr and field in r.stderr
    assert snapshot(data) == before


def test_torn_deferrals_journal_is_refused(tmp_path):
    d = make_dir(tmp_path, deferrals=DEF_HEADER + "D0,C1,2026-02-03,2026-02-05,1")   # "1" of "10"?
    before = snapshot(d)
    r = defer(d, ref="D1")
    assert r.exit_code == 1 and "deferrals.csv:2: the last line is incomplete" in r.stderr
    assert snapshot(d) == before


def test_torn_repayments_journal_also_blocks_defer(tmp_path):
    d = make_dir(tmp_path, repayments=REP_HEADER + "R1,C1,2026-02-05,5")
    before = snapshot(d)
    r = defer(d)
    assert r.exit_code == 1 and "repayments.csv:2: the last line is incomplete" in r.stderr
    assert snapshot(d) == before


def test_back_dated_deferral_warns(tmp_path):
    # A payment of 100.00 on 02-11 is already in the journal; a deferral requested on 02-10 is
    # posted afterwards: allowed (replayed by value date), with a warning.
    d = make_dir(tmp_path, repayments=REP_HEADER + "R1,C1,2026-02-11,100.00,normal,\n")
    r = defer(d, as_of="2026-02-11")
    obj = ok_json(r)
    assert obj["back_dated"] is True and "back-dated deferral" in r.stderr
    assert obj["fee"] == "5.00"          # on 02-10 all 500.00 was unpaid
