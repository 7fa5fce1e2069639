"""Installment quotes (SPEC 4.2, 4.3): the schedule, its totals and the annualized rate.

Pure: amounts, dates and the config in; a frozen :class:`Quote` out. The command layer
(``baitiao_cli.cli.quote``) decides what to refuse (terms not offered, APR above an
enforced cap) using :func:`check_terms` and :attr:`Quote.apr_exceeds_cap`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Optional

from .apr import annualize
from .config import Config
from .schedule import Period, build_schedule

_ZERO_RATE = Decimal("0")


@dataclass(frozen=True, slots=True)
class Quote:
    amount: Decimal
    terms: int
    fee_rate: Decimal                 # flat per-period rate on the original principal (0 for N = 1)
    purchase_date: date
    statement_day: int
    schedule: tuple[Period, ...]
    total_fee: Decimal
    total_payable: Decimal
    monthly_rate: Decimal             # the monthly IRR i
    apr: Decimal                      # 12 * i (IRR method), unrounded
    effective_annual_rate: Decimal    # (1 + i)**12 - 1, unrounded
    apr_cap: Decimal
    apr_exceeds_cap: bool             # apr > apr_cap, compared exactly (before any rounding)
    scenario: Optional[str] = None    # [scenarios.NAME] the quote is priced by (SPEC 4.14)


def check_terms(terms: int, cfg: Config, scenario: Optional[str] = None) -> Optional[str]:
    """``None`` when ``terms`` is offered (``installments.terms``; with ``scenario``, also
    ``scenarios.NAME.terms``), else the reason in plain words."""
    allowed = tuple(sorted(cfg.installments.terms))
    if terms not in allowed:
        return (f"{terms} installments are not offered; allowed terms: "
                + ", ".join(str(t) for t in allowed) + " (installments.terms)")
    sc = cfg.scenario(scenario) if scenario is not None else None
    if sc is not None and terms not in sc.terms:
        return (f"{terms} installments are not allowed in scenario {sc.name}; allowed terms: "
                + ", ".join(str(t) for t in sc.terms) + f" (scenarios.{sc.name}.terms)")
    return None


def default_fee_rate(terms: int, cfg: Config, scenario: Optional[str] = None) -> Decimal:
    """The per-period fee rate for a term: the scenario's (``scenarios.NAME.fee_rates``) when it
    prices the term, else ``pricing.fee_rates``; 0 for pay-in-full."""
    return cfg.fee_rate_for(terms, scenario or "")


def build_quote(amount: Decimal, terms: int, purchase_date: date, cfg: Config, *,
                fee_rate: Optional[Decimal] = None, statement_day: Optional[int] = None,
                scenario: Optional[str] = None) -> Quote:
    """Quote ``amount`` over ``terms`` monthly installments bought on ``purchase_date``.

    ``fee_rate`` overrides the configured per-period rate (ignored for N = 1, which is
    interest-free by SPEC 4.2); without it a ``scenario`` (a ``[scenarios.NAME]``) prices the
    term (SPEC 4.14), as the replay prices a purchase of that category; ``statement_day`` defaults to ``billing.statement_day``.
    The IRR is taken on the monthly payment stream with the periods as equal monthly
    steps (SPEC 4.3), whatever the exact day count between statement dates.
    Raises ``ValueError`` for an amount that is not positive or a term below 1.
    """
    if not isinstance(amount, Decimal) or not amount.is_finite() or amount <= 0:
        raise ValueError("amount must be a positive Decimal")
    if terms < 1:
        raise ValueError("terms must be at least 1")
    sday = cfg.billing.statement_day if statement_day is None else statement_day
    if not 1 <= sday <= 28:
        raise ValueError("statement day must be between 1 and 28")
    if terms == 1:
        rate = _ZERO_RATE
    else:
        rate = default_fee_rate(terms, cfg, scenario) if fee_rate is None else fee_rate
    if not rate.is_finite() or rate < 0:
        raise ValueError("fee rate must be a non-negative Decimal")
    schedule = build_schedule(amount, terms, rate, purchase_date, sday,
                              cfg.billing.due_days, cfg.billing.rounding)
    total_fee = sum((p.fee for p in schedule), Decimal("0.00"))
    total_payable = sum((p.total for p in schedule), Decimal("0.00"))
    ann = annualize(amount, [p.total for p in schedule])
    return Quote(
        amount=amount, terms=terms, fee_rate=rate, purchase_date=purchase_date, statement_day=sday,
        schedule=schedule, total_fee=total_fee, total_payable=total_payable,
        monthly_rate=ann.monthly_rate, apr=ann.apr, effective_annual_rate=ann.effective_annual_rate,
        apr_cap=cfg.pricing.apr_cap, apr_exceeds_cap=ann.apr > cfg.pricing.apr_cap, scenario=scenario,
    )
