"""``quote`` use case: schedules, totals and APRs of a purchase, optionally at a customer's offer.

With a customer: their statement day and their score's offer on the purchase date (grade fee
rate unless one is given, allowed terms, available credit): a term the grade does not allow or
an amount above the available credit is refused. With a scenario (``[scenarios.NAME]``, SPEC 4.14)
its terms are the allowed ones (with a customer: those the grade also allows) and its fee rates
price the quote (before the grade's: the replay prices a purchase of that category so; a given
``--fee-rate`` still wins). An APR above ``pricing.apr_cap`` is refused
when ``pricing.enforce_cap`` is true, else reported through ``on_warning``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING, Callable, Optional

from ..engine.money import money_str, percent_str
from ..errors import RefusedError, UsageError

if TYPE_CHECKING:
    from ..engine.customer_score import CustomerScore
    from ..engine.minimum_only import MinimumOnlyCost
    from ..engine.quote import Quote
    from ..io.config import LoadedConfig


@dataclass(frozen=True, slots=True)
class Quotes:
    quotes: list["Quote"]                   # one per distinct term, in the order asked
    customer_id: Optional[str]
    offer: Optional["CustomerScore"]        # the customer's score and offer on the purchase date
    fee_rate_given: bool                    # --fee-rate was given (else the config's or the grade's)
    minimum_only: Optional["MinimumOnlyCost"] = None   # with a customer and the minimum on: paying only it
    scenario: Optional[str] = None          # --scenario: the [scenarios.NAME] pricing the quotes


def run(lc: "LoadedConfig", amount: Decimal, terms: list[int], when: date, *, fee_rate: Optional[Decimal] = None,
        customer: Optional[str] = None, encoding: Optional[str] = None, scenario: Optional[str] = None,
        on_warning: Callable[[str], None]) -> Quotes:
    from ..engine.quote import build_quote, check_terms   # deferred: keep `baitiao --help` light

    cfg = lc.config
    if scenario is not None:
        _check_scenario(cfg, scenario)
    wanted = list(dict.fromkeys(terms))
    refused = [msg for msg in (check_terms(t, cfg, scenario) for t in wanted) if msg]
    if refused:
        raise RefusedError("; ".join(refused))
    statement_day = None
    offer = None
    minimum_only = None
    rate_given = fee_rate is not None
    if customer is not None:
        record, dataset = _customer(lc, customer, encoding, on_warning)
        statement_day = record.statement_day
        from .scoring import customer_score

        offer = customer_score(lc, record, dataset, when)
        _check_customer_offer(offer, customer, amount, wanted)
        if fee_rate is None and scenario is None:
            fee_rate = offer.offer.fee_rate
        from .billing import minimum_only_of

        minimum_only = minimum_only_of(dataset, cfg, when, customer)
    if rate_given and 1 in wanted:
        on_warning("--fee-rate does not apply to 1 installment: pay-in-full is interest-free")
    quotes = [build_quote(amount, t, when, cfg, fee_rate=fee_rate, statement_day=statement_day, scenario=scenario)
              for t in wanted]
    _check_cap(quotes, cfg.pricing.enforce_cap, on_warning)
    return Quotes(quotes, customer, offer, rate_given, minimum_only, scenario)


def _check_scenario(cfg, name: str) -> None:
    """``--scenario`` must name a ``[scenarios.NAME]`` table of the config (a usage error, exit 2)."""
    if cfg.scenario(name) is not None:
        return
    names = [sc.name for sc in cfg.scenarios]
    known = ("configured scenarios: " + ", ".join(names)) if names else "the config has no [scenarios.NAME] table"
    raise UsageError(f"--scenario: unknown scenario {name!r}; {known}")


def _cap_message(qt: "Quote") -> str:
    return (f"{qt.terms} installments: APR {percent_str(qt.apr)} is above the {percent_str(qt.apr_cap)} cap "
            "(pricing.apr_cap)")


def _check_cap(quotes: list["Quote"], enforce: bool, on_warning: Callable[[str], None]) -> None:
    over = [qt for qt in quotes if qt.apr_exceeds_cap]
    if over and enforce:
        raise RefusedError("; ".join(_cap_message(qt) for qt in over)
                           + "; refused because pricing.enforce_cap is true")
    for qt in over:
        on_warning(_cap_message(qt))


def _customer(lc: "LoadedConfig", customer_id: str, encoding: Optional[str], on_warning: Callable[[str], None]):
    """The customer's record and the dataset (the loader validates every file)."""
    try:
        from ..io.loader import load_dataset   # deferred: only --customer needs the data files
    except ModuleNotFoundError as e:
        if e.name != "baitiao_cli.io.loader":
            raise
        raise RefusedError("--customer needs the data loader, which this installation lacks") from None

    result = load_dataset(lc.data_dir, lc.config, encoding=encoding)
    for problem in getattr(result, "warnings", ()):
        on_warning(str(problem))
    for c in result.dataset.customers:
        if c.customer_id == customer_id:
            return c, result.dataset
    raise RefusedError(f"unknown customer {customer_id!r}: not in the customers file of {lc.data_dir}")


def _check_customer_offer(sc: "CustomerScore", customer_id: str, amount: Decimal, wanted: list[int]) -> None:
    """Refuse terms the grade does not allow and an amount above the available credit (one message)."""
    o = sc.offer
    refused = []
    if not o.allowed_terms:
        refused.append(f"customer {customer_id} is grade {o.grade} (score {sc.score}): no new credit "
                       "(the grade allows no terms)")
    else:
        bad = [t for t in wanted if t not in o.allowed_terms]
        if bad:
            refused.append(f"customer {customer_id} is grade {o.grade} (score {sc.score}): "
                           f"{', '.join(str(t) for t in bad)} installment(s) not allowed for this grade; "
                           f"allowed terms: {', '.join(str(t) for t in o.allowed_terms)}")
    if amount > sc.available_credit:
        if sc.frozen:
            refused.append(f"the credit line of {customer_id} is frozen ({sc.dpd} days past due): "
                           f"available credit {money_str(sc.available_credit)}")
        else:
            refused.append(f"amount {money_str(amount)} is above the available credit of {customer_id}: "
                           f"{money_str(sc.available_credit)} (credit limit {money_str(o.credit_limit)}, "
                           f"unpaid principal {money_str(sc.unpaid_principal)})")
    if refused:
        raise RefusedError("; ".join(refused))
