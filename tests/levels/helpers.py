"""Builders for level inputs (plain data; no database)."""

from __future__ import annotations

from datetime import date

from api.levels import HeldQualification, LevelInputs

ON = date(2025, 4, 1)
LONG_AGO = date(2015, 1, 1)


def held(*codes: str, acquired_on: date = LONG_AGO, expires_on: date | None = None) -> tuple[HeldQualification, ...]:
    return tuple(HeldQualification(c, acquired_on, expires_on) for c in codes)


def tech(
    trade: str = "05-01",
    work_days: int = 0,
    *,
    foreman: int = 0,
    team_leader: int = 0,
    quals: tuple[HeldQualification, ...] = (),
    tier: str = "detailed",
    registered_on: date | None = None,
    oldest: date | None = None,
    certified: int = 0,
) -> LevelInputs:
    return LevelInputs(
        technician_id="10000000000001",
        trade=trade,
        tier=tier,
        work_days=work_days,
        foreman_days=foreman,
        team_leader_days=team_leader,
        registered_on=registered_on,
        oldest_qualification_on=oldest,
        qualifications=quals,
        certified_prior_days=certified,
    )
