"""Card issue: serial and validity (DESIGN §4; ccus-facts §1a)."""

from __future__ import annotations

import re
import secrets
from datetime import date

from api.registration.models import Card, Technician


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


async def issue_card(*, technician: Technician, issued_on: date) -> Card:
    while True:
        serial = secrets.token_hex(8)  # lowercase hex, as readers upload it (docs/card-profile.md §5.1)
        if not await Card.filter(serial=serial).exists():
            break
    return await Card.create(
        technician=technician,
        serial=serial,
        issued_on=issued_on,
        valid_until=card_valid_until(
            birth_date=technician.birth_date, issued_on=issued_on, has_identity_document=technician.has_identity_document
        ),
    )


async def personalisation(*, card: Card, master_key: bytes):
    from api.registration.card_profile import Personalisation, derive_card_key, ef_card

    tech = await card.technician
    serial = bytes.fromhex(card.serial)
    return Personalisation(
        technician_id=tech.technician_id, card_serial=card.serial, issued=card.issued_on, expires=card.valid_until,
        key_version=card.key_version,
        card_key=derive_card_key(master_key=master_key, serial=serial, key_version=card.key_version).hex(),
        ef_card=ef_card(technician_id=tech.technician_id, serial=serial, issued=card.issued_on,
                        expires=card.valid_until, key_version=card.key_version).hex(),
    )
