"""Account recovery over HTTP: reset by e-mail, the reset link's confirmation, the password change."""

from api.accounts.models import Role
from api.http import Ctx, Router
from api.recovery import service
from api.recovery.schemas import (
    PasswordChangeIn,
    PasswordChangeOut,
    PasswordResetConfirmIn,
    PasswordResetIn,
    PasswordResetOut,
)

router = Router()
ALL_ROLES = set(Role)

RESET_ANSWER = (
    "If an account with this login name or e-mail address has an e-mail address, a link to set a new "
    "password has been sent to it. Accounts without an e-mail address: ask your employer or the operator."
)


@router.post(
    "/auth/password-reset",
    summary="Ask for a password-reset link by e-mail (the same answer whether or not the account exists)",
    tags=["auth"],
    status=202,
    errors=(429,),
)
async def password_reset(ctx: Ctx, body: PasswordResetIn) -> PasswordResetOut:
    await service.request_reset(
        identifier=body.login, ip=ctx.client_address, settings=ctx.settings, limits=ctx.state.limits
    )
    return PasswordResetOut(message=RESET_ANSWER)


@router.post(
    "/auth/password-reset/confirm",
    summary="Set a new password with the token of a reset link (once); logs the account out everywhere",
    tags=["auth"],
    status=204,
    errors=(400, 422),
)
async def password_reset_confirm(ctx: Ctx, body: PasswordResetConfirmIn):
    await service.confirm_reset(token=body.token, password=body.password)


@router.post(
    "/auth/password",
    summary="Change my password (with the current one); logs out my other sessions",
    tags=["auth"],
    roles=ALL_ROLES,
    transactional=False,
    errors=(422, 429),
)
async def change_password(ctx: Ctx, body: PasswordChangeIn) -> PasswordChangeOut:
    revoked = await service.change_password(
        account=ctx.user,
        token_pk=ctx.request.state.token_pk,
        current_password=body.current_password,
        new_password=body.new_password,
        settings=ctx.settings,
        limits=ctx.state.limits,
    )
    return PasswordChangeOut(revoked=revoked)
