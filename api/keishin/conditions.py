"""Conditions of the 経審 qualification table that the code alone does not carry (data: qualification_conditions.csv).

* ``experience_years``: the qualification counts only once that many years have passed since it was acquired, on
  the 審査基準日 — 2級技能士 (「合格後3年以上の実務経験を要する」) and the table's 【n年】 rows (第二種電気工事士 3,
  電気主任技術者 5, 電気通信主任技術者 5, 給水装置工事主任技術者 1, 地すべり防止工事 1, 計装 1, 建築設備士 1).
* ``kaitai_passed_by``: the qualification counts in 解体 (29) only with the technician's approved 解体 evidence (one
  year of 解体 experience or the 登録解体工事講習) when it was acquired on or before that date (2016-03-31 = FY2015,
  平成27年度, for 1級/2級土木・建築施工管理技士), or whatever the date (``always``: 技術士 建設 / 総監建設).
"""

from __future__ import annotations

import csv
import functools
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from api.keishin.errors import MasterDataError

DATA = Path(__file__).parent / "data" / "qualification_conditions.csv"
ALWAYS = date.max


@dataclass(frozen=True)
class Condition:
    code: str
    experience_years: int
    kaitai_passed_by: date | None  # None: no 解体 condition; date.max: always
    source: str

    def experience_from(self, acquired_on: date) -> date:
        """The first day the qualification counts (the anniversary; 29 Feb → 28 Feb)."""
        year = acquired_on.year + self.experience_years
        try:
            return acquired_on.replace(year=year)
        except ValueError:
            return date(year, 2, 28)

    def needs_kaitai_evidence(self, acquired_on: date) -> bool:
        return self.kaitai_passed_by is not None and acquired_on <= self.kaitai_passed_by


@functools.cache
def load_conditions(path: Path = DATA) -> dict[str, Condition]:
    out: dict[str, Condition] = {}
    with open(path, encoding="utf-8") as f:
        for n, row in enumerate(csv.DictReader(f), start=2):
            code = row["code"]
            if code in out:
                raise MasterDataError(f"{path.name}:{n}: code {code} listed twice")
            years = int(row["experience_years"] or 0)
            by = row["kaitai_passed_by"]
            passed_by = None if not by else ALWAYS if by == "always" else date.fromisoformat(by)
            if not row["source"] or (years == 0 and passed_by is None) or years < 0:
                raise MasterDataError(f"{path.name}:{n}: a condition needs a source and a rule")
            out[code] = Condition(code, years, passed_by, row["source"])
    return out
