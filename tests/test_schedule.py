"""Installment schedules (SPEC 4.1 dates, 4.2 amounts) with hand-worked numbers."""

from __future__ import annotations

from datetime import date
from decimal import Decimal as D

import pytest
from hypothesis import given, settings, strategies as st

from baitiao_cli.engine.calendar import next_statement_date, nth_statement_date_after
from baitiao_cli.engine.schedule import build_schedule, period_fee, split_principal


def test_1200_over_12_at_half_percent():
    # principal 1200.00 / 12 = 100.00 exactly (no remainder); fee 1200.00 x 0.005 = 6.00 flat
    s = build_schedule(D("1200.00"), 12, D("0.005"), date(2026, 1, 10), 3, 9)
    assert len(s) == 12
    assert all((p.principal, p.fee, p.total) == (D("100.00"), D("6.00"), D("106.00")) for p in s)
    assert [p.period for p in s] == list(range(1, 13))
    # purchase 01-10, statement day 3: first bill 02-03, then the 3rd of each month to 2027-01-03
    assert s[0].statement_date == date(2026, 2, 3)
    assert s[-1].statement_date == date(2027, 1, 3)
    # totals: 12 x 6.00 = 72.00 fee, 1272.00 payable
    assert sum(p.fee for p in s) == D("72.00")
    assert sum(p.total for p in s) == D("1272.00")


def test_1000_over_3_at_0_7_percent():
    # 1000.00 / 3 = 333.333... -> 333.33 (down) for periods 1 and 2; the last takes
    # 1000.00 - 2 x 333.33 = 333.34. Fee 1000.00 x 0.007 = 7.00 every period (on the original principal).
    s = build_schedule(D("1000.00"), 3, D("0.007"), date(2026, 3, 1), 3, 9)
    assert [p.principal for p in s] == [D("333.33"), D("333.33"), D("333.34")]
    assert [p.fee for p in s] == [D("7.00")] * 3
    assert [p.total for p in s] == [D("340.33"), D("340.33"), D("340.34")]


def test_split_rounds_down_and_last_takes_remainder():
    # 100.00 / 6 = 16.666... -> 16.66 x 5 = 83.30; last = 100.00 - 83.30 = 16.70
    assert split_principal(D("100.00"), 6) == [D("16.66")] * 5 + [D("16.70")]
    # 0.05 / 24 = 0.002 -> 0.00 x 23; last = 0.05
    assert split_principal(D("0.05"), 24) == [D("0.00")] * 23 + [D("0.05")]


def test_purchase_on_the_statement_day_joins_the_next_bill():
    # statement day 3: bought 2026-01-03 (the statement day) -> billed 2026-02-03, not 2026-01-03
    s = build_schedule(D("300.00"), 3, D("0.005"), date(2026, 1, 3), 3, 9)
    assert s[0].statement_date == date(2026, 2, 3)
    # one day earlier it makes the same day's bill
    s = build_schedule(D("300.00"), 3, D("0.005"), date(2026, 1, 2), 3, 9)
    assert s[0].statement_date == date(2026, 1, 3)


def test_purchase_on_new_years_eve_crosses_the_year():
    # 2026-12-31, statement day 3 -> 2027-01-03, 2027-02-03, 2027-03-03; due +9 -> 01-12, 02-12, 03-12
    s = build_schedule(D("600.00"), 3, D("0.005"), date(2026, 12, 31), 3, 9)
    assert [p.statement_date for p in s] == [date(2027, 1, 3), date(2027, 2, 3), date(2027, 3, 3)]
    assert [p.due_date for p in s] == [date(2027, 1, 12), date(2027, 2, 12), date(2027, 3, 12)]


def test_due_date_is_statement_date_plus_due_days():
    s = build_schedule(D("1200.00"), 12, D("0.005"), date(2026, 1, 10), 3, 9)
    assert all((p.due_date - p.statement_date).days == 9 for p in s)
    # statement day 25 + 9 days runs into the next month: 2026-01-25 -> 2026-02-03
    s = build_schedule(D("100.00"), 1, D("0"), date(2026, 1, 10), 25, 9)
    assert (s[0].statement_date, s[0].due_date) == (date(2026, 1, 25), date(2026, 2, 3))


def test_statement_day_28_in_february_and_a_leap_year():
    # day 28 exists in every month: bought 2028-01-28 -> 2028-02-28 (2028 is a leap year; the 29th
    # is not a statement date), due 2028-02-28 + 9 = 2028-03-08 (29 days in Feb 2028)
    s = build_schedule(D("300.00"), 3, D("0.005"), date(2028, 1, 28), 28, 9)
    assert s[0].statement_date == date(2028, 2, 28)
    assert s[0].due_date == date(2028, 3, 8)
    # a purchase on the leap day itself goes on the March bill
    assert next_statement_date(date(2028, 2, 29), 28) == date(2028, 3, 28)


def test_pay_in_full_has_no_fee():
    # N = 1: the whole amount on the next statement, interest-free, whatever rate is passed
    s = build_schedule(D("259.90"), 1, D("0.005"), date(2026, 5, 20), 3, 9)
    assert len(s) == 1
    assert (s[0].principal, s[0].fee, s[0].statement_date, s[0].due_date) == (
        D("259.90"), D("0.00"), date(2026, 6, 3), date(2026, 6, 12))


def test_rounding_half_up_versus_half_even():
    # 101.00 x 0.005 = 0.505 exactly: a tie. HALF_UP -> 0.51; HALF_EVEN -> 0.50 (0 is even)
    assert period_fee(D("101.00"), D("0.005"), "ROUND_HALF_UP") == D("0.51")
    assert period_fee(D("101.00"), D("0.005"), "ROUND_HALF_EVEN") == D("0.50")
    # 103.00 x 0.005 = 0.515: HALF_UP 0.52, HALF_EVEN 0.52 (2 is even) -- same
    assert period_fee(D("103.00"), D("0.005"), "ROUND_HALF_EVEN") == D("0.52")
    # 1001.00 x 0.0065 = 6.5065: not a tie, both modes give 6.51
    assert period_fee(D("1001.00"), D("0.0065"), "ROUND_HALF_UP") == D("6.51")
    assert period_fee(D("1001.00"), D("0.0065"), "ROUND_HALF_EVEN") == D("6.51")
    # through the schedule: 3 x 0.50 with HALF_EVEN, 3 x 0.51 with HALF_UP
    even = build_schedule(D("101.00"), 3, D("0.005"), date(2026, 1, 10), 3, 9, "ROUND_HALF_EVEN")
    up = build_schedule(D("101.00"), 3, D("0.005"), date(2026, 1, 10), 3, 9, "ROUND_HALF_UP")
    assert sum(p.fee for p in even) == D("1.50")
    assert sum(p.fee for p in up) == D("1.53")


def test_nth_statement_date_after():
    assert nth_statement_date_after(date(2026, 11, 15), 10, 3) == date(2027, 2, 10)


@settings(max_examples=300, deadline=None)
@given(cents=st.integers(min_value=1, max_value=10**10),
       n=st.sampled_from([1, 3, 6, 12, 24]),
       rate_bp=st.integers(min_value=0, max_value=200),
       day=st.integers(min_value=1, max_value=28),
       ordinal=st.integers(min_value=date(2020, 1, 1).toordinal(), max_value=date(2035, 12, 31).toordinal()))
def test_property_split(cents, n, rate_bp, day, ordinal):
    """Principals sum to the amount, none is negative, the last is within N-1 fen of the others,
    statement dates are consecutive months on the statement day, strictly after the purchase."""
    amount = D(cents) / 100
    bought = date.fromordinal(ordinal)
    s = build_schedule(amount, n, D(rate_bp) / 10000, bought, day, 9)
    principals = [p.principal for p in s]
    assert len(s) == n
    assert sum(principals) == amount
    assert all(p >= 0 for p in principals)
    assert all(p == principals[0] for p in principals[:-1])
    assert D(0) <= principals[-1] - principals[0] <= D(n - 1) / 100
    assert len({p.fee for p in s}) == 1
    assert s[0].statement_date > bought
    assert all(p.statement_date.day == day for p in s)
    months = [p.statement_date.year * 12 + p.statement_date.month for p in s]
    assert months == list(range(months[0], months[0] + n))
    # the first bill is the first statement date strictly after the purchase: within a month
    assert (s[0].statement_date - bought).days <= 31


@pytest.mark.parametrize("amount", ["0.01", "0.99", "1.00", "23.99", "99999999.99"])
def test_tiny_and_huge_amounts(amount):
    s = build_schedule(D(amount), 24, D("0.005"), date(2026, 1, 1), 3, 9)
    assert sum(p.principal for p in s) == D(amount)
