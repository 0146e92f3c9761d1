"""What billing sets off in the domains above it (api/hooks.py; receivers connected by api/wiring.py)."""

from __future__ import annotations

from datetime import date
from typing import Any

from api.hooks import hook


@hook
async def month_closed(ctx: dict[str, Any], month: date) -> None:
    """The monthly close of `month` ran (in the billing-close job, after its transactions; a rerun calls it again):
    notifications tells each payer of their invoice, once (api/notifications/jobs.py)."""
