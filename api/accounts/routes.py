from api.accounts import service
from api.accounts.models import Account, Role
from api.accounts.schemas import LoginIn, LogoutAllOut, MeOut, TokenOut
from api.http import Ctx, Router

router = Router()
ALL_ROLES = set(Role)


def me_out(a: Account) -> MeOut:
    return MeOut(
        id=a.id,
        login=a.login,
        role=a.role.value,
        display_name=a.display_name,
        admin_tier=a.admin_tier,
        business_pk=a.business_id,  # type: ignore[attr-defined]
        technician_pk=a.technician_id,
        must_change_password=a.must_change_password,
    )


@router.post(
    "/auth/login",
    summary="Log in; returns a bearer token (or, with `X-OpenCCUS-Session: cookie`, sets the "
    "PWA's HttpOnly session cookie and returns no token)",
    tags=["auth"],
    transactional=False,
    errors=(401, 429),
)
async def login(ctx: Ctx, body: LoginIn) -> TokenOut:
    token, row, account = await service.login(
        login=body.login, password=body.password, ip=ctx.client_address, settings=ctx.settings, limits=ctx.state.limits
    )
    token_out = ctx.issue_session(token, ttl_s=ctx.settings.token_ttl_hours * 3600)
    return TokenOut(token=token_out, expires_at=row.expires_at, account=me_out(account))


@router.post(
    "/auth/logout",
    summary="Revoke the current token (and clear the session cookie)",
    tags=["auth"],
    roles=ALL_ROLES,
    status=204,
)
async def logout(ctx: Ctx):
    await service.logout(token_pk=ctx.request.state.token_pk)
    ctx.end_session()


@router.post(
    "/auth/logout-all",
    summary="Log out everywhere: revoke every token of this account",
    tags=["auth"],
    roles=ALL_ROLES,
)
async def logout_all(ctx: Ctx) -> LogoutAllOut:
    revoked = await service.logout_everywhere(account=ctx.user)
    ctx.end_session()
    return LogoutAllOut(revoked=revoked)


@router.get("/auth/me", summary="Who am I", tags=["auth"], roles=ALL_ROLES)
async def me(ctx: Ctx) -> MeOut:
    return me_out(ctx.user)
