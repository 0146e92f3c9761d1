"""Batch jobs for work records. Each takes ids or dates, is idempotent at the database level and safe to run twice."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from api.timeutil import today_jst
from api.workrecords import service
from api.workrecords.fold import fold_site_days


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
    from api.attendance.models import Tap

    first_of_this = today_jst().replace(day=1)
    first = (first_of_this - timedelta(days=1)).replace(day=1)
    last = first_of_this - timedelta(days=1)
    from tortoise.timezone import now

    pairs = await Tap.filter(work_date__gte=first, work_date__lte=last).distinct().values_list("site_id", "work_date")
    folded = await service.fold_pairs(pairs, at=now())
    await service.close_days(through=last)
    return folded


async def ensure_partitions(ctx: dict[str, Any]) -> dict[str, Any]:
    """Daily: the monthly partitions of tap and work_record for last month through three months ahead (PostgreSQL;
    nothing on SQLite). Idempotent."""
    from api.db_partitions import ensure_ahead

    return {"count": len(await ensure_ahead())}
