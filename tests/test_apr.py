"""The IRR-method annualized rate (SPEC 4.3): Decimal only, reference values, edge cases."""

from __future__ import annotations

import inspect
from decimal import Context, Decimal as D, localcontext

import pytest
from hypothesis import given, settings, strategies as st

from baitiao_cli.engine import apr as apr_mod
from baitiao_cli.engine.apr import annualize, apr_from_monthly, effective_annual_rate, monthly_irr
from baitiao_cli.engine.schedule import build_schedule
from datetime import date


def _payments(amount: str, n: int, rate: str) -> list[D]:
    sched = build_schedule(D(amount), n, D(rate), date(2026, 1, 10), 3, 9)
    return [p.total for p in sched]


def _pv(i: D, payments: list[D]) -> D:
    with localcontext(Context(prec=60)):
        return sum(p / (1 + i) ** k for k, p in enumerate(payments, 1))


def _pct(x: D) -> D:
    return x.quantize(D("0.0001"))


@pytest.mark.parametrize("amount,n,rate,apr,ear", [
    # 1200.00 / 12 at 0.5%: 12 x 106.00 on 1200.00 -> i = 0.0090803..., APR 12i = 0.10896 -> 10.90%,
    # effective (1.0090803)^12 - 1 = 0.11458 -> 11.46%
    ("1200.00", 12, "0.005", "0.1090", "0.1146"),
    # 0.6% / 12: 12 x 107.20 -> i = 0.0108619 -> APR 13.03%
    ("1200.00", 12, "0.006", "0.1303", "0.1384"),
    # 1.0% / 12: 12 x 112.00 -> i = 0.0178810 -> APR 21.46%
    ("1200.00", 12, "0.01", "0.2146", "0.2370"),
    # 1.2% / 6: 6 x 214.40 -> i = 0.0202337 -> APR 24.28% (above a 24% cap)
    ("1200.00", 6, "0.012", "0.2428", "0.2717"),
])
def test_reference_values(amount, n, rate, apr, ear):
    a = annualize(D(amount), _payments(amount, n, rate))
    assert _pct(a.apr) == D(apr)
    assert _pct(a.effective_annual_rate) == D(ear)
    assert a.apr == 12 * a.monthly_rate


def test_reference_values_do_not_depend_on_the_amount():
    # the flat rate fixes the shape of the stream: 600.00 or 12000.00 at 0.5%/12 give the same APR
    for amount in ("600.00", "12000.00", "3600.00"):
        assert _pct(annualize(D(amount), _payments(amount, 12, "0.005")).apr) == D("0.1090")


def test_solution_solves_the_equation_to_1e_10():
    pays = _payments("1200.00", 12, "0.005")
    i = monthly_irr(D("1200.00"), pays)
    # residual of P = sum pay_k/(1+i)^k, and the root is bracketed 1e-12 either side
    assert abs(_pv(i, pays) - D("1200.00")) < D("1e-8")
    assert _pv(i - D("1e-12"), pays) > D("1200.00") > _pv(i + D("1e-12"), pays)


def test_zero_fee_is_zero():
    # payments add up to the principal exactly: interest-free
    assert monthly_irr(D("1000.00"), [D("333.33"), D("333.33"), D("333.34")]) == 0
    a = annualize(D("500.00"), [D("500.00")])
    assert (a.monthly_rate, a.apr, a.effective_annual_rate) == (0, 0, 0)


def test_single_payment_closed_form():
    # 100 now, 101 in a month: i = 1% exactly; APR 12%; effective 1.01^12 - 1 = 0.126825...
    a = annualize(D("100"), [D("101")])
    assert a.monthly_rate == D("0.01")
    assert _pct(a.effective_annual_rate) == D("0.1268")


def test_two_payments_closed_form():
    # 100 = 60/(1+i) + 60/(1+i)^2  ->  with v = 1/(1+i): 60v^2 + 60v - 100 = 0
    # v = (-60 + sqrt(3600 + 24000)) / 120 = (-60 + 162.48077...) / 120 = 0.8540064...
    # i = 1/v - 1 = 0.1709509...
    with localcontext(Context(prec=50)):
        v = (-60 + D(27600).sqrt()) / 120
        expected = 1 / v - 1
    i = monthly_irr(D("100"), [D("60"), D("60")])
    assert abs(i - expected) < D("1e-15")


def test_negative_rate_when_payments_fall_short():
    # 100 = 50/(1+i) + 40/(1+i)^2 has a root below zero; the solver brackets it in (-1, 0)
    i = monthly_irr(D("100"), [D("50"), D("40")])
    assert D(-1) < i < 0
    assert abs(_pv(i, [D("50"), D("40")]) - 100) < D("1e-8")


def test_apr_and_effective_rate_helpers():
    assert apr_from_monthly(D("0.01")) == D("0.12")
    assert effective_annual_rate(D("0.01")).quantize(D("1e-12")) == D("0.126825030132")


@pytest.mark.parametrize("principal,payments", [
    (D("0"), [D("1")]), (D("-5"), [D("1")]), (D("100"), []), (D("100"), [D("0"), D("0")]),
    (D("100"), [D("-1"), D("200")]), (D("NaN"), [D("1")]), (D("100"), [D("Infinity")]),
])
def test_bad_inputs_raise_value_error(principal, payments):
    with pytest.raises(ValueError):
        monthly_irr(principal, payments)


def test_floats_are_refused():
    with pytest.raises(TypeError):
        monthly_irr(D("100"), [106.0])  # noqa: the point of the test  # float-ok


def test_no_float_in_the_module():
    # no float() call and no float literal in the code (docstrings and comments aside)
    import io
    import tokenize

    toks = list(tokenize.generate_tokens(io.StringIO(inspect.getsource(apr_mod)).readline))
    assert not [t for t in toks if t.type == tokenize.NAME and t.string == "float"]
    assert not [t for t in toks if t.type == tokenize.NUMBER and any(c in t.string for c in ".eEjJ")]


@settings(max_examples=60, deadline=None)
@given(amount=st.integers(min_value=100, max_value=10_000_000).map(lambda c: D(c) / 100),
       n=st.sampled_from([3, 6, 12, 24]),
       rate_bp=st.integers(min_value=0, max_value=300))
def test_property_root_and_monotone(amount, n, rate_bp):
    """The solution solves the equation, and a higher flat rate never gives a lower APR."""
    rate = D(rate_bp) / 10000
    pays = _payments(str(amount), n, str(rate))
    i = monthly_irr(amount, pays)
    assert abs(_pv(i, pays) - amount) < D("1e-6")
    assert i >= 0
    higher = _payments(str(amount), n, str(rate + D("0.001")))
    assert monthly_irr(amount, higher) >= i
