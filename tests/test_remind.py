"""``baitiao remind`` (SPEC 4.13): the engine rules and the CLI, with hand-worked numbers.

Default config (no config file): statement day 3, due = statement + 9, grace 0, late fee
0.05 %/day. A pay-in-full purchase of 2026-02-10 is billed on 2026-03-03 and due 2026-03-12.

The book (opened 2026-01-01, statement day 3 unless said):
- A1 300.00 on 02-10, unpaid.                       03-11: due 03-12, 1 day left, 300.00.
- A2 300.00 on 02-10, pays 100.00 on 03-05.          03-11: 300.00 - 100.00 = 200.00 left.
- A3 300.00 on 02-10, pays 300.00 on 03-05.          paid in full: never reminded.
- A4 (statement day 5) 200.00 on 02-10: billed 03-05, due 03-14.
                                                     03-11: 3 days left; 03-10 --days 3: due in 4 = N+1, not listed.
- A5 300.00 on 02-10, pays 300.00 on 03-12 (the due date).
                                                     03-11: 300.00 (the payment is tomorrow); 03-12: gone.
- A6 500.00 on 01-20: billed 02-03, due 02-12, never paid. The 03-03 statement carries it with
  the late fee 02-13..03-03: 19 days x 500.00 x 0.05 % = 19 x 0.25 = 4.75 -> total due 504.75.
- A7 (name =cmd|' /C calc'!A0) 300.00 on 02-10, pays 10.00 on 03-05: 290.00 left.
- A8 300.00 on 01-20: billed 02-03 (due 02-12), deferred on 02-05 by 30 days to 03-14 (fee
  1 % x 300.00 = 3.00). The 03-03 statement (due 03-12) carries 300.00 + 3.00 = 303.00.
  03-11: the latest statement in the window, 03-03: 303.00 due 03-12. 03-13: 03-03 is past
  its due date; the deferred 02-03 statement is due 03-14: 300.00 (its total at issue), 1 day.

With ``[minimum_payment] enabled = true`` (ratio 0.10): the 03-03 minimum of a 300.00 purchase is
10 % x 300.00 = 30.00; of A4's 200.00, 20.00. Left on 03-11: A1 30.00; A2 30.00 - 100.00 < 0 ->
0.00 (still 200.00 of the bill: listed); A7 30.00 - 10.00 = 20.00.
"""

from __future__ import annotations

import json
import os
import stat
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from trust_helpers import invoke, isolated_env, tree, write_book

CUSTOMERS = (
    "customer_id,name,phone,id_number,opened_on,statement_day,monthly_income,credit_limit\n"
    "A1,甲一,13811110001,110101199001011114,2026-01-01,3,,\n"
    "A2,甲二,13811110002,,2026-01-01,3,,\n"
    "A3,甲三,13811110003,,2026-01-01,3,,\n"
    "A4,甲四,13811110004,,2026-01-01,5,,\n"
    "A5,甲五,13811110005,,2026-01-01,3,,\n"
    "A6,甲六,13811110006,,2026-01-01,3,,\n"
    "A7,=cmd|' /C calc'!A0,13811110007,,2026-01-01,3,,\n"
    "A8,甲八,13811110008,,2026-01-01,3,,\n"
)
TRANSACTIONS = (
    "txn_id,customer_id,date,type,amount,installments,fee_rate,ref_txn_id,merchant,category\n"
    "P1,A1,2026-02-10,purchase,300.00,1,,,shop,online\n"
    "P2,A2,2026-02-10,purchase,300.00,1,,,shop,online\n"
    "P3,A3,2026-02-10,purchase,300.00,1,,,shop,online\n"
    "P4,A4,2026-02-10,purchase,200.00,1,,,shop,online\n"
    "P5,A5,2026-02-10,purchase,300.00,1,,,shop,online\n"
    "P6,A6,2026-01-20,purchase,500.00,1,,,shop,online\n"
    "P7,A7,2026-02-10,purchase,300.00,1,,,shop,online\n"
    "P8,A8,2026-01-20,purchase,300.00,1,,,shop,online\n"
)
REPAYMENTS = (
    "repayment_id,customer_id,date,amount,kind,channel\n"
    "R2,A2,2026-03-05,100.00,normal,app\n"
    "R3,A3,2026-03-05,300.00,normal,app\n"
    "R5,A5,2026-03-12,300.00,normal,app\n"
    "R7,A7,2026-03-05,10.00,normal,app\n"
)
DEFERRALS = "deferral_id,customer_id,statement_date,date,days\nD1,A8,2026-02-03,2026-02-05,30\n"
BOOK = {"customers.csv": CUSTOMERS, "transactions.csv": TRANSACTIONS, "repayments.csv": REPAYMENTS,
        "deferrals.csv": DEFERRALS}
PHONES = [f"1381111000{k}" for k in range(1, 9)]
MINIMUM_ON = "[minimum_payment]\nenabled = true\n"


@pytest.fixture(autouse=True)
def isolated(tmp_path, monkeypatch):
    isolated_env(monkeypatch, tmp_path)


@pytest.fixture
def book(tmp_path) -> Path:
    return write_book(tmp_path, BOOK)


def remind(book: Path, *args: str, config: str | None = None, fmt: str = "json"):
    line = ["remind", "--data-dir", str(book), *args, "--format", fmt]
    if config is not None:
        cfg = book.parent / "remind.toml"             # not ./config.toml: found by default
        cfg.write_text(config, encoding="utf-8")
        line += ["--config", str(cfg)]
    return invoke(line)


def rows(book: Path, *args: str, config: str | None = None) -> dict[str, dict]:
    r = remind(book, *args, config=config)
    assert r.exit_code == 0, r.stderr
    return {c["customer_id"]: c for c in json.loads(r.stdout)["customers"]}


def brief(row: dict) -> tuple:
    return row["due_date"], row["days_left"], row["amount_due"], row["minimum_due"]


# --- who is reminded, of what ---------------------------------------------------------------------

def test_the_day_before_the_due_date(book):
    got = rows(book, "--as-of", "2026-03-11")
    assert sorted(got) == ["A1", "A2", "A4", "A5", "A6", "A7", "A8"]          # A3 paid in full
    assert brief(got["A1"]) == ("2026-03-12", 1, "300.00", "300.00")
    assert brief(got["A2"]) == ("2026-03-12", 1, "200.00", "200.00")          # 300.00 - 100.00
    assert brief(got["A4"]) == ("2026-03-14", 3, "200.00", "200.00")
    assert brief(got["A5"]) == ("2026-03-12", 1, "300.00", "300.00")          # pays tomorrow
    assert brief(got["A6"]) == ("2026-03-12", 1, "504.75", "504.75")          # 500.00 + 19 x 0.25
    assert brief(got["A7"]) == ("2026-03-12", 1, "290.00", "290.00")          # 300.00 - 10.00
    assert brief(got["A8"]) == ("2026-03-12", 1, "303.00", "303.00")          # 300.00 + fee 3.00
    assert got["A1"]["statement_date"] == "2026-03-03"


def test_on_the_due_date_days_left_is_0_and_a_bill_paid_that_day_is_gone(book):
    got = rows(book, "--as-of", "2026-03-12")
    assert "A5" not in got and "A3" not in got                                # A5 paid 300.00 on 03-12
    assert brief(got["A1"]) == ("2026-03-12", 0, "300.00", "300.00")
    assert brief(got["A4"]) == ("2026-03-14", 2, "200.00", "200.00")


def test_after_the_due_date_no_reminder_grace_or_not(book):
    assert sorted(rows(book, "--as-of", "2026-03-13")) == ["A4", "A8"]
    # grace days do not widen the window: 03-13 is inside A1's grace (due 03-12 + 3) and past due
    got = rows(book, "--as-of", "2026-03-13", config="[billing]\ngrace_days = 3\n")
    assert sorted(got) == ["A4", "A8"]


def test_a_deferred_statement_is_reminded_at_its_deferred_due_date(book):
    got = rows(book, "--as-of", "2026-03-13")
    # the 02-03 statement (300.00 at issue) deferred by 30 days: due 02-12 + 30 = 03-14
    assert brief(got["A8"]) == ("2026-03-14", 1, "300.00", "300.00")
    assert got["A8"]["statement_date"] == "2026-02-03"


def test_a_statement_due_in_n_plus_1_days_is_not_listed(book):
    assert "A4" not in rows(book, "--as-of", "2026-03-10", "--days", "3")     # due 03-14 = 03-10 + 4
    assert brief(rows(book, "--as-of", "2026-03-10", "--days", "4")["A4"]) == ("2026-03-14", 4, "200.00", "200.00")
    assert "A4" not in rows(book, "--as-of", "2026-03-10")                    # --days defaults to 3


def test_days_0_is_the_bills_due_today(book):
    assert sorted(rows(book, "--as-of", "2026-03-12", "--days", "0")) == ["A1", "A2", "A6", "A7", "A8"]


def test_a_partly_paid_bill_shows_what_is_left_and_a_paid_one_drops_out(book, tmp_path):
    # A1 pays 250.00 on 03-08, then the other 50.00 on 03-10
    d = write_book(tmp_path, {**BOOK, "repayments.csv": REPAYMENTS + "R1a,A1,2026-03-08,250.00,normal,app\n"},
                   name="partly")
    assert rows(d, "--as-of", "2026-03-11")["A1"]["amount_due"] == "50.00"
    d = write_book(tmp_path, {**BOOK, "repayments.csv": REPAYMENTS + "R1a,A1,2026-03-08,250.00,normal,app\n"
                              "R1b,A1,2026-03-10,50.00,normal,app\n"}, name="paid")
    assert "A1" not in rows(d, "--as-of", "2026-03-11")


def test_minimum_on_shows_the_minimum_still_unpaid(book):
    got = rows(book, "--as-of", "2026-03-11", config=MINIMUM_ON)
    assert brief(got["A1"]) == ("2026-03-12", 1, "300.00", "30.00")          # 10 % x 300.00
    assert brief(got["A2"]) == ("2026-03-12", 1, "200.00", "0.00")           # 30.00 - 100.00 < 0
    assert brief(got["A7"]) == ("2026-03-12", 1, "290.00", "20.00")          # 30.00 - 10.00
    assert brief(got["A4"]) == ("2026-03-14", 3, "200.00", "20.00")          # 10 % x 200.00
    assert "A3" not in got
    off = rows(book, "--as-of", "2026-03-11")
    assert all(r["minimum_due"] == r["amount_due"] for r in off.values())


# --- PD, risk, order --------------------------------------------------------------------------------

def test_pd_is_the_score_models_pd_today_and_the_list_is_riskiest_first(book):
    r = remind(book, "--as-of", "2026-03-11")
    doc = json.loads(r.stdout)
    listed = doc["customers"]
    s = invoke(["score", "--data-dir", str(book), "--as-of", "2026-03-11", "--format", "json"])
    scores = {c["customer_id"]: c for c in json.loads(s.stdout)["customers"]}
    for c in listed:
        assert (c["pd"], c["grade"]) == (scores[c["customer_id"]]["pd"], scores[c["customer_id"]]["grade"])
        assert c["at_risk"] is (c["grade"] == "E")                            # default grades: E gets no credit
    key = [(-Decimal(c["pd"]), -Decimal(c["amount_due"]), c["customer_id"]) for c in listed]
    assert key == sorted(key)
    assert listed[0]["customer_id"] == "A6" and listed[0]["at_risk"] is True   # the one already overdue
    assert Decimal(listed[0]["pd"]) > max(Decimal(c["pd"]) for c in listed[1:])
    # A1 and A5: the same history up to 03-11, the same PD and amount: customer_id decides
    ids = [c["customer_id"] for c in listed]
    assert scores["A1"]["pd"] == scores["A5"]["pd"] and ids.index("A1") + 1 == ids.index("A5")
    assert doc["at_risk_grades"] == ["E"] and doc["summary"]["at_risk"] == sum(c["at_risk"] for c in listed)


def test_json_contract_keys_first(book):
    doc = json.loads(remind(book, "--as-of", "2026-03-11").stdout)
    assert list(doc)[:3] == ["customers", "as_of", "days"] and (doc["as_of"], doc["days"]) == ("2026-03-11", 3)
    assert list(doc["customers"][0])[:6] == ["customer_id", "due_date", "amount_due", "minimum_due", "days_left",
                                             "pd"]
    assert doc["summary"]["customers"] == 7
    # 300.00 + 200.00 + 200.00 + 300.00 + 504.75 + 290.00 + 303.00
    assert doc["summary"]["amount_due"] == "2097.75"


def test_model_option_like_score(book, tmp_path):
    r = remind(book, "--as-of", "2026-03-11", "--model", str(tmp_path / "missing.json"))
    assert r.exit_code == 1 and r.stdout == "" and "missing.json" in r.stderr


# --- masking, files -----------------------------------------------------------------------------------

@pytest.mark.parametrize("fmt", ["table", "json", "csv"])
def test_phones_masked_in_every_format(book, fmt):
    r = remind(book, "--as-of", "2026-03-11", fmt=fmt)
    assert r.exit_code == 0
    assert "138****0001" in r.stdout
    assert [p for p in PHONES if p in r.stdout + r.stderr] == []
    assert "110101199001011114" not in r.stdout


def test_out_writes_the_sms_csv_masked_excel_safe_with_bom(book, tmp_path):
    out = tmp_path / "sms" / "2026-03-11.csv"
    r = remind(book, "--as-of", "2026-03-11", "--out", str(out))
    assert r.exit_code == 0 and r.stderr == ""
    raw = out.read_bytes()
    assert raw.startswith("\ufeff".encode()) and b"\r\n" in raw
    text = raw.decode("utf-8-sig")
    assert [p for p in PHONES if p in text] == [] and "138****0001" in text
    lines = text.splitlines()
    assert lines[0].startswith("customer_id,name,phone,due_date,days_left,amount_due,minimum_due,pd")
    assert [ln.split(",")[0] for ln in lines[1:]] == [c["customer_id"] for c in json.loads(r.stdout)["customers"]]
    assert "'=cmd|" in text                                                   # A7's name neutralised
    umask = os.umask(0)
    os.umask(umask)
    assert stat.S_IMODE(os.stat(out).st_mode) == 0o666 & ~umask                # an ordinary file


def test_out_unmasked_is_mode_0600_with_a_warning_and_stdout_stays_masked(book, tmp_path):
    out = tmp_path / "sms" / "full.csv"
    out.parent.mkdir()
    out.write_text("old", encoding="utf-8")
    os.chmod(out, 0o644)                                                      # replaced, not reused
    r = remind(book, "--as-of", "2026-03-11", "--out-unmasked", str(out))
    assert r.exit_code == 0
    assert stat.S_IMODE(os.stat(out).st_mode) == 0o600
    text = out.read_text(encoding="utf-8-sig")
    assert "13811110001" in text and "138****0001" not in text
    assert "warning: --out-unmasked:" in r.stderr and "full phone numbers" in r.stderr
    assert [p for p in PHONES if p in r.stdout + r.stderr] == []
    assert [p.name for p in out.parent.iterdir()] == ["full.csv"]             # no temporary file left


@pytest.mark.parametrize("option, value, words", [
    ("--days", "x", "not a whole number"), ("--days", "-1", "between 0 and 366"), ("--days", "1.5", "not a whole"),
    ("--days", "", "not a whole number"), ("--days", "367", "between 0 and 366"),
    ("--out", "sms.json", "writes CSV"), ("--out", "sms.xlsx", "writes CSV"), ("--out-unmasked", "x.json", "writes CSV"),
    ("--out", "{tmp}", "folder"), ("--as-of", "2026-02-30", "--as-of"),
])
def test_bad_options_are_usage_errors(book, tmp_path, option, value, words):
    before = tree(tmp_path)
    r = remind(book, "--as-of", "2026-03-11", option, value.replace("{tmp}", str(tmp_path)))
    assert r.exit_code == 2 and r.stdout == ""
    assert option in r.stderr and words in r.stderr, r.stderr
    assert tree(tmp_path) == before


def test_out_and_out_unmasked_on_the_same_file_is_refused(book, tmp_path):
    f = str(tmp_path / "x.csv")
    r = remind(book, "--as-of", "2026-03-11", "--out", f, "--out-unmasked", f)
    assert r.exit_code == 2 and "same file" in r.stderr and not Path(f).exists()


def test_unwritable_out_is_exit_1(book, tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("x", encoding="utf-8")
    r = remind(book, "--as-of", "2026-03-11", "--out", str(blocker / "sms.csv"))
    assert r.exit_code == 1 and "--out: cannot write" in r.stderr


# --- jobs and shards give the same list -------------------------------------------------------------

def test_jobs_and_shards_give_the_same_list(book):
    one = remind(book, "--as-of", "2026-03-11")
    two = remind(book, "--as-of", "2026-03-11", "--jobs", "2")
    assert (two.exit_code, two.stdout) == (0, one.stdout)
    parts = [json.loads(remind(book, "--as-of", "2026-03-11", "--shard", f"{k}/2").stdout)["customers"]
             for k in (1, 2)]
    assert sorted(c["customer_id"] for p in parts for c in p) == sorted(
        c["customer_id"] for c in json.loads(one.stdout)["customers"])


# --- engine ---------------------------------------------------------------------------------------------

def test_at_risk_grades():
    from baitiao_cli.engine.remind import at_risk_grades
    from baitiao_cli.engine.scoring import DEFAULT_GRADES, GradePolicy

    assert at_risk_grades(DEFAULT_GRADES) == {"E"}
    lending = [GradePolicy("A", 600, Decimal("1000"), (3,), Decimal("0.01")),
               GradePolicy("B", 0, Decimal("500"), (1,), Decimal("0.01"))]
    assert at_risk_grades(lending) == {"B"}                                     # every grade lends: the lowest


def test_the_shortcuts_never_change_the_list(book):
    """``may_be_due`` (a date test) and ``replay_for_reminder`` (recent statements, no allocations)
    are only shortcuts: over 70 days and windows 0..5, on every customer of the book, the statement
    found is the one a full replay (every statement, the repayments from its allocations) gives,
    and whenever there is one, the date test said yes."""
    from baitiao_cli.engine.config import Config
    from baitiao_cli.engine.ledger import STATEMENTS_ALL, group_by_customer, replay
    from baitiao_cli.engine.remind import Replayed, due_statement, may_be_due, replay_for_reminder
    from baitiao_cli.io.loader import load_dataset

    for cfg_text in ("", MINIMUM_ON):
        cfg = Config() if not cfg_text else _config(book, cfg_text)
        data = load_dataset(book, cfg).dataset
        groups = group_by_customer(data, conversions=True)
        seen = 0
        for c in data.customers:
            t, r, d, v, k = groups[c.customer_id]
            for n in range(70):
                on = date(2026, 2, 1) + timedelta(days=n)
                full = replay(c, t, r, d, cfg, on, statements=STATEMENTS_ALL, conversions=v, corrections=k)
                paid = tuple((a.date, a.amount_fen) for a in full.allocations)
                lean = replay_for_reminder(c, t, r, d, cfg, on, v, k)
                for days in range(6):
                    found = due_statement(Replayed(full, paid), days)
                    assert due_statement(lean, days) == found, (c.customer_id, on, days)
                    if found is not None:
                        seen += 1
                        assert may_be_due(c, d, cfg, on, days), (c.customer_id, on, days)
        assert seen > 100


def _config(book: Path, text: str):
    from baitiao_cli.io.config import load_config

    f = book.parent / "engine.toml"
    f.write_text(text, encoding="utf-8")
    return load_config(str(f), None).config


def test_a_written_off_account_is_never_reminded(book, tmp_path):
    # A6 is 21 days past due on 03-05 (due 02-12); with write_off_min_dpd = 1 it can be written off then
    d = write_book(tmp_path, {**BOOK, "adjustments.csv": "adjustment_id,customer_id,date,kind,amount,reason\n"
                              "WO1,A6,2026-03-05,write_off,,agency\n"}, name="written_off")
    cfg = "[overdue]\nwrite_off_min_dpd = 1\n"
    got = rows(d, "--as-of", "2026-03-11", config=cfg)
    assert "A6" not in got and sorted(got) == ["A1", "A2", "A4", "A5", "A7", "A8"]


def test_a_customer_opened_after_as_of_or_with_nothing_billed_is_not_listed(book):
    assert rows(book, "--as-of", "2026-02-01") == {}                          # no statement due 02-01..02-04
    r = remind(book, "--as-of", "2026-02-01", fmt="table")
    assert r.exit_code == 0 and "no customer has something unpaid" in r.stdout


def test_a_statement_installment_leaves_the_reminder_what_the_bill_now_asks(book, tmp_path):
    # A1 converts 100.00 of its 03-03 statement into 3 periods on 03-05 (SPEC 4.10): the 03-03 bill
    # now asks 300.00 - 100.00 = 200.00; the plan is billed from 04-03 on
    d = write_book(tmp_path, {**BOOK, "conversions.csv": "conversion_id,customer_id,statement_date,date,amount,terms,"
                              "fee_rate\nCV1,A1,2026-03-03,2026-03-05,100.00,3,\n"}, name="converted")
    assert brief(rows(d, "--as-of", "2026-03-11")["A1"]) == ("2026-03-12", 1, "200.00", "200.00")
