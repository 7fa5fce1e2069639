"""What a replay keeps besides its state: chosen once, before the replay starts.

The replay (``engine.replay``) runs the same rules for every caller and tells its recorder
what happened (a late fee posted, a repayment allocated, a statement issued...). The
recorder decides what to keep:

- ``Recorder`` keeps nothing (``ledger.overdue_status``: the state is all it reads); an
  ``Account`` frozen from it (``ledger.replay(..., statements="none", allocations=False)``, for
  the features, the score and the review, which read only balances and items) has no
  allocations, credit uses, activity or statements;
- ``AccountRecorder`` keeps every allocation, credit use and activity, and the statements
  asked for (all, the last one, none): what ``ledger.replay`` freezes into an ``Account``;
- ``LatestStatementRecorder`` keeps the last statement only, and the activity it lists
  (``ledger.latest_statement``).

Recording less never changes the state: what is kept never feeds back into the rules.
"""

from __future__ import annotations

from datetime import date
from typing import Optional

from .account import (
    ACT_CONVERSION, ACT_CREDIT_APPLIED, ACT_DEFERRAL, ACT_LATE_FEE, ACT_PAYMENT, ACT_REFUND, ACT_REVOLVING_FEE,
    ACT_RECOVERY, ACT_SETTLEMENT, ACT_WAIVER, ACT_WRITE_OFF, CREDIT, CREDIT_SOURCE, RECOVERED,
    Activity, Allocation, AllocationLine, DeferralApplied, Statement,
)
from .model import Adjustment, Conversion, Deferral, Repayment

STATEMENTS_ALL = "all"
STATEMENTS_LAST = "last"
STATEMENTS_NONE = "none"
STATEMENT_MODES = (STATEMENTS_ALL, STATEMENTS_LAST, STATEMENTS_NONE)


class Recorder:
    """Keeps nothing: every hook is a no-op. The base of the recorders that keep something."""

    allocation_lines = False        # whether the replay builds AllocationLine lists
    keeps_activity = False          # whether it is told when each statement closes
    statements_from = 1 << 62       # month index of the first statement to keep (set by ``begin``)
    allocations: tuple = ()         # what ``Replay.account`` freezes: none kept here
    credit_uses: tuple = ()
    activity: tuple = ()

    def begin(self, first_month: int, last_month: int) -> None:
        """The replay will issue the statements of months ``first_month..last_month``."""

    def statement(self, statement: Statement) -> None:
        """A statement as issued (before any later deferral of it)."""

    def statement_closed(self, month: int) -> None:
        """Everything of the statement of ``month`` is done; what follows belongs to the next."""

    def statement_activity(self) -> tuple[Activity, ...]:
        return ()

    def late_fee_posted(self, on: date, fen: int) -> None:
        pass

    def revolving_fee_posted(self, on: date, fen: int) -> None:
        """A revolving fee posted (SPEC 4.9; only with the minimum payment on)."""

    def credit_applied(self, on: date, used_fen: int, lines: list[AllocationLine]) -> None:
        pass

    def repaid(self, repayment: Repayment, amount_fen: int, applied_as: str, lines: list[AllocationLine],
               to_credit_fen: int, payoff_fen: Optional[int]) -> None:
        pass

    def refunded(self, on: date, refund_id: str, purchase_id: str, fen: int) -> None:
        pass

    def deferred(self, deferral: Deferral, fee_fen: int, new_due: date) -> None:
        pass

    def converted(self, conversion: Conversion, amount_fen: int) -> None:
        pass

    def waived(self, adjustment: Adjustment, amount_fen: int) -> None:
        """A waiver applied (SPEC 4.15)."""

    def written_off(self, adjustment: Adjustment, amount_fen: int) -> None:
        """The account written off (SPEC 4.15)."""

    def issued_statements(self) -> tuple[Statement, ...]:
        return ()


_ACTIVITY_OF = {"normal": ACT_PAYMENT, "settle": ACT_SETTLEMENT, RECOVERED: ACT_RECOVERY}


def _with_reason(what: str, reason: str) -> str:
    return f"{what}: {reason}" if reason else what


class _ActivityRecorder(Recorder):
    """Keeps the activity (what statements list) and the statements asked for."""

    def __init__(self, statements: str):
        self.mode = statements
        self.activity: list[Activity] = []
        self.mark = 0                        # activity before this index belongs to earlier statements
        self.kept: list[Statement] = []
        self.last_month = -1

    keeps_activity = True

    def begin(self, first_month: int, last_month: int) -> None:
        self.last_month = last_month
        if self.mode == STATEMENTS_ALL:
            self.statements_from = first_month
        elif self.mode == STATEMENTS_LAST:
            self.statements_from = last_month

    def statement(self, statement: Statement) -> None:
        self.kept.append(statement)

    def statement_closed(self, month: int) -> None:
        self.mark = len(self.activity)

    def statement_activity(self) -> tuple[Activity, ...]:
        return tuple(self.activity[self.mark:])

    def late_fee_posted(self, on: date, fen: int) -> None:
        self.activity.append(Activity(on, ACT_LATE_FEE, "", fen))

    def revolving_fee_posted(self, on: date, fen: int) -> None:
        self.activity.append(Activity(on, ACT_REVOLVING_FEE, "", fen))

    def credit_applied(self, on: date, used_fen: int, lines: list[AllocationLine]) -> None:
        self.activity.append(Activity(on, ACT_CREDIT_APPLIED, "", used_fen))

    def repaid(self, repayment: Repayment, amount_fen: int, applied_as: str, lines: list[AllocationLine],
               to_credit_fen: int, payoff_fen: Optional[int]) -> None:
        self.activity.append(Activity(repayment.date, _ACTIVITY_OF[applied_as], repayment.repayment_id, amount_fen))

    def refunded(self, on: date, refund_id: str, purchase_id: str, fen: int) -> None:
        self.activity.append(Activity(on, ACT_REFUND, refund_id, fen, purchase_id))

    def deferred(self, deferral: Deferral, fee_fen: int, new_due: date) -> None:
        self.activity.append(Activity(deferral.date, ACT_DEFERRAL, deferral.deferral_id, fee_fen,
                                      f"statement {deferral.statement_date} due {new_due}"))

    def converted(self, conversion: Conversion, amount_fen: int) -> None:
        self.activity.append(Activity(conversion.date, ACT_CONVERSION, conversion.conversion_id, amount_fen,
                                      f"statement {conversion.statement_date} into {conversion.terms} periods"))

    def waived(self, adjustment: Adjustment, amount_fen: int) -> None:
        self.activity.append(Activity(adjustment.date, ACT_WAIVER, adjustment.adjustment_id, amount_fen,
                                      _with_reason(adjustment.kind.removeprefix("waive_"), adjustment.reason)))

    def written_off(self, adjustment: Adjustment, amount_fen: int) -> None:
        self.activity.append(Activity(adjustment.date, ACT_WRITE_OFF, adjustment.adjustment_id, amount_fen,
                                      adjustment.reason))

    def issued_statements(self) -> tuple[Statement, ...]:
        return tuple(self.kept)


class AccountRecorder(_ActivityRecorder):
    """Keeps everything an ``Account`` holds: allocations, credit uses, activity, ``statements``."""

    allocation_lines = True

    def __init__(self, statements: str):
        super().__init__(statements)
        self.allocations: list[Allocation] = []
        self.credit_uses: list[Allocation] = []

    def credit_applied(self, on: date, used_fen: int, lines: list[AllocationLine]) -> None:
        self.credit_uses.append(Allocation(CREDIT_SOURCE, on, used_fen, "credit", "credit", tuple(lines)))
        self.activity.append(Activity(on, ACT_CREDIT_APPLIED, "", used_fen))

    def repaid(self, repayment: Repayment, amount_fen: int, applied_as: str, lines: list[AllocationLine],
               to_credit_fen: int, payoff_fen: Optional[int]) -> None:
        rid = repayment.repayment_id
        if to_credit_fen:
            lines.append(AllocationLine(rid, repayment.date, None, None, CREDIT, to_credit_fen))
        self.allocations.append(Allocation(rid, repayment.date, amount_fen, repayment.kind, applied_as,
                                           tuple(lines), payoff_fen))
        self.activity.append(Activity(repayment.date, _ACTIVITY_OF[applied_as], rid, amount_fen))


class LatestStatementRecorder(_ActivityRecorder):
    """Keeps the last statement only: no allocations, and activity only from the close of the
    statement before the last one on (the last statement lists only what follows that one)."""

    def __init__(self) -> None:
        super().__init__(STATEMENTS_LAST)
        self.listening = False

    def begin(self, first_month: int, last_month: int) -> None:
        super().begin(first_month, last_month)
        self.listening = last_month - 1 < first_month

    def statement_closed(self, month: int) -> None:
        self.activity.clear()
        self.mark = 0
        self.listening = month >= self.last_month - 1

    def late_fee_posted(self, on: date, fen: int) -> None:
        if self.listening:
            super().late_fee_posted(on, fen)

    def revolving_fee_posted(self, on: date, fen: int) -> None:
        if self.listening:
            super().revolving_fee_posted(on, fen)

    def credit_applied(self, on: date, used_fen: int, lines: list[AllocationLine]) -> None:
        if self.listening:
            super().credit_applied(on, used_fen, lines)

    def repaid(self, repayment: Repayment, amount_fen: int, applied_as: str, lines: list[AllocationLine],
               to_credit_fen: int, payoff_fen: Optional[int]) -> None:
        if self.listening:
            super().repaid(repayment, amount_fen, applied_as, lines, to_credit_fen, payoff_fen)

    def converted(self, conversion: Conversion, amount_fen: int) -> None:
        if self.listening:
            super().converted(conversion, amount_fen)

    def waived(self, adjustment: Adjustment, amount_fen: int) -> None:
        if self.listening:
            super().waived(adjustment, amount_fen)

    def written_off(self, adjustment: Adjustment, amount_fen: int) -> None:
        if self.listening:
            super().written_off(adjustment, amount_fen)
