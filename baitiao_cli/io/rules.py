"""The rules between fields, records and files, each written once for both drivers.

- ``duplicate_id``: the first row with an id decides; a later one is rejected.
- ``CustomerIndex``: a record must name an accepted customer (and says so when its customer
  was rejected).
- ``before_opening``: a record may not be dated before its customer's account opened.
- ``refund_or_purchase``, ``high_fee_rate``: the rules between the fields of a transaction.
- ``personal_numbers``: a phone must be a mainland mobile number, an ID number 18 characters with a
  real birth date and the right GB 11643 check digit: warnings only.
- ``check_refunds``: refunds against the purchases they name, once the whole file is read.

A row rule is ``rule(load, row, values, customer, line) -> bad`` (``load`` is the
``rows.FileLoad`` of the file: ``add`` a Problem, ``cell`` of a row by column name); a
column rule is ``rule(load, values, column, n) -> clean`` over a chunk (``values`` by field
name, ``column(name)`` the raw texts) and never reports: a chunk it refuses goes to the rows.
"""

from __future__ import annotations

from bisect import bisect_left
from itertools import compress, repeat
from operator import attrgetter, is_, lt
from typing import Callable, Optional

from ..engine.model import PURCHASE, REFUND, WRITE_OFF
from ..errors import Problem
from .fields import ALL_CIDS, MISSING, all_match, clean_ids, message
from .parse import CUSTOMER_ID, FEE_RATE_WARN, parse_customer_id
from .personal import personal_numbers, personal_numbers_column

_opened_on = attrgetter("opened_on")
_customer_id = attrgetter("customer_id")


# --- ids -----------------------------------------------------------------------------------------

def duplicate_id(first: dict, record_id: str, line: int, field: str) -> Optional[str]:
    """Why a row is rejected as a repeat of an earlier id (None for the first row with it)."""
    first_line = first.setdefault(record_id, line)
    if first_line != line:
        return f"duplicate {field} {record_id!r} (first on line {first_line})"
    return None


def new_ids(ids, first: Optional[dict], careful: bool, n: int) -> bool:
    """No id twice in the chunk; once a file has shown a duplicate (``careful``), none seen
    in an earlier chunk either -- until then the column driver finds that out as it records
    the ids, one probe of the big table per id instead of two. (``first`` is None in a share
    load, which checks the ids of every row itself: ``io.share_load``.)"""
    return first is None or (len(set(ids)) == n and (not careful or first.keys().isdisjoint(ids)))


# --- customers -------------------------------------------------------------------------------------

class CustomerIndex:
    """The accepted customers, and where the rejected ones were, for the dependent files.

    ``ok`` is False when the customers file is missing or unusable: then the dependent
    files are checked row by row but not against customers, and nothing of them is accepted.
    """

    def __init__(self, loaded, label: str):
        self.ok = loaded is not None and loaded.usable
        self.by_id = {c.customer_id: c for c in loaded.records} if self.ok else {}
        self.rejected = loaded.rejected_ids if loaded is not None else {}
        self.label = label

    def problem(self, cid: str) -> str:
        """Why a record of customer ``cid`` (not accepted) is rejected."""
        line = self.rejected.get(cid)
        if line is not None:
            return f"customer {cid!r} was rejected ({self.label}:{line}); record skipped"
        return f"unknown customer {cid!r} (not in {self.label})"

    def resolve(self, raw_cell: str, label: str, line: int, add) -> tuple:
        """The slow path of a customer_id cell: ``(customer_id, Customer or None, bad)``."""
        cid = raw_cell.strip()
        if not CUSTOMER_ID.match(cid):
            add(Problem(label, line, "customer_id", message(parse_customer_id, cid)))
            return None, None, True
        if not self.ok:
            return cid, None, False            # not checked: the whole file is refused later
        cust = self.by_id.get(cid)
        if cust is None:
            add(Problem(label, line, "customer_id", self.problem(cid)))
            return cid, None, True
        return cust.customer_id, cust, False

    def column(self, cids, dates: list, custs: Optional[list] = None) -> Optional[list]:
        """The customer_id of each row, as the accepted Customer spells it (one shared string);
        None when a customer is unknown or rejected, or a row is dated before its account
        opened (refunds too: stricter than the rows, which is safe). Without accepted
        customers the ids are only checked for form. ``custs``: each row's Customer, already
        looked up by the caller (a share load)."""
        if not self.ok:
            return cids if all_match(ALL_CIDS, cids) else None
        if custs is None:
            custs = list(map(self.by_id.get, cids))
        if not all(custs) or any(map(lt, dates, map(_opened_on, custs))):
            return None
        return list(map(_customer_id, custs))


def before_opening(load, line: int, what: str, d, cust) -> bool:
    """A record of ``cust`` dated ``d`` before the account opened: reported (True), else False."""
    if cust is None or d is None or not d < cust.opened_on:
        return False
    load.add(Problem(load.label, line, "date",
                     f"{what} dated {d.isoformat()} is before the account of {cust.customer_id!r} "
                     f"opened ({cust.opened_on.isoformat()})"))
    return True


def repayment_before_opening(load, row, values, cust, line) -> bool:
    return before_opening(load, line, "repayment", values["date"], cust)


def deferral_before_opening(load, row, values, cust, line) -> bool:
    return before_opening(load, line, "deferral request", values["date"], cust)


def conversion_before_opening(load, row, values, cust, line) -> bool:
    return before_opening(load, line, "conversion request", values["date"], cust)


def conversion_priced(load, row, values, cust, line) -> bool:
    """A conversion without a fee_rate needs a term that ``conversion.fee_rates`` prices."""
    terms = values["terms"]
    if terms is None or values["fee_rate"] is not None or terms in load.parsers["conversion_terms"].priced:
        return False
    load.add(Problem(load.label, line, "terms", f"no conversion.fee_rates entry for {terms} periods and no "
                                                "fee_rate given"))
    return True


def conversion_priced_column(load, values, column, n: int) -> bool:
    priced = load.parsers["conversion_terms"].priced
    return all(r is not None or t in priced for t, r in zip(values["terms"], values["fee_rate"]))


# --- the fields of a transaction ---------------------------------------------------------------

def refund_or_purchase(load, row, values, cust, line) -> bool:
    """A refund names the purchase it refunds, and its terms and fee rate are ignored (1, None);
    a purchase names no other transaction and is not dated before the account opened."""
    label, add = load.label, load.add
    ref = values["ref_txn_id"]
    typ = values["type"]
    if typ is REFUND:
        s = row[load.index["installments"]].strip()
        if s and load.parsers["installments"].table.get(s) != 1:
            add(Problem(label, line, "installments", f"ignored for a refund: {s!r}", "warning"))
        f = row[load.index["fee_rate"]].strip()
        if f:
            add(Problem(label, line, "fee_rate", f"ignored for a refund: {f!r}", "warning"))
        values["installments"] = 1
        values["fee_rate"] = None
        if ref is None:
            add(Problem(label, line, "ref_txn_id", "missing required value: a refund must name "
                                                   "the purchase it refunds"))
            return True
        values["refund_at"] = True             # (checked against its purchase: ``check_refunds``)
    elif typ is PURCHASE:
        bad = False
        if ref is not None:
            add(Problem(label, line, "ref_txn_id", f"a purchase cannot refer to another "
                                                   f"transaction ({ref!r}); is type 'refund' missing?"))
            bad = True
        return before_opening(load, line, "purchase", values["date"], cust) or bad
    return False


def refund_or_purchase_column(load, values, column, n: int) -> bool:
    """Refunds are clean here only in their plain form (a ``ref_txn_id``, no installments or
    fee rate); a purchase must not name a ``ref_txn_id``. Anything else goes to the rows."""
    refs = column("ref_txn_id")
    refund_at = list(compress(range(n), map(is_, values["type"], repeat(REFUND))))
    n_refs = n - refs.count("")
    if refund_at or n_refs:
        if n_refs != len(refund_at):
            return False
        insts, fees = values["installments"], column("fee_rate")
        for k in refund_at:
            if not refs[k] or insts[k] != 1 or fees[k] != "":
                return False
        if not clean_ids([refs[k] for k in refund_at]):
            return False
    values["refund_at"] = refund_at
    return True


def high_fee_rate(load, row, values, cust, line) -> bool:
    """A per-period fee rate this high is almost surely a percentage typed as a fraction: kept
    (the data is the data), with a warning."""
    rate = values["fee_rate"]
    if rate is not None and rate >= FEE_RATE_WARN:
        f = row[load.index["fee_rate"]].strip()
        load.add(Problem(load.label, line, "fee_rate", f"{f} is {rate * 100}% per period (an annualized "
                         f"rate above 100%); kept as given — did you mean {rate / 100}?", "warning"))
    return False


def high_fee_rate_column(load, values, column, n: int) -> bool:
    return all(r < FEE_RATE_WARN for r in set(values["fee_rate"]) if r is not None)


def adjustment_before_opening(load, row, values, cust, line) -> bool:
    return before_opening(load, line, "adjustment", values["date"], cust)


def limit_before_opening(load, row, values, cust, line) -> bool:
    return before_opening(load, line, "credit-line change", values["date"], cust)


def limit_given(load, row, values, cust, line) -> bool:
    """A credit-line change names the new limit (0 closes the line)."""
    if values["credit_limit"] is not None:
        return False
    load.add(Problem(load.label, line, "credit_limit", MISSING))
    return True


def limit_given_column(load, values, column, n: int) -> bool:
    return None not in values["credit_limit"]


def waiver_amount(load, row, values, cust, line) -> bool:
    """A waiver forgives an amount above 0; a write-off's amount is for the record (may be empty)."""
    kind, amount = values["kind"], values["amount"]
    if kind is None or kind == WRITE_OFF or (amount is not None and amount > 0):
        return False
    load.add(Problem(load.label, line, "amount", f"a {kind} adjustment needs an amount above 0"
                                                 + (f", got {amount}" if amount is not None else "")))
    return True


def waiver_amount_column(load, values, column, n: int) -> bool:
    return all(k == WRITE_OFF or (a is not None and a > 0) for k, a in zip(values["kind"], values["amount"]))


def checked_with_customers(load, values, column, n: int) -> bool:
    """The column form of the before-opening rules: ``CustomerIndex.column`` checks every row."""
    return True


ROW_RULES = {"refund_or_purchase": refund_or_purchase, "high_fee_rate": high_fee_rate,
             "repayment_before_opening": repayment_before_opening,
             "deferral_before_opening": deferral_before_opening,
             "conversion_before_opening": conversion_before_opening, "conversion_priced": conversion_priced,
             "adjustment_before_opening": adjustment_before_opening, "waiver_amount": waiver_amount,
             "limit_before_opening": limit_before_opening, "limit_given": limit_given}
COLUMN_RULES = {"refund_or_purchase": refund_or_purchase_column, "high_fee_rate": high_fee_rate_column,
                "repayment_before_opening": checked_with_customers, "deferral_before_opening": checked_with_customers,
                "conversion_before_opening": checked_with_customers, "conversion_priced": conversion_priced_column,
                "adjustment_before_opening": checked_with_customers, "waiver_amount": waiver_amount_column,
                "limit_before_opening": checked_with_customers,
                "limit_given": limit_given_column}


# the customers' personal numbers (warnings): ``io.personal``
ROW_RULES["personal_numbers"] = personal_numbers
COLUMN_RULES["personal_numbers"] = personal_numbers_column


# --- refunds against their purchases ----------------------------------------------------------

def _refund_problem(label: str, line: int, r, p, pline: int) -> Optional[Problem]:
    """Why refund ``r`` may not refund ``p`` (the record on ``pline``, None when rejected)."""
    ref = r.ref_txn_id
    if p is None:
        return Problem(label, line, "ref_txn_id", f"refunds purchase {ref!r}, which was rejected (line {pline}); "
                                                  "record skipped")
    if p.type == REFUND:
        return Problem(label, line, "ref_txn_id", f"refunds {ref!r}, which is itself a refund (line {pline}); "
                                                  "a refund must name a purchase")
    if p.customer_id != r.customer_id:
        return Problem(label, line, "ref_txn_id",
                       f"refunds {ref!r}, a purchase of another customer ({p.customer_id!r}, line {pline})")
    if r.date < p.date:
        return Problem(label, line, "date", f"refund dated {r.date.isoformat()} is before the purchase {ref!r} "
                                            f"it refunds ({p.date.isoformat()}, line {pline})")
    return None


def check_refunds(loaded, label: str, problems: list) -> list:
    """The accepted transactions: refunds checked against the purchases they name.

    A refund must name a purchase that was accepted, of the same customer, dated on or
    before it; and the refunds of a purchase, taken in date then file order, may not add
    up to more than it. A refund breaking a rule is rejected, with the reason.
    """
    records = loaded.records
    if not loaded.refund_at:
        return records
    lines = loaded.lines
    first = loaded.first
    add = problems.append
    ok_refunds = []
    dropped: set = set()
    for k in loaded.refund_at:
        r, line = records[k], lines[k]
        pline = first.get(r.ref_txn_id)
        if pline is None:
            add(Problem(label, line, "ref_txn_id", f"unknown purchase {r.ref_txn_id!r} (not in {label})"))
            dropped.add(k)
            continue
        j = bisect_left(lines, pline)
        p = records[j] if j < len(lines) and lines[j] == pline else None
        problem = _refund_problem(label, line, r, p, pline)
        if problem is None:
            ok_refunds.append((k, r, p))
        else:
            add(problem)
            dropped.add(k)
    ok_refunds.sort(key=lambda krp: (krp[1].date, krp[1].seq))
    refunded: dict = {}
    for k, r, p in ok_refunds:
        total = refunded.get(p.txn_id, 0) + r.amount
        if total > p.amount:
            add(Problem(label, lines[k], "amount",
                        f"refund of {r.amount} would bring the refunds of {p.txn_id!r} to {total}, "
                        f"more than the purchase amount {p.amount}"))
            dropped.add(k)
            continue
        refunded[p.txn_id] = total
    if not dropped:
        return records
    return [t for k, t in enumerate(records) if k not in dropped]


# --- reversals against the records they reverse (SPEC 4.11) -----------------------------------

REVERSIBLE = ("repayments", "deferrals", "conversions", "adjustments")


def check_reversals(loaded, label: str, problems: list, journals: dict, accepted: dict,
                    other_share: Optional[Callable[[str], bool]] = None) -> list:
    """The accepted reversals, each with the customer of its target (``Reversal.customer_id``).

    ``journals``: dataset name -> (its file label, its ``LoadedFile``); ``accepted``: dataset name ->
    its accepted records. A reversal must name an accepted repayment, deferral, conversion or
    adjustment, dated on or before the reversal; a record is reversed once; a reversal is never
    the target of another. A reversal breaking a rule is rejected, with the reason. For a worker
    of ``--jobs``, ``other_share(id)`` tells a target of another worker's customers: left out.
    """
    records = loaded.records
    if not records:
        return records
    targets: dict = {}
    for name in REVERSIBLE:
        id_field = name[:-1] + "_id"
        for r in accepted.get(name, ()):
            targets[getattr(r, id_field)] = (r, name[:-1])
    own = {v.reversal_id: line for line, v in loaded.items()}
    reversed_by: dict = {}
    out = []
    for line, v in loaded.items():
        if other_share is not None and v.target_id not in targets and other_share(v.target_id):
            continue
        why = _reversal_problem(v, targets, journals, own, reversed_by)
        if why is not None:
            problems.append(Problem(label, line, "target_id", why))
            continue
        reversed_by[v.target_id] = (v.reversal_id, line)
        out.append(v._replace(customer_id=targets[v.target_id][0].customer_id))
    return out


def _reversal_problem(v, targets: dict, journals: dict, own: dict, reversed_by: dict) -> Optional[str]:
    t = v.target_id
    if t in own or t in journals.get("reversals", ("", None))[1].rejected_ids:
        return f"{t!r} is a reversal: a reversal is not reversed (post the record again under a new id)"
    found = targets.get(t)
    if found is None:
        for name in REVERSIBLE:
            label, got = journals.get(name, ("", None))
            if got is not None and t in got.rejected_ids:
                return f"reverses {t!r}, which was rejected ({label} line {got.rejected_ids[t]}); record skipped"
        return f"unknown target {t!r}: not a repayment_id, deferral_id, conversion_id or adjustment_id of the journals"
    record, what = found
    if t in reversed_by:
        first, line = reversed_by[t]
        return f"{what} {t!r} is already reversed by {first!r} (line {line})"
    if v.date < record.date:
        return f"reversal dated {v.date.isoformat()} is before the {what} it reverses ({t}, dated {record.date.isoformat()})"
    return None
