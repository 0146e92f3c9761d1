from __future__ import annotations

from typing import Any

from api.audit.models import AuditEntry


def diff(before: dict[str, Any], after: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """Only the fields that changed, so the trail shows what a correction did at a glance."""
    keys = [k for k in after if before.get(k) != after.get(k)]
    return {k: before.get(k) for k in keys}, {k: after.get(k) for k in keys}


async def record(
    *,
    actor: Any | None,
    action: str,
    entity_type: str,
    entity_id: Any,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    reason: str | None = None,
) -> AuditEntry:
    return await AuditEntry.create(
        actor_id=getattr(actor, "id", None),
        actor_login=getattr(actor, "login", None),
        actor_role=getattr(getattr(actor, "role", None), "value", None),
        action=action,
        entity_type=entity_type,
        entity_id=str(entity_id),
        before=before,
        after=after,
        reason=reason,
    )


async def entries(*, entity_type: str | None, entity_id: str | None, limit: int, before_id: int | None):
    qs = AuditEntry.all().order_by("-id")
    if entity_type:
        qs = qs.filter(entity_type=entity_type)
    if entity_id:
        qs = qs.filter(entity_id=entity_id)
    if before_id:
        qs = qs.filter(id__lt=before_id)
    return await qs.limit(limit)
