"""The card operations: a holder's reissue, a card reported lost or withdrawn, and the card bureau's personalisation
record. Each keeps the operationId it had before it moved here (generated clients name their methods by it).

The revocation list readers download stays with the reader protocol (`GET /devices/revocations`, api/devices/routes.py):
it answers enrolled devices only, and devices sits above cards (a heartbeat answers the list's version)."""

from __future__ import annotations

from dataclasses import asdict

from api import db
from api.accounts.models import Role
from api.audit import service as audit
from api.cards import reissue, revocation
from api.cards.models import Card
from api.cards.schemas import PersonalisationOut, ReissueIn, ReissueOut, RevokeCardIn
from api.cards.service import is_card_serial, personalisation
from api.errors import NotFound
from api.http import Ctx, Router
from api.registration.schemas import CardOut
from api.registration.service import get_writable

router = Router()


@router.post(
    "/technicians/{pk:int}/card-reissue",
    summary="Reissue a lost, damaged or outdated card (1,000 yen; "
    "keeps the registration's expiry; an expired registration is refused, 409 registration_expired)",
    tags=["cards"],
    roles={Role.technician, Role.business_admin, Role.operator},
    status=201,
    errors=(404, 409),
    operation_id="billing_card_reissue",  # its id from before it moved here
)
async def card_reissue(ctx: Ctx, pk: int, body: ReissueIn) -> ReissueOut:
    # Revokes the card everywhere and bills 1,000 yen: never for a prime that only sees the technician on its site.
    tech = await get_writable(actor=ctx.user, pk=pk)
    return await reissue.reissue_card(actor=ctx.user, tech=tech, reason=body.reason, settings=ctx.settings)


@router.post(
    "/cards/{serial}/revoke",
    summary="Report a card lost, replaced or withdrawn (readers then refuse it)",
    tags=["cards"],
    roles={Role.technician, Role.operator},
    errors=(404, 409),
    operation_id="devices_revoke_card",  # its id from before it moved here
)
async def revoke_card(ctx: Ctx, serial: str, body: RevokeCardIn) -> CardOut:
    card = await revocation.revoke_card(actor=ctx.user, serial=serial, reason=body.reason)
    return CardOut(
        serial=card.serial,
        issued_on=card.issued_on,
        valid_until=card.valid_until,
        status=card.status.value,
        key_version=card.key_version,
    )


@router.get(
    "/cards/{serial}/personalisation",
    summary="The personalisation record for the card bureau (includes the card key; every export is audited)",
    tags=["cards"],
    roles={Role.operator},
    errors=(404, 409),
    operation_id="registration_card_personalisation",  # its id from before it moved here
)
async def card_personalisation(ctx: Ctx) -> PersonalisationOut:
    serial = ctx.path["serial"]
    card = await Card.get_or_none(serial=serial.lower()) if is_card_serial(serial) else None
    if card is None:
        raise NotFound("No card with this serial.", code="card_not_found")
    record = await personalisation(card=card, master_keys=ctx.settings.card_keys())

    async def log() -> None:
        # A GET runs without a transaction: the export's audit row is written in one of its own.
        await audit.record(
            actor=ctx.user,
            action="card.personalisation_export",
            entity_type="card",
            entity_id=card.serial,
            reason="card bureau personalisation",
        )

    await db.run_in_unit_of_work(ctx.state, log)
    return PersonalisationOut(**asdict(record))
