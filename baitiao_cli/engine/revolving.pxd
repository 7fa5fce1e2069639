# Cython declarations that augment revolving.py when it is compiled (docs/scale.md, "A compiled replay"):
# types only, as in replay.pxd. Money stays a Python int (object).
import cython

from baitiao_cli.engine.replay cimport BilledItem, Replay


@cython.final
cdef class MinimumRecord:
    cdef public long on_ord, due_ord
    cdef public object minimum, charges, repaid_at_issue, paid_by_due, new_revolving, rest, total, met_ord
    cdef public bint missed_at_next


@cython.final
cdef class Revolving:
    cdef public object ratio, threshold, daily_rate, late_rate, rounding
    cdef public object pending_fen_days, posted, paid, repaid_total
    cdef public long grace
    cdef public list records
    cdef public dict by_ord

    @cython.locals(rec=MinimumRecord, grace=cython.long)
    cpdef star(self, long day)

    cpdef unpaid(self, MinimumRecord rec, owed)

    @cython.locals(w=BilledItem, through=cython.long, due=cython.long, grace=cython.long)
    cpdef accrue_to(self, Replay replay, long day)

    cpdef post(self, Replay replay, on)

    cpdef pay_fee(self, amount, on, source, lines)

    @cython.locals(rec=MinimumRecord, last=cython.long)
    cpdef repaid(self, amount, long on_ord)

    @cython.locals(w=BilledItem, prev=MinimumRecord, rec=MinimumRecord)
    cpdef issue(self, Replay replay, long on_ord, long due_ord, list new)

    @cython.locals(rec=MinimumRecord, k=cython.Py_ssize_t)
    cpdef delinquency(self, Replay replay, long as_of_ord)
