from __future__ import annotations

import time
from collections import defaultdict, deque
from datetime import timedelta

from tortoise.timezone import now
from tortoise.transactions import in_transaction

from api.accounts.models import AccessToken, Account, Role
from api.auth import hash_password_off_loop, issue_token, verify_password
from api.errors import Conflict, TooManyRequests, Unauthorized
from api.settings import Settings


async def create_account(
    *, login: str, password: str, role: Role, display_name: str, email: str | None = None,
    business=None, technician=None, admin_tier: int | None = None,
) -> Account:
    if await Account.filter(login=login).exists():
        raise Conflict("This login name is taken.", code="duplicate_login", fields=[{"field": "login", "message": "taken"}])
    return await Account.create(
        login=login, password_hash=await hash_password_off_loop(password), role=role, display_name=display_name, email=email,
        business=business, technician=technician, admin_tier=admin_tier,
    )


class IpLimiter:
    """Failed logins per client address in a sliding window: slows password spraying across many logins.

    Per process; the per-account lock below is in the database and so holds across processes.
    """

    def __init__(self, *, limit: int = 30, window_s: float = 300.0):
        self.limit, self.window_s = limit, window_s
        self.failures: dict[str, deque[float]] = defaultdict(deque)

    def blocked(self, ip: str) -> bool:
        q = self.failures[ip]
        cutoff = time.monotonic() - self.window_s
        while q and q[0] < cutoff:
            q.popleft()
        return len(q) >= self.limit

    def fail(self, ip: str) -> None:
        self.failures[ip].append(time.monotonic())


async def login(*, login: str, password: str, ip: str, settings: Settings, limiter: IpLimiter) -> tuple[str, AccessToken, Account]:
    if limiter.blocked(ip):
        raise TooManyRequests("Too many failed logins from this address; try again later.")
    login = login.lower()
    account = await Account.get_or_none(login=login)
    if account is not None and account.locked_until and account.locked_until > now():
        raise TooManyRequests("This account is locked after repeated failed logins; try again later.", code="account_locked")
    if account is None or not account.is_active or not await verify_password(account.password_hash, password):
        limiter.fail(ip)
        if account is not None:
            # Its own transaction: the failure must count even though the request then fails.
            async with in_transaction():
                account.failed_logins += 1
                if account.failed_logins >= settings.login_max_failures:
                    account.locked_until = now() + timedelta(minutes=settings.login_lock_minutes)
                    account.failed_logins = 0
                await account.save(update_fields=["failed_logins", "locked_until"])
        raise Unauthorized("The login name or password is wrong.", code="invalid_credentials")
    async with in_transaction():
        if account.failed_logins or account.locked_until:
            account.failed_logins, account.locked_until = 0, None
            await account.save(update_fields=["failed_logins", "locked_until"])
        token, row = await issue_token(account, ttl=timedelta(hours=settings.token_ttl_hours))
    return token, row, account


async def logout(*, token_pk: int) -> None:
    await AccessToken.filter(id=token_pk).update(revoked_at=now())
