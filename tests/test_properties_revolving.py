"""Property tests (hypothesis) of SPEC 4.9 (minimum payment on) over the generated accounts of
``test_properties_ledger``; with the minimum off those tests run unchanged."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from baitiao_cli.engine.account import REVOLVING_FEE
from baitiao_cli.engine.config import MinimumPayment
from baitiao_cli.engine.ledger import latest_statement, overdue_status, payoff_fen, replay
from baitiao_cli.engine.model import Repayment
from test_properties_ledger import accounts

from ledger_helpers import D


def minimum_on(cfg, ratio="0.10", threshold="300"):
    return replace(cfg, minimum_payment=MinimumPayment(enabled=True, ratio=D(ratio), carry_threshold=D(threshold),
                                                       daily_rate=D("0.0005")))


ratios = st.sampled_from([("0.10", "300"), ("0.05", "0"), ("0.5", "100000")])


def pay_each_statement(cust, txns, cfg, as_of, data, amount_fen):
    """Pay ``amount_fen(statement)`` of each statement in turn (the first not yet looked at, as the
    payments so far leave it), on a day drawn from its date to its due date; the final account."""
    reps: list[Repayment] = []
    seen = set()
    while True:
        acct = replay(cust, txns, reps, [], cfg, as_of)
        todo = [s for s in acct.statements if s.statement_date not in seen]
        if not todo:
            return acct, reps
        s = todo[0]
        seen.add(s.statement_date)
        if amount_fen(s) and s.due_date <= as_of:
            day = s.statement_date + timedelta(days=data.draw(st.integers(0, (s.due_date - s.statement_date).days)))
            reps.append(Repayment(f"Y{len(reps)}", cust.customer_id, day, D(amount_fen(s)) / 100, "normal",
                                  seq=len(reps)))


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(accounts(), ratios)
def test_minimum_on_invariants(acc, rt):
    cust, txns, reps, defs, cfg, as_of = acc
    cfg = minimum_on(cfg, *rt)
    acct = replay(cust, txns, reps, defs, cfg, as_of)
    # allocations + credit equal each repayment; every line positive
    for a in acct.allocations + acct.credit_uses:
        assert sum(ln.amount_fen for ln in a.lines) == a.amount_fen
        assert all(ln.amount_fen > 0 for ln in a.lines)
    # nothing negative
    for i in acct.items:
        assert i.outstanding_principal_fen >= 0 and i.outstanding_fee_fen >= 0
    assert acct.credit_balance_fen >= 0 and acct.revolving_fee_owed_fen >= 0
    lf = acct.late_fees
    assert 0 <= lf.paid_fen <= lf.posted_fen
    for s in acct.statements:
        assert 0 <= s.minimum_due_fen <= s.total_due_fen
        assert s.revolving and s.revolving_fee_posted_fen >= 0 and s.revolving_fee_unpaid_fen >= 0
    od = acct.overdue
    assert od.dpd >= 0 and od.overdue_amount_fen >= 0 and od.total_owed_fen >= 0
    assert od.is_overdue == (od.dpd > 0)
    # money in = money used + credit left (revolving fee paid counted from the allocation lines)
    rev_paid = sum(ln.amount_fen for a in acct.allocations + acct.credit_uses for ln in a.lines
                   if ln.component == REVOLVING_FEE)
    paid_in = sum(a.amount_fen for a in acct.allocations) + sum(p.refunded_to_credit_fen for p in acct.purchases)
    used = sum(i.principal_paid_fen + i.fee_paid_fen for i in acct.items) + lf.paid_fen + rev_paid
    assert paid_in == used + acct.credit_balance_fen
    assert payoff_fen(acct) >= 0
    event(f"overdue: {od.is_overdue}; revolving fee: {acct.revolving_fee_owed_fen > 0 or rev_paid > 0}")
    # the fast paths and the statement modes agree
    assert overdue_status(cust, txns, reps, defs, cfg, as_of).overdue == od
    assert latest_statement(cust, txns, reps, defs, cfg, as_of).statement == acct.latest_statement()
    none = replay(cust, txns, reps, defs, cfg, as_of, statements="none")
    assert (none.items, none.allocations, none.late_fees, none.revolving_fee_owed_fen, none.overdue) == \
        (acct.items, acct.allocations, acct.late_fees, acct.revolving_fee_owed_fen, acct.overdue)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(accounts(), st.integers(0, 9))
def test_minimum_off_every_minimum_is_the_total(acc, _):
    cust, txns, reps, defs, cfg, as_of = acc
    acct = replay(cust, txns, reps, defs, cfg, as_of)
    assert all(s.minimum_due_fen == s.total_due_fen and not s.revolving for s in acct.statements)
    assert acct.revolving_fee_owed_fen == 0 and acct.minimum_status is None


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(accounts(), st.data())
def test_paying_every_total_due_by_its_due_date_never_costs_a_revolving_fee(acc, data):
    cust, txns, _reps, _defs, cfg, as_of = acc
    cfg = minimum_on(cfg)
    acct, reps = pay_each_statement(cust, txns, cfg, as_of, data, lambda s: s.total_due_fen)
    event(f"repayments: {min(len(reps), 4)}")
    assert acct.revolving_fee_owed_fen == 0
    assert all(s.revolving_fee_posted_fen == 0 for s in acct.statements)
    assert not any(ln.component == REVOLVING_FEE for a in acct.allocations for ln in a.lines)
    assert not acct.overdue.is_overdue


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(accounts())
def test_revolving_fee_matches_a_day_by_day_oracle(acc):
    """The event-driven revolving fee equals SPEC 4.9 summed day by day: for each day d, daily_rate x
    the unpaid principal, at the start of d, of pay-in-full items due before d; rounded at each posting
    (each repayment date and statement date; refunds left out so that no credit use posts)."""
    cust, txns, reps, defs, cfg, as_of = acc
    cfg = minimum_on(cfg)
    txns = [t for t in txns if t.type == "purchase"]
    acct = replay(cust, txns, reps, defs, cfg, as_of)
    rate = cfg.minimum_payment.daily_rate
    rounding = cfg.billing.rounding
    posting_days = sorted({r.date for r in reps if r.date <= as_of} | {s.statement_date for s in acct.statements})
    start = min([t.date for t in txns] + [cust.opened_on])
    total = 0
    fen_days = 0
    day = start + timedelta(days=1)
    while day <= as_of:
        prev = replay(cust, txns, reps, defs, cfg, day - timedelta(days=1), statements="none")
        fen_days += sum(i.outstanding_principal_fen for i in prev.items
                        if i.kind == "purchase" and not i.accelerated and i.due_date < day)
        if day in posting_days:
            total += int((rate * fen_days).quantize(1, rounding=rounding))
            fen_days = 0
        day += timedelta(days=1)
    total += int((rate * fen_days).quantize(1, rounding=rounding)) if fen_days else 0
    rev_paid = sum(ln.amount_fen for a in acct.allocations + acct.credit_uses for ln in a.lines
                   if ln.component == REVOLVING_FEE)
    event(f"revolving fee: {total > 0}")
    assert rev_paid + acct.revolving_fee_owed_fen == total


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(accounts(), st.data())
def test_paying_every_minimum_by_its_due_date_is_never_overdue_nor_late(acc, data):
    """Pay exactly each statement's minimum due, on a day from its date to its due date: the account
    is never overdue and never charged a late fee (the revolving fee is what it costs)."""
    cust, txns, _reps, _defs, cfg, as_of = acc
    cfg = minimum_on(cfg)
    txns = [t for t in txns if t.type == "purchase"]
    acct, reps = pay_each_statement(cust, txns, cfg, as_of, data, lambda s: s.minimum_due_fen)
    event(f"minimum payments: {min(len(reps), 4)}")
    assert acct.late_fees.posted_fen == 0 and acct.late_fees.owed_fen == 0
    for k in range(len(acct.statements)):
        day = acct.statements[k].statement_date + timedelta(days=12)
        if day <= as_of:
            assert not replay(cust, txns, reps, [], cfg, day, statements="none").overdue.is_overdue
    assert not acct.overdue.is_overdue
