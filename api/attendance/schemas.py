from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, Field, StringConstraints

from api.common import CcusId, Int, Moment, Strict

Hex32 = Annotated[str, StringConstraints(pattern=r"^[0-9a-fA-F]{32}$")]
Key = Annotated[str, StringConstraints(min_length=1, max_length=64)]


class TapIn(Strict):
    """One card tap as a reader uploads it (docs/card-profile.md §5.1)."""

    idempotency_key: Key
    method: Literal["card"] = "card"
    technician_id: CcusId
    card_serial: Annotated[str, StringConstraints(pattern=r"^[0-9a-fA-F]{16}$")]
    challenge: Hex32
    response: Hex32
    device_time: Moment = Field(description="ISO 8601 with its UTC offset")
    device_seq: Int = Field(ge=1)
    site_id: CcusId | None = Field(default=None, description="optional; when given it must be the device's own site")


def _items_of(model: type[BaseModel]) -> Any:
    """The items' schema in the document, although each item is validated on its own (one bad tap is refused with
    its index and reason, not the whole batch): the field is typed `dict` for that, the contract names the model."""

    def extra(schema: dict[str, Any]) -> None:
        schema["items"] = {"title": model.__name__, **model.model_json_schema()}

    return extra


class TapBatchIn(Strict):
    taps: list[dict[str, Any]] = Field(
        min_length=1, max_length=1000, description="up to 1,000 taps (TapIn)", json_schema_extra=_items_of(TapIn)
    )


class AttendanceIn(Strict):
    """One entry or exit pushed by a private attendance system (API連携). Trade and position are required."""

    idempotency_key: Key
    site_id: CcusId
    technician_id: CcusId
    event: Literal["in", "out"]
    at: Moment
    trade: Annotated[str, StringConstraints(pattern=r"^\d{2}-\d{2}$")]
    position: Literal["foreman", "team_leader", "worker", "apprentice"]
    work_content: Annotated[str, StringConstraints(max_length=200)] | None = None


class AttendanceBatchIn(Strict):
    records: list[dict[str, Any]] = Field(
        min_length=1,
        max_length=1000,
        description="up to 1,000 records (AttendanceIn)",
        json_schema_extra=_items_of(AttendanceIn),
    )

    model_config = {
        "extra": "forbid",
        "json_schema_extra": {
            "examples": [
                {
                    "records": [
                        {
                            "idempotency_key": "gs-2026-11-22-000123",
                            "site_id": "12345678901234",
                            "technician_id": "98765432109876",
                            "event": "in",
                            "at": "2026-11-22T07:58:03+09:00",
                            "trade": "05-01",
                            "position": "foreman",
                            "work_content": "配筋",
                        }
                    ]
                }
            ]
        },
    }


class TapResult(BaseModel):
    """The stored tap's verdict (docs/card-profile.md §5). For a tap that was already stored (a re-sent batch, or two
    batches racing) `duplicate` is true and `status` / `reject_reason` are still those of the stored tap."""

    index: int
    idempotency_key: str
    status: Literal["accepted", "pending", "rejected"]
    duplicate: bool = False
    reject_reason: str | None = None


class ItemError(BaseModel):
    """An item that was not stored: invalid, for another site, past its upload deadline (`deadline` then says
    which day it was), or a re-sent key whose content differs (`idempotency_key_reused`)."""

    index: int
    error: str
    message: str
    deadline: date | None = None


class BatchOut(BaseModel):
    results: list[TapResult]
    errors: list[ItemError]


class TapQuery(BaseModel):
    status: Literal["accepted", "pending", "rejected"] | None = None
    work_date: date | None = None
    limit: int = Field(default=200, ge=1, le=1000)


class TapOut(BaseModel):
    id: int
    technician_code: str
    method: str
    direction: str | None
    device_pk: int | None
    device_time: datetime
    received_at: datetime
    work_date: date
    status: str
    reject_reason: str | None


class VirtualTapIn(Strict):
    """One virtual card read by a kiosk or a site manager's phone (docs/virtual-card.md)."""

    idempotency_key: Key
    code: Annotated[str, StringConstraints(min_length=1, max_length=300)] = Field(
        description="the QR code's text, OCVC1.…"
    )
    device_time: Moment = Field(description="when the reader read it, ISO 8601 with its UTC offset")
    direction: Literal["in", "out"] | None = None


class VirtualTapBatchIn(Strict):
    taps: list[dict[str, Any]] = Field(
        min_length=1,
        max_length=200,
        description="up to 200 reads (VirtualTapIn), kept by the reader while offline",
        json_schema_extra=_items_of(VirtualTapIn),
    )


class VirtualKeyOut(BaseModel):
    key_id: str
    public_key: str = Field(description="SPKI, base64 (ECDSA P-256)")


class VirtualCardHolderOut(BaseModel):
    technician_id: str
    name: str
    card_serial: str
    keys: list[VirtualKeyOut]


class VirtualRosterOut(BaseModel):
    """What a reader needs to verify virtual cards offline: the public keys of the active cards' holders on the
    site's roster. Public keys only: a reader can check a code but not make one."""

    site_id: str
    step_s: int
    early_steps: int
    late_steps: int
    holders: list[VirtualCardHolderOut]
