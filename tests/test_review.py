"""The credit-line review (提额 / 激励, SPEC 4.12): the on-time streak, the decisions and ``--apply``,
hand-worked.

Config: statement day 3, due + 9 (02-03 -> 02-12), late fee 0.05%/day; [review] raise_after 2,
raise_min_grade A, min_utilisation 0.30, raise_ratio 0.20; one grade A (every score) with base
limit 5500.00, income multiple 3, limit step 100.

C1 (manual limit 5000.00, income 10000): 2000.00 pay-in-full on the 10th of Jan..Jun, each bill
paid on the 10th of the next month, except the 03-03 bill (due 03-12) paid on 03-20 with its late
fee: 8 days (03-13..03-20) x 2000.00 x 0.0005 = 8.00 -> 2008.00.
C2 (manual limit 5000.00): the same with 500.00 purchases, all paid on time (utilisation 10%).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from ledger_helpers import D, buy, config, cust, d, pay, run
from trust_helpers import invoke

CONFIG = """
[review]
raise_after = 2
raise_min_grade = "A"
min_utilisation = "0.30"
raise_ratio = "0.20"

[scoring]
grades = [{ grade = "A", min_score = 0, base_limit = "5500", terms = [1, 3, 6], fee_rate = "0.005" }]
"""


def _book() -> dict[str, str]:
    txns = ["txn_id,customer_id,date,amount"]
    reps = ["repayment_id,customer_id,date,amount"]
    for m in range(1, 7):
        txns.append(f"T1-{m},C1,2026-{m:02d}-10,2000.00")
        txns.append(f"T2-{m},C2,2026-{m:02d}-10,500.00")
    for m in range(2, 8):                       # the bill of statement m-03 is paid on m-10
        late = m == 3
        reps.append(f"R1-{m},C1,2026-{m:02d}-{20 if late else 10},{'2008.00' if late else '2000.00'}")
        reps.append(f"R2-{m},C2,2026-{m:02d}-10,500.00")
    return {"customers.csv": "customer_id,name,opened_on,statement_day,monthly_income,credit_limit\n"
                             "C1,张三,2026-01-01,3,10000,5000.00\nC2,李四,2026-01-01,3,10000,5000.00\n",
            "transactions.csv": "\n".join(txns) + "\n", "repayments.csv": "\n".join(reps) + "\n"}


@pytest.fixture
def book(tmp_path, monkeypatch) -> Path:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("BAITIAO_CONFIG", raising=False)
    data = tmp_path / "data"
    data.mkdir()
    for name, text in _book().items():
        (data / name).write_text(text, encoding="utf-8")
    (tmp_path / "config.toml").write_text(CONFIG, encoding="utf-8")
    return data


def cli(data: Path, *args: str) -> dict:
    r = invoke([args[0], "--data-dir", str(data), "--config", str(data.parent / "config.toml"), "--format", "json",
                *args[1:]])
    assert r.exit_code == 0, (r.stdout, r.stderr)
    assert "Traceback" not in r.stderr
    return json.loads(r.stdout)


def review(data: Path, as_of: str, *extra: str) -> dict:
    return cli(data, "review", "--as-of", as_of, *extra)


def one(obj: dict, cid: str) -> dict:
    return next(c for c in obj["customers"] if c["customer_id"] == cid)


# --- the streak in the engine -----------------------------------------------------------------------

def test_streak_is_broken_by_one_late_bill():
    # 100.00 a month, bills paid on the 10th, the 04-03 bill (due 04-12) on 04-15 with its late fee
    # 3 days x 100.00 x 0.0005 = 0.15. On 08-01 the bills of 02..07 are judged (07-12 < 08-01):
    # 07, 06, 05 on time, 04 late: streak 3.
    txns = [buy(f"T{m}", f"2026-{m:02d}-10", "100.00") for m in range(1, 7)]
    reps = [pay(f"R{m}", f"2026-{m:02d}-{15 if m == 4 else 10}", "100.15" if m == 4 else "100.00", seq=m)
            for m in range(2, 8)]
    assert run("2026-08-01", txns, reps).on_time_streak == 3
    # on 04-12 (the 04-03 bill not judged yet: due + grace is not before the date) the streak is 2 (03, 02)
    assert run("2026-04-12", txns, reps).on_time_streak == 2
    # everything on time: 6
    on_time = [pay(f"R{m}", f"2026-{m:02d}-10", "100.00", seq=m) for m in range(2, 8)]
    assert run("2026-08-01", txns, on_time).on_time_streak == 6


def test_a_statement_with_nothing_due_neither_counts_nor_breaks():
    # one purchase billed 02-03 paid on time; the 03..07 statements have nothing due: streak 1
    acct = run("2026-08-01", [buy("T", "2026-01-10", "100.00")], [pay("R", "2026-02-10", "100.00")])
    assert acct.on_time_streak == 1


def test_grace_days_count_as_on_time():
    # grace 3: the 04-03 bill paid on 04-15 (due 04-12 + 3) is on time
    txns = [buy("T", "2026-03-10", "100.00")]
    assert run("2026-05-01", txns, [pay("R", "2026-04-15", "100.00")], cfg=config(grace=3)).on_time_streak == 1
    assert run("2026-05-01", txns, [pay("R", "2026-04-16", "100.00")], cfg=config(grace=3)).on_time_streak == 0


# --- review through the CLI ---------------------------------------------------------------------------

def test_freeze_then_lift_then_raise_capped_by_the_grade(book):
    # 03-15: C1's 03-03 bill is 3 days past due: freeze (recorded with --apply)
    first = review(book, "2026-03-15", "--apply", "--ref", "RV-0315")
    c1 = one(first, "C1")
    assert (c1["action"], c1["current_limit"], c1["new_limit"], c1["change"]) == ("freeze", "5000.00", "5000.00",
                                                                                   "freeze")
    assert first["applied"]["status"] == "recorded" and first["applied"]["written"] == 1
    # frozen in the journal: no credit available from 03-15, even once paid (03-20), until lifted
    score = one(cli(book, "score", "--as-of", "2026-03-22"), "C1")
    assert (score["credit_limit"], score["available_credit"]) == ("0.00", "0.00")
    # 03-25: current again; the streak restarts after the late bill: 0 -> hold, the freeze lifted
    second = review(book, "2026-03-25", "--apply", "--ref", "RV-0325")
    c1 = one(second, "C1")
    assert (c1["action"], c1["on_time_streak"], c1["change"]) == ("hold", 0, "unfreeze")
    assert c1["reasons"][0] == "current again: the freeze is lifted"
    assert one(cli(book, "score", "--as-of", "2026-03-26"), "C1")["credit_limit"] == "5000.00"
    # 05-20: 04-03 and 05-03 paid on time: streak 2 = raise_after. Utilisation: the 5 statements
    # 01-03 (nothing billed) .. 05-03 (2000.00 each from 02-03): 8000.00 / 5 = 1600.00 / 5000.00 = 0.32
    # >= 0.30. 5000.00 x 1.20 = 6000.00, capped by grade A's 5500.00 (income 3 x 10000 does not bind).
    third = review(book, "2026-05-20", "--apply", "--ref", "RV-0520")
    c1 = one(third, "C1")
    assert (c1["action"], c1["on_time_streak"], c1["utilisation"], c1["new_limit"], c1["cap"]) == \
        ("raise", 2, "0.3200", "5500.00", "5500.00")
    # from 05-20 on the new limit decides available credit: bill, score and quote --customer
    st = cli(book, "bill", "--customer", "C1", "--as-of", "2026-06-03")["statements"][0]
    assert st["credit_limit"] == "5500.00" and st["on_time_streak"] == 2
    assert one(cli(book, "score", "--as-of", "2026-06-04"), "C1")["credit_limit"] == "5500.00"
    q = cli(book, "quote", "--customer", "C1", "--amount", "3000.00", "--terms", "3", "--date", "2026-06-04")
    assert q["available_credit"] == "3500.00"           # 5500.00 - 2000.00 unpaid (billed 06-03)
    # at the cap: the next review holds
    c1 = one(review(book, "2026-06-20"), "C1")
    assert c1["action"] == "hold" and "already at the cap" in c1["reasons"][0]


def test_utilisation_below_the_threshold_holds(book):
    # C2: every bill on time (02..05-03: streak 4 on 05-20) but 4 x 500.00 / 5 statements = 400.00 / 5000.00
    # = 8% < 30%
    c2 = one(review(book, "2026-05-20"), "C2")
    assert (c2["action"], c2["on_time_streak"], c2["utilisation"], c2["change"]) == ("hold", 4, "0.0800", None)
    assert c2["reasons"] == ["utilisation 8.0% is under 30.0% (review.min_utilisation)"]


def test_apply_twice_adds_nothing_and_a_changed_review_under_the_same_ref_is_refused(book):
    first = review(book, "2026-05-20", "--apply", "--ref", "RV-1")
    journal = (book / "limits.csv").read_text(encoding="utf-8")
    assert first["applied"]["written"] == 1 and "RV-1:C1,C1,2026-05-20,5500.00,raise," in journal
    again = review(book, "2026-05-20", "--apply", "--ref", "RV-1")
    assert (again["applied"]["status"], again["applied"]["written"]) == ("duplicate", 0)
    assert one(again, "C1")["new_limit"] == "5500.00"        # decided without RV-1's own records
    assert (book / "limits.csv").read_text(encoding="utf-8") == journal
    # the same ref on another date would record other content: refused, nothing written
    r = invoke(["review", "--data-dir", str(book), "--config", str(book.parent / "config.toml"), "--as-of",
                "2026-05-21", "--apply", "--ref", "RV-1"])
    assert r.exit_code == 1 and "already in" in r.stderr and r.stdout == ""
    assert (book / "limits.csv").read_text(encoding="utf-8") == journal
    dry = review(book, "2026-06-20", "--apply", "--ref", "RV-2", "--dry-run")
    assert dry["applied"]["status"] == "dry_run" and (book / "limits.csv").read_text(encoding="utf-8") == journal


def test_a_limit_above_the_cap_is_cut(book):
    # a manual change to 9000.00 on 04-01; grade A allows 5500.00: cut
    (book / "limits.csv").write_text("change_id,customer_id,date,credit_limit,action,reason\n"
                                     "M1,C2,2026-04-01,9000.00,manual,desk\n", encoding="utf-8")
    c2 = one(review(book, "2026-05-20"), "C2")
    assert (c2["action"], c2["current_limit"], c2["new_limit"]) == ("cut", "9000.00", "5500.00")


@pytest.mark.parametrize("args, message", [
    (("--apply",), "--apply needs --ref"),
    (("--ref", "X"), "--ref goes with --apply"),
    (("--dry-run",), "--dry-run goes with --apply"),
    (("--apply", "--ref", "X", "--skip-invalid"), "--apply does not go with --skip-invalid"),
])
def test_review_usage_errors(book, args, message):
    r = invoke(["review", "--data-dir", str(book), "--as-of", "2026-05-20", *args])
    assert r.exit_code == 2 and message in r.stderr and r.stdout == ""


def test_unknown_customer_and_bad_limits_rows(book):
    r = invoke(["review", "--data-dir", str(book), "--as-of", "2026-05-20", "--customer", "C9"])
    assert r.exit_code == 1 and "unknown customer 'C9'" in r.stderr
    for row, field in (("L1,C1,2026-04-01,,manual,x", "credit_limit"), ("L1,C1,2026-04-01,-5,manual,x", "credit_limit"),
                       ("L1,C1,2026-04-01,100,bigger,x", "action"), ("L1,C9,2026-04-01,100,manual,x", "customer_id"),
                       ("L1,C1,2025-04-01,100,manual,x", "date")):
        (book / "limits.csv").write_text("change_id,customer_id,date,credit_limit,action,reason\n" + row + "\n",
                                         encoding="utf-8")
        r = invoke(["validate", "--data-dir", str(book)])
        assert r.exit_code == 1 and f"{book / 'limits.csv'}:2: {field}:" in r.stderr, (row, r.stderr)


def test_statement_shows_the_streak_and_what_it_earns(book):
    text = invoke(["bill", "--data-dir", str(book), "--config", str(book.parent / "config.toml"), "--customer", "C2",
                   "--as-of", "2026-05-03", "--format", "table"]).stdout
    # on 05-03 the bills of 02-03, 03-03, 04-03 are judged (04-12 < 05-03): 3 on time, raise_after 2
    assert "连续按时还款 3 期" in text and "the next credit-line review may raise your limit" in text
    st = cli(book, "bill", "--customer", "C2", "--as-of", "2026-03-03")["statements"][0]
    assert (st["on_time_streak"], st["on_time_to_raise"]) == (1, 1)
