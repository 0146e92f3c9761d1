"""Billing jobs: the monthly close (cron on the 1st, Japan time, after the work-record monthly close) and the
lump-sum settlement (daily)."""

from __future__ import annotations

from typing import Any

from api.billing.close import run_close
from api.billing.hooks import month_closed
from api.billing.issuer import ensure_can_finalise
from api.billing.periods import parse_period, previous_period
from api.timeutil import today_jst


async def billing_close(ctx: dict[str, Any], period: str | None = None) -> dict[str, Any]:
    """Close `period` (YYYY-MM), by default the previous month. Idempotent: a second run issues nothing new."""
    month = parse_period(period) if period else previous_period(today_jst())
    if ctx.get("settings") is not None:
        ensure_can_finalise(ctx["settings"])
    result = await run_close(period=month)
    await month_closed(ctx, month)  # notifications: each payer told of their invoice (api/billing/hooks.py)
    return {
        "period": month.isoformat(),
        "invoices": result.invoices,
        "invoiced_yen": result.invoiced_yen,
        "usage_charges": result.usage_charges,
        "renewal_charges": result.renewal_charges,
        "carried_businesses": result.carried_businesses,
    }


async def settle_lump_sums(ctx: dict[str, Any], lump_ids: list[int] | None = None) -> dict[str, Any]:
    """Settle lump-sum sites past their window (all due ones, or the given lump_sum_site ids): the excess of work
    records over the estimate is charged once. Runs whether or not new lump-sum choices are enabled, so sites chosen
    before the option was turned off are still settled. Safe to run twice or concurrently."""
    from api.billing.lump_sum import settle

    return await settle(lump_ids=[int(i) for i in lump_ids] if lump_ids is not None else None)
