from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Literal

from pydantic import BaseModel, Field, StringConstraints, model_validator

from api.common import CcusId, Int, Moment, Strict, invalid
from api.sites.schemas import Geofence

Key = Annotated[str, StringConstraints(min_length=1, max_length=64)]
Policy = Literal["review", "refuse"]
# The checks a site's policy decides on (docs/phone.md). qr_invalid (not a code of this server) is always refused.
CHECKS = (
    "out_of_fence",
    "low_accuracy",
    "implausible_travel",
    "qr_replayed",
    "qr_expired",
    "qr_other_site",
    "face_mismatch",
)


class PhonePolicy(Strict):
    out_of_fence: Policy = "review"
    low_accuracy: Policy = "review"
    implausible_travel: Policy = "review"
    qr_replayed: Policy = "review"
    qr_expired: Policy = "refuse"
    qr_other_site: Policy = "refuse"
    face_mismatch: Policy = "review"


LatLon = Annotated[list[Annotated[float, Field(ge=-180, le=180)]], Field(min_length=2, max_length=2)]


class PhoneSettingsIn(Strict):
    """A circle (`geofence`) or a `polygon` of [lat, lon] points; the polygon wins when both are given."""

    geofence: Geofence | None = None
    polygon: list[LatLon] | None = Field(default=None, min_length=3, max_length=100)
    max_accuracy_m: Int = Field(default=50, ge=5, le=2000)
    policy: PhonePolicy = Field(default_factory=PhonePolicy)
    selfie_required: bool = False

    @model_validator(mode="after")
    def _fence(self):
        if self.geofence is None and self.polygon is None:
            raise invalid("geofence_required", "give a geofence (centre and radius) or a polygon")
        for lat, lon in self.polygon or []:
            if not (20 <= lat <= 46 and 122 <= lon <= 154):
                raise invalid("polygon_outside_japan", "polygon points must be [lat, lon] in Japan")
        return self


class PhoneSettingsOut(BaseModel):
    enabled: bool
    geofence: Geofence | None
    polygon: list[list[float]] | None
    max_accuracy_m: int
    policy: PhonePolicy
    selfie_required: bool


class PhoneCheckinIn(Strict):
    """A check-in from the technician's own phone: the site (picked from the roster) or the gate QR code, or both."""

    idempotency_key: Key
    site_id: CcusId | None = None
    qr: Annotated[str, StringConstraints(max_length=200)] | None = None
    direction: Literal["in", "out"]
    client_time: Moment
    lat: float = Field(ge=-90, le=90)
    lon: float = Field(ge=-180, le=180)
    accuracy_m: float = Field(gt=0, le=100_000)
    selfie: Annotated[str, StringConstraints(max_length=8_000_000)] | None = Field(
        default=None, description="JPEG, base64 (a data: URL is fine)"
    )
    nonce: Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9_-]{16,64}$")] | None = None


class SignedCheckinIn(Strict):
    """An offline check-in: `message` is the PhoneCheckinIn JSON (without the selfie) exactly as the phone signed it
    with its enrolled key (ECDSA P-256 / SHA-256, raw r‖s signature, base64)."""

    key_id: Annotated[str, StringConstraints(pattern=r"^[0-9a-f]{64}$")]
    message: Annotated[str, StringConstraints(min_length=2, max_length=4000)]
    signature: Annotated[str, StringConstraints(min_length=1, max_length=200)]
    selfie: Annotated[str, StringConstraints(max_length=8_000_000)] | None = None


class DeviceKeyIn(Strict):
    public_key: Annotated[str, StringConstraints(min_length=40, max_length=400)] = Field(
        description="SPKI of an ECDSA P-256 public key, base64"
    )


class DeviceKeyOut(BaseModel):
    key_id: str


class Reason(BaseModel):
    code: str
    detail: str


class PhoneCheckinOut(BaseModel):
    id: int
    site_pk: int
    site_id: str
    site_name: str
    direction: str
    client_time: datetime
    received_at: datetime
    delay_s: int = Field(description="how long after the check-in it reached the server (offline uploads)")
    outcome: Literal["accepted", "review"]
    reasons: list[Reason]
    distance_m: float
    tap_status: str | None
    reject_reason: str | None
    signed: bool
    duplicate: bool = False


class PhoneItemOut(BaseModel):
    id: int
    technician_pk: int
    technician_id: str | None
    name: str
    direction: str
    client_time: datetime
    delay_s: int
    lat: float
    lon: float
    accuracy_m: float
    distance_m: float
    via_qr: bool
    signed: bool
    outcome: str
    reasons: list[Reason]
    tap_id: int | None
    approved: bool | None
    reviewed_at: datetime | None


class PhoneQuery(BaseModel):
    outcome: Literal["accepted", "review"] | None = None
    undecided: bool = False
    work_date: date | None = None
    limit: int = Field(default=200, ge=1, le=1000)


class MapQuery(BaseModel):
    work_date: date | None = None


class DecisionIn(Strict):
    approve: bool


class GateQrQuery(BaseModel):
    day: date | None = None


class GateQrOut(BaseModel):
    site_id: str
    day: date
    payload: str
    url: str
    svg: str


class VirtualCardOut(BaseModel):
    """What the phone needs to show its virtual card (docs/virtual-card.md); it keeps it for offline use."""

    technician_id: str
    name: str
    card_serial: str
    valid_until: date
    step_s: int
