"""Statement installments (账单分期, SPEC 4.10) in the replay: hand-worked numbers.

Built-in config unless said: statement day 3, due = statement + 9, grace 0, late fee
0.05%/day, conversion.fee_rates 0.6% for 3/6/12/24, min_amount 100, max_ratio 0.90,
early_settlement_fees all_remaining.
"""

from __future__ import annotations

from dataclasses import replace

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from baitiao_cli.engine.account import CONVERSION_ITEM
from baitiao_cli.engine.ledger import latest_statement, overdue_status, post_conversion
from baitiao_cli.engine.model import Conversion
from ledger_helpers import CID, D, buy, config, cust, d, defer, item, pay, run


def conv(cid_: str, statement: str, on: str, amount: str, terms: int = 3, rate=None, seq: int = 0,
         cid: str = CID) -> Conversion:
    return Conversion(cid_, cid, d(statement), d(on), D(amount), terms, D(rate) if rate else None, seq=seq)


def with_conv(as_of: str, txns=(), reps=(), convs=(), cfg=None, **kw):
    return run(as_of, txns, reps, (), cfg=cfg, conversions=list(convs), **kw)


WORKED = [buy("T1", "2026-01-20", "2400.00")]          # billed 02-03, due 02-12
V1 = conv("V1", "2026-02-03", "2026-02-05", "1800.00")


def test_worked_example_the_plan():
    # SPEC 4.10: 1800.00 <= 2160.00 (= 90% x 2400.00) into 3 periods at 0.6%:
    # principal 1800/3 = 600.00 each; fee 1800.00 x 0.006 = 10.80 each; on the 03-03, 04-03, 05-03 bills.
    acct = with_conv("2026-02-05", WORKED, convs=[V1])
    assert acct.warnings == ()
    (c,) = acct.conversions
    assert (c.conversion_id, c.amount, c.fee, c.fee_rate, c.taken) == ("V1", D("1800.00"), D("10.80"), D("0.006"),
                                                                        (("T1", 180000),))
    assert [(str(s.statement_date), str(s.due_date), s.principal, s.fee) for s in c.schedule] == [
        ("2026-03-03", "2026-03-12", D("600.00"), D("10.80")),
        ("2026-04-03", "2026-04-12", D("600.00"), D("10.80")),
        ("2026-05-03", "2026-05-12", D("600.00"), D("10.80"))]
    # the converted principal left the bill: T1 now asks 600.00 (2400.00 - 1800.00)
    assert item(acct, "T1").principal == D("600.00") and item(acct, "T1").outstanding == D("600.00")
    # unbilled: the three periods, with the conversion date as purchase date and V1 as txn_id
    assert [(s.kind, s.txn_id, s.period, str(s.purchase_date)) for s in acct.scheduled] == [
        (CONVERSION_ITEM, "V1", k, "2026-02-05") for k in (1, 2, 3)]


def test_worked_example_the_amended_bill():
    # As of 02-04 the 02-03 bill asks 2400.00; as of 02-05 (the conversion) it asks 600.00.
    before = with_conv("2026-02-04", WORKED, convs=[V1]).statements[-1]
    assert before.total_due == D("2400.00")
    st_ = with_conv("2026-02-05", WORKED, convs=[V1]).statements[-1]
    assert str(st_.statement_date) == "2026-02-03" and st_.total_due == D("600.00")
    assert [(ln.txn_id, ln.principal) for ln in st_.new_items] == [("T1", D("600.00"))]
    assert [(u.txn_id, u.period, str(u.statement_date)) for u in st_.upcoming] == [
        ("V1", 1, "2026-03-03"), ("V1", 2, "2026-04-03"), ("V1", 3, "2026-05-03")]
    # the light statement path gives the same bill
    light = latest_statement(cust(), WORKED, [], [], config(), d("2026-02-05"), [V1]).statement
    assert light.total_due == D("600.00")


def test_later_bills_carry_the_periods_and_paying_them_clears_everything():
    # 600.00 paid 02-12 (on time). 03-03 bill: period 1 = 600.00 + 10.80 = 610.80, paid 03-12;
    # 04-03: 610.80 paid 04-12; 05-03: 610.80 paid 05-12. Total paid 600 + 3 x 610.80 = 2432.40
    # = 2400.00 + 32.40 fees; no late fee.
    reps = [pay("Y1", "2026-02-12", "600.00"), pay("Y2", "2026-03-12", "610.80"),
            pay("Y3", "2026-04-12", "610.80"), pay("Y4", "2026-05-12", "610.80")]
    acct = with_conv("2026-05-12", WORKED, reps, [V1])
    bills = {str(s.statement_date): s for s in acct.statements}
    assert [(ln.kind, ln.txn_id, ln.period, ln.principal, ln.fee) for ln in bills["2026-03-03"].new_items] == [
        ("conversion", "V1", 1, D("600.00"), D("10.80"))]
    assert bills["2026-03-03"].total_due == D("610.80")
    assert bills["2026-05-03"].total_due == D("610.80")
    assert acct.overdue.total_owed_fen == 0 and acct.late_fees.owed_fen == 0
    assert [ln.component for ln in acct.allocation("Y2").lines] == ["fee", "principal"]


def test_partial_conversion_leaves_pay_in_full_spending_on_the_bill():
    # Two pay-in-full purchases on the 02-03 bill: A 300.00 (01-10), B 700.00 (01-15): 1000.00.
    # Convert 500.00 (<= 900.00) into 6 periods: taken in allocation order (same due and statement,
    # purchase date first): A 300.00 whole, then 200.00 of B. Left on the bill: B 500.00.
    # Plan: 500/6 = 83.33 x 5 + 83.35; fee 500 x 0.006 = 3.00 each period.
    txns = [buy("A", "2026-01-10", "300.00"), buy("B", "2026-01-15", "700.00")]
    acct = with_conv("2026-02-06", txns, convs=[conv("V1", "2026-02-03", "2026-02-06", "500.00", 6)])
    (c,) = acct.conversions
    assert c.taken == (("A", 30000), ("B", 20000))
    assert [s.principal for s in c.schedule] == [D("83.33")] * 5 + [D("83.35")]
    assert {s.fee for s in c.schedule} == {D("3.00")}
    assert (item(acct, "A").outstanding, item(acct, "B").outstanding) == (D("0.00"), D("500.00"))
    st_ = acct.statements[-1]
    assert st_.total_due == D("500.00")
    assert [(ln.txn_id, ln.principal, ln.outstanding) for ln in st_.new_items] == [
        ("A", D("0.00"), D("0.00")), ("B", D("500.00"), D("500.00"))]
    # B unpaid on its due date 02-12: overdue from 02-13 on 500.00 only (not the converted part):
    # 02-20: 8 days x 500.00 x 0.0005 = 2.00
    later = with_conv("2026-02-20", txns, convs=[conv("V1", "2026-02-03", "2026-02-06", "500.00", 6)])
    assert later.overdue.overdue_amount_fen == 50000 and later.late_fees.owed == D("2.00")


def test_installment_items_on_the_bill_are_not_converted():
    # A 3-period purchase 300.00 at 0.5% (period 1: 100.00 + 1.50) and a pay-in-full 200.00 on the
    # 02-03 bill: only the 200.00 counts: 90% x 200.00 = 180.00; 180.00 converts, 180.01 is refused.
    txns = [buy("I", "2026-01-10", "300.00", 3, "0.005"), buy("P", "2026-01-11", "200.00")]
    ok = with_conv("2026-02-05", txns, convs=[conv("V1", "2026-02-03", "2026-02-05", "180.00")])
    assert ok.warnings == () and ok.conversions[0].taken == (("P", 18000),)
    assert item(ok, "I").outstanding == D("101.50")
    no = with_conv("2026-02-05", txns, convs=[conv("V1", "2026-02-03", "2026-02-05", "180.01")])
    assert no.conversions == () and "at most 180.00" in no.warnings[0]


def _refusal(convs, txns=WORKED, reps=(), as_of="2026-02-12", cfg=None) -> str:
    acct = with_conv(as_of, txns, reps, convs, cfg=cfg)
    assert acct.conversions == () or len(convs) > 1
    (w,) = [w for w in acct.warnings if w.kind == "conversion_refused"]
    return str(w)


def test_refusals_in_a_replay_are_warnings_and_change_nothing():
    assert "under the minimum conversion amount 100" in _refusal([conv("V1", "2026-02-03", "2026-02-05", "99.99")])
    # 90% x 2400.00 = 2160.00
    assert "at most 2160.00" in _refusal([conv("V1", "2026-02-03", "2026-02-05", "2160.01")])
    assert "after the statement's due date 2026-02-12" in _refusal(
        [conv("V1", "2026-02-03", "2026-02-13", "1800.00")], as_of="2026-02-13")
    assert "no statement of this customer on 2026-02-04" in _refusal([conv("V1", "2026-02-04", "2026-02-05", "500")])
    assert "already converted" in _refusal([conv("V1", "2026-02-03", "2026-02-05", "500.00"),
                                                 conv("V2", "2026-02-03", "2026-02-06", "500.00", seq=1)])
    assert "not a conversion term" in _refusal([conv("V1", "2026-02-03", "2026-02-05", "500.00", 5, "0.006")])
    # the refused record leaves the account as without it
    acct = with_conv("2026-02-12", WORKED, (), [conv("V1", "2026-02-03", "2026-02-05", "99.99")])
    assert acct.statements[-1].total_due == D("2400.00") and acct.scheduled == ()


def test_refused_while_overdue():
    # 100.00 billed 01-03 (bought 2025-12-20, opened 2025-12-01) unpaid past 01-12: overdue on 02-05.
    txns = [buy("T0", "2025-12-20", "100.00"), *WORKED]
    acct = run("2026-02-05", txns, (), (), customer=cust("2025-12-01"), conversions=[V1])
    assert acct.conversions == () and "the account is overdue" in acct.warnings[0]


def test_refused_when_less_is_unpaid_than_asked():
    # 2000.00 of 2400.00 paid on 02-04: 400.00 unpaid; converting 500.00 is refused.
    assert "only 400.00 of the pay-in-full principal billed on 2026-02-03 is unpaid" in _refusal(
        [conv("V1", "2026-02-03", "2026-02-05", "500.00")], reps=[pay("Y1", "2026-02-04", "2000.00")])


def test_fee_rate_of_the_record_wins_and_the_config_prices_by_term():
    acct = with_conv("2026-02-05", WORKED, convs=[conv("V1", "2026-02-03", "2026-02-05", "1200.00", 12, "0.005")])
    # 1200.00 x 0.005 = 6.00 per period, 12 periods of 100.00
    c = acct.conversions[0]
    assert (c.fee, len(c.schedule), c.schedule[-1].principal) == (D("6.00"), 12, D("100.00"))
    cfg = replace(config(), conversion=replace(config().conversion, fee_rates=((3, D("0.006")),)))
    assert "no conversion fee rate for 6 periods" in _refusal(
        [conv("V1", "2026-02-03", "2026-02-05", "1200.00", 6)], cfg=cfg)


def test_early_settlement_pays_the_plan_with_all_remaining_fees():
    # On 03-05 after 600.00 paid 02-12: the 03-03 bill holds period 1 (610.80); unbilled periods 2, 3:
    # 1200.00 principal + 2 x 10.80 fees (all_remaining) -> payoff 610.80 + 1221.60 = 1832.40.
    reps = [pay("Y1", "2026-02-12", "600.00"), pay("S1", "2026-03-05", "1832.40", "settle")]
    acct = with_conv("2026-03-05", WORKED, reps, [V1])
    a = acct.allocation("S1")
    assert a.applied_as == "settle" and acct.overdue.total_owed_fen == 0 and acct.scheduled == ()


def test_posting_a_conversion_and_the_overdue_view_agree():
    post = post_conversion(cust(), WORKED, [], [], [], config(), V1, d("2026-02-05"))
    assert post.refusal is None and post.conversion.amount == D("1800.00")
    assert post.account.overdue.total_owed_fen == 240000      # 600.00 billed + 1800.00 unbilled
    status = overdue_status(cust(), WORKED, [], [], config(), d("2026-03-20"), [V1])
    # 02-13..03-20 nothing paid: 600.00 overdue from 02-13 and 610.80 (period 1) from 03-13
    assert status.overdue.overdue_amount_fen == 60000 + 61080


# --- a property: conversions keep the allocation books balanced ------------------------------------

@st.composite
def converted_accounts(draw):
    txns = [buy(f"P{k}", f"2026-01-{draw(st.integers(4, 28)):02d}", f"{draw(st.integers(100, 3000))}.00",
                draw(st.sampled_from([1, 1, 1, 3]))) for k in range(draw(st.integers(1, 4)))]
    convs = []
    for k, month in enumerate(draw(st.lists(st.sampled_from([2, 3]), max_size=2))):
        convs.append(conv(f"V{k}", f"2026-{month:02d}-03", f"2026-{month:02d}-{draw(st.integers(3, 12)):02d}",
                          f"{draw(st.integers(100, 2500))}.00", draw(st.sampled_from([3, 6, 12])), seq=k))
    reps = [pay(f"Y{k}", f"2026-{draw(st.integers(2, 8)):02d}-{draw(st.integers(1, 28)):02d}",
                f"{draw(st.integers(1, 2000))}.{draw(st.integers(0, 99)):02d}", seq=k)
            for k in range(draw(st.integers(0, 6)))]
    return txns, reps, convs, f"2026-{draw(st.integers(2, 9)):02d}-15"


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(converted_accounts())
def test_property_allocations_and_credit_equal_each_repayment(case):
    txns, reps, convs, as_of = case
    acct = with_conv(as_of, txns, reps, convs)
    for a in acct.allocations:
        assert sum(ln.amount_fen for ln in a.lines) == a.amount_fen
        assert all(ln.amount_fen > 0 for ln in a.lines)
    for i in acct.items:
        assert i.principal_fen >= 0 and i.outstanding_principal_fen >= 0 and i.outstanding_fee_fen >= 0
    assert acct.credit_balance_fen >= 0
    assert all(s.total_due_fen >= 0 and all(ln.outstanding_fen >= 0 for ln in s.new_items) for s in acct.statements)
    # what is converted moves from the bill into the plan: the principal is conserved
    billed = sum(i.principal_fen for i in acct.items) + sum(s.principal_fen for s in acct.scheduled)
    assert billed == sum(int(t.amount * 100) for t in txns)


def test_a_deferred_statement_can_be_converted_until_its_new_due_date():
    # 02-03 bill deferred 10 days on 02-10: due 02-22, fee 1% x 2400.00 = 24.00 (a fee item, not
    # pay-in-full principal). Converting 1800.00 on 02-20 is allowed (before 02-22); on 02-23 it is not.
    defs = [defer("D1", "2026-02-03", "2026-02-10", 10)]
    ok = run("2026-02-20", WORKED, (), defs, conversions=[conv("V1", "2026-02-03", "2026-02-20", "1800.00")])
    assert ok.warnings == () and ok.statements[-1].total_due == D("600.00")
    late = run("2026-02-23", WORKED, (), defs, conversions=[conv("V1", "2026-02-03", "2026-02-23", "1800.00")])
    assert "after the statement's due date 2026-02-22" in late.warnings[0]
