"""Feeding the report renderers from the database: 作業員名簿, the business technician list, a technician's career
summary and the 建退共 monthly calendar."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import replace
from datetime import date

from api.businesses.models import Business
from api.cards.models import Card
from api.levels.judged import official as official_levels
from api.levels.models import JudgedLevel
from api.levels.service import evaluate_one
from api.registration.masters import qualifications, trades
from api.registration.models import Qualification, Technician
from api.reports.career import CareerSummary, LevelHistoryLine, QualificationLine, SiteLine, TradeCareer
from api.reports.kentaikyo import Party, WorkDay, monthly_calendar
from api.reports.technicians import BusinessTechnician, TradeLevel
from api.reports.worker_roster import RosterHeader, RosterWorker, split_training
from api.sites.models import RosterEntry, Site, SiteContract
from api.sites.training import is_training, work_sites_only
from api.timeutil import today_jst
from api.workrecords.models import WorkRecord


def _name(t: Technician) -> str:
    return f"{t.family_name} {t.given_name}"


async def _current_levels(tech_ids: list[int]) -> dict[tuple[int, str], int]:
    """Official levels only (judged by an assessment body): the engine's estimate is never printed as a level."""
    return {key: row.level for key, row in (await official_levels(tech_ids=tech_ids)).items()}


def _official_trade(result, official: dict, tech: Technician, name: str) -> TradeCareer:
    """The career summary prints the official level; the estimate only says whether a judgement is worth applying
    for (its "what is missing" is relative to the estimate, so it is shown only when the two agree)."""
    line = TradeCareer.from_result(result, trade_name=name)
    row = official.get((tech.id, result.trade))
    level = row.level if row else (1 if result.evaluated else None)
    if result.level is not None and level is not None and result.level > level:
        return replace(
            line,
            level=level,
            criteria_version=row.criteria_version if row else None,
            missing_for_next=(f"推定レベル {result.level}: 能力評価の申請で判定を受けられます",),
        )
    return replace(line, level=level, criteria_version=row.criteria_version if row else line.criteria_version)


async def worker_roster(*, site: Site, employer: Business) -> tuple[RosterHeader, list[RosterWorker]]:
    contracts = {c.business_id: c for c in await SiteContract.filter(site=site)}  # type: ignore[attr-defined]
    prime = await site.prime
    own = contracts.get(employer.id)
    first_tier = None
    if own is not None and own.tier >= 2:
        node = own
        while node is not None and node.tier > 1:
            node = await SiteContract.get_or_none(id=node.parent_id)  # type: ignore[attr-defined]
        first_tier = await node.business if node else None
    header = RosterHeader(
        site_id=site.site_id,
        site_name=site.name,
        prime_name=prime.name,
        business_id=employer.business_id,
        business_name=employer.name,
        tier=own.tier if own else 0,
        made_on=today_jst(),
        first_tier_name=first_tier.name if first_tier else "",
        first_tier_business_id=first_tier.business_id if first_tier else "",
    )
    entries = await RosterEntry.filter(site=site, employer=employer, active=True).select_related("technician")
    tech_ids = [e.technician.id for e in entries]
    quals: dict[int, list[str]] = defaultdict(list)
    for q in await Qualification.filter(technician_id__in=tech_ids, approved_at__not_isnull=True):  # approved only
        quals[q.technician_id].append(q.code)  # type: ignore[attr-defined]
    names = {code: row["name"] for code, row in qualifications().items()}
    levels = await _current_levels(tech_ids)
    workers = []
    for e in entries:
        t = e.technician
        education, held = split_training(quals[t.id], names)
        ins = t.social_insurance or {}
        workers.append(
            RosterWorker(
                technician_id=t.technician_id or "",
                name=_name(t),
                kana=f"{t.family_name_kana} {t.given_name_kana}",
                birth_date=t.birth_date,
                trade=trades().get(e.trade, e.trade),
                position=e.position.value,
                health_insurance=ins.get("health", ""),
                pension=ins.get("pension", ""),
                employment_insurance=ins.get("employment", ""),
                kentaikyo=bool((t.retirement_aid or {}).get("kentaikyo")),
                chutaikyo=bool((t.retirement_aid or {}).get("chutaikyo")),
                safety_education=education,
                qualifications=held,
                # 作業員名簿 item 6 may be left out when the worker does not want it shown (規則第14条の2).
                show_qualifications=(t.disclosure or {}).get("show_qualifications_to_sites", True),
                level=levels.get((t.id, e.trade)),
                residence_status=t.residence_status,
                residence_expiry=t.residence_expiry,
            )
        )
    return header, workers


async def business_technicians(*, business: Business) -> list[BusinessTechnician]:
    techs = await Technician.filter(employer=business).order_by("family_name_kana", "given_name_kana")
    ids = [t.id for t in techs]
    levels = await _current_levels(ids)
    cards = {c.technician_id: c.valid_until for c in await Card.filter(technician_id__in=ids, status="active")}  # type: ignore
    return [
        BusinessTechnician(
            technician_id=t.technician_id or "",
            name=_name(t),
            kana=f"{t.family_name_kana} {t.given_name_kana}",
            birth_date=t.birth_date,
            tier=t.tier.value,
            trades=tuple(TradeLevel(trades().get(tr, tr), levels.get((t.id, tr))) for tr in t.trades),
            nationality=t.nationality,
            residence_status=t.residence_status,
            residence_expiry=t.residence_expiry,
            card_valid_until=cards.get(t.id),
            kentaikyo=bool((t.retirement_aid or {}).get("kentaikyo")),
        )
        for t in techs
    ]


async def career(*, tech: Technician) -> CareerSummary:
    on = today_jst()
    results = await evaluate_one(tech=tech, on=on)
    employer = await tech.employer if tech.employer_id else None  # type: ignore[attr-defined]
    # The records, then their sites by id: a join let the planner hash the whole site table for every career view (a
    # read that grew with the number of sites, bench/national.py); by id it reads only the technician's sites.
    records = await WorkRecord.filter(technician=tech)
    site_of = {s.id: s for s in await Site.filter(id__in={r.site_id for r in records})}  # type: ignore[attr-defined]
    by_site: dict[int, list[WorkRecord]] = defaultdict(list)
    by_year: dict[int, int] = defaultdict(int)
    for r in records:
        by_site[r.site_id].append(r)  # type: ignore[attr-defined]
        by_year[r.work_date.year] += 1
    employers = {b.id: b.name for b in await Business.filter(id__in={r.employer_id for r in records if r.employer_id})}
    sites = [
        SiteLine(
            site_id=site_of[sid].site_id,
            site_name=site_of[sid].name,
            employer_name=employers.get(rs[-1].employer_id or 0, ""),
            first_day=min(r.work_date for r in rs),
            last_day=max(r.work_date for r in rs),
            days=len(rs),
            trade=trades().get(rs[-1].trade or "", rs[-1].trade or ""),
            position=rs[-1].position,
            training=is_training(site_of[sid]),
        )
        for sid, rs in by_site.items()
    ]
    names = {code: row["name"] for code, row in qualifications().items()}
    history = await JudgedLevel.filter(technician=tech).order_by("id")
    official = await official_levels(tech_ids=[tech.id])
    return CareerSummary(
        technician_id=tech.technician_id or "",
        name=_name(tech),
        kana=f"{tech.family_name_kana} {tech.given_name_kana}",
        birth_date=tech.birth_date,
        tier=tech.tier.value,
        employer_name=employer.name if employer else "",
        made_on=on,
        registered_on=tech.registered_on,
        residence_status=tech.residence_status,
        residence_expiry=tech.residence_expiry,
        trades=tuple(_official_trade(r, official, tech, trades().get(r.trade, r.trade)) for r in results),
        history=tuple(
            LevelHistoryLine(h.judged_on, trades().get(h.trade, h.trade), h.from_level, h.level, h.criteria_version)
            for h in history
        ),
        qualifications=tuple(
            QualificationLine(names.get(q.code, q.code), q.acquired_on, q.expires_on)
            for q in await Qualification.filter(technician=tech, approved_at__not_isnull=True).order_by("acquired_on")
        ),
        sites=tuple(sorted(sites, key=lambda s: s.first_day)),
        days_by_year=tuple(sorted(by_year.items())),
    )


async def kentaikyo_month(*, business: Business, year: int, month: int):
    first = date(year, month, 1)
    nxt = date(year + (month == 12), month % 12 + 1, 1)
    records = await work_sites_only(
        WorkRecord.filter(employer_id=business.id, work_date__gte=first, work_date__lt=nxt)
    ).select_related("technician", "site")  # no 建退共 days at a training site (api/sites/training.py)
    techs = {r.technician.technician_id: Party(r.technician.technician_id, _name(r.technician)) for r in records}
    sites = {r.site.site_id: Party(r.site.site_id, r.site.name) for r in records}
    return monthly_calendar(
        year=year,
        month=month,
        records=[
            WorkDay(r.technician.technician_id, r.site.site_id, business.business_id, r.work_date, r.first_in)
            for r in records
        ],
        technicians=techs,
        sites=sites,
        employers={business.business_id: Party(business.business_id, business.name)},
    )
