"""A holder's card reissue (lost, damaged, 券面書換): the active card revoked everywhere, a new one issued with the
registration's expiry, the reissue fee charged (billing, on the `card_reissued` hook) and the change audited — one
transaction, the route's. An expired registration is renewed (登録更新), never reissued."""

from __future__ import annotations

from typing import Literal

from api.accounts.models import Account
from api.audit import service as audit
from api.cards import hooks
from api.cards.models import Card, CardStatus
from api.cards.revocation import revoke_card
from api.cards.schemas import ReissueOut
from api.cards.service import issue_card
from api.errors import Conflict
from api.fees import tariffs
from api.registration.models import Technician
from api.registration.renewal import registration_expiry
from api.settings import Settings
from api.timeutil import today_jst


async def reissue_card(
    *, actor: Account, tech: Technician, reason: Literal["lost", "damaged", "rewrite"], settings: Settings
) -> ReissueOut:
    """`tech` is one `actor` may write to (api.registration.service.get_writable): the reissue revokes the card
    everywhere and bills 1,000 yen. The revocation's conditional update decides between two reissues sent at once:
    the second finds the card no longer active (409 card_not_active)."""
    today = today_jst()
    expiry = await registration_expiry(tech)
    if tech.technician_id is not None and expiry is not None and expiry < today:
        # A reissue replaces a card; it never extends the registration. An expired one is renewed (登録更新).
        raise Conflict(
            f"The registration expired on {expiry.isoformat()}: apply for its renewal instead of a reissue.",
            code="registration_expired",
        )
    old = await Card.filter(technician=tech, status=CardStatus.active).order_by("-id").first()
    if tech.technician_id is None or old is None:
        raise Conflict("This technician has no active card to reissue.", code="no_active_card")
    await revoke_card(actor=actor, serial=old.serial, reason="lost" if reason == "lost" else "reissue")
    # The replacement keeps the registration's expiry (the card it replaces): a reissue is not a renewal.
    new = await issue_card(
        technician=tech, issued_on=today, key_version=settings.card_keys().newest, valid_until=old.valid_until
    )
    await hooks.card_reissued(tech=tech, card_serial=new.serial, on=today, settings=settings)  # billing: the fee
    await audit.record(
        actor=actor,
        action="card.reissue",
        entity_type="card",
        entity_id=new.serial,
        before={"serial": old.serial},
        after={"serial": new.serial},
        reason=reason,
    )
    return ReissueOut(
        card_serial=new.serial,
        valid_until=new.valid_until,
        revoked_serial=old.serial,
        fee_yen=tariffs.fee(fee_type="card_reissue", on=today),
    )
