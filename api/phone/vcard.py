"""The technician's virtual card (docs/virtual-card.md): the card the phone's codes are bound to. The codes are made
and signed on the phone (its enrolled key, docs/phone.md), so the phone shows them without a connection."""

from __future__ import annotations

from api.accounts.models import Account
from api.attendance.virtual_card import STEP_S
from api.errors import Conflict, Unprocessable
from api.phone.models import PhoneDeviceKey
from api.phone.schemas import VirtualCardOut
from api.phone.service import _own_technician
from api.cards.models import Card, CardStatus
from api.timeutil import today_jst


async def my_card(*, actor: Account) -> VirtualCardOut:
    tech = await _own_technician(actor)
    if not tech.technician_id:
        raise Unprocessable("A virtual card needs a registered technician ID.", code="technician_not_registered")
    card = (
        await Card.filter(technician=tech, status=CardStatus.active, valid_until__gte=today_jst())
        .order_by("-issued_on", "-id")
        .first()
    )
    if card is None:
        raise Conflict(
            "You have no active card: a virtual card stands for a card that is issued (a reissue included).",
            code="no_active_card",
        )
    if not await PhoneDeviceKey.filter(account_id=actor.id).exists():
        raise Unprocessable(
            "This phone has no registered key yet: open the page online once.", code="device_key_unknown"
        )
    return VirtualCardOut(
        technician_id=tech.technician_id,
        name=f"{tech.family_name} {tech.given_name}",
        card_serial=card.serial,
        valid_until=card.valid_until,
        step_s=STEP_S,
    )
