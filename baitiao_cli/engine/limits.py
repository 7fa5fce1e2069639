"""Credit lines that follow the ``limits`` journal (SPEC 4.12, §2).

A customer's limit on a date is the latest change of the journal dated on or before it (date,
then journal order); before any change, the manual ``credit_limit`` of the customers file (or,
without one, the scored limit). A ``freeze`` keeps the limit but leaves no credit available
until a later change (``unfreeze``, ``raise``, ``cut``, ``manual``) lifts it.

``with_limits(dataset, on)`` gives the dataset whose customers carry the limit in force on
``on`` as their ``credit_limit`` (0.00 while frozen): everything that reads a customer's limit
(available credit on statements, ``quote --customer``, ``score``) then follows the journal
without knowing it exists.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from decimal import Decimal
from operator import attrgetter
from typing import Iterable, NamedTuple, Optional

from .model import LIMIT_FREEZE, Dataset, LimitChange

_order = attrgetter("date", "seq", "change_id")
ZERO = Decimal("0.00")


class LimitState(NamedTuple):
    """The credit line in force on a date, from the journal."""

    limit: Decimal
    frozen: bool
    since: date
    change_id: str
    action: str

    @property
    def usable(self) -> Decimal:
        """The limit available credit is computed from: 0 while frozen."""
        return ZERO if self.frozen else self.limit


def limit_state(changes: Iterable[LimitChange], on: date) -> Optional[LimitState]:
    """The latest of one customer's ``changes`` dated on or before ``on`` (None: no change yet)."""
    latest = None
    for c in changes:
        if c.date <= on and (latest is None or _order(c) > _order(latest)):
            latest = c
    if latest is None:
        return None
    return LimitState(latest.credit_limit, latest.action == LIMIT_FREEZE, latest.date, latest.change_id,
                      latest.action)


def limits_by_customer(dataset: Dataset) -> dict[str, list[LimitChange]]:
    out: dict[str, list[LimitChange]] = {}
    for c in dataset.limits:
        out.setdefault(c.customer_id, []).append(c)
    return out


def with_limits(dataset: Dataset, on: date) -> Dataset:
    """``dataset`` with each customer's ``credit_limit`` the one in force on ``on`` (unchanged for a
    customer without a change dated on or before ``on``; the same object when the journal is empty)."""
    if not dataset.limits:
        return dataset
    states = {cid: limit_state(changes, on) for cid, changes in limits_by_customer(dataset).items()}
    states = {cid: s for cid, s in states.items() if s is not None}
    if not states:
        return dataset
    customers = tuple(c if c.customer_id not in states else c._replace(credit_limit=states[c.customer_id].usable)
                      for c in dataset.customers)
    return replace(dataset, customers=customers)
