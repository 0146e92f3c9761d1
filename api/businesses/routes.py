from api.accounts.models import Account, Role
from api.businesses import service
from api.businesses.schemas import (
    AccountOut,
    BusinessOut,
    BusinessPublicOut,
    SubAccountIn,
)
from api.http import Ctx, Router
from api.ids import check_ccus_id

router = Router()
MANAGERS = {Role.business_admin, Role.operator}


async def _managed(ctx: Ctx):
    return await service.get_managed(actor=ctx.user, pk=int(ctx.path["pk"]))


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
