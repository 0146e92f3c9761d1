"""W1⑧ 知識及び技術又は技能の向上に関する取組の状況, 技能者 part (from 2021-04, reference/ccus-facts.md §7):

* 技能者数: the business's technicians (registered in CCUS) on the base date;
* 技能レベル向上者数: those whose judged level rose by at least one in the 3 years up to the base date (a first
  judgement counts as a rise from level 1: level 1 and "not judged" are the same);
* 控除対象者数: those already judged level 4 before those 3 years (they cannot rise; deducted from 技能者数).

Only judged levels count (api/levels/judged.py): the engine's estimate is not a level. The conversion of the ratio
into W1⑧ points is not in the sources gathered, so it is not computed: the inputs are what the form asks for.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from api.keishin.rules import months_earlier

WINDOW_MONTHS = 36


@dataclass(frozen=True)
class Judgement:
    technician: int
    trade: str
    level: int
    judged_on: date


@dataclass(frozen=True)
class SkillRises:
    base_date: date
    window_start: date  # the first day of the 3 years
    technicians: int  # 技能者数
    risen: int  # 技能レベル向上者数
    deducted: int  # 控除対象者数
    ratio: float | None  # risen / (technicians - deducted); None when the denominator is 0
    risen_ids: tuple[int, ...]
    note: str = "W1⑧ points from this ratio are not computed (the conversion table is not in the gathered sources)"


def skill_rises(*, technicians: Sequence[int], judgements: Sequence[Judgement], base_date: date) -> SkillRises:
    start = months_earlier(base_date, WINDOW_MONTHS)
    people = set(technicians)
    risen = {j.technician for j in judgements if j.technician in people and start < j.judged_on <= base_date}
    deducted = {j.technician for j in judgements if j.technician in people and j.level == 4 and j.judged_on <= start}
    risen -= deducted
    denominator = len(people) - len(deducted)
    return SkillRises(base_date, start, len(people), len(risen), len(deducted),
                      round(len(risen) / denominator, 4) if denominator > 0 else None, tuple(sorted(risen)))
