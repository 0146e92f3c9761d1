from datetime import timedelta

from api.accounts.models import Account, Role
from api import db
from api.accounts.service import public_registration
from api.accounts.credentials import issue_token
from api.businesses import service
from api.businesses.schemas import (
    AccountOut,
    BusinessOut,
    BusinessPublicOut,
    BusinessRegisterIn,
    EmployeeQuery,
    RegisteredBusinessOut,
    SubAccountIn,
)
from api.http import Ctx, Router
from api.ids import check_ccus_id
from api.registration import review
from api.registration import service as technicians
from api.registration.schemas import (
    ProxyRegistrationForm,
    TechnicianOut,
    TechnicianProxyRegisterIn,
    TechnicianSummaryOut,
    WholeRegistrationOut,
)

router = Router()
MANAGERS = {Role.business_admin, Role.operator}


@router.post(
    "/businesses",
    summary="Register a business (事業者登録) with its 事業者責任者 account",
    tags=["businesses"],
    status=201,
    errors=(409, 422, 429),
    transactional=False,
)
async def register_business(ctx: Ctx, body: BusinessRegisterIn) -> RegisteredBusinessOut:
    async def run():
        business, admin = await service.register_business(data=body)
        app = await review.submit_business_application(business=business)
        token, _ = await issue_token(admin, ttl=timedelta(hours=ctx.settings.token_ttl_hours))
        return business, app, token

    business, app, token = await public_registration(
        limits=ctx.state.limits, ip=ctx.client_address, run=lambda: db.run_in_unit_of_work(ctx.state, run)
    )
    token_out = ctx.issue_session(token, ttl_s=ctx.settings.token_ttl_hours * 3600)
    return RegisteredBusinessOut(business=service.to_out(business), token=token_out, application_id=app.id)


async def _managed(ctx: Ctx):
    business = await service.get_business(pk=int(ctx.path["pk"]))
    service.ensure_can_manage(ctx.user, business)
    return business


@router.get(
    "/businesses/{pk:int}",
    summary="A business (its admins, operator)",
    tags=["businesses"],
    roles=MANAGERS,
    errors=(403, 404),
)
async def get_business(ctx: Ctx) -> BusinessOut:
    return service.to_out(await _managed(ctx))


@router.get(
    "/businesses/by-id/{business_id}",
    summary="Look up a business by its 14-digit 事業者ID (name only)",
    tags=["businesses"],
    roles=set(Role),
    errors=(404, 422),
)
async def lookup(ctx: Ctx, business_id: str) -> BusinessPublicOut:
    business = await service.find_by_ccus_id(business_id=check_ccus_id(business_id, field="business_id"))
    return BusinessPublicOut(business_id=business.business_id, name=business.name, status=business.status.value)


def _account_out(a: Account) -> AccountOut:
    return AccountOut(
        id=a.id,
        login=a.login,
        role=a.role.value,
        display_name=a.display_name,
        admin_tier=a.admin_tier,
        business_pk=a.business_id,  # type: ignore[attr-defined]
    )


@router.get(
    "/businesses/{pk:int}/accounts",
    summary="The business's 管理者ID and 現場管理者ID",
    tags=["businesses"],
    roles=MANAGERS,
    errors=(403, 404),
)
async def list_accounts(ctx: Ctx) -> list[AccountOut]:
    business = await _managed(ctx)
    return [_account_out(a) for a in await Account.filter(business=business).order_by("id")]


@router.post(
    "/businesses/{pk:int}/admins",
    summary="Add a 管理者ID (tier 1–3, below your own)",
    tags=["businesses"],
    roles={Role.business_admin},
    status=201,
    errors=(403, 409, 422),
)
async def add_admin(ctx: Ctx, pk: int, body: SubAccountIn) -> AccountOut:
    business = await service.get_business(pk=pk)
    account = await service.add_sub_account(actor=ctx.user, business=business, data=body, role=Role.business_admin)
    return _account_out(account)


@router.post(
    "/businesses/{pk:int}/site-managers",
    summary="Add a 現場管理者ID (free of charge)",
    tags=["businesses"],
    roles={Role.business_admin},
    status=201,
    errors=(403, 409, 422),
)
async def add_site_manager(ctx: Ctx, pk: int, body: SubAccountIn) -> AccountOut:
    business = await service.get_business(pk=pk)
    account = await service.add_sub_account(actor=ctx.user, business=business, data=body, role=Role.site_manager)
    return _account_out(account)


@router.get(
    "/businesses/{pk:int}/employees",
    summary="The business's technicians and their registration status (search by name or ID, filter by status or a "
    "residence permit ending soon)",
    tags=["businesses"],
    roles=MANAGERS,
    errors=(403, 404),
)
async def employees(ctx: Ctx, query: EmployeeQuery) -> list[TechnicianSummaryOut]:
    q: EmployeeQuery = query
    return await technicians.employees(
        business=await _managed(ctx), q=q.q, status=q.status, residence_within_days=q.residence_within_days
    )


@router.post(
    "/businesses/{pk:int}/employees/{tid:int}/leave",
    summary="An employee has left: off the business's rosters, no employer, face data deleted",
    tags=["businesses"],
    roles={Role.business_admin},
    status=204,
    errors=(403, 404),
)
async def employee_left(ctx: Ctx, tid: int) -> None:
    await technicians.leave_employer(business=await _managed(ctx), pk=tid)


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
)
async def proxy_register_whole(ctx: Ctx, pk: int, body: ProxyRegistrationForm) -> WholeRegistrationOut:
    from api.face.service import photo_checker
    from api.registration import whole

    business = await service.get_business(pk=pk)
    tech, application = await whole.register_proxy_whole(
        actor=ctx.user,
        business=business,
        data=body.data,
        photo=ctx.files["photo"],
        id_document=ctx.files.get("id_document"),
        settings=ctx.settings,
        vault=ctx.state.vault,
        check=photo_checker(ctx.state.face, ctx.settings),
    )
    return WholeRegistrationOut(technician=await technicians.to_out(tech), application=review.app_out(application))


@router.post(
    "/businesses/{pk:int}/technicians",
    summary="Register a technician by proxy (代行申請, with consent)",
    tags=["businesses"],
    roles={Role.business_admin},
    status=201,
    errors=(403, 409, 422),
)
async def proxy_register(ctx: Ctx, pk: int, body: TechnicianProxyRegisterIn) -> TechnicianOut:
    business = await service.get_business(pk=pk)
    tech = await technicians.register_proxy(actor=ctx.user, business=business, data=body)
    return await technicians.to_out(tech)
