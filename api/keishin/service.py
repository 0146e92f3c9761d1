"""経審 from CCUS data: the 技術職員名簿 from the business's technicians, their qualifications and CCUS levels; 別紙一
from its 工事経歴書 rows; W1⑩ from its directly contracted sites."""

from __future__ import annotations

from datetime import date, timedelta

from api.businesses.models import Business
from api.keishin.completed_works import CompletedWorks, ContractRow, FiscalYear, compute_completed_works
from api.keishin.masters import load_masters
from api.keishin.models import ContractHistory
from api.registration.models import KaitaiEvidence
from api.keishin.roster import compute_roster
from api.keishin.roster_models import CcusLevel, HeldQualification, Roster, Technician as KTechnician
from api.devices.models import Device
from api.keishin.skills import Judgement, SkillRises, skill_rises
from api.keishin.w1 import DirectSite, W1Result, w1_ccus_points
from api.levels.judged import official as judged_official
from api.levels.models import JudgedLevel
from api.registration.masters import trade_industries
from api.registration.models import Qualification, Technician
from api.sites.models import Site
from api.workrecords.models import WorkRecord


async def roster(
    *, business: Business, base_date: date, application_date: date | None, industries: list[str]
) -> Roster:
    masters = load_masters()
    keishin_codes = {q.code for q in masters.qualifications}
    techs = await Technician.filter(employer=business, technician_id__not_isnull=True).order_by("id")
    ids = [t.id for t in techs]
    quals: dict[int, list[Qualification]] = {i: [] for i in ids}
    # Approved qualifications only (one still in a change application counts nowhere), and only official levels:
    # judged by the trade's assessment body on or before the base date (the engine's estimate never counts).
    for q in await Qualification.filter(
        technician_id__in=ids, acquired_on__lte=base_date, approved_at__not_isnull=True
    ):
        quals[q.technician_id].append(q)  # type: ignore[attr-defined]
    levels: dict[int, dict[str, JudgedLevel]] = {i: {} for i in ids}
    for (tid, trade), r in (await judged_official(tech_ids=ids, on=base_date)).items():
        levels[tid][trade] = r
    kaitai: dict[int, date] = {}
    for e in await KaitaiEvidence.filter(technician_id__in=ids).order_by("-completed_on"):
        kaitai[e.technician_id] = e.completed_on  # type: ignore[attr-defined]  (the earliest wins)
    mapping = trade_industries()
    people = []
    for t in techs:
        held = tuple(HeldQualification(q.code, q.acquired_on) for q in quals[t.id] if q.code in keishin_codes)
        ccus = tuple(
            CcusLevel(mapping[trade], rec.level, rec.judged_on)
            for trade, rec in levels[t.id].items()
            if trade in mapping and rec.level >= 3
        )
        people.append(
            KTechnician(
                technician_id=t.technician_id,
                name=f"{t.family_name} {t.given_name}",
                birth_date=t.birth_date,
                # Without a recorded start, the registration approval date is the earliest we can vouch for.
                employed_since=t.employed_since or t.registered_on or base_date,
                qualifications=held,
                ccus_levels=ccus,
                kaitai_evidence_on=kaitai.get(t.id),
            )
        )
    return compute_roster(
        technicians=people,
        base_date=base_date,
        applied_industries=industries,
        application_date=application_date,
        masters=masters,
    )


def fiscal_years(end: date, n: int) -> list[FiscalYear]:
    out = []
    for _ in range(n):
        start = (
            date(end.year - 1, end.month, end.day) + timedelta(days=1)
            if not (end.month == 2 and end.day == 29)
            else date(end.year - 1, 3, 1)
        )
        out.append(FiscalYear(start, end))
        end = start - timedelta(days=1)
    return out


async def completed_works(
    *,
    business: Business,
    fiscal_year_end: date,
    averaging_years: int,
    application_date: date | None,
    industries: list[str],
) -> CompletedWorks:
    rows = await ContractHistory.filter(business=business).order_by("id")
    contracts = [
        ContractRow(
            r.customer,
            r.work_name,
            r.prime,
            r.location,
            r.amount_thousand_yen,
            r.started_on,
            r.completed_on,
            r.industry_code,
            r.breakdown_code,
        )
        for r in rows
    ]
    return compute_completed_works(
        contracts=contracts,
        fiscal_years=fiscal_years(fiscal_year_end, 3),
        averaging_years=averaging_years,
        applied_industries=industries,
        application_date=application_date,
    )


# Anything but 直接入力 (and days taken over from a 建退共 report, which are entered after the fact too) shows a means of
# recording in use: a reader, a face kiosk, a private system, phone check-in, a virtual card read at the gate.
RECORDING_METHODS = ("card", "face", "api", "phone", "virtual_card", "mixed")


def _in_year(row: ContractHistory, start: date, end: date) -> bool:
    began = row.started_on or row.completed_on
    return (began is None or began <= end) and (row.completed_on is None or row.completed_on >= start)


async def w1(*, business: Business, base_date: date, fiscal_year_start: date, pledge_submitted: bool) -> W1Result:
    """The business's own 元請 works in its 工事経歴書 for the year, each tested against CCUS: linked to a site it
    registered (現場・契約情報), and a card reader, face kiosk or private system (API) in use on that site. A work
    missing from CCUS counts against the business; exemptions (海外 / 軽微 / 災害応急) are set per row."""
    rows = [
        r
        for r in await ContractHistory.filter(business=business, prime=True).order_by("id")
        if _in_year(r, fiscal_year_start, base_date)
    ]
    site_ids = [r.site_id for r in rows if r.site_id is not None]  # type: ignore[attr-defined]
    # A training site is no 工事 (api/sites/training.py): a row linked to one reads as not registered in CCUS.
    sites = {s.id: s for s in await Site.filter(id__in=site_ids, prime=business, kind="work")}
    recorded = set(
        await WorkRecord.filter(site_id__in=site_ids, method__in=RECORDING_METHODS, work_date__lte=base_date)
        .distinct()
        .values_list("site_id", flat=True)
    )
    devices = set(
        await Device.filter(site_id__in=site_ids, enrolled_at__not_isnull=True)
        .distinct()
        .values_list("site_id", flat=True)
    )
    works = []
    for r in rows:
        site = sites.get(r.site_id)  # type: ignore[attr-defined]
        works.append(
            DirectSite(
                site_id=site.site_id if site else f"工事経歴書#{r.id}",
                name=r.work_name,
                public=r.public or (site is not None and site.order_type.value == "public"),
                registered_in_ccus=site is not None,
                recording_in_use=site is not None and (site.id in recorded or site.id in devices),
                exemption=r.exemption,  # type: ignore[arg-type]
            )
        )
    return w1_ccus_points(base_date=base_date, pledge_submitted=pledge_submitted, sites=works)


async def w1_skills(
    *, business: Business, base_date: date, engineers: int | None = None, engineer_value: int = 0
) -> SkillRises:
    """W1⑧ from judged levels only (the estimate never counts), with the 技術者 part the business enters: see
    api/keishin/skills.py."""
    techs = await Technician.filter(employer=business, technician_id__not_isnull=True).values_list("id", flat=True)
    rows = await JudgedLevel.filter(technician_id__in=list(techs), judged_on__lte=base_date).order_by("id")
    return skill_rises(
        technicians=list(techs),
        judgements=[Judgement(r.technician_id, r.trade, r.level, r.judged_on) for r in rows],  # type: ignore[attr-defined]
        base_date=base_date,
        engineers=engineers,
        engineer_value=engineer_value,
    )
