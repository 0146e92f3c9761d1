"""Face jobs: enrolment after a new photo or consent, and the evidence purge. Both are safe to run twice."""

from __future__ import annotations

from typing import Any

from tortoise.timezone import now

from api.crypto import Vault
from api.face import service


async def enrol_faces(ctx: dict[str, Any], technician_pk: int) -> int:
    """Bring the technician's embeddings up to date with their photos and the engine's model version."""
    return await service.enrol(face=ctx["face"], vault=Vault(ctx["settings"].secret("data_key")),
                               technician_pk=technician_pk)


async def purge_face_evidence(ctx: dict[str, Any]) -> int:
    """Delete evidence images whose retention period has ended."""
    return await service.purge_evidence(at=now())
