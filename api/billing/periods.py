"""Months, due dates and fiscal quarters in Japan time: billing periods are calendar months, the fiscal year starts
in April (the seed's 年度)."""

from __future__ import annotations

import calendar
from datetime import date

from api.errors import Unprocessable
from api.timeutil import add_months


def month_start(day: date) -> date:
    return day.replace(day=1)


def month_end(day: date) -> date:
    return day.replace(day=calendar.monthrange(day.year, day.month)[1])


def months_between(earlier: date, later: date) -> int:
    return (later.year - earlier.year) * 12 + later.month - earlier.month


def parse_period(text: str, *, field: str = "period") -> date:
    try:
        year, month = map(int, text.split("-"))
        return date(year, month, 1)
    except (TypeError, ValueError):
        raise Unprocessable.field(field, "must be a month, YYYY-MM", code="invalid_period") from None


def previous_period(today: date) -> date:
    return add_months(month_start(today), -1)


def due_on(issued_on: date) -> date:
    """Payment is due at the end of the month after issue."""
    return month_end(add_months(month_start(issued_on), 1))


def fiscal_year(day: date) -> int:
    return day.year if day.month >= 4 else day.year - 1


def fiscal_quarters(fy: int) -> list[tuple[int, date, date]]:
    """(quarter, first day, last day) of 年度 fy: Q1 = April–June … Q4 = January–March."""
    out = []
    for quarter in range(4):
        first = add_months(date(fy, 4, 1), 3 * quarter)
        out.append((quarter + 1, first, month_end(add_months(first, 2))))
    return out
