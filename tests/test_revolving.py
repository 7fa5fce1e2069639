"""Minimum payment and revolving (最低还款, 日服务费, SPEC 4.9), hand-worked.

Config: ratio 0.10, carry_threshold 300.00, revolving daily_rate 0.0005, late fee 0.0005,
statement day 3, due 9 days later (02-03 -> 02-12, 03-03 -> 03-12), grace 0. 2026: February has
28 days, so 02-12 -> 03-03 is 19 days.
"""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal
from typing import Optional

from ledger_helpers import D, buy, config, cust, d, lines, pay, refund, run

from baitiao_cli.engine.config import MinimumPayment
from baitiao_cli.engine.ledger import overdue_status, latest_statement, quote_payoff


def mcfg(grace: int = 0, threshold: str = "300", ratio: str = "0.10", rate: str = "0.0005", **kw):
    return replace(config(grace=grace, **kw), minimum_payment=MinimumPayment(
        enabled=True, ratio=D(ratio), carry_threshold=D(threshold), daily_rate=D(rate)))


def mrun(as_of, txns=(), reps=(), cfg=None, **kw):
    return run(as_of, txns, reps, cfg=cfg or mcfg(), **kw)


A1000 = [buy("A", "2026-01-10", "1000.00")]      # billed 02-03, due 02-12
A2000 = [buy("A", "2026-01-10", "2000.00")]


def test_spec_worked_minimum_met_then_revolving_fee():
    # 02-03: minimum = 0.10 x 1000.00 = 100.00; total due 1000.00.
    # 100.00 paid 02-10 (<= due 02-12): met. 900.00 revolves from 02-13:
    # revolving fee 19 days (02-13..03-03) x 900.00 x 0.0005 = 19 x 0.45 = 8.55, posted on the 03-03 bill.
    # 03-03 minimum: carried 900.00 >= 300 and met -> 0.10 x 900.00 = 90.00 + charges 8.55 = 98.55;
    # total due 900.00 + 8.55 = 908.55.
    acct = mrun("2026-03-03", A1000, [pay("P", "2026-02-10", "100.00")])
    feb = acct.statement_on(d("2026-02-03"))
    assert (feb.total_due, feb.minimum_due) == (D("1000.00"), D("100.00"))
    mar = acct.statement_on(d("2026-03-03"))
    assert mar.revolving_fee_posted == D("8.55")
    assert mar.revolving_fee_unpaid == D("8.55")
    assert (mar.total_due, mar.minimum_due) == (D("908.55"), D("98.55"))
    assert acct.overdue.dpd == 0 and not acct.overdue.is_overdue
    assert acct.late_fees.posted_fen == 0


def test_spec_worked_missed_minimum():
    # 2000.00 billed 02-03, nothing paid; minimum 200.00.
    # 02-20: S* = 02-03 bill (due 02-12 < 02-20); DPD 8, overdue 200.00; late fee 8 x 200.00 x 0.0005 = 0.80.
    acct = mrun("2026-02-20", A2000)
    od = acct.overdue
    assert (od.dpd, od.overdue_amount, od.late_fee_owed) == (8, D("200.00"), D("0.80"))
    # 03-03 bill: revolving fee 19 x 2000.00 x 0.0005 = 19.00, late fee 19 x 0.10 = 1.90; missed ->
    # 2000.00 carried at 100%: minimum = 2000.00 + 19.00 + 1.90 = 2020.90 = total due.
    acct = mrun("2026-03-20", A2000)
    mar = acct.statement_on(d("2026-03-03"))
    assert (mar.revolving_fee_posted, mar.late_fee_posted) == (D("19.00"), D("1.90"))
    assert (mar.total_due, mar.minimum_due) == (D("2020.90"), D("2020.90"))
    # 03-20: DPD 36 (from 02-12), overdue 2020.90; late fee 1.90 + 9 x 0.10 (03-04..03-12, S* the 02-03 bill)
    # + 8 x (2020.90 - 20.90) x 0.0005 = 8 x 1.00 (03-13..03-20) = 1.90 + 0.90 + 8.00 = 10.80.
    od = acct.overdue
    assert (od.dpd, od.overdue_amount, od.late_fee_owed) == (36, D("2020.90"), D("10.80"))
    assert od.oldest_due_date == d("2026-02-12")
    # the fast path gives the same status
    st = overdue_status(cust(), A2000, [], [], mcfg(), d("2026-03-20"))
    assert st.overdue == od


def test_carried_below_threshold_is_100_percent():
    # 250.00 billed 02-03: minimum 25.00; paid 25.00 on 02-12 (met). 225.00 carried < 300 -> 100%.
    # revolving fee 19 x 225.00 x 0.0005 = 19 x 0.1125 = 2.1375 -> 2.14.
    # 03-03 minimum = 225.00 + 2.14 = 227.14 = total due.
    acct = mrun("2026-03-03", [buy("A", "2026-01-10", "250.00")], [pay("P", "2026-02-12", "25.00")])
    feb, mar = acct.statement_on(d("2026-02-03")), acct.statement_on(d("2026-03-03"))
    assert feb.minimum_due == D("25.00")
    assert mar.revolving_fee_posted == D("2.14")
    assert (mar.total_due, mar.minimum_due) == (D("227.14"), D("227.14"))


def test_carried_above_threshold_with_new_spending_and_installment():
    # 02-03: A 1000.00 pay-in-full -> minimum 100.00; paid 100.00 02-05 (met).
    # 03-03 bill: new B 500.00 pay-in-full, new period 1 of C 300.00/3 at 0.005: 100.00 + fee 1.50;
    # carried 900.00 >= 300 and met -> 90.00; revolving fee 19 x 0.45 = 8.55.
    # minimum = 0.10 x 500.00 (50.00) + 101.50 + 8.55 + 90.00 = 250.05;
    # total = 500.00 + 101.50 + 900.00 + 8.55 = 1510.05.
    txns = A1000 + [buy("B", "2026-02-10", "500.00"), buy("C", "2026-02-10", "300.00", 3, "0.005")]
    acct = mrun("2026-03-03", txns, [pay("P", "2026-02-05", "100.00")])
    mar = acct.statement_on(d("2026-03-03"))
    assert (mar.total_due, mar.minimum_due) == (D("1510.05"), D("250.05"))


def test_met_minimum_at_ratio_vs_missed_then_100_percent():
    # 99.99 paid by 02-12 (minimum 100.00 missed by 0.01): carried 900.01 at 100% on 03-03.
    # revolving fee 19 x 900.01 x 0.0005 = 8.55095 -> 8.55; late fee 19 x 0.01 x 0.0005 = 0.000095 -> 0.00.
    acct = mrun("2026-03-03", A1000, [pay("P", "2026-02-10", "99.99")])
    mar = acct.statement_on(d("2026-03-03"))
    assert mar.minimum_due == mar.total_due == D("908.56")


def test_late_minimum_paid_before_next_bill_starts_dpd_afresh():
    # 02-03 minimum 100.00, paid late on 02-20 (before the 03-03 bill). At 02-20 are posted:
    # late fee 02-13..02-20 = 8 x 100.00 x 0.0005 = 0.40; revolving fee 8 x 1000.00 x 0.0005 = 4.00.
    # 100.00 -> late fee 0.40, revolving fee 4.00, principal 95.60; 904.40 revolves.
    # 03-03 bill: revolving fee 02-21..03-03 = 11 x 904.40 x 0.0005 = 4.9742 -> 4.97; no late fee
    # (S* = 02-03 bill, its minimum is paid). The 02-03 minimum was not met by 02-12 -> carried at 100%:
    # minimum = total due = 904.40 + 4.97 = 909.37.
    # Nothing paid on the 03-03 bill; on 03-20 S* = 03-03 bill, its run starts at 03-03 (the 02-03 bill's
    # minimum was paid before 03-03): DPD = 03-20 - 03-12 = 8, overdue 909.37.
    acct = mrun("2026-03-20", A1000, [pay("P", "2026-02-20", "100.00")])
    assert lines(acct.allocation("P")) == [(None, None, "late_fee", "0.40"), (None, None, "revolving_fee", "4.00"),
                                           ("A", 1, "principal", "95.60")]
    mar = acct.statement_on(d("2026-03-03"))
    assert (mar.revolving_fee_posted, mar.late_fee_posted) == (D("4.97"), D("0.00"))
    assert mar.minimum_due == mar.total_due == D("909.37")
    od = acct.overdue
    assert od.dpd == 8 and od.oldest_due_date == d("2026-03-12")
    assert od.overdue_amount == D("909.37")


def test_two_missed_minimums_in_a_row_count_from_the_first_due_date():
    # 1000.00 nothing paid; on 04-20 S* = 04-03 bill (due 04-12), the run 02-03, 03-03, 04-03 all missed:
    # DPD = 04-20 - 02-12 = 67.
    acct = mrun("2026-04-20", A1000)
    assert acct.overdue.dpd == 67 and acct.overdue.oldest_due_date == d("2026-02-12")


def test_paying_minimum_each_month_is_never_overdue_and_fee_paid_first():
    # 100.00 on 02-10; on 03-10 pay 98.55: revolving fee accrued 03-04..03-10 = 7 x 0.45 = 3.15 posted
    # at the repayment; allocation: revolving fee 8.55 + 3.15 = 11.70, then principal 86.85.
    acct = mrun("2026-03-20", A1000, [pay("P1", "2026-02-10", "100.00"), pay("P2", "2026-03-10", "98.55")])
    assert lines(acct.allocation("P2")) == [(None, None, "revolving_fee", "11.70"), ("A", 1, "principal", "86.85")]
    assert acct.overdue.dpd == 0 and acct.late_fees.posted_fen == 0


def test_paying_total_in_full_by_due_date_costs_no_revolving_fee():
    acct = mrun("2026-04-20", A1000, [pay("P", "2026-02-12", "1000.00")])
    assert acct.revolving_fee_owed_fen == 0 and acct.total_due_fen == 0
    assert all(s.revolving_fee_posted_fen == 0 for s in acct.statements)


def test_settle_payoff_includes_revolving_fee():
    # 02-10 pay 100.00; on 02-20 the payoff = 900.00 + revolving fee 8 x 0.45 = 3.60 -> 903.60.
    assert quote_payoff(cust(), A1000, [pay("P", "2026-02-10", "100.00")], [], mcfg(),
                        d("2026-02-20")) == D("903.60")
    acct = mrun("2026-02-20", A1000, [pay("P", "2026-02-10", "100.00"), pay("S", "2026-02-20", "903.60", "settle")])
    assert acct.allocation("S").applied_as == "settle"
    assert lines(acct.allocation("S")) == [(None, None, "revolving_fee", "3.60"), ("A", 1, "principal", "900.00")]
    assert acct.total_due_fen == 0


def test_refund_clearing_the_bill_clears_its_minimum():
    acct = mrun("2026-02-20", A1000 + [refund("R", "2026-02-05", "1000.00", "A")])
    assert not acct.overdue.is_overdue


def test_off_minimum_due_equals_total_due():
    acct = run("2026-03-03", A1000, [pay("P", "2026-02-10", "100.00")])
    for s in acct.statements:
        assert s.minimum_due_fen == s.total_due_fen and not s.revolving


def test_latest_statement_fast_path_equals_full_replay():
    st = latest_statement(cust(), A2000, [], [], mcfg(), d("2026-03-20")).statement
    assert st == mrun("2026-03-20", A2000).statement_on(d("2026-03-03"))


def test_deferral_allowed_when_the_minimum_is_met_refused_when_it_is_not():
    # minimum on: 02-03 bill (1000.00, minimum 100.00) paid 100.00 on 02-10 -> not overdue by the minimum on
    # 03-05 (900.00 of it unpaid after 02-12 would be overdue by the item rule), so the 03-03 bill (B 200.00)
    # may be deferred; with nothing paid the 02-03 minimum is unpaid: refused.
    from ledger_helpers import defer
    txns = A1000 + [buy("B", "2026-02-10", "200.00")]
    dfr = [defer("D1", "2026-03-03", "2026-03-05", 10)]
    ok = mrun("2026-03-05", txns, [pay("P", "2026-02-10", "100.00")], defs=dfr)
    assert [x.deferral_id for x in ok.deferrals] == ["D1"]
    assert run("2026-03-05", txns, [pay("P", "2026-02-10", "100.00")], defs=dfr).deferrals == ()   # minimum off
    refused = mrun("2026-03-05", txns, defs=dfr)
    assert refused.deferrals == () and any("minimum payment is unpaid" in w for w in refused.warnings)


def test_conversion_hook_recomputes_the_minimum_spec_4_10_example():
    # SPEC 4.10: 2400.00 pay-in-full billed 02-03 (minimum 240.00); 1800.00 converted on 02-05:
    # the bill asks 600.00 with a minimum of 0.10 x 600.00 = 60.00 (the hook the conversion calls).
    from baitiao_cli.engine.recorder import Recorder
    from baitiao_cli.engine.replay import Replay

    r = Replay(cust(), mcfg(), d("2026-02-05"), Recorder()).run([buy("A", "2026-01-10", "2400.00")], [], [])
    on_ord = d("2026-02-03").toordinal()
    assert r.rev.minimum_of(on_ord) == 24000
    assert r.rev.converted(on_ord, 180000) == 6000 and r.rev.minimum_of(on_ord) == 6000
    assert r.rev.converted(d("2026-02-04").toordinal(), 100) is None
