"""変更申請 (change applications after approval) and the operator's corrections of qualifications and business data.

Deciding a change application uses the review queue's own endpoints (/review/applications/{id}/approve|return)."""

from starlette.responses import Response

from api.accounts.models import Role
from api.businesses.schemas import BusinessOut
from api.errors import NotFound
from api.http import Ctx, Router
from api.registration import changes, corrections, service
from api.registration.change_schemas import (
    BusinessCorrectionIn,
    ChangeForm,
    QualificationCorrectionIn,
)
from api.registration.change_schemas import (
    BusinessDataChange as BusinessChangeIn,
)
from api.registration.review import app_out
from api.registration.schemas import ApplicationOut, TechnicianOut

router = Router()
APPLICANTS = {Role.technician, Role.business_admin}


@router.post(
    "/technicians/{pk:int}/change-applications",
    summary="変更申請 after approval (multipart: type = "
    "qualification | data | prior_experience | kaitai, payload = JSON, file = the document image, required "
    "except for data)",
    tags=["applications"],
    roles=APPLICANTS,
    uploads=(),
    optional_uploads=("file",),
    status=201,
    errors=(404, 409, 413, 422),
)
async def submit_change(ctx: Ctx, pk: int, body: ChangeForm) -> ApplicationOut:
    tech = await service.get_writable(actor=ctx.user, pk=pk)  # never a prime that only sees them
    app = await changes.submit(
        actor=ctx.user,
        tech=tech,
        change_type=body.type,
        raw_payload=body.payload,
        file=ctx.files.get("file"),
        settings=ctx.settings,
        vault=ctx.state.vault,
    )
    return app_out(app)


@router.get(
    "/technicians/{pk:int}/change-applications",
    summary="Change applications with their decisions (the history of every change)",
    tags=["applications"],
    roles={*APPLICANTS, Role.operator},
    errors=(404,),
)
async def list_changes(ctx: Ctx, pk: int) -> list[ApplicationOut]:
    tech = await service.get_visible(actor=ctx.user, pk=pk)
    return [app_out(a) for a in await changes.history(tech=tech)]


@router.post(
    "/change-applications/{pk:int}/resubmit",
    summary="Resubmit a returned change application with the "
    "fields corrected (multipart as when applying; without a file the document stays)",
    tags=["applications"],
    roles=APPLICANTS,
    uploads=(),
    optional_uploads=("file",),
    errors=(404, 409, 413, 422),
)
async def resubmit_change(ctx: Ctx, pk: int, body: ChangeForm) -> ApplicationOut:
    app = await changes.get_change(pk=pk)
    if app.technician_id is not None:  # type: ignore[attr-defined]
        await service.get_writable(actor=ctx.user, pk=app.technician_id)  # type: ignore[attr-defined]
    if body.type != app.change_type:
        from api.errors import Unprocessable

        raise Unprocessable.field("type", "the type of a change application cannot change", code="subject_changed")
    return app_out(
        await changes.resubmit(
            actor=ctx.user,
            app=app,
            raw_payload=body.payload,
            file=ctx.files.get("file"),
            settings=ctx.settings,
            vault=ctx.state.vault,
        )
    )


@router.post(
    "/businesses/{pk:int}/change-applications",
    summary="変更申請 of the business's reviewed data (capital, "
    'permit and its industries, name, address): {"changes": {…}}',
    tags=["applications"],
    roles={Role.business_admin},
    status=201,
    errors=(403, 404, 409, 422),
)
async def submit_business_change(ctx: Ctx, pk: int, body: BusinessChangeIn) -> ApplicationOut:
    import json

    from api.businesses.service import get_business

    business = await get_business(pk=pk)
    app = await changes.submit_business(
        actor=ctx.user, business=business, raw_payload=json.dumps(body.model_dump(mode="json", exclude_unset=True))
    )
    return app_out(app)


@router.get(
    "/businesses/{pk:int}/change-applications",
    summary="The business's change applications (history)",
    tags=["applications"],
    roles={Role.business_admin, Role.operator},
    errors=(403, 404),
)
async def list_business_changes(ctx: Ctx, pk: int) -> list[ApplicationOut]:
    from api.businesses.service import ensure_can_manage, get_business
    from api.registration.models import Application, ApplicationKind

    business = await get_business(pk=pk)
    ensure_can_manage(ctx.user, business)
    return [
        app_out(a) for a in await Application.filter(business=business, kind=ApplicationKind.change).order_by("-id")
    ]


@router.get(
    "/change-applications/{pk:int}/document",
    summary="The document image of a change application (JPEG)",
    tags=["applications"],
    roles={*APPLICANTS, Role.operator},
    errors=(404,),
    media=("image/jpeg",),
)
async def change_document(ctx: Ctx, pk: int):
    from api.media.models import StoredImage

    app = await changes.get_change(pk=pk)
    await service.get_visible(actor=ctx.user, pk=app.technician_id)  # type: ignore[attr-defined]
    img = await StoredImage.get_or_none(id=app.document_id) if app.document_id else None  # type: ignore[attr-defined]
    if img is None:
        raise NotFound("This application has no document.", code="document_not_found")
    return Response(ctx.state.vault.open(img.sealed), media_type="image/jpeg", headers={"Cache-Control": "no-store"})


@router.post(
    "/admin/technicians/{pk:int}/qualifications/{qid:int}/corrections",
    summary="Correct or delete an approved qualification (operator; reason required; audited)",
    tags=["review"],
    roles={Role.operator},
    errors=(404, 422),
)
async def correct_qualification(ctx: Ctx, pk: int, qid: int, body: QualificationCorrectionIn) -> TechnicianOut:
    tech = await service.get_visible(actor=ctx.user, pk=pk)
    await corrections.correct_qualification(actor=ctx.user, tech=tech, pk=qid, data=body)
    return await service.to_out(tech)


@router.post(
    "/admin/businesses/{pk:int}/corrections",
    summary="Correct a business's data (operator; reason required; audited)",
    tags=["review"],
    roles={Role.operator},
    errors=(404, 422),
)
async def correct_business(ctx: Ctx, pk: int, body: BusinessCorrectionIn) -> BusinessOut:
    from api.businesses.service import get_business, to_out

    business = await get_business(pk=pk)
    return to_out(await corrections.correct_business(actor=ctx.user, business=business, data=body))
