from starlette.responses import Response

from api.accounts.models import Role
from api.devices.service import device_of
from api.errors import NotFound
from api.face import service
from api.face.schemas import (
    CheckinForm,
    CheckinItemOut,
    CheckinOut,
    CheckinQuery,
    ConsentIn,
    DecisionIn,
    FaceSettingsIn,
    FaceSettingsOut,
    FaceStatusOut,
)
from api.http import Ctx, Router
from api.registration.service import get_visible, get_writable
from api.sites.access import ensure_manages
from api.sites.service import get_site

router = Router()
MANAGERS = {Role.business_admin, Role.site_manager}
FRAMES = ("frame1", "frame2", "frame3")


async def _tech(ctx: Ctx):
    return await get_visible(actor=ctx.user, pk=int(ctx.path["pk"]))


async def _own(ctx: Ctx):
    return await get_writable(actor=ctx.user, pk=int(ctx.path["pk"]))


async def _managed_site(ctx: Ctx):
    site = await get_site(pk=int(ctx.path["pk"]))
    await ensure_manages(ctx.user, site)
    return site


@router.post(
    "/face/checkins",
    summary="Face check-in from a site kiosk: 1–3 JPEG frames (multipart frame1..frame3)",
    tags=["face"],
    roles={Role.device},
    uploads=FRAMES[:1],
    optional_uploads=FRAMES[1:],
    errors=(403, 413, 422, 503),
    # The engine takes ~150 ms in a worker process: no database transaction is held open meanwhile (the
    # service writes in its own short one afterwards).
    transactional=False,
)
async def check_in(ctx: Ctx, body: CheckinForm) -> CheckinOut:
    form: CheckinForm = body
    device = await device_of(ctx.user, cache=ctx.state.device_cache)
    frames = [ctx.files[name] for name in FRAMES if name in ctx.files]
    return await service.check_in(
        face=ctx.state.face,
        device=device,
        frames=frames,
        idempotency_key=form.idempotency_key,
        device_time=form.device_time,
        settings=ctx.settings,
        vault=ctx.state.vault,
    )


@router.get(
    "/sites/{pk:int}/face-checkins",
    summary="The site's face check-ins (the review queue with outcome=review)",
    tags=["face"],
    roles=MANAGERS,
    errors=(403, 404),
)
async def list_checkins(ctx: Ctx, query: CheckinQuery) -> list[CheckinItemOut]:
    q: CheckinQuery = query
    return await service.list_checkins(
        site=await _managed_site(ctx), outcome=q.outcome, undecided=q.undecided, limit=q.limit
    )


@router.get(
    "/sites/{pk:int}/face-checkins/{cid:int}/evidence",
    summary="The evidence image of a check-in (JPEG)",
    tags=["face"],
    roles=MANAGERS,
    errors=(403, 404),
    media=("image/jpeg",),
)
async def evidence(ctx: Ctx, cid: int):
    c = await service.get_checkin(site=await _managed_site(ctx), pk=cid)
    if c.evidence_sealed is None:
        raise NotFound(
            "No evidence image is kept for this check-in (refused, expired or deleted).", code="evidence_not_found"
        )
    return Response(
        ctx.state.vault.open(c.evidence_sealed), media_type="image/jpeg", headers={"Cache-Control": "no-store"}
    )


@router.get(
    "/sites/{pk:int}/face-checkins/{cid:int}/registered-photo",
    summary="The matched technician's registered photo (small), to compare with the evidence",
    tags=["face"],
    roles=MANAGERS,
    errors=(403, 404),
    media=("image/jpeg",),
)
async def registered_photo(ctx: Ctx, cid: int):
    c = await service.get_checkin(site=await _managed_site(ctx), pk=cid)
    data = await service.thumbnail_bytes(c.technician, ctx.state.vault, side=320) if c.technician else None
    if data is None:
        raise NotFound("This check-in matched nobody, or the technician has no photo.", code="face_not_found")
    return Response(data, media_type="image/jpeg", headers={"Cache-Control": "no-store"})


@router.post(
    "/sites/{pk:int}/face-checkins/{cid:int}/decision",
    summary="Approve (records the tap) or reject a check-in from the review queue",
    tags=["face"],
    roles=MANAGERS,
    errors=(403, 404, 409),
)
async def decide(ctx: Ctx, cid: int, body: DecisionIn) -> CheckinItemOut:
    return await service.decide(
        actor=ctx.user,
        site=await _managed_site(ctx),
        pk=cid,
        approve=body.approve,
        settings=ctx.settings,
    )


@router.put(
    "/sites/{pk:int}/face-settings",
    summary="The site's face threshold and high-liveness-risk policy",
    tags=["face"],
    roles=MANAGERS,
    errors=(403, 404, 422),
)
async def face_settings(ctx: Ctx, body: FaceSettingsIn) -> FaceSettingsOut:
    site = await service.set_site_settings(site=await _managed_site(ctx), threshold=body.threshold, policy=body.policy)
    return FaceSettingsOut(threshold=site.face_threshold, policy=site.face_policy)


@router.get(
    "/technicians/{pk:int}/face",
    summary="Face check-in: consent and enrolment status",
    tags=["face"],
    roles={Role.technician, Role.business_admin, Role.operator},
    errors=(404,),
)
async def face_status(ctx: Ctx) -> FaceStatusOut:
    return await service.status(tech=await _tech(ctx), face=ctx.state.face)


@router.put(
    "/technicians/{pk:int}/face-consent",
    summary="Give or withdraw consent to face check-in (withdrawing deletes the face data)",
    tags=["face"],
    roles={Role.technician},
    errors=(403, 404),
)
async def face_consent(ctx: Ctx, body: ConsentIn) -> FaceStatusOut:
    tech = await service.set_consent(actor=ctx.user, tech=await _own(ctx), consent=body.consent)
    return await service.status(tech=tech, face=ctx.state.face)


@router.post(
    "/technicians/{pk:int}/face-photos",
    summary="Add an extra photo for face check-in (up to 3)",
    tags=["face"],
    roles={Role.technician},
    uploads=("file",),
    status=201,
    errors=(403, 404, 409, 413, 422, 503),
)
async def add_face_photo(ctx: Ctx) -> FaceStatusOut:
    tech = await service.add_extra_photo(
        actor=ctx.user,
        tech=await _own(ctx),
        data=ctx.files["file"],
        check=ctx.photo_check,
        settings=ctx.settings,
        vault=ctx.state.vault,
    )
    return await service.status(tech=tech, face=ctx.state.face)


@router.delete(
    "/technicians/{pk:int}/face-photos",
    summary="Delete the extra face photos",
    tags=["face"],
    roles={Role.technician},
    errors=(403, 404),
)
async def delete_face_photos(ctx: Ctx) -> FaceStatusOut:
    tech = await service.delete_extra_photos(actor=ctx.user, tech=await _own(ctx))
    return await service.status(tech=tech, face=ctx.state.face)
