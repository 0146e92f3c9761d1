"""Era dates and the licence number, server side.

The edge reader has its own copy (edge_reader/licence/era.py, number.py) because the two
never import each other; tests/licence/test_parsers.py checks that they agree.
"""

from __future__ import annotations

import calendar
import datetime as dt

# (name, first day); era year 1 = first_day.year.  See docs/licence.md for the bounds rule:
# a date before its era began is impossible, a date after its era ended (平成33年) is valid.
ERAS: tuple[tuple[str, dt.date], ...] = (
    ("明治", dt.date(1868, 1, 25)),
    ("大正", dt.date(1912, 7, 30)),
    ("昭和", dt.date(1926, 12, 25)),
    ("平成", dt.date(1989, 1, 8)),
    ("令和", dt.date(2019, 5, 1)),
)
ERA_FIRST_DAY = dict(ERAS)
ERA_BY_INITIAL = {name[0]: name for name, _ in ERAS}
WEIGHTS = (5, 4, 3, 2, 7, 6, 5, 4, 3, 2)


def era_to_date(era: str, year: int, month: int, day: int) -> dt.date:
    """``("昭和", 60, 5, 1)`` -> 1985-05-01.  Raises ValueError for impossible dates."""
    first = ERA_FIRST_DAY[era]
    if year < 1:
        raise ValueError("era year must be at least 1")
    value = dt.date(first.year + year - 1, month, day)
    if value < first:
        raise ValueError(f"{era}{year}年{month}月{day}日 is before the era began")
    return value


def check_digit(first10: str) -> int:
    total = sum(int(c) * w for c, w in zip(first10, WEIGHTS, strict=True))
    return (11 - total % 11) % 10


def check_digit_ok(number: str) -> bool:
    return len(number) == 12 and number.isascii() and number.isdigit() and check_digit(number[:10]) == int(number[10])


def mask_number(number: str) -> str:
    """The stored form: only the last 4 digits are kept."""
    return "*" * max(len(number) - 4, 0) + number[-4:]


def expiry_for_birthday(birth: dt.date, printed_year: int) -> dt.date:
    """The expiry a licence must carry in ``printed_year`` for someone born on ``birth``.

    道路交通法 §92-2: a licence is valid until the day on which one month has elapsed from
    the holder's birthday (counted from the birthday itself), i.e. the day before the same day
    of the next month — or, when the next month has no such day (born 1/31), the last day of
    that month (民法 §143).  A December birthday can end in January of the next year, so both
    birthday years are tried and the one ending in ``printed_year`` is returned.
    """
    for year in (printed_year, printed_year - 1):
        y, m = (year + 1, 1) if birth.month == 12 else (year, birth.month + 1)
        last = calendar.monthrange(y, m)[1]
        end = dt.date(y, m, last) if birth.day > last else dt.date(y, m, birth.day) - dt.timedelta(days=1)
        if end.year == printed_year:
            return end
    raise ValueError("no expiry in that year")  # pragma: no cover - one of the two always fits
