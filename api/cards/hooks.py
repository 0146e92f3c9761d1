"""What the cards domain sets off in the domains above it (api/hooks.py; receivers connected by api/wiring.py), so
cards imports none of them."""

from __future__ import annotations

from datetime import date
from typing import Any

from api.hooks import hook
from api.registration.models import Technician


@hook
async def card_reissued(*, tech: Technician, card_serial: str, on: date, settings: Any) -> None:
    """A holder's card was reissued (lost, damaged, rewritten), in this transaction: billing charges the reissue fee
    once per new card, invoiced at once when the technician pays for themselves (api/billing/events.py)."""
