"""Account recovery: password reset by e-mail, password change, and the forced change after someone else chose the
password (docs/security.md, "Account recovery").

A reset request answers the same 202 whatever was typed: the request only counts the client address and writes a job;
the job looks the account up, counts the account, makes the one-time token and sends the mail, so neither the answer
nor its timing says whether a login or address exists. The token is derived (HMAC with the data key) from the
request's random key and the account, so a job that runs twice sends the same link, and only its SHA-256 is stored.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from typing import Any

from tortoise.timezone import now
from tortoise.transactions import in_transaction

from api import db
from api.accounts.credentials import hash_password_off_loop, token_digest, verify_password
from api.accounts.models import AccessToken, Account, PasswordResetToken, Role
from api.accounts.passwords import check_password
from api.accounts.service import login_rules
from api.errors import BadRequest, TooManyRequests, Unprocessable
from api.mail.service import register_link
from api.ratelimit import Limits, Rule, Verdict
from api.settings import Settings

# People reset their passwords; devices and API clients get new secrets from their admins instead.
RECOVERABLE = frozenset(
    {
        Role.technician,
        Role.business_admin,
        Role.site_manager,
        Role.operator,
        Role.assessment_body,
        Role.registration_agent,
    }
)
INVALID_TOKEN = "This reset link is invalid, used or expired. Ask for a new one."


def address_rule(settings: Settings) -> Rule:
    return Rule("reset-address", settings.reset_max_per_address, 3600, 3600)


def account_rule(settings: Settings) -> Rule:
    return Rule("reset-account", settings.reset_max_per_account, 3600, 3600)


async def request_reset(*, identifier: str, ip: str, settings: Settings, limits: Limits) -> None:
    """Count the client address and leave the rest to the job (the same work, and answer, for every identifier)."""
    if not await limits.hit(address_rule(settings), ip):
        raise TooManyRequests(
            "Too many password-reset requests from this address; try again in an hour.", code="too_many_reset_requests"
        )
    request_key = secrets.token_hex(16)
    await db.defer_job(
        "password_reset_mail", identifier.strip()[:254], request_key, job_id=f"password-reset:{request_key}"
    )


def reset_token(settings: Settings, *, request_key: str, account_id: int) -> str:
    mac = hmac.new(
        settings.secret("data_key"), f"password-reset\0{request_key}\0{account_id}".encode(), hashlib.sha256
    ).digest()
    return "rt_" + base64.urlsafe_b64encode(mac).decode().rstrip("=")


def reset_url(settings: Settings, token: str) -> str:
    """The PWA's reset page with the token in the fragment: browsers never send a fragment to the server, so the token
    stays out of access logs, proxies and Referer headers."""
    return f"{settings.public_url.rstrip('/')}/reset#token={token}"


async def reset_url_for_mail(settings: Settings, mail: Any) -> str:
    """The link of a password-reset mail, derived again at sending time (the mail row holds a placeholder)."""
    _, request_key, account_id = mail.dedupe_key.split(":")
    return reset_url(settings, reset_token(settings, request_key=request_key, account_id=int(account_id)))


# The mail package fills the link in when it sends (it does not import this domain: no import cycle).
register_link("password_reset", reset_url_for_mail)


async def confirm_reset(*, token: str, password: str) -> Account:
    """Set the new password with a reset token: once (a conditional UPDATE marks the token used, so of two requests
    with one token exactly one succeeds), then every other reset token and every session of the account is revoked.
    Unknown, used, revoked and expired tokens get the same answer (no oracle for which tokens existed)."""
    row = await PasswordResetToken.get_or_none(token_hash=token_digest(token)).select_related("account")
    t = now()
    if row is None or row.used_at or row.revoked_at or row.expires_at <= t or not row.account.is_active:
        raise BadRequest(INVALID_TOKEN, code="reset_token_invalid")
    account = row.account
    check_password(password, login=account.login, field="password")  # a refused password does not use the token
    hashed = await hash_password_off_loop(password)
    used = await PasswordResetToken.filter(id=row.id, used_at=None, revoked_at=None, expires_at__gt=now()).update(
        used_at=now()
    )
    if not used:
        raise BadRequest(INVALID_TOKEN, code="reset_token_invalid")
    await Account.filter(id=account.id).update(password_hash=hashed, must_change_password=False)
    await PasswordResetToken.filter(account_id=account.id, used_at=None, revoked_at=None).update(revoked_at=now())
    await AccessToken.filter(account_id=account.id, revoked_at=None).update(revoked_at=now())
    return account


async def change_password(
    *, account: Account, token_pk: int, current_password: str, new_password: str, settings: Settings, limits: Limits
) -> int:
    """Change the password with the current one. Wrong current passwords count towards the login lock of this login
    name (a stolen session must not become a password-guessing oracle). Every other session and every open reset link
    of the account is revoked; the session that made the change stays. Returns the sessions revoked."""
    by_name, _ = login_rules(settings)
    if await limits.admit(by_name, account.login) is not Verdict.ok:
        raise TooManyRequests(
            "This login is locked after repeated wrong passwords; try again later.", code="account_locked"
        )
    try:
        ok = await verify_password(account.password_hash, current_password)
    except BaseException:
        await limits.release(by_name, account.login)
        raise
    if not ok:
        await limits.failed(by_name, account.login)
        raise Unprocessable.field("current_password", "the current password is wrong", code="current_password_wrong")
    await limits.release(by_name, account.login, reset=True)
    check_password(new_password, login=account.login, field="new_password")
    if new_password == current_password:
        raise Unprocessable.field(
            "new_password", "choose a password different from the current one", code="password_unchanged"
        )
    hashed = await hash_password_off_loop(new_password)
    async with in_transaction("default"):
        await Account.filter(id=account.id).update(password_hash=hashed, must_change_password=False)
        await PasswordResetToken.filter(account_id=account.id, used_at=None, revoked_at=None).update(revoked_at=now())
        return (
            await AccessToken.filter(account_id=account.id, revoked_at=None)
            .exclude(id=token_pk)
            .update(revoked_at=now())
        )
