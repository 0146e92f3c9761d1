from typing import Any

from tortoise import connections
from tortoise.timezone import now
from tortoise.transactions import in_transaction

from api import sql
from api.attendance.models import Tap
from api.attendance.service import release_pending
from api.workrecords.fold import fold_site_days
from api.workrecords.service import DIRTY_AFTER, DIRTY_BEFORE, mark_dirty


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
