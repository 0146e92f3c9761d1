"""Plain dataclasses in and out of the level engine (the database side fills `LevelInputs`)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Literal

Tier = Literal["simplified", "detailed"]  # the values of api.registration.models.Tier


@dataclass(frozen=True, slots=True)
class HeldQualification:
    code: str
    acquired_on: date
    expires_on: date | None = None  # inclusive: the qualification still counts on this day

    def valid_on(self, on: date) -> bool:
        return self.acquired_on <= on and (self.expires_on is None or on <= self.expires_on)


@dataclass(frozen=True, slots=True)
class LevelInputs:
    """One technician × one trade, aggregated up to the evaluation date.

    ``work_days`` counts the distinct Japan dates with a CCUS work record in the trade (foreman and team-leader days
    included) — a day is a day: two sites on one date count once; ``foreman_days`` / ``team_leader_days`` count the
    distinct dates with a record whose position was 職長 / 班長.
    ``oldest_qualification_on`` and ``registered_on`` give the pre-registration experience (see engine.py);
    ``certified_prior_days`` is the alternative an employer's 経歴証明書 gives (already in work days).
    """

    technician_id: str
    trade: str
    tier: Tier
    work_days: int
    foreman_days: int = 0
    team_leader_days: int = 0
    registered_on: date | None = None
    oldest_qualification_on: date | None = None
    qualifications: tuple[HeldQualification, ...] = ()
    certified_prior_days: int = 0


@dataclass(frozen=True, slots=True)
class Evidence:
    """What the decision was based on; stored with the result so a level can be explained later."""

    recorded_days: int
    pre_registration_calendar_days: int
    pre_registration_days: int  # the calendar days converted to work days
    certified_prior_days: int
    counted_days: int  # recorded_days + the larger of pre_registration_days and certified_prior_days
    foreman_days: int
    lead_days: int  # 職長 + 班長
    qualifications: tuple[str, ...]  # codes that counted on the evaluation date
    expired: tuple[str, ...]  # codes held but expired (or not yet acquired) on that date, which did not count
    rows_met: tuple[int, ...]  # the criteria rows (levels) met on their own, before the cumulative rule


@dataclass(frozen=True, slots=True)
class LevelResult:
    technician_id: str
    trade: str
    on: date
    evaluated: bool
    level: int | None  # 1–4 when evaluated; None when not (see reason)
    criteria_version: str | None = None
    evidence: Evidence | None = None
    missing_for_next: tuple[str, ...] = field(default=())
    reason: str | None = None  # machine code when not evaluated: simplified_tier / no_criteria
