from typing import Any

from tortoise.timezone import now
from tortoise.transactions import in_transaction

from api.attendance.models import Tap
from api.attendance.service import release_pending
from api.workrecords.fold import fold_site_days


async def release_pending_taps(ctx: dict[str, Any], site_id: int, business_id: int) -> int:
    """Run when a business joins a site's contract tree: its pending taps count from now on, and the days they fall
    on are folded again (their receipt time may be older than the fold's watermark). Safe to run twice."""
    async with in_transaction():  # released and refolded together, or not at all (then the retry does both)
        return await _release(site_id, business_id)


async def _release(site_id: int, business_id: int) -> int:
    days = await Tap.filter(site_id=site_id, employer_id=business_id, status="pending").distinct().values_list(
        "work_date", flat=True)
    released = await release_pending(site_id=site_id, business_id=business_id)
    if days:
        await fold_site_days(site_id=site_id, first=min(days), last=max(days), at=now())
    return released
