"""The employer's monthly 建退共 confirm-then-submit.

The month's work days come from the work records (one per technician × site × day) through the 月別カレンダー
renderer (`api/reports/kentaikyo.py`), so a day is a day: a technician on two sites on one day counts once. The
employer adjusts single cells — technician × site × day, worked or not — each with a reason; the month is then
confirmed once, which freezes the calendar (rows, adjustments and warnings) as the snapshot that is exported. After
that nothing about the month changes: a later record, adjustment or approved candidate is refused or left out.

"Once" is the unique key (business, month) on kentaikyo_month plus writes that decide under it: the month row is
made by INSERT … ON CONFLICT DO NOTHING, every writer of the month locks its row (SELECT … FOR UPDATE) before it reads
the status, and the confirmation itself is UPDATE … WHERE status = 'open' whose row count decides.
"""

from __future__ import annotations

from datetime import date

from tortoise import connections
from tortoise.timezone import now

from api.accounts.models import Account
from api.businesses.models import Business
from api.errors import Conflict, Unprocessable
from api.kentaikyo.models import KentaikyoAdjustment, KentaikyoMonth, MonthStatus
from api.kentaikyo.numbers import contract_number, member_numbers
from api.registration.models import Technician
from api.reports.csvout import CsvFile, Encoding, write_csv
from api.reports.kentaikyo import COLUMNS, Party, WorkDay, monthly_calendar
from api.sites.models import ContractStatus, Site, SiteContract
from api.sites.training import work_sites_only
from api.sql import execute, is_pg
from api.timeutil import today_jst
from api.workrecords.models import WorkRecord


def month_bounds(month: str) -> tuple[date, date]:
    y, m = map(int, month.split("-"))
    return date(y, m, 1), date(y + (m == 12), m % 12 + 1, 1)


def _name(t: Technician) -> str:
    return f"{t.family_name} {t.given_name}"


async def _ensure_month(business: Business, first: date, *, lock: bool) -> KentaikyoMonth:
    conn = connections.get("default")
    await execute(
        conn,
        "INSERT INTO kentaikyo_month (business_id, month, status, created_at) VALUES (?, ?, 'open', ?) "
        "ON CONFLICT (business_id, month) DO NOTHING",
        [business.id, first, now()],
    )
    qs = KentaikyoMonth.filter(business=business, month=first)
    if lock and is_pg():
        qs = qs.select_for_update()  # every writer of the month takes this lock before reading its status
    return await qs.get()


async def month_view(*, business: Business, month: str) -> dict:
    first, nxt = month_bounds(month)
    row = await KentaikyoMonth.get_or_none(business=business, month=first)
    if row is not None and row.status is MonthStatus.confirmed:
        return {**row.snapshot, "status": "confirmed", "confirmed_at": row.confirmed_at}  # type: ignore[dict-item]
    body = await _build(business, first, nxt, row)
    return {**body, "status": "open", "confirmed_at": None}


async def _build(business: Business, first: date, nxt: date, row: KentaikyoMonth | None) -> dict:
    """The month as it stands: the records with the adjustments applied, rendered by the 月別カレンダー."""
    # Training days (api/sites/training.py) are work days for levels but not 建退共 days: no contract ties the
    # employer to a training site, and the employer pays no wages for a 現場 there (docs/training.md).
    records = await work_sites_only(WorkRecord.filter(employer_id=business.id, work_date__gte=first, work_date__lt=nxt))
    cells: dict[tuple[int, int, date], object] = {
        (r.technician_id, r.site_id, r.work_date): r.first_in  # type: ignore
        for r in records
    }
    adjustments = (await KentaikyoAdjustment.filter(month=row).order_by("work_date", "id")) if row else []
    for a in adjustments:
        key = (a.technician_id, a.site_id, a.work_date)  # type: ignore[attr-defined]
        if a.worked:
            cells.setdefault(key, None)
        else:
            cells.pop(key, None)
    tech_pks = {k[0] for k in cells} | {a.technician_id for a in adjustments}  # type: ignore[attr-defined]
    site_pks = {k[1] for k in cells} | {a.site_id for a in adjustments}  # type: ignore[attr-defined]
    techs = {t.id: t for t in await Technician.filter(id__in=tech_pks)}
    sites = {s.id: s for s in await Site.filter(id__in=site_pks)}
    tid = {pk: t.technician_id or str(pk) for pk, t in techs.items()}
    sid = {pk: s.site_id for pk, s in sites.items()}
    member_no = await member_numbers(list(techs))
    cal = monthly_calendar(
        year=first.year,
        month=first.month,
        records=[WorkDay(tid[t], sid[s], business.business_id, d, fi) for (t, s, d), fi in cells.items()],  # type: ignore
        technicians={tid[pk]: Party(tid[pk], _name(t), member_no.get(pk, "")) for pk, t in techs.items()},
        sites={sid[pk]: Party(sid[pk], s.name) for pk, s in sites.items()},
        employers={
            business.business_id: Party(business.business_id, business.name, await contract_number(business.id))
        },
    )
    tech_by_id = {v: k for k, v in tid.items()}
    site_by_id = {v: k for k, v in sid.items()}
    rows = [
        {
            "technician_pk": tech_by_id[r.technician.id],
            "technician_id": r.technician.id,
            "name": r.technician.name,
            "technician_number": r.technician.number,
            "site_pk": site_by_id[r.site.id],
            "site_id": r.site.id,
            "site_name": r.site.name,
            "employer_number": r.employer.number,
            "days": sorted(r.days),
            "total": r.total,
        }
        for r in cal.rows
    ]
    return {
        "month": f"{first.year}-{first.month:02d}",
        "business_id": business.business_id,
        "business_name": business.name,
        "rows": rows,
        "total_days": sum(r["total"] for r in rows),
        "warnings": list(cal.warnings),
        "adjustments": [
            {
                "technician_pk": a.technician_id,  # type: ignore[attr-defined]
                "technician_id": tid.get(a.technician_id, ""),  # type: ignore
                "site_pk": a.site_id,  # type: ignore[attr-defined]
                "site_id": sid.get(a.site_id, ""),  # type: ignore[attr-defined]
                "work_date": a.work_date.isoformat(),
                "worked": a.worked,
                "reason": a.reason,
                "at": a.at.isoformat(),
            }
            for a in adjustments
        ],
    }


async def adjust(
    *, actor: Account, business: Business, technician_id: str, site_id: str, work_date: date, worked: bool, reason: str
) -> dict:
    reason = reason.strip()
    if not reason:
        raise Unprocessable.field(
            "reason",
            "an adjustment needs its reason (kept with the confirmed month)",
            code="adjustment_reason_required",
        )
    if work_date > today_jst():
        raise Unprocessable.field("work_date", "a day that has not come yet cannot be worked", code="future_day")
    tech = await Technician.get_or_none(technician_id=technician_id)
    first = work_date.replace(day=1)
    nxt = date(first.year + (first.month == 12), first.month % 12 + 1, 1)
    if tech is None or not (
        tech.employer_id == business.id  # type: ignore[attr-defined]
        or await WorkRecord.filter(  # type: ignore[attr-defined]
            technician=tech, employer_id=business.id, work_date__gte=first, work_date__lt=nxt
        ).exists()
    ):
        raise Unprocessable.field(
            "technician_id",
            "not a technician of this employer (nor on its records that month)",
            code="not_your_technician",
        )
    site = await Site.get_or_none(site_id=site_id)
    if (
        site is None
        or not await SiteContract.filter(site=site, business=business, status=ContractStatus.approved).exists()
    ):
        raise Unprocessable.field(
            "site_id", "this employer is not in the site's contract tree", code="site_not_in_tree"
        )
    row = await _ensure_month(business, first, lock=True)
    if row.status is not MonthStatus.open:
        raise Conflict(f"{first:%Y-%m} is confirmed and locked; it cannot be changed.", code="kentaikyo_month_locked")
    recorded = await WorkRecord.filter(
        technician=tech, site=site, work_date=work_date, employer_id=business.id
    ).exists()
    existing = await KentaikyoAdjustment.get_or_none(month=row, technician=tech, site=site, work_date=work_date)
    if worked == recorded:
        # Back to what the records say: the adjustment is withdrawn (the reason is still asked for, as for any change).
        if existing is not None:
            await existing.delete()
    elif existing is not None:
        existing.worked, existing.reason, existing.by_id, existing.at = worked, reason, actor.id, now()
        await existing.save()
    else:
        await KentaikyoAdjustment.create(
            month=row,
            technician=tech,
            site=site,
            work_date=work_date,
            worked=worked,
            reason=reason,
            by_id=actor.id,
            at=now(),
        )
    return await month_view(business=business, month=f"{first:%Y-%m}")


async def confirm(*, actor: Account, business: Business, month: str) -> dict:
    first, nxt = month_bounds(month)
    if nxt > today_jst():
        raise Unprocessable.field("month", "a month is confirmed after it has ended", code="kentaikyo_month_not_over")
    row = await _ensure_month(business, first, lock=True)
    if row.status is not MonthStatus.open:
        raise Conflict(f"{month} is already confirmed.", code="kentaikyo_month_confirmed")
    snapshot = await _build(business, first, nxt, row)
    at = now()
    taken = await KentaikyoMonth.filter(id=row.id, status=MonthStatus.open).update(
        status=MonthStatus.confirmed, confirmed_by_id=actor.id, confirmed_at=at, snapshot=snapshot
    )
    if not taken:  # the lock makes this unreachable on PostgreSQL; the condition still decides
        raise Conflict(f"{month} is already confirmed.", code="kentaikyo_month_confirmed")
    return {**snapshot, "status": "confirmed", "confirmed_at": at}


async def export(*, business: Business, month: str, encoding: Encoding) -> CsvFile:
    first, _ = month_bounds(month)
    row = await KentaikyoMonth.get_or_none(business=business, month=first)
    if row is None or row.status is not MonthStatus.confirmed:
        raise Conflict(
            f"{month} is not confirmed yet: confirm it first, then export.", code="kentaikyo_month_not_confirmed"
        )
    # The numbers are identifiers, not reported data: one entered after the confirmation fills a blank in the export.
    snap: dict = dict(row.snapshot)  # type: ignore[arg-type]
    member_no = await member_numbers([r["technician_pk"] for r in snap["rows"]])
    employer_no = await contract_number(business.id)
    snap["rows"] = [
        {
            **r,
            "employer_number": r["employer_number"] or employer_no,
            "technician_number": r["technician_number"] or member_no.get(r["technician_pk"], ""),
        }
        for r in snap["rows"]
    ]
    return snapshot_csv(snap, encoding=encoding)


def snapshot_csv(snap: dict, *, encoding: Encoding) -> CsvFile:
    """The confirmed month in the 月別カレンダー / 就労実績報告 layout (docs/kentaikyo.md §3)."""
    y, m = map(int, snap["month"].split("-"))
    import calendar

    last = calendar.monthrange(y, m)[1]
    rows = [
        [
            snap["month"],
            r["employer_number"],
            snap["business_id"],
            snap["business_name"],
            r["site_id"],
            r["site_name"],
            r["technician_id"],
            r["name"],
            r["technician_number"],
            *["1" if d in r["days"] else "" for d in range(1, last + 1)],
            *[""] * (31 - last),
            str(r["total"]),
        ]
        for r in snap["rows"]
    ]
    return write_csv(COLUMNS, rows, encoding=encoding)
