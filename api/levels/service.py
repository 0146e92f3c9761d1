"""Levels from the database: aggregate work days per technician × trade, run the engine, keep changes as history.

The aggregation is one GROUP BY per chunk of technicians (work days, 職長 days, 班長 days per trade), so evaluating
every technician is a series of short queries, not one per person.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date

from tortoise import connections

from api import sql
from api.levels.criteria import load_criteria
from api.levels.engine import evaluate
from api.levels.history import level_change, result_to_dict
from api.levels.inputs import HeldQualification, LevelInputs, LevelResult
from api.levels.models import LevelRecord
from api.registration.models import PriorExperience
from api.registration.models import Qualification, Technician

# A day is a day: distinct Japan dates per technician and trade, not records (two sites on one day is one day). A
# date that was 職長 on one site and 班長 on another counts as a 職長 day (the higher position), never as both.
_DAYS = """
SELECT technician_id, trade, COUNT(*) AS days, SUM(f) AS foreman, SUM(CASE WHEN f = 0 THEN tl ELSE 0 END) AS team_leader
FROM (SELECT technician_id, trade, work_date,
             MAX(CASE WHEN position = 'foreman' THEN 1 ELSE 0 END) AS f,
             MAX(CASE WHEN position = 'team_leader' THEN 1 ELSE 0 END) AS tl
      FROM work_record
      WHERE technician_id >= ? AND technician_id <= ? AND work_date <= ? AND trade IS NOT NULL
      GROUP BY technician_id, trade, work_date) d
GROUP BY technician_id, trade
"""


async def _day_counts(lo: int, hi: int, on: date) -> dict[int, dict[str, tuple[int, int, int]]]:
    rows = await sql.fetch(connections.get("default"), _DAYS, [lo, hi, on])
    out: dict[int, dict[str, tuple[int, int, int]]] = defaultdict(dict)
    for r in rows:
        out[r["technician_id"]][r["trade"]] = (int(r["days"]), int(r["foreman"]), int(r["team_leader"]))
    return out


async def evaluate_range(*, lo: int, hi: int, on: date) -> list[LevelResult]:
    """Evaluate technicians lo..hi (by id) on `on`, for each of their registered trades and any trade they have
    work records in; store what changed. Returns the results."""
    criteria = load_criteria()
    techs = await Technician.filter(id__gte=lo, id__lte=hi, technician_id__not_isnull=True)
    if not techs:
        return []
    days = await _day_counts(lo, hi, on)
    quals: dict[int, list[Qualification]] = defaultdict(list)
    # Only approved qualifications count: one still in its (change) application counts nowhere.
    for q in await Qualification.filter(technician_id__in=[t.id for t in techs], approved_at__not_isnull=True):
        quals[q.technician_id].append(q)  # type: ignore[attr-defined]
    prior = await certified_prior_days(tech_ids=[t.id for t in techs])
    latest = {
        (r.technician_id, r.trade): r  # type: ignore[attr-defined]
        for r in await LevelRecord.filter(technician_id__in=[t.id for t in techs]).order_by("id")
    }
    results, changes = [], []
    for tech in techs:
        held = tuple(HeldQualification(q.code, q.acquired_on, q.expires_on) for q in quals[tech.id])
        for trade in sorted(set(tech.trades) | set(days[tech.id])):
            d, foreman, leader = days[tech.id].get(trade, (0, 0, 0))
            result = evaluate(
                inputs=LevelInputs(
                    technician_id=tech.technician_id,
                    trade=trade,
                    tier=tech.tier.value,
                    work_days=d,
                    foreman_days=foreman,
                    team_leader_days=leader,
                    registered_on=tech.registered_on,
                    qualifications=held,
                    certified_prior_days=prior.get((tech.id, trade), 0),
                ),
                criteria=criteria,
                on=on,
            )
            results.append(result)
            prev = latest.get((tech.id, trade))
            change = level_change(
                previous_level=prev.level if prev else None,
                previous_version=prev.criteria_version if prev else None,
                result=result,
            )
            if change is not None:
                changes.append(
                    LevelRecord(
                        technician_id=tech.id,
                        trade=trade,
                        level=change.to_level,
                        from_level=change.from_level,
                        direction=change.direction,
                        criteria_version=change.criteria_version,
                        on=on,
                        evidence=result_to_dict(result)["evidence"],
                    )
                )
    if changes:
        await LevelRecord.bulk_create(changes)
    return results


async def certified_prior_days(*, tech_ids: list[int]) -> dict[tuple[int, str], int]:
    """Approved 経歴証明書 work days per technician × trade (several certificates, e.g. from two former employers,
    add up: they certify different periods, which the change application keeps apart by its period)."""
    out: dict[tuple[int, str], int] = defaultdict(int)
    for p in await PriorExperience.filter(technician_id__in=tech_ids):
        out[(p.technician_id, p.trade)] += p.days  # type: ignore[attr-defined]
    return out


async def evaluate_one(*, tech: Technician, on: date) -> list[LevelResult]:
    return await evaluate_range(lo=tech.id, hi=tech.id, on=on)
