"""``baitiao repay`` through the CLI: allocation, credit, early settlement under each policy,
dry runs that change no byte, idempotency and conflicts, torn journals, validation, formats.

Built-in config unless a test writes one (statement day 3, due = statement + 9, grace 0,
late fee 0.05%/day, fee 0.5% per period, early_settlement_fees = all_remaining).

The portfolio of customer C1 (opened 2026-01-01, statement day 3):
- T1 500.00 pay-in-full on 2026-01-10  -> billed 02-03, due 02-12
- T2 1200.00 in 12 on 2026-01-20       -> 100.00 + 6.00 (1200 x 0.5%) a period; period 1 billed
                                          02-03 due 02-12, period 2 billed 03-03 due 03-12, ...
- T3 300.00 pay-in-full on 2026-02-05  -> billed 03-03, due 03-12
Nothing is paid before the test's repayment.
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

CUSTOMERS = """customer_id,name,phone,opened_on,statement_day
C1,张三,13812345678,2026-01-01,3
C2,李四,13900001111,2026-01-01,3
"""
TRANSACTIONS = """txn_id,customer_id,date,amount,installments
T1,C1,2026-01-10,500.00,1
T2,C1,2026-01-20,1200.00,12
T3,C1,2026-02-05,300.00,1
T9,C2,2026-01-10,100.00,1
"""
HEADER = "repayment_id,customer_id,date,amount,kind,channel\n"


@pytest.fixture(autouse=True)
def isolated(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("BAITIAO_CONFIG", raising=False)


def make_dir(root: Path, customers=CUSTOMERS, transactions=TRANSACTIONS, repayments=None, deferrals=None,
             ext="csv") -> Path:
    d = root / "data"
    d.mkdir(parents=True)
    (d / "customers.csv").write_text(customers, encoding="utf-8")
    (d / f"transactions.{ext}").write_text(transactions, encoding="utf-8")
    if repayments is not None:
        (d / f"repayments.{ext}").write_text(repayments, encoding="utf-8")
    if deferrals is not None:
        (d / f"deferrals.{ext}").write_text(deferrals, encoding="utf-8")
    return d


@pytest.fixture
def data(tmp_path) -> Path:
    return make_dir(tmp_path)


def snapshot(d: Path) -> dict:
    """Every file of the data directory (and below) with the hash of its bytes."""
    return {str(p.relative_to(d)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(d.rglob("*")) if p.is_file()}


def repay(d: Path, *args: str, fmt: str = "json", as_of: str = "2026-03-05"):
    argv = ["repay", "--data-dir", str(d), "--format", fmt, *args]
    if as_of and "--as-of" not in args:
        argv += ["--as-of", as_of]
    return CliRunner().invoke(app, argv)


def ok_json(result) -> dict:
    assert result.exit_code == 0, (result.stdout, result.stderr)
    assert "Traceback" not in result.stderr
    return json.loads(result.stdout)


def lines_of(obj: dict) -> list:
    return [(a["txn_id"], a["period"], a["component"], a["amount"]) for a in obj["allocations"]]


def journal_rows(d: Path, name: str = "repayments.csv") -> list:
    return list(csv.DictReader(io.StringIO((d / name).read_text(encoding="utf-8"))))


# --- allocation (SPEC 4.5) --------------------------------------------------------------------------

def test_accrued_late_fee_then_principal_oldest_due_first(data):
    # On 02-20 T1 (500.00) and T2 1/12 (106.00), both due 02-12, are unpaid: 606.00 overdue.
    # Late fee 02-13..02-20 = 8 days x 606.00 x 0.0005 = 2.424 -> 2.42, posted at the repayment.
    # 100.00 = 2.42 late fee + 97.58 of T1 (same due and statement date as T2 1/12, earlier purchase:
    # first); T1 has no fee, so principal.
    obj = ok_json(repay(data, "--customer", "C1", "--amount", "100", "--date", "2026-02-20", "--ref", "R1",
                        as_of="2026-02-20"))
    assert obj["status"] == "recorded"
    assert lines_of(obj) == [(None, None, "late_fee", "2.42"), ("T1", 1, "principal", "97.58")]
    assert obj["credit_balance"] == "0.00"
    # still owed: 402.42 of T1 + 106.00 of T2 1/12 billed = 508.42; unbilled principal: T2 2..12
    # 1100.00 + T3 300.00 (billed on 03-03) = 1400.00; total 1908.42
    assert obj["remaining"]["billed_unpaid"] == "508.42"
    assert obj["remaining"]["unbilled_principal"] == "1400.00"
    assert obj["remaining"]["total_owed"] == "1908.42"
    assert obj["amount"] == "100.00" and obj["kind"] == "normal"
    assert journal_rows(data) == [{"repayment_id": "R1", "customer_id": "C1", "date": "2026-02-20",
                                   "amount": "100.00", "kind": "normal", "channel": ""}]


def test_posted_late_fee_then_fees_before_principal_oldest_due_first(data):
    # Statement 03-03 posts the late fee of 02-13..03-03: 19 days x 606.00 x 0.0005 = 5.757 -> 5.76,
    # and bills T2 2/12 (106.00) and T3 (300.00), both due 03-12.
    # Repayment on 03-05: accrued 03-04..03-05 = 2 days x 606.00 x 0.0005 = 0.606 -> 0.61 posted;
    # late fee line = 5.76 + 0.61 = 6.37.
    # Then due 02-12: T1 principal 500.00, T2 1/12 fee 6.00 then principal 100.00;
    # then due 03-12: T2 2/12 (purchase 01-20, before T3's 02-05) fee 6.00, principal 100.00;
    # then T3 gets the rest: 1000.00 - 6.37 - 500 - 106 - 106 = 281.63.
    obj = ok_json(repay(data, "--customer", "C1", "--amount", "1000.00", "--date", "2026-03-05",
                        "--ref", "R1", "--channel", "app"))
    assert lines_of(obj) == [
        (None, None, "late_fee", "6.37"),
        ("T1", 1, "principal", "500.00"),
        ("T2", 1, "fee", "6.00"), ("T2", 1, "principal", "100.00"),
        ("T2", 2, "fee", "6.00"), ("T2", 2, "principal", "100.00"),
        ("T3", 1, "principal", "281.63"),
    ]
    assert sum(int(a["amount"].replace(".", "")) for a in obj["allocations"]) == 100000
    # what remains: T3 300.00 - 281.63 = 18.37 billed; T2 3..12 = 1000.00 unbilled principal
    r = obj["remaining"]
    assert (r["billed_unpaid"], r["late_fee_owed"], r["unbilled_principal"], r["total_owed"]) == (
        "18.37", "0.00", "1000.00", "1018.37")
    assert r["dpd"] == 0 and obj["credit_balance"] == "0.00" and obj["channel"] == "app"


def test_overpayment_becomes_credit_balance(data):
    # Everything billed on 03-05 costs 6.37 + 500 + 106 + 106 + 300 = 1018.37 (see above);
    # 1100.00 leaves 81.63 as credit balance (溢缴款), shown as a credit line.
    obj = ok_json(repay(data, "--customer", "C1", "--amount", "1100.00", "--date", "2026-03-05", "--ref", "R1"))
    assert lines_of(obj)[-2:] == [("T3", 1, "principal", "300.00"), (None, None, "credit", "81.63")]
    assert obj["credit_balance"] == "81.63" and obj["to_credit"] == "81.63"
    # credit is netted in total_owed: 1000.00 unbilled principal - 81.63 credit
    assert obj["remaining"]["total_owed"] == "918.37"
    assert obj["remaining"]["total_due"] == "0.00"


def test_nothing_owed_warns_and_all_goes_to_credit(data):
    # C2's purchase is billed on 02-03; on 01-20 nothing is billed yet.
    r = repay(data, "--customer", "C2", "--amount", "50.00", "--date", "2026-01-20", "--ref", "R1",
              as_of="2026-01-20")
    obj = ok_json(r)
    assert lines_of(obj) == [(None, None, "credit", "50.00")]
    assert "nothing was owed" in r.stderr


# --- early settlement (SPEC 4.5) ------------------------------------------------------------------

SETTLE_TXNS = """txn_id,customer_id,date,amount,installments
T2,C1,2026-01-20,1200.00,12
"""
SETTLE_REPS = HEADER + "R0,C1,2026-02-10,106.00,normal,app\n"


def _settle_dir(tmp_path: Path, policy: str) -> tuple[Path, list]:
    d = make_dir(tmp_path, transactions=SETTLE_TXNS, repayments=SETTLE_REPS)
    cfg = tmp_path / "policy.toml"
    cfg.write_text(f'[installments]\nearly_settlement_fees = "{policy}"\n', encoding="utf-8")
    return d, ["--config", str(cfg)]


@pytest.mark.parametrize("policy, payoff, fee_lines, credit", [
    # T2 1/12 (106.00) was paid on time by R0. On 02-20: billed unpaid 0, no late fee,
    # unbilled principal 11 x 100.00 = 1100.00.
    ("all_remaining", "1166.00", 11, "34.00"),    # + 11 remaining fees x 6.00 = 66.00; 1200 - 1166 = 34
    ("current_period", "1106.00", 1, "94.00"),    # + the next period's fee only: 6.00; 1200 - 1106 = 94
    ("none", "1100.00", 0, "100.00"),             # no unbilled fee; 1200 - 1100 = 100
])
def test_settle_under_each_policy(tmp_path, policy, payoff, fee_lines, credit):
    d, cfg = _settle_dir(tmp_path, policy)
    obj = ok_json(repay(d, *cfg, "--customer", "C1", "--amount", "1200.00", "--date", "2026-02-20",
                        "--ref", "S1", "--settle", as_of="2026-02-20"))
    assert obj["status"] == "recorded" and obj["kind"] == "settle" and obj["applied_as"] == "settle"
    assert obj["payoff"] == payoff and obj["early_settlement_fees"] == policy
    lines = lines_of(obj)
    assert [ln for ln in lines if ln[2] == "principal"] == [("T2", p, "principal", "100.00") for p in range(2, 13)]
    assert [ln for ln in lines if ln[2] == "fee"] == [("T2", p, "fee", "6.00") for p in range(2, 2 + fee_lines)]
    assert lines[-1] == (None, None, "credit", credit)
    assert obj["credit_balance"] == credit
    assert obj["remaining"]["total_owed"] == "0.00" and obj["remaining"]["unbilled_principal"] == "0.00"
    assert journal_rows(d)[-1] == {"repayment_id": "S1", "customer_id": "C1", "date": "2026-02-20",
                                   "amount": "1200.00", "kind": "settle", "channel": ""}


def test_short_settle_is_refused_and_nothing_written(tmp_path):
    d, cfg = _settle_dir(tmp_path, "all_remaining")
    before = snapshot(d)
    r = repay(d, *cfg, "--customer", "C1", "--amount", "1165.99", "--date", "2026-02-20", "--ref", "S1",
              "--settle", as_of="2026-02-20")
    assert r.exit_code == 1
    assert r.stdout == ""
    assert "does not cover the payoff 1166.00" in r.stderr and "nothing written" in r.stderr
    assert "Traceback" not in r.stderr
    assert snapshot(d) == before


def test_settle_dry_run_quotes_the_payoff_even_when_short(tmp_path):
    # The operator's quote: a token amount, --settle --dry-run -> payoff on stdout, refusal on
    # stderr, exit 1, nothing written.
    d, cfg = _settle_dir(tmp_path, "current_period")
    before = snapshot(d)
    r = repay(d, *cfg, "--customer", "C1", "--amount", "0.01", "--date", "2026-02-20", "--ref", "Q1",
              "--settle", "--dry-run", as_of="2026-02-20")
    assert r.exit_code == 1
    obj = json.loads(r.stdout)
    assert obj["status"] == "dry_run" and obj["payoff"] == "1106.00" and obj["allocations"] == []
    assert "does not cover the payoff 1106.00" in obj["refused"]
    assert "does not cover the payoff 1106.00" in r.stderr
    assert snapshot(d) == before


def test_settle_payoff_includes_late_fee_and_billed_items(data):
    # On 03-05 (see the module docstring): late fee 6.37, billed 500 + 106 + 106 + 300 = 1012.00,
    # unbilled T2 3..12 principal 1000.00 and fees 10 x 6.00 = 60.00 -> payoff 2078.37.
    r = repay(data, "--customer", "C1", "--amount", "2078.37", "--date", "2026-03-05", "--ref", "S1",
              "--settle", "--dry-run")
    obj = ok_json(r)
    assert obj["payoff"] == "2078.37" and obj["credit_balance"] == "0.00"
    assert obj["remaining"]["total_owed"] == "0.00"


# --- dry run: not one byte changes ------------------------------------------------------------------

@pytest.mark.parametrize("args", [
    ("--customer", "C1", "--amount", "100.00", "--date", "2026-03-05", "--ref", "R9"),
    ("--customer", "C1", "--amount", "5000.00", "--date", "2026-03-05", "--ref", "R9", "--settle"),
])
@pytest.mark.parametrize("with_journal", [True, False])
def test_dry_run_changes_no_byte(tmp_path, args, with_journal):
    d = make_dir(tmp_path, repayments=HEADER + "R0,C1,2026-02-10,10.00,normal,\n" if with_journal else None)
    before = snapshot(d)
    real_args = [a for a in args]
    obj = ok_json(repay(d, *real_args, "--dry-run"))
    assert obj["status"] == "dry_run" and obj["allocations"]
    assert snapshot(d) == before               # no journal created, none appended to
    # and the real run gives the same allocation
    real = ok_json(repay(d, *real_args))
    assert real["status"] == "recorded" and real["allocations"] == obj["allocations"]
    assert snapshot(d) != before


# --- idempotency -----------------------------------------------------------------------------------

def test_same_ref_same_content_is_a_duplicate_and_writes_nothing(data):
    args = ("--customer", "C1", "--amount", "1000.00", "--date", "2026-03-05", "--ref", "R1", "--channel", "bank")
    first = ok_json(repay(data, *args))
    before = snapshot(data)
    again = repay(data, *args, as_of="2026-03-20")       # a retry, days later
    obj = ok_json(again)
    assert obj["status"] == "duplicate"
    assert obj["allocations"] == first["allocations"]  # the original allocation
    assert snapshot(data) == before
    assert len(journal_rows(data)) == 1


def test_duplicate_table_says_nothing_written(data):
    args = ("--customer", "C1", "--amount", "10.00", "--date", "2026-03-05", "--ref", "R1")
    ok_json(repay(data, *args))
    r = repay(data, *args, fmt="table")
    assert r.exit_code == 0
    assert "Already recorded" in r.stdout and "nothing written" in r.stdout


@pytest.mark.parametrize("change, field", [
    (("--amount", "10.01"), "amount 10.00 in the journal, 10.01 in this request"),
    (("--date", "2026-03-04"), "date 2026-03-05 in the journal, 2026-03-04 in this request"),
    (("--customer", "C2"), "customer_id C1 in the journal, C2 in this request"),
    (("--settle",), "kind normal in the journal, settle in this request"),
    (("--channel", "bank"), "channel (empty) in the journal, bank in this request"),
])
def test_same_ref_different_content_is_refused(data, change, field):
    base = {"--customer": "C1", "--amount": "10.00", "--date": "2026-03-05", "--ref": "R1"}
    ok_json(repay(data, *[x for kv in base.items() for x in kv]))
    before = snapshot(data)
    args = dict(base)
    flags = []
    if len(change) == 2:
        args[change[0]] = change[1]
    else:
        flags.append(change[0])
    r = repay(data, *[x for kv in args.items() for x in kv], *flags)
    assert r.exit_code == 1, r.stdout
    assert "'R1' is already in" in r.stderr and field in r.stderr
    assert r.stdout == "" and "Traceback" not in r.stderr
    assert snapshot(data) == before


def test_ref_in_a_hand_written_journal_counts(tmp_path):
    d = make_dir(tmp_path, repayments=HEADER + "R0,C1,2026-02-10,106.00,normal,app\n")
    obj = ok_json(repay(d, "--customer", "C1", "--amount", "106.00", "--date", "2026-02-10", "--ref", "R0",
                        "--channel", "app"))
    assert obj["status"] == "duplicate"
    # R0 paid T1 first (same due date 02-12 as T2 1/12, earlier purchase), on time: no late fee
    assert lines_of(obj) == [("T1", 1, "principal", "106.00")]


# --- journal safety ---------------------------------------------------------------------------------

@pytest.mark.parametrize("torn", ["R0,C1,2026-02-10,10", "R0,C1,2026-02-10,106.00,normal,ap"])
@pytest.mark.parametrize("dry", [False, True])
def test_torn_last_line_is_refused_and_nothing_appended(tmp_path, torn, dry):
    # A crash mid-write left a record without its newline. Both examples would even parse
    # ("10" for "106.00"): never applied, never appended after.
    d = make_dir(tmp_path, repayments=HEADER + torn)
    before = snapshot(d)
    r = repay(d, "--customer", "C1", "--amount", "10.00", "--date", "2026-03-05", "--ref", "R1",
              *(["--dry-run"] if dry else []))
    assert r.exit_code == 1
    assert "repayments.csv:2: the last line is incomplete" in r.stderr
    assert r.stdout == "" and "Traceback" not in r.stderr
    assert snapshot(d) == before


def test_torn_deferrals_journal_also_blocks_repay(tmp_path):
    d = make_dir(tmp_path, deferrals="deferral_id,customer_id,statement_date,date,days\nD1,C1,2026-02-03,2026-02-0")
    before = snapshot(d)
    r = repay(d, "--customer", "C1", "--amount", "10.00", "--date", "2026-03-05", "--ref", "R1")
    assert r.exit_code == 1 and "deferrals.csv:2: the last line is incomplete" in r.stderr
    assert snapshot(d) == before


def test_invalid_data_refuses_and_writes_nothing(tmp_path):
    d = make_dir(tmp_path, transactions=TRANSACTIONS + "T4,C1,2026-02-30,1.234,1\n")
    before = snapshot(d)
    r = repay(d, "--customer", "C1", "--amount", "10.00", "--date", "2026-03-05", "--ref", "R1")
    assert r.exit_code == 1
    assert "transactions.csv:6: date:" in r.stderr and "transactions.csv:6: amount:" in r.stderr
    assert "nothing was computed or written" in r.stderr
    assert snapshot(d) == before


def test_json_array_journal_is_refused_even_in_a_dry_run(tmp_path):
    d = make_dir(tmp_path)
    (d / "repayments.json").write_text(json.dumps([{"repayment_id": "R0", "customer_id": "C1", "date": "2026-02-10",
                                                    "amount": "10.00"}]) + "\n", encoding="utf-8")
    before = snapshot(d)
    for extra in ([], ["--dry-run"]):
        r = repay(d, "--customer", "C1", "--amount", "10.00", "--date", "2026-03-05", "--ref", "R1", *extra)
        assert r.exit_code == 1 and "JSON Lines" in r.stderr
    assert snapshot(d) == before


def test_new_journal_follows_the_transactions_format_jsonl(tmp_path):
    txns = "\n".join(json.dumps(t) for t in [
        {"txn_id": "T1", "customer_id": "C1", "date": "2026-01-10", "amount": "500.00"}]) + "\n"
    d = make_dir(tmp_path, transactions=txns, ext="jsonl")
    obj = ok_json(repay(d, "--customer", "C1", "--amount", "500.00", "--date", "2026-02-12", "--ref", "R1",
                        "--channel", "支付宝"))
    assert obj["journal"].endswith("repayments.jsonl")
    assert [json.loads(x) for x in (d / "repayments.jsonl").read_text(encoding="utf-8").splitlines()] == [
        {"repayment_id": "R1", "customer_id": "C1", "date": "2026-02-12", "amount": "500.00",
         "kind": "normal", "channel": "支付宝"}]
    assert not (d / "repayments.csv").exists()


def test_existing_journal_without_kind_column_gets_normal_repayments(tmp_path):
    d = make_dir(tmp_path, repayments="Repayment_ID,Customer_ID,Date,Amount\r\nR0,C1,2026-02-10,1.00\r\n")
    ok_json(repay(d, "--customer", "C1", "--amount", "10.00", "--date", "2026-03-05", "--ref", "R1"))
    assert (d / "repayments.csv").read_bytes().endswith(b"R0,C1,2026-02-10,1.00\r\nR1,C1,2026-03-05,10.00\r\n")
    # a settle needs the kind column: refused, nothing written
    before = snapshot(d)
    r = repay(d, "--customer", "C1", "--amount", "9999.00", "--date", "2026-03-05", "--ref", "S1", "--settle")
    assert r.exit_code == 1 and "no column 'kind'" in r.stderr
    assert snapshot(d) == before


def test_back_dated_repayment_is_allowed_with_a_warning(tmp_path):
    d = make_dir(tmp_path, repayments=HEADER + "R5,C1,2026-03-01,50.00,normal,\n")
    r = repay(d, "--customer", "C1", "--amount", "10.00", "--date", "2026-02-20", "--ref", "R1")
    obj = ok_json(r)
    assert obj["back_dated"] is True
    assert "back-dated repayment" in r.stderr and "2026-03-01" in r.stderr
    # replayed by value date: the 02-20 payment comes first (late fee 2.42, then T1 7.58)
    assert lines_of(obj) == [(None, None, "late_fee", "2.42"), ("T1", 1, "principal", "7.58")]
    assert [row["repayment_id"] for row in journal_rows(d)] == ["R5", "R1"]


# --- validation of the request --------------------------------------------------------------------

@pytest.mark.parametrize("opt, value, message", [
    ("--amount", "1.234", "more than 2 decimal places"),
    ("--amount", "0", "greater than zero"),
    ("--amount", "-5", "positive"),
    ("--amount", "1e3", "exponent"),
    ("--amount", "NaN", "finite"),
    ("--date", "2026-02-30", "impossible date"),
    ("--date", "20260305", "YYYY-MM-DD"),
    ("--ref", "R 1", "--ref"),
    ("--ref", "x" * 65, "--ref"),
    ("--ref", "R1\n", "--ref"),
    ("--customer", "C 1", "--customer"),
    ("--as-of", "yesterday", "--as-of"),
    ("--channel", "a\tb", "--channel"),
])
def test_malformed_option_is_a_usage_error(data, opt, value, message):
    args = {"--customer": "C1", "--amount": "10.00", "--date": "2026-03-05", "--ref": "R1"}
    args[opt] = value
    before = snapshot(data)
    r = repay(data, *[x for kv in args.items() for x in kv])
    assert r.exit_code == 2, (r.stdout, r.stderr)
    assert message in r.stderr and "Traceback" not in r.stderr
    assert snapshot(data) == before


def test_missing_option_is_a_usage_error(data):
    r = CliRunner().invoke(app, ["repay", "--data-dir", str(data), "--customer", "C1", "--amount", "1.00",
                                 "--date", "2026-03-05"])
    assert r.exit_code == 2 and "--ref" in r.stderr


@pytest.mark.parametrize("args, message", [
    (("--customer", "C7", "--date", "2026-03-05"), "unknown customer 'C7'"),
    (("--customer", "C1", "--date", "2025-12-31"), "before the account of 'C1' opened (2026-01-01)"),
    (("--customer", "C1", "--date", "2026-03-06"), "after the business date 2026-03-05"),
])
def test_refused_requests_exit_1(data, args, message):
    before = snapshot(data)
    r = repay(data, *args, "--amount", "10.00", "--ref", "R1")
    assert r.exit_code == 1 and message in r.stderr and r.stdout == ""
    assert snapshot(data) == before


def test_missing_data_dir_is_exit_1(tmp_path):
    r = repay(tmp_path / "nope", "--customer", "C1", "--amount", "1.00", "--date", "2026-03-05", "--ref", "R1")
    assert r.exit_code == 1 and "data directory not found" in r.stderr and "Traceback" not in r.stderr


# --- formats ---------------------------------------------------------------------------------------

def test_json_contract_keys(data):
    obj = ok_json(repay(data, "--customer", "C1", "--amount", "10.00", "--date", "2026-03-05", "--ref", "R1"))
    assert list(obj)[:4] == ["repayment_id", "status", "allocations", "credit_balance"]
    assert all(list(a) == ["txn_id", "period", "component", "amount"] for a in obj["allocations"])


def test_csv_output_is_the_allocation_lines(data):
    r = repay(data, "--customer", "C1", "--amount", "1100.00", "--date", "2026-03-05", "--ref", "R1", fmt="csv")
    assert r.exit_code == 0
    rows = list(csv.reader(io.StringIO(r.stdout)))
    assert rows[0] == ["repayment_id", "status", "txn_id", "period", "component", "amount"]
    assert rows[1] == ["R1", "recorded", "", "", "late_fee", "6.37"]
    assert rows[-1] == ["R1", "recorded", "", "", "credit", "81.63"]
    assert len(rows) == 1 + 8


def test_table_output(data):
    r = repay(data, "--customer", "C1", "--amount", "1100.00", "--date", "2026-03-05", "--ref", "R1", fmt="table")
    assert r.exit_code == 0
    out = r.stdout
    assert "Recorded · repayment R1 · customer C1 张三" in out
    assert "late fee" in out and "281.63" not in out and "300.00" in out
    assert "Credit balance 81.63" in out and "still owed 918.37" in out
    assert "13812345678" not in out


def test_settle_table_shows_payoff(tmp_path):
    d, cfg = _settle_dir(tmp_path, "none")
    r = repay(d, *cfg, "--customer", "C1", "--amount", "1100.00", "--date", "2026-02-20", "--ref", "S1",
              "--settle", "--dry-run", fmt="table", as_of="2026-02-20")
    assert r.exit_code == 0
    assert "Payoff on 2026-02-20 (installments.early_settlement_fees = none): 1100.00" in r.stdout
    assert "Dry run: nothing written" in r.stdout


def test_topping_up_an_under_posted_amount_allocates_as_one_payment(tmp_path):
    # docs/posting.md, "Amount too low": 100.00 posted instead of 1000.00, then a top-up of 900.00
    # with a new ref on the same value date: together the same lines as one 1000.00 payment
    # (see test_posted_late_fee_then_fees_before_principal_oldest_due_first).
    one = ok_json(repay(make_dir(tmp_path / "a"), "--customer", "C1", "--amount", "1000.00", "--date", "2026-03-05",
                        "--ref", "R1"))
    d = make_dir(tmp_path / "b")
    first = ok_json(repay(d, "--customer", "C1", "--amount", "100.00", "--date", "2026-03-05", "--ref", "R1"))
    adj = ok_json(repay(d, "--customer", "C1", "--amount", "900.00", "--date", "2026-03-05", "--ref", "R1-ADJ"))
    totals: dict = {}
    for a in first["allocations"] + adj["allocations"]:
        key = (a["txn_id"], a["period"], a["component"])
        totals[key] = totals.get(key, 0) + int(a["amount"].replace(".", ""))
    assert totals == {(a["txn_id"], a["period"], a["component"]): int(a["amount"].replace(".", ""))
                      for a in one["allocations"]}
    assert adj["remaining"] == one["remaining"]
