"""Card issue: serial and validity (DESIGN §4; ccus-facts §1a)."""

from __future__ import annotations

import re
import secrets
from collections.abc import Mapping
from datetime import date
from typing import Protocol

from api.cards.models import Card

_SERIAL = re.compile(r"[0-9a-fA-F]{16}")


def is_card_serial(text: str) -> bool:
    """A card serial is 16 hex digits: anything else names no card (and must not reach a varchar(16) lookup)."""
    return bool(_SERIAL.fullmatch(text))


def _anniversary(birth: date, year: int) -> date:
    try:
        return birth.replace(year=year)
    except ValueError:  # born on 29 February: the birthday falls on 28 February in common years
        return date(year, 2, 28)


def age_on(birth: date, on: date) -> int:
    return on.year - birth.year - ((on.month, on.day) < (birth.month, birth.day))


def first_birthday_after(birth: date, after: date) -> date:
    candidate = _anniversary(birth, after.year)
    return candidate if candidate > after else _anniversary(birth, after.year + 1)


def card_valid_until(*, birth_date: date, issued_on: date, has_identity_document: bool) -> date:
    """To the first birthday after 9 years from issue (≈10 y); 60 or older at issue: after 14 years (≈15 y);
    registered without an identity document: after 2 years (≈3 y)."""
    if not has_identity_document:
        years = 2
    elif age_on(birth_date, issued_on) >= 60:
        years = 14
    else:
        years = 9
    return first_birthday_after(birth_date, _anniversary(issued_on, issued_on.year + years))


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
