# Cython declarations that augment replay.py when it is compiled (docs/scale.md, "A compiled replay").
# replay.py is the one source of the rules and runs as it is without this file; here only types.
# Money (fen, fen-days) stays a Python int (object): no C integer can overflow silently.
# Every attribute of BilledItem, PurchasePlan and Replay must be declared here (tests/test_compiled.py).
import cython


@cython.final
cdef class BilledItem:
    cdef public object kind, txn_id, purchase_date, statement_date, original_due, due, paid_on
    cdef public long period, periods, purchase_ord, statement_ord, due_ord
    cdef public object principal, fee, refunded, principal_paid, fee_paid, balance, contingent
    cdef public bint late, accelerated


@cython.locals(w=BilledItem)
cpdef _statement_line(w)


@cython.final
cdef class PurchasePlan:
    cdef public object txn, txn_id, date, rate, kind, settled_on
    cdef public long date_ord, periods, first_month, billed, uncancelled
    cdef public object amount, fee, refunded, to_credit
    cdef public list period_principal, items

    cpdef unbilled_principal(self)


@cython.final
cdef class Replay:
    cdef public object customer, recorder, cfg, as_of, rounding_name, rounding, daily_rate, cap_ratio, policy
    cdef public long statement_day, due_days, grace_days, accrued_through, first_month, last_month
    cdef public int accrual
    cdef public object pending_fen_days, total_fen_days, late_posted, late_paid, credit, recovered
    cdef public list open, items, purchases, to_bill, warnings, waivers
    cdef public bint open_unsorted
    cdef public dict purchase_by_id, deferred, converted, refusals, fee_rates
    cdef public set repayment_ids
    cdef public object written_off, rev

    @cython.locals(w=BilledItem, through=cython.long, due=cython.long, days=cython.long, grace=cython.long)
    cpdef accrue_to(self, long day)

    cpdef post_late_fee(self, on)

    @cython.locals(w=BilledItem, keep=cython.bint, closed=cython.long)
    cpdef allocate(self, amount, on, source)

    cpdef apply_credit(self, on, long on_ord, bint post)

    @cython.locals(p=PurchasePlan, w=BilledItem, i=cython.long, on_ord=cython.long, due_ord=cython.long,
                   keep=cython.bint, done=cython.bint)
    cpdef issue_statement(self, long month)

    @cython.locals(w=BilledItem, p=PurchasePlan, k=cython.long, i=cython.long)
    cpdef _issued(self, long month, on, long on_ord, due, list new, posted, minimum=*, rev_posted=*)

    @cython.locals(p=PurchasePlan)
    cpdef purchase(self, t)

    @cython.locals(p=PurchasePlan, i=cython.long, t_ord=cython.long)
    cpdef refund(self, t)

    @cython.locals(p=PurchasePlan, on_ord=cython.long)
    cpdef repay(self, r)

    cpdef post_charges(self, on, long on_ord)

    @cython.locals(p=PurchasePlan, w=BilledItem, i=cython.long, on_ord=cython.long)
    cpdef accelerate(self, on, policy)

    @cython.locals(w=BilledItem, balance=object, on=cython.long, grace=cython.long, p=PurchasePlan)
    cpdef overdue(self)

    @cython.locals(w=BilledItem, as_of=cython.long, grace=cython.long, streak=cython.long, never=cython.long,
                   n=cython.long, i=cython.long, month=cython.long, on_ord=cython.long, due_ord=cython.long,
                   last=cython.long, closed=cython.long, billed_on=list, closed_on=list)
    cpdef on_time_streak(self)
