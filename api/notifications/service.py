"""Posting a notice: in the app (a Notification row) and, when the account has an e-mail address, by mail.

One notice and one mail per event per person (dedupe keys), so a job that runs twice posts and sends nothing twice.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from api.accounts.models import Account
from api.notifications.models import Notification

_MAIL = """{name} 様

{message}

詳しくは OpenCCUS にログインしてご確認ください。
{public_url}"""


async def post(
    ctx: dict[str, Any], *, recipients: Iterable[Account], kind: str, key: str, message: str, subject: str
) -> int:
    """Post `message` to each recipient (once; `key` names the event) and mail it to those with an address.
    Returns how many in-app notices were new. Mail failures raise after the notices are written (the job is retried;
    the notices are not posted twice and sent mails are not sent again)."""
    from api.mail.service import deliver_all, queue_mail

    people = {a.id: a for a in recipients if a.is_active}
    rows = [Notification(account=a, kind=kind, message=message, dedupe_key=f"{key}:{a.id}") for a in people.values()]
    before = await Notification.filter(dedupe_key__in=[r.dedupe_key for r in rows]).count()
    await Notification.bulk_create(rows, ignore_conflicts=True)
    settings = ctx.get("settings")
    mails = []
    for a in people.values():
        if a.email and settings is not None:
            body = _MAIL.format(name=a.display_name, message=message, public_url=settings.public_url)
            mails.append(
                await queue_mail(
                    account=a,
                    to=a.email,
                    kind=f"notice.{kind}"[:40],
                    subject=subject,
                    body=body,
                    dedupe_key=f"notice:{key}:{a.id}",
                )
            )
    if mails and settings is not None:
        await deliver_all(settings, mails)
    return len(rows) - before
