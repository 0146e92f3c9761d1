"""Japan time: work days, dates shown to users and fee dates are Japan-time dates; the database keeps UTC."""

from datetime import date, datetime
from zoneinfo import ZoneInfo

from tortoise.timezone import now

JST = ZoneInfo("Asia/Tokyo")


def now_jst() -> datetime:
    return now().astimezone(JST)


def today_jst() -> date:
    return now_jst().date()
