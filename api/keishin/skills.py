"""W1⑧ 知識及び技術又は技能の向上に関する取組の状況 (from 2021-04, reference/ccus-facts.md §7; tables in
data/w1_skills.csv with their sources).

技能者 part, from CCUS judged levels only (api/levels/judged.py — the engine's estimate is not a level):

* 技能者数: the business's technicians (registered in CCUS) on the base date;
* 技能レベル向上者数: those whose judged level on the base date is at least one above the level they held on the day
  3 years before it (in any trade; "not judged" is level 1, so a first judgement of level 2 or more is a rise and a
  first judgement of level 1 is not);
* 控除対象者数: those already judged level 4 on that day (they cannot rise; deducted from 技能者数);
* B (技能者評価のための値, 0–10) = the band of 向上者数 / (技能者数 − 控除対象者数) in the table `skill_rise_ratio`.

W1⑧ itself: 算出値 = 技術者数/(技術者数+技能者数) × A + 技能者数/(技術者数+技能者数) × B, and the 評点 is the band of
算出値 in the table `w1_8_score` (0–10). A (技術者評価のための値, from the 技術者' CPD units) and 技術者数 come from
records CCUS does not hold, so the business enters them; without 技術者数 the 評点 is not computed (a firm with
技術者 would otherwise get the 技能者 value alone).
"""

from __future__ import annotations

import csv
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from fractions import Fraction
from functools import lru_cache
from pathlib import Path

from api.keishin.rules import months_earlier

WINDOW_MONTHS = 36
DATA = Path(__file__).parent / "data" / "w1_skills.csv"


@dataclass(frozen=True)
class Band:
    min_value: Fraction
    points: int
    status: str
    source: str


@lru_cache(maxsize=1)
def load_tables(path: Path = DATA) -> dict[str, tuple[Band, ...]]:
    """The two tables, each ordered from its highest band down."""
    tables: dict[str, list[Band]] = {}
    with path.open(encoding="utf-8") as f:
        for row in csv.DictReader(f):
            tables.setdefault(row["table"], []).append(
                Band(Fraction(Decimal(row["min_value"])), int(row["points"]), row["status"], row["source"])
            )
    return {k: tuple(sorted(v, key=lambda b: b.min_value, reverse=True)) for k, v in tables.items()}


def band(table: str, value: Fraction) -> Band:
    return next(b for b in load_tables()[table] if value >= b.min_value)


@dataclass(frozen=True)
class Judgement:
    technician: int
    trade: str
    level: int
    judged_on: date


@dataclass(frozen=True)
class SkillRises:
    base_date: date
    window_start: date  # the day 3 years before the base date: the level held then is the one a rise is measured from
    technicians: int  # 技能者数
    risen: int  # 技能レベル向上者数
    deducted: int  # 控除対象者数
    ratio: float | None  # risen / (technicians - deducted); None when the denominator is 0
    risen_ids: tuple[int, ...]
    skill_value: int  # B, 0–10, from the table skill_rise_ratio
    skill_value_status: str  # the table row's status ("confirmed", or which part is inferred)
    engineers: int | None  # 技術者数, entered by the business
    engineer_value: int | None  # A, 0–10, entered by the business
    computed_value: float | None  # 算出値
    points: int | None  # W1⑧ 評点, 0–10; None until 技術者数 is entered
    note: str


def skill_rises(
    *,
    technicians: Sequence[int],
    judgements: Sequence[Judgement],
    base_date: date,
    engineers: int | None = None,
    engineer_value: int = 0,
) -> SkillRises:
    start = months_earlier(base_date, WINDOW_MONTHS)
    people = set(technicians)
    then: dict[int, int] = {}  # the highest level held on the window's start day, per technician (any trade)
    for j in judgements:
        if j.technician in people and j.judged_on <= start:
            then[j.technician] = max(then.get(j.technician, 1), j.level)
    rose: set[int] = set()
    by_trade_then: dict[tuple[int, str], int] = {}
    for j in judgements:
        if j.technician in people and j.judged_on <= start:
            key = (j.technician, j.trade)
            by_trade_then[key] = max(by_trade_then.get(key, 1), j.level)
    for j in judgements:
        # A rise is within a trade: a level judged in the window above what that trade held on the start day.
        if (
            j.technician in people
            and start < j.judged_on <= base_date
            and j.level > by_trade_then.get((j.technician, j.trade), 1)
        ):
            rose.add(j.technician)
    deducted = {t for t, level in then.items() if level == 4}
    risen = rose - deducted
    denominator = len(people) - len(deducted)
    ratio = Fraction(len(risen), denominator) if denominator > 0 else Fraction(0)
    b = band("skill_rise_ratio", ratio * 100)
    computed = points = None
    note = "W1⑧ 評点 needs 技術者数 (and the 技術者 value A from their CPD units): enter them to compute it"
    if engineers is not None:
        total = engineers + len(people)
        value = (
            (Fraction(engineers, total) * engineer_value + Fraction(len(people), total) * b.points)
            if total
            else Fraction(0)
        )
        computed = round(float(value), 4)
        points = band("w1_8_score", value).points
        note = "W1⑧ = 技術者数/(技術者数+技能者数)×A + 技能者数/(技術者数+技能者数)×B, 評点 from the table"
    return SkillRises(
        base_date,
        start,
        len(people),
        len(risen),
        len(deducted),
        round(len(risen) / denominator, 4) if denominator > 0 else None,
        tuple(sorted(risen)),
        b.points,
        b.status,
        engineers,
        engineer_value if engineers is not None else None,
        computed,
        points,
        note,
    )
