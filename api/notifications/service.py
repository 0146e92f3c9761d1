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
    ctx: dict[str, Any], *, recipients: Iterable[Account], kind: str, key: str, about: str, message: str, subject: str
) -> int:
    """Post `message` about `about` (a person's or a business's name) to each recipient (once; `key` names the event) and mail it to those with an address.
    Returns how many in-app notices were new. Mail failures raise after the notices are written (the job is retried;
    the notices are not posted twice and sent mails are not sent again)."""
    from api.mail.service import deliver_all, queue_mail

    people = {a.id: a for a in recipients if a.is_active}
    rows = [
        Notification(account=a, kind=kind, about=about[:200], message=message, dedupe_key=f"{key}:{a.id}")
        for a in people.values()
    ]
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


async def pending_counts(*, user: Account) -> dict[str, int]:
    """What waits for `user`, by kind: one COUNT per kind that applies to the role (each on an indexed column), so
    the navigation can ask on every page."""
    from api.accounts.models import Role
    from api.billing.models import Invoice, InvoiceStatus
    from api.businesses.models import ReviewStatus
    from api.registration.models import Application
    from api.sites.models import ContractStatus, SiteContract
    from api.timeutil import today_jst

    out = {"notices": 0, "direct_inputs": 0, "invitations": 0, "invoices": 0, "overdue_invoices": 0, "reviews": 0}
    out["notices"] = await Notification.filter(account_id=user.id, read_at=None).count()
    invoices = None
    if user.role is Role.business_admin and user.business_id is not None:  # type: ignore[attr-defined]
        business_id = user.business_id  # type: ignore[attr-defined]
        out["direct_inputs"] = await _pending_direct_inputs(
            "JOIN site s ON s.id = d.site_id WHERE d.status = 'pending' AND s.prime_id = ?", business_id
        )
        out["invitations"] = await SiteContract.filter(business_id=business_id, status=ContractStatus.invited).count()
        invoices = Invoice.filter(business_id=business_id, status=InvoiceStatus.open)
    elif user.role is Role.site_manager:
        out["direct_inputs"] = await _pending_direct_inputs(
            "WHERE d.status = 'pending' AND d.site_id IN (SELECT site_id FROM site_manager WHERE account_id = ?)",
            user.id,
        )
    elif user.role is Role.technician and user.technician_id is not None:  # type: ignore[attr-defined]
        invoices = Invoice.filter(technician_id=user.technician_id, status=InvoiceStatus.open)  # type: ignore
    elif user.role is Role.operator:
        out["reviews"] = await Application.filter(status=ReviewStatus.submitted).count()
    if invoices is not None:
        out["invoices"] = await invoices.count()
        out["overdue_invoices"] = await invoices.filter(due_on__lt=today_jst()).count()
    return out


async def _pending_direct_inputs(where: str, value: int) -> int:
    """Direct inputs waiting for approval, counted by SQL (notices import no work-record code: see jobs._direct_input)."""
    from tortoise import connections

    from api.sql import fetch

    rows = await fetch(connections.get("default"), f"SELECT COUNT(*) AS n FROM direct_input d {where}", [value])
    return int(rows[0]["n"])
