"""The periodic credit-line review (提额 / 激励, SPEC 4.12): pure decisions from a replayed account,
its score and the credit line in force (``engine.limits``).

Per customer, in this order (the first that applies decides):

- **freeze** when the account is overdue now (DPD > 0; a written-off account too): the limit is
  kept, nothing is available until a later review lifts it (journal action ``freeze``, once);
- **cut** when the limit in force is above the cap: the grade's base limit, capped by
  ``scoring.income_multiple x monthly income`` when income is declared, rounded down to
  ``scoring.limit_step`` (the grade fell below the limit's, or the income no longer supports it);
- **raise** when the on-time streak is at least ``review.raise_after``, the grade is no worse than
  ``review.raise_min_grade``, utilisation (average billed per statement over the last 6 / limit) is
  at least ``review.min_utilisation``: limit x (1 + ``raise_ratio``), rounded down to the step,
  never above the cap (a raise that would not increase the limit is a hold, "at the cap");
- **hold** otherwise, with every unmet condition in plain words. A hold of a frozen line whose
  account is current again lifts the freeze (journal action ``unfreeze``).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_FLOOR, Decimal
from typing import TYPE_CHECKING, Optional

from .account import Account
from .calendar import statement_dates_between
from .model import LIMIT_CUT, LIMIT_FREEZE, LIMIT_RAISE, LIMIT_UNFREEZE
from .scoring import credit_limit, grade_for

if TYPE_CHECKING:                     # pragma: no cover
    from .config import Config
    from .customer_score import CustomerScore
    from .limits import LimitState

RAISE, HOLD, CUT, FREEZE = "raise", "hold", "cut", "freeze"
WINDOW = 6                            # statements averaged for utilisation
_PLACES = Decimal("0.0001")


@dataclass(frozen=True)
class ReviewDecision:
    customer_id: str
    name: str
    action: str                       # raise | hold | cut | freeze
    current_limit: Decimal
    new_limit: Decimal
    on_time_streak: int
    utilisation: Optional[Decimal]    # None: no limit to divide by
    grade: str
    score: int
    pd: str
    dpd: int
    cap: Decimal                      # what the grade and the income allow
    reasons: tuple[str, ...]
    change: Optional[str] = None      # the limits journal action to append (None: nothing to record)
    frozen: bool = False              # the line is frozen in the journal now


def utilisation(account: Account, limit: Decimal) -> Optional[Decimal]:
    """Average billed per statement over the last 6 statements on or before the account's date
    (principal less refunds + fee of the items billed on them; an early settlement's items are not
    billed by a statement), divided by ``limit``: None when the limit is 0; 0 without statements."""
    if limit <= 0:
        return None
    c = account.customer
    dates = statement_dates_between(c.opened_on, account.as_of, c.statement_day)[-WINDOW:]
    if not dates:
        return Decimal("0.0000")
    recent = set(dates)
    billed = sum(i.principal_fen - i.principal_refunded_fen + i.fee_fen for i in account.items
                 if i.statement_date in recent and not i.accelerated)
    return (Decimal(billed) / 100 / len(dates) / limit).quantize(_PLACES)


def grade_cap(account: Account, score: "CustomerScore", cfg: "Config") -> Decimal:
    sc = cfg.scoring
    policy = grade_for(score.score, sc.grades)
    return credit_limit(policy, monthly_income=account.customer.monthly_income, income_multiple=sc.income_multiple,
                        step=sc.limit_step)


def _pct(x: Decimal) -> str:
    return f"{(x * 100).quantize(Decimal('0.1'))}%"


def _step_down(amount: Decimal, step: Decimal) -> Decimal:
    if step <= 0:
        return amount.quantize(Decimal("0.01"), rounding=ROUND_FLOOR)
    return ((amount / step).to_integral_value(rounding=ROUND_FLOOR) * step).quantize(Decimal("0.01"))


def decide(account: Account, score: "CustomerScore", current: Decimal, state: Optional["LimitState"],
           cfg: "Config") -> ReviewDecision:
    """The review of one customer: ``current`` is the limit in force (journal, else manual, else scored)."""
    rv = cfg.review
    cap = grade_cap(account, score, cfg)
    util = utilisation(account, current)
    streak = account.on_time_streak
    grade = score.offer.grade
    frozen = state is not None and state.frozen
    base = dict(customer_id=account.customer.customer_id, name=account.customer.name, current_limit=current,
                on_time_streak=streak, utilisation=util, grade=grade, score=score.score, pd=score.pd, dpd=score.dpd,
                cap=cap, frozen=frozen)
    if account.write_off is not None or score.dpd > 0:
        why = (f"written off on {account.write_off.date}" if account.write_off is not None
               else f"overdue now ({score.dpd} days past due)")
        return ReviewDecision(action=FREEZE, new_limit=current, change=None if frozen else LIMIT_FREEZE,
                              reasons=(why + ("; the line stays frozen" if frozen else "; credit line frozen"),),
                              **base)
    if current > cap:
        return ReviewDecision(action=CUT, new_limit=cap, change=LIMIT_CUT, reasons=(_cap_text(account, grade, cap),),
                              **base)
    unmet = _unmet(streak, grade, util, cfg)
    if not unmet:
        new = min(_step_down(current * (1 + rv.raise_ratio), cfg.scoring.limit_step), cap)
        if new > current:
            return ReviewDecision(action=RAISE, new_limit=new, change=LIMIT_RAISE, reasons=(
                f"{streak} on-time statements in a row (连续按时还款 {streak} 期), grade {grade}, utilisation "
                f"{_pct(util)}: +{_pct(rv.raise_ratio)}",), **base)
        unmet = [f"already at the cap: {_cap_text(account, grade, cap, short=True)}"]
    if frozen:
        unmet.insert(0, "current again: the freeze is lifted")
    return ReviewDecision(action=HOLD, new_limit=current, change=LIMIT_UNFREEZE if frozen else None,
                          reasons=tuple(unmet), **base)


def _unmet(streak: int, grade: str, util: Optional[Decimal], cfg: "Config") -> list[str]:
    rv = cfg.review
    order = [g.grade for g in cfg.scoring.grades]
    out = []
    if streak < rv.raise_after:
        out.append(f"on-time streak {streak} of the {rv.raise_after} a raise needs "
                   f"({rv.raise_after - streak} more on-time statement(s))")
    if order.index(grade) > order.index(rv.raise_min_grade):
        out.append(f"grade {grade} is below {rv.raise_min_grade} (review.raise_min_grade)")
    if util is None:
        out.append("no credit limit to use")
    elif util < rv.min_utilisation:
        out.append(f"utilisation {_pct(util)} is under {_pct(rv.min_utilisation)} (review.min_utilisation)")
    return out


def _cap_text(account: Account, grade: str, cap: Decimal, short: bool = False) -> str:
    income = account.customer.monthly_income
    what = f"grade {grade} and a monthly income of {income}" if income is not None else f"grade {grade}"
    return f"{what} allow at most {cap}" if short else f"the limit is above what {what} allow: {cap}"
