from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field


class AuditQuery(BaseModel):
    entity_type: str | None = None
    entity_id: str | None = None
    before_id: int | None = Field(default=None, ge=1)
    limit: int = Field(default=100, ge=1, le=500)


class AuditEntryOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    at: datetime
    actor_id: int | None
    actor_login: str | None
    actor_role: str | None
    action: str
    entity_type: str
    entity_id: str
    before: Any
    after: Any
    reason: str | None
