"""What registration sets off in, and asks of, the domains above it (api/hooks.py; receivers connected by
api/wiring.py), so registration imports none of them."""

from __future__ import annotations

from datetime import date
from typing import Any

from api.accounts.models import Account
from api.businesses.models import Business
from api.hooks import hook
from api.registration.models import Technician


@hook
async def application_approved(*, app: Any, settings: Any) -> None:
    """An application was approved, in this transaction (billing: its registration fees, api/billing/events.py).
    `app` is an api.registration.models.Application; `settings` the service's (the issuer's 登録番号 for an
    immediate invoice)."""


@hook
async def card_due(*, tech: Technician, issued_on: date, key_version: int, valid_until: date | None) -> None:
    """An approval gives `tech` a new card, in this transaction (cards issues it under master key `key_version`,
    api/cards/service.py): a new registration's (`valid_until` None: the term from `issued_on`) or a renewal's, which
    carries the next period's expiry."""


@hook
async def business_approved(*, business: Business) -> None:
    """A business's registration was approved, in this transaction (sites: a placeholder entered for its 法人番号 by a
    prime becomes this business, once, api/sites/placeholders.py)."""


@hook
async def employee_left(*, tech: Technician, business: Business) -> None:
    """The technician no longer works for `business` (its employer is cleared already), in this transaction (sites:
    off the business's rosters; face: their face data deleted, the consent was given while employed here)."""


@hook
async def may_view(actor: Account, tech: Technician) -> bool:
    """May `actor` see `tech` beyond the employer and the person themselves? (sites: a site's managers and its upper
    tiers, while the technician is on the site, api/sites/access.py). Any receiver's yes is a yes."""
    return False
