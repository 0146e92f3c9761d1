"""Plain dataclasses in and out of the 技術職員名簿 (別紙二) computation."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date

from api.keishin.reasons import KeishinReason

# The 2-digit code that the seed calls 「99」経過措置: as a technician's 業種コード it counts for 05, 29 and the
# transitional total; as a category of points it *is* that total (とび・土工・コンクリート・解体（経過措置）).
TRANSITIONAL = "99"
TOBI = "05"
KAITAI = "29"


@dataclass(frozen=True)
class HeldQualification:
    """One 有資格区分コード a technician holds.

    ``industry_codes`` names the industries where a "declared" qualification counts (実務経験 001–004, 基幹技能者
    064, 099, 監理技術者補佐 005); on any other code it restricts the table's industries (for example a 1級土木
    passed before FY2016 without 解体 experience can be limited to exclude 29).
    """

    code: str
    acquired_on: date
    industry_codes: tuple[str, ...] = ()


@dataclass(frozen=True)
class CcusLevel:
    """A CCUS skill level from the level evaluation, already mapped to the industry of its 認定能力評価基準."""

    industry_code: str
    level: int
    evaluated_on: date


@dataclass(frozen=True)
class Technician:
    technician_id: str
    name: str
    birth_date: date
    employed_since: date
    qualifications: tuple[HeldQualification, ...] = ()
    # 講習受講 = 1: holds a 監理技術者資格者証 and took the 監理技術者講習 within the period the 記載要領 sets; the
    # caller decides the period, this flag only turns a 1級 (5 points) into 6.
    supervisor_lecture: bool = False
    supervisor_certificate_no: str = ""
    ccus_levels: tuple[CcusLevel, ...] = ()
    # None: let the optimiser choose the 業種コード. A tuple: the applicant's own choice, validated and kept.
    industry_codes: tuple[str, ...] | None = None
    newly_listed: bool = False
    # The day the technician's 解体 evidence (1 year of 解体 experience or the 登録解体工事講習) was complete, as
    # approved; None when there is none. See api/keishin/conditions.py.
    kaitai_evidence_on: date | None = None


@dataclass(frozen=True)
class RosterGroup:
    """One 業種コード / 有資格区分コード / 講習受講 group of a 別紙二 row, with the points it earns."""

    industry_code: str
    qualification_code: str
    lecture: bool
    credited: Mapping[str, int]


@dataclass(frozen=True)
class RosterRow:
    serial: int
    technician_id: str
    name: str
    birth_date: date
    age: int
    newly_listed: bool
    groups: tuple[RosterGroup, ...]
    points: Mapping[str, int]  # per credited industry (and "99"), the highest the person earns there
    applied_points: int  # the sum over the industries the business applies for
    supervisor_certificate_no: str


@dataclass(frozen=True)
class IndustryTotal:
    industry_code: str
    name: str
    applied: bool
    headcount: int
    points: int
    by_points: Mapping[int, int]  # points value → number of technicians


@dataclass(frozen=True)
class Exclusion:
    technician_id: str
    name: str
    code: str
    reason: str
    params: Mapping[str, str] = field(default_factory=dict)  # what the PWA's wording of `code` quotes


@dataclass(frozen=True)
class Roster:
    base_date: date
    application_date: date
    applied_industries: tuple[str, ...]  # as given, plus "99" when the transitional total is evaluated
    rows: tuple[RosterRow, ...]
    totals: tuple[IndustryTotal, ...]
    excluded: tuple[Exclusion, ...]
    notes: tuple[KeishinReason, ...]

    def total(self, industry_code: str) -> int:
        return next((t.points for t in self.totals if t.industry_code == industry_code), 0)
