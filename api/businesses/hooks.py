"""What a business's changes set off in the domains above it (api/hooks.py; receivers connected by api/wiring.py)."""

from __future__ import annotations

from api.accounts.models import Account
from api.businesses.models import Business
from api.hooks import hook


@hook
async def admin_created(*, account: Account, business: Business) -> None:
    """A 管理者ID was created for the business, in this transaction (billing: its 管理者ID利用料 once the business is
    approved, api/billing/events.py)."""
