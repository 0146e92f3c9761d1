"""Japan time: work days, dates shown to users and fee dates are Japan-time dates; the database keeps UTC."""

import calendar
from datetime import date, datetime
from zoneinfo import ZoneInfo

from tortoise.timezone import now

JST = ZoneInfo("Asia/Tokyo")


def now_jst() -> datetime:
    return now().astimezone(JST)


def today_jst() -> date:
    return now_jst().date()


def end_of_next_month(day: date) -> date:
    """The last day of the month after `day`: the deadline of a 直接入力 and of a late tap's day."""
    import calendar

    year, month = (day.year + 1, 1) if day.month == 12 else (day.year, day.month + 1)
    return date(year, month, calendar.monthrange(year, month)[1])


def add_months(day: date, months: int) -> date:
    """The same day `months` later (clamped to the month's last day)."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    return date(year, month + 1, min(day.day, calendar.monthrange(year, month + 1)[1]))
