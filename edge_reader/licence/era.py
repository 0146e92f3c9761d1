"""Japanese era dates as the licence chip stores them: 7 digits, era digit + YYMMDD.

Era digits (license-ic.md §6): 1 明治, 2 大正, 3 昭和, 4 平成, 5 令和.  Era year 1 (元年) is
stored as ``01``.  A category the holder does not have is stored as era + ``000000`` and
decodes to ``None``.

Bounds, chosen and documented in docs/licence.md:
* a date *before* its era began is impossible (e.g. 平成01年01月07日) and is refused;
* a date *after* its era ended is accepted and converted by plain arithmetic, because real
  licences issued before 令和 was announced carry expiries such as 平成33年 (= 2021), and
  昭和64年1月8日 would equally be 1989-01-08.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from .errors import LicenceDataError


@dataclass(frozen=True)
class Era:
    digit: int
    name: str
    first_day: dt.date

    @property
    def offset(self) -> int:
        """Gregorian year = offset + era year."""
        return self.first_day.year - 1


# 明治: the era was proclaimed on 1868-10-23 but applied from 明治元年1月1日 of the lunar
# calendar, which is 1868-01-25 Gregorian.
ERAS: tuple[Era, ...] = (
    Era(1, "明治", dt.date(1868, 1, 25)),
    Era(2, "大正", dt.date(1912, 7, 30)),
    Era(3, "昭和", dt.date(1926, 12, 25)),
    Era(4, "平成", dt.date(1989, 1, 8)),
    Era(5, "令和", dt.date(2019, 5, 1)),
)
BY_DIGIT = {e.digit: e for e in ERAS}
BY_NAME = {e.name: e for e in ERAS}


class EraDateError(LicenceDataError):
    code = "bad_date"


def era_date(era: Era, year: int, month: int, day: int) -> dt.date:
    if year < 1:
        raise EraDateError(f"{era.name}: era year {year} is not valid")
    try:
        value = dt.date(era.offset + year, month, day)
    except ValueError as exc:
        raise EraDateError(f"{era.name}{year}年{month}月{day}日 is not a calendar date") from exc
    if value < era.first_day:
        raise EraDateError(f"{era.name}{year}年{month}月{day}日 is before the era began")
    return value


def parse_era_code(code: str) -> dt.date | None:
    """``"4140913"`` -> 2002-09-13; ``"4000000"`` (not held) -> None."""
    if len(code) != 7 or not code.isascii() or not code.isdigit():
        raise EraDateError(f"era date is not 7 digits: {code!r}")
    if code[1:] == "000000":
        return None
    era = BY_DIGIT.get(int(code[0]))
    if era is None:
        raise EraDateError(f"unknown era digit {code[0]}")
    return era_date(era, int(code[1:3]), int(code[3:5]), int(code[5:7]))


def era_of(value: dt.date) -> tuple[Era, int]:
    """The era in force on ``value`` and the era year."""
    for era in reversed(ERAS):
        if value >= era.first_day:
            return era, value.year - era.offset
    raise EraDateError(f"{value} is before 明治")


def to_era_code(value: dt.date | None, *, era_digit: int | None = None) -> str:
    """Inverse of ``parse_era_code`` (``None`` -> ``"4000000"``-style with the given digit)."""
    if value is None:
        return f"{era_digit or 5}000000"
    era, year = era_of(value)
    return f"{era.digit}{year:02d}{value.month:02d}{value.day:02d}"
