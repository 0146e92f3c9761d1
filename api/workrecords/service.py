"""Work records: which chunks to fold, the nightly close, and what a technician or a site sees."""

from __future__ import annotations

from datetime import date, timedelta

from tortoise.timezone import now

from api.attendance.models import Tap
from api.workrecords.fold import fold_chunk
from api.workrecords.models import Watermark, WorkRecord

# A statement folds at most this many days for at most this many sites, so even a national backfill is a series
# of short statements (no timeout, no huge transaction), each idempotent.
CHUNK_DAYS = 7
CHUNK_SITES = 200


async def fold_since_watermark(*, name: str = "fold") -> int:
    """Fold every (site, work day) that received taps since the last run, chunked by site and week."""
    started = now()
    mark = await Watermark.get_or_none(name=name)
    since = mark.value if mark else None
    qs = Tap.filter(received_at__gte=since) if since else Tap.all()
    pairs = await qs.distinct().values_list("site_id", "work_date")
    folded = await fold_pairs(pairs, at=started)
    # Taps received while this ran are picked up next time (the mark is the start, not the end).
    await Watermark.update_or_create(name=name, defaults={"value": started})
    return folded


async def fold_pairs(pairs, *, at) -> int:
    """Fold a set of (site_id, work_date): day ranges of ≤ CHUNK_DAYS, and within each, site-id ranges of
    ≤ CHUNK_SITES sites that had taps (a range may span sites without any, which costs nothing)."""
    if not pairs:
        return 0
    by_range: dict[tuple[date, date], set[int]] = {}
    for first, last in _chunks(sorted({day for _, day in pairs})):
        by_range[(first, last)] = {site for site, day in pairs if first <= day <= last}
    folded = 0
    for (first, last), sites in by_range.items():
        ordered = sorted(sites)
        for i in range(0, len(ordered), CHUNK_SITES):
            group = ordered[i:i + CHUNK_SITES]
            folded += await fold_chunk(site_lo=group[0], site_hi=group[-1], first=first, last=last, at=at)
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
