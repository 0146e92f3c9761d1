"""建退共 monthly work-day calendar (月別カレンダー) CSV, seed 000 item No.85.

One row per technician × site × employer for one month: day columns 1–31 holding 1 on a work day, and the total.
The employer buys 退職金ポイント (or stamps) per work day from these totals, so a day is a day: it counts once per
technician however many work records, taps or sites it had. A technician on two sites on the same day has the day
on one row only (the site entered first that day), so the rows' totals add up to the distinct dates worked. The real CCUS 月別カレンダーCSV layout is not public (ccus-facts.md §6b); these
columns are OpenCCUS's own, carrying the numbers 建退共 keys on (共済契約者番号 of the employer, 被共済者番号 of the
technician).

Warnings (returned, not raised) point at what the employer must fix or watch: a missing 共済契約者番号 / 被共済者番号,
and a technician on two sites on the same day (counted once, on the row named in the warning).
"""

from __future__ import annotations

import calendar
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime

from api.reports.csvout import CsvFile, Encoding, Unencodable, write_csv
from api.reports.errors import ReportError

COLUMNS = (
    "対象年月",
    "共済契約者番号",
    "事業者ID",
    "事業者名",
    "現場ID",
    "現場名",
    "技能者ID",
    "氏名",
    "被共済者番号",
    *[str(d) for d in range(1, 32)],
    "就労日数",
)


@dataclass(frozen=True, slots=True)
class WorkDay:
    """One 就業履歴 (work record): technician × site × day, with the employer from the contract tree."""

    technician_id: str
    site_id: str
    employer_id: str
    work_date: date
    first_in: datetime | None = None  # decides which site's row counts a day worked on two sites


@dataclass(frozen=True, slots=True)
class Party:
    """A technician, site or employer: its CCUS id, name and, for 建退共, its number (被共済者番号 / 共済契約者番号)."""

    id: str
    name: str
    number: str = ""


@dataclass(frozen=True, slots=True)
class CalendarRow:
    employer: Party
    site: Party
    technician: Party
    days: frozenset[int]  # days of the month worked

    @property
    def total(self) -> int:
        return len(self.days)


@dataclass(frozen=True, slots=True)
class KentaikyoCalendar:
    year: int
    month: int
    rows: tuple[CalendarRow, ...]
    warnings: tuple[str, ...]


def monthly_calendar(
    *,
    year: int,
    month: int,
    records: Iterable[WorkDay],
    technicians: Mapping[str, Party],
    sites: Mapping[str, Party],
    employers: Mapping[str, Party],
) -> KentaikyoCalendar:
    if not 1 <= month <= 12:
        raise ReportError("invalid_month", f"month must be 1–12, got {month}", "month")
    # (technician, day) → the (first_in, employer, site) of each record of that day
    worked: dict[tuple[str, int], list[tuple[datetime | None, str, str]]] = defaultdict(list)
    for k, r in enumerate(records):
        if (r.work_date.year, r.work_date.month) != (year, month):
            # A record of another month is a query bug upstream; counting or dropping it silently would both be
            # wrong on a document that decides retirement pay.
            raise ReportError(
                "outside_month", f"records[{k}]: {r.work_date} is not in {year}-{month:02d}", f"records[{k}].work_date"
            )
        for key, lookup, what in (
            (r.technician_id, technicians, "technician"),
            (r.site_id, sites, "site"),
            (r.employer_id, employers, "employer"),
        ):
            if key not in lookup:
                raise ReportError(f"unknown_{what}", f"records[{k}]: no {what} {key!r} given", f"{what}s")
        worked[(r.technician_id, r.work_date.day)].append((r.first_in, r.employer_id, r.site_id))
    cells: dict[tuple[str, str, str], set[int]] = defaultdict(set)
    warnings = []
    for (tech, day), places in sorted(worked.items()):
        # The site entered first that day carries it (no time: the lowest id), the others do not.
        kept = min(places, key=lambda p: (p[0] is None, p[0] or datetime.min, p[1], p[2]))
        cells[(kept[1], kept[2], tech)].add(day)
        others = sorted({(e, s) for _, e, s in places} - {(kept[1], kept[2])})
        if others:
            site_ids = sorted({s for _, _, s in places})
            warnings.append(
                f"技能者 {tech}: {year}-{month:02d}-{day:02d} に {len(site_ids)} 現場 ({', '.join(site_ids)}) で"
                f"就労 — 建退共の就労日数は 1 日です（現場 {kept[2]} の行に計上）"
            )

    rows = tuple(
        CalendarRow(employers[e], sites[s], technicians[t], frozenset(days))
        for (e, s, t), days in sorted(cells.items())
    )
    return KentaikyoCalendar(year, month, rows, tuple(_warnings(rows) + warnings))


def _warnings(rows: tuple[CalendarRow, ...]) -> list[str]:
    out = []
    employers = {r.employer.id: r.employer for r in rows}
    technicians = {r.technician.id: r.technician for r in rows}
    out += [
        f"事業者 {p.name} ({p.id}): 共済契約者番号が未登録です" for _, p in sorted(employers.items()) if not p.number
    ]
    out += [
        f"技能者 {p.name} ({p.id}): 被共済者番号が未登録です" for _, p in sorted(technicians.items()) if not p.number
    ]
    return out


def calendar_rows(cal: KentaikyoCalendar) -> list[list[str]]:
    last = calendar.monthrange(cal.year, cal.month)[1]
    ym = f"{cal.year}-{cal.month:02d}"
    return [
        [
            ym,
            r.employer.number,
            r.employer.id,
            r.employer.name,
            r.site.id,
            r.site.name,
            r.technician.id,
            r.technician.name,
            r.technician.number,
            *["1" if d in r.days else "" for d in range(1, last + 1)],
            *[""] * (31 - last),
            str(r.total),
        ]
        for r in cal.rows
    ]


def calendar_csv(
    cal: KentaikyoCalendar, *, encoding: Encoding = "utf-8-bom", unencodable: Unencodable = "refuse"
) -> CsvFile:
    return write_csv(COLUMNS, calendar_rows(cal), encoding=encoding, unencodable=unencodable)
