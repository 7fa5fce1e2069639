"""``baitiao balance``: one customer's position at a moment (issue 19 point 1), hand-worked on the
trust book (``trust_helpers``: statement day 3, due + 9, late fee 0.05%/day, early settlement
``all_remaining``).

C1: 1200.00 in 12 on 01-10 (100.00 + 6.00 a period), manual limit 5000.00; R1 paid period 1.
C2: 500.00 pay-in-full on 01-20, billed 02-03, due 02-12, never paid.
"""

from __future__ import annotations

import json

import pytest

from trust_helpers import invoke, write_book


@pytest.fixture
def book(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("BAITIAO_CONFIG", raising=False)
    return write_book(tmp_path)


def balance(d, cid: str, as_of: str) -> dict:
    r = invoke(["balance", "--data-dir", str(d), "--customer", cid, "--as-of", as_of, "--format", "json"])
    assert r.exit_code == 0, r.stderr
    return json.loads(r.stdout)


def test_an_overdue_pay_in_full_bill(book):
    # C2 on 02-20: 500.00 due 02-12 unpaid: DPD 8, late fee 8 x 0.25 = 2.00; total due 502.00; to be
    # current 500.00 + 2.00; payoff 502.00 (nothing unbilled); the 02-12 due date is past: the next
    # is the 03-03 statement's, 03-12.
    b = balance(book, "C2", "2026-02-20")
    assert list(b)[:11] == ["customer_id", "as_of", "total_due", "minimum_due", "overdue_amount", "dpd", "late_fee",
                            "payoff_amount", "credit_balance", "available_credit", "next_due_date"]
    assert (b["total_due"], b["minimum_due"], b["overdue_amount"], b["dpd"], b["late_fee"]) == \
        ("502.00", "502.00", "500.00", 8, "2.00")
    assert (b["to_be_current"], b["payoff_amount"], b["next_due_date"]) == ("502.00", "502.00", "2026-03-12")


def test_an_installment_plan_in_good_standing(book):
    # C1 on 03-05: period 2 (106.00) billed 03-03, due 03-12. Payoff = 106.00 + 10 x 100.00 unbilled
    # + 10 x 6.00 unbilled fees (all_remaining) = 1166.00. Available: 5000.00 - (100.00 + 1000.00) = 3900.00.
    b = balance(book, "C1", "2026-03-05")
    assert (b["total_due"], b["overdue_amount"], b["dpd"], b["to_be_current"]) == ("106.00", "0.00", 0, "0.00")
    assert (b["payoff_amount"], b["next_due_date"]) == ("1166.00", "2026-03-12")
    assert (b["credit_limit"], b["available_credit"], b["unbilled_principal"]) == ("5000.00", "3900.00", "1000.00")


def test_the_payoff_equals_what_a_settle_must_cover(book):
    b = balance(book, "C1", "2026-03-05")
    r = invoke(["repay", "--data-dir", str(book), "--customer", "C1", "--amount", b["payoff_amount"], "--date",
                "2026-03-05", "--ref", "S1", "--settle", "--as-of", "2026-03-05", "--format", "json"])
    assert r.exit_code == 0 and json.loads(r.stdout)["applied_as"] == "settle"
    after = balance(book, "C1", "2026-03-05")
    assert (after["total_due"], after["payoff_amount"], after["next_due_date"]) == ("0.00", "0.00", None)


def test_refusals_and_table(book):
    r = invoke(["balance", "--data-dir", str(book), "--customer", "C9", "--as-of", "2026-03-05"])
    assert r.exit_code == 1 and "unknown customer 'C9'" in r.stderr and r.stdout == ""
    r = invoke(["balance", "--data-dir", str(book), "--customer", "C1", "--as-of", "2025-12-01"])
    assert r.exit_code == 1 and "after --as-of" in r.stderr
    r = invoke(["balance", "--data-dir", str(book), "--customer", "C2", "--as-of", "2026-02-20"])
    assert r.exit_code == 0 and "502.00" in r.stdout and "逾期天数" in r.stdout


def test_a_deferred_statement(book):
    # C1 defers its 03-03 statement (106.00 due 03-12) by 10 days on 03-05: due 03-22, fee 1% x 106.00 = 1.06.
    r = invoke(["defer", "--data-dir", str(book), "--customer", "C1", "--statement-date", "2026-03-03", "--days",
                "10", "--date", "2026-03-05", "--ref", "D1", "--as-of", "2026-03-05"])
    assert r.exit_code == 0, r.stderr
    b = balance(book, "C1", "2026-03-15")
    assert (b["total_due"], b["dpd"], b["next_due_date"], b["overdue_amount"]) == ("107.06", 0, "2026-03-22", "0.00")


def test_a_revolving_account(book):
    # Minimum payment on: C2's 500.00 billed 02-03 (due 02-12), minimum 10% = 50.00, paid 50.00 on 02-10: met.
    # 02-20: revolving fee 8 days (02-13..02-20) x 450.00 x 0.0005 = 8 x 0.225 = 1.80; total due 451.80;
    # the 02-03 minimum is paid: minimum due 0.00; not overdue; next due date: the 03-03 statement's, 03-12.
    (book.parent / "min.toml").write_text("[minimum_payment]\nenabled = true\n", encoding="utf-8")
    r = invoke(["repay", "--data-dir", str(book), "--config", str(book.parent / "min.toml"), "--customer", "C2",
                "--amount", "50.00", "--date", "2026-02-10", "--ref", "P1", "--as-of", "2026-02-10"])
    assert r.exit_code == 0, r.stderr
    r = invoke(["balance", "--data-dir", str(book), "--config", str(book.parent / "min.toml"), "--customer", "C2",
                "--as-of", "2026-02-20", "--format", "json"])
    b = json.loads(r.stdout)
    assert (b["total_due"], b["minimum_due"], b["revolving_fee"], b["dpd"], b["next_due_date"]) == \
        ("451.80", "0.00", "1.80", 0, "2026-03-12")
