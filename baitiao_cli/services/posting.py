"""Post a repayment, a deferral, a conversion, an adjustment (waiver, write-off) or a reversal to its journal
(SPEC 4.5, 4.6, 4.10, 4.11, 4.15, 6; docs/posting.md).

One workflow for the three journals, all of it inside ``journal_lock(data_dir)``::

    refuse_torn_journals   a journal whose last line is incomplete is never read or appended to
    load                   the whole data directory, validated (invalid data: refuse, write nothing)
    existing / conflict    the ref already in the journal: same content -> duplicate, else refuse
    (compute)              engine.ledger.post_repayment / post_deferral / post_conversion: dry run and
                           real run alike
    check_appendable       the exact bytes the append would write (JSON array, missing column...)
    append                 one write, fsynced (unless dry_run)

What differs between the journals (its file and columns, how a record reads as text, how the
engine applies a new record and how a retry is answered) is a small strategy: ``_Repayments``,
``_Deferrals``, ``_Conversions``, ``_Adjustments`` and ``_Reversals``. :func:`post` returns a :class:`Posted`; warnings go to the ``notify``
callback as they arise (so a warning printed before a refusal stays before it); refusals are
raised as ``RefusedError``, except the one a dry run shows first (``Posted.refusal_after_output``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any, Callable, Mapping, NamedTuple, Optional, Sequence, Union

from ..engine.account import (
    CREDIT, Account, AllocationLine, ConversionApplied, DeferralApplied, EngineWarning, WaiverApplied, WriteOffApplied,
)
from ..engine.model import (
    NO_CORRECTIONS, NORMAL, WRITE_OFF, Adjustment, Conversion, Corrections, Customer, Deferral, Repayment, Reversal,
    Txn,
)
from ..engine.money import money_str
from ..errors import DataError, Problem, RefusedError
from ..io.config import LoadedConfig

Notify = Callable[[str], None]

RECORDED = "recorded"
DUPLICATE = "duplicate"
DRY_RUN = "dry_run"

REPAYMENT_COLUMNS = ("repayment_id", "customer_id", "date", "amount", "kind", "channel")
DEFERRAL_COLUMNS = ("deferral_id", "customer_id", "statement_date", "date", "days")
CONVERSION_COLUMNS = ("conversion_id", "customer_id", "statement_date", "date", "amount", "terms", "fee_rate")
ADJUSTMENT_COLUMNS = ("adjustment_id", "customer_id", "date", "kind", "amount", "reason")
REVERSAL_COLUMNS = ("reversal_id", "target_id", "date", "reason")
Record = Union[Repayment, Deferral, Conversion, Adjustment, Reversal]


@dataclass(frozen=True)
class Posted:
    """What a posting did: the request as journal text, the outcome, the account after it."""

    status: str                              # recorded | duplicate | dry_run
    record: Mapping[str, str]                # the request as journal text (the JSON echoes it)
    customer_name: str
    journal: Path
    as_of: date
    policy: str                              # installments.early_settlement_fees
    back_dated: bool = False
    account: Optional[Account] = None        # repayment: the account after it (before it when refused)
    lines: tuple[AllocationLine, ...] = ()   # repayment: its allocation
    applied_as: Optional[str] = None
    payoff_fen: Optional[int] = None         # settle: the payoff on its date
    deferral: Optional[DeferralApplied] = None
    refused: Optional[str] = None            # the engine's refusal a dry run shows
    refusal_after_output: Optional[str] = None   # the CLI raises RefusedError(this) after the output
    new_warnings: tuple[EngineWarning, ...] = ()  # back-dated: what it made the rules refuse or change
    conversion: Optional[ConversionApplied] = None
    adjustment: Union[WaiverApplied, WriteOffApplied, None] = None   # waive / write-off: as the rules applied it
    before: Optional[Account] = None         # reverse / waive / write-off: the account without the record
    target: Optional[str] = None             # reverse: what the target is ("repayment", "deferral" ...)


class _Inputs(NamedTuple):
    """The posting customer's journals and config, loaded under the lock: what a strategy works on."""

    lc: LoadedConfig
    today: date
    journal: Path
    customer: Customer
    txns: Sequence[Txn]
    repayments: Sequence[Repayment]
    deferrals: Sequence[Deferral]
    notify: Notify
    conversions: Sequence[Conversion] = ()
    corrections: Corrections = NO_CORRECTIONS

    def replay(self) -> Account:
        from ..engine.ledger import STATEMENTS_NONE, replay

        return replay(self.customer, self.txns, self.repayments, self.deferrals, self.lc.config, self.today,
                      statements=STATEMENTS_NONE, conversions=self.conversions, corrections=self.corrections)

    def posted(self, status: str, new: Record, **outcome: Any) -> Posted:
        return Posted(status, _JOURNALS[type(new)].record(new), self.customer.name, self.journal, self.today,
                      self.lc.config.installments.early_settlement_fees, **outcome)

    def back_dated(self, what: str, when: date) -> bool:
        """Warn when the journals hold later-dated records of the same customer."""
        later = ([r for r in self.repayments if r.date > when] + [d for d in self.deferrals if d.date > when]
                 + [c for c in self.conversions if c.date > when]
                 + [a for a in self.corrections.adjustments if a.date > when])
        if not later:
            return False
        last = max(r.date for r in later)
        self.notify(f"back-dated {what}: the journal already holds {len(later)} later-dated record(s) of this "
                    f"customer (latest {last.isoformat()}); the journal is replayed by value date, so their "
                    f"allocations may shift")
        return True


class _Journal:
    """One journal: ``name`` (its file, and its records in the dataset), the record id field, the
    columns a record is written with, and what a record is called in messages."""

    name: str
    id_field: str
    columns: tuple[str, ...]
    what: str
    after_today = ""                         # the end of the "date after the business date" refusal

    def existing(self, dataset, ref: str):
        """The record already in the journal under ``ref``, if any."""
        return next((r for r in getattr(dataset, self.name) if getattr(r, self.id_field) == ref), None)

    def resolve(self, dataset, new: Any, retry: bool) -> Any:
        """``new`` ready for the customer's replay (a reversal learns its customer from its target)."""
        return new

    def compared(self, record: Mapping[str, str]) -> Mapping[str, str]:
        """What of a record an idempotent retry must repeat (all of it, unless said otherwise)."""
        return record

    def record(self, new: Any) -> dict[str, str]:
        """``new`` as journal text: what is appended, and what a recorded ref is compared by."""
        raise NotImplementedError

    def duplicate(self, inp: _Inputs, new: Any) -> Posted:
        """The answer to a retry of a recorded ref (the original's outcome; nothing written)."""
        raise NotImplementedError

    def fresh(self, inp: _Inputs, new: Any, dry_run: bool) -> Posted:
        """Apply a new record: refused by the rules, or checked and appended (unless ``dry_run``)."""
        raise NotImplementedError

    def applied(self, inp: _Inputs, records: Sequence, ref: str) -> Any:
        """The record ``ref`` as the rules applied it (None, the warning saying why told, when refused)."""
        found = next((a for a in records if getattr(a, self.id_field) == ref), None)
        if found is None:
            for w in inp.replay().warnings:
                if w.record_id == ref:
                    inp.notify(w)
        return found

    def append(self, inp: _Inputs, new: Any, dry_run: bool) -> str:
        """Check that ``new`` can be appended, append it unless ``dry_run``; the status to answer."""
        from ..io.journal import append_or_refuse, check_appendable

        record = self.record(new)
        check_appendable(inp.journal, record, self.columns)
        if not dry_run:
            append_or_refuse(inp.journal, record, self.columns)
        return DRY_RUN if dry_run else RECORDED


class _Repayments(_Journal):
    name, id_field, what, columns = "repayments", "repayment_id", "repayment", REPAYMENT_COLUMNS
    after_today = ": a payment cannot be posted before its value date"

    def record(self, r: Repayment) -> dict[str, str]:
        return {"repayment_id": r.repayment_id, "customer_id": r.customer_id, "date": r.date.isoformat(),
                "amount": money_str(r.amount), "kind": r.kind, "channel": r.channel}

    def duplicate(self, inp: _Inputs, new: Repayment) -> Posted:
        account = inp.replay()
        alloc = account.allocation(new.repayment_id)
        return inp.posted(DUPLICATE, new, account=account, lines=alloc.lines if alloc else (),
                          applied_as=alloc.applied_as if alloc else None,
                          payoff_fen=alloc.payoff_fen if alloc else None)

    def fresh(self, inp: _Inputs, new: Repayment, dry_run: bool) -> Posted:
        from ..engine.ledger import post_repayment

        back = inp.back_dated(self.what, new.date)
        post = post_repayment(inp.customer, inp.txns, inp.repayments, inp.deferrals, inp.lc.config, new, inp.today,
                              conversions=inp.conversions, corrections=inp.corrections)
        alloc = post.allocation
        assert alloc is not None
        status = DRY_RUN if dry_run else RECORDED
        if post.refusal is not None:             # a settle short of the payoff
            why = (f"{post.refusal} (installments.early_settlement_fees = "
                   f"{inp.lc.config.installments.early_settlement_fees}); an early "
                   "settlement must cover the payoff: nothing written")
            if not dry_run:
                raise RefusedError(why)
            # the operator's quote: the payoff on stdout, the refusal on stderr, exit 1
            return inp.posted(status, new, account=inp.replay(), payoff_fen=alloc.payoff_fen, back_dated=back,
                              refused=post.refusal, refusal_after_output=why)
        from ..io.journal import append_or_refuse, check_appendable, fit_record

        record = fit_record(inp.journal, self.record(new), {"kind": NORMAL})
        check_appendable(inp.journal, record, self.columns)
        caused: tuple[EngineWarning, ...] = ()
        if back:
            base = inp.replay()
            caused = tuple(w for w in post.account.warnings
                           if w not in base.warnings and w.record_id != new.repayment_id)
            for w in caused:
                inp.notify(f"after this repayment: {w}")
        if all(ln.component == CREDIT for ln in alloc.lines):
            inp.notify(f"nothing was owed on {new.date.isoformat()}: the whole amount becomes credit balance")
        if not dry_run:
            append_or_refuse(inp.journal, record, self.columns)
        return inp.posted(status, new, account=post.account, lines=alloc.lines, applied_as=alloc.applied_as,
                          payoff_fen=alloc.payoff_fen, back_dated=back, new_warnings=caused)


class _Deferrals(_Journal):
    name, id_field, what, columns = "deferrals", "deferral_id", "deferral", DEFERRAL_COLUMNS

    def record(self, d: Deferral) -> dict[str, str]:
        return {"deferral_id": d.deferral_id, "customer_id": d.customer_id,
                "statement_date": d.statement_date.isoformat(), "date": d.date.isoformat(), "days": str(d.days)}

    def duplicate(self, inp: _Inputs, new: Deferral) -> Posted:
        return inp.posted(DUPLICATE, new, deferral=self.applied(inp, inp.replay().deferrals, new.deferral_id))

    def fresh(self, inp: _Inputs, new: Deferral, dry_run: bool) -> Posted:
        from ..engine.ledger import post_deferral

        if new.statement_date > new.date:
            raise RefusedError(f"deferral refused: the statement of {new.statement_date.isoformat()} is not issued "
                               f"yet on {new.date.isoformat()} (a deferral is requested on or after its statement "
                               "date); nothing written")
        back = inp.back_dated(self.what, new.date)
        post = post_deferral(inp.customer, inp.txns, inp.repayments, inp.deferrals, inp.lc.config, new, inp.today,
                             conversions=inp.conversions, corrections=inp.corrections)
        if post.refusal is not None or post.deferral is None:
            raise RefusedError(f"deferral refused: {post.refusal or 'not applied'}; nothing written")
        return inp.posted(self.append(inp, new, dry_run), new, deferral=post.deferral, back_dated=back)


class _Conversions(_Journal):
    name, id_field, what, columns = "conversions", "conversion_id", "conversion", CONVERSION_COLUMNS

    def record(self, c: Conversion) -> dict[str, str]:
        return {"conversion_id": c.conversion_id, "customer_id": c.customer_id,
                "statement_date": c.statement_date.isoformat(), "date": c.date.isoformat(),
                "amount": money_str(c.amount), "terms": str(c.terms),
                "fee_rate": "" if c.fee_rate is None else str(c.fee_rate)}

    def duplicate(self, inp: _Inputs, new: Conversion) -> Posted:
        return inp.posted(DUPLICATE, new, conversion=self.applied(inp, inp.replay().conversions, new.conversion_id))

    def fresh(self, inp: _Inputs, new: Conversion, dry_run: bool) -> Posted:
        from ..engine.ledger import post_conversion

        back = inp.back_dated(self.what, new.date)
        post = post_conversion(inp.customer, inp.txns, inp.repayments, inp.deferrals, inp.conversions,
                               inp.lc.config, new, inp.today, corrections=inp.corrections)
        if post.refusal is not None or post.conversion is None:
            raise RefusedError(f"conversion refused: {post.refusal or 'not applied'}; nothing written")
        return inp.posted(self.append(inp, new, dry_run), new, conversion=post.conversion, back_dated=back)


class _Adjustments(_Journal):
    """Waivers and write-offs (SPEC 4.15): one journal, the kind says which."""

    name, id_field, what, columns = "adjustments", "adjustment_id", "adjustment", ADJUSTMENT_COLUMNS

    def record(self, a: Adjustment) -> dict[str, str]:
        return {"adjustment_id": a.adjustment_id, "customer_id": a.customer_id, "date": a.date.isoformat(),
                "kind": a.kind, "amount": "" if a.amount is None else money_str(a.amount), "reason": a.reason}

    def compared(self, record: Mapping[str, str]) -> Mapping[str, str]:
        # a write-off's amount is what the rules found on its date, not part of the request
        return {k: v for k, v in record.items() if k != "amount"} if record.get("kind") == WRITE_OFF else record

    @staticmethod
    def outcome(account: Account, ref: str) -> Union[WaiverApplied, WriteOffApplied, None]:
        if account.write_off is not None and account.write_off.adjustment_id == ref:
            return account.write_off
        return next((w for w in account.waivers if w.adjustment_id == ref), None)

    def duplicate(self, inp: _Inputs, new: Adjustment) -> Posted:
        account = inp.replay()
        found = self.outcome(account, new.adjustment_id)
        if found is None:
            self.applied(inp, (), new.adjustment_id)          # the warning saying why the rules ignore it
        return inp.posted(DUPLICATE, new, account=account, adjustment=found)

    def fresh(self, inp: _Inputs, new: Adjustment, dry_run: bool) -> Posted:
        from ..engine.ledger import post_adjustment

        what = "write-off" if new.kind == WRITE_OFF else "waiver"
        back = inp.back_dated(what, new.date)
        post = post_adjustment(inp.customer, inp.txns, inp.repayments, inp.deferrals, inp.conversions,
                               inp.corrections, inp.lc.config, new, inp.today)
        found = self.outcome(post.account, new.adjustment_id)
        if post.refusal is not None or found is None:
            raise RefusedError(f"{what} refused: {post.refusal or 'not applied'}; nothing written")
        if isinstance(found, WriteOffApplied):
            new = new._replace(amount=found.amount)     # the journal keeps what was written off
        before = inp.replay()
        return inp.posted(self.append(inp, new, dry_run), new, account=post.account, adjustment=found,
                          before=before, back_dated=back)


class _Reversals(_Journal):
    """Reversals (SPEC 4.11): the target names the record, and so the customer."""

    name, id_field, what, columns = "reversals", "reversal_id", "reversal", REVERSAL_COLUMNS

    def record(self, v: Reversal) -> dict[str, str]:
        return {"reversal_id": v.reversal_id, "target_id": v.target_id, "date": v.date.isoformat(),
                "reason": v.reason}

    def resolve(self, dataset, new: Reversal, retry: bool) -> Reversal:
        found = find_target(dataset, new.target_id)
        if found is None:
            if any(v.reversal_id == new.target_id for v in dataset.reversals):
                raise RefusedError(f"{new.target_id!r} is a reversal: a reversal is not reversed (post the record "
                                   "again under a new id); nothing written")
            raise RefusedError(f"unknown target {new.target_id!r}: not a repayment, deferral, conversion or "
                               "adjustment in the journals; nothing written")
        record, what = found
        if not retry:
            done = next((v for v in dataset.reversals if v.target_id == new.target_id), None)
            if done is not None:
                raise RefusedError(f"{what} {new.target_id!r} is already reversed by {done.reversal_id!r} (dated "
                                   f"{done.date.isoformat()}): a record is reversed once; nothing written")
            if new.date < record.date:
                raise RefusedError(f"--date {new.date.isoformat()} is before the {what} it reverses "
                                   f"({new.target_id}, dated {record.date.isoformat()}); nothing written")
        return new._replace(customer_id=record.customer_id)

    def duplicate(self, inp: _Inputs, new: Reversal) -> Posted:
        base = inp.corrections._replace(reversals=tuple(v for v in inp.corrections.reversals
                                                        if v.reversal_id != new.reversal_id))
        before = inp._replace(corrections=base).replay()
        return inp.posted(DUPLICATE, new, account=inp.replay(), before=before, target=self.target_kind(inp, new))

    @staticmethod
    def target_kind(inp: _Inputs, new: Reversal) -> str:
        for records, what in ((inp.repayments, "repayment"), (inp.deferrals, "deferral"),
                              (inp.conversions, "conversion"), (inp.corrections.adjustments, "adjustment")):
            if any(getattr(r, f"{what}_id") == new.target_id for r in records):
                return what
        return ""

    def fresh(self, inp: _Inputs, new: Reversal, dry_run: bool) -> Posted:
        from ..engine.ledger import post_reversal

        post = post_reversal(inp.customer, inp.txns, inp.repayments, inp.deferrals, inp.conversions,
                             inp.corrections, inp.lc.config, new, inp.today)
        return inp.posted(self.append(inp, new, dry_run), new, account=post.account, before=inp.replay(),
                          target=self.target_kind(inp, new))


def find_target(dataset, target_id: str) -> Optional[tuple[Any, str]]:
    """The repayment, deferral, conversion or adjustment ``target_id`` names, and what it is."""
    for records, what in ((dataset.repayments, "repayment"), (dataset.deferrals, "deferral"),
                          (dataset.conversions, "conversion"), (dataset.adjustments, "adjustment")):
        for r in records:
            if getattr(r, f"{what}_id") == target_id:
                return r, what
    return None


_JOURNALS: dict[type, _Journal] = {Repayment: _Repayments(), Deferral: _Deferrals(), Conversion: _Conversions(),
                                   Adjustment: _Adjustments(), Reversal: _Reversals()}


def post(lc: LoadedConfig, new: Record, today: date, *, dry_run: bool,
         encoding: Optional[str], notify: Notify) -> Posted:
    """Post ``new`` (a repayment, a deferral, a conversion, an adjustment or a reversal) as of the
    business date ``today``.

    Refused (``RefusedError``): a date after ``today``, an unknown customer or one not yet open,
    the same ref with different content, what the rules refuse, a torn or unappendable journal.
    A ref already recorded with the same content is answered ``duplicate`` and writes nothing.
    """
    from ..io.journal import journal_lock, journal_path, refuse_torn_journals

    journal = _JOURNALS[type(new)]
    ref = getattr(new, journal.id_field)
    if new.date > today:
        raise RefusedError(f"--date {new.date.isoformat()} is after the business date {today.isoformat()} "
                           f"(--as-of, default today in billing.timezone){journal.after_today}")
    data_dir = require_data_dir(lc.data_dir)
    with journal_lock(data_dir):
        refuse_torn_journals(data_dir)
        result = load(lc, encoding, notify)
        path = journal_path(data_dir, journal.name, result.files)
        old = journal.existing(result.dataset, ref)
        check_ref(journal.id_field, ref, path, None if old is None else journal.compared(journal.record(old)),
                  journal.compared(journal.record(new)))
        new = journal.resolve(result.dataset, new, retry=old is not None)
        customer, txns, reps, defs, convs, fixes = account_inputs(result, new.customer_id, new.date)
        inp = _Inputs(lc, today, path, customer, txns, reps, defs, notify, convs, fixes)
        if old is not None:                      # an idempotent retry: answer with the original
            return journal.duplicate(inp, new)
        return journal.fresh(inp, new, dry_run)


# --- the steps before the engine runs -------------------------------------------------------------

def require_data_dir(data_dir: Path) -> Path:
    from ..io.objstore import require_local

    require_local(data_dir, "posting")         # (the commands refuse it first, naming themselves)
    if not Path(data_dir).is_dir():
        raise DataError([Problem(str(data_dir), 0, "", "data directory not found (--data-dir or data.dir "
                                                       "in the config)")])
    return Path(data_dir)


def load(lc: LoadedConfig, encoding: Optional[str], notify: Notify):
    """The validated dataset (DataError on any invalid record: nothing is computed or written)."""
    from ..io.loader import load_dataset

    result = load_dataset(lc.data_dir, lc.config, encoding=encoding)
    for p in result.warnings:
        notify(str(p))
    return result


def check_ref(what: str, ref: str, path: Path, recorded: Optional[Mapping[str, str]],
              request: Mapping[str, str]) -> None:
    """Idempotency: a ref already in the journal must carry the same content (else refused)."""
    if recorded is None:
        return
    diffs = differences(recorded, {k: v for k, v in request.items() if k != what})
    if diffs:
        raise RefusedError(f"{what} {ref!r} is already in {path} with different content: "
                           + "; ".join(diffs) + ". Nothing written: a new record needs a new --ref "
                           "(see docs/posting.md to correct a mistake)")


def differences(journal: Mapping[str, str], request: Mapping[str, str]) -> list[str]:
    """The fields where a journal record and a request differ, in plain words."""
    out = []
    for k, v in request.items():
        old = journal.get(k, "")
        if old != v:
            out.append(f"{k} {old or '(empty)'} in the journal, {v or '(empty)'} in this request")
    return out


def account_inputs(result, cid: str, when: date):
    """The posting customer's row and events: refused when unknown or not yet open on ``when``."""
    from ..engine.ledger import group_by_customer

    ds = result.dataset
    cust = next((c for c in ds.customers if c.customer_id == cid), None)
    if cust is None:
        raise RefusedError(f"unknown customer {cid!r}: not in {result.files.get('customers', 'the customers file')}")
    if when < cust.opened_on:
        raise RefusedError(f"--date {when.isoformat()} is before the account of {cid!r} opened "
                           f"({cust.opened_on.isoformat()})")
    return (cust, *group_by_customer(ds, [cid], conversions=True)[cid])
