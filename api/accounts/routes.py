from api.accounts import service
from api.accounts.models import Account, Role
from api.accounts.schemas import LoginIn, MeOut, TokenOut
from api.http import Ctx, Router

router = Router()
ALL_ROLES = set(Role)


def me_out(a: Account) -> MeOut:
    return MeOut(id=a.id, login=a.login, role=a.role.value, display_name=a.display_name, admin_tier=a.admin_tier,
                 business_pk=a.business_id, technician_pk=a.technician_id)  # type: ignore[attr-defined]


@router.post("/auth/login", summary="Log in; returns a bearer token", tags=["auth"], body=LoginIn, response=TokenOut,
             transactional=False, errors=(401, 429))
async def login(ctx: Ctx):
    body: LoginIn = ctx.body
    ip = ctx.request.client.host if ctx.request.client else "unknown"
    token, row, account = await service.login(
        login=body.login, password=body.password, ip=ip, settings=ctx.settings, limiter=ctx.state.login_limiter
    )
    return TokenOut(token=token, expires_at=row.expires_at, account=me_out(account))


@router.post("/auth/logout", summary="Revoke the current token", tags=["auth"], roles=ALL_ROLES, status=204)
async def logout(ctx: Ctx):
    await service.logout(token_pk=ctx.request.state.token_pk)


@router.get("/auth/me", summary="Who am I", tags=["auth"], roles=ALL_ROLES, response=MeOut)
async def me(ctx: Ctx):
    return me_out(ctx.user)
