from api.accounts.models import Role
from api.audit import service
from api.audit.schemas import AuditEntryOut, AuditQuery
from api.http import Ctx, Router

router = Router()


@router.get(
    "/audit",
    summary="The audit trail of operator changes (newest first)",
    tags=["audit"],
    roles={Role.operator},
)
async def list_audit(ctx: Ctx, query: AuditQuery) -> list[AuditEntryOut]:
    q: AuditQuery = query
    rows = await service.entries(entity_type=q.entity_type, entity_id=q.entity_id, limit=q.limit, before_id=q.before_id)
    return [AuditEntryOut.model_validate(r) for r in rows]
