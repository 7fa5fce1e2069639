"""Customer features for the PD model, from the customer row and the replayed ledger (SPEC 4.8).

Pure: an :class:`~baitiao_cli.engine.account.Account` (replayed to a date with
``engine.ledger.replay``, any ``statements`` mode) in, plain numbers out (``int`` or
``Decimal``; ``None`` = missing, which the model bins on its own). No files, no clock.

"The last 12 months" on a date ``t`` is ``(t - 12 months, t]``; ``t - 12 months`` keeps the
day of month, clamped to the month's end (2028-02-29 - 12 months = 2027-02-28). An item's
*days past due* follow SPEC 4.7: ``day - due_date`` (the current, possibly deferred, due date).

====================== ======= ================================================================
feature                type    meaning (missing when ...)
====================== ======= ================================================================
months_on_book         int     whole months from ``opened_on`` to the date (0 in the first month;
                               0 before opening)
on_time_share          Decimal share of the billed items due in the last 12 months that were paid
                               in full by ``due_date + grace_days``, 4 places, 0..1. Counted:
                               items with something to pay (principal less refunds, plus fee,
                               above 0) whose outcome is known on the date (paid in full, or
                               still unpaid after ``due + grace``). Missing: no such item.
worst_dpd_12m          int     the worst days past due any item reached in the last 12 months:
                               for an item paid in full ``paid_on - due_date``, for one still
                               unpaid ``date - due_date``; only items overdue at some time in the
                               window (unpaid, or paid in full inside it); 0 when none.
current_dpd            int     days past due of the account on the date (its oldest overdue item,
                               grace considered; 0 when not overdue)
utilisation            Decimal unpaid principal (billed and unbilled) / the reference limit, 4
                               places (above 1 is possible). Reference limit: the manual
                               ``credit_limit`` when the customer has one, else the limit the
                               *best* grade would give (its ``base_limit``, capped by
                               ``income_multiple x monthly_income``, rounded down to
                               ``limit_step``): it never depends on the score itself, so there is
                               no circularity. Missing: the reference limit is 0 (income 0).
avg_monthly_spend_12m  Decimal purchases (gross amount, by purchase date) in the last 12 months
                               divided by the months the account was open in that window (1..12;
                               the current month counts as one), 2 places
spend_trend            Decimal average monthly purchases of the last 3 months / that of the 9
                               months before (each over the months the account was open in it),
                               4 places, capped at 10 (also when only the last 3 months have
                               spending). Missing: open for 3 months or less, or no purchase in
                               the whole 12 months.
active_installment_plans int   installment purchases (3+ periods) with principal still to pay,
                               billed or not (settled and fully refunded ones do not count)
refund_share           Decimal refunds of the purchases made in the last 12 months / their
                               amount, 4 places, 0..1. Missing: no purchase in the window.
monthly_income         Decimal declared monthly income from the customers file. Missing: not
                               declared.
====================== ======= ================================================================
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import TYPE_CHECKING, Any, Callable, Iterable, Mapping, Optional, Sequence, Union

from .account import Account, Item

if TYPE_CHECKING:
    from .config import Config
    from .model import Dataset
    from .scoring import Scoring

Number = Union[int, Decimal]

WINDOW_MONTHS = 12
RECENT_MONTHS = 3
TREND_CAP = Decimal("10")
DEFAULT_DPD = 91            # "90+": more than 90 days past due (M4 and worse, IFRS 9 stage 3)
_RATIO = Decimal("0.0001")
_MONEY = Decimal("0.01")

FEATURE_NAMES: tuple[str, ...] = (
    "months_on_book", "on_time_share", "worst_dpd_12m", "current_dpd", "utilisation",
    "avg_monthly_spend_12m", "spend_trend", "active_installment_plans", "refund_share", "monthly_income",
)

#: One line per feature: what it measures (the docstring table has the exact rules).
MEANINGS: dict[str, str] = {
    "months_on_book": "whole months since the account opened",
    "on_time_share": "share of the bills due in the last 12 months paid in full by the due date (+ grace)",
    "worst_dpd_12m": "worst days past due reached by any bill in the last 12 months",
    "current_dpd": "days past due today (oldest overdue bill)",
    "utilisation": "unpaid principal / credit limit (manual limit, else the best grade's limit for the income)",
    "avg_monthly_spend_12m": "average monthly purchases over the last 12 months (months open)",
    "spend_trend": "monthly purchases in the last 3 months / in the 9 months before (capped at 10)",
    "active_installment_plans": "installment purchases with principal still to pay",
    "refund_share": "share of the last 12 months' purchases refunded",
    "monthly_income": "declared monthly income",
}


# --- dates ----------------------------------------------------------------------------------------

def add_months(d: date, n: int) -> date:
    """``d`` moved by ``n`` months, the day clamped to the month's end (01-31 + 1 -> 02-28/29)."""
    m = d.year * 12 + d.month - 1 + n
    y, mo = m // 12, m % 12 + 1
    return date(y, mo, min(d.day, calendar.monthrange(y, mo)[1]))


def months_between(start: date, end: date) -> int:
    """Whole months from ``start`` to ``end`` (0 when ``end`` is before ``start``).

    A month is complete on the same day of the next month, or on its last day when that month
    is shorter: 2025-01-31 -> 2025-02-27 is 0, -> 2025-02-28 is 1, -> 2025-03-30 is 1.
    """
    if end <= start:
        return 0
    n = (end.year - start.year) * 12 + end.month - start.month
    if add_months(start, n) > end:
        n -= 1
    return max(0, n)


def _months_open(opened_on: date, start: date, end: date) -> int:
    """Months the account was open within ``(start, end]``: whole months, the partial one counted
    as a month; at least 1 when it was open at all, at most the window length."""
    window = months_between(start, end)
    if opened_on <= start:
        return window
    return min(window, months_between(opened_on, end) + 1)


def _ratio(num: Number, den: Number) -> Decimal:
    return (Decimal(num) / Decimal(den)).quantize(_RATIO, rounding=ROUND_HALF_UP)


# --- item history ---------------------------------------------------------------------------------

def _to_pay_fen(i: Item) -> int:
    return i.principal_fen - i.principal_refunded_fen + i.fee_fen


def current_dpd(account: "Account") -> int:
    """Days past due on the account's date; a written-off account (SPEC 4.15, out of the overdue
    report) keeps counting from its DPD on the write-off date."""
    wo = account.write_off
    if wo is None:
        return account.overdue.dpd
    return wo.dpd + (account.as_of - wo.date).days


def worst_dpd_between(items: Iterable[Item], start: date, end: date) -> int:
    """Worst days past due any item reached in ``(start, end]`` (0 when none was overdue).

    An item counts when it was due before ``end`` and was still unpaid at some time after
    ``start`` (not paid in full, or paid in full after ``start``): it reached
    ``min(paid_on, end) - due_date`` (unpaid: ``end - due_date``). Items replayed to ``end``
    or later give the history up to ``end``; a ``paid_on`` after ``end`` is cut at ``end``.
    """
    worst = 0
    for i in items:
        due = i.due_date
        if due >= end or _to_pay_fen(i) <= 0:
            continue
        paid = i.paid_on
        if paid is not None and paid <= start:
            continue
        last = end if paid is None or paid > end else paid
        dpd = (last - due).days
        if dpd > worst:
            worst = dpd
    return worst


def on_time_share(items: Iterable[Item], start: date, end: date, grace_days: int) -> Optional[Decimal]:
    """Share of the items due in ``(start, end]`` whose outcome is known on ``end`` that were paid in
    full by ``due + grace_days``; None when there is none."""
    counted = on_time = 0
    for i in items:
        due = i.due_date
        if not (start < due <= end) or _to_pay_fen(i) <= 0:
            continue
        paid = i.paid_on if i.paid_on is not None and i.paid_on <= end else None
        deadline = due.toordinal() + grace_days
        if paid is not None:
            counted += 1
            on_time += paid.toordinal() <= deadline
        elif end.toordinal() > deadline:
            counted += 1
    return _ratio(on_time, counted) if counted else None


# --- statement history when the minimum payment is on (SPEC 4.9) ---------------------------------

def worst_dpd_by_minimum(history: Sequence[Any], start: date, end: date, grace_days: int) -> int:
    """Worst DPD in ``(start, end]`` by the minimum rule (SPEC 4.9). Statement k is S* from the day
    after its due + grace to the due + grace of the next; while its minimum is unpaid the account
    is overdue, counted from the due date of the first statement in the run of minimums still
    unpaid at the next statement. The DPD reached in that stretch is ``min(met_on, end of the
    stretch, end) - that due date``, as the item rule counts a bill paid late (``paid_on - due``)."""
    worst = 0
    for k, rec in enumerate(history):
        first = rec.due_date + timedelta(days=grace_days + 1)
        if rec.minimum_fen <= 0 or (rec.met_on is not None and rec.met_on < first) or first > end:
            continue
        last = end
        if k + 1 < len(history):
            last = min(last, history[k + 1].due_date + timedelta(days=grace_days))
        if rec.met_on is not None:
            last = min(last, rec.met_on)
        if last <= start or last < first:
            continue
        j = k
        while j > 0 and history[j - 1].missed_at_next:
            j -= 1
        worst = max(worst, (last - history[j].due_date).days)
    return worst


def on_time_share_by_minimum(history: Sequence[Any], start: date, end: date, grace_days: int) -> Optional[Decimal]:
    """Share of the statements due in ``(start, end]`` with a minimum to pay and a known outcome on
    ``end`` whose minimum was met by due + ``grace_days``; None when there is none."""
    counted = on_time = 0
    for rec in history:
        due = rec.due_date
        if not (start < due <= end) or rec.minimum_fen <= 0:
            continue
        deadline = due + timedelta(days=grace_days)
        met = rec.met_on if rec.met_on is not None and rec.met_on <= end else None
        if met is not None or end > deadline:
            counted += 1
            on_time += met is not None and met <= deadline
    return _ratio(on_time, counted) if counted else None


def worst_dpd(account: Account, start: date, end: date) -> int:
    """Worst DPD in ``(start, end]``: by the items (SPEC 4.7), or by the minimum when it is on (4.9)."""
    if account.minimum_status is not None:
        return worst_dpd_by_minimum(account.minimum_history, start, end, account.grace_days)
    return worst_dpd_between(account.items, start, end)


# --- the features ---------------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class CustomerFeatures:
    """The features of one customer on ``as_of`` (see the module docstring for each)."""

    customer_id: str
    as_of: date
    months_on_book: int
    on_time_share: Optional[Decimal]
    worst_dpd_12m: int
    current_dpd: int
    utilisation: Optional[Decimal]
    avg_monthly_spend_12m: Decimal
    spend_trend: Optional[Decimal]
    active_installment_plans: int
    refund_share: Optional[Decimal]
    monthly_income: Optional[Decimal]
    reference_limit: Optional[Decimal] = None    # the limit utilisation was measured against
    unpaid_principal: Decimal = Decimal("0.00")

    def as_dict(self) -> dict[str, Optional[Number]]:
        """The model features by name, in ``FEATURE_NAMES`` order."""
        return {name: getattr(self, name) for name in FEATURE_NAMES}


def reference_limit(customer: Any, scoring: "Scoring") -> Decimal:
    """The limit utilisation is measured against: the manual ``credit_limit`` when set, else the
    limit of the best grade (highest ``min_score``) for the customer's income. Never the scored
    limit (that would make the score depend on itself)."""
    from .scoring import credit_limit

    if customer.credit_limit is not None:
        return customer.credit_limit
    best = max(scoring.grades, key=lambda g: g.min_score)
    return credit_limit(best, monthly_income=customer.monthly_income, income_multiple=scoring.income_multiple,
                        step=scoring.limit_step)


def customer_features(account: Account, ref_limit: Optional[Decimal]) -> CustomerFeatures:
    """Features of the account's customer on ``account.as_of``.

    ``ref_limit``: the reference limit for utilisation (``reference_limit(customer, scoring)``);
    None or 0 gives a missing utilisation.
    """
    c = account.customer
    t = account.as_of
    start12 = add_months(t, -WINDOW_MONTHS)
    start3 = add_months(t, -RECENT_MONTHS)
    items = account.items

    # spending: purchases by date (gross), and the refunds of those purchases
    spend12 = spend3 = refunded12 = 0
    for p in account.purchases:
        if start12 < p.date <= t:
            spend12 += p.amount_fen
            refunded12 += p.refunded_fen
            if p.date > start3:
                spend3 += p.amount_fen
    open12 = max(1, _months_open(c.opened_on, start12, t)) if c.opened_on <= t else 1
    avg12 = (Decimal(spend12) / 100 / open12).quantize(_MONEY, rounding=ROUND_HALF_UP)
    trend: Optional[Decimal] = None
    open3 = _months_open(c.opened_on, start3, t)
    open_prev = _months_open(c.opened_on, start12, start3) if c.opened_on < start3 else 0
    if open_prev > 0 and spend12 > 0:
        prev = spend12 - spend3
        if prev == 0:
            trend = TREND_CAP.quantize(_RATIO)
        else:
            trend = min(TREND_CAP.quantize(_RATIO), _ratio(Decimal(spend3) * open_prev, Decimal(prev) * max(1, open3)))

    # installment plans with principal still to pay (billed or not)
    running = {s.txn_id for s in account.scheduled if s.periods > 1}
    running.update(i.txn_id for i in items if i.periods > 1 and i.outstanding_principal_fen > 0)
    settled = {p.txn_id for p in account.purchases if p.settled_on is not None}
    plans = len(running - settled)

    unpaid = account.unpaid_principal_fen
    util: Optional[Decimal] = None
    if ref_limit is not None and ref_limit > 0:
        util = _ratio(Decimal(unpaid) / 100, ref_limit)

    return CustomerFeatures(
        customer_id=c.customer_id,
        as_of=t,
        months_on_book=months_between(c.opened_on, t),
        on_time_share=(on_time_share(items, start12, t, account.grace_days) if account.minimum_status is None
                       else on_time_share_by_minimum(account.minimum_history, start12, t, account.grace_days)),
        worst_dpd_12m=worst_dpd(account, start12, t),
        current_dpd=current_dpd(account),
        utilisation=util,
        avg_monthly_spend_12m=avg12,
        spend_trend=trend,
        active_installment_plans=plans,
        refund_share=_ratio(refunded12, spend12) if spend12 else None,
        monthly_income=c.monthly_income,
        reference_limit=ref_limit,
        unpaid_principal=Decimal(unpaid).scaleb(-2),
    )


def model_row(features: Mapping[str, Optional[Number]]) -> dict[str, Optional[float]]:
    """The features as the model's binning reads them: numbers as floats, missing as None.

    These are statistics for the WOE lookup, never money paths (``# float-ok``)."""
    return {k: (None if v is None else float(v)) for k, v in features.items()}  # float-ok: model input


def feature_text(value: Optional[Number]) -> Optional[Union[int, str]]:
    """A feature value for JSON/CSV: ints stay ints, Decimals become their exact text, None stays."""
    if value is None or isinstance(value, int):
        return value
    return str(value)


# --- reasons in plain words ---------------------------------------------------------------------

def _pct(x: Decimal) -> str:
    return f"{(x * 100).quantize(Decimal('1'), rounding=ROUND_HALF_UP)}%"


_PERCENT_FEATURES = frozenset({"on_time_share", "utilisation", "refund_share"})
_MONEY_FEATURES = frozenset({"avg_monthly_spend_12m", "monthly_income"})
_COUNT_FEATURES = frozenset({"months_on_book", "worst_dpd_12m", "current_dpd", "active_installment_plans"})
_MISSING_TEXT = {
    "on_time_share": "no bill due in the last 12 months",
    "utilisation": "no credit limit to measure against",
    "spend_trend": "too little history for a trend",
    "refund_share": "no purchase in the last 12 months",
    "monthly_income": "no income declared",
}


def value_text(name: str, x: Any) -> str:
    """A value (or a bin's cut point) of a feature in its reading unit: percent, money, ratio, count."""
    d = x if isinstance(x, Decimal) else Decimal(str(x))
    if name in _PERCENT_FEATURES:
        return f"{(d * 100).quantize(Decimal('0.01'), rounding=ROUND_HALF_UP).normalize():f}%"
    if name in _MONEY_FEATURES:
        return str(d.quantize(_MONEY, rounding=ROUND_HALF_UP))
    if name == "spend_trend":
        return str(d.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP))
    return f"{d.normalize():f}"


def bin_text(name: str, lower: Any, upper: Any, missing: bool = False) -> str:
    """A model bin of a feature in plain words: ``below 1``, ``27300.00 or more``, ``from 5% to below 12%``."""
    if missing:
        return _MISSING_TEXT.get(name, "missing")
    if lower is None and upper is None:
        return "any value"
    if name in _COUNT_FEATURES and (upper is None or upper == int(upper)) and (lower is None or lower == int(lower)):
        # whole numbers: "below 1" is 0, [1, 19) is 1 to 18
        hi = None if upper is None else int(upper) - 1
        if lower is None:
            return f"{hi}" if hi == 0 else f"{hi} or less"
        if hi is None:
            return f"{int(lower)} or more"
        return f"{int(lower)}" if hi == int(lower) else f"{int(lower)} to {hi}"
    if lower is None:
        return f"below {value_text(name, upper)}"
    if upper is None:
        return f"{value_text(name, lower)} or more"
    return f"from {value_text(name, lower)} to below {value_text(name, upper)}"


def reason_text(name: str, value: Optional[Number], best: Optional[str] = None) -> str:
    """The adverse-action reason for a feature that cost points, in plain words with the value;
    ``best`` (a ``bin_text``) names the range that scores best, shown after it."""
    text = _reason_words(name, value)
    return f"{text} (best-scoring: {best})" if best else text


# feature -> (the words when it has no value, else None; the words for a value). "No value" is None,
# and also 0 for the DPD features (nothing past due).
_REASON_WORDS: dict[str, tuple[Optional[str], Callable[[Any], str]]] = {
    "months_on_book": (None, lambda v: f"short history with us: {v} month{'s' if v != 1 else ''} since the "
                                       "account opened"),
    "on_time_share": ("no bill was due in the last 12 months: no repayment record yet",
                      lambda v: f"bills paid on time: {_pct(Decimal(v))} of those due in the last 12 months"),
    "worst_dpd_12m": ("repayment record of the last 12 months",
                      lambda v: f"a bill was {v} days past due in the last 12 months"),
    "current_dpd": ("current repayment status", lambda v: f"{v} days past due now"),
    "utilisation": ("no credit limit to measure the use of credit against",
                    lambda v: f"credit in use: {_pct(Decimal(v))} of the credit limit"),
    "avg_monthly_spend_12m": (None, lambda v: f"spending level: {Decimal(v or 0).quantize(_MONEY)} a month on "
                                              "average over the last 12 months"),
    "spend_trend": ("too little spending history to see a trend",
                    lambda v: f"spending in the last 3 months is {Decimal(v).quantize(Decimal('0.01'))} times "
                              "the monthly level of the 9 months before"),
    "active_installment_plans": (None, lambda v: f"{v} installment plan{'s' if v != 1 else ''} still running"),
    "refund_share": ("no purchase in the last 12 months",
                     lambda v: f"refunds: {_pct(Decimal(v))} of the last 12 months' purchases"),
    "monthly_income": ("no monthly income declared",
                       lambda v: f"declared monthly income {Decimal(v).quantize(_MONEY)}"),
}
_ZERO_IS_NO_VALUE = frozenset({"worst_dpd_12m", "current_dpd"})


def _reason_words(name: str, value: Optional[Number]) -> str:
    entry = _REASON_WORDS.get(name)
    if entry is None:
        return name
    no_value, words = entry
    absent = not value if name in _ZERO_IS_NO_VALUE else value is None
    return no_value if no_value is not None and absent else words(value)


# --- a population with its label: training from the history --------------------------------------

@dataclass(frozen=True, slots=True)
class HistoryRow:
    customer_id: str
    features: CustomerFeatures
    worst_dpd_after: int          # worst DPD reached in (observation, window_end]
    bad: int                      # 1 when worst_dpd_after >= DEFAULT_DPD


@dataclass(frozen=True, slots=True)
class HistorySample:
    observation_date: date
    window_end: date
    rows: tuple[HistoryRow, ...]           # customer_id order
    opened_after: int                      # customers left out: opened after the observation date
    in_default: int                        # customers left out: already 90+ DPD on the observation date

    @property
    def bads(self) -> int:
        return sum(r.bad for r in self.rows)


def data_end(dataset: "Dataset") -> Optional[date]:
    """The latest event date of the data (transactions, repayments, deferral requests)."""
    dates = [t.date for t in dataset.transactions]
    dates += [r.date for r in dataset.repayments]
    dates += [d.date for d in dataset.deferrals]
    return max(dates) if dates else None


def history_sample(dataset: "Dataset", cfg: "Config", scoring: "Scoring", observation: date,
                   window_end: date) -> HistorySample:
    """Features of every customer on ``observation`` and the label: reached 90+ DPD (more than 90
    days past due, as the overdue report counts it) on some item in ``(observation, window_end]``.

    Left out: customers opened after ``observation`` (no history to score), and customers
    already more than 90 days past due on it (in default already: the model predicts for the
    performing book). Each customer is replayed twice (to ``observation`` and to ``window_end``)
    in the fast ``statements="none"`` mode.
    """
    from .ledger import STATEMENTS_NONE, group_by_customer, replay

    groups = group_by_customer(dataset, conversions=True)
    rows = []
    opened_after = in_default = 0
    for c in sorted(dataset.customers, key=lambda x: x.customer_id):
        if c.opened_on > observation:
            opened_after += 1
            continue
        txns, reps, defs, convs, fixes = groups[c.customer_id]
        now = replay(c, txns, reps, defs, cfg, observation, statements=STATEMENTS_NONE, conversions=convs,
                     corrections=fixes)
        if current_dpd(now) >= DEFAULT_DPD:
            in_default += 1
            continue
        feats = customer_features(now, reference_limit(c, scoring))
        later = replay(c, txns, reps, defs, cfg, window_end, statements=STATEMENTS_NONE, conversions=convs,
                       corrections=fixes)
        worst = worst_dpd(later, observation, window_end)
        rows.append(HistoryRow(c.customer_id, feats, worst, int(worst >= DEFAULT_DPD)))
    return HistorySample(observation, window_end, tuple(rows), opened_after, in_default)


def feature_columns(rows: Sequence[HistoryRow]) -> dict[str, list[Optional[float]]]:
    """The sample's features by column, as the trainer reads them (floats, None = missing)."""
    cols: dict[str, list[Optional[float]]] = {n: [] for n in FEATURE_NAMES}
    for r in rows:
        for k, v in model_row(r.features.as_dict()).items():
            cols[k].append(v)
    return cols
