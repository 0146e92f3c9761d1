"""The job behind POST /auth/password-reset: the account lookup, the one-time token and the mail (api/recovery/service.py
says why the work happens here and not in the request)."""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

from tortoise.exceptions import IntegrityError
from tortoise.expressions import Q
from tortoise.timezone import now

from api.accounts.credentials import token_digest
from api.accounts.models import Account, PasswordResetToken
from api.accounts.service import normalise_login
from api.mail.service import deliver_all, queue_mail
from api.ratelimit import Limits
from api.recovery.service import RECOVERABLE, account_rule, reset_token
from api.settings import Settings
from api.timeutil import JST

log = logging.getLogger("openccus.recovery")

_SUBJECT = "【OpenCCUS】パスワード再設定のご案内"
_BODY = """{name} 様

OpenCCUS（建設キャリアアップシステム）のログインID「{login}」について、パスワードの再設定が申請されました。
次のリンクを開き、新しいパスワードを設定してください。

{{reset_url}}

・このリンクは {expires}（日本時間）まで、1回だけ使えます。
・期限が過ぎた場合は、ログイン画面の「パスワードを忘れた方」からもう一度申請してください。
・お心当たりのない場合は、このメールを破棄してください。パスワードは変わりません。"""


async def password_reset_mail(ctx: dict[str, Any], identifier: str, request_key: str) -> int:
    """The job behind POST /auth/password-reset: for each active person whose login or e-mail address is
    `identifier` and who has an address, a one-time token and a mail with its link. An account that has had
    `reset_max_per_account` mails in the hour gets no more (silently: the requester must not learn it exists).
    Safe to run twice: one token per request and account, one mail per token. Returns the mails sent."""
    settings: Settings = ctx["settings"]
    text = identifier.strip()
    if not text:
        return 0
    accounts = (
        await Account.filter(
            Q(login=normalise_login(text)) | Q(email__iexact=text), is_active=True, email__not_isnull=True
        )
        .order_by("id")
        .limit(5)
    )
    mails = []
    limits = Limits(settings.redis_url)
    try:
        for account in accounts:
            if account.role not in RECOVERABLE or not account.email:
                continue
            token = reset_token(settings, request_key=request_key, account_id=account.id)
            row = await PasswordResetToken.get_or_none(request_key=f"{request_key}:{account.id}")
            if row is None:
                if not await limits.hit(account_rule(settings), str(account.id)):
                    log.info("password reset for account %s over its hourly limit: no mail", account.id)
                    continue
                try:
                    row = await PasswordResetToken.create(
                        account=account,
                        request_key=f"{request_key}:{account.id}",
                        token_hash=token_digest(token),
                        expires_at=now() + timedelta(minutes=settings.reset_token_minutes),
                    )
                except IntegrityError:  # the same job, running twice at once
                    row = await PasswordResetToken.get(request_key=f"{request_key}:{account.id}")
            expires = row.expires_at.astimezone(JST)
            body = _BODY.format(name=account.display_name, login=account.login, expires=f"{expires:%Y年%m月%d日 %H:%M}")
            mails.append(
                await queue_mail(
                    account=account,
                    to=account.email,
                    kind="password_reset",
                    subject=_SUBJECT,
                    body=body,
                    dedupe_key=f"password-reset:{request_key}:{account.id}",
                )
            )
    finally:
        await limits.close()
    return await deliver_all(settings, mails)
