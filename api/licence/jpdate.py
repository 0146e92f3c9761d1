"""Era dates and the licence number, server side.

The edge reader has its own copy (edge_reader/licence/era.py, number.py) because the two
never import each other; tests/licence/test_parsers.py checks that they agree.
"""

from __future__ import annotations

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
    return (len(number) == 12 and number.isascii() and number.isdigit()
            and check_digit(number[:10]) == int(number[10]))


def mask_number(number: str) -> str:
    """The stored form: only the last 4 digits are kept."""
    return "*" * max(len(number) - 4, 0) + number[-4:]
