"""Late fee (违约金, SPEC 4.7): accrual, grace days, posting and rounding, hand-worked."""

from __future__ import annotations

from ledger_helpers import D, buy, config, d, item, lines, pay, refund, run

A = [buy("A", "2026-01-10", "106.00")]          # billed 2026-02-03, due 2026-02-12


def test_spec_example_106_paid_8_days_late():
    # 106.00 due 02-12 paid 02-20: days 02-13..02-20 = 8 x 106 x 0.0005 = 8 x 0.053 = 0.424 -> 0.42
    acct = run("2026-02-20", A)
    assert acct.late_fees.accrued_exact == D("0.424")
    assert acct.late_fees.accrued_shown == D("0.42")
    acct = run("2026-02-20", A, [pay("P", "2026-02-20", "106.42")])
    assert lines(acct.allocation("P")) == [(None, None, "late_fee", "0.42"), ("A", 1, "principal", "106.00")]
    assert acct.late_fees.posted == D("0.42") and acct.late_fees.paid == D("0.42")
    assert acct.total_due_fen == 0
    assert item(acct, "A").late and item(acct, "A").paid_on == d("2026-02-20")


def test_late_fees_across_partial_payments_posted_at_repayment_and_statement():
    # 1000.00 due 02-12.
    # 02-22 pay 400: days 02-13..02-22 = 10 x 1000 x 0.0005 = 5.00 posted -> late fee 5.00, principal 395.00;
    #                605.00 left.
    # 03-03 statement: days 02-23..03-03 = 9 x 605 x 0.0005 = 2.7225 -> 2.72 posted; total due 607.72.
    # 03-10 pay 609.84: days 03-04..03-10 = 7 x 0.3025 = 2.1175 -> 2.12 posted; late fee 2.72 + 2.12 = 4.84,
    #                principal 605.00. Everything paid.
    txns = [buy("A", "2026-01-10", "1000.00")]
    reps = [pay("P1", "2026-02-22", "400.00"), pay("P2", "2026-03-10", "609.84")]
    acct = run("2026-03-31", txns, reps)
    assert lines(acct.allocation("P1")) == [(None, None, "late_fee", "5.00"), ("A", 1, "principal", "395.00")]
    mar = acct.statement_on(d("2026-03-03"))
    assert mar.late_fee_posted == D("2.72")
    assert [(ln.txn_id, str(ln.outstanding)) for ln in mar.carried_items] == [("A", "605.00")]
    assert mar.total_due == D("607.72")
    assert lines(acct.allocation("P2")) == [(None, None, "late_fee", "4.84"), ("A", 1, "principal", "605.00")]
    assert (acct.late_fees.posted, acct.late_fees.paid) == (D("9.84"), D("9.84"))
    assert acct.total_due_fen == 0
    # exact total: 10 x 0.5 + 9 x 0.3025 + 7 x 0.3025 = 5 + 2.7225 + 2.1175 = 9.84
    assert acct.late_fees.accrued_total_exact == D("9.84")


def test_no_late_fee_on_late_fees():
    # 100 due 02-12; pay 100.00 on 02-22: late fee 10 x 0.05 = 0.50 first, principal 99.50.
    # After that only 0.50 principal accrues: 02-23..03-02 = 8 x 0.50 x 0.0005 = 0.002 -> 0.00 posted at 03-03
    # (the posted and unpaid... here paid 0.50 late fee itself never accrues)
    acct = run("2026-03-03", [buy("A", "2026-01-10", "100.00")], [pay("P", "2026-02-22", "100.00")])
    assert acct.late_fees.posted == D("0.50")
    assert acct.statement_on(d("2026-03-03")).total_due == D("0.50")   # 0.50 principal, late fee 0.0025 -> 0.00


def test_grace_0_overdue_the_day_after_due():
    acct = run("2026-02-12", A)
    assert not acct.overdue.is_overdue and acct.late_fees.owed_fen == 0
    acct = run("2026-02-13", A)
    assert acct.overdue.dpd == 1 and acct.late_fees.accrued_shown == D("0.05")   # 0.053


def test_grace_3_paid_within_grace_owes_nothing():
    cfg = config(grace=3)
    acct = run("2026-02-15", A, [pay("P", "2026-02-15", "106.00")], cfg=cfg)    # due + 3
    assert acct.late_fees.posted_fen == 0 and not item(acct, "A").late
    assert acct.late_fees.accrued_total_exact == 0
    # not overdue inside the grace window, and nothing shown yet
    acct = run("2026-02-15", A, cfg=cfg)
    assert not acct.overdue.is_overdue and acct.late_fees.owed_fen == 0


def test_grace_3_paid_after_grace_owes_from_due_plus_one():
    # paid 02-16 (due + 4): late from 02-13, grace days included: 4 x 0.053 = 0.212 -> 0.21
    cfg = config(grace=3)
    acct = run("2026-02-16", A, cfg=cfg)
    assert acct.overdue.dpd == 4 and acct.late_fees.accrued_shown == D("0.21")
    acct = run("2026-02-16", A, [pay("P", "2026-02-16", "106.21")], cfg=cfg)
    assert lines(acct.allocation("P")) == [(None, None, "late_fee", "0.21"), ("A", 1, "principal", "106.00")]


def test_grace_3_partial_payment_inside_grace_then_late():
    # pay 50 on 02-14 (inside grace, posts nothing); 56.00 still unpaid at the start of 02-16 -> late.
    # days 02-13, 02-14 on 106 (start-of-day balance) = 212; days 02-15..02-20 on 56 = 6 x 56 = 336
    # -> (212 + 336) x 0.0005 = 0.274 -> 0.27
    cfg = config(grace=3)
    acct = run("2026-02-20", A, [pay("P", "2026-02-14", "50.00")], cfg=cfg)
    assert lines(acct.allocation("P")) == [("A", 1, "principal", "50.00")]
    assert acct.late_fees.accrued_exact == D("0.274") and acct.late_fees.accrued_shown == D("0.27")
    assert acct.overdue.dpd == 8


def test_grace_3_partial_then_full_inside_grace_owes_nothing():
    cfg = config(grace=3)
    acct = run("2026-03-31", A, [pay("P", "2026-02-13", "50.00"), pay("Q", "2026-02-15", "56.00")], cfg=cfg)
    assert acct.late_fees.posted_fen == 0 and acct.late_fees.accrued_total_exact == 0


def test_cap_ratio_limits_posting():
    # 1000 due 02-12 unpaid; cap 1% of the overdue amount = 10.00.
    # 03-03: 19 days x 0.50 = 9.50 posted (under the cap); 04-03: 31 x 0.50 = 15.50 -> capped at 10.00 - 9.50 = 0.50
    cfg = config(cap="0.01")
    acct = run("2026-04-03", [buy("A", "2026-01-10", "1000.00")], cfg=cfg)
    assert acct.statement_on(d("2026-03-03")).late_fee_posted == D("9.50")
    assert acct.statement_on(d("2026-04-03")).late_fee_posted == D("0.50")
    assert acct.late_fees.posted == D("10.00")
    acct = run("2026-04-10", [buy("A", "2026-01-10", "1000.00")], cfg=cfg)
    assert acct.late_fees.owed == D("10.00")                 # the shown accrual is capped too


def test_late_fee_posted_at_credit_use_from_a_refund():
    # B 50 (bought 01-05) and A 100 (01-10), both billed 02-03 due 02-12. Pay 50 on 02-05: same due date,
    # earlier purchase first -> B paid in full. A unpaid, late from 02-13.
    # Refund B in full on 02-22: B is paid -> 50.00 credit, used at once on A. The use first posts the
    # late fee: 10 days (02-13..02-22) x 100 x 0.0005 = 0.50; credit pays 0.50 late fee + 49.50 principal.
    txns = [buy("A", "2026-01-10", "100.00"), buy("B", "2026-01-05", "50.00"), refund("R", "2026-02-22", "50.00", "B")]
    acct = run("2026-02-22", txns, [pay("P", "2026-02-05", "50.00")])
    assert lines(acct.allocation("P")) == [("B", 1, "principal", "50.00")]
    assert [lines(u) for u in acct.credit_uses] == [[(None, None, "late_fee", "0.50"), ("A", 1, "principal", "49.50")]]
    assert acct.late_fees.posted == D("0.50") and acct.credit_balance_fen == 0
    assert item(acct, "A").outstanding == D("50.50")
    assert [(p.txn_id, p.refunded_to_credit_fen) for p in acct.purchases] == [("B", 5000), ("A", 0)]


def test_refund_of_an_overdue_item_stops_its_late_fee_from_that_day():
    # A 100 and B 50 due 02-12, unpaid. Refund B in full on 02-22: B's unpaid principal is cancelled.
    # Late fee: 02-13..02-22 on 150 = 10 x 0.075 = 0.75; then 02-23..02-28 on A only = 6 x 0.05 = 0.30 -> 1.05
    txns = [buy("A", "2026-01-10", "100.00"), buy("B", "2026-01-05", "50.00"), refund("R", "2026-02-22", "50.00", "B")]
    acct = run("2026-02-28", txns)
    assert item(acct, "B").principal_refunded == D("50.00") and item(acct, "B").paid_on == d("2026-02-22")
    assert acct.late_fees.accrued_exact == D("1.05")
