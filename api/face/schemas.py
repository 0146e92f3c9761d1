from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, Field, StringConstraints

from api.common import Strict


class ConsentIn(Strict):
    consent: bool = Field(
        description="true: use my face photo for face check-in; false: withdraw and delete my face data"
    )


class FaceStatusOut(BaseModel):
    consent: bool
    consent_at: datetime | None
    enrolled: bool
    embeddings: int
    extra_photos: int
    model_version: str | None
    error: str | None = Field(description="why the last enrolment failed (a sentence for the technician)")


class CheckinForm(Strict):
    """The form fields that come with the kiosk's frames (multipart: frame1, optional frame2 and frame3)."""

    idempotency_key: Annotated[str, StringConstraints(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9._:-]+$")]
    device_time: datetime = Field(description="when the frames were taken, ISO 8601 with offset")


class RecognisedOut(BaseModel):
    pk: int
    technician_id: str
    name: str
    photo: str | None = Field(description="a small thumbnail of the registered photo, as a data: URL")


class CheckinOut(BaseModel):
    id: int
    outcome: Literal["accepted", "review", "needs_card", "not_recognised", "ambiguous"]
    message: str
    technician: RecognisedOut | None
    tap_status: Literal["accepted", "pending", "rejected"] | None
    reject_reason: str | None = None
    distance: float | None
    liveness_risk: float
    duplicate: bool = False


class CheckinQuery(Strict):
    outcome: Literal["accepted", "review", "needs_card", "not_recognised", "ambiguous"] | None = None
    undecided: bool = Field(default=False, description="only review items no manager has decided yet")
    limit: int = Field(default=100, ge=1, le=500)


class CheckinItemOut(BaseModel):
    id: int
    outcome: str
    technician_pk: int | None
    technician_id: str | None
    name: str | None
    distance: float | None
    second_distance: float | None
    liveness_risk: float
    device_time: datetime
    created_at: datetime
    has_evidence: bool
    tap_id: int | None
    approved: bool | None
    reviewed_at: datetime | None


class DecisionIn(Strict):
    approve: bool


class FaceSettingsIn(Strict):
    threshold: float = Field(ge=0.3, le=0.6, description="the best distance must be within this (default 0.5)")
    policy: Literal["accept", "review", "card"] = Field(
        description="what a recognised face with a high liveness risk gets: accepted anyway, the site manager's "
        "review queue, or a card tap required as well"
    )


class FaceSettingsOut(BaseModel):
    threshold: float
    policy: str
