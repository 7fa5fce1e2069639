"""``reverse``, ``waive`` and ``write-off`` through the CLI (冲正, 减免, 核销; SPEC 4.11, 4.15, 5, 6):
answers, refusals with exit 1 and nothing written, dry runs, idempotency, the reports after a
correction, and ``validate`` on bad reversals and adjustments journals.

The book (``trust_helpers``, built-in config: statement day 3, due + 9, late fee 0.05%/day):
- C1: T1 1200.00 in 12 on 2026-01-10 (100.00 + 6.00 a period); R1 106.00 on 02-10 pays period 1
  (statement 02-03, due 02-12) in full and on time.
- C2: T2 500.00 on 2026-01-20, billed 02-03, due 02-12, never paid: late fee 0.25 a day from 02-13.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from trust_helpers import invoke, ok_json as ok, refused, tree, write_book

REV_HEADER = "reversal_id,target_id,date,reason\n"
ADJ_HEADER = "adjustment_id,customer_id,date,kind,amount,reason\n"


@pytest.fixture(autouse=True)
def isolated(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("BAITIAO_CONFIG", raising=False)


@pytest.fixture
def book(tmp_path) -> Path:
    return write_book(tmp_path)


def cli(d: Path, *args: str, fmt: str = "json"):
    return invoke([args[0], "--data-dir", str(d), "--format", fmt, *args[1:]])


def overdue(d: Path, as_of: str, *extra: str) -> dict:
    return ok(cli(d, "overdue-report", "--as-of", as_of, *extra))


def account(report: dict, cid: str) -> dict | None:
    return next((a for a in report["accounts"] if a["customer_id"] == cid), None)


REVERSE_R1 = ("reverse", "--target", "R1", "--date", "2026-02-20", "--ref", "V1", "--reason", "bounced",
              "--as-of", "2026-02-20")


# --- reverse -------------------------------------------------------------------------------------------

def test_bounced_payment_reversed_the_bill_is_overdue_with_its_late_fee_from_the_due_date(book):
    # R1 paid period 1 (106.00, due 02-12) on 02-10. Reversed on 02-20: DPD 8, late fee 8 x 0.053 = 0.42.
    assert account(overdue(book, "2026-02-20"), "C1") is None
    obj = ok(cli(book, *REVERSE_R1))
    assert list(obj)[:3] == ["reversal_id", "status", "target_id"]
    assert (obj["reversal_id"], obj["status"], obj["target_id"], obj["target_kind"], obj["customer_id"]) == \
        ("V1", "recorded", "R1", "repayment", "C1")
    assert (obj["before"]["dpd"], obj["before"]["late_fee_owed"]) == (0, "0.00")
    assert (obj["after"]["dpd"], obj["after"]["overdue_amount"], obj["after"]["late_fee_owed"]) == (8, "106.00", "0.42")
    assert (book / "reversals.csv").read_text(encoding="utf-8") == REV_HEADER + "V1,R1,2026-02-20,bounced\n"
    c1 = account(overdue(book, "2026-02-20"), "C1")
    assert (c1["dpd"], c1["overdue_amount"], c1["late_fee"]) == (8, "106.00", "0.42")
    assert account(overdue(book, "2026-02-19"), "C1") is None        # a report dated before: unchanged
    # the journal keeps the repayment: the reversal is the audit trail
    assert "R1,C1,2026-02-10" in (book / "repayments.csv").read_text(encoding="utf-8")


def test_reverse_dry_run_duplicate_and_conflict(book):
    before = tree(book)
    dry = ok(cli(book, *REVERSE_R1, "--dry-run"))
    assert dry["status"] == "dry_run" and tree(book) == before
    assert ok(cli(book, *REVERSE_R1))["status"] == "recorded"
    written = tree(book)
    again = ok(cli(book, *REVERSE_R1))
    assert (again["status"], again["after"]["dpd"]) == ("duplicate", 8)
    refused(cli(book, "reverse", "--target", "R1", "--date", "2026-02-20", "--ref", "V1", "--reason", "other",
                "--as-of", "2026-02-20"), "already in")
    assert tree(book) == written


@pytest.mark.parametrize("args, reason", [
    (("--target", "NOPE", "--date", "2026-02-20"), "unknown target 'NOPE'"),
    (("--target", "R1", "--date", "2026-02-09"), "is before the repayment it reverses (R1, dated 2026-02-10)"),
    (("--target", "R1", "--date", "2026-03-01"), "is after the business date 2026-02-20"),
])
def test_reverse_refusals_write_nothing(book, args, reason):
    before = tree(book)
    refused(cli(book, "reverse", *args, "--ref", "V9", "--as-of", "2026-02-20"), reason)
    assert tree(book) == before


def test_a_record_is_reversed_once_and_a_reversal_is_not_reversed(book):
    ok(cli(book, *REVERSE_R1))
    before = tree(book)
    refused(cli(book, "reverse", "--target", "R1", "--date", "2026-02-21", "--ref", "V2", "--as-of", "2026-02-21"),
            "repayment 'R1' is already reversed by 'V1'")
    refused(cli(book, "reverse", "--target", "V1", "--date", "2026-02-21", "--ref", "V2", "--as-of", "2026-02-21"),
            "'V1' is a reversal: a reversal is not reversed")
    assert tree(book) == before


def test_payment_to_the_wrong_customer_reverse_then_post_again(book):
    # R1 (106.00) belonged to C2: reverse it on 02-20, post it for C2 under a new ref, same value date.
    ok(cli(book, *REVERSE_R1))
    ok(cli(book, "repay", "--customer", "C2", "--amount", "106.00", "--date", "2026-02-10", "--ref", "R1-C2",
           "--as-of", "2026-02-20"))
    c2 = account(overdue(book, "2026-02-20"), "C2")
    # C2 owed 500.00 due 02-12; 106.00 arrived 02-10: 394.00 overdue, late fee 8 x 0.197 = 1.576 -> 1.58
    assert (c2["overdue_amount"], c2["late_fee"]) == ("394.00", "1.58")


def test_reversed_deferral_then_the_bill_is_overdue(book):
    # C1 defers its 03-03 statement (period 2: 106.00, due 03-12) by 10 days on 03-05: due 03-22.
    ok(cli(book, "defer", "--customer", "C1", "--statement-date", "2026-03-03", "--days", "10", "--date",
           "2026-03-05", "--ref", "DF1", "--as-of", "2026-03-05"))
    assert account(overdue(book, "2026-03-15"), "C1") is None
    obj = ok(cli(book, "reverse", "--target", "DF1", "--date", "2026-03-15", "--ref", "V3", "--as-of", "2026-03-15"))
    assert obj["target_kind"] == "deferral"
    c1 = account(overdue(book, "2026-03-15"), "C1")
    # due 03-12 again: DPD 3, late fee 3 x 0.053 = 0.159 -> 0.16
    assert (c1["dpd"], c1["late_fee"]) == (3, "0.16")


# --- waive --------------------------------------------------------------------------------------------

WAIVE = ("waive", "--customer", "C2", "--component", "late_fee", "--date", "2026-03-01", "--ref", "W1",
         "--reason", "goodwill", "--as-of", "2026-03-01")


def test_waiver_of_exactly_what_is_owed_and_one_over_it(book):
    # C2 on 03-01: late fee 17 days (02-13..03-01) x 0.25 = 4.25.
    before = tree(book)
    refused(cli(book, *WAIVE, "--amount", "4.26"), "waiver refused: 4.26 is over the late fee owed on 2026-03-01 "
                                                   "(4.25)")
    assert tree(book) == before
    obj = ok(cli(book, *WAIVE, "--amount", "4.25"))
    assert (obj["adjustment_id"], obj["status"], obj["kind"], obj["amount"]) == ("W1", "recorded", "waive_late_fee",
                                                                                 "4.25")
    assert (obj["before"]["late_fee_owed"], obj["after"]["late_fee_owed"]) == ("4.25", "0.00")
    assert (book / "adjustments.csv").read_text(encoding="utf-8") == \
        ADJ_HEADER + "W1,C2,2026-03-01,waive_late_fee,4.25,goodwill\n"
    # the 03-03 statement shows the waiver in its activity; 2 more days (03-02, 03-03) of late fee: 0.50
    st = ok(cli(book, "bill", "--customer", "C2", "--as-of", "2026-03-03"))["statements"][0]
    assert {"date": "2026-03-01", "kind": "waiver", "ref": "W1", "amount": "4.25", "detail": "late_fee: goodwill"} \
        in st["activity"]
    assert st["total_due"] == "500.50"


def test_waive_usage_errors_and_refusals(book):
    r = cli(book, "waive", "--customer", "C2", "--component", "late_fee", "--amount", "1.00", "--date", "2026-03-01",
            "--ref", "W1", "--as-of", "2026-03-01")
    assert r.exit_code == 2 and "--reason" in r.stderr
    refused(cli(book, *WAIVE[:2], "C9", *WAIVE[3:], "--amount", "1.00"), "unknown customer 'C9'")
    refused(cli(book, "waive", "--customer", "C2", "--component", "revolving_fee", "--amount", "1.00", "--date",
                "2026-03-01", "--ref", "W1", "--reason", "x", "--as-of", "2026-03-01"),
            "there is no revolving fee: the minimum payment is off")


# --- write-off and recovery ------------------------------------------------------------------------

WRITE_OFF = ("write-off", "--customer", "C2", "--ref", "WO1", "--reason", "uncollectable")


def test_write_off_too_early_is_refused(book):
    # 2026-08-11 is 180 days after the due date 02-12
    refused(cli(book, *WRITE_OFF, "--date", "2026-08-11", "--as-of", "2026-08-11"),
            "write-off refused: 180 days past due on 2026-08-11, under overdue.write_off_min_dpd (181)")
    assert not (book / "adjustments.csv").exists()


def test_write_off_report_section_recovery_and_roll_rates(book):
    # 08-12: DPD 181; late fee 181 x 0.25 = 45.25; written off 500.00 + 45.25 = 545.25.
    obj = ok(cli(book, *WRITE_OFF, "--date", "2026-08-12", "--as-of", "2026-08-12"))
    assert (obj["status"], obj["kind"], obj["amount"], obj["dpd"]) == ("recorded", "write_off", "545.25", 181)
    assert (obj["before"]["dpd"], obj["after"]["dpd"], obj["after"]["written_off"]) == (181, 0, "545.25")
    assert (book / "adjustments.csv").read_text(encoding="utf-8").endswith(
        "WO1,C2,2026-08-12,write_off,545.25,uncollectable\n")
    # a retry with the same request is a duplicate (the amount is what the rules found, not asked for)
    assert ok(cli(book, *WRITE_OFF, "--date", "2026-08-12", "--as-of", "2026-08-12"))["status"] == "duplicate"
    # money received afterwards is a recovery
    pay = ok(cli(book, "repay", "--customer", "C2", "--amount", "100.00", "--date", "2026-09-10", "--ref", "RC1",
                 "--as-of", "2026-09-10"))
    assert [(a["component"], a["amount"]) for a in pay["allocations"]] == [("recovery", "100.00")]
    rep = overdue(book, "2026-09-30", "--compare", "2026-08-01")
    assert account(rep, "C2") is None
    s = rep["summary"]
    assert (s["written_off_accounts"], s["written_off_amount"], s["recovered_amount"]) == (1, "545.25", "100.00")
    assert rep["written_off"] == [{"customer_id": "C2", "name": "王五", "written_off_on": "2026-08-12",
                                   "written_off_amount": "545.25", "recovered_amount": "100.00",
                                   "net_loss": "445.25"}]
    # C2 was in M6 (170 days) on 08-01 and written off by 09-30: its own roll-rate state
    (m6,) = [row for row in s["roll_rates"]["rows"] if row["from_bucket"] == "M6"]
    assert m6["to"]["written_off"]["accounts"] == 1
    # nothing more accrues: the report before the write-off is unchanged
    assert account(overdue(book, "2026-08-11"), "C2")["dpd"] == 180
    table = cli(book, "overdue-report", "--as-of", "2026-09-30", fmt="table")
    assert table.exit_code == 0 and "Written-off accounts (核销)" in table.stdout and "545.25" in table.stdout
    # a waiver on a written-off account is refused
    refused(cli(book, *WAIVE[:6], "2026-09-30", "--ref", "W9", "--reason", "x", "--as-of", "2026-09-30",
                "--amount", "1.00"), "the account was written off on 2026-08-12")


def test_reversing_a_write_off_puts_the_account_back(book):
    ok(cli(book, *WRITE_OFF, "--date", "2026-08-12", "--as-of", "2026-08-12"))
    obj = ok(cli(book, "reverse", "--target", "WO1", "--date", "2026-08-20", "--ref", "V5", "--as-of", "2026-08-20"))
    assert (obj["target_kind"], obj["before"]["written_off"], obj["after"]["dpd"]) == ("adjustment", "545.25", 189)
    assert account(overdue(book, "2026-08-20"), "C2")["dpd"] == 189


# --- validate on the new journals --------------------------------------------------------------------

@pytest.mark.parametrize("name, header, row, field, words", [
    ("adjustments.csv", ADJ_HEADER, "W" * 129 + ",C2,2026-03-01,waive_late_fee,1.00,x", "adjustment_id", "128"),
    ("adjustments.csv", ADJ_HEADER, "W1,C2,2026-03-01,waive_fee,1.00,x\nW1,C2,2026-03-02,waive_fee,1.00,x",
     "adjustment_id", "duplicate"),
    ("adjustments.csv", ADJ_HEADER, "W1,C9,2026-03-01,waive_late_fee,1.00,x", "customer_id", "C9"),
    ("adjustments.csv", ADJ_HEADER, "W1,C2,2026-02-30,waive_late_fee,1.00,x", "date", "2026-02-30"),
    ("adjustments.csv", ADJ_HEADER, "W1,C2,2025-12-01,waive_late_fee,1.00,x", "date", "before the account"),
    ("adjustments.csv", ADJ_HEADER, "W1,C2,2026-03-01,waive_everything,1.00,x", "kind", "waive_everything"),
    ("adjustments.csv", ADJ_HEADER, "W1,C2,2026-03-01,,1.00,x", "kind", "missing required value"),
    ("adjustments.csv", ADJ_HEADER, "W1,C2,2026-03-01,waive_fee,,x", "amount", "needs an amount above 0"),
    ("adjustments.csv", ADJ_HEADER, "W1,C2,2026-03-01,waive_fee,0.00,x", "amount", "needs an amount above 0"),
    ("adjustments.csv", ADJ_HEADER, "W1,C2,2026-03-01,waive_fee,1.001,x", "amount", "1.001"),
    ("reversals.csv", REV_HEADER, "V" * 129 + ",R1,2026-03-01,x", "reversal_id", "128"),
    ("reversals.csv", REV_HEADER, "V1,,2026-03-01,x", "target_id", "missing required value"),
    ("reversals.csv", REV_HEADER, "V1,R1,03/01/2026,x", "date", "03/01/2026"),
    ("reversals.csv", REV_HEADER, "V1,NOPE,2026-03-01,x", "target_id", "unknown target 'NOPE'"),
    ("reversals.csv", REV_HEADER, "V1,R1,2026-02-01,x", "target_id", "before the repayment it reverses"),
    ("reversals.csv", REV_HEADER, "V1,R1,2026-03-01,x\nV2,R1,2026-03-02,x", "target_id",
     "already reversed by 'V1' (line 2)"),
    ("reversals.csv", REV_HEADER, "V1,R1,2026-03-01,x\nV2,V1,2026-03-02,x", "target_id", "'V1' is a reversal"),
])
def test_validate_names_file_line_and_field_of_bad_journal_rows(tmp_path, name, header, row, field, words):
    d = write_book(tmp_path, {name: header + row + "\n"})
    line = header.count("\n") + row.count("\n") + 1
    r = invoke(["validate", "--data-dir", str(d)])
    assert r.exit_code == 1, (r.stdout, r.stderr)
    assert "Traceback" not in r.stderr
    assert any(ln.startswith(f"error: {d / name}:{line}: {field}:") and words in ln
               for ln in r.stderr.splitlines()), r.stderr
    # every command that reads the data refuses the same way
    b = invoke(["bill", "--data-dir", str(d), "--as-of", "2026-03-03", "--format", "json"])
    assert b.exit_code == 1 and b.stdout == "" and f"{d / name}:{line}:" in b.stderr


def test_validate_warns_of_journal_adjustments_the_rules_refuse(tmp_path):
    rows = ("W1,C2,2026-03-01,waive_late_fee,9.00,over what is owed\n"
            "WO1,C2,2026-08-11,write_off,,too early\n")
    d = write_book(tmp_path, {"adjustments.csv": ADJ_HEADER + rows})
    r = invoke(["validate", "--data-dir", str(d), "--format", "json"])
    assert r.exit_code == 0, r.stderr
    assert "waiver W1: 9.00 is over the late fee owed on 2026-03-01 (4.25); ignored" in r.stderr
    assert "write-off WO1: 180 days past due on 2026-08-11, under overdue.write_off_min_dpd (181); ignored" \
        in r.stderr
    counts = {f["dataset"]: f for f in json.loads(r.stdout)["files"]}
    assert counts["adjustments"]["records"] == 2


def test_a_written_off_customer_scores_frozen_with_no_credit(book):
    ok(cli(book, *WRITE_OFF, "--date", "2026-08-12", "--as-of", "2026-08-12"))
    (c2,) = [c for c in ok(cli(book, "score", "--as-of", "2026-09-30"))["customers"] if c["customer_id"] == "C2"]
    # DPD 181 on 08-12 + 49 days to 09-30 = 230: frozen, nothing available
    assert (c2["dpd"], c2["credit_line_frozen"], c2["available_credit"]) == (230, True, "0.00")
