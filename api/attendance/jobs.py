from typing import Any

from api.attendance.service import release_pending


async def release_pending_taps(ctx: dict[str, Any], site_id: int, business_id: int) -> int:
    """Run when a business joins a site's contract tree. Safe to run twice: the second run finds nothing pending."""
    return await release_pending(site_id=site_id, business_id=business_id)
