from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import TypeVar

from pydantic import ValidationError
from starlette.responses import Response

from api import db
from api.accounts.credentials import issue_token
from api.accounts.models import Role
from api.accounts.service import RequestKeyTaken
from api.errors import Unprocessable, validation_fields
from api.businesses import service as businesses
from api.businesses.schemas import BusinessRegisterIn, EmployeeQuery, RegisteredBusinessOut
from api.http import Ctx, Router
from api.media.models import ImageKind
from api.registration import review, service, whole
from api.registration.models import ApplicationKind, Technician
from api.registration.schemas import (
    ApplicationIn,
    ApplicationOut,
    DetailedIn,
    DisclosureIn,
    ProxyRegistrationForm,
    QualificationIn,
    QualificationOut,
    ProxyRegisteredOut,
    RegisteredTechnicianOut,
    SelfRegistrationForm,
    TechnicianOut,
    TechnicianPatch,
    TechnicianProxyRegisterIn,
    TechnicianSelfRegisterIn,
    TechnicianSummaryOut,
    WholeRegistrationOut,
)

router = Router()
VIEWERS = {Role.technician, Role.business_admin, Role.operator}
EDITORS = {Role.technician, Role.business_admin}
MANAGERS = {Role.business_admin, Role.operator}  # of a business


async def _tech(ctx: Ctx) -> Technician:
    return await service.get_visible(actor=ctx.user, pk=int(ctx.path["pk"]))


async def _own(ctx: Ctx) -> Technician:
    """For writes: the technician, the employer or the operator (never a prime that only sees them on its site)."""
    return await service.get_writable(actor=ctx.user, pk=int(ctx.path["pk"]))


T = TypeVar("T")


async def _once(ctx: Ctx, run: Callable[[], Awaitable[T]]) -> T:
    """A public registration in its own unit of work. Lost to a send of the same registration (its request key) at the
    same moment, it is rolled back and run again: then it finds, and answers with, what that send made."""
    try:
        return await db.run_in_unit_of_work(ctx.state, run)
    except RequestKeyTaken:
        return await db.run_in_unit_of_work(ctx.state, run)


@router.post(
    "/technicians",
    summary="Register yourself as a technician (簡略型); returns a token",
    tags=["technicians"],
    status=201,
    errors=(409, 422),
    transactional=False,
)
async def register_technician(ctx: Ctx, body: TechnicianSelfRegisterIn) -> RegisteredTechnicianOut:
    async def run():
        tech, account, _ = await service.register_self(data=body)
        token, _ = await issue_token(account, ttl=timedelta(hours=ctx.settings.token_ttl_hours))
        return tech, account, token

    tech, account, token = await _once(ctx, run)
    token_out = ctx.issue_session(token, ttl_s=ctx.settings.token_ttl_hours * 3600)
    return RegisteredTechnicianOut(technician=await service.to_out(tech), login_id=account.login, token=token_out)


@router.post(
    "/technicians/register",
    summary="Register yourself and apply in one request (簡略型): the data, the face "
    "photo and the identity document; a refused photo leaves nothing behind",
    tags=["technicians"],
    uploads=("photo",),
    optional_uploads=("id_document",),
    status=201,
    errors=(409, 413, 422, 503),
    transactional=False,
)
async def register_technician_whole(ctx: Ctx, body: SelfRegistrationForm) -> WholeRegistrationOut:
    async def run():
        tech, account, application = await whole.register_self_whole(
            data=body.data,
            photo=ctx.files["photo"],
            id_document=ctx.files.get("id_document"),
            settings=ctx.settings,
            vault=ctx.state.vault,
            check=ctx.photo_check,
        )
        token, _ = await issue_token(account, ttl=timedelta(hours=ctx.settings.token_ttl_hours))
        return tech, account, application, token

    tech, account, application, token = await _once(ctx, run)
    token_out = ctx.issue_session(token, ttl_s=ctx.settings.token_ttl_hours * 3600)
    return WholeRegistrationOut(
        technician=await service.to_out(tech),
        application=review.app_out(application),
        login_id=account.login,
        token=token_out,
    )


@router.get(
    "/technicians/{pk:int}",
    summary="A technician's data (self, employer, operator)",
    tags=["technicians"],
    roles=VIEWERS,
    errors=(404,),
)
async def get_technician(ctx: Ctx) -> TechnicianOut:
    return await service.to_out(await _tech(ctx))


@router.patch(
    "/technicians/{pk:int}",
    summary="Edit registration data while draft or returned",
    tags=["technicians"],
    roles=EDITORS,
    errors=(404, 409, 422),
)
async def patch_technician(ctx: Ctx, body: TechnicianPatch) -> TechnicianOut:
    tech = await service.update(actor=ctx.user, tech=await _own(ctx), patch=body)
    return await service.to_out(tech)


async def _upload(ctx: Ctx, kind: ImageKind):
    check = ctx.photo_check if kind is ImageKind.face_photo else None
    tech = await service.set_photo(
        actor=ctx.user,
        tech=await _own(ctx),
        kind=kind,
        raw=ctx.files["file"],
        settings=ctx.settings,
        vault=ctx.state.vault,
        check=check,
    )
    return await service.to_out(tech)


@router.put(
    "/technicians/{pk:int}/photo",
    summary="Upload the face photo (JPEG/PNG/WebP): exactly one face, large "
    "enough (no_face / several_faces / face_too_small are refused)",
    tags=["technicians"],
    roles=EDITORS,
    uploads=("file",),
    errors=(404, 409, 413, 422, 503),
)
async def put_photo(ctx: Ctx) -> TechnicianOut:
    return await _upload(ctx, ImageKind.face_photo)


@router.put(
    "/technicians/{pk:int}/id-document",
    summary="Upload the identity document photo",
    tags=["technicians"],
    roles=EDITORS,
    uploads=("file",),
    errors=(404, 409, 413, 422),
)
async def put_id_document(ctx: Ctx) -> TechnicianOut:
    return await _upload(ctx, ImageKind.id_document)


def _jpeg(data: bytes) -> Response:
    # Personal data: never cached by browsers or proxies.
    return Response(data, media_type="image/jpeg", headers={"Cache-Control": "no-store"})


@router.get(
    "/technicians/{pk:int}/photo",
    summary="The face photo (JPEG)",
    tags=["technicians"],
    roles=VIEWERS,
    errors=(404,),
    media=("image/jpeg",),
)
async def get_photo(ctx: Ctx):
    return _jpeg(await service.image_bytes(tech=await _tech(ctx), kind=ImageKind.face_photo, vault=ctx.state.vault))


@router.get(
    "/technicians/{pk:int}/id-document",
    summary="The identity document (JPEG)",
    tags=["technicians"],
    roles=VIEWERS,
    errors=(404,),
    media=("image/jpeg",),
)
async def get_id_document(ctx: Ctx):
    return _jpeg(await service.image_bytes(tech=await _tech(ctx), kind=ImageKind.id_document, vault=ctx.state.vault))


@router.put(
    "/technicians/{pk:int}/detailed",
    summary="Set the 詳細型 data",
    tags=["technicians"],
    roles=EDITORS,
    errors=(404, 409, 422),
)
async def put_detailed(ctx: Ctx, body: DetailedIn) -> TechnicianOut:
    return await service.to_out(await service.set_detailed(actor=ctx.user, tech=await _own(ctx), data=body))


@router.post(
    "/technicians/{pk:int}/qualifications",
    summary="Add a qualification with its certificate image (multipart: file, code, acquired_on, expires_on)",
    tags=["technicians"],
    roles=EDITORS,
    uploads=("file",),
    status=201,
    errors=(404, 409, 413, 422),
)
async def add_qualification(ctx: Ctx, body: QualificationIn) -> QualificationOut:
    try:
        data = QualificationIn.model_validate({k: v for k, v in ctx.form.items() if v != ""})
    except ValidationError as exc:
        raise Unprocessable(
            "The request is not valid.", fields=validation_fields(exc), code="validation_error"
        ) from None
    tech = await _own(ctx)
    await service.add_qualification(
        actor=ctx.user,
        tech=tech,
        data=data,
        certificate=ctx.files["file"],
        settings=ctx.settings,
        vault=ctx.state.vault,
    )
    out = await service.to_out(tech)
    return next(q for q in out.qualifications if q.code == data.code)


@router.get(
    "/technicians/{pk:int}/qualifications/{qid:int}/certificate",
    summary="A certificate image (JPEG)",
    tags=["technicians"],
    roles=VIEWERS,
    errors=(404,),
    media=("image/jpeg",),
)
async def get_certificate(ctx: Ctx, qid: int):
    data = await service.image_bytes(
        tech=await _tech(ctx), kind=ImageKind.certificate, vault=ctx.state.vault, qualification_id=qid
    )
    return _jpeg(data)


@router.put(
    "/technicians/{pk:int}/disclosure",
    summary="Disclosure settings (the technician only)",
    tags=["technicians"],
    roles={Role.technician},
    errors=(404,),
)
async def put_disclosure(ctx: Ctx, body: DisclosureIn) -> TechnicianOut:
    return await service.to_out(await service.set_disclosure(tech=await _own(ctx), data=body))


@router.post(
    "/technicians/{pk:int}/applications",
    summary="Apply: new registration or upgrade to 詳細型",
    tags=["applications"],
    roles=EDITORS,
    status=201,
    errors=(404, 409, 422),
)
async def apply(ctx: Ctx, body: ApplicationIn) -> ApplicationOut:
    app = await review.submit(actor=ctx.user, tech=await _own(ctx), kind=ApplicationKind(body.kind))
    return review.app_out(app)


@router.get(
    "/technicians/{pk:int}/applications",
    summary="Applications with their status and return reasons",
    tags=["applications"],
    roles=VIEWERS,
    errors=(404,),
)
async def list_applications(ctx: Ctx) -> list[ApplicationOut]:
    tech = await _tech(ctx)
    return [review.app_out(a) for a in await tech.applications.all().order_by("-id")]


@router.post(
    "/applications/{pk:int}/resubmit",
    summary="Resubmit a returned application",
    tags=["applications"],
    roles={Role.technician, Role.business_admin},
    errors=(404, 409, 422),
)
async def resubmit(ctx: Ctx, pk: int) -> ApplicationOut:
    from api.errors import NotFound

    app = await review.get_application(pk=pk)
    if app.technician_id is not None:  # type: ignore[attr-defined]
        await service.get_writable(actor=ctx.user, pk=app.technician_id)  # type: ignore[attr-defined]
    else:
        if ctx.user.role is not Role.business_admin:
            raise NotFound("No such application.", code="application_not_found")
        businesses.ensure_can_manage(ctx.user, await app.business)
    return review.app_out(await review.resubmit(app=app))


# --- a business's own registration (事業者登録) -------------------------------------------------------------------


@router.post(
    "/businesses",
    summary="Register a business (事業者登録) with its 事業者責任者 account",
    tags=["businesses"],
    status=201,
    errors=(409, 422),
    transactional=False,
    operation_id="businesses_register_business",  # its id from before it moved here
)
async def register_business(ctx: Ctx, body: BusinessRegisterIn) -> RegisteredBusinessOut:
    async def run():
        business, admin = await businesses.register_business(data=body)
        app = await review.submit_business_application(business=business)
        token, _ = await issue_token(admin, ttl=timedelta(hours=ctx.settings.token_ttl_hours))
        return business, admin, app, token

    business, admin, app, token = await db.run_in_unit_of_work(ctx.state, run)
    token_out = ctx.issue_session(token, ttl_s=ctx.settings.token_ttl_hours * 3600)
    return RegisteredBusinessOut(
        business=businesses.to_out(business), login_id=admin.login, token=token_out, application_id=app.id
    )


# --- the employer's: its employees, and registration by proxy (代行申請) -----------------------------------------


@router.get(
    "/businesses/{pk:int}/employees",
    summary="The business's technicians and their registration status (search by name or ID, filter by status or a "
    "residence permit ending soon)",
    tags=["businesses"],
    roles=MANAGERS,
    errors=(403, 404),
    operation_id="businesses_employees",  # its id from before it moved here
)
async def employees(ctx: Ctx, query: EmployeeQuery) -> list[TechnicianSummaryOut]:
    q: EmployeeQuery = query
    return await service.employees(
        business=await businesses.get_managed(actor=ctx.user, pk=int(ctx.path["pk"])),
        q=q.q,
        status=q.status,
        residence_within_days=q.residence_within_days,
    )


@router.post(
    "/businesses/{pk:int}/employees/{tid:int}/leave",
    summary="An employee has left: off the business's rosters, no employer, face data deleted",
    tags=["businesses"],
    roles={Role.business_admin},
    status=204,
    errors=(403, 404),
    operation_id="businesses_employee_left",  # its id from before it moved here
)
async def employee_left(ctx: Ctx, tid: int) -> None:
    await service.leave_employer(business=await businesses.get_managed(actor=ctx.user, pk=int(ctx.path["pk"])), pk=tid)


@router.post(
    "/businesses/{pk:int}/technicians/register",
    summary="Register a technician by proxy and apply in one "
    "request (代行申請, with consent): the data, the face photo and the identity document; a refused photo "
    "leaves nothing behind",
    tags=["businesses"],
    roles={Role.business_admin},
    uploads=("photo",),
    optional_uploads=("id_document",),
    status=201,
    errors=(403, 409, 413, 422, 503),
    operation_id="businesses_proxy_register_whole",  # its id from before it moved here
)
async def proxy_register_whole(ctx: Ctx, pk: int, body: ProxyRegistrationForm) -> WholeRegistrationOut:
    business = await businesses.get_business(pk=pk)
    tech, account, application = await whole.register_proxy_whole(
        actor=ctx.user,
        business=business,
        data=body.data,
        photo=ctx.files["photo"],
        id_document=ctx.files.get("id_document"),
        settings=ctx.settings,
        vault=ctx.state.vault,
        check=ctx.photo_check,
    )
    return WholeRegistrationOut(
        technician=await service.to_out(tech), application=review.app_out(application), login_id=account.login
    )


@router.post(
    "/businesses/{pk:int}/technicians",
    summary="Register a technician by proxy (代行申請, with consent)",
    tags=["businesses"],
    roles={Role.business_admin},
    status=201,
    errors=(403, 409, 422),
    operation_id="businesses_proxy_register",  # its id from before it moved here
)
async def proxy_register(ctx: Ctx, pk: int, body: TechnicianProxyRegisterIn) -> ProxyRegisteredOut:
    business = await businesses.get_business(pk=pk)
    tech, account, _ = await service.register_proxy(actor=ctx.user, business=business, data=body)
    return ProxyRegisteredOut(**(await service.to_out(tech)).model_dump(), login_id=account.login)
