"""Driver's-licence auto-fill for the 簡略型 registration: the card-face photo (phone path, read here with tesseract)
and the IC chip (read by `edge_reader read-licence` at a counter, its JSON posted here). Either gives a draft with a
confidence per field; the user confirms or edits. The licence number is only ever stored masked, and the raw read is
kept (encrypted) only with the person's consent."""

from __future__ import annotations

import asyncio
import hashlib
import json


from api.accounts.models import Role
from api.errors import NotFound, TooManyRequests
from api.http import Ctx, Router
from api.licence import draft as drafts
from api.licence.models import RegistrationDraft
from api.licence.schemas import ConfirmIn, DraftOut, IcReadIn, LicenceDraft
from api.ratelimit import Rule

router = Router()
OCR_RATE = Rule("licence-ocr", 20, 600, 600)  # card photos per client address per 10 minutes
SOURCE = {"ic_chip": "ic", "card_photo": "ocr"}


def _key(ctx: Ctx) -> bytes:
    # A keyed fingerprint of the licence number lets duplicates be found without storing the number.
    return hashlib.sha256(b"licence-fingerprint" + ctx.settings.secret("data_key")).digest()


async def _store(ctx: Ctx, draft: dict, consent: bool) -> int | None:
    """Kept only for a logged-in person (so they can come back to it); the raw read only with consent, sealed.
    The raw read is never echoed back in the response."""
    raw = draft.pop("raw", None)
    if ctx.principal is None:
        return None
    row = await RegistrationDraft.create(
        owner_account_id=ctx.principal.id,
        source=SOURCE.get(draft.get("source", ""), "ocr"),
        fields_json=draft,
        licence_number_masked=(draft.get("identity_document") or {}).get("number_masked"),
        raw_sealed=ctx.state.vault.seal(json.dumps(raw, ensure_ascii=False).encode()) if consent and raw else None,
        consent_raw=consent,
    )
    return row.id


@router.post(
    "/licence/card-photo",
    summary="Read a driver's licence card face (photo) into a registration draft",
    tags=["licence"],
    uploads=("file",),
    errors=(413, 422, 429),
)
async def card_photo(ctx: Ctx) -> DraftOut:
    from api.auth import authenticate
    from api.licence import ocr

    # tesseract costs seconds of CPU: an open endpoint must not be a DoS lever (the count is shared by all processes)
    if not await ctx.state.limits.hit(OCR_RATE, ctx.client_address):
        raise TooManyRequests(
            "Too many card photos from this address; try again in a few minutes.", code="too_many_licence_photos"
        )
    ctx.principal = await authenticate(ctx.request)
    photo = ctx.files["file"]
    if len(photo) > ctx.settings.max_upload_bytes:
        from api.errors import PayloadTooLarge

        raise PayloadTooLarge("The photo is too large.", code="file_too_large")
    consent = ctx.form.get("consent_raw") == "true"
    result = await asyncio.to_thread(ocr.read_card_face, photo)  # a tesseract subprocess: off the event loop
    draft = drafts.draft_from_ocr(
        result, consent_raw=consent, photo=photo if consent else None, fingerprint_key=_key(ctx)
    )
    return DraftOut(id=await _store(ctx, draft, consent), draft=LicenceDraft.model_validate(draft))


@router.post(
    "/licence/ic",
    summary="A driver's licence IC read (from the edge reader) into a registration draft",
    tags=["licence"],
    roles={Role.technician, Role.business_admin, Role.operator, Role.registration_agent},
    errors=(422,),
)
async def ic_read(ctx: Ctx, body: IcReadIn) -> DraftOut:
    try:
        draft = drafts.draft_from_ic(
            body.licence.model_dump(mode="json", exclude_unset=True),
            consent_raw=body.consent_raw,
            fingerprint_key=_key(ctx),
        )
    except (KeyError, TypeError, ValueError) as exc:
        from api.errors import Unprocessable

        raise Unprocessable.field(
            "licence", f"not an edge_reader read-licence result: {exc}", code="invalid_licence_read"
        ) from None
    return DraftOut(id=await _store(ctx, draft, body.consent_raw), draft=LicenceDraft.model_validate(draft))


@router.post(
    "/licence/drafts/{pk:int}/confirm",
    summary="Confirm or edit a draft's fields",
    tags=["licence"],
    roles={Role.technician, Role.business_admin, Role.operator, Role.registration_agent},
    errors=(404,),
)
async def confirm(ctx: Ctx, pk: int, body: ConfirmIn) -> DraftOut:
    row = await RegistrationDraft.get_or_none(id=pk, owner_account_id=ctx.user.id)
    if row is None:
        raise NotFound("No such draft.", code="draft_not_found")
    updated = drafts.confirm(row.fields_json, confirmed=body.confirmed, edits=body.edits, fingerprint_key=_key(ctx))
    updated.pop("raw", None)
    row.fields_json = updated
    row.licence_number_masked = (updated.get("identity_document") or {}).get("number_masked")
    await row.save()
    return DraftOut(id=row.id, draft=LicenceDraft.model_validate(updated))
