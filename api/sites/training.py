"""CCUS登録教育訓練機関: a training institution registered as a site, whose trainees' taps are work days.

MLIT's 能力評価ガイドライン (revised 2025-07-01) lets days of 教育訓練・社内研修 count as 就業日数; from 2025-10-01 the
建設業振興基金 registers qualifying institutions in CCUS as a "site" (the 基金 as 元請), lends a card reader, and the
trainees' taps accumulate as 就業履歴. The operator (事業本部) bears the site's 現場利用料 and setup, not the firms.
Sources and decisions: docs/training.md.

What differs from a construction site, each in one place:

* who registers it: the operator only, with the institution's qualifying basis and its source (`create`, `mark`);
* when: a window from 2025-10-01 on (`TRAINING_FROM`, 422 training_before_2025_10_01);
* taps: any registered technician's taps are accepted with no contract tree (`accepts_without_tree`, called by tap
  ingest); the tap and its record keep the technician's employer of the day;
* trade: the trainee's trade comes from the training roster (`enrol`), as on any site, so the days count for levels;
* money and reports: never charged (api/billing/close.py), no 建退共 days, no 経審 W1 work (`work_sites_only`).
"""

from __future__ import annotations

from datetime import date

from tortoise import connections
from tortoise.exceptions import IntegrityError
from tortoise.timezone import now

from api import db, sql
from api.accounts.models import Account, Role
from api.audit import service as audit
from api.businesses.models import Business, ReviewStatus
from api.errors import Conflict, Forbidden, Unprocessable
from api.ids import check_ccus_id, new_ccus_id
from api.registration.masters import trades
from api.registration.models import Technician
from api.sites.access import is_site_manager
from api.sites.models import (
    ContractStatus,
    OrderType,
    RosterEntry,
    Site,
    SiteContract,
    SiteKind,
    TrainingInstitution,
)
from api.sites.schemas import MarkTrainingIn, TraineeIn, TrainingOut, TrainingSiteIn

TRAINING_FROM = date(2025, 10, 1)  # 建設業振興基金「CCUS登録教育訓練機関」starts (docs/training.md)


def is_training(site: Site) -> bool:
    return site.kind == SiteKind.training


def accepts_without_tree(site: Site) -> bool:
    """The tap-ingest rule: on a training site a registered technician's tap is accepted whatever the contract tree
    (the institution is open to every firm's technicians; no employer joins it), so it is never held as pending."""
    return is_training(site)


def work_sites_only(qs):
    """A WorkRecord queryset without training days: 建退共 (no contract between the employer and a site) and 経審 W1
    (no directly contracted work) count construction sites only."""
    return qs.filter(site__kind=SiteKind.work)


def _ensure_operator(actor: Account) -> None:
    if actor.role is not Role.operator:
        raise Forbidden("Only the operator registers a training institution.", code="operator_only")


def _ensure_from(start: date) -> None:
    if start < TRAINING_FROM:
        raise Unprocessable.field(
            "window_start",
            f"training days count as work days from {TRAINING_FROM}; the window cannot start earlier",
            code="training_before_2025_10_01",
        )


async def _prime(business_id: str) -> Business:
    prime = await Business.get_or_none(business_id=check_ccus_id(business_id, field="prime_business_id"))
    if prime is None or prime.status is not ReviewStatus.approved or prime.placeholder:
        raise Unprocessable.field(
            "prime_business_id",
            "only a registered (approved) business can act as the training site's 元請",
            code="business_not_registered",
        )
    return prime


async def create(*, actor: Account, data: TrainingSiteIn) -> Site:
    """Register an institution as a training site. Its 元請 is the business that acts for the 基金 (its admins run the
    site: readers, trainees), named by 事業者ID."""
    _ensure_operator(actor)
    _ensure_from(data.window_start)
    prime = await _prime(data.prime_business_id)
    while await Site.filter(site_id=(site_id := new_ccus_id())).exists():
        pass
    site = await Site.create(
        site_id=site_id,
        prime=prime,
        name=data.name,
        address=data.address,
        order_type=OrderType.private,  # not a 工事: neither 公共 nor 民間 matters (no 経審 W1, no billing)
        window_start=data.window_start,
        window_end=data.window_end,
        shift_hours=data.shift_hours,
        kind=SiteKind.training,
    )
    await SiteContract.create(site=site, business=prime, tier=0, status=ContractStatus.approved, decided_at=now())
    institution = await TrainingInstitution.create(site=site, registered_by_id=actor.id, **_basis(data))
    await audit.record(
        actor=actor, action="training_site.create", entity_type="site", entity_id=site.id, after=_audit(institution)
    )
    return site


async def mark(*, actor: Account, site: Site, data: MarkTrainingIn) -> Site:
    """Turn an existing site into a training site — only one with no taps, records or direct inputs yet, so no day
    already counted (or charged, or reported to 建退共) as construction work changes its nature afterwards."""
    _ensure_operator(actor)
    if is_training(site):
        raise Conflict("This site is already a training site.", code="already_training_site")
    _ensure_from(site.window_start)
    # Once: work → training is a conditional write; a concurrent mark matches nothing. Written before the checks
    # below: the row's lock orders this after a lump-sum choice that locked it (api/billing/lump_sum.py choose), whose
    # committed row the check then sees; a refusal rolls the write back.
    if not await Site.filter(id=site.id, kind=SiteKind.work).update(kind=SiteKind.training):
        raise Conflict("This site is already a training site.", code="already_training_site")
    conn = connections.get("default")
    used = await sql.fetch(
        conn,
        "SELECT 1 AS x FROM tap WHERE site_id = ? UNION ALL SELECT 1 AS x FROM work_record WHERE site_id = ? "
        "UNION ALL SELECT 1 AS x FROM direct_input WHERE site_id = ? LIMIT 1",
        [site.id, site.id, site.id],
    )
    if used:
        raise Conflict(
            "This site already has taps, work records or direct inputs: register the institution as a new training "
            "site.",
            code="site_has_records",
        )
    if await sql.fetch(conn, "SELECT 1 AS x FROM lump_sum_site WHERE site_id = ?", [site.id]):
        raise Conflict(
            "The prime prepaid this site's usage as a lump sum: register the institution as a new training site.",
            code="site_has_lump_sum",
        )
    try:
        institution = await TrainingInstitution.create(site=site, registered_by_id=actor.id, **_basis(data))
    except IntegrityError:  # a refusal: the request rolls back
        raise Conflict("This site is already a training site.", code="already_training_site") from None
    site.kind = SiteKind.training
    await audit.record(
        actor=actor, action="training_site.mark", entity_type="site", entity_id=site.id, after=_audit(institution)
    )
    return site


def _basis(data: TrainingSiteIn | MarkTrainingIn) -> dict:
    return {
        "basis": data.basis,
        "basis_detail": data.basis_detail,
        "source_url": data.source_url,
        "source_date": data.source_date,
    }


def _audit(i: TrainingInstitution) -> dict:
    return {"basis": i.basis.value, "source_url": i.source_url, "source_date": i.source_date.isoformat()}


async def training_out(site: Site) -> TrainingOut | None:
    if not is_training(site):
        return None
    i = await TrainingInstitution.get(site_id=site.id)
    return TrainingOut(
        basis=i.basis.value,
        basis_detail=i.basis_detail,
        source_url=i.source_url,
        source_date=i.source_date,
        registered_at=i.created_at,
    )


async def enrol(*, actor: Account, site: Site, data: TraineeIn) -> RosterEntry:
    """Put a trainee on the training site's roster with the trade of the course, so the days count in that trade (a
    record takes its trade from the roster, as on any site). The site's staff or the operator enrol any registered
    technician; the entry keeps the technician's employer. The days already recorded there are refolded."""
    if actor.role is not Role.operator and not await is_site_manager(actor, site):
        raise Forbidden("Only the training site's staff or the operator enrol trainees.", code="not_site_staff")
    if not is_training(site):
        raise Conflict("This is not a training site.", code="not_training_site")
    # The technician's row locked before their employer is read, as for any roster entry (api/sites/service.py
    # add_roster): a departure committed meanwhile is seen, or waits for this entry and ends it. Without it a trainee
    # enrolled during a departure stayed enrolled under the firm they had left.
    qs = Technician.filter(technician_id=check_ccus_id(data.technician_id, field="technician_id"))
    tech = await (qs.select_for_update() if sql.is_pg() else qs).first()
    if tech is None:
        raise Unprocessable.field("technician_id", "no registered technician with this ID", code="unknown_technician")
    if tech.employer_id is None:  # type: ignore[attr-defined]
        raise Unprocessable.field(
            "technician_id", "the technician has no employer to record the days under", code="trainee_without_employer"
        )
    if data.trade not in trades():
        raise Unprocessable.field("trade", "unknown trade code", code="unknown_trade")
    try:  # the (site, technician) unique key decides between two enrolments at the same moment
        entry = await RosterEntry.create(
            site=site,
            technician=tech,
            employer_id=tech.employer_id,  # type: ignore[attr-defined]
            trade=data.trade,
            position=data.position,
            work_content=data.course,
        )
    except IntegrityError:  # a refusal: the request rolls back
        raise Conflict("This technician is already on the site's roster.", code="already_on_roster") from None
    await _refold_days(site, tech, entry)
    return entry


async def _refold_days(site: Site, tech: Technician, entry: RosterEntry) -> None:
    """Fold the trainee's tapped days on this site again after the commit (api/workrecords/jobs.py fold_site), so the
    records already made take the roster's trade."""
    days = await sql.fetch(
        connections.get("default"),
        "SELECT MIN(work_date) AS first, MAX(work_date) AS last FROM tap WHERE site_id = ? AND technician_id = ?",
        [site.id, tech.id],
    )
    if days and days[0]["first"] is not None:
        first, last = sql.as_date(days[0]["first"]), sql.as_date(days[0]["last"])
        await db.defer_job(
            "fold_site", site.id, first.isoformat(), last.isoformat(), job_id=f"training-refold:{entry.id}"
        )
