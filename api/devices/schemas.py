from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, Field, StringConstraints

from api.common import Int32, Name, Strict


class DeviceIn(Strict):
    kind: Literal["reader", "kiosk"]
    name: Name


class DeviceOut(BaseModel):
    id: int
    site_pk: int
    kind: str
    name: str
    enrolled_at: datetime | None
    revoked_at: datetime | None
    last_seen_at: datetime | None
    software_version: str | None
    outbox_depth: int | None
    reader_name: str | None


class DeviceCreatedOut(BaseModel):
    device: DeviceOut
    enrolment_code: str = Field(description="one-time code for `edge_reader enrol`; shown once, valid 7 days")


class EnrolIn(Strict):
    code: Annotated[str, StringConstraints(min_length=6, max_length=64)]
    software_version: Annotated[str, StringConstraints(max_length=40)] = "unknown"


class EnrolOut(BaseModel):
    device_id: str
    device_token: str
    site_id: str


class DeviceSelfOut(BaseModel):
    """What a device may know about itself: the kiosk shows its site's name."""

    device_id: int
    kind: str
    name: str
    site_pk: int
    site_id: str
    site_name: str


class HeartbeatIn(Strict):
    software_version: Annotated[str, StringConstraints(max_length=40)]
    outbox_depth: Int32 = Field(ge=0)
    reader: Annotated[str, StringConstraints(max_length=200)] | None = None


class HeartbeatOut(BaseModel):
    revocations_version: int


class ApiClientIn(Strict):
    name: Name


class ApiClientOut(BaseModel):
    id: int
    client_id: str
    client_secret: str = Field(description="shown once; log in with POST /auth/login {login: client_id, password}")
