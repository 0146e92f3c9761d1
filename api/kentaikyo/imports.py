"""Seed ⑥-5 (R方式): the employer's 就労実績報告 to 建退共, imported; its days missing in OpenCCUS become candidate
work records that the prime's site manager approves or rejects, once.

The file is the layout OpenCCUS exports (the 月別カレンダー columns, docs/kentaikyo.md §3), UTF-8 (BOM or not) or
Shift_JIS. **A file with any malformed row is refused whole** (422 `import_rows_invalid`, every bad row's error
listed by line, column and code) and nothing is written: a report is one month's statement by one employer, and
half of it taken would leave candidates the employer cannot tell apart from the ones still to come after the fix.
"""

from __future__ import annotations

import calendar
import csv
import io
import re
from dataclasses import dataclass
from datetime import date

from tortoise import connections
from tortoise.timezone import now

from api import ids
from api.accounts.models import Account
from api.businesses.models import Business
from api.errors import Conflict, Forbidden, NotFound, Unprocessable
from api.kentaikyo.models import CandidateStatus, KentaikyoCandidate, KentaikyoImport
from api.registration.models import Technician
from api.sites.access import is_site_manager
from api.sites.models import ContractStatus, RosterEntry, Site, SiteContract
from api.sql import execute, fetch, marks
from api.timeutil import today_jst

MAX_ROWS = 5000
REQUIRED = ("対象年月", "現場ID", "技能者ID")
DAY_COLUMNS = tuple(str(d) for d in range(1, 32))
_MONTH = re.compile(r"^([0-9]{4})[-/]?([0-9]{1,2})$")
_WORKED = {"1", "○", "〇"}
_NOT_WORKED = {"", "0"}


@dataclass
class _Row:
    line: int
    month: date
    technician_id: str
    site_id: str
    days: list[int]


def _decode(data: bytes) -> str:
    for codec in ("utf-8-sig", "cp932"):
        try:
            return data.decode(codec)
        except UnicodeDecodeError:
            continue
    raise Unprocessable.field("file", "the file is neither UTF-8 nor Shift_JIS text", code="import_encoding")


def parse(data: bytes) -> tuple[list[_Row], list[dict[str, str]]]:
    """The rows, and every malformed cell as {field, code, message} (field = `line N 列名`, N counting CSV records
    with the header as 1)."""
    try:
        return _parse(data)
    except csv.Error as exc:  # e.g. a cell past the module's field limit: not a CSV a person made
        raise Unprocessable.field("file", f"not a CSV file: {exc}", code="import_not_csv") from exc


def _parse(data: bytes) -> tuple[list[_Row], list[dict[str, str]]]:
    reader = csv.reader(io.StringIO(_decode(data)))
    header = [h.strip() for h in next(reader, [])]
    missing = [c for c in (*REQUIRED, *DAY_COLUMNS[:28]) if c not in header]
    if missing:
        raise Unprocessable.field("file", f"the header lacks the column(s): {', '.join(missing)}", code="import_header")
    col = {h: i for i, h in enumerate(header)}
    rows: list[_Row] = []
    errors: list[dict[str, str]] = []

    def bad(line: int, column: str, code: str, message: str) -> None:
        errors.append({"field": f"line {line} {column}", "code": code, "message": message})

    for line, cells in enumerate(reader, start=2):
        if not any(c.strip() for c in cells):
            continue
        if len(rows) + len(errors) >= MAX_ROWS:
            raise Unprocessable.field("file", f"at most {MAX_ROWS} rows per file", code="import_too_many_rows")

        def get(name: str, cells: list[str] = cells) -> str:
            return cells[col[name]].strip() if name in col and col[name] < len(cells) else ""

        n_errors = len(errors)
        m = _MONTH.match(get("対象年月"))
        month = None
        if m and 2000 <= int(m[1]) <= 2099 and 1 <= int(m[2]) <= 12:
            month = date(int(m[1]), int(m[2]), 1)
        else:
            bad(line, "対象年月", "bad_month", "対象年月 must be YYYY-MM")
        for name, code in (("技能者ID", "bad_technician_id"), ("現場ID", "bad_site_id")):
            value = get(name)
            if not (len(value) == 14 and value.isascii() and value.isdigit() and ids.damm.is_valid(value)):
                bad(line, name, code, f"{name} must be 14 digits with a valid check digit")
        days = []
        last = calendar.monthrange(month.year, month.month)[1] if month else 31
        for d in DAY_COLUMNS:
            value = get(d)
            if value in _NOT_WORKED:
                continue
            if value not in _WORKED:
                bad(line, d, "bad_day_value", "a day cell is 1 (worked) or empty")
            elif int(d) > last:
                bad(line, d, "bad_day", f"the month has only {last} days")
            elif month and date(month.year, month.month, int(d)) > today_jst():
                bad(line, d, "future_day", "a day that has not come yet cannot be reported")
            else:
                days.append(int(d))
        total = get("就労日数")
        if total and (not (total.isascii() and total.isdigit()) or int(total) != len(days)):
            bad(line, "就労日数", "total_mismatch", f"就労日数 {total} is not the {len(days)} days marked")
        if len(errors) == n_errors and month:
            rows.append(_Row(line, month, get("技能者ID"), get("現場ID"), days))
    if not rows and not errors:
        raise Unprocessable.field("file", "the file has no rows", code="import_empty")
    return rows, errors


async def import_report(*, actor: Account, business: Business, filename: str, data: bytes) -> dict:
    rows, errors = parse(data)
    techs = {t.technician_id: t for t in await Technician.filter(technician_id__in={r.technician_id for r in rows})}
    sites = {s.site_id: s for s in await Site.filter(site_id__in={r.site_id for r in rows})}
    in_tree = set(
        await SiteContract.filter(
            business=business, status=ContractStatus.approved, site_id__in=[s.id for s in sites.values()]
        ).values_list("site_id", flat=True)
    )
    seen: dict[tuple[str, str, date], int] = {}
    cells: list[tuple[Technician, Site, date]] = []
    for r in rows:
        n_errors = len(errors)
        tech, site = techs.get(r.technician_id), sites.get(r.site_id)
        if tech is None:
            errors.append(
                {
                    "field": f"line {r.line} 技能者ID",
                    "code": "unknown_technician",
                    "message": "no registered technician with this ID",
                }
            )
        elif tech.employer_id != business.id:  # type: ignore[attr-defined]
            errors.append(
                {
                    "field": f"line {r.line} 技能者ID",
                    "code": "not_your_technician",
                    "message": "not a technician of this employer",
                }
            )
        if site is None:
            errors.append({"field": f"line {r.line} 現場ID", "code": "unknown_site", "message": "no site with this ID"})
        elif site.id not in in_tree:
            errors.append(
                {
                    "field": f"line {r.line} 現場ID",
                    "code": "site_not_in_tree",
                    "message": "this employer is not in the site's contract tree",
                }
            )
        key = (r.technician_id, r.site_id, r.month)
        if key in seen:
            errors.append(
                {
                    "field": f"line {r.line}",
                    "code": "duplicate_row",
                    "message": f"the same technician, site and month as line {seen[key]}",
                }
            )
        seen.setdefault(key, r.line)
        if len(errors) > n_errors or tech is None or site is None:
            continue
        for d in r.days:
            day = date(r.month.year, r.month.month, d)
            if not site.window_start <= day <= site.window_end:
                errors.append(
                    {
                        "field": f"line {r.line} {d}",
                        "code": "outside_window",
                        "message": f"{day} is outside the site's accumulation window",
                    }
                )
            else:
                cells.append((tech, site, day))
    if errors:
        errors.sort(key=lambda e: int(e["field"].split()[1]))
        raise Unprocessable(
            f"{len({e['field'].split()[1] for e in errors})} row(s) are malformed; the file was not "
            "imported (fix them and upload the whole file again).",
            code="import_rows_invalid",
            fields=errors,
        )
    source = await KentaikyoImport.create(
        business=business,
        filename=filename[:200],
        rows=len(rows),
        days=len(cells),
        candidates=0,
        created_by_id=actor.id,
    )
    conn = connections.get("default")
    have = set()
    if cells:
        tech_pks = sorted({t.id for t, _, _ in cells})
        for rec in await fetch(
            conn,
            f"SELECT technician_id, site_id, work_date FROM work_record WHERE technician_id "
            f"IN ({marks(tech_pks)}) AND work_date >= ? AND work_date <= ?",
            [*tech_pks, min(c[2] for c in cells), max(c[2] for c in cells)],
        ):
            wd = rec["work_date"]
            have.add((rec["technician_id"], rec["site_id"], wd if isinstance(wd, date) else date.fromisoformat(wd)))
    created = 0
    for tech, site, day in cells:
        if (tech.id, site.id, day) in have:
            continue
        # One candidate per technician × site × day, ever: a re-import (or a concurrent one) does not ask twice.
        created += await execute(
            conn,
            "INSERT INTO kentaikyo_candidate (source_id, business_id, technician_id, "
            "site_id, work_date, status, created_at) VALUES (?, ?, ?, ?, ?, 'pending', ?) "
            "ON CONFLICT (technician_id, site_id, work_date) DO NOTHING",
            [source.id, business.id, tech.id, site.id, day, now()],
        )
    source.candidates = created
    await source.save(update_fields=["candidates"])
    return {
        "id": source.id,
        "rows": len(rows),
        "days": len(cells),
        "already_recorded": len([c for c in cells if (c[0].id, c[1].id, c[2]) in have]),
        "candidates": created,
    }


async def candidates(*, actor: Account, site: Site, status: str | None) -> list[KentaikyoCandidate]:
    if not await is_site_manager(actor, site):
        raise Forbidden("Only the prime contractor's site manager decides 建退共 candidates.", code="not_site_manager")
    qs = KentaikyoCandidate.filter(site=site).select_related("technician", "business").order_by("work_date", "id")
    if status:
        qs = qs.filter(status=status)
    return await qs.limit(1000)


async def decide(*, actor: Account, site: Site, pk: int, approve: bool, note: str | None) -> KentaikyoCandidate:
    if not await is_site_manager(actor, site):
        raise Forbidden("Only the prime contractor's site manager decides 建退共 candidates.", code="not_site_manager")
    item = await KentaikyoCandidate.get_or_none(id=pk, site=site)
    if item is None:
        raise NotFound("No such 建退共 candidate on this site.", code="candidate_not_found")
    status = CandidateStatus.approved if approve else CandidateStatus.rejected
    taken = await KentaikyoCandidate.filter(id=pk, status=CandidateStatus.pending).update(
        status=status, decided_by_id=actor.id, decided_at=now(), note=note
    )
    if not taken:
        await item.refresh_from_db()
        raise Conflict(f"This candidate is already {item.status.value}.", code="candidate_already_decided")
    if approve:
        await _record(site, item)
    await item.refresh_from_db()
    return item


async def _record(site: Site, item: KentaikyoCandidate) -> None:
    """The approved day as a work record (method kentaikyo; no times, the report has days only). A record that
    appeared meanwhile (a late tap folded) is kept as it is: the day exists once either way."""
    roster = await RosterEntry.get_or_none(site=site, technician_id=item.technician_id)  # type: ignore[attr-defined]
    contract = await SiteContract.get_or_none(site=site, business_id=item.business_id)  # type: ignore[attr-defined]
    await execute(
        connections.get("default"),
        """
INSERT INTO work_record (technician_id, site_id, work_date, first_in, last_out, employer_id, tier, trade, position,
                         work_content, method, taps, missing_exit, folded_at)
VALUES (?, ?, ?, NULL, NULL, ?, ?, ?, ?, ?, 'kentaikyo', 0, {false}, ?)
ON CONFLICT (technician_id, site_id, work_date) DO NOTHING""",
        [
            item.technician_id,  # type: ignore[attr-defined]
            site.id,
            item.work_date,
            item.business_id,  # type: ignore[attr-defined]
            contract.tier if contract else None,
            roster.trade if roster else None,
            roster.position.value if roster else None,
            roster.work_content if roster else None,
            now(),
        ],
    )
