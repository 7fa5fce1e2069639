"""``balance``: one customer's position at a moment (issue 19; docs/balance.md)."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from typing import Callable, Optional

from ..engine.money import to_fen
from ..errors import RefusedError


def balance(lc, customer_id: str, as_of: date, *, encoding: Optional[str] = None,
            on_warning: Callable[[str], None]):
    """The customer's ``engine.balance.Balance`` on ``as_of`` (the data validated first) and their name."""
    from ..engine.balance import balance_of
    from ..engine.ledger import STATEMENTS_LAST, group_by_customer, replay
    from ..engine.limits import with_limits
    from ..io.loader import load_dataset

    result = load_dataset(lc.data_dir, lc.config, encoding=encoding)
    for p in result.warnings:
        on_warning(str(p))
    dataset = with_limits(result.dataset, as_of)
    cust = next((c for c in dataset.customers if c.customer_id == customer_id), None)
    if cust is None:
        raise RefusedError(f"unknown customer {customer_id!r}: not in {result.files.get('customers', 'customers')}")
    if cust.opened_on > as_of:
        raise RefusedError(f"customer {customer_id!r} opened on {cust.opened_on.isoformat()}, after --as-of "
                           f"{as_of.isoformat()}")
    t, r, d, v, k = group_by_customer(dataset, [customer_id], conversions=True)[customer_id]
    acct = replay(cust, t, r, d, lc.config, as_of, statements=STATEMENTS_LAST, conversions=v, corrections=k)
    for w in acct.warnings:
        on_warning(f"customer {customer_id}: {w}")
    from .scoring import customer_score

    offer = customer_score(lc, cust, dataset, as_of)       # the limit as score and quote --customer see it
    figures = balance_of(acct, lc.config.billing.due_days)
    return replace(figures, credit_limit_fen=to_fen(offer.offer.credit_limit),
                   available_credit_fen=to_fen(offer.available_credit)), cust.name
