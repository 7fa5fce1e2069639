"""The pure quote engine (SPEC 4.2 + 4.3): schedule, totals, APR, cap flag."""

from __future__ import annotations

import dataclasses
import subprocess
import sys
from datetime import date
from decimal import Decimal as D

import pytest

from baitiao_cli.engine.config import Config, Installments, Pricing
from baitiao_cli.engine.quote import build_quote, check_terms


def _q(amount, terms, rate=None, cfg=None, day=None, when=date(2026, 1, 10)):
    return build_quote(D(amount), terms, when, cfg or Config(), fee_rate=None if rate is None else D(rate),
                       statement_day=day)


def test_1200_over_12_at_half_percent():
    # 12 x (100.00 + 6.00); fee 72.00; payable 1272.00; APR 10.90%, effective 11.46%
    q = _q("1200.00", 12)             # default pricing: 0.005 for 12 terms
    assert q.fee_rate == D("0.005")
    assert {(p.principal, p.fee) for p in q.schedule} == {(D("100.00"), D("6.00"))}
    assert (q.total_fee, q.total_payable) == (D("72.00"), D("1272.00"))
    assert q.apr.quantize(D("0.0001")) == D("0.1090")
    assert q.effective_annual_rate.quantize(D("0.0001")) == D("0.1146")
    assert q.apr_exceeds_cap is False
    assert q.statement_day == 3


def test_1000_over_3_at_0_7_percent():
    # 333.33 / 333.33 / 333.34 + 7.00 each; fee 21.00; payable 1021.00
    # payments 340.33, 340.33, 340.34 on 1000.00 -> i = 1.0464% a month -> APR 12.56%
    q = _q("1000.00", 3, "0.007")
    assert [p.principal for p in q.schedule] == [D("333.33"), D("333.33"), D("333.34")]
    assert [p.fee for p in q.schedule] == [D("7.00")] * 3
    assert (q.total_fee, q.total_payable) == (D("21.00"), D("1021.00"))
    assert q.apr.quantize(D("0.0001")) == D("0.1256")


def test_1_2_percent_over_6_is_above_a_24_percent_cap():
    # 6 x (200.00 + 14.40) on 1200.00 -> i = 2.0234% -> APR 24.28% > 24% -> flagged
    q = _q("1200.00", 6, "0.012")
    assert q.apr.quantize(D("0.0001")) == D("0.2428")
    assert q.apr_cap == D("0.24")
    assert q.apr_exceeds_cap is True
    # with a 25% cap it is not
    cfg = dataclasses.replace(Config(), pricing=Pricing(apr_cap=D("0.25")))
    assert _q("1200.00", 6, "0.012", cfg).apr_exceeds_cap is False


def test_pay_in_full_is_free_and_apr_zero():
    q = _q("888.88", 1, "0.01")       # a rate passed for N = 1 is ignored: interest-free by rule
    assert q.fee_rate == 0
    assert (q.total_fee, q.total_payable, q.apr, q.effective_annual_rate) == (D("0.00"), D("888.88"), 0, 0)
    assert len(q.schedule) == 1 and q.schedule[0].statement_date == date(2026, 2, 3)


def test_zero_fee_rate_gives_apr_zero():
    q = _q("1200.00", 12, "0")
    assert q.apr == 0 and q.total_fee == 0


def test_statement_day_override_and_rounding_from_config():
    # statement day 15: bought 01-10 -> first bill 01-15, due 01-24
    q = _q("101.00", 3, "0.005", day=15)
    assert (q.schedule[0].statement_date, q.schedule[0].due_date) == (date(2026, 1, 15), date(2026, 1, 24))
    # 101.00 x 0.005 = 0.505: HALF_UP 0.51 (default) vs HALF_EVEN 0.50
    assert q.schedule[0].fee == D("0.51")
    from baitiao_cli.engine.config import Billing
    even = dataclasses.replace(Config(), billing=Billing(rounding="ROUND_HALF_EVEN"))
    assert _q("101.00", 3, "0.005", cfg=even).schedule[0].fee == D("0.50")


def test_check_terms():
    assert check_terms(12, Config()) is None
    msg = check_terms(9, Config())
    assert "9" in msg and "1, 3, 6, 12, 24" in msg
    cfg = dataclasses.replace(Config(), installments=Installments(terms=(1, 3)))
    assert check_terms(12, cfg) is not None


@pytest.mark.parametrize("amount,terms", [("0", 3), ("-1", 3), ("100", 0)])
def test_bad_arguments(amount, terms):
    with pytest.raises(ValueError):
        _q(amount, terms)


def test_quote_is_frozen():
    q = _q("100.00", 3)
    with pytest.raises(dataclasses.FrozenInstanceError):
        q.apr = D(0)  # type: ignore[misc]


def test_engine_imports_no_cli_libraries():
    """The engine loads without typer, rich or tabulate (a subprocess: a clean sys.modules)."""
    code = ("import importlib, pkgutil, sys\n"
            "import baitiao_cli.engine as eng\n"
            "for m in pkgutil.walk_packages(eng.__path__, 'baitiao_cli.engine.'):\n"
            "    importlib.import_module(m.name)\n"
            "assert 'baitiao_cli.engine.apr' in sys.modules and 'baitiao_cli.engine.quote' in sys.modules\n"
            "bad = sorted(m for m in sys.modules if m.split('.')[0] in ('typer', 'rich', 'tabulate', 'click'))\n"
            "print(','.join(bad))\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""
