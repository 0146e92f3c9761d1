from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Literal

from pydantic import BaseModel, Field, StringConstraints, model_validator

from api.common import CcusId, Int, PastDate, SiteDate, Strict, Text, invalid


class Geofence(Strict):
    lat: float = Field(ge=20, le=46, description="Japan only")
    lon: float = Field(ge=122, le=154)
    radius_m: Int = Field(ge=20, le=5000)


class SiteIn(Strict):
    name: Text
    address: Text
    order_type: Literal["public", "private"]
    window_start: SiteDate = Field(description="就業履歴蓄積期間: first day taps are accepted")
    window_end: SiteDate
    cutoff_hour: Int = Field(
        default=0,
        ge=0,
        le=12,
        description=(
            "kept for old clients; no longer decides work days (a shift belongs to the day of its entry: "
            "docs/workrecords.md)"
        ),
    )
    shift_hours: Int = Field(
        default=24,
        ge=4,
        le=36,
        description=("longest shift on this site: an exit pairs with the open entry at most this many hours earlier"),
    )
    hazardous: bool = False
    geofence: Geofence | None = None
    manager_account_ids: list[Int] = Field(default_factory=list, max_length=50)

    model_config = {
        "extra": "forbid",
        "json_schema_extra": {
            "examples": [
                {
                    "name": "大和ビル新築工事",
                    "address": "東京都千代田区丸の内2-2",
                    "order_type": "private",
                    "window_start": "2026-04-01",
                    "window_end": "2027-09-30",
                    "cutoff_hour": 5,
                }
            ]
        },
    }

    @model_validator(mode="after")
    def _window(self):
        if self.window_end < self.window_start:
            raise invalid("window_end_before_start", "window_end is before window_start")
        return self


class TrainingOut(BaseModel):
    basis: str
    basis_detail: str
    source_url: str
    source_date: date
    registered_at: datetime


class SiteOut(BaseModel):
    id: int
    site_id: str
    prime_pk: int
    name: str
    address: str
    order_type: str
    window_start: date
    window_end: SiteDate
    cutoff_hour: int
    shift_hours: int
    hazardous: bool
    geofence: Geofence | None
    manager_account_ids: list[int]
    face_threshold: float
    face_policy: str
    created_at: datetime
    kind: Literal["work", "training"] = Field(default="work", description="training: a CCUS登録教育訓練機関")
    training: TrainingOut | None = Field(default=None, description="the institution's basis, on a training site")


TrainingBasis = Literal["vocational_training", "industry_group"]
SourceUrl = Annotated[str, StringConstraints(pattern=r"^https?://[^\s]+$", max_length=500)]


class MarkTrainingIn(Strict):
    """Why the institution qualifies (建設業振興基金「CCUS登録教育訓練機関」) and where that was published."""

    basis: TrainingBasis = Field(
        description=(
            "vocational_training: 職業能力開発促進法の職業訓練法人・認定職業訓練を行う団体; "
            "industry_group: 複数の建設企業の財団・社団・組合で訓練施設を持つもの"
        )
    )
    basis_detail: Annotated[str, StringConstraints(min_length=1, max_length=500)] = Field(
        description="the 認定 or the member firms, as published"
    )
    source_url: SourceUrl = Field(description="the publication naming the institution")
    source_date: PastDate = Field(description="the publication's date")


class TrainingSiteIn(MarkTrainingIn):
    name: Text = Field(description="the institution (e.g. 富士教育訓練センター)")
    address: Text
    prime_business_id: CcusId = Field(description="the 事業者ID acting as 元請 for the 基金; its admins run the site")
    window_start: SiteDate = Field(description="from 2025-10-01 (422 training_before_2025_10_01)")
    window_end: SiteDate
    shift_hours: Int = Field(default=24, ge=4, le=36)

    model_config = {
        "extra": "forbid",
        "json_schema_extra": {
            "examples": [
                {
                    "name": "富士教育訓練センター",
                    "address": "静岡県富士宮市",
                    "prime_business_id": "12345678901234",
                    "window_start": "2025-10-01",
                    "window_end": "2030-03-31",
                    "basis": "vocational_training",
                    "basis_detail": "職業訓練法人全国建設産業教育訓練協会",
                    "source_url": "https://www.fuji-kkc.ac.jp/news/8921",
                    "source_date": "2025-10-01",
                }
            ]
        },
    }

    @model_validator(mode="after")
    def _window(self):
        if self.window_end < self.window_start:
            raise invalid("window_end_before_start", "window_end is before window_start")
        return self


class TraineeIn(Strict):
    technician_id: CcusId
    trade: Annotated[str, StringConstraints(pattern=r"^[0-9]{2}-[0-9]{2}$")] = Field(description="the course's 職種")
    position: Literal["foreman", "team_leader", "worker", "apprentice"] = "worker"
    course: Annotated[str, StringConstraints(max_length=200)] | None = Field(
        default=None, description="the course (kept as the roster's work content)"
    )


class ContractIn(Strict):
    business_id: CcusId = Field(description="the invited business's 14-digit 事業者ID")
    parent_contract_id: Int = Field(description="the inviting (direct upper) tier's contract")
    proxy: bool = Field(default=False, description="register on the lower tier's behalf (代理手続き): no approval step")


class ContractOut(BaseModel):
    id: int
    business_pk: int
    business_id: str
    business_name: str
    parent_id: int | None
    tier: int
    status: str
    proxy: bool
    placeholder: bool = Field(default=False, description="a missing upper tier entered by name and 法人番号")
    corporate_number: str | None = Field(default=None, description="the placeholder's 法人番号")


class PlaceholderIn(Strict):
    parent_contract_id: Int = Field(description="the contract of the tier directly above the missing firm")
    name: Annotated[str, StringConstraints(max_length=200)] = Field(description="the firm's name (NFKC-normalised)")
    corporate_number: Annotated[str, StringConstraints(max_length=40)] = Field(
        description="法人番号, 13 digits with its check digit (full-width digits and hyphens accepted)"
    )


Position = Literal["foreman", "team_leader", "worker", "apprentice"]


class RosterIn(Strict):
    technician_id: CcusId
    trade: Annotated[str, StringConstraints(pattern=r"^\d{2}-\d{2}$")]
    position: Position
    work_content: Annotated[str, StringConstraints(max_length=200)] | None = None


class RosterPatch(Strict):
    trade: Annotated[str, StringConstraints(pattern=r"^\d{2}-\d{2}$")] | None = None
    position: Position | None = None
    work_content: Annotated[str, StringConstraints(max_length=200)] | None = None
    active: bool | None = None

    @model_validator(mode="after")
    def _no_nulls(self) -> RosterPatch:
        # Omit a field to keep it; null clears only what can be empty (work_content).
        nulls = [k for k in ("trade", "position", "active") if k in self.model_fields_set and getattr(self, k) is None]
        if nulls:
            raise invalid(
                "null_not_allowed", "{fields} cannot be null (leave the field out to keep it)", fields=", ".join(nulls)
            )
        return self


class RosterOut(BaseModel):
    id: int
    technician_pk: int
    technician_id: str
    name: str
    employer_pk: int
    trade: str
    position: str
    work_content: str | None
    active: bool
