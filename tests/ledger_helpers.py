"""Small builders for ledger tests: records, configs and a replay shortcut."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from decimal import Decimal
from typing import Optional

from baitiao_cli.engine.config import Billing, Config, DeferralCfg, Installments, LateFee
from baitiao_cli.engine.ledger import replay
from baitiao_cli.engine.model import Customer, Deferral, Repayment, Txn

CID = "C1"


def d(s: str) -> date:
    return date.fromisoformat(s)


def D(s: str) -> Decimal:
    return Decimal(s)


def cust(opened: str = "2026-01-01", sday: int = 3, cid: str = CID, **kw) -> Customer:
    return Customer(cid, d(opened), sday, **kw)


def buy(txn_id: str, on: str, amount: str, n: int = 1, rate: Optional[str] = None, cid: str = CID,
        seq: int = 0) -> Txn:
    return Txn(txn_id, cid, d(on), D(amount), "purchase", n, D(rate) if rate is not None else None, seq=seq)


def refund(txn_id: str, on: str, amount: str, ref: str, cid: str = CID, seq: int = 0) -> Txn:
    return Txn(txn_id, cid, d(on), D(amount), "refund", 1, None, ref, seq=seq)


def pay(rid: str, on: str, amount: str, kind: str = "normal", seq: int = 0, cid: str = CID) -> Repayment:
    return Repayment(rid, cid, d(on), D(amount), kind, seq=seq)


def defer(did: str, statement: str, on: str, days: int, seq: int = 0, cid: str = CID) -> Deferral:
    return Deferral(did, cid, d(statement), d(on), days, seq=seq)


def config(grace: int = 0, policy: str = "all_remaining", cap: Optional[str] = None,
           rounding: str = "ROUND_HALF_UP", daily: str = "0.0005", due_days: int = 9,
           deferral_fee: str = "0.01", max_days: int = 30) -> Config:
    c = Config()
    return replace(
        c,
        billing=Billing(statement_day=3, due_days=due_days, grace_days=grace, rounding=rounding),
        installments=Installments(early_settlement_fees=policy),
        late_fee=LateFee(daily_rate=D(daily), cap_ratio=D(cap) if cap is not None else None),
        deferral=DeferralCfg(max_days=max_days, fee_rate=D(deferral_fee)),
    )


def run(as_of: str, txns=(), reps=(), defs=(), customer: Optional[Customer] = None, cfg: Optional[Config] = None,
        **kw):
    return replay(customer or cust(), list(txns), list(reps), list(defs), cfg or config(), d(as_of), **kw)


def item(acct, txn_id: str, period: int = 1):
    for i in acct.items:
        if i.txn_id == txn_id and i.period == period:
            return i
    raise KeyError((txn_id, period))


def lines(alloc) -> list[tuple]:
    """Allocation lines as (txn_id, period, component, 'amount') for compact assertions."""
    return [(ln.txn_id, ln.period, ln.component, str(ln.amount)) for ln in alloc.lines]
