"""The job behind every account an agent opens: the first-password link by mail (api/agents/service.py)."""

from __future__ import annotations

from typing import Any

from api.agents.service import mail_setup_link


async def account_setup_mail(ctx: dict[str, Any], account_id: int, request_key: str) -> int:
    """Safe to run twice: one token and one mail per request key. Returns the mails sent."""
    return await mail_setup_link(settings=ctx["settings"], account_id=account_id, request_key=request_key)
