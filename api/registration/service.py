"""Technicians: registration (self and proxy), their data, photos and qualifications, and who may see them."""

from __future__ import annotations

import hashlib

from tortoise.exceptions import IntegrityError

from api.accounts.models import Account, Role
from api.accounts.service import create_account
from api.businesses.models import Business, ReviewStatus
from api.crypto import Vault
from api.errors import Conflict, Forbidden, NotFound, Unprocessable
from api.media.images import normalise_image_off_loop
from api.media.models import ImageKind, StoredImage
from api.media.service import IMAGE_SIDES, ImageCheck
from api.registration import hooks
from api.registration.masters import qualifications
from api.registration.models import Qualification, Technician, Tier
from api.registration.replay import key_digest, replayed
from api.registration.schemas import (
    CardOut,
    DetailedIn,
    DisclosureIn,
    IdentityFields,
    QualificationIn,
    QualificationOut,
    TechnicianOut,
    TechnicianPatch,
    TechnicianProxyRegisterIn,
    TechnicianSelfRegisterIn,
    TechnicianSummaryOut,
)
from api.settings import Settings
from api.sql import is_pg
from api.timeutil import today_jst

EDITABLE = {ReviewStatus.draft, ReviewStatus.returned}


def _identity(data: IdentityFields) -> dict:
    return data.model_dump(include=set(IdentityFields.model_fields), mode="python")


async def registered_twin(tech: Technician) -> Technician | None:
    """An approved technician with the same name, birth date and phone: the same person registering twice would split
    their work history across two IDs. Checked when the operator approves, not at registration, whose answer must not
    tell anyone whether a person is registered (the operator returns the second registration instead)."""
    return (
        await Technician.filter(
            family_name_kana=tech.family_name_kana,
            given_name_kana=tech.given_name_kana,
            birth_date=tech.birth_date,
            phone=tech.phone,
            status=ReviewStatus.approved,
        )
        .exclude(id=tech.id)
        .first()
    )


async def register_self(*, data: TechnicianSelfRegisterIn) -> tuple[Technician, Account, bool]:
    """The technician, their account, and whether they were made now (False: this registration sent again with its
    request key, api/registration/replay.py)."""
    again = await replayed(key=data.request_key, data=data, password=data.password)
    if again is not None:
        return *again, False
    employer = None
    if data.employer_business_id is not None:
        from api.ids import check_ccus_id

        check_ccus_id(data.employer_business_id, field="employer_business_id")
        employer = await Business.get_or_none(business_id=data.employer_business_id)
        if employer is None:
            raise Unprocessable.field(
                "employer_business_id", "no business is registered with this 事業者ID", code="unknown_business"
            )
    tech = await Technician.create(**_identity(data), employer=employer)
    account = await create_account(
        password=data.password,
        role=Role.technician,
        display_name=f"{data.family_name} {data.given_name}"[:100],
        email=data.email,
        technician=tech,
        request_key=key_digest(data.request_key),
    )
    return tech, account, True


async def register_proxy(
    *, actor: Account, business: Business, data: TechnicianProxyRegisterIn
) -> tuple[Technician, Account, bool]:
    """The technician, their account (its login ID for the employer to hand over) and whether they were made now
    (False: sent again with its request key)."""
    from api.businesses.service import ensure_can_manage

    ensure_can_manage(actor, business)
    if business.status is not ReviewStatus.approved:
        raise Conflict(
            "Your business registration must be approved before you apply for technicians.",
            code="business_not_approved",
        )
    if data.consent_on > today_jst():
        raise Unprocessable.field("consent_on", "the consent date is in the future", code="consent_date_in_future")
    again = await replayed(key=data.request_key, data=data, employer=business)
    if again is not None:
        return *again, False
    tech = await Technician.create(
        **_identity(data), employer=business, proxy_registered_by=business, proxy_consent_on=data.consent_on
    )
    # The employer chose the password: the technician picks their own at first login.
    account = await create_account(
        password=data.password,
        role=Role.technician,
        display_name=f"{data.family_name} {data.given_name}"[:100],
        email=data.email,
        technician=tech,
        must_change_password=True,
        request_key=key_digest(data.request_key),
    )
    return tech, account, True


async def get_visible(*, actor: Account, pk: int) -> Technician:
    """A technician's personal data is hidden by default: only the person, their employer and the operator see it.

    Anyone else gets 404, not 403, so IDs cannot be probed for existence."""
    tech = await Technician.get_or_none(id=pk)
    if tech is None or not (can_view(actor, tech) or any(await hooks.may_view(actor, tech))):
        raise NotFound("No such technician.", code="technician_not_found")
    return tech


async def get_writable(*, actor: Account, pk: int) -> Technician:
    """Writes to a technician (data, photos, qualifications, applications, card reissue, consent) belong to the person,
    their employer and the operator only. The prime and upper tiers see a technician while on their site — reading
    is not writing: they get 403; anyone who cannot see the technician at all gets 404."""
    tech = await Technician.get_or_none(id=pk)
    if tech is not None and can_view(actor, tech):
        return tech
    if tech is not None and any(await hooks.may_view(actor, tech)):
        raise Forbidden(
            "Only the technician, their employer or the operator can change this technician's data.",
            code="technician_read_only",
        )
    raise NotFound("No such technician.", code="technician_not_found")


def can_view(actor: Account, tech: Technician) -> bool:
    if actor.role is Role.operator:
        return True
    if actor.role is Role.technician:
        return actor.technician_id == tech.id  # type: ignore[attr-defined]
    if actor.role is Role.business_admin:
        return tech.employer_id is not None and actor.business_id == tech.employer_id  # type: ignore[attr-defined]
    return False


def ensure_can_edit(actor: Account, tech: Technician) -> None:
    if actor.role is Role.operator:
        raise Forbidden(
            "Operators change technician data through a correction with a reason.", code="operator_corrects"
        )
    if tech.status not in EDITABLE:
        raise Conflict(
            f"The registration is {tech.status.value}; it can be edited only while draft or returned.",
            code="not_editable",
        )


async def lock_editable(actor: Account, tech: Technician) -> None:
    """ensure_can_edit on the row locked and read again: an application (api/registration/review.py submit, which
    locks this row and makes it submitted) committed meanwhile is seen, or waits for this edit. Without it an edit
    that read the registration as a draft changed it under review."""
    ensure_can_edit(actor, tech)
    if is_pg():
        await Technician.filter(id=tech.id).select_for_update().first()
        await tech.refresh_from_db()
        ensure_can_edit(actor, tech)


async def update(*, actor: Account, tech: Technician, patch: TechnicianPatch) -> Technician:
    await lock_editable(actor, tech)
    changes = patch.model_dump(exclude_unset=True, mode="python")
    merged = IdentityFields.model_validate({**_current_identity(tech), **changes})  # re-check cross-field rules
    for key in changes:
        setattr(
            tech,
            key,
            getattr(merged, key)
            if not hasattr(getattr(merged, key), "model_dump")
            else getattr(merged, key).model_dump(),
        )
    # Only the edited fields: a whole-row save would write back what a concurrent transaction committed since the row
    # was read (a departure's employer, a withdrawn face consent).
    await tech.save(update_fields=[*changes, "updated_at"])
    return tech


def _current_identity(tech: Technician) -> dict:
    return {k: getattr(tech, k) for k in IdentityFields.model_fields}


async def store_image(
    *,
    actor: Account,
    tech: Technician,
    kind: ImageKind,
    raw: bytes,
    settings: Settings,
    vault: Vault,
    editable_check: bool = True,
    check: ImageCheck | None = None,
) -> StoredImage:
    if editable_check:
        ensure_can_edit(actor, tech)
    img = await normalise_image_off_loop(
        raw,
        field=kind.value,
        max_bytes=settings.max_upload_bytes,
        max_pixels=settings.max_image_pixels,
        max_side=IMAGE_SIDES[kind],
    )
    if check is not None:
        await check(img.data, "file")
    if editable_check:
        await lock_editable(actor, tech)  # again, locked: the image may have taken a while
    return await StoredImage.create(
        kind=kind,
        technician=tech,
        content_type=img.content_type,
        width=img.width,
        height=img.height,
        sha256=hashlib.sha256(img.data).hexdigest(),
        sealed=vault.seal(img.data),
    )


async def set_photo(
    *,
    actor: Account,
    tech: Technician,
    kind: ImageKind,
    raw: bytes,
    settings: Settings,
    vault: Vault,
    check: ImageCheck | None = None,
) -> Technician:
    stored = await store_image(actor=actor, tech=tech, kind=kind, raw=raw, settings=settings, vault=vault, check=check)
    # Personal data is not kept once replaced.
    await StoredImage.filter(technician=tech, kind=kind, id__lt=stored.id).delete()
    await tech.save(update_fields=["updated_at"])
    if kind is ImageKind.face_photo:
        from api.media.service import request_enrolment

        await request_enrolment(tech=tech)  # a new photo means new embeddings (with consent)
    return tech


async def image_kinds(tech: Technician) -> set[ImageKind]:
    kinds = await StoredImage.filter(
        technician=tech, kind__in=[ImageKind.face_photo, ImageKind.id_document]
    ).values_list("kind", flat=True)
    return {ImageKind(k) for k in kinds}


async def image_bytes(*, tech: Technician, kind: ImageKind, vault: Vault, qualification_id: int | None = None) -> bytes:
    if kind is ImageKind.certificate:
        q = await Qualification.get_or_none(id=qualification_id, technician=tech)
        img = await StoredImage.get_or_none(id=q.certificate_id) if q and q.certificate_id else None  # type: ignore
    else:
        img = await StoredImage.filter(technician=tech, kind=kind).order_by("-id").first()
    if img is None:
        raise NotFound("No image of this kind has been uploaded.", code="image_not_found")
    return vault.open(img.sealed)


async def set_detailed(*, actor: Account, tech: Technician, data: DetailedIn) -> Technician:
    if tech.status not in EDITABLE and tech.status is not ReviewStatus.approved:
        raise Conflict("The registration is under review; wait for the decision.", code="not_editable")
    if actor.role is Role.operator:
        raise Forbidden(
            "Operators change technician data through a correction with a reason.", code="operator_corrects"
        )
    tech.detailed = data.model_dump(mode="json")
    await tech.save(update_fields=["detailed", "updated_at"])
    return tech


async def add_qualification(
    *, actor: Account, tech: Technician, data: QualificationIn, certificate: bytes, settings: Settings, vault: Vault
) -> Qualification:
    if actor.role is Role.operator:
        raise Forbidden(
            "Operators change technician data through a correction with a reason.", code="operator_corrects"
        )
    if tech.status is ReviewStatus.approved and tech.tier is Tier.detailed:
        # After approval a qualification is reviewed on its own (変更申請): it counts only once approved.
        raise Conflict(
            "The registration is approved: apply for the new qualification with a change application "
            "(POST /technicians/{id}/change-applications).",
            code="change_application_required",
        )
    if await Qualification.filter(technician=tech, code=data.code).exists():
        raise Conflict("This qualification is already registered.", code="duplicate_qualification")
    from api.registration.changes import store_document

    stored = await store_document(actor=actor, tech=tech, raw=certificate, settings=settings, vault=vault)
    try:  # the (technician, code) unique key decides between two additions at the same moment
        return await Qualification.create(technician=tech, certificate=stored, **data.model_dump())
    except IntegrityError:  # a refusal: the request rolls back
        raise Conflict("This qualification is already registered.", code="duplicate_qualification") from None


async def set_disclosure(*, tech: Technician, data: DisclosureIn) -> Technician:
    tech.disclosure = data.model_dump()
    await tech.save(update_fields=["disclosure", "updated_at"])
    return tech


async def to_out(tech: Technician) -> TechnicianOut:
    quals = await Qualification.filter(technician=tech).order_by("acquired_on")
    # The active card, or else the newest one with its status (lost, revoked), so a page can say what happened to it.
    card = await tech.cards.filter(status="active").order_by("-id").first() or await tech.cards.order_by("-id").first()
    master = qualifications()
    kinds = await image_kinds(tech)
    from api.registration import renewal

    expiry = await renewal.registration_expiry(tech) if card else None
    open_renewal = await renewal.open_renewal(tech) if card else None
    return TechnicianOut(
        registration_expires_on=expiry,
        renewal_opens_on=renewal.renewal_opens_on(expiry) if expiry else None,
        open_renewal_pk=open_renewal.id if open_renewal else None,
        **{k: getattr(tech, k) for k in IdentityFields.model_fields},
        id=tech.id,
        technician_id=tech.technician_id,
        employer_pk=tech.employer_id,  # type: ignore[attr-defined]
        tier=tech.tier.value,
        status=tech.status.value,
        detailed=tech.detailed or None,  # stored {} until the 詳細型 data is entered
        disclosure=DisclosureIn.model_validate(
            tech.disclosure or {}
        ),  # {} until set: its defaults (docs on DisclosureIn)
        has_photo=ImageKind.face_photo in kinds,
        has_id_document=ImageKind.id_document in kinds,
        proxy=tech.proxy_registered_by_id is not None,  # type: ignore[attr-defined]
        qualifications=[
            QualificationOut(
                id=q.id,
                code=q.code,
                # A code withdrawn from the masters since it was approved still shows, by its code.
                name=master.get(q.code, {}).get("name", q.code),
                category=master.get(q.code, {}).get("category", "withdrawn"),
                acquired_on=q.acquired_on,
                expires_on=q.expires_on,
                has_certificate=q.certificate_id is not None,  # type: ignore[attr-defined]
                approved=q.approved_at is not None,
            )
            for q in quals
        ],
        card=CardOut(
            serial=card.serial,
            issued_on=card.issued_on,
            valid_until=card.valid_until,
            status=card.status.value,
            key_version=card.key_version,
        )
        if card
        else None,
    )


async def employees(
    *, business: Business, q: str | None = None, status: str | None = None, residence_within_days: int | None = None
) -> list[TechnicianSummaryOut]:
    """The business's technicians by kana order; searched by every word of `q` (name in kanji or kana, technician
    ID), by registration status, or by a residence permit ending within some days (today and later)."""
    from datetime import timedelta

    from tortoise.expressions import Q

    from api.timeutil import today_jst

    qs = Technician.filter(employer=business)
    for word in (q or "").split()[:5]:
        qs = qs.filter(
            Q(family_name__icontains=word)
            | Q(given_name__icontains=word)
            | Q(family_name_kana__icontains=word)
            | Q(given_name_kana__icontains=word)
            | Q(technician_id__icontains=word)
        )
    if status:
        qs = qs.filter(status=status)
    if residence_within_days is not None:
        today = today_jst()
        qs = qs.filter(residence_expiry__gte=today, residence_expiry__lte=today + timedelta(days=residence_within_days))
    techs = await qs.order_by("family_name_kana", "given_name_kana")
    with_card = await _with_active_card([t.id for t in techs])
    logins = dict(
        await Account.filter(technician_id__in=[t.id for t in techs])
        .order_by("id")
        .values_list("technician_id", "login")
    )
    return [
        TechnicianSummaryOut(
            id=t.id,
            technician_id=t.technician_id,
            name=f"{t.family_name} {t.given_name}",
            tier=t.tier.value,
            status=t.status.value,
            card_status="active" if t.id in with_card else None,
            residence_expiry=t.residence_expiry,
            employed_since=t.employed_since,
            login_id=logins.get(t.id),
        )
        for t in techs
    ]


async def leave_employer(*, business: Business, pk: int) -> Technician:
    """The technician no longer works for this business: off its rosters, no employer, and their face data is
    deleted (the consent was given for check-ins while employed here; a new employer asks again)."""
    tech = await Technician.get_or_none(id=pk, employer=business)
    if tech is None:
        raise NotFound("No such employee.", code="employee_not_found")
    await Technician.filter(id=tech.id).update(employer_id=None, employed_since=None)
    await hooks.employee_left(tech=tech, business=business)  # sites: off its rosters; face: data deleted
    return tech


async def _with_active_card(tech_ids: list[int]) -> set[int]:
    # Through the relation the cards domain's `Card.technician` declares: registration imports nothing of cards.
    if not tech_ids:
        return set()
    return {row["id"] for row in await Technician.filter(id__in=tech_ids, cards__status="active").values("id")}
