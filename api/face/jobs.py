"""Face jobs: enrolment after a new photo or consent, and the evidence purge. Both are safe to run twice."""

from __future__ import annotations

from typing import Any

from tortoise.timezone import now

from api.crypto import Vault
from api.face import service


async def enrol_faces(ctx: dict[str, Any], technician_pk: int) -> int:
    """Bring the technician's embeddings up to date with their photos and the engine's model version."""
    return await service.enrol(
        face=ctx["face"], vault=Vault(ctx["settings"].secret("data_key")), technician_pk=technician_pk
    )


async def purge_face_evidence(ctx: dict[str, Any]) -> int:
    """Delete evidence images whose retention period has ended."""
    return await service.purge_evidence(at=now())


REFRESH_PER_RUN = 5000  # ≈150 ms each on one core: about 12 minutes a night with one worker


async def refresh_face_enrolments(ctx: dict[str, Any]) -> int:
    """Nightly: enrol consenting technicians whose embeddings are missing or of another model version (after a model
    upgrade, or when an enrolment job was lost). A capped number per run, so a model change catches up over nights
    without holding the worker; returns how many were enrolled."""
    face = ctx["face"]
    model = (await face.pool()).model_version
    vault = Vault(ctx["settings"].secret("data_key"))
    pks = await service.stale_enrolments(model_version=model, limit=REFRESH_PER_RUN)
    done = 0
    for pk in pks:
        if await service.enrol(face=face, vault=vault, technician_pk=pk):
            done += 1
    return done
