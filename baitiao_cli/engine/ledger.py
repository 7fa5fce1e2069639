"""The ledger engine: replay one customer's events into their account on a date (SPEC 4.1-4.7).

``replay(customer, txns, repayments, deferrals, cfg, as_of)`` is pure: same inputs, same
``Account`` (``engine.account``), whatever the order of the input rows.

How it works (event-driven, never day by day):

- Events up to and including ``as_of`` are sorted by date; within a day: statement billing,
  then purchases (txn_id order), then refunds (txn_id order), then repayments (journal order:
  ``seq``, then repayment_id), then deferrals (journal order), then conversions (journal order).
- Money is integer fen inside. Late fee accrues as integer *fen-days* (balance x days) between
  balance changes; ``daily_rate x fen-days`` is the exact accrual in fen.
- The late fee of an item inside its grace window is *contingent*: kept aside and dropped if
  the item is paid in full by ``due + grace_days``, added to the accrual when the grace
  window ends with the item unpaid (so such an item owes from ``due + 1``, on its balance at
  the start of each day, grace days included).
- Posting (at each repayment, each use of the credit balance, and each statement date)
  rounds the accrual since the previous posting to the fen with ``billing.rounding``; the
  sub-fen remainder is dropped (it is not carried to the next posting).

For runs over a whole book, two lighter entry points run the same replay and return only
what they need, equal to what ``replay`` gives: ``overdue_status`` (``Account.overdue`` and
the warnings, without building allocation or activity records nor the account: about twice
as fast) and ``latest_statement`` (the latest ``Statement`` and the warnings).

Where things live: this module is the entry points. The rules run in one place,
``engine.replay.Replay``; what a run keeps on the way (allocations, activity, statements: all,
the last, none) is decided once by the recorder it is given (``engine.recorder``), never by
the rules; the early-settlement payoff is ``engine.payoff`` (re-exported here), the statement
calendar ``engine.calendar``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from operator import attrgetter
from typing import Iterable, Iterator, Optional, Sequence

from .account import Account, AccountStatus, Allocation, ConversionApplied, DeferralApplied, StatementStatus
from .calendar import first_statement_month, month_index
from .config import Config
from .model import NO_CORRECTIONS, Adjustment, Conversion, Corrections, Customer, Dataset, Deferral, Repayment, Reversal, Txn
from .payoff import (
    ALL_REMAINING, CURRENT_PERIOD, NO_FEES, SETTLEMENT_POLICIES, payoff_amount, payoff_fen,
)
from .recorder import (
    STATEMENT_MODES, STATEMENTS_ALL, STATEMENTS_LAST, STATEMENTS_NONE, AccountRecorder, LatestStatementRecorder,
    Recorder,
)
from .replay import Replay

__all__ = [
    "ALL_REMAINING", "CURRENT_PERIOD", "NO_FEES", "SETTLEMENT_POLICIES", "STATEMENTS_ALL", "STATEMENTS_LAST",
    "STATEMENTS_NONE", "Posting", "first_statement_month", "group_by_customer", "latest_statement", "month_index",
    "overdue_status", "payoff_amount", "payoff_fen", "post_adjustment", "post_conversion", "post_deferral",
    "post_repayment", "post_reversal",
    "quote_payoff", "replay",
    "replay_all",
]


def _account_replay(customer: Customer, txns: Sequence[Txn], repayments: Sequence[Repayment],
                    deferrals: Sequence[Deferral], cfg: Config, as_of: date, statements: str,
                    conversions: Sequence[Conversion] = (), corrections: Corrections = NO_CORRECTIONS,
                    allocations: bool = True) -> Replay:
    recorder = AccountRecorder(statements) if allocations else Recorder()
    return Replay(customer, cfg, as_of, recorder).run(txns, repayments, deferrals, conversions, corrections)


def replay(customer: Customer, txns: Sequence[Txn], repayments: Sequence[Repayment],
           deferrals: Sequence[Deferral], cfg: Config, as_of: date, *, statements: str = STATEMENTS_ALL,
           conversions: Sequence[Conversion] = (), corrections: Corrections = NO_CORRECTIONS,
           allocations: bool = True) -> Account:
    """Replay one customer's events up to and including ``as_of`` into their ``Account``.

    ``txns``, ``repayments`` and ``deferrals`` are that customer's records in any order
    (records of another customer are ignored with a warning; records dated after ``as_of``
    are ignored). ``statements``: ``"all"`` (default) keeps a snapshot of every statement,
    ``"last"`` only of the latest one on or before ``as_of``, ``"none"`` none (faster, for
    reports that need only balances). ``conversions`` and ``corrections`` (adjustments and
    reversals, SPEC 4.11/4.15) are that customer's too.

    ``allocations=False`` (only with ``statements="none"``) builds no allocation, credit-use or
    activity record: the account's ``allocations``, ``credit_uses`` and ``activity`` are empty,
    everything else is as with ``True`` (the same replay; recording never changes the state).
    For readers of balances and items only -- the features, the score, the review: about 1.4x
    faster per account (docs/scale.md).
    """
    if statements not in STATEMENT_MODES:
        raise ValueError(f"statements must be all, last or none, not {statements!r}")
    if not allocations and statements != STATEMENTS_NONE:
        raise ValueError("allocations=False builds no activity, which statements list: only with statements='none'")
    return _account_replay(customer, txns, repayments, deferrals, cfg, as_of, statements, conversions,
                           corrections, allocations).account()


def overdue_status(customer: Customer, txns: Sequence[Txn], repayments: Sequence[Repayment],
                   deferrals: Sequence[Deferral], cfg: Config, as_of: date,
                   conversions: Sequence[Conversion] = (), corrections: Corrections = NO_CORRECTIONS,
                   by_scenario: bool = False) -> AccountStatus:
    """``replay(..., statements="none")`` reduced to what a delinquency report reads, fast.

    Returns ``AccountStatus(customer, overdue, warnings)`` where ``overdue`` equals
    ``replay(...).overdue`` and ``warnings`` equals ``replay(...).warnings``. It runs the same
    replay but builds no allocation or activity records and no ``Account`` (about twice as
    fast): for ``overdue-report`` over a whole book. With ``by_scenario`` its ``scenarios``
    splits the receivables and overdue amount by scenario (``engine.scenarios.replay_split``).
    """
    r = Replay(customer, cfg, as_of, Recorder()).run(txns, repayments, deferrals, conversions, corrections)
    status = r.overdue()
    if by_scenario:
        from .scenarios import replay_split

        return AccountStatus(customer, status, tuple(r.warnings), replay_split(r, status))
    return AccountStatus(customer, status, tuple(r.warnings))


def latest_statement(customer: Customer, txns: Sequence[Txn], repayments: Sequence[Repayment],
                     deferrals: Sequence[Deferral], cfg: Config, as_of: date,
                     conversions: Sequence[Conversion] = (), corrections: Corrections = NO_CORRECTIONS
                     ) -> StatementStatus:
    """``replay(..., statements="last")`` reduced to what a statement run reads, faster.

    Returns ``StatementStatus(customer, statement, warnings)``: ``statement`` equals
    ``replay(...).latest_statement()`` (the latest statement on or before ``as_of``, None
    before the first one) and ``warnings`` equals ``replay(...).warnings``; the rest of the
    account (items, allocations, activity...) is not built. For ``bill`` over a book.
    """
    r = Replay(customer, cfg, as_of, LatestStatementRecorder()).run(txns, repayments, deferrals, conversions,
                                                                   corrections)
    statements = r.statements()
    return StatementStatus(customer, statements[-1] if statements else None, tuple(r.warnings), r.on_time_streak(),
                           cfg.review.raise_after)


def quote_payoff(customer: Customer, txns: Sequence[Txn], repayments: Sequence[Repayment],
                 deferrals: Sequence[Deferral], cfg: Config, on: date, policy: Optional[str] = None,
                 conversions: Sequence[Conversion] = (), corrections: Corrections = NO_CORRECTIONS) -> Decimal:
    """Replay to ``on`` and return the payoff amount (policy default: the configured one)."""
    acct = replay(customer, txns, repayments, deferrals, cfg, on, statements=STATEMENTS_NONE, conversions=conversions,
                  corrections=corrections)
    return payoff_amount(acct, on, policy or cfg.installments.early_settlement_fees)


# ---- posting a new journal record (repay / defer) ------------------------------------------------

@dataclass(frozen=True, slots=True)
class Posting:
    """The account with one new journal record applied, and what happened to that record.

    ``refusal`` is None when the rules accept it; otherwise the reason in plain words (a
    settle short of the payoff -- then ``allocation`` shows it applied as a normal
    repayment --, or a deferral the rules refuse -- then ``deferral`` is None).
    """

    account: Account
    allocation: Optional[Allocation] = None
    deferral: Optional[DeferralApplied] = None
    refusal: Optional[str] = None
    conversion: Optional[ConversionApplied] = None


def post_repayment(customer: Customer, txns: Sequence[Txn], repayments: Sequence[Repayment],
                   deferrals: Sequence[Deferral], cfg: Config, new: Repayment, as_of: date, *,
                   statements: str = STATEMENTS_NONE, conversions: Sequence[Conversion] = (),
                   corrections: Corrections = NO_CORRECTIONS) -> Posting:
    """Replay with ``new`` appended to the journal (after every same-day row) up to ``as_of``.

    The dry run and the real posting share this one path: the caller appends ``new`` to the
    journal only when it is satisfied with the result.
    """
    if new.date > as_of:
        raise ValueError(f"repayment dated {new.date} is after as_of {as_of}")
    seq = max((r.seq for r in repayments), default=0) + 1
    new = new._replace(seq=seq)
    r = _account_replay(customer, txns, [*repayments, new], deferrals, cfg, as_of, statements, conversions,
                        corrections)
    acct = r.account()
    return Posting(acct, allocation=acct.allocation(new.repayment_id), refusal=r.refusals.get(new.repayment_id))


def post_deferral(customer: Customer, txns: Sequence[Txn], repayments: Sequence[Repayment],
                  deferrals: Sequence[Deferral], cfg: Config, new: Deferral, as_of: date, *,
                  statements: str = STATEMENTS_NONE, conversions: Sequence[Conversion] = (),
                  corrections: Corrections = NO_CORRECTIONS) -> Posting:
    """Replay with ``new`` appended to the deferrals journal up to ``as_of``; see ``Posting``."""
    if new.date > as_of:
        raise ValueError(f"deferral dated {new.date} is after as_of {as_of}")
    seq = max((d.seq for d in deferrals), default=0) + 1
    new = new._replace(seq=seq)
    r = _account_replay(customer, txns, repayments, [*deferrals, new], cfg, as_of, statements, conversions,
                        corrections)
    acct = r.account()
    applied = next((d for d in acct.deferrals if d.deferral_id == new.deferral_id), None)
    return Posting(acct, deferral=applied, refusal=r.refusals.get(new.deferral_id))


def post_conversion(customer: Customer, txns: Sequence[Txn], repayments: Sequence[Repayment],
                    deferrals: Sequence[Deferral], conversions: Sequence[Conversion], cfg: Config, new: Conversion,
                    as_of: date, *, statements: str = STATEMENTS_NONE,
                    corrections: Corrections = NO_CORRECTIONS) -> Posting:
    """Replay with ``new`` appended to the conversions journal up to ``as_of``; see ``Posting``."""
    if new.date > as_of:
        raise ValueError(f"conversion dated {new.date} is after as_of {as_of}")
    seq = max((c.seq for c in conversions), default=0) + 1
    new = new._replace(seq=seq)
    r = _account_replay(customer, txns, repayments, deferrals, cfg, as_of, statements, [*conversions, new],
                        corrections)
    acct = r.account()
    applied = next((c for c in acct.conversions if c.conversion_id == new.conversion_id), None)
    return Posting(acct, conversion=applied, refusal=r.refusals.get(new.conversion_id))


def post_adjustment(customer: Customer, txns: Sequence[Txn], repayments: Sequence[Repayment],
                    deferrals: Sequence[Deferral], conversions: Sequence[Conversion], corrections: Corrections,
                    cfg: Config, new: Adjustment, as_of: date, *, statements: str = STATEMENTS_NONE) -> Posting:
    """Replay with ``new`` (a waiver or a write-off) appended to the adjustments journal up to ``as_of``;
    ``Posting.refusal`` says why the rules refuse it (then the account is as without it)."""
    if new.date > as_of:
        raise ValueError(f"adjustment dated {new.date} is after as_of {as_of}")
    seq = max((a.seq for a in corrections.adjustments), default=0) + 1
    new = new._replace(seq=seq)
    r = _account_replay(customer, txns, repayments, deferrals, cfg, as_of, statements, conversions,
                        corrections._replace(adjustments=(*corrections.adjustments, new)))
    return Posting(r.account(), refusal=r.refusals.get(new.adjustment_id))


def post_reversal(customer: Customer, txns: Sequence[Txn], repayments: Sequence[Repayment],
                  deferrals: Sequence[Deferral], conversions: Sequence[Conversion], corrections: Corrections,
                  cfg: Config, new: Reversal, as_of: date, *, statements: str = STATEMENTS_NONE) -> Posting:
    """Replay with ``new`` appended to the reversals journal up to ``as_of`` (SPEC 4.11)."""
    if new.date > as_of:
        raise ValueError(f"reversal dated {new.date} is after as_of {as_of}")
    r = _account_replay(customer, txns, repayments, deferrals, cfg, as_of, statements, conversions,
                        corrections._replace(reversals=(*corrections.reversals, new)))
    return Posting(r.account())


# ---- whole-dataset helpers ---------------------------------------------------------------------

def group_by_customer(dataset: Dataset, customers: Optional[Iterable[str]] = None, *, conversions: bool = False
                      ) -> dict[str, tuple]:
    """Each customer's (txns, repayments, deferrals), every customer present (lists may be empty);
    with ``conversions``, (txns, repayments, deferrals, conversions, corrections): the whole input
    of a replay, ``corrections`` a ``Corrections`` of their adjustments and reversals.

    ``customers`` restricts the grouping to those ids (records of others are skipped).
    """
    ids = [c.customer_id for c in dataset.customers] if customers is None else customers
    if conversions:
        out5: dict[str, tuple] = {cid: ([], [], [], [], NO_CORRECTIONS) for cid in ids}
        for v in dataset.conversions:
            g = out5.get(v.customer_id)
            if g is not None:
                g[3].append(v)
        if dataset.adjustments or dataset.reversals:
            _group_corrections(dataset, out5)
        out: dict[str, tuple] = out5
    else:
        out = {cid: ([], [], []) for cid in ids}
    for t in dataset.transactions:
        g = out.get(t.customer_id)
        if g is not None:
            g[0].append(t)
    for r in dataset.repayments:
        g = out.get(r.customer_id)
        if g is not None:
            g[1].append(r)
    for d in dataset.deferrals:
        g = out.get(d.customer_id)
        if g is not None:
            g[2].append(d)
    return out


def _group_corrections(dataset: Dataset, out: dict[str, tuple]) -> None:
    """Put each customer's adjustments and reversals into its group (the 5th member)."""
    found: dict[str, tuple[list, list]] = {}
    for a in dataset.adjustments:
        if a.customer_id in out:
            found.setdefault(a.customer_id, ([], []))[0].append(a)
    for v in dataset.reversals:
        if v.customer_id in out:
            found.setdefault(v.customer_id, ([], []))[1].append(v)
    for cid, (adjustments, reversals) in found.items():
        g = out[cid]
        out[cid] = (*g[:4], Corrections(tuple(adjustments), tuple(reversals)))


def replay_all(dataset: Dataset, cfg: Config, as_of: date, *, customers: Optional[Iterable[str]] = None,
               statements: str = STATEMENTS_ALL, allocations: bool = True) -> Iterator[Account]:
    """Replay every customer (or those in ``customers``), in customer_id order (``statements`` and
    ``allocations`` as for ``replay``)."""
    wanted = set(customers) if customers is not None else None
    chosen = [c for c in dataset.customers if wanted is None or c.customer_id in wanted]
    groups = group_by_customer(dataset, [c.customer_id for c in chosen], conversions=True)
    for c in sorted(chosen, key=attrgetter("customer_id")):
        t, r, d, v, k = groups[c.customer_id]
        yield replay(c, t, r, d, cfg, as_of, statements=statements, conversions=v, corrections=k,
                     allocations=allocations)
