"""Stored images apart from who they belong to: their sizes, the check a new one passes, and what a new face
photo sets off (the face enrolment job, deferred by name so this module needs nothing of the face engine)."""

from __future__ import annotations

import hashlib
from collections.abc import Awaitable, Callable
from typing import Any

from api import db
from api.media.models import ImageKind, StoredImage

IMAGE_SIDES = {
    ImageKind.face_photo: 1200,
    ImageKind.id_document: 2400,
    ImageKind.certificate: 2400,
    ImageKind.face_extra: 1200,
}


# An upload-time check of the normalised image (the face engine's "exactly one face, large enough"), or None.
ImageCheck = Callable[[bytes, str], Awaitable[None]]


FACE_KINDS = (ImageKind.face_photo, ImageKind.face_extra)


async def request_enrolment(*, tech: Any) -> None:
    """Enqueue (after the current transaction commits) the job that brings the embeddings up to date.

    The job id names the consent and the exact photo set, so a new photo or a renewed consent runs it again and a
    double request runs it once."""
    if tech.face_consent_at is None:
        return
    shas = sorted(await StoredImage.filter(technician=tech, kind__in=FACE_KINDS).values_list("sha256", flat=True))
    if not shas:
        return
    digest = hashlib.sha256("".join(shas).encode()).hexdigest()[:16]
    await db.defer_job(
        "enrol_faces", tech.id, job_id=f"face-enrol:{tech.id}:{int(tech.face_consent_at.timestamp())}:{digest}"
    )
