"""Corrections in the engine, hand-worked: reversals (冲正, SPEC 4.11), waivers, write-off and
recovery (减免, 核销, SPEC 4.15).

Built-in config: statement day 3, due = statement + 9, grace 0, late fee 0.05%/day, deferral fee 1%,
conversion 0.6% for 3 periods, overdue.write_off_min_dpd 181. A purchase on 2026-01-10 is billed on
the 2026-02-03 statement, due 02-12; February 2026 has 28 days.
"""

from __future__ import annotations

from datetime import timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from ledger_helpers import D, buy, config, cust, d, defer, lines, pay, run

from baitiao_cli.engine.ledger import overdue_status, post_adjustment, replay
from baitiao_cli.engine.model import (
    WAIVE_FEE, WAIVE_LATE_FEE, WRITE_OFF, Adjustment, Conversion, Corrections, Reversal,
)

A106 = [buy("A", "2026-01-10", "106.00")]        # billed 02-03, due 02-12
A500 = [buy("A", "2026-01-10", "500.00")]


def rev(vid: str, target: str, on: str) -> Reversal:
    return Reversal(vid, target, d(on), customer_id="C1")


def adj(aid: str, on: str, kind: str, amount: str | None = None, seq: int = 0) -> Adjustment:
    return Adjustment(aid, "C1", d(on), kind, D(amount) if amount is not None else None, "", seq)


def fixes(*records) -> Corrections:
    return Corrections(tuple(r for r in records if isinstance(r, Adjustment)),
                       tuple(r for r in records if isinstance(r, Reversal)))


def status(as_of: str, txns=(), reps=(), defs=(), convs=(), corrections=Corrections(), cfg=None):
    return overdue_status(cust(), list(txns), list(reps), list(defs), cfg or config(), d(as_of), list(convs),
                          corrections).overdue


# --- reversal ---------------------------------------------------------------------------------------

def test_bounced_payment_turns_a_paid_bill_overdue_with_its_late_fee_from_the_due_date():
    # 106.00 due 02-12 paid in full on 02-10; the payment bounces and is reversed on 02-20.
    # Before 02-20 the bill is paid: nothing overdue. From 02-20 on the payment never happened:
    # DPD 02-20 - 02-12 = 8; late fee 8 days (02-13..02-20) x 106.00 x 0.0005 = 8 x 0.053 = 0.424 -> 0.42.
    reps = [pay("P", "2026-02-10", "106.00")]
    bounced = fixes(rev("V", "P", "2026-02-20"))
    before = status("2026-02-19", A106, reps, corrections=bounced)
    assert before == status("2026-02-19", A106, reps)           # a report dated before it: unchanged
    assert (before.dpd, before.late_fee_owed) == (0, D("0.00"))
    after = status("2026-02-20", A106, reps, corrections=bounced)
    assert (after.dpd, after.overdue_amount, after.late_fee_owed) == (8, D("106.00"), D("0.42"))
    assert after == status("2026-02-20", A106)                  # = never posted


def test_reversed_deferral_makes_the_bill_overdue_from_its_original_due_date():
    # Deferral on 02-05 by 10 days: due 02-22, fee 1% x 106.00 = 1.06 (due 02-22 too). Reversed on 02-15:
    # from then on the bill was due 02-12 and nothing was paid: DPD 3; late fee 3 days x 0.053 = 0.159
    # -> 0.16; the deferral fee is gone (total owed 106.00 + 0.16).
    defs = [defer("DF", "2026-02-03", "2026-02-05", 10)]
    undo = fixes(rev("V", "DF", "2026-02-15"))
    still = status("2026-02-14", A106, (), defs, corrections=undo)
    assert (still.dpd, still.total_owed) == (0, D("107.06"))
    assert still == status("2026-02-14", A106, (), defs)        # a report dated before it: unchanged
    gone = status("2026-02-15", A106, (), defs, corrections=undo)
    assert (gone.dpd, gone.late_fee_owed, gone.total_owed) == (3, D("0.16"), D("106.16"))


def test_reversed_conversion_puts_the_amount_back_on_the_bill():
    # 2400.00 billed 02-03; 1800.00 converted on 02-05 into 3 x (600.00 + 10.80); reversed on 02-08.
    txns = [buy("A", "2026-01-20", "2400.00")]
    conv = [Conversion("V1", "C1", d("2026-02-03"), d("2026-02-05"), D("1800.00"), 3)]
    undo = fixes(rev("X", "V1", "2026-02-08"))
    converted = replay(cust(), txns, [], [], config(), d("2026-02-07"), conversions=conv, corrections=undo)
    assert converted.latest_statement().total_due == D("600.00") and len(converted.scheduled) == 3
    assert converted == replay(cust(), txns, [], [], config(), d("2026-02-07"), conversions=conv)   # unchanged
    back = replay(cust(), txns, [], [], config(), d("2026-02-08"), conversions=conv, corrections=undo)
    assert back.latest_statement().total_due == D("2400.00") and back.scheduled == () and back.conversions == ()
    assert back == replay(cust(), txns, [], [], config(), d("2026-02-08"))


def test_a_reversed_waiver_is_owed_again():
    # 500.00 due 02-12 unpaid: late fee 0.25 a day. Waived 4.25 (17 days, 02-13..03-01) on 03-01,
    # the waiver reversed on 03-02: owed on 03-02 = 18 x 0.25 = 4.50.
    w = adj("W", "2026-03-01", WAIVE_LATE_FEE, "4.25")
    assert status("2026-03-01", A500, corrections=fixes(w)).late_fee_owed == D("0.00")
    assert status("2026-03-02", A500, corrections=fixes(w, rev("V", "W", "2026-03-02"))).late_fee_owed == D("4.50")


# --- waivers ------------------------------------------------------------------------------------

def test_waiver_of_exactly_the_late_fee_owed_then_accrual_goes_on():
    # On 03-01 the accrual (17 days x 0.25 = 4.25) is posted first, then 4.25 forgiven: 0.00 owed.
    # One more day: 0.25. The statement of 03-03 lists the waiver in its activity.
    w = adj("W", "2026-03-01", WAIVE_LATE_FEE, "4.25")
    acct = run("2026-03-03", A500, corrections=fixes(w))
    assert [(x.adjustment_id, x.amount) for x in acct.waivers] == [("W", D("4.25"))]
    # 03-02 and 03-03 accrue 2 x 0.25 = 0.50, posted on the 03-03 statement
    assert acct.late_fees.owed == D("0.50")
    mar = acct.statement_on(d("2026-03-03"))
    assert [(a.kind, a.ref, a.amount) for a in mar.activity if a.kind == "waiver"] == [("waiver", "W", D("4.25"))]
    assert mar.total_due == D("500.50")


def test_waiver_over_what_is_owed_is_refused_and_ignored():
    # 4.26 > 4.25 owed on 03-01: refused, the account as without it.
    over = adj("W", "2026-03-01", WAIVE_LATE_FEE, "4.26")
    post = post_adjustment(cust(), A500, [], [], [], Corrections(), config(), over, d("2026-03-01"))
    assert post.refusal == "4.26 is over the late fee owed on 2026-03-01 (4.25)"
    assert post.account.waivers == () and post.account.late_fees.owed == D("4.25")


def test_waiver_of_installment_fees_only_up_to_the_billed_fees():
    # 1200.00 in 12 at 0.5%: 100.00 + 6.00 a period; periods 1 (02-03) and 2 (03-03) billed, unpaid.
    # Billed fees on 03-05: 2 x 6.00 = 12.00. Waive 12.00: both fees gone, principal untouched;
    # the late fee of period 1 (due 02-12) keeps accruing on its principal.
    txns = [buy("I", "2026-01-10", "1200.00", 12, "0.005")]
    post = post_adjustment(cust(), txns, [], [], [], Corrections(), config(), adj("W", "2026-03-05", WAIVE_FEE,
                                                                                    "12.00"), d("2026-03-05"))
    assert post.refusal is None
    assert [(i.period, i.fee, i.outstanding) for i in post.account.items] == [(1, D("0.00"), D("100.00")),
                                                                             (2, D("0.00"), D("100.00"))]
    too_much = post_adjustment(cust(), txns, [], [], [], Corrections(), config(),
                               adj("W", "2026-03-05", WAIVE_FEE, "12.01"), d("2026-03-05"))
    assert too_much.refusal == "12.01 is over the fees owed on 2026-03-05 (12.00)"


# --- write-off and recovery -----------------------------------------------------------------------

def test_write_off_too_early_is_refused():
    # 500.00 due 02-12: 2026-08-11 is 180 days past due (16 + 31 + 30 + 31 + 30 + 31 + 11).
    post = post_adjustment(cust(), A500, [], [], [], Corrections(), config(), adj("WO", "2026-08-11", WRITE_OFF),
                           d("2026-08-11"))
    assert post.refusal == "180 days past due on 2026-08-11, under overdue.write_off_min_dpd (181)"
    assert post.account.write_off is None


def test_write_off_and_a_later_recovery():
    # 2026-08-12: DPD 181. Late fee 02-13..08-12 = 181 days x 0.25 = 45.25 (posted at each statement
    # and on the write-off date, each a whole number of fen). Written off: 500.00 + 45.25 = 545.25.
    wo = adj("WO", "2026-08-12", WRITE_OFF)
    acct = run("2026-08-12", A500, corrections=fixes(wo))
    assert (acct.write_off.dpd, acct.write_off.amount) == (181, D("545.25"))
    od = acct.overdue
    assert (od.dpd, od.total_owed, od.written_off.amount, od.recovered_fen) == (0, D("0.00"), D("545.25"), 0)
    # nothing accrues afterwards; a payment is a recovery, never an allocation to items
    later = run("2026-12-31", A500, [pay("P1", "2026-09-10", "100.00")], corrections=fixes(wo))
    assert (later.late_fees.unpaid, later.late_fees.accrued_shown_fen) == (D("45.25"), 0)   # no new accrual
    assert later.overdue.recovered_fen == 10000
    (a,) = later.allocations
    assert (a.applied_as, lines(a)) == ("recovery", [(None, None, "recovery", "100.00")])
    # recoveries stop at what was written off: 100.00 + 500.00 -> 545.25 recovered, 54.75 credit balance
    full = run("2026-12-31", A500, [pay("P1", "2026-09-10", "100.00"), pay("P2", "2026-10-10", "500.00")],
               corrections=fixes(wo))
    assert (full.recovered_fen, full.credit_balance) == (54525, D("54.75"))
    # a report dated before the write-off is unchanged
    assert status("2026-08-11", A500, corrections=fixes(wo)) == status("2026-08-11", A500)


def test_no_statement_and_no_purchase_after_a_write_off():
    wo = adj("WO", "2026-08-12", WRITE_OFF)
    acct = run("2026-10-05", [*A500, buy("B", "2026-09-01", "50.00")], corrections=fixes(wo))
    assert max(s.statement_date for s in acct.statements) == d("2026-08-03")
    assert any(w.kind == "after_write_off" and w.record_id == "B" for w in acct.warnings)


def test_a_second_write_off_is_refused():
    wo, again = adj("WO", "2026-08-12", WRITE_OFF, seq=1), adj("WO2", "2026-08-20", WRITE_OFF, seq=2)
    acct = run("2026-08-20", A500, corrections=fixes(wo, again))
    assert acct.write_off.adjustment_id == "WO"
    assert any(w.kind == "write_off_refused" and w.record_id == "WO2" for w in acct.warnings)


# --- properties ---------------------------------------------------------------------------------------

DAYS = st.integers(min_value=0, max_value=200)


@st.composite
def books(draw):
    """A few purchases and repayments in 2026 (after the account opened on 01-01)."""
    n = draw(st.integers(1, 4))
    txns = [buy(f"T{k}", str(d("2026-01-02") + timedelta(days=draw(st.integers(0, 120)))),
                f"{draw(st.integers(100, 300000)) / 100:.2f}", draw(st.sampled_from([1, 1, 3, 6])), seq=k)
            for k in range(n)]
    m = draw(st.integers(1, 5))
    reps = [pay(f"R{k}", str(d("2026-01-05") + timedelta(days=draw(st.integers(0, 200)))),
                f"{draw(st.integers(1, 200000)) / 100:.2f}", seq=k) for k in range(m)]
    return txns, reps


@settings(max_examples=60, deadline=None)
@given(books(), st.data())
def test_reversing_any_repayment_equals_never_posting_it(book, data):
    txns, reps = book
    target = data.draw(st.sampled_from(reps))
    on = target.date + timedelta(days=data.draw(st.integers(0, 60)))
    as_of = on + timedelta(days=data.draw(DAYS))
    undo = fixes(rev("V", target.repayment_id, str(on)))
    without = [r for r in reps if r is not target]
    assert replay(cust(), txns, reps, [], config(), as_of, corrections=undo) == \
        replay(cust(), txns, without, [], config(), as_of)
    before = on - timedelta(days=1)
    assert replay(cust(), txns, reps, [], config(), before, corrections=undo) == \
        replay(cust(), txns, reps, [], config(), before)


@settings(max_examples=60, deadline=None)
@given(books(), st.data())
def test_waivers_never_make_anything_negative(book, data):
    txns, reps = book
    on = d("2026-02-01") + timedelta(days=data.draw(st.integers(0, 150)))
    kind = data.draw(st.sampled_from([WAIVE_LATE_FEE, WAIVE_FEE]))
    amount = f"{data.draw(st.integers(1, 5000)) / 100:.2f}"
    post = post_adjustment(cust(), txns, reps, [], [], Corrections(), config(), adj("W", str(on), kind, amount), on)
    acct = replay(cust(), txns, reps, [], config(), on + timedelta(days=data.draw(DAYS)),
                  corrections=fixes(adj("W", str(on), kind, amount)))
    assert all(i.outstanding_fen >= 0 and i.fee_fen >= 0 for i in acct.items)
    assert acct.late_fees.unpaid_fen >= 0 and acct.late_fees.posted_fen >= 0
    assert acct.total_due_fen >= 0 and acct.credit_balance_fen >= 0
    if post.refusal is None:
        assert [w.amount for w in post.account.waivers] == [D(amount)]
    else:
        assert "is over the" in post.refusal and post.account.waivers == ()


@settings(max_examples=40, deadline=None)
@given(st.integers(10000, 300000), st.lists(st.integers(1, 100000), max_size=4), st.integers(0, 60))
def test_write_off_and_recoveries_reconcile_with_the_money(amount_fen, payments_fen, wo_after):
    # Never paid: written off when DPD >= 181 (on 2026-08-12 + wo_after). Then every payment after it is
    # recovered up to the written-off amount, the rest is credit balance; the written-off amount is what
    # the account owed on that day.
    txns = [buy("A", "2026-01-10", f"{amount_fen / 100:.2f}")]
    wo_day = d("2026-08-12") + timedelta(days=wo_after)
    reps = [pay(f"P{k}", str(wo_day + timedelta(days=k + 1)), f"{x / 100:.2f}", seq=k)
            for k, x in enumerate(payments_fen)]
    owed = status(str(wo_day), txns).total_owed_fen
    acct = replay(cust(), txns, reps, [], config(), wo_day + timedelta(days=30),
                  corrections=fixes(adj("WO", str(wo_day), WRITE_OFF)))
    assert acct.write_off.amount_fen == owed
    received = sum(payments_fen)
    assert acct.recovered_fen == min(received, owed)
    assert acct.recovered_fen + acct.credit_balance_fen == received
    assert acct.overdue.total_owed_fen == 0 and acct.overdue.dpd == 0
