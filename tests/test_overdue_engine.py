"""``engine.overdue``: buckets, five-tier class, IFRS 9 stage, ladder, ECL, summary and roll rates.

Hand-worked numbers, default config unless said: statement day 3, due = statement + 9,
late fee 0.05 %/day, grace 0, LGD 0.45, PD stage 1 0.02, stage 2 0.20, stage 3 1.
A 100.00 pay-in-full purchase on 2026-01-10 is billed 2026-02-03 and due 2026-02-12; unpaid it
accrues 100.00 x 0.0005 = 0.05 a day (exact, so posting at statements loses nothing).
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from decimal import Decimal

import pytest

from baitiao_cli.engine.config import Action, Billing, Config, Ecl, Overdue
from baitiao_cli.engine.ledger import replay
from baitiao_cli.engine.model import Customer, Deferral, Repayment, Txn
from baitiao_cli.engine.overdue import (
    PAID_OFF, RiskPolicy, RollRateBuilder, SummaryBuilder, ecl_fen, ifrs9_stage, priority_key, ratio,
    regulatory_class,
)

D = Decimal


def d(s: str) -> date:
    return date.fromisoformat(s)


def cust(cid: str = "C1", opened: str = "2026-01-01") -> Customer:
    return Customer(cid, d(opened), 3)


def buy(tid: str, on: str, amount: str, cid: str = "C1", n: int = 1) -> Txn:
    return Txn(tid, cid, d(on), D(amount), "purchase", n)


def pay(rid: str, on: str, amount: str, cid: str = "C1", seq: int = 0) -> Repayment:
    return Repayment(rid, cid, d(on), D(amount), seq=seq)


def cfg(grace: int = 0) -> Config:
    return replace(Config(), billing=Billing(grace_days=grace))


def risk(as_of: str, txns=(), reps=(), defs=(), c: Config | None = None, customer: Customer | None = None):
    c = c or cfg()
    customer = customer or cust()
    acct = replay(customer, list(txns), list(reps), list(defs), c, d(as_of), statements="none")
    return RiskPolicy.from_config(c).assess(customer, acct.overdue)


POLICY = RiskPolicy.from_config(Config())


# --- pure classification at the boundaries ----------------------------------------------------

@pytest.mark.parametrize("dpd, bucket, klass, stage, action, severity", [
    (0, "current", "normal", 1, None, 0),
    (1, "M1", "special_mention", 1, "sms_reminder", 1),
    (6, "M1", "special_mention", 1, "sms_reminder", 1),
    (7, "M1", "special_mention", 1, "phone_call", 2),
    (30, "M1", "special_mention", 1, "phone_call", 2),
    (31, "M2", "special_mention", 2, "inhouse_collector", 3),
    (60, "M2", "special_mention", 2, "inhouse_collector", 3),
    (61, "M3", "special_mention", 2, "external_agency", 4),
    (90, "M3", "special_mention", 2, "external_agency", 4),
    (91, "M4", "substandard", 3, "legal", 5),
    (120, "M4", "substandard", 3, "legal", 5),
    (121, "M5", "doubtful", 3, "legal", 5),
    (150, "M5", "doubtful", 3, "legal", 5),
    (151, "M6", "doubtful", 3, "legal", 5),
    (180, "M6", "doubtful", 3, "legal", 5),
    (181, "M6+", "loss", 3, "write_off_review", 6),
    (2000, "M6+", "loss", 3, "write_off_review", 6),
])
def test_classification_boundaries(dpd, bucket, klass, stage, action, severity):
    assert POLICY.bucket(dpd) == bucket
    assert regulatory_class(dpd) == klass
    assert ifrs9_stage(dpd) == stage
    sev, _from_day, name = POLICY.action(dpd)
    assert (sev, name) == (severity, action)


def test_buckets_and_ladder_follow_the_config():
    c = replace(Config(), overdue=Overdue(buckets=(("ok", 0), ("late", 1), ("bad", 46)),
                                          actions=(Action(3, "sms"), Action(46, "agency")), freeze_from_day=10))
    p = RiskPolicy.from_config(c)
    assert [p.bucket(n) for n in (0, 1, 45, 46, 400)] == ["ok", "late", "late", "bad", "bad"]
    assert p.action(2) == (0, None, None)          # before the first rung: no action yet
    assert p.action(3) == (1, 3, "sms")
    assert p.action(46) == (2, 46, "agency")
    assert p.bucket_range("late") == "1-45" and p.bucket_range("bad") == "46+" and p.bucket_range("ok") == "0"


def test_ecl_arithmetic():
    # stage 1: 0.02 x 0.45 = 0.009; 123.45 x 0.009 = 1.11105 -> 1.11
    assert ecl_fen(12345, D("0.02"), D("0.45")) == 111
    # stage 2: 0.20 x 0.45 = 0.09; 101.55 x 0.09 = 9.1395 -> 9.14
    assert ecl_fen(10155, D("0.20"), D("0.45")) == 914
    # stage 3: PD 1; 1000.00 x 0.45 = 450.00
    assert ecl_fen(100000, D("1"), D("0.45")) == 45000
    # half a fen: 0.5 fen rounds half up to 1 fen, half even to 0
    assert ecl_fen(1, D("1"), D("0.5")) == 1
    assert ecl_fen(1, D("1"), D("0.5"), "ROUND_HALF_EVEN") == 0
    assert ecl_fen(0, D("1"), D("0.45")) == 0
    assert POLICY.pd(1) == D("0.02") and POLICY.pd(2) == D("0.20") and POLICY.pd(3) == 1


def test_ecl_parameters_come_from_config():
    c = replace(Config(), ecl=Ecl(lgd=D("0.60"), pd_stage1=D("0.01"), pd_stage2=D("0.30")))
    # 100.00 due 02-12 unpaid, 2026-03-15: DPD 31 -> stage 2; EAD 100 + 31 x 0.05 = 101.55
    # ECL = 0.30 x 0.60 x 101.55 = 0.18 x 101.55 = 18.279 -> 18.28
    r = risk("2026-03-15", [buy("T1", "2026-01-10", "100.00")], c=c)
    assert (r.stage, r.total_owed_fen, r.ecl_fen) == (2, 10155, 1828)


# --- DPD from the ledger at the boundaries ------------------------------------------------------

@pytest.mark.parametrize("as_of, dpd, bucket, klass, stage, ecl", [
    # due 2026-02-12; EAD = 100.00 + 0.05 x DPD
    ("2026-02-12", 0, "current", "normal", 1, 90),          # due day: not overdue; 0.009 x 100.00 = 0.90
    ("2026-02-13", 1, "M1", "special_mention", 1, 90),      # 0.009 x 100.05 = 0.90045 -> 0.90
    ("2026-03-14", 30, "M1", "special_mention", 1, 91),     # 02-12 + 16 = 02-28, + 14 = 03-14; 0.009 x 101.50 = 0.9135 -> 0.91
    ("2026-03-15", 31, "M2", "special_mention", 2, 914),    # 0.09 x 101.55 = 9.1395 -> 9.14
    ("2026-04-13", 60, "M2", "special_mention", 2, 927),    # 03-14 + 30; 0.09 x 103.00 = 9.27
    ("2026-04-14", 61, "M3", "special_mention", 2, 927),    # 0.09 x 103.05 = 9.2745 -> 9.27
    ("2026-05-13", 90, "M3", "special_mention", 2, 941),    # 04-13 + 30; 0.09 x 104.50 = 9.405 -> 9.41
    ("2026-05-14", 91, "M4", "substandard", 3, 4705),       # 0.45 x 104.55 = 47.0475 -> 47.05
    ("2026-08-11", 180, "M6", "doubtful", 3, 4905),         # 05-13 + 18 + 30 + 31 + 11 = +90; 0.45 x 109.00 = 49.05
    ("2026-08-12", 181, "M6+", "loss", 3, 4907),            # 0.45 x 109.05 = 49.0725 -> 49.07
])
def test_dpd_bucket_class_stage_from_the_ledger(as_of, dpd, bucket, klass, stage, ecl):
    r = risk(as_of, [buy("T1", "2026-01-10", "100.00")])
    assert r.dpd == dpd
    assert (r.bucket, r.regulatory_class, r.stage) == (bucket, klass, stage)
    assert r.late_fee_fen == 5 * dpd
    assert r.total_owed_fen == 10000 + 5 * dpd
    assert r.overdue_fen == (10000 if dpd else 0)
    assert r.ecl_fen == ecl
    assert r.frozen is (dpd >= 1)
    if dpd:
        assert r.oldest_due_date == d("2026-02-12")


def test_action_since_is_oldest_due_plus_from_day():
    # due 02-12: + 16 = 02-28, + 31 = 03-31 (47), + 30 = 04-30 (77), + 2 = 05-02 -> DPD 79
    r = risk("2026-05-02", [buy("T1", "2026-01-10", "100.00")])
    assert r.dpd == 79 and r.action == "external_agency" and r.action_severity == 4
    # from day 61: 2026-02-12 + 61 days = 2026-04-14
    assert r.action_since == d("2026-04-14")


def test_grace_days_zero_and_three():
    t = [buy("T1", "2026-01-10", "100.00")]
    # grace 0: overdue from the day after the due date
    r0 = risk("2026-02-13", t, c=cfg(0))
    assert (r0.dpd, r0.bucket, r0.action_since) == (1, "M1", d("2026-02-13"))
    # grace 3: 02-15 = due + 3 is still inside the grace window -> current, nothing owed as late fee yet
    r3 = risk("2026-02-15", t, c=cfg(3))
    assert (r3.dpd, r3.bucket, r3.late_fee_fen, r3.action, r3.frozen) == (0, "current", 0, None, False)
    # 02-16: DPD counted from the due date (4), late fee from due + 1: 4 days x 0.05 = 0.20;
    # the SMS (from day 1) became due when the account first counted as overdue: 02-16, not 02-13
    r3 = risk("2026-02-16", t, c=cfg(3))
    assert (r3.dpd, r3.bucket, r3.late_fee_fen) == (4, "M1", 20)
    assert (r3.action, r3.action_since, r3.frozen) == ("sms_reminder", d("2026-02-16"), True)
    # phone from day 7: 02-12 + 7 = 02-19 (later than the grace window, so the ladder date stands)
    r3 = risk("2026-02-19", t, c=cfg(3))
    assert (r3.action, r3.action_since) == ("phone_call", d("2026-02-19"))


def test_late_fee_across_a_partial_payment():
    t = [buy("T1", "2026-01-10", "200.00")]
    p = [pay("R1", "2026-02-20", "100.00")]
    # 02-13..02-20 = 8 days x 200.00 x 0.0005 = 0.80, posted at the repayment and paid first;
    # 100.00 - 0.80 = 99.20 to principal -> 100.80 unpaid.
    # 2026-03-01: 02-21..03-01 = 9 days x 100.80 x 0.0005 = 0.4536 -> shown 0.45
    r = risk("2026-03-01", t, p)
    assert (r.dpd, r.overdue_fen, r.late_fee_fen, r.total_owed_fen) == (17, 10080, 45, 10125)
    # 2026-03-05: posted on the 03-03 statement 02-21..03-03 = 11 x 0.0504 = 0.5544 -> 0.55,
    # then accrued 03-04..03-05 = 2 x 0.0504 = 0.1008 -> 0.10; owed 0.55 + 0.10 = 0.65
    r = risk("2026-03-05", t, p)
    assert (r.dpd, r.overdue_fen, r.late_fee_fen, r.total_owed_fen) == (21, 10080, 65, 10145)
    assert r.to_cure_fen == 10080 + 65


def test_deferred_statement_counts_from_its_new_due_date():
    t = [buy("T1", "2026-01-10", "300.00")]
    df = [Deferral("DF1", "C1", d("2026-02-03"), d("2026-02-10"), 10)]
    # statement 02-03 due 02-12 deferred 10 days -> due 02-22; fee 1 % x 300.00 = 3.00 due 02-22
    r = risk("2026-02-20", t, defs=df)
    assert (r.dpd, r.bucket) == (0, "current")            # would be DPD 8 without the deferral
    assert r.total_owed_fen == 30300
    # 02-25: DPD 3 from 02-22; overdue 300.00 + 3.00; late fee 02-23..02-25 = 3 x 303.00 x 0.0005 = 0.4545 -> 0.45
    r = risk("2026-02-25", t, defs=df)
    assert (r.dpd, r.oldest_due_date, r.overdue_fen, r.late_fee_fen) == (3, d("2026-02-22"), 30300, 45)
    assert r.action_since == d("2026-02-23")


def test_fully_repaid_account_is_current_and_owes_nothing():
    # 100.00 due 02-12 paid 02-20 with its late fee: 8 days x 0.05 = 0.40 -> 100.40 clears it
    r = risk("2026-02-25", [buy("T1", "2026-01-10", "100.00")], [pay("R1", "2026-02-20", "100.40")])
    assert (r.dpd, r.total_owed_fen, r.late_fee_fen, r.ecl_fen, r.in_book) == (0, 0, 0, 0, False)


def test_ead_includes_unbilled_principal_not_unbilled_fees():
    # 1200.00 in 12 at the default 0.5 %: 100.00 + 6.00 a period; bought 01-10, period 1 billed 02-03 due 02-12.
    # 2026-02-20 unpaid: overdue 106.00 (DPD 8); late fee 8 x 106.00 x 0.0005 = 0.424 -> 0.42;
    # EAD = 106.00 + 11 x 100.00 unbilled principal + 0.42 = 1206.42 (the 11 x 6.00 unbilled fees are not earned yet)
    r = risk("2026-02-20", [buy("T1", "2026-01-10", "1200.00", n=12)])
    assert (r.overdue_principal_fen, r.overdue_fee_fen, r.late_fee_fen) == (10000, 600, 42)
    assert r.total_owed_fen == 120642
    # stage 1: 0.009 x 1206.42 = 10.85778 -> 10.86
    assert r.ecl_fen == 1086


# --- portfolio ------------------------------------------------------------------------------

def _book():
    """Three accounts on 2026-03-15 (all bought 2026-01-10, due 2026-02-12 unless said)."""
    out = []
    # X: 100.00 unpaid -> DPD 31, M2, EAD 101.55, stage 2 ECL 9.14
    out.append(risk("2026-03-15", [buy("TX", "2026-01-10", "100.00", "X")], customer=cust("X")))
    # Y: 300.00 bought 2026-03-10 -> unbilled, current, EAD 300.00, ECL 0.009 x 300 = 2.70
    out.append(risk("2026-03-15", [buy("TY", "2026-03-10", "300.00", "Y")], customer=cust("Y")))
    # Z: never bought anything -> not in the book
    out.append(risk("2026-03-15", [], customer=cust("Z")))
    return out


def test_summary_counts_amounts_and_rates():
    s = SummaryBuilder(POLICY, d("2026-03-15")).add_all(_book()).result()
    assert (s.accounts_total, s.accounts, s.accounts_without_balance) == (3, 2, 1)
    assert s.receivables_fen == 10155 + 30000
    buckets = dict(s.buckets)
    assert buckets["current"] == (1, 30000) and buckets["M2"] == (1, 10155) and buckets["M1"] == (0, 0)
    dl = dict(s.delinquency)
    assert dl["1+"] == (1, 10155) and dl["30+"] == (1, 10155) and dl["90+"] == (0, 0)
    # 101.55 / 401.55 = 0.25289... -> 0.2529; by count 1 / 2 = 0.5000
    assert ratio(dl["30+"].amount_fen, s.receivables_fen) == D("0.2529")
    assert ratio(dl["30+"].accounts, s.accounts) == D("0.5000")
    stages = {e.stage: e for e in s.ecl_by_stage}
    assert (stages[1].accounts, stages[1].ead_fen, stages[1].ecl_fen) == (1, 30000, 270)
    assert (stages[2].accounts, stages[2].ead_fen, stages[2].ecl_fen) == (1, 10155, 914)
    assert s.ecl_fen == 270 + 914
    assert [r.customer_id for r in s.top_exposures] == ["X"]


def test_summary_merge_equals_single_pass():
    book = _book() * 7    # duplicates are fine for the arithmetic
    whole = SummaryBuilder(POLICY, d("2026-03-15")).add_all(book).result()
    a = SummaryBuilder(POLICY, d("2026-03-15")).add_all(book[:8])
    b = SummaryBuilder(POLICY, d("2026-03-15")).add_all(book[8:])
    assert a.merge(b).result() == whole


def test_top_exposures_keep_the_ten_largest_in_order():
    policy = POLICY
    b = SummaryBuilder(policy, d("2026-03-15"))
    risks = []
    for k in range(1, 200):
        amount = f"{k}.00"
        risks.append(risk("2026-03-15", [buy(f"T{k}", "2026-01-10", amount, f"K{k:03d}")], customer=cust(f"K{k:03d}")))
    b.add_all(reversed(risks))
    top = b.result().top_exposures
    assert [r.customer_id for r in top] == [f"K{k:03d}" for k in range(199, 189, -1)]


def test_priority_order():
    base = risk("2026-03-15", [buy("T1", "2026-01-10", "100.00")])
    a = base._replace(action_severity=3, overdue_principal_fen=100, customer=cust("B"))
    b = base._replace(action_severity=3, overdue_principal_fen=500, customer=cust("C"))
    c = base._replace(action_severity=4, overdue_principal_fen=1, customer=cust("D"))
    e = base._replace(action_severity=3, overdue_principal_fen=100, customer=cust("A"))
    assert [r.customer_id for r in sorted([a, b, c, e], key=priority_key)] == ["D", "C", "A", "B"]


def test_roll_rates_cells():
    p = POLICY
    rb = RollRateBuilder(p, d("2026-02-20"), d("2026-03-15"))
    t = [buy("T1", "2026-01-10", "100.00")]
    # M1 (DPD 8, EAD 100.40) -> M2 (DPD 31)
    rb.add(risk("2026-02-20", t), risk("2026-03-15", t))
    # M1 (100.40) -> paid off: 100.40 on 02-20 clears it (see test_fully_repaid...)
    rp = [pay("R1", "2026-02-20", "100.40")]
    rb.add(risk("2026-02-20", t), risk("2026-03-15", t, rp))
    # not in the book on 02-20 -> new
    rb.add(risk("2026-02-20", []), risk("2026-03-15", [buy("T9", "2026-03-05", "50.00")]))  # billed 04-03
    # opened after the from date: nothing on 02-20 -> new as well (billed 03-03, due 03-12, DPD 3 on 03-15:
    # 20.00 + 3 x 0.01 = 20.03)
    late = cust(opened="2026-02-25")
    rb.add(risk("2026-02-20", [buy("T8", "2026-02-26", "20.00")], customer=late),
           risk("2026-03-15", [buy("T8", "2026-02-26", "20.00")], customer=late))
    rr = rb.result()
    assert rr.cell("M1", "M2") == (1, 10040)
    assert rr.cell("M1", PAID_OFF) == (1, 10040)
    assert rr.row_total("M1") == (2, 20080)
    assert rr.cell("current", "current") == (0, 0)
    assert (rr.new_accounts, rr.new_fen) == (2, 5000 + 2003)
    assert rr.columns[-2:] == (PAID_OFF, "written_off") and rr.rows == p.bucket_names
