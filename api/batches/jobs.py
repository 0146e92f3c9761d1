"""The one job every operator-started batch runs through: api.batches.service.run (records status and counts)."""

from __future__ import annotations

from typing import Any

from api.batches import service


async def run_batch(ctx: dict[str, Any], run_id: int) -> dict[str, Any]:
    return await service.run(ctx, int(run_id))
