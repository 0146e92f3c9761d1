"""Revoking cards and the revocation list readers fetch: a card revoked once (conditional update), the list
versioned by the revocation's id so a reader asks only for what is new."""

from __future__ import annotations

from api.accounts.models import Account, Role
from api.audit import service as audit
from api.cards.models import Card, CardStatus, Revocation
from api.cards.schemas import RevocationsOut
from api.cards.service import is_card_serial
from api.errors import Conflict, NotFound


async def revocations_version() -> int:
    last = await Revocation.all().order_by("-id").first()
    return last.id if last else 0


async def revocations_since(*, since: int) -> RevocationsOut:
    version = await revocations_version()
    if since == 0 or since > version:  # unknown or from another server: send the whole list
        serials = await Revocation.all().order_by("id").values_list("card_serial", flat=True)
        return RevocationsOut(version=version, full=True, revoked=list(serials))
    serials = await Revocation.filter(id__gt=since).order_by("id").values_list("card_serial", flat=True)
    return RevocationsOut(version=version, full=False, revoked=list(serials))


async def revoke_serial(*, card: Card, reason: str) -> bool:
    """Revoke an active card once: a conditional UPDATE decides, so of two concurrent revocations (a reissue and a
    key-version revocation, say) exactly one adds the serial to the list. False: it was no longer active."""
    status = CardStatus.lost if reason == "lost" else CardStatus.revoked
    if not await Card.filter(id=card.id, status=CardStatus.active).update(status=status):
        return False
    card.status = status
    await Revocation.create(card_serial=card.serial, reason=reason)
    return True


async def revoke_card(*, actor: Account, serial: str, reason: str) -> Card:
    card = await Card.get_or_none(serial=serial.lower()) if is_card_serial(serial) else None
    if card is None:
        raise NotFound("No card with this serial.", code="card_not_found")
    if actor.role is Role.technician and actor.technician_id != card.technician_id:  # type: ignore[attr-defined]
        raise NotFound("No card with this serial.", code="card_not_found")
    if card.status is not CardStatus.active:
        raise Conflict(f"The card is already {card.status.value}.", code="card_not_active")
    before = {"status": card.status.value}
    if not await revoke_serial(card=card, reason=reason):
        raise Conflict("The card is no longer active.", code="card_not_active")
    if actor.role is Role.operator:
        await audit.record(
            actor=actor,
            action="card.revoke",
            entity_type="card",
            entity_id=card.serial,
            before=before,
            after={"status": card.status.value},
            reason=reason,
        )
    return card
