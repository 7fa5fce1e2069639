"""Hand-worked ledger scenarios (SPEC 4.1-4.6). Defaults unless a test says otherwise:
statement day 3, due = statement + 9 days, grace 0, late fee 0.05%/day, deferral fee 1%,
early settlement fees all_remaining, ROUND_HALF_UP.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from baitiao_cli.engine.money import fen_str
from baitiao_cli.engine.ledger import payoff_amount, post_deferral, post_repayment, quote_payoff
from baitiao_cli.engine.schedule import build_schedule
from ledger_helpers import D, buy, config, cust, d, defer, item, lines, pay, refund, run


# ---------------------------------------------------------------- 4.1 statement cycle

def test_statements_start_after_opening_and_purchase_on_statement_day_joins_next_bill():
    # opened on the statement day itself: the first statement is the next month's (strictly after)
    acct = run("2026-04-30", [buy("A", "2026-02-03", "100.00"), buy("B", "2026-02-02", "50.00")],
               customer=cust(opened="2026-01-03"))
    assert [s.statement_date for s in acct.statements] == [d("2026-02-03"), d("2026-03-03"), d("2026-04-03")]
    # B (02-02) is billed on 02-03; A (bought on the statement day 02-03) joins 03-03, due 03-12
    assert item(acct, "B").statement_date == d("2026-02-03")
    assert item(acct, "A").statement_date == d("2026-03-03")
    assert item(acct, "A").due_date == d("2026-03-12")
    assert acct.statements[0].new_items[0].txn_id == "B"
    assert acct.statements[1].new_items[0].txn_id == "A"


def test_year_end_purchase_and_empty_months():
    acct = run("2027-02-05", [buy("A", "2026-12-31", "10.00")])
    a = item(acct, "A")
    assert (a.statement_date, a.due_date) == (d("2027-01-03"), d("2027-01-12"))
    # 13 statements 2026-01-03 .. 2027-01-03 plus 2027-02-03; the months with nothing billed are empty
    assert len(acct.statements) == 14
    assert acct.statements[0].total_due_fen == 0 and acct.statements[0].new_items == ()


def test_as_of_before_the_first_statement_has_no_statements_and_ignores_later_events():
    acct = run("2026-01-02", [buy("A", "2026-01-02", "10.00"), buy("B", "2026-01-05", "20.00")])
    assert acct.statements == () and acct.items == ()
    assert [(p.txn_id, str(p.principal)) for p in acct.scheduled] == [("A", "10.00")]


# ---------------------------------------------------------------- 4.2 installment schedule

def test_installment_schedule_matches_build_schedule():
    # 1000.00 over 3 at 0.7%: 333.33 / 333.33 / 333.34, fee 1000 x 0.007 = 7.00 each period
    acct = run("2026-04-30", [buy("A", "2026-01-10", "1000.00", 3, "0.007")])
    got = [(i.period, i.statement_date, i.due_date, str(i.principal), str(i.fee)) for i in acct.items]
    assert got == [
        (1, d("2026-02-03"), d("2026-02-12"), "333.33", "7.00"),
        (2, d("2026-03-03"), d("2026-03-12"), "333.33", "7.00"),
        (3, d("2026-04-03"), d("2026-04-12"), "333.34", "7.00"),
    ]
    sched = build_schedule(D("1000.00"), 3, D("0.007"), d("2026-01-10"), 3, 9)
    assert [(p.period, p.statement_date, p.due_date, p.principal, p.fee) for p in sched] == \
        [(i.period, i.statement_date, i.due_date, i.principal, i.fee) for i in acct.items]


def test_default_fee_rate_by_term_and_pay_in_full_has_no_fee():
    # no fee_rate on the row: pricing 0.005 for 12 periods: 1200 x 0.005 = 6.00; N = 1: no fee
    acct = run("2026-02-03", [buy("A", "2026-01-10", "1200.00", 12), buy("B", "2026-01-11", "99.99")])
    assert (str(item(acct, "A").principal), str(item(acct, "A").fee)) == ("100.00", "6.00")
    assert item(acct, "A").kind == "installment" and item(acct, "B").kind == "purchase"
    assert item(acct, "B").fee_fen == 0
    assert len(acct.scheduled) == 11
    assert acct.statements[-1].total_due == D("205.99")          # 106.00 + 99.99


# ---------------------------------------------------------------- 4.4 refunds

def test_full_refund_before_billing_bills_nothing():
    acct = run("2026-02-28", [buy("A", "2026-01-10", "500.00"), refund("R", "2026-01-20", "500.00", "A")])
    assert acct.items == () and acct.scheduled == ()
    assert acct.statements[-1].total_due_fen == 0
    assert acct.purchases[0].refunded == D("500.00")
    assert acct.statements[-1].activity[0].kind == "refund"


def test_partial_refund_before_billing_shrinks_the_bill():
    acct = run("2026-02-05", [buy("A", "2026-01-10", "500.00"), refund("R", "2026-01-20", "200.00", "A")])
    assert item(acct, "A").principal == D("300.00")               # 500 - 200
    assert acct.statements[-1].total_due == D("300.00")


def test_installment_refund_cancels_periods_from_the_last_backwards():
    # 1200/12 at 0.5%: 100.00 + 6.00 a period. Refund 250.00 before billing:
    # period 12 -100 (cancelled, fee gone), period 11 -100 (cancelled), period 10: 100 - 50 = 50.00 (keeps fee 6.00)
    acct = run("2026-01-31", [buy("A", "2026-01-10", "1200.00", 12), refund("R", "2026-01-20", "250.00", "A")])
    sched = [(p.period, str(p.principal), str(p.fee)) for p in acct.scheduled]
    assert sched == [(i, "100.00", "6.00") for i in range(1, 10)] + [(10, "50.00", "6.00")]
    assert acct.unbilled_principal_fen == 95000                    # 1200 - 250
    assert acct.unbilled_fee_fen == 10 * 600                       # fees of periods 11 and 12 cancelled


def test_installment_refund_after_billing_reaches_billed_principal_then_credit():
    # 1200/12 bought 01-10: p1 billed 02-03 (paid 02-10), p2 billed 03-03 (unpaid, due 03-12).
    # Refund 1150.00 on 03-05: unbilled p3..p12 = 10 x 100 = 1000 -> all cancelled with their fees;
    # 150 left: p2's unpaid principal 100 -> refunded; 50 left -> credit balance.
    # The credit is used at once on what is billed and unpaid: p2's fee 6.00 (fees are not refunded).
    # Credit left 50 - 6 = 44.00.
    acct = run("2026-03-10",
               [buy("A", "2026-01-10", "1200.00", 12), refund("R", "2026-03-05", "1150.00", "A")],
               [pay("P1", "2026-02-10", "106.00")])
    p2 = item(acct, "A", 2)
    assert (p2.principal_refunded, p2.fee_paid, p2.outstanding, p2.paid_on) == \
        (D("100.00"), D("6.00"), D("0.00"), d("2026-03-05"))
    assert acct.scheduled == ()
    assert acct.credit_balance == D("44.00")
    assert acct.purchases[0].refunded_to_credit_fen == 5000
    assert [lines(u) for u in acct.credit_uses] == [[("A", 2, "fee", "6.00")]]
    # principals: billed (100 + 100 - 100 refunded) + unbilled 0 = 1200 - 1150 + 50 to credit
    assert sum(i.principal_fen - i.principal_refunded_fen for i in acct.items) == 120000 - 115000 + 5000


def test_full_refund_after_billing_unpaid_and_paid():
    # A 500 billed 02-03 (due 02-12), unpaid; refunded in full on 02-05: its billed principal is cancelled,
    # nothing is owed, no late fee ever; the 03-03 statement shows the refund and 0.00 due.
    acct = run("2026-03-05", [buy("A", "2026-01-10", "500.00"), refund("R", "2026-02-05", "500.00", "A")])
    a = item(acct, "A")
    assert (a.principal_refunded, a.outstanding, a.paid_on) == (D("500.00"), D("0.00"), d("2026-02-05"))
    assert acct.statements[-1].total_due_fen == 0 and acct.late_fees.posted_fen == 0
    assert acct.credit_balance_fen == 0
    assert [(x.kind, str(x.amount)) for x in acct.statements[-1].activity] == [("refund", "500.00")]
    # the same, but paid on 02-10 before the refund on 02-20: the whole 500.00 becomes credit balance
    acct = run("2026-03-05", [buy("A", "2026-01-10", "500.00"), refund("R", "2026-02-20", "500.00", "A")],
               [pay("P", "2026-02-10", "500.00")])
    assert acct.credit_balance == D("500.00") and item(acct, "A").principal_refunded_fen == 0
    assert acct.statements[-1].total_due_fen == 0


def test_refund_of_a_paid_purchase_becomes_credit_used_by_the_next_bill():
    # A 300 billed 02-03, paid 02-10. B 200 bought 02-15 -> billed 03-03.
    # Refund 100 of A on 02-20: A is paid -> 100.00 credit (nothing billed is unpaid, so it waits).
    # Statement 03-03: B 200 billed, credit 100 used -> 100.00 due.
    acct = run("2026-03-05",
               [buy("A", "2026-01-10", "300.00"), buy("B", "2026-02-15", "200.00"),
                refund("R", "2026-02-20", "100.00", "A")],
               [pay("P1", "2026-02-10", "300.00")])
    s = acct.statements[-1]
    assert s.statement_date == d("2026-03-03")
    assert s.total_due == D("100.00") and s.credit_balance_fen == 0
    assert [ln.outstanding for ln in s.new_items] == [D("100.00")]
    assert [(a.kind, a.ref, str(a.amount)) for a in s.activity] == \
        [("payment", "P1", "300.00"), ("refund", "R", "100.00"), ("credit_applied", "", "100.00")]
    assert [lines(u) for u in acct.credit_uses] == [[("B", 1, "principal", "100.00")]]


def test_refund_beyond_what_is_left_or_of_unknown_purchase_is_ignored_with_a_warning():
    acct = run("2026-02-05", [buy("A", "2026-01-10", "100.00"), refund("R1", "2026-01-11", "60.00", "A"),
                              refund("R2", "2026-01-12", "60.00", "A"), refund("R3", "2026-01-12", "1.00", "ZZ")])
    assert item(acct, "A").principal == D("40.00")
    assert len(acct.warnings) == 2
    assert "R2" in acct.warnings[0] and "exceeds" in acct.warnings[0]
    assert "R3" in acct.warnings[1]


def test_same_day_purchase_and_refund():
    # purchases run before refunds on the same day
    acct = run("2026-02-05", [refund("R", "2026-01-10", "30.00", "A"), buy("A", "2026-01-10", "100.00")])
    assert acct.warnings == () and item(acct, "A").principal == D("70.00")


# ---------------------------------------------------------------- 4.5 allocation and credit

def test_allocation_late_fee_then_oldest_due_first_fee_before_principal():
    # A 600/3 at 0.5% (200 + 3.00 fee) bought 01-10: p1 billed 02-03 due 02-12; p2 billed 03-03 due 03-12.
    # B 50 pay-in-full bought 02-10: billed 03-03 due 03-12.
    # Nothing paid until 03-14. Late fee: p1 (203.00) late from 02-13: days 02-13..03-14 = 30 days
    #   -> 30 x 203 x 0.0005 = 3.045; posted at the 03-03 statement: days 02-13..03-03 = 19 x 0.1015
    #   = 1.9285 -> 1.93; then p2 (203) and B (50) due 03-12 are late from 03-13.
    # At 03-14: p1 days 03-04..03-14 = 11 x 0.1015 = 1.1165; p2 + B days 03-13, 03-14 = 2 x 253 x 0.0005
    #   = 0.253 -> 1.3695 -> posted 1.37. Late fee posted = 1.93 + 1.37 = 3.30.
    # Pay 300.00: late fee 3.30, p1 fee 3.00, p1 principal 200.00, then 03-12 ties: statement 03-03,
    # purchase date: A (01-10) before B (02-10): p2 fee 3.00, p2 principal 90.70.
    acct = run("2026-03-14", [buy("A", "2026-01-10", "600.00", 3), buy("B", "2026-02-10", "50.00")],
               [pay("P", "2026-03-14", "300.00")])
    assert acct.late_fees.posted == D("3.30")
    assert lines(acct.allocation("P")) == [
        (None, None, "late_fee", "3.30"), ("A", 1, "fee", "3.00"), ("A", 1, "principal", "200.00"),
        ("A", 2, "fee", "3.00"), ("A", 2, "principal", "90.70")]
    assert item(acct, "A", 2).outstanding == D("109.30")         # 200 - 90.70 + 0
    assert item(acct, "B").outstanding == D("50.00")


def test_overpayment_becomes_credit_used_by_the_next_bill():
    # A 100 billed 02-03. Pay 150 on 02-05: 100 principal + 50.00 credit.
    # B 80 bought 02-10 billed 03-03: credit 50 used -> 30.00 due on the 03-03 statement.
    acct = run("2026-03-05", [buy("A", "2026-01-10", "100.00"), buy("B", "2026-02-10", "80.00")],
               [pay("P", "2026-02-05", "150.00")])
    assert lines(acct.allocation("P")) == [("A", 1, "principal", "100.00"), (None, None, "credit", "50.00")]
    s = acct.statements[-1]
    assert s.total_due == D("30.00") and acct.credit_balance_fen == 0
    assert item(acct, "B").principal_paid == D("50.00")
    assert [(a.kind, str(a.amount)) for a in s.activity] == [("payment", "150.00"), ("credit_applied", "50.00")]


def test_repayment_before_any_bill_is_credit():
    acct = run("2026-02-05", [buy("A", "2026-01-10", "100.00")], [pay("P", "2026-01-12", "40.00")])
    assert lines(acct.allocation("P")) == [(None, None, "credit", "40.00")]
    assert item(acct, "A").outstanding == D("60.00")
    assert acct.statements[-1].total_due == D("60.00")


def test_payment_on_the_statement_date_and_on_the_due_date():
    # Billed 02-03 due 02-12. Paid on the statement date: the 02-03 statement is issued first
    # (billing runs before repayments), so it shows 106.00 due; the payment is on the next statement.
    acct = run("2026-03-05", [buy("A", "2026-01-10", "106.00")], [pay("P", "2026-02-03", "106.00")])
    feb, mar = acct.statements[1], acct.statements[2]
    assert feb.total_due == D("106.00")
    assert [a.ref for a in mar.activity] == ["P"] and mar.total_due_fen == 0
    assert item(acct, "A").paid_on == d("2026-02-03")
    # Paid on the due date: on time, no late fee
    acct = run("2026-03-05", [buy("A", "2026-01-10", "106.00")], [pay("P", "2026-02-12", "106.00")])
    assert acct.late_fees.posted_fen == 0 and not item(acct, "A").late
    # One day after: 1 x 106 x 0.0005 = 0.053 -> 0.05, paid first: 106.00 leaves 0.05 of principal
    acct = run("2026-02-13", [buy("A", "2026-01-10", "106.00")], [pay("P", "2026-02-13", "106.00")])
    assert lines(acct.allocation("P")) == [(None, None, "late_fee", "0.05"), ("A", 1, "principal", "105.95")]
    assert item(acct, "A").outstanding == D("0.05")


def test_same_day_repayments_apply_in_journal_order():
    # two bills A (due 02-12) and B; the journal order (seq) decides what each payment pays
    txns = [buy("A", "2026-01-10", "100.00"), buy("B", "2026-01-11", "100.00")]
    acct = run("2026-02-05", txns, [pay("Z", "2026-02-05", "30.00", seq=1), pay("Y", "2026-02-05", "100.00", seq=2)])
    assert lines(acct.allocation("Z")) == [("A", 1, "principal", "30.00")]
    assert lines(acct.allocation("Y")) == [("A", 1, "principal", "70.00"), ("B", 1, "principal", "30.00")]


# ---------------------------------------------------------------- 4.5 early settlement

SETTLE_TXNS = [buy("A", "2026-01-10", "1200.00", 12)]
SETTLE_REPS = [pay("P1", "2026-02-10", "106.00")]


@pytest.mark.parametrize("policy,payoff", [
    # p1 paid; on 03-05: billed p2 106.00 unpaid; unbilled p3..p12 principal 10 x 100 = 1000.00
    ("all_remaining", "1166.00"),    # + 10 fees x 6.00 = 60.00 -> 106 + 1000 + 60
    ("current_period", "1112.00"),   # + the next period's fee 6.00 -> 106 + 1000 + 6
    ("none", "1106.00"),             # no unbilled fee -> 106 + 1000
])
def test_early_settlement_under_each_policy(policy, payoff):
    cfg = config(policy=policy)
    before = run("2026-03-05", SETTLE_TXNS, SETTLE_REPS, cfg=cfg)
    assert payoff_amount(before) == D(payoff)
    assert quote_payoff(cust(), SETTLE_TXNS, SETTLE_REPS, [], cfg, d("2026-03-05")) == D(payoff)
    # pay it exactly: everything is paid, nothing more is billed afterwards
    acct = run("2026-05-05", SETTLE_TXNS, SETTLE_REPS + [pay("S", "2026-03-05", payoff, "settle", seq=1)], cfg=cfg)
    a = acct.allocation("S")
    assert a.applied_as == "settle" and a.payoff_fen == D(payoff) * 100
    assert acct.scheduled == () and acct.billed_outstanding_fen == 0 and acct.credit_balance_fen == 0
    assert acct.warnings == ()
    accelerated = [i for i in acct.items if i.accelerated]
    assert [i.period for i in accelerated] == list(range(3, 13))
    assert all(i.statement_date == i.due_date == d("2026-03-05") for i in accelerated)
    assert acct.statements[-1].new_items == () and acct.statements[-1].total_due_fen == 0
    assert acct.purchases[0].settled_on == d("2026-03-05")
    # fees charged on settlement per policy
    assert fen_str(sum(i.fee_fen for i in accelerated)) == {"all_remaining": "60.00", "current_period": "6.00",
                                                             "none": "0.00"}[policy]


def test_settle_with_excess_leaves_credit_and_short_settle_is_a_normal_repayment():
    acct = run("2026-03-05", SETTLE_TXNS, SETTLE_REPS + [pay("S", "2026-03-05", "1170.00", "settle", seq=1)])
    assert acct.credit_balance == D("4.00")                        # 1170 - 1166
    acct = run("2026-03-05", SETTLE_TXNS, SETTLE_REPS + [pay("S", "2026-03-05", "1165.99", "settle", seq=1)])
    a = acct.allocation("S")
    assert a.applied_as == "normal"
    assert "does not cover the payoff 1166.00" in acct.warnings[0]
    # applied as a normal payment: p2 106.00 paid, 1059.99 to credit; the rest stays scheduled
    assert lines(a)[-1] == (None, None, "credit", "1059.99")
    assert len(acct.scheduled) == 10


def test_settle_pays_late_fee_and_uses_credit():
    # A 100 due 02-12, unpaid; B 300/3 bought 01-20 (100 + 1.50 a period), p1 billed 02-03 due 02-12.
    # On 02-22: late 10 days on 100 + 101.50 = 201.50 -> 10 x 201.5 x 0.0005 = 1.0075 -> 1.01.
    # Payoff all_remaining: 1.01 + 100 + 101.50 + 200 + 2 x 1.50 = 405.51
    txns = [buy("A", "2026-01-10", "100.00"), buy("B", "2026-01-20", "300.00", 3)]
    acct = run("2026-02-22", txns)
    assert acct.late_fees.owed == D("1.01")
    assert payoff_amount(acct) == D("405.51")
    acct = run("2026-02-22", txns, [pay("S", "2026-02-22", "405.51", "settle")])
    assert acct.total_due_fen == 0 and acct.scheduled == () and acct.late_fees.unpaid_fen == 0
    assert lines(acct.allocation("S"))[0] == (None, None, "late_fee", "1.01")


def test_post_repayment_helper_matches_replay():
    posting = post_repayment(cust(), SETTLE_TXNS, SETTLE_REPS, [], config(), pay("S", "2026-03-05", "1000.00", "settle"),
                             d("2026-03-05"))
    assert posting.refusal == "settle of 1000.00 on 2026-03-05 does not cover the payoff 1166.00"
    assert posting.allocation.applied_as == "normal"
    posting = post_repayment(cust(), SETTLE_TXNS, SETTLE_REPS, [], config(), pay("S", "2026-03-05", "1166.00", "settle"),
                             d("2026-03-05"))
    assert posting.refusal is None and posting.allocation.applied_as == "settle"
    assert posting.account.total_due_fen == 0


# ---------------------------------------------------------------- 4.6 deferral

def test_deferral_moves_the_due_date_and_adds_a_fee():
    # A 1000 billed 02-03 due 02-12. Deferred on 02-10 by 10 days: due 02-22, fee 1% x 1000 = 10.00.
    # Paid 1010.00 on 02-22: on time, no late fee.
    txns = [buy("A", "2026-01-10", "1000.00")]
    defs = [defer("D1", "2026-02-03", "2026-02-10", 10)]
    acct = run("2026-03-05", txns, [pay("P", "2026-02-22", "1010.00")], defs)
    a = item(acct, "A")
    assert (a.original_due_date, a.due_date, a.late) == (d("2026-02-12"), d("2026-02-22"), False)
    fee = item(acct, "D1")
    assert (fee.kind, fee.fee, fee.due_date, fee.statement_date) == \
        ("deferral_fee", D("10.00"), d("2026-02-22"), d("2026-02-03"))
    assert acct.late_fees.posted_fen == 0
    assert acct.statements[1].deferred_due_date == d("2026-02-22")
    assert acct.deferrals[0].fee == D("10.00")
    assert lines(acct.allocation("P")) == [("A", 1, "principal", "1000.00"), ("D1", 1, "fee", "10.00")]


def test_deferred_item_accrues_late_fee_from_its_new_due_date():
    # Same deferral; paid on 02-24 instead: days 02-23, 02-24 = 2 x 1010 x 0.0005 = 1.01
    acct = run("2026-02-24", [buy("A", "2026-01-10", "1000.00")], [],
               [defer("D1", "2026-02-03", "2026-02-10", 10)])
    assert acct.overdue.dpd == 2 and acct.overdue.overdue_amount == D("1010.00")
    assert acct.late_fees.owed == D("1.01")


def test_deferral_refusals():
    txns = [buy("A", "2026-01-10", "1000.00"), buy("B", "2026-02-10", "50.00")]
    cases = [
        # twice the same statement
        ([defer("D1", "2026-02-03", "2026-02-05", 5), defer("D2", "2026-02-03", "2026-02-06", 5, seq=1)],
         "D2", "already deferred"),
        # after the due date 02-12
        ([defer("D1", "2026-02-03", "2026-02-13", 5)], "D1", "after the statement's due date 2026-02-12"),
        # more than max_days
        ([defer("D1", "2026-02-03", "2026-02-05", 31)], "D1", "31 days is outside 1..30"),
        # not a statement date / not issued yet
        ([defer("D1", "2026-02-04", "2026-02-05", 5)], "D1", "no statement of this customer on 2026-02-04"),
        ([defer("D1", "2026-03-03", "2026-02-05", 5)], "D1", "statement 2026-03-03 is not issued yet on 2026-02-05"),
        ([defer("D1", "2025-12-03", "2026-02-05", 5)], "D1", "no statement of this customer on 2025-12-03"),
        # the account is overdue: A (due 02-12) unpaid on 03-05 when deferring the 03-03 statement
        ([defer("D1", "2026-03-03", "2026-03-05", 5)], "D1", "the account is overdue"),
    ]
    for defs, bad, why in cases:
        acct = run("2026-03-10", txns, [], defs)
        assert any(w.startswith(f"deferral {bad}:") and why in w for w in acct.warnings), (why, acct.warnings)
        assert bad not in {x.deferral_id for x in acct.deferrals}
    # nothing unpaid on the statement
    acct = run("2026-02-10", txns, [pay("P", "2026-02-04", "1000.00")], [defer("D1", "2026-02-03", "2026-02-05", 5)])
    assert "nothing is unpaid" in acct.warnings[0]


def test_post_deferral_helper():
    txns = [buy("A", "2026-01-10", "1000.00")]
    ok = post_deferral(cust(), txns, [], [], config(), defer("D1", "2026-02-03", "2026-02-10", 10), d("2026-02-10"))
    assert ok.refusal is None and ok.deferral.new_due_date == d("2026-02-22") and ok.deferral.fee_fen == 1000
    bad = post_deferral(cust(), txns, [], [], config(), defer("D1", "2026-02-03", "2026-02-13", 10), d("2026-02-13"))
    assert bad.deferral is None and "after the statement's due date" in bad.refusal


def test_same_day_repayment_runs_before_a_deferral():
    # On 02-10: pay 400, then defer: fee 1% x 600 = 6.00 (on what is still unpaid)
    acct = run("2026-02-10", [buy("A", "2026-01-10", "1000.00")], [pay("P", "2026-02-10", "400.00", seq=5)],
               [defer("D1", "2026-02-03", "2026-02-10", 10, seq=1)])
    assert acct.deferrals[0].fee == D("6.00")


# ---------------------------------------------------------------- statements

def test_statement_contents_carried_items_late_fee_and_upcoming():
    # 1200/12 (100 + 6.00) bought 01-10 and not paid.
    # 02-03: p1 billed (106.00 due 02-12).
    # 03-03: p1 carried (late since 02-13: 19 days x 106 x 0.0005 = 1.007 -> 1.01 posted), p2 billed.
    #        total due = 106 + 106 + 1.01 = 213.01; upcoming p3, p4, p5 on 04-03, 05-03, 06-03.
    acct = run("2026-03-03", [buy("A", "2026-01-10", "1200.00", 12)])
    s = acct.latest_statement()
    assert s.statement_date == d("2026-03-03") and s.number == 3
    assert [(ln.period, str(ln.outstanding)) for ln in s.new_items] == [(2, "106.00")]
    assert [(ln.period, str(ln.outstanding)) for ln in s.carried_items] == [(1, "106.00")]
    assert s.late_fee_posted == D("1.01") and s.late_fee_unpaid == D("1.01")
    assert s.total_due == D("213.01")
    assert [(p.period, p.statement_date) for p in s.upcoming] == \
        [(3, d("2026-04-03")), (4, d("2026-05-03")), (5, d("2026-06-03"))]
    assert [a.kind for a in s.activity] == ["late_fee_posted"]


def test_statements_mode_last_and_none_give_the_same_balances():
    txns = [buy("A", "2026-01-10", "1200.00", 12), buy("B", "2026-02-01", "80.00")]
    reps = [pay("P", "2026-02-20", "50.00")]
    full = run("2026-05-20", txns, reps)
    last = run("2026-05-20", txns, reps, statements="last")
    none = run("2026-05-20", txns, reps, statements="none")
    assert last.statements == (full.statements[-1],)
    assert none.statements == ()
    for other in (last, none):
        assert (other.items, other.allocations, other.late_fees, other.scheduled) == \
            (full.items, full.allocations, full.late_fees, full.scheduled)


# ---------------------------------------------------------------- 28th and leap day

def test_statement_day_28_and_leap_day():
    c = cust(opened="2028-01-01", sday=28)
    acct = run("2028-04-30", [buy("A", "2028-01-28", "100.00"), buy("B", "2028-02-29", "50.00"),
                              buy("C", "2028-02-27", "30.00")], customer=c)
    # A on the statement day joins 02-28 (due 02-28 + 9 = 03-08 in a leap year); C on 02-27 too
    assert (item(acct, "A").statement_date, item(acct, "A").due_date) == (d("2028-02-28"), d("2028-03-08"))
    assert item(acct, "C").statement_date == d("2028-02-28")
    # B on the leap day 02-29 is after the 02-28 statement: billed 03-28, due 04-06
    assert (item(acct, "B").statement_date, item(acct, "B").due_date) == (d("2028-03-28"), d("2028-04-06"))
    assert [s.statement_date.day for s in acct.statements] == [28, 28, 28, 28]


def test_late_fee_over_the_leap_day_with_each_rounding():
    # statement day 19: 2028-02-19, due 02-28. 105.00 paid 2028-03-01: late days 02-29 and 03-01
    # -> 2 x 105 x 0.0005 = 0.105: ROUND_HALF_UP 0.11, ROUND_HALF_EVEN 0.10
    c = cust(opened="2028-01-01", sday=19)
    txns = [buy("A", "2028-02-01", "105.00")]
    for rounding, fee in (("ROUND_HALF_UP", "0.11"), ("ROUND_HALF_EVEN", "0.10")):
        acct = run("2028-03-01", txns, customer=c, cfg=config(rounding=rounding))
        assert item(acct, "A").due_date == d("2028-02-28")
        assert acct.late_fees.accrued_exact == D("0.105")
        assert acct.late_fees.accrued_shown == D(fee)
        assert acct.overdue.dpd == 2


# ---------------------------------------------------------------- misc

def test_input_order_does_not_matter():
    txns = [buy("A", "2026-01-10", "1200.00", 12), buy("B", "2026-01-10", "80.00"),
            refund("R", "2026-03-01", "20.00", "B")]
    reps = [pay("P1", "2026-02-15", "100.00", seq=1), pay("P2", "2026-02-15", "100.00", seq=2),
            pay("P3", "2026-04-01", "300.00", seq=3)]
    a = run("2026-06-01", txns, reps)
    b = run("2026-06-01", list(reversed(txns)), list(reversed(reps)))
    assert a == b


def test_foreign_rows_and_duplicate_repayment_ids_are_warned_not_applied():
    txns = [buy("A", "2026-01-10", "100.00"), buy("X", "2026-01-10", "100.00", cid="C2")]
    reps = [pay("P", "2026-02-05", "10.00", seq=1), pay("P", "2026-02-05", "10.00", seq=2)]
    acct = run("2026-02-05", txns, reps)
    assert item(acct, "A").principal_paid == D("10.00")
    assert len(acct.allocations) == 1
    assert any("C2" in w for w in acct.warnings) and any("duplicate" in w for w in acct.warnings)


def test_available_credit():
    c = cust(credit_limit=D("5000.00"))
    acct = run("2026-02-05", [buy("A", "2026-01-10", "1200.00", 12)], [pay("P", "2026-02-05", "106.00")], customer=c)
    # unpaid principal: 11 unbilled x 100 = 1100 -> available 3900.00
    assert acct.unpaid_principal_fen == 110000
    assert acct.available_credit_fen() == 390000
    assert acct.available_credit_fen(100000) == 0                   # never below zero
    assert run("2026-02-05").available_credit_fen() is None


def test_account_is_frozen():
    acct = run("2026-02-05", [buy("A", "2026-01-10", "100.00")])
    with pytest.raises(Exception):
        acct.as_of = date(2020, 1, 1)  # type: ignore[misc]
    with pytest.raises(Exception):
        acct.items[0].principal_fen = 1  # type: ignore[misc]
    assert isinstance(acct.items[0].principal, Decimal)
