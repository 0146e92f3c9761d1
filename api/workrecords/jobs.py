"""Batch jobs for work records. Each takes ids or dates, is idempotent at the database level and safe to run twice."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from tortoise import connections
from tortoise.timezone import now
from tortoise.transactions import in_transaction

from api import sql
from api.attendance.dirty import mark_dirty
from api.attendance.models import Tap
from api.attendance.service import release_pending
from api.timeutil import today_jst
from api.workrecords import service
from api.workrecords.fold import fold_site_days
from api.workrecords.service import DIRTY_AFTER, DIRTY_BEFORE


async def fold_recent(ctx: dict[str, Any]) -> int:
    """Fold every (site, date) whose taps changed (the dirty marks their ingest left)."""
    return await service.fold_dirty()


async def fold_site(ctx: dict[str, Any], site_id: int, first: str, last: str) -> int:
    from tortoise.timezone import now

    return await fold_site_days(
        site_id=site_id, first=date.fromisoformat(first), last=date.fromisoformat(last), at=now()
    )


async def nightly_close(ctx: dict[str, Any]) -> int:
    """Fold what arrived, then flag missing exits for days before yesterday (a late exit tap may still come in for
    yesterday's night shift)."""
    await service.fold_dirty()
    return await service.close_days(through=today_jst() - timedelta(days=2))


async def monthly_close(ctx: dict[str, Any]) -> int:
    """On the 1st: fold the whole previous month again for every site that had taps in it (a safety net: the dirty
    marks already make each run exact), then flag its missing exits. The month's reports are built from what this leaves."""
    first_of_this = today_jst().replace(day=1)
    first = (first_of_this - timedelta(days=1)).replace(day=1)
    last = first_of_this - timedelta(days=1)
    pairs = await Tap.filter(work_date__gte=first, work_date__lte=last).distinct().values_list("site_id", "work_date")
    folded = await service.fold_pairs(pairs, at=now())
    await service.close_days(through=last)
    return folded


async def ensure_partitions(ctx: dict[str, Any]) -> dict[str, Any]:
    """Daily: the monthly partitions of tap and work_record for last month through three months ahead (PostgreSQL;
    nothing on SQLite). Idempotent."""
    from api.db_partitions import ensure_ahead

    return {"count": len(await ensure_ahead())}


async def release_pending_taps(ctx: dict[str, Any], site_id: int, business_id: int) -> int:
    """Run when a business joins a site's contract tree: its pending taps count from now on, and the days they fall
    on are folded again. Safe to run twice."""
    async with in_transaction("default"):  # released and refolded together, or not at all (then the retry does both)
        return await _release(site_id, business_id)


async def _release(site_id: int, business_id: int) -> int:
    days = (
        await Tap.filter(site_id=site_id, employer_id=business_id, status="pending")
        .distinct()
        .values_list("work_date", flat=True)
    )
    released = await release_pending(site_id=site_id, business_id=business_id)
    if days:
        # Marked dirty in this transaction too, so a fold running meanwhile (which may have read the taps while
        # still pending) cannot leave them out: the next fold takes them.
        await mark_dirty(connections.get("default"), [(site_id, sql.as_date(d)) for d in days])
        await fold_site_days(site_id=site_id, first=min(days) - DIRTY_BEFORE, last=max(days) + DIRTY_AFTER, at=now())
    return released
