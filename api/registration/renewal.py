"""登録更新 (renewal) of a technician registration, and the expiry rules card reissue obeys.

A registration is valid until its newest card's expiry (`registration_expiry`). The renewal window opens 6 months
before that day (ccus-facts §1a: "Renewal window opens 6 months before expiry"); a renewal is an application like
any other (submitted → returned / approved by the operator), charged the registration fee of the technician's tier
priced on its submission date, and its approval issues the next period's card: new expiry = old expiry + the term
(`next_expiry`). A lost or damaged card's reissue keeps the expiry; an expired registration is renewed, not
reissued (409 registration_expired).

The term itself (`card_valid_until`: ≈10 years, ≈15 from 60, ≈3 without an identity document) is the registration's
rule; the card issued on approval carries it (api/cards/service.py reads it from here, registration needs nothing of
the cards domain).
"""

from __future__ import annotations

from datetime import date

from api.timeutil import add_months
from api.businesses.models import ReviewStatus
from api.errors import Conflict
from api.registration.models import Application, ApplicationKind, Technician

RENEWAL_OPENS_MONTHS = 6


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


async def registration_expiry(tech: Technician) -> date | None:
    """The last day the registration is valid: the newest expiry among its cards (any status — a lost card's
    registration is still valid). None before the first approval. Read through the relation the cards domain's
    `Card.technician` declares, so registration imports nothing of it."""
    card = await tech.cards.order_by("-valid_until").first()  # type: ignore[attr-defined]
    return card.valid_until if card else None


def renewal_opens_on(expiry: date) -> date:
    """Six calendar months before the expiry (clamped to the month's last day, e.g. 31 Aug → 28/29 Feb)."""
    return add_months(expiry, -RENEWAL_OPENS_MONTHS)


def next_expiry(*, tech: Technician, old_expiry: date) -> date:
    """The renewed registration's expiry: the old expiry plus the term, by the same rule as a first card
    (`card_valid_until` above): to the birthday ≈10 years on (the old expiry is itself a birthday, so
    exactly 10 years), ≈15 years when 60 or older on the old expiry, ≈3 years without an identity document."""
    return card_valid_until(
        birth_date=tech.birth_date, issued_on=old_expiry, has_identity_document=tech.has_identity_document
    )


def renewal_key(tech: Technician) -> str:
    # Application.change_key is unique: one open renewal per technician, even when two are sent at once.
    return f"renewal:{tech.id}"


async def check_can_renew(*, tech: Technician, today: date) -> date:
    """The current expiry, if a renewal may be applied for today; otherwise a 409 the applicant can act on."""
    expiry = await registration_expiry(tech) if tech.status is ReviewStatus.approved else None
    if tech.technician_id is None or expiry is None:
        raise Conflict("Only an approved registration with a card can be renewed.", code="not_renewable")
    opens = renewal_opens_on(expiry)
    if today < opens:
        raise Conflict(
            f"The renewal of this registration (valid until {expiry.isoformat()}) opens on {opens.isoformat()}.",
            code="renewal_not_open_until",
            fields=[{"field": "opens_on", "message": opens.isoformat()}],
        )
    if await Application.filter(change_key=renewal_key(tech)).exists():
        raise Conflict("A renewal is already open; resubmit that one.", code="renewal_open")
    return expiry


async def open_renewal(tech: Technician) -> Application | None:
    return await Application.filter(
        technician_id=tech.id, kind=ApplicationKind.renewal, change_key=renewal_key(tech)
    ).first()
