"""The statement calendar (SPEC 4.1): statement dates, due dates. Pure date arithmetic."""

from __future__ import annotations

from datetime import date, timedelta
from functools import lru_cache


def add_months(year: int, month: int, n: int) -> tuple[int, int]:
    m = year * 12 + (month - 1) + n
    return m // 12, m % 12 + 1


def statement_date_on_or_before(d: date, statement_day: int) -> date:
    """The latest statement date <= d (statement_day is 1..28, so it exists in every month)."""
    if d.day >= statement_day:
        return date(d.year, d.month, statement_day)
    y, m = add_months(d.year, d.month, -1)
    return date(y, m, statement_day)


def next_statement_date(d: date, statement_day: int) -> date:
    """The first statement date strictly after d: a purchase on the statement day joins the next bill."""
    if d.day < statement_day:
        return date(d.year, d.month, statement_day)
    y, m = add_months(d.year, d.month, 1)
    return date(y, m, statement_day)


def nth_statement_date_after(d: date, statement_day: int, n: int) -> date:
    """The n-th (1-based) statement date strictly after d."""
    first = next_statement_date(d, statement_day)
    y, m = add_months(first.year, first.month, n - 1)
    return date(y, m, statement_day)


def statement_dates_between(start_exclusive: date, end_inclusive: date, statement_day: int) -> list[date]:
    """Every statement date s with start_exclusive < s <= end_inclusive, in order."""
    out = []
    s = next_statement_date(start_exclusive, statement_day)
    while s <= end_inclusive:
        out.append(s)
        y, m = add_months(s.year, s.month, 1)
        s = date(y, m, statement_day)
    return out


def due_date(statement_date: date, due_days: int) -> date:
    return statement_date + timedelta(days=due_days)


def month_index(d: date) -> int:
    """Months since year 0 (``year * 12 + month - 1``): statement months as integers."""
    return d.year * 12 + d.month - 1


def first_statement_month(d: date, statement_day: int) -> int:
    """Month index of the first statement date strictly after ``d``."""
    m = d.year * 12 + d.month - 1
    return m + 1 if d.day >= statement_day else m


@lru_cache(maxsize=None)
def statement_month(month: int, statement_day: int, due_days: int) -> tuple[date, int, date, int]:
    """(statement date, its ordinal, due date, its ordinal) of month index ``month``."""
    statement = date(month // 12, month % 12 + 1, statement_day)
    ordinal = statement.toordinal()
    return statement, ordinal, date.fromordinal(ordinal + due_days), ordinal + due_days
