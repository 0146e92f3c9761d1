"""A registration that fails, fails whole (issue 19.6): the identity data, the face photo, the identity document and
the application in one request. Everything a refusal can come from is checked first — the images decoded and the
face found, before any row exists — and then the technician, the account, the images and the application are
written in the request's one transaction. A refused photo leaves nothing behind and keeps nothing of the identity
document; the applicant fixes the photo and sends again.

The step-by-step endpoints (create, upload each image, apply) stay for API clients that want them."""

from __future__ import annotations

import hashlib
from collections.abc import Awaitable, Callable

from api.accounts.models import Account
from api.businesses.models import Business
from api.crypto import Vault
from api.errors import Unprocessable
from api.media.images import NormalisedImage, normalise_image_off_loop
from api.media.models import ImageKind, StoredImage
from api.media.service import IMAGE_SIDES, ImageCheck
from api.registration import review
from api.registration.models import Application, ApplicationKind, Technician
from api.registration.schemas import TechnicianProxyRegisterIn, TechnicianSelfRegisterIn
from api.registration.replay import application_of, replayed
from api.registration.service import register_proxy, register_self
from api.settings import Settings


async def check_images(
    *,
    photo: bytes,
    id_document: bytes | None,
    has_identity_document: bool,
    settings: Settings,
    check: ImageCheck | None,
) -> tuple[NormalisedImage, NormalisedImage | None]:
    """Decode and check both images; raise the first refusal. Writes nothing."""
    if has_identity_document and id_document is None:
        raise Unprocessable.field(
            "id_document", "upload the identity document, or declare you have none", code="id_document_required"
        )
    face = await _normalise(photo, ImageKind.face_photo, "photo", settings)
    if check is not None:
        await check(face.data, "photo")
    doc = await _normalise(id_document, ImageKind.id_document, "id_document", settings) if id_document else None
    return face, doc


async def _normalise(raw: bytes, kind: ImageKind, field: str, settings: Settings) -> NormalisedImage:
    return await normalise_image_off_loop(
        raw,
        field=field,
        max_bytes=settings.max_upload_bytes,
        max_pixels=settings.max_image_pixels,
        max_side=IMAGE_SIDES[kind],
    )


async def _save(tech: Technician, kind: ImageKind, img: NormalisedImage, vault: Vault) -> None:
    await StoredImage.create(
        kind=kind,
        technician=tech,
        content_type=img.content_type,
        width=img.width,
        height=img.height,
        sha256=hashlib.sha256(img.data).hexdigest(),
        sealed=vault.seal(img.data),
    )


async def _finish(
    *, actor: Account, tech: Technician, face: NormalisedImage, doc: NormalisedImage | None, vault: Vault
) -> Application:
    await _save(tech, ImageKind.face_photo, face, vault)
    if doc is not None:
        await _save(tech, ImageKind.id_document, doc, vault)
    from api.media.service import request_enrolment

    await request_enrolment(tech=tech)
    return await review.submit(actor=actor, tech=tech, kind=ApplicationKind.new)


async def register_whole(
    *,
    create: Callable[[], Awaitable[tuple[Technician, Account]]],
    has_identity_document: bool,
    photo: bytes,
    id_document: bytes | None,
    settings: Settings,
    vault: Vault,
    check: ImageCheck | None,
) -> tuple[Technician, Application]:
    """The one-transaction registration: the images checked first, then `create` (the technician and whatever account
    it makes; returns the technician and the account that applies), the images and the application. Used by
    self-registration, the employer's 代行申請 and a registration agent's filing (api/agents)."""
    face, doc = await check_images(
        photo=photo,
        id_document=id_document,
        settings=settings,
        check=check,
        has_identity_document=has_identity_document,
    )
    tech, actor = await create()
    application = await _finish(actor=actor, tech=tech, face=face, doc=doc, vault=vault)
    return tech, application


async def register_self_whole(
    *,
    data: TechnicianSelfRegisterIn,
    photo: bytes,
    id_document: bytes | None,
    settings: Settings,
    vault: Vault,
    check: ImageCheck | None,
) -> tuple[Technician, Account, Application]:
    again = await replayed(key=data.request_key, data=data, password=data.password)
    if again is not None:  # sent again after a lost answer: what the first send made
        return again[0], again[1], await application_of(again[0])
    made: list[Account] = []

    async def create() -> tuple[Technician, Account]:
        tech, account, _ = await register_self(data=data)
        made.append(account)
        return tech, account

    tech, application = await register_whole(
        create=create,
        has_identity_document=data.has_identity_document,
        photo=photo,
        id_document=id_document,
        settings=settings,
        vault=vault,
        check=check,
    )
    return tech, made[0], application


async def register_proxy_whole(
    *,
    actor: Account,
    business: Business,
    data: TechnicianProxyRegisterIn,
    photo: bytes,
    id_document: bytes | None,
    settings: Settings,
    vault: Vault,
    check: ImageCheck | None,
) -> tuple[Technician, Account, Application]:
    """Returns the technician's account too (its login ID); the employer's account applies."""
    from api.businesses.service import ensure_can_manage

    ensure_can_manage(actor, business)
    again = await replayed(key=data.request_key, data=data, employer=business)
    if again is not None:  # sent again after a lost answer: what the first send made
        return again[0], again[1], await application_of(again[0])
    made: list[Account] = []

    async def create() -> tuple[Technician, Account]:
        tech, account, _ = await register_proxy(actor=actor, business=business, data=data)
        made.append(account)
        return tech, actor

    tech, application = await register_whole(
        create=create,
        has_identity_document=data.has_identity_document,
        photo=photo,
        id_document=id_document,
        settings=settings,
        vault=vault,
        check=check,
    )
    return tech, made[0], application
