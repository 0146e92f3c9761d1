"""Inputs transcribed from the seed (shared/seeds/004_d9d9dcbd95ff6df0.txt, the 2016 香川県 guide).

Line numbers refer to that file. The seed's example business closes its year in November: 審査対象事業年度
平成26年12月〜平成27年11月 and the previous year 平成25年12月〜平成26年11月 (seed lines 140–151), so the 審査基準日
is 2015-11-30; the guide is addressed to applications from June 2016 (line 3), hence the application date below.
"""

from __future__ import annotations

import os
import re
import unicodedata
from datetime import date, timedelta
from pathlib import Path

from api.keishin.completed_works import ContractRow, FiscalYear
from api.keishin.roster_models import HeldQualification, Technician

REPO = Path(__file__).resolve().parents[2]
# shared/ sits beside the repository (as in CI); a git worktree elsewhere names it with OPENCCUS_SHARED.
SHARED = Path(os.environ.get("OPENCCUS_SHARED") or REPO.parent / "shared")
SEED = SHARED / "seeds" / "004_d9d9dcbd95ff6df0.txt"
REFERENCE_CSV = SHARED / "reference" / "keishin-tech-staff-codes.csv"

BASE_DATE = date(2015, 11, 30)
APPLICATION_DATE = date(2016, 6, 15)
FISCAL_YEARS = (FiscalYear(date(2014, 12, 1), date(2015, 11, 30)), FiscalYear(date(2013, 12, 1), date(2014, 11, 30)))

# 工事経歴書 (seed lines 1063–1260): とび・土工・コンクリート工事, 24 works, 40,000千円 in all.
TOBI_ROWS = (
    ("○○基礎工事", True, 10_000),
    ("○○造成工事", True, 8_000),
    ("○○杭打ち工事", False, 7_000),
    ("○○足場等仮設工事", False, 5_000),
    ("その他元請工事 10件", True, 6_000),
    ("その他下請け工事 10件", False, 4_000),
)
# 解体工事, 10,000千円 in all.
KAITAI_ROWS = (
    ("○○解体工事", True, 4_000),
    ("○○解体工事", True, 2_500),
    ("○○解体工事", False, 1_000),
    ("○○解体工事", False, 500),
    ("その他元請工事 1件", True, 500),
    ("その他下請け工事 3件", False, 1_500),
)


def contracts_for_year(fy: FiscalYear, *, kaitai_code: str = "29") -> list[ContractRow]:
    """The seed's works, completed within `fy` (line 120: both years are given the same amounts)."""
    done = fy.end - timedelta(days=180)
    start = done - timedelta(days=60)
    rows = [
        ContractRow("○○○", name, prime, "香川県高松市", amount, start, done, "05") for name, prime, amount in TOBI_ROWS
    ]
    rows += [
        ContractRow("○○○", name, prime, "香川県高松市", amount, start, done, kaitai_code)
        for name, prime, amount in KAITAI_ROWS
    ]
    return rows


def seed_contracts(*, kaitai_code: str = "29") -> list[ContractRow]:
    return [row for fy in FISCAL_YEARS for row in contracts_for_year(fy, kaitai_code=kaitai_code)]


def kagawa(name: str, birth: date, codes: tuple[str, ...] | None) -> Technician:
    """A 1級土木施工管理技士 who passed before FY2016, so 解体 counts only through 附則第4条 (code 11C)."""
    return Technician(
        technician_id=name,
        name=name,
        birth_date=birth,
        employed_since=date(2010, 4, 1),
        qualifications=(HeldQualification("113", date(2005, 2, 1)), HeldQualification("11C", date(2005, 2, 1))),
        industry_codes=codes,
    )


def kagawa_three(*, chosen: bool = True) -> list[Technician]:
    """別紙二 rows 1–3 (seed lines 1384–1400, text 1516–1528)."""
    return [
        kagawa("香川　一郎", date(1966, 9, 19), ("01", "05") if chosen else None),
        kagawa("香川　二郎", date(1968, 1, 11), ("01", "29") if chosen else None),
        kagawa("香川　三郎", date(1980, 12, 2), ("01", "99") if chosen else None),
    ]


# An optional row label (電気事業法, 水 道 法, その他 …), a 3-character code, then one digit per point cell.
_ROW = re.compile(r"^(?:\D+?\s+)?([0-9][0-9][0-9A-Z])((?:\s+[0-9])+)\s*$")


def seed_code_table() -> dict[str, tuple[int, int]]:
    """別表（四） as the seed prints it: code → (number of point cells, point value).

    The PDF text lost the cell positions but not the cells: each row is a code followed by its point values, one
    per column where it counts, the PC / 法 / 橋 sub-columns included.
    """
    text = SEED.read_text(encoding="utf-8")
    start = text.index("技術職員コード")  # the table follows the page that points to it (seed line ~1548)
    table: dict[str, tuple[int, int]] = {}
    for line in text[start:].splitlines():
        match = _ROW.match(unicodedata.normalize("NFKC", line).strip())
        if match:
            values = match.group(2).split()
            assert len(set(values)) == 1, line
            table[match.group(1)] = (len(values), int(values[0]))
    return table


def seed_cell_count(points: dict[str, int]) -> int:
    """Cells a row of our table would fill on the seed's form: the 29 industries plus PC (土), 法 (と), 橋 (鋼)."""
    return len(points) + sum(1 for code in ("01", "05", "11") if code in points)
