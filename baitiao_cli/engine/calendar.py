"""The statement calendar (SPEC 4.1): statement dates, due dates. Pure date arithmetic."""

from __future__ import annotations

from datetime import date, timedelta


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
