"""Annualized rate disclosure by the IRR method (SPEC 4.3, PBoC Announcement [2021] No. 3).

For a principal ``P`` paid back as ``pay_1 .. pay_N`` at equal monthly steps, the monthly
internal rate of return ``i`` solves::

    P = sum(pay_k / (1 + i)**k  for k = 1..N)

APR = ``12 * i`` (nominal, the figure the regulation asks to disclose) and the effective
annual rate = ``(1 + i)**12 - 1``.

Everything is ``Decimal`` in a local 40-digit context: Newton's method kept inside a
bracket that always holds the root, with a bisection step whenever Newton would leave it
or stall. The present value is strictly decreasing in ``i`` for non-negative payments, so
the root is unique and the bracket never loses it. No float anywhere.
"""

from __future__ import annotations

from decimal import Context, Decimal, localcontext
from typing import NamedTuple, Sequence

PRECISION = 40
TOLERANCE = Decimal("1e-12")     # stop when a step moves i by less than this
MAX_ITERATIONS = 500             # bisection alone needs ~45 steps for 1e-12; never reached
RESULT_PLACES = Decimal("1e-20")  # returned i is rounded here: stable, far below the tolerance

_ZERO = Decimal(0)
_ONE = Decimal(1)
_TWO = Decimal(2)


class Annualized(NamedTuple):
    monthly_rate: Decimal            # i, the monthly IRR
    apr: Decimal                     # 12 * i
    effective_annual_rate: Decimal   # (1 + i)**12 - 1


def _pv_and_slope(i: Decimal, payments: Sequence[Decimal]) -> tuple[Decimal, Decimal]:
    """Present value of the payments at rate ``i`` and its derivative d(PV)/di."""
    v = _ONE / (_ONE + i)            # discount factor per month
    vk = _ONE
    pv = _ZERO
    slope = _ZERO
    for k, pay in enumerate(payments, start=1):
        vk *= v                      # v**k
        pv += pay * vk
        slope -= k * pay * vk * v    # d/di pay*(1+i)**-k = -k*pay*(1+i)**-(k+1)
    return pv, slope


def monthly_irr(principal: Decimal, payments: Sequence[Decimal], tolerance: Decimal = TOLERANCE) -> Decimal:
    """The monthly rate ``i`` with ``principal = sum(pay_k / (1+i)**k)``.

    ``principal`` must be > 0 and every payment >= 0 with at least one > 0. When the
    payments add up to the principal exactly the rate is 0 (interest-free). Raises
    ``ValueError`` for inputs with no meaningful rate.
    """
    if not isinstance(principal, Decimal) or any(not isinstance(p, Decimal) for p in payments):
        raise TypeError("monthly_irr takes Decimal amounts only")
    if not principal.is_finite() or principal <= 0:
        raise ValueError("principal must be a positive amount")
    if not payments or any(not p.is_finite() or p < 0 for p in payments) or not any(p > 0 for p in payments):
        raise ValueError("payments must be non-negative amounts, at least one of them positive")

    with localcontext(Context(prec=PRECISION)):
        principal = +principal
        total = sum(payments, _ZERO)
        if total == principal:
            return Decimal("0")

        def f(i: Decimal) -> tuple[Decimal, Decimal]:
            pv, slope = _pv_and_slope(i, payments)
            return pv - principal, slope

        # f is strictly decreasing on (-1, inf); f(0) = total - principal.
        if total > principal:          # positive rate: f(0) > 0, find hi with f(hi) < 0
            lo, hi = _ZERO, _ONE
            while f(hi)[0] > 0:
                lo, hi = hi, hi * 2
                if hi > Decimal("1e6"):  # pragma: no cover - payments vastly above principal
                    raise ValueError("no rate of return below 1e6 per month")
        else:                          # negative rate: payments add up to less than the principal
            lo, hi = Decimal("-0.5"), _ZERO
            while f(lo)[0] < 0:
                hi, lo = lo, (lo - 1) / 2        # halve the distance to -1
                if lo + 1 < Decimal("1e-30"):    # pragma: no cover
                    raise ValueError("no rate of return above -100% per month")

        i = (lo + hi) / 2
        for _ in range(MAX_ITERATIONS):
            value, slope = f(i)
            if value == 0:
                return _finish(i)
            # keep the bracket: f(lo) > 0 > f(hi)
            if value > 0:
                lo = i
            else:
                hi = i
            step_ok = slope != 0
            if step_ok:
                nxt = i - value / slope
                step_ok = lo < nxt < hi
            if not step_ok:
                nxt = (lo + hi) / 2
            if abs(nxt - i) < tolerance:
                return _finish(nxt)
            i = nxt
        raise ArithmeticError("IRR did not converge")  # pragma: no cover - bisection guarantees it


def _finish(i: Decimal) -> Decimal:
    with localcontext(Context(prec=PRECISION)):
        return i.quantize(RESULT_PLACES)


def apr_from_monthly(i: Decimal) -> Decimal:
    """Nominal annual rate: 12 x the monthly rate."""
    with localcontext(Context(prec=PRECISION)):
        return 12 * i


def effective_annual_rate(i: Decimal) -> Decimal:
    """Compounded annual rate: (1 + i)**12 - 1."""
    with localcontext(Context(prec=PRECISION)):
        return (_ONE + i) ** 12 - _ONE


def annualize(principal: Decimal, payments: Sequence[Decimal]) -> Annualized:
    """Monthly IRR, APR and effective annual rate of a monthly payment stream."""
    i = monthly_irr(principal, payments)
    return Annualized(i, apr_from_monthly(i), effective_annual_rate(i))
