"""Scenarios (场景, SPEC 4.14): an account's receivables and overdue amount split by scenario.

A purchase's ``category`` names its scenario (exact text, case as written; ``""`` when the
purchase has none). ``overdue-report`` breaks the book down by scenario; the attribution of
one account (:func:`account_split`) is:

- **weights** come from what the customer owes *behind* each purchase: every billed item's
  unpaid balance (principal + fee) and every unbilled installment principal go to the
  category of their purchase; a statement installment (账单分期, SPEC 4.10) goes to the
  category of the purchase it took most principal from (the first of equals, in the order
  taken). Charges that belong to no purchase (deferral fees, late fees, revolving fees) and
  the credit balance carry no weight: they follow the shares of the rest.
- the account's **receivables** (total owed, exactly as the report shows it) are split by the
  receivables weights; its **overdue amount** by the unpaid balances of its overdue items
  (when the overdue amount has no such item behind it — the minimum payment's unpaid minimum
  without overdue items, an overdue deferral fee alone — by the receivables weights; with no
  weight at all, to ``""``);
- the split is by largest remainder on integer fen, so the parts add up to the account's
  figures exactly, hence to the portfolio's (ties of remainders: by category name).

Pure: integers and strings in, tuples out.
"""

from __future__ import annotations

from typing import Iterable, NamedTuple

from .account import CONVERSION_ITEM, INSTALLMENT_ITEM, PURCHASE_ITEM

NO_CATEGORY = ""   # the scenario of purchases without a category


class ScenarioShare(NamedTuple):
    """One account's part in one scenario, in fen."""

    scenario: str
    receivables_fen: int
    overdue_fen: int


def split_fen(total: int, weights: dict[str, int]) -> dict[str, int]:
    """``total`` fen shared in proportion to ``weights`` (positive integers), summing to ``total``
    exactly: each gets ``floor(total * w / W)``; the fen left go one each to the largest remainders
    (ties: category name). ``weights`` must not be empty unless ``total`` is 0; all-zero weights
    share equally."""
    if not total:
        return dict.fromkeys(weights, 0)
    if len(weights) == 1:
        return {k: total for k in weights}
    whole = sum(weights.values())
    if not whole:
        weights, whole = dict.fromkeys(weights, 1), len(weights)
    shares = {}
    rems = []
    given = 0
    for k, w in weights.items():
        q, r = divmod(total * w, whole)
        shares[k] = q
        given += q
        rems.append((-r, k))
    rems.sort()
    for _r, k in rems[:total - given]:
        shares[k] += 1
    return shares


def account_split(receivables_fen: int, overdue_fen: int, rec_weights: dict[str, int],
                  overdue_weights: dict[str, int]) -> tuple[ScenarioShare, ...]:
    """An account's receivables and overdue amount split by scenario (see the module doc), in
    category order; categories whose both parts are 0 are left out."""
    rec_base = rec_weights or overdue_weights or {NO_CATEGORY: 1}
    od_base = overdue_weights or rec_weights or {NO_CATEGORY: 1}
    rec = split_fen(receivables_fen, rec_base)
    od = split_fen(overdue_fen, od_base) if overdue_fen else {}
    out = []
    for cat in sorted(rec.keys() | od.keys()):
        r, o = rec.get(cat, 0), od.get(cat, 0)
        if r or o:
            out.append(ScenarioShare(cat, r, o))
    return tuple(out)


def add_weight(weights: dict[str, int], category: str, fen: int) -> None:
    if fen > 0:
        weights[category] = weights.get(category, 0) + fen


def largest_taken(taken: Iterable[tuple[str, int]]) -> str:
    """The txn_id a statement installment took most principal from (the first of equals)."""
    best, most = "", -1
    for txn_id, fen in taken:
        if fen > most:
            best, most = txn_id, fen
    return best


def replay_split(r, status) -> tuple[ScenarioShare, ...]:
    """:func:`account_split` of a replay (``engine.replay.Replay``, run to ``status.as_of``) and
    its ``overdue()`` status; ``()`` for a written-off account or one that owes nothing."""
    if status.written_off is not None or not (status.total_owed_fen or status.overdue_amount_fen):
        return ()
    purchases = r.purchase_by_id
    other = _OtherCategories(r)
    rec: dict[str, int] = {}
    for w in r.items:
        b = w.balance
        if b > 0:
            c = purchases[w.txn_id].txn.category if w.kind in _OF_A_PURCHASE else other(w.kind, w.txn_id)
            if c is not None:
                rec[c] = rec.get(c, 0) + b
    for p in r.to_bill:
        if p.uncancelled > p.billed:
            c = p.txn.category if p.kind in _OF_A_PURCHASE else other(p.kind, p.txn_id)
            if c is not None:
                add_weight(rec, c, p.unbilled_principal())     # 0 for periods of 0.00 (0.02 over 3)
    od: dict[str, int] = {}
    for i in status.items:
        c = purchases[i.txn_id].txn.category if i.kind in _OF_A_PURCHASE else other(i.kind, i.txn_id)
        if c is not None:
            add_weight(od, c, i.outstanding_fen)
    if len(rec) == 1 and (not od or od.keys() == rec.keys()):        # one scenario: nothing to split
        (c,) = rec
        return (ScenarioShare(c, status.total_owed_fen, status.overdue_amount_fen),)
    return account_split(status.total_owed_fen, status.overdue_amount_fen, rec, od)


_OF_A_PURCHASE = frozenset({PURCHASE_ITEM, INSTALLMENT_ITEM})


class _OtherCategories:
    """The category of an item that is not a purchase's own: a statement installment's (its
    largest converted purchase's), None for a deferral fee (a charge: no weight)."""

    __slots__ = ("r", "converted")

    def __init__(self, r):
        self.r = r
        self.converted = None

    def __call__(self, kind: str, txn_id: str):
        if kind != CONVERSION_ITEM:
            return None
        if self.converted is None:
            self.converted = {c.conversion_id: largest_taken(c.taken) for c in self.r.converted.values()}
        p = self.r.purchase_by_id.get(self.converted.get(txn_id, ""))
        return p.txn.category if p is not None else NO_CATEGORY


def purchase_mismatch(txn, cfg) -> tuple[str, str] | None:
    """``(field, reason)`` when a purchase does not fit the scenario its category picks: a term
    ``scenarios.NAME.terms`` does not allow, or an explicit ``fee_rate`` other than the scenario's
    rate for the term; None when it fits or its category names no scenario (``validate`` warns)."""
    sc = cfg.scenario(txn.category) if cfg.scenarios and txn.category else None
    if sc is None:
        return None
    periods = txn.installments or 1
    if periods not in sc.terms:
        return ("installments", f"{periods} installment(s) not allowed in scenario {sc.name} (category "
                                f"{txn.category}); allowed terms: {', '.join(map(str, sc.terms))} "
                                f"(scenarios.{sc.name}.terms); priced by pricing.fee_rates")
    rate = sc.fee_rate_for(periods)
    if txn.fee_rate is not None and periods > 1 and rate is not None and txn.fee_rate != rate:
        return ("fee_rate", f"{txn.fee_rate} differs from scenario {sc.name}'s rate {rate} for {periods} "
                            f"installments (scenarios.{sc.name}.fee_rates); the row's rate is used")
    return None
