"""Mail jobs: the retry sweep. The jobs that create mail (password reset, notices) send it themselves; a send that
failed (SMTP down, refused) or a sender that died leaves the row unsent, and this sweep sends it later."""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

from tortoise.expressions import Q
from tortoise.timezone import now

from api.mail.models import Mail
from api.mail.service import CLAIM_LEASE, deliver

log = logging.getLogger("openccus.mail")

MAX_ATTEMPTS = 10  # then the mail stays unsent, visible with its last error in the operator's console


async def send_pending_mail(ctx: dict[str, Any]) -> dict[str, int]:
    """Every few minutes: send the mails left unsent (at least a minute old, so the job that made one has had its
    turn). Safe to run twice or beside the creating jobs: `deliver` claims each mail with a conditional UPDATE."""
    t = now()
    ids: list[Any] = (
        await Mail.filter(
            Q(claimed_at=None) | Q(claimed_at__lt=t - CLAIM_LEASE),
            sent_at=None,
            attempts__lt=MAX_ATTEMPTS,
            created_at__lt=t - timedelta(minutes=1),
        )
        .order_by("id")
        .limit(500)
        .values_list("id", flat=True)
    )
    sent = failed = 0
    for pk in ids:
        try:
            sent += await deliver(ctx["settings"], pk)
        except Exception:  # logged by deliver; the next sweep tries again
            failed += 1
    return {"sent": sent, "failed": failed}
