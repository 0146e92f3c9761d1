"""Work records: which chunks to fold, the nightly close, and what a technician or a site sees."""

from __future__ import annotations

from datetime import date, timedelta

from tortoise import connections
from tortoise.timezone import now

from api import sql
from api.workrecords.fold import CONTEXT_AFTER, CONTEXT_BEFORE, fold_chunk
from api.workrecords.models import WorkRecord

# A statement folds at most CHUNK_DAYS days, and reads at most CHUNK_SITE_DAYS site-days of taps (the folded days
# and their context days, api/workrecords/fold.py), so even a national backfill is a series of short statements (no
# timeout, no huge transaction), each idempotent. A month is one day range (its context read once, not per week:
# a week read 15 days of taps for 7, a month reads 39 for 31); the sites per chunk shrink as the days grow (200 sites
# a chunk for a week, as before; 333 for one day; 76 for 31 days).
CHUNK_DAYS = 31
CHUNK_SITE_DAYS = 3000


# A tap changes the records of shifts that started up to two days before its date (it may be their exit) and, through
# the pairing of its neighbours, up to three days after (docs/workrecords.md).
DIRTY_BEFORE, DIRTY_AFTER = timedelta(days=2), timedelta(days=3)
MARKS_PER_RUN = 20_000


async def fold_dirty(*, limit: int = MARKS_PER_RUN) -> int:
    """Fold every (site, date) marked dirty, then consume the marks — only those whose version is still the one read
    here: a tap committed meanwhile re-dirtied its mark, and the next run folds it. Returns records written."""
    conn = connections.get("default")
    folded = 0
    while True:
        marks = await sql.fetch(
            conn, "SELECT site_id, work_date, version FROM fold_dirty ORDER BY site_id, work_date LIMIT ?", [limit]
        )
        if not marks:
            return folded
        days = {(int(m["site_id"]), sql.as_date(m["work_date"])) for m in marks}
        folded += await fold_pairs(_around(days), at=now())
        for i in range(0, len(marks), 3000):
            part = marks[i : i + 3000]
            # Locked in (site, date) order, the order tap ingest upserts them in: no deadlock between the two.
            lock = " ORDER BY site_id, work_date FOR UPDATE" if sql.is_pg(conn) else ""
            row = "(CAST(? AS BIGINT), CAST(? AS DATE), CAST(? AS BIGINT))" if sql.is_pg(conn) else "(?, ?, ?)"
            await sql.execute(
                conn,
                "DELETE FROM fold_dirty WHERE id IN (SELECT id FROM fold_dirty WHERE "
                "(site_id, work_date, version) IN (VALUES " + ", ".join(row for _ in part) + ")" + lock + ")",
                [v for m in part for v in (int(m["site_id"]), sql.as_date(m["work_date"]), int(m["version"]))],
            )
        if len(marks) < limit:
            return folded


def _around(days):
    out = set()
    for site, day in days:
        d = day - DIRTY_BEFORE
        while d <= day + DIRTY_AFTER:
            out.add((site, d))
            d += timedelta(days=1)
    return out


async def fold_pairs(pairs, *, at) -> int:
    """Fold a set of (site_id, work_date): day ranges of ≤ CHUNK_DAYS, and within each, site-id ranges of as many
    sites that had taps as CHUNK_SITE_DAYS allows (a range may span sites without any, which costs nothing)."""
    if not pairs:
        return 0
    by_range: dict[tuple[date, date], set[int]] = {}
    for first, last in _chunks(sorted({day for _, day in pairs})):
        by_range[(first, last)] = {site for site, day in pairs if first <= day <= last}
    folded = 0
    for (first, last), sites in by_range.items():
        ordered = sorted(sites)
        read = (last - first + CONTEXT_BEFORE + CONTEXT_AFTER).days + 1
        per_chunk = max(1, CHUNK_SITE_DAYS // read)
        for i in range(0, len(ordered), per_chunk):
            group = ordered[i : i + per_chunk]
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
    """The nightly close: records up to `through` with no exit are flagged; no exit time is ever made up. A day
    approved from the 建退共 report (method kentaikyo) has no times at all, by nature, and is not flagged."""
    return (
        await WorkRecord.filter(work_date__lte=through, last_out=None, missing_exit=False)
        .exclude(method="kentaikyo")
        .update(missing_exit=True)
    )
