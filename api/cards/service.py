"""Card issue: serial and validity (DESIGN §4; ccus-facts §1a). The term a card carries is the registration's
(api/registration/renewal.card_valid_until); an approval asks for its card through the `card_due` hook."""

from __future__ import annotations

import re
import secrets
from collections.abc import Mapping
from datetime import date
from typing import Protocol

from api.cards.models import Card
from api.registration import hooks as registration_hooks
from api.registration.models import Technician
from api.registration.renewal import card_valid_until

_SERIAL = re.compile(r"[0-9a-fA-F]{16}")


def is_card_serial(text: str) -> bool:
    """A card serial is 16 hex digits: anything else names no card (and must not reach a varchar(16) lookup)."""
    return bool(_SERIAL.fullmatch(text))


class CardHolder(Protocol):
    """What issuing a card reads of its technician (api.registration.models.Technician), without importing it."""

    @property
    def birth_date(self) -> date: ...

    @property
    def has_identity_document(self) -> bool: ...


async def issue_card(
    *, technician: CardHolder, issued_on: date, key_version: int, valid_until: date | None = None
) -> Card:
    """A new card under master key `key_version` — the newest one (``settings.card_keys().newest``, card profile §7).
    `valid_until` keeps a registration's expiry (a replacement); by default it is computed from the issue date."""
    while True:
        serial = secrets.token_hex(8)  # lowercase hex, as readers upload it (docs/card-profile.md §5.1)
        if not await Card.filter(serial=serial).exists():
            break
    return await Card.create(
        technician=technician,
        serial=serial,
        key_version=key_version,
        issued_on=issued_on,
        valid_until=valid_until
        or card_valid_until(
            birth_date=technician.birth_date,
            issued_on=issued_on,
            has_identity_document=technician.has_identity_document,
        ),
    )


@registration_hooks.card_due.connect
async def issue_on_approval(*, tech: Technician, issued_on: date, key_version: int, valid_until: date | None) -> None:
    """An approved registration's card (a new one, or a renewal's with the next period's expiry)."""
    await issue_card(technician=tech, issued_on=issued_on, key_version=key_version, valid_until=valid_until)


async def personalisation(*, card: Card, master_keys: Mapping[int, bytes]):
    from api.cards.profile import Personalisation, derive_card_key, ef_card

    if card.key_version not in master_keys:
        from api.errors import Conflict

        raise Conflict(
            f"このカードの鍵バージョン {card.key_version} のマスター鍵がサーバーに設定されていません。",
            code="card_key_version_unavailable",
        )
    tech = await card.technician
    serial = bytes.fromhex(card.serial)
    return Personalisation(
        technician_id=tech.technician_id,
        card_serial=card.serial,
        issued=card.issued_on,
        expires=card.valid_until,
        key_version=card.key_version,
        card_key=derive_card_key(
            master_key=master_keys[card.key_version], serial=serial, key_version=card.key_version
        ).hex(),
        ef_card=ef_card(
            technician_id=tech.technician_id,
            serial=serial,
            issued=card.issued_on,
            expires=card.valid_until,
            key_version=card.key_version,
        ).hex(),
    )
