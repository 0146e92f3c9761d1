"""Accounts, login and sessions.

Login reveals nothing about which login names exist: an unknown name costs the same argon2 verification (against a
dummy hash), gets the same answer, and is throttled and locked exactly like a real one — the throttle is keyed by the
login name, whether or not an account has it (api/ratelimit.py). The limits are decided before the password is
verified, atomically and shared by every API process.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import TypeVar

from tortoise.exceptions import IntegrityError
from tortoise.timezone import now
from tortoise.transactions import in_transaction

from api.accounts.models import AccessToken, Account, Role
from api.accounts.passwords import check_password
from api.accounts.credentials import hash_password_off_loop, issue_token, verify_password
from api.errors import Conflict, TooManyRequests, Unauthorized
from api.ratelimit import Limits, Rule, Verdict
from api.settings import Settings

T = TypeVar("T")

# Login names nobody may register: they look like the service's own accounts (devices and API clients get
# generated `device-…` / `api-…` names).
RESERVED_LOGINS = frozenset({"admin", "administrator", "root", "system", "operator", "support", "openccus", "ccus"})
RESERVED_PREFIXES = ("device-", "api-")
SELF_CHOSEN = frozenset({Role.technician, Role.business_admin, Role.site_manager})  # roles whose names people pick


def login_rules(settings: Settings) -> tuple[Rule, Rule]:
    """(per login name, per client address)."""
    lock_s = settings.login_lock_minutes * 60
    return (
        Rule("login", settings.login_max_failures, lock_s, lock_s),
        Rule(
            "login-address",
            settings.login_max_failures_per_address,
            settings.login_address_window_minutes * 60,
            settings.login_address_window_minutes * 60,
        ),
    )


# Taken or reserved login names answered at public registration, per address: bounds how fast registration can be
# used to find out which login names exist (an available name is registered on the spot, which an enumerator pays for).
UNAVAILABLE_LOGINS = Rule("register-login", 20, 3600, 3600)


def normalise_login(login: str) -> str:
    return login.strip().lower()


async def create_account(
    *,
    login: str,
    password: str,
    role: Role,
    display_name: str,
    email: str | None = None,
    business=None,
    technician=None,
    admin_tier: int | None = None,
    password_field: str = "password",
    login_field: str = "login",
    must_change_password: bool = False,
) -> Account:
    """`must_change_password`: someone else chose the password (proxy registration, an admin's sub-account, an
    operator-made account); the holder must choose their own at first login (api/http.py refuses everything else)."""
    login = normalise_login(login)
    check_password(password, login=login, field=password_field)
    reserved = role in SELF_CHOSEN and (login in RESERVED_LOGINS or login.startswith(RESERVED_PREFIXES))
    if reserved or await Account.filter(login=login).exists():
        raise _login_unavailable(login_field)
    password_hash = await hash_password_off_loop(password)
    try:
        # A savepoint: the unique key on login decides between two registrations of one name at the same moment
        # (the check above is only the fast answer). The loser gets the same answer as for a taken name, and the
        # Conflict rolls back everything its request made (the business, the technician).
        async with in_transaction("default"):
            return await Account.create(
                login=login,
                password_hash=password_hash,
                role=role,
                display_name=display_name,
                email=email,
                business=business,
                technician=technician,
                admin_tier=admin_tier,
                must_change_password=must_change_password,
            )
    except IntegrityError:
        if await Account.filter(login=login).exists():
            raise _login_unavailable(login_field) from None
        raise


def _login_unavailable(login_field: str) -> Conflict:
    # The same answer for a taken and a reserved name, and it says what to do next.
    return Conflict(
        "This login name cannot be used. Choose another one.",
        code="login_unavailable",
        fields=[{"field": login_field, "message": "choose another login name"}],
    )


async def login(
    *, login: str, password: str, ip: str, settings: Settings, limits: Limits
) -> tuple[str, AccessToken, Account]:
    name = normalise_login(login)
    by_name, by_address = login_rules(settings)
    if await limits.admit(by_address, ip) is not Verdict.ok:
        raise TooManyRequests(
            "Too many failed logins from this address; try again later.", code="too_many_failed_logins"
        )
    verdict = await limits.admit(by_name, name)
    if verdict is not Verdict.ok:
        await limits.release(by_address, ip)
        # The same for an unknown name: it "locks" too, so a lock does not tell that the account exists.
        raise TooManyRequests(
            "This login is locked after repeated failed logins; try again later.", code="account_locked"
        )
    try:
        account = await Account.get_or_none(login=name)
        usable = account is not None and account.is_active
        # Always one argon2 verification: against a dummy hash when there is no usable account, so an unknown
        # name takes as long as a wrong password.
        ok = await verify_password(account.password_hash if usable else None, password) and usable  # type: ignore[union-attr]
    except BaseException:
        await limits.release(by_name, name)
        await limits.release(by_address, ip)
        raise
    if not ok:
        await limits.failed(by_name, name)
        await limits.failed(by_address, ip)
        raise Unauthorized("The login name or password is wrong.", code="invalid_credentials")
    await limits.release(by_name, name, reset=True)
    await limits.release(by_address, ip)
    async with in_transaction("default"):
        token, row = await issue_token(account, ttl=timedelta(hours=settings.token_ttl_hours))
    return token, row, account  # type: ignore[return-value]


async def logout(*, token_pk: int) -> None:
    await AccessToken.filter(id=token_pk).update(revoked_at=now())


async def logout_everywhere(*, account: Account) -> int:
    """Revoke every live token of the account (all browsers, phones and scripts it is logged in on)."""
    return await AccessToken.filter(account_id=account.id, revoked_at=None).update(revoked_at=now())


async def public_registration(*, limits: Limits, ip: str, run: Callable[[], Awaitable[T]]) -> T:
    """Run a public registration (`run`: its unit of work), counting the answers "login name unavailable" per client
    address: beyond UNAVAILABLE_LOGINS the address gets 429 for an hour. Counted outside the registration's
    transaction, which the refusal rolls back."""
    if await limits.admit(UNAVAILABLE_LOGINS, ip) is not Verdict.ok:
        raise TooManyRequests(
            "Too many registrations with unavailable login names from this address; try again later.",
            code="too_many_registrations",
        )
    try:
        result = await run()
    except Conflict as exc:
        if exc.code == "login_unavailable":
            await limits.failed(UNAVAILABLE_LOGINS, ip)
        else:
            await limits.release(UNAVAILABLE_LOGINS, ip)
        raise
    except BaseException:
        await limits.release(UNAVAILABLE_LOGINS, ip)
        raise
    await limits.release(UNAVAILABLE_LOGINS, ip)
    return result
