"""Japanese wording shared by the reports: stored enum values → what the forms print, dates, ages, levels."""

from __future__ import annotations

from datetime import date

INSURANCE = {"enrolled": "加入", "exempt": "適用除外", "not_enrolled": "未加入"}  # api.common.InsuranceStatus
POSITION = {"foreman": "職長", "team_leader": "班長", "worker": "一般", "apprentice": "見習い"}  # sites.Position
TIER = {"detailed": "詳細型", "simplified": "簡略型"}  # registration.Tier
NOT_EVALUATED = "未評価"


def insurance(status: str | None) -> str:
    return INSURANCE.get(status or "", status or "")


def position(value: str | None) -> str:
    return POSITION.get(value or "", value or "")


def tier(value: str | None) -> str:
    return TIER.get(value or "", value or "")


def level(value: int | None) -> str:
    return f"レベル{value}" if value else NOT_EVALUATED


def retirement_aid(kentaikyo: bool, chutaikyo: bool) -> str:
    """作業員名簿 item 4 (中小企業退職金共済法上の被共済者か否か)."""
    names = [n for n, on in (("建退共", kentaikyo), ("中退共", chutaikyo)) if on]
    return "・".join(names) if names else "なし"


def iso(day: date | None) -> str:
    return day.isoformat() if day else ""


def jp_date(day: date | None) -> str:
    return f"{day.year}年{day.month}月{day.day}日" if day else ""


# (first day, era): the paper forms (作業員名簿, 経歴証明書) write dates in 和暦; the same bounds as the PWA's
# pwa/src/dates.ts and api/licence/jpdate.py. A date before 明治 keeps the Western form.
_ERAS = (
    (date(2019, 5, 1), "令和"),
    (date(1989, 1, 8), "平成"),
    (date(1926, 12, 25), "昭和"),
    (date(1912, 7, 30), "大正"),
    (date(1868, 1, 25), "明治"),
)


def wareki(day: date | None) -> str:
    """A date as the paper forms write it: 2019-05-01 → 令和元年5月1日, 1980-04-02 → 昭和55年4月2日."""
    if day is None:
        return ""
    for start, era in _ERAS:
        if day >= start:
            year = day.year - start.year + 1
            return f"{era}{'元' if year == 1 else year}年{day.month}月{day.day}日"
    return jp_date(day)


def age_on(birth_date: date, on: date) -> int:
    """Age in completed years; someone born on 29 February turns a year older on 1 March in common years."""
    return on.year - birth_date.year - ((on.month, on.day) < (birth_date.month, birth_date.day))


def tier_label(tier_no: int) -> str:
    """次数: 0 = 元請, 1 = 一次, …"""
    return "元請" if tier_no == 0 else f"{tier_no}次"
