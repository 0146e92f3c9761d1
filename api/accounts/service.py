"""Accounts, login and sessions.

Login reveals nothing about which login names exist: an unknown name costs the same argon2 verification (against a
dummy hash), gets the same answer, and is throttled and locked exactly like a real one — the throttle is keyed by the
login name, whether or not an account has it (api/ratelimit.py). The limits are decided before the password is
verified, atomically and shared by every API process.
"""

from __future__ import annotations

import re
import secrets
import unicodedata
from datetime import timedelta

from stdnum import damm
from tortoise.exceptions import IntegrityError
from tortoise.timezone import now
from tortoise.transactions import in_transaction

from api.accounts.models import AccessToken, Account, Role
from api.accounts.passwords import check_password
from api.accounts.credentials import hash_password_off_loop, issue_token, verify_password
from api.errors import Conflict, TooManyRequests, Unauthorized
from api.ratelimit import Limits, Rule, Verdict
from api.settings import Settings
from api.sql import is_pg

# Login names no operator may give a person's account: they look like the service's own accounts (devices and API
# clients get generated `device-…` / `api-…` names).
RESERVED_LOGINS = frozenset({"admin", "administrator", "root", "system", "operator", "support", "openccus", "ccus"})
RESERVED_PREFIXES = ("device-", "api-")
LOGIN_ID = re.compile(r"\d{12}")  # new_login_id's shape: no operator-named account may take it


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


def normalise_login(login: str) -> str:
    """Case, width and spacing do not matter: `ＴＡＮＡＫＡ` is `tanaka`; a login ID typed in groups (`1234-5678-9012`,
    full-width digits from a Japanese keyboard) is its 12 digits."""
    text = unicodedata.normalize("NFKC", login).strip().lower()
    if _GROUPED_DIGITS.fullmatch(text):
        return re.sub(r"[\s-]", "", text)
    return text


_GROUPED_DIGITS = re.compile(r"\d[\d\s-]*\d")


def new_login_id() -> str:
    """A login ID: 11 random digits and a Damm check digit (as the 14-digit IDs, api/ids.py), so a mistyped ID is an
    account nobody has rather than somebody else's (which the typist's wrong passwords would lock)."""
    body = str(secrets.randbelow(9 * 10**10) + 10**10)
    return body + damm.calc_check_digit(body)


async def create_account(
    *,
    password: str,
    role: Role,
    display_name: str,
    login: str | None = None,
    email: str | None = None,
    business=None,
    technician=None,
    admin_tier: int | None = None,
    password_field: str = "password",
    must_change_password: bool = False,
    request_key: str | None = None,
) -> Account:
    """`login`: None assigns a login ID (new_login_id). Every API path that makes a person's account (technicians,
    business admins, site managers — by themselves, their employer or an agent) does so: a name somebody picked would
    have to be refused when taken, and that refusal would tell anyone whether the name exists. Operators name the accounts they make for
    staff, agents and assessment bodies (and demo and test data name theirs).

    `must_change_password`: someone else chose the password (proxy registration, an admin's sub-account, an
    operator-made account); the holder must choose their own at first login (api/http.py refuses everything else).

    `request_key`: the digest of a registration's client key (api/registration/replay.py); taken by another account
    made at the same moment, RequestKeyTaken."""
    fields = {
        "role": role,
        "display_name": display_name,
        "email": email,
        "business": business,
        "technician": technician,
        "admin_tier": admin_tier,
        "must_change_password": must_change_password,
        "request_key": request_key,
    }
    if login is None:
        return await _create_with_login_id(password=password, password_field=password_field, **fields)
    login = normalise_login(login)
    check_password(password, login=login, field=password_field)
    service = role in (Role.operator, Role.device, Role.api_client)  # `operator`, generated `device-…` / `api-…`
    if LOGIN_ID.fullmatch(login) or (not service and (login in RESERVED_LOGINS or login.startswith(RESERVED_PREFIXES))):
        raise _login_unavailable()
    password_hash = await hash_password_off_loop(password)
    try:
        # A savepoint: the unique key on login decides between two accounts of one name made at the same moment.
        # The loser's Conflict rolls back everything its request made.
        async with in_transaction("default"):
            return await Account.create(login=login, password_hash=password_hash, **fields)
    except IntegrityError:
        if await Account.filter(login=login).exists():
            raise _login_unavailable() from None
        raise


async def _create_with_login_id(*, password: str, password_field: str, **fields) -> Account:
    # The unique key on login decides; a collision (one in tens of billions per account) draws another ID.
    check_password(password, login=None, field=password_field)
    password_hash = await hash_password_off_loop(password)
    for _ in range(5):
        login = new_login_id()
        if login in unicodedata.normalize("NFKC", password):
            continue
        try:
            async with in_transaction("default"):
                return await Account.create(login=login, password_hash=password_hash, **fields)
        except IntegrityError:
            key = fields.get("request_key")
            if key is not None and await Account.filter(request_key=key).exists():
                raise RequestKeyTaken() from None
            if not await Account.filter(login=login).exists():
                raise
    raise RuntimeError("no free login ID after 5 draws")  # 5 collisions in 10^11: the generator is broken


class RequestKeyTaken(Conflict):
    """The same registration (its client key) made an account in another request at the same moment: this one rolls
    back, and sent again it gets that account (api/registration/replay.py)."""

    def __init__(self) -> None:
        super().__init__(
            "This registration is being made by another request with the same key; send it again.",
            code="request_key_in_use",
        )


def _login_unavailable() -> Conflict:
    # Only operators name accounts (staff, agents, assessment bodies): they may learn that a name is in use.
    return Conflict(
        "This login name cannot be used. Choose another one.",
        code="login_unavailable",
        fields=[{"field": "login", "message": "choose another login name"}],
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
    assert account is not None  # verified: a usable account
    async with in_transaction("default"):
        # The account row locked and read again before the session is issued: the password was verified against a
        # hash read ~100 ms earlier. A change or reset (which writes this row, then revokes every session) committed
        # meanwhile is seen here and the old password refused; one still running waits for this session and revokes
        # it. Without the lock a login with the old password during a change kept a session that outlived it.
        qs = Account.filter(id=account.id)
        current = await (qs.select_for_update() if is_pg() else qs).first()
        if current is None or not current.is_active or current.password_hash != account.password_hash:
            raise Unauthorized("The login name or password is wrong.", code="invalid_credentials")
        token, row = await issue_token(current, ttl=timedelta(hours=settings.token_ttl_hours))
    return token, row, current  # type: ignore[return-value]


async def logout(*, token_pk: int) -> None:
    await AccessToken.filter(id=token_pk).update(revoked_at=now())


async def logout_everywhere(*, account: Account) -> int:
    """Revoke every live token of the account (all browsers, phones and scripts it is logged in on).

    The account row is locked first, as a login locks it while it issues its session: a login at this moment has
    committed its token (revoked here) or issues it after this (a later login). Without the lock a session being
    issued at the moment of "log out everywhere" was not seen and outlived it."""
    qs = Account.filter(id=account.id)
    await (qs.select_for_update() if is_pg() else qs).first()
    return await AccessToken.filter(account_id=account.id, revoked_at=None).update(revoked_at=now())
