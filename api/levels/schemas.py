from datetime import date

from pydantic import BaseModel


class TradeLevelOut(BaseModel):
    trade: str
    evaluated: bool
    level: int | None
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
