from datetime import date, datetime
from typing import Literal

from pydantic import BaseModel, Field

from api.levels.inputs import LevelResult


class TradeLevelOut(BaseModel):
    trade: str
    evaluated: bool
    level: int | None  # the engine's estimate: not official until an assessment body judges it
    estimate: bool = True
    official_level: int = 1  # the judged level (1 = registered, not yet judged)
    official_colour: str = "white"
    criteria_version: str | None
    reason: str | None
    missing_for_next: list[str]
    counted_days: int | None
    foreman_days: int | None
    lead_days: int | None


class LevelHistoryOut(BaseModel):
    trade: str
    level: int
    from_level: int | None
    direction: str
    criteria_version: str
    on: date


class LevelsOut(BaseModel):
    technician_pk: int
    on: date
    trades: list[TradeLevelOut]
    history: list[LevelHistoryOut]


class LevelApplicationIn(BaseModel):
    model_config = {"extra": "forbid"}
    trade: str


class JudgementIn(BaseModel):
    model_config = {"extra": "forbid"}
    decision: Literal["raise", "reject"]
    level: int | None = Field(default=None, ge=2, le=4)
    reason: str | None = Field(default=None, max_length=1000)


class LevelApplicationOut(BaseModel):
    id: int
    technician_pk: int
    trade: str
    body: str
    proxy: bool
    status: str
    estimate_level: int
    criteria_version: str
    evidence: LevelResult = Field(description="the engine's estimate as it stood when applied for, with its evidence")
    judged_level: int | None
    reason: str | None
    submitted_at: datetime
    decided_at: datetime | None


class OfficialLevelOut(BaseModel):
    trade: str
    level: int
    colour: str
    criteria_version: str | None
    body: str | None
    judged_on: date | None


class JudgedHistoryOut(BaseModel):
    trade: str
    level: int
    from_level: int | None
    colour: str
    criteria_version: str
    body: str
    judged_on: date


class OfficialLevelsOut(BaseModel):
    technician_pk: int
    levels: list[OfficialLevelOut]
    history: list[JudgedHistoryOut]


class AssessmentBodyIn(BaseModel):
    model_config = {"extra": "forbid"}
    name: str = Field(min_length=2, max_length=200)
    trades: list[str] = Field(min_length=1, max_length=50)
    login: str = Field(min_length=3, max_length=64)
    password: str = Field(min_length=12, max_length=200)
    display_name: str = Field(min_length=1, max_length=100)


class AssessmentBodyOut(BaseModel):
    id: int
    name: str
    trades: list[str]


class QueueQuery(BaseModel):
    status: Literal["submitted", "judged", "rejected"] = "submitted"
