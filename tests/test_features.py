"""Customer features (engine/features.py) with hand-worked numbers, and the 90+ DPD label.

Default config throughout unless said: due = statement + 9 days, grace 0, late fee 0.05% a
day, fee 0.5% per period for installments, best grade A: base limit 20000, income cap 3x.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal as D

import pytest

from baitiao_cli.engine.config import Billing, Config
from baitiao_cli.engine.features import (
    FEATURE_NAMES, MEANINGS, add_months, bin_text, customer_features, data_end, history_sample, model_row,
    months_between, reason_text, reference_limit, worst_dpd_between,
)
from baitiao_cli.engine.ledger import replay
from baitiao_cli.engine.model import Customer, Dataset, Deferral, Repayment, Txn
from baitiao_cli.engine.scoring import Scoring

CFG = Config()
SCORING = Scoring()


def buy(tid, cid, d, amount, n=1, **kw):
    return Txn(tid, cid, date.fromisoformat(d), D(amount), installments=n, **kw)


def refund(tid, cid, d, amount, ref):
    return Txn(tid, cid, date.fromisoformat(d), D(amount), type="refund", ref_txn_id=ref)


def pay(rid, cid, d, amount, kind="normal", seq=0):
    return Repayment(rid, cid, date.fromisoformat(d), D(amount), kind=kind, seq=seq)


def feats(customer, txns=(), reps=(), defs=(), on="2025-06-30", cfg=CFG, scoring=SCORING):
    acct = replay(customer, list(txns), list(reps), list(defs), cfg, date.fromisoformat(on), statements="none")
    return customer_features(acct, reference_limit(customer, scoring)), acct


# --- the worked example ------------------------------------------------------------------------------
# Customer A: opened 2025-01-10, statement day 15, income 6000.00; as of 2025-06-30.
#   T1 2025-01-20 1000.00 pay in full -> billed 02-15, due 02-24; paid 02-20 (on time)
#   T2 2025-03-05 1200.00 over 3 at 0.5% -> 400.00 + 6.00 billed 03-15 / 04-15 / 05-15, due 03-24 / 04-24 / 05-24
#      R2 03-24 406.00: period 1 paid on its due date (on time)
#      R3 05-03 410.00: period 2 is 9 days late: late fee 406 x 0.0005 x 9 (04-25..05-03) = 1.827 -> 1.83
#         posted first, then 406.00 clears period 2 (paid 05-03), 2.17 becomes credit
#      05-15: period 3 billed, the credit 2.17 pays part of its fee: 400.00 principal + 3.83 fee unpaid
#   T3 2025-06-01 300.00 pay in full, refunded 100.00 on 06-05 before billing -> billed 06-15: 200.00,
#      due 06-24, unpaid
A = Customer("A", date(2025, 1, 10), 15, monthly_income=D("6000.00"))
A_TXNS = [buy("T1", "A", "2025-01-20", "1000.00"), buy("T2", "A", "2025-03-05", "1200.00", 3),
          buy("T3", "A", "2025-06-01", "300.00"), refund("T4", "A", "2025-06-05", "100.00", "T3")]
A_REPS = [pay("R1", "A", "2025-02-20", "1000.00", seq=1), pay("R2", "A", "2025-03-24", "406.00", seq=2),
          pay("R3", "A", "2025-05-03", "410.00", seq=3)]


def test_worked_example_every_feature():
    f, acct = feats(A, A_TXNS, A_REPS)
    # the ledger did what the comment says
    by = {(i.txn_id, i.period): i for i in acct.items}
    assert by[("T2", 2)].paid_on == date(2025, 5, 3) and by[("T2", 3)].paid_on is None
    assert by[("T2", 3)].outstanding_fee_fen == 383 and by[("T3", 1)].outstanding_principal_fen == 20000
    # 2025-01-10 -> 2025-06-10 is 5 whole months, 06-30 is not yet the 6th
    assert f.months_on_book == 5
    # items due in (2024-06-30, 2025-06-30]: T1 on time, T2/1 on time (paid on its due date),
    # T2/2 late, T2/3 unpaid after due, T3 unpaid after due (06-24 < 06-30): 2 of 5
    assert f.on_time_share == D("0.4000")
    # T2/2 paid 9 days late, T2/3 unpaid 06-30 - 05-24 = 37, T3 06-30 - 06-24 = 6 -> 37
    assert f.worst_dpd_12m == 37
    assert f.current_dpd == 37                       # the oldest overdue item, T2/3
    # unpaid principal 400.00 + 200.00 = 600.00; reference limit min(20000, 3 x 6000) = 18000
    assert f.unpaid_principal == D("600.00") and f.reference_limit == D("18000.00")
    assert f.utilisation == D("0.0333")              # 600 / 18000 = 0.03333
    # purchases in the window 1000 + 1200 + 300 = 2500 (gross); open 5 whole months + the current one = 6
    assert f.avg_monthly_spend_12m == D("416.67")   # 2500 / 6 = 416.666...
    # last 3 months (03-30, 06-30]: 300 over 3 months; the 9 before (2024-06-30, 03-30]: 2200 over the
    # 3 months open (01-10 -> 03-30 is 2 whole months + 1): (300/3) / (2200/3) = 0.13636
    assert f.spend_trend == D("0.1364")
    assert f.active_installment_plans == 1           # T2 has principal to pay
    assert f.refund_share == D("0.0400")             # 100 refunded of 2500
    assert f.monthly_income == D("6000.00")
    assert list(f.as_dict()) == list(FEATURE_NAMES)
    assert set(MEANINGS) == set(FEATURE_NAMES)


def test_no_history_gives_zeros_and_missing_values():
    c = Customer("N", date(2024, 1, 1), 3)
    f, _ = feats(c)
    assert f.months_on_book == 17 and f.worst_dpd_12m == 0 and f.current_dpd == 0
    assert f.on_time_share is None                   # no bill due: missing, not 0 or 1
    assert f.utilisation == D("0.0000")              # 0 of 20000 (no income: no cap)
    assert f.reference_limit == D("20000.00")
    assert f.avg_monthly_spend_12m == D("0.00")
    assert f.spend_trend is None and f.refund_share is None and f.monthly_income is None
    assert f.active_installment_plans == 0


def test_utilisation_uses_the_manual_limit_and_is_missing_for_income_zero():
    txns = [buy("T1", "M", "2025-06-01", "500.00")]
    f, _ = feats(Customer("M", date(2025, 1, 1), 3, monthly_income=D("8000"), credit_limit=D("2000.00")),
                 [buy("T1", "M", "2025-06-01", "500.00")])
    assert f.reference_limit == D("2000.00") and f.utilisation == D("0.2500")    # 500 / 2000
    f, _ = feats(Customer("M", date(2025, 1, 1), 3, monthly_income=D("0")), txns)
    assert f.reference_limit == D("0.00") and f.utilisation is None
    # the reference limit never depends on the score: a customer-level figure only
    assert reference_limit(Customer("X", date(2025, 1, 1), 3, monthly_income=D("1234")), SCORING) == D("3700.00")


def test_spend_trend_missing_when_new_capped_when_only_recent():
    # opened 2025-05-01: open for 1 whole month (+ the current) on 06-30, nothing before the last 3 months
    f, _ = feats(Customer("Y", date(2025, 5, 1), 3), [buy("T1", "Y", "2025-06-01", "100.00")])
    assert f.spend_trend is None
    assert f.avg_monthly_spend_12m == D("50.00")     # 100 over 2 months open
    # an old account that only spent in the last 3 months: capped at 10
    f, _ = feats(Customer("Z", date(2023, 1, 1), 3), [buy("T1", "Z", "2025-06-01", "100.00")])
    assert f.spend_trend == D("10.0000")
    assert f.avg_monthly_spend_12m == D("8.33")      # 100 / 12
    # spending only before the last 3 months: 0
    f, _ = feats(Customer("Z", date(2023, 1, 1), 3), [buy("T1", "Z", "2025-01-01", "100.00")])
    assert f.spend_trend == D("0.0000")
    # equal monthly levels: 1 (300 in (03-30, 06-30] over 3 months, 900 in the 9 months before)
    txns = [buy("T1", "Z", "2025-06-01", "300.00"), buy("T2", "Z", "2024-09-01", "900.00")]
    f, _ = feats(Customer("Z", date(2023, 1, 1), 3), txns, [pay("R", "Z", "2024-10-05", "900.00")])
    assert f.spend_trend == D("1.0000")


def test_twelve_month_window_boundaries():
    # as of 2025-06-30 the window is (2024-06-30, 2025-06-30]: a purchase on 2024-06-30 is out
    txns = [buy("T1", "W", "2024-06-30", "700.00"), buy("T2", "W", "2024-07-01", "1200.00")]
    reps = [pay("R1", "W", "2024-07-05", "1900.00")]
    f, _ = feats(Customer("W", date(2023, 1, 1), 3), txns, reps)
    assert f.avg_monthly_spend_12m == D("100.00")    # 1200 / 12
    # both billed 2024-07-03, due 07-12 (in the window), paid 07-05: on time
    assert f.on_time_share == D("1.0000")
    # a bill due on the first day of the window is out: as of 2025-07-12 the window is (2024-07-12, ...]
    f, _ = feats(Customer("W", date(2023, 1, 1), 3), txns, reps, on="2025-07-12")
    assert f.on_time_share is None


def test_active_plans_leave_out_settled_and_fully_refunded_purchases():
    c = Customer("P", date(2025, 1, 1), 3)
    # T1 600.00 over 6 bought 2025-02-01, period 1 billed 02-03 (100.00 + 3.00); settled 02-10:
    # payoff 103.00 + unbilled 500.00 + 5 fees of 3.00 (all_remaining) = 618.00
    # then T2 300.00 over 3 fully refunded before billing, T3 1200.00 over 12, T5 50.00 pay in full
    txns = [buy("T1", "P", "2025-02-01", "600.00", 6), buy("T2", "P", "2025-02-11", "300.00", 3),
            buy("T3", "P", "2025-02-11", "1200.00", 12), refund("T4", "P", "2025-02-12", "300.00", "T2"),
            buy("T5", "P", "2025-02-11", "50.00")]
    reps = [pay("R1", "P", "2025-02-10", "618.00", kind="settle")]
    f, acct = feats(c, txns, reps, on="2025-02-20")
    assert [p.settled_on for p in acct.purchases if p.txn_id == "T1"] == [date(2025, 2, 10)]
    assert f.active_installment_plans == 1           # only T3
    assert f.refund_share == D("0.1395")             # 300 / (600 + 300 + 1200 + 50) = 0.13953
    f, _ = feats(c, txns[:1], reps, on="2025-02-20")
    assert f.active_installment_plans == 0           # settled: nothing left to pay


def test_on_time_share_counts_grace_days():
    # billed 2025-02-03, due 02-12, paid 02-14: 2 days late; on time with grace 3, late with grace 0
    c = Customer("G", date(2025, 1, 1), 3)
    txns = [buy("T1", "G", "2025-01-20", "100.00")]
    reps = [pay("R1", "G", "2025-02-14", "100.10")]      # + late fee 100 x 0.0005 x 2 days = 0.10 at grace 0
    f, _ = feats(c, txns, reps, on="2025-03-01")
    assert f.on_time_share == D("0.0000") and f.worst_dpd_12m == 2
    graced = Config(billing=Billing(grace_days=3))
    f, _ = feats(c, txns, [pay("R1", "G", "2025-02-14", "100.00")], on="2025-03-01", cfg=graced)
    assert f.on_time_share == D("1.0000") and f.worst_dpd_12m == 2    # DPD is days after due, grace or not
    # not decided yet: due 02-12, inside grace on 02-13, unpaid -> not counted
    f, _ = feats(c, txns, (), on="2025-02-13", cfg=graced)
    assert f.on_time_share is None and f.current_dpd == 0


def test_a_deferred_bill_counts_from_its_new_due_date():
    # statement 2025-02-03 due 02-12, deferred 10 days to 02-22 (fee 1% of 100 = 1.00); paid 02-20
    c = Customer("F", date(2025, 1, 1), 3)
    txns = [buy("T1", "F", "2025-01-20", "100.00")]
    defs = [Deferral("D1", "F", date(2025, 2, 3), date(2025, 2, 5), 10)]
    f, _ = feats(c, txns, [pay("R1", "F", "2025-02-20", "101.00")], defs, on="2025-03-01")
    assert f.on_time_share == D("1.0000") and f.worst_dpd_12m == 0


def test_worst_dpd_between_only_counts_time_overdue_inside_the_window():
    c = Customer("H", date(2024, 1, 1), 3)
    # billed 2024-02-03 due 02-12, paid 2024-05-22: 100 days late (then all on time)
    txns = [buy("T1", "H", "2024-01-20", "100.00")]
    acct = replay(c, txns, [pay("R1", "H", "2024-05-22", "200.00")], [], CFG, date(2025, 6, 30), statements="none")
    item = acct.items[0]
    assert item.paid_on == date(2024, 5, 22)
    assert worst_dpd_between(acct.items, date(2024, 1, 1), date(2025, 1, 1)) == 100
    assert worst_dpd_between(acct.items, date(2024, 5, 22), date(2025, 1, 1)) == 0     # paid on the start day
    assert worst_dpd_between(acct.items, date(2024, 5, 21), date(2025, 1, 1)) == 100
    assert worst_dpd_between(acct.items, date(2024, 1, 1), date(2024, 4, 1)) == 49     # cut at the end (04-01 - 02-12)
    f, _ = feats(c, txns, [pay("R1", "H", "2024-05-22", "200.00")], on="2025-06-30")
    assert f.worst_dpd_12m == 0                      # more than 12 months ago


def test_dates():
    assert add_months(date(2025, 1, 31), 1) == date(2025, 2, 28)
    assert add_months(date(2028, 2, 29), -12) == date(2027, 2, 28)
    assert add_months(date(2025, 12, 15), 1) == date(2026, 1, 15)
    assert months_between(date(2025, 1, 31), date(2025, 2, 27)) == 0
    assert months_between(date(2025, 1, 31), date(2025, 2, 28)) == 1
    assert months_between(date(2025, 1, 10), date(2025, 6, 10)) == 5
    assert months_between(date(2025, 6, 10), date(2025, 1, 10)) == 0


def test_model_row_and_reason_words():
    f, _ = feats(A, A_TXNS, A_REPS)
    row = model_row(f.as_dict())
    assert row["months_on_book"] == 5 and row["utilisation"] == pytest.approx(0.0333) and row["spend_trend"] == 0.1364
    assert model_row({"x": None}) == {"x": None}
    assert reason_text("worst_dpd_12m", 37, "0") == "a bill was 37 days past due in the last 12 months (best-scoring: 0)"
    assert reason_text("current_dpd", 37) == "37 days past due now"
    assert reason_text("on_time_share", D("0.4")) == "bills paid on time: 40% of those due in the last 12 months"
    assert reason_text("monthly_income", None) == "no monthly income declared"
    assert reason_text("utilisation", D("0.0333")) == "credit in use: 3% of the credit limit"
    assert reason_text("active_installment_plans", 1) == "1 installment plan still running"
    assert reason_text("months_on_book", 2) == "short history with us: 2 months since the account opened"
    assert bin_text("worst_dpd_12m", None, 1.0) == "0"
    assert bin_text("worst_dpd_12m", 1.0, 19.0) == "1 to 18"
    assert bin_text("current_dpd", 1.0, None) == "1 or more"
    assert bin_text("monthly_income", 27300.0, None) == "27300.00 or more"
    assert bin_text("utilisation", None, 0.0001) == "below 0.01%"
    assert bin_text("spend_trend", 0.5, 2.0) == "from 0.50 to below 2.00"
    assert bin_text("refund_share", None, None, missing=True) == "no purchase in the last 12 months"


# --- the label: 90+ DPD in the 12 months after the observation date -----------------------------------

def _book():
    """Observation 2025-01-01, window to 2026-01-01. Statement day 3, due on the 12th.

    - OK:   one purchase, paid on time.
    - BAD:  bought 2025-01-20 (billed 02-03, due 02-12), never pays: 91 DPD on 2025-05-14.
    - EDGE: bought 2025-01-20, pays on 2025-05-13: 90 days late, not 90+ (more than 90).
    - OLD:  due 2024-09-12, paid 2024-12-20 (99 days late) before the observation: good, worst_dpd_12m 99.
    - DEF:  due 2024-09-12, unpaid: 111 DPD on 2025-01-01, in default already: left out.
    - NEW:  opened 2025-03-01, after the observation date: left out.
    """
    cust = [Customer(cid, date(2024, 6, 1) if cid != "NEW" else date(2025, 3, 1), 3)
            for cid in ("OK", "BAD", "EDGE", "OLD", "DEF", "NEW")]
    txns = [buy("T1", "OK", "2025-01-20", "100.00"), buy("T2", "BAD", "2025-01-20", "100.00"),
            buy("T3", "EDGE", "2025-01-20", "100.00"), buy("T4", "OLD", "2024-08-20", "100.00"),
            buy("T5", "DEF", "2024-08-20", "100.00"), buy("T6", "NEW", "2025-03-10", "100.00")]
    reps = [pay("R1", "OK", "2025-02-10", "100.00", seq=1), pay("R2", "EDGE", "2025-05-13", "200.00", seq=2),
            pay("R3", "OLD", "2024-12-20", "200.00", seq=3), pay("R4", "OK", "2026-02-01", "1.00", seq=4)]
    return Dataset(tuple(cust), tuple(txns), tuple(reps), ())


def test_history_sample_labels_and_exclusions():
    ds = _book()
    assert data_end(ds) == date(2026, 2, 1)
    s = history_sample(ds, CFG, SCORING, date(2025, 1, 1), date(2026, 1, 1))
    assert [r.customer_id for r in s.rows] == ["BAD", "EDGE", "OK", "OLD"]
    got = {r.customer_id: (r.worst_dpd_after, r.bad) for r in s.rows}
    # BAD: due 2025-02-12, unpaid on 2026-01-01: 323 days; EDGE: paid 05-13 - 02-12 = 90 days
    assert got == {"BAD": (323, 1), "EDGE": (90, 0), "OK": (0, 0), "OLD": (0, 0)}
    assert s.opened_after == 1 and s.in_default == 1 and s.bads == 1
    old = next(r for r in s.rows if r.customer_id == "OLD")
    assert old.features.worst_dpd_12m == 99 and old.features.current_dpd == 0
    # a window ending before the 91st day: BAD is not bad yet (2025-05-13 - 02-12 = 90)
    s = history_sample(ds, CFG, SCORING, date(2025, 1, 1), date(2025, 5, 13))
    assert {r.customer_id: r.bad for r in s.rows}["BAD"] == 0
    s = history_sample(ds, CFG, SCORING, date(2025, 1, 1), date(2025, 5, 14))
    assert {r.customer_id: r.bad for r in s.rows}["BAD"] == 1


def test_features_do_not_see_events_after_the_date():
    f1, _ = feats(A, A_TXNS, A_REPS, on="2025-06-30")
    later = A_TXNS + [buy("T9", "A", "2025-07-01", "5000.00")]
    f2, _ = feats(A, later, A_REPS + [pay("R9", "A", "2025-07-01", "9999.00", seq=9)], on="2025-06-30")
    assert f1 == f2
