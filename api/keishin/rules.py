"""Small rules shared by 別紙一 and 別紙二: applied industries, dates."""

from __future__ import annotations

import calendar
from collections.abc import Sequence
from datetime import date

from api.keishin.errors import KeishinError
from api.keishin.masters import Masters, window


def application_date_or_base(base_date: date, application_date: date | None) -> date:
    """The application date selects the masters; it defaults to the base date and can never precede it.

    The seed shows why the two differ: its 香川 technicians are 49/47/34 on a 審査基準日 of 2015-11-30, yet they
    use 29 and 99, which exist only for 経審 applied for from 2016-06-01 on (「平成２８年６月以降に経営事項審査を
    申請される方へ」). MLIT keys its changes to the application (e.g. R3.4: 「令和3年4月1日以降に申請するもの」).
    """
    app = application_date or base_date
    if app < base_date:
        raise KeishinError(
            "application_before_base_date",
            f"the application date {app.isoformat()} is before the base date {base_date.isoformat()}",
            "application_date",
        )
    return app


def applied_industries(
    masters: Masters, codes: Sequence[str], *, on: date, field: str = "applied_industries"
) -> tuple[str, ...]:
    """Validate the industries a business applies for (2-digit codes in force on `on`), keeping their order."""
    if not codes:
        raise KeishinError("no_applied_industries", "at least one industry must be applied for", field)
    seen: set[str] = set()
    for k, code in enumerate(codes):
        industry = masters.industry(code, on=on, field=f"{field}[{k}]")
        if industry.kind == "transitional":
            raise KeishinError(
                "transitional_not_applicable",
                f"{code} is not an industry one applies for: the transitional total ({window(industry)}) is "
                "evaluated automatically when 05 or 29 is applied for",
                f"{field}[{k}]",
            )
        if code in seen:
            raise KeishinError("duplicate_industry_code", f"industry {code} is listed twice", f"{field}[{k}]")
        seen.add(code)
    return tuple(codes)


def months_earlier(day: date, months: int) -> date:
    """The same day `months` calendar months earlier, clamped to the month's end (2015-08-31 → 2015-02-28)."""
    index = day.year * 12 + day.month - 1 - months
    year, month0 = divmod(index, 12)
    last = calendar.monthrange(year, month0 + 1)[1]
    return date(year, month0 + 1, min(day.day, last))


def age_on(birth_date: date, on: date) -> int:
    """満年齢 on a date (the birthday itself counts)."""
    return on.year - birth_date.year - ((on.month, on.day) < (birth_date.month, birth_date.day))
