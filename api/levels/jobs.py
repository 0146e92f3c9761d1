from __future__ import annotations

from typing import Any

from api.levels.service import evaluate_range
from api.registration.models import Technician
from api.timeutil import today_jst

CHUNK = 5000  # technicians per aggregation query


async def evaluate_levels(ctx: dict[str, Any], technician_pk: int) -> int:
    return len(await evaluate_range(lo=technician_pk, hi=technician_pk, on=today_jst()))


async def evaluate_all_levels(ctx: dict[str, Any]) -> int:
    """Nightly: every 詳細型 technician, in id chunks. Re-running the same day stores nothing new (history keeps
    changes only)."""
    on = today_jst()
    ids = (
        await Technician.filter(tier="detailed", technician_id__not_isnull=True)
        .order_by("id")
        .values_list("id", flat=True)
    )
    total = 0
    for i in range(0, len(ids), CHUNK):
        chunk = ids[i : i + CHUNK]
        total += len(await evaluate_range(lo=chunk[0], hi=chunk[-1], on=on))
    return total
