"""Work records: which chunks to fold, the nightly close, and what a technician or a site sees."""

from __future__ import annotations

from datetime import date, timedelta

from tortoise.timezone import now

from api.attendance.models import Tap
from api.workrecords.fold import fold_site_days
from api.workrecords.models import Watermark, WorkRecord

# Chunks of at most this many days per site keep each statement short even in a large backfill.
CHUNK_DAYS = 7


async def fold_since_watermark(*, name: str = "fold") -> int:
    """Fold every (site, work day) that received taps since the last run, chunked by site and week."""
    started = now()
    mark = await Watermark.get_or_none(name=name)
    since = mark.value if mark else None
    qs = Tap.filter(received_at__gte=since) if since else Tap.all()
    pairs = await qs.distinct().values_list("site_id", "work_date")
    by_site: dict[int, list[date]] = {}
    for site_id, day in pairs:
        by_site.setdefault(site_id, []).append(day)
    folded = 0
    for site_id, days in by_site.items():
        for first, last in _chunks(sorted(set(days))):
            folded += await fold_site_days(site_id=site_id, first=first, last=last, at=started)
    # Taps received while this ran are picked up next time (the mark is the start, not the end).
    await Watermark.update_or_create(name=name, defaults={"value": started})
    return folded


def _chunks(days: list[date]):
    start = prev = days[0]
    for d in days[1:]:
        if d - start >= timedelta(days=CHUNK_DAYS) or d - prev > timedelta(days=1):
            yield start, prev
            start = d
        prev = d
    yield start, prev


async def close_days(*, through: date) -> int:
    """The nightly close: records up to `through` with no exit are flagged; no exit time is ever made up."""
    return await WorkRecord.filter(work_date__lte=through, last_out=None, missing_exit=False).update(missing_exit=True)
