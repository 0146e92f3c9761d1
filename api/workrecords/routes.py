from datetime import date

from tortoise.models import Model

from api.accounts.models import Role
from api.http import Ctx, Router
from api.registration.service import get_visible
from api.sites.access import ensure_can_see, ensure_manages
from api.sites.service import get_site
from api.workrecords import direct
from api.workrecords.models import DirectInput, LoneExit, WorkRecord
from api.workrecords.schemas import (
    DayQuery,
    DecisionIn,
    DirectInputIn,
    DirectInputOut,
    DirectInputQuery,
    LoneExitOut,
    MonthQuery,
    MyDirectInputQuery,
    TechnicianSiteOut,
    WorkRecordOut,
)

router = Router()


def _names(r: WorkRecord | DirectInput) -> dict:
    """Site and technician names when the query fetched them (select_related), so pages need no extra lookups."""
    site, tech = (v if isinstance(v := getattr(r, name, None), Model) else None for name in ("site", "technician"))
    return dict(
        site_id=site.site_id if site else None,  # type: ignore[attr-defined]
        site_name=site.name if site else None,
        **({"training": site.kind == "training"} if isinstance(r, WorkRecord) and site else {}),  # type: ignore
        technician_name=f"{tech.family_name} {tech.given_name}" if tech else None,
    )


def record_out(r: WorkRecord) -> WorkRecordOut:
    return WorkRecordOut(
        id=r.id,
        technician_pk=r.technician_id,
        site_pk=r.site_id,
        work_date=r.work_date,
        first_in=r.first_in,
        last_out=r.last_out,
        employer_pk=r.employer_id,
        tier=r.tier,
        trade=r.trade,
        position=r.position,
        work_content=r.work_content,
        method=r.method,
        taps=r.taps,
        missing_exit=r.missing_exit,
        **_names(r),
    )


def direct_out(d: DirectInput) -> DirectInputOut:
    return DirectInputOut(
        id=d.id,
        technician_pk=d.technician_id,  # type: ignore[attr-defined]
        site_pk=d.site_id,
        work_date=d.work_date,
        start_at=d.start_at,
        end_at=d.end_at,
        reason=d.reason,
        status=d.status.value,
        deadline=direct.deadline(d.work_date),
        decision_note=d.decision_note,
        **_names(d),
    )


def _month(q: MonthQuery) -> tuple[date, date]:
    y, m = map(int, q.month.split("-"))
    return date(y, m, 1), (date(y + 1, 1, 1) if m == 12 else date(y, m + 1, 1))


@router.get(
    "/technicians/{pk:int}/work-records",
    summary="A technician's work records (就業履歴) for a month",
    tags=["work records"],
    roles={Role.technician, Role.business_admin, Role.operator, Role.site_manager},
    errors=(404,),
    replica=True,
)
async def technician_records(ctx: Ctx, pk: int, query: MonthQuery) -> list[WorkRecordOut]:
    tech = await get_visible(actor=ctx.user, pk=pk)
    first, nxt = _month(query)
    rows = (
        await WorkRecord.filter(technician=tech, work_date__gte=first, work_date__lt=nxt)
        .order_by("work_date")
        .select_related("site")
    )
    return [record_out(r) for r in rows]


@router.get(
    "/technicians/{pk:int}/sites",
    summary="The sites a technician is (or was) on the roster of",
    tags=["work records"],
    roles={Role.technician, Role.business_admin, Role.operator},
    errors=(404,),
)
async def technician_sites(ctx: Ctx, pk: int) -> list[TechnicianSiteOut]:
    from api.sites.models import RosterEntry

    tech = await get_visible(actor=ctx.user, pk=pk)
    entries = await RosterEntry.filter(technician=tech).select_related("site").order_by("-active", "-id")
    return [
        TechnicianSiteOut(
            site_pk=e.site.id,
            site_id=e.site.site_id,
            site_name=e.site.name,
            site_address=e.site.address,
            window_start=e.site.window_start,
            window_end=e.site.window_end,
            employer_pk=e.employer_id,  # type: ignore[attr-defined]
            trade=e.trade,
            position=e.position.value,
            work_content=e.work_content,
            active=e.active,
        )
        for e in entries
    ]


@router.get(
    "/technicians/{pk:int}/direct-inputs",
    summary="A technician's own direct inputs (直接入力) and decisions",
    tags=["work records"],
    roles={Role.technician, Role.business_admin, Role.operator},
    errors=(404,),
)
async def technician_direct_inputs(ctx: Ctx, pk: int, query: MyDirectInputQuery) -> list[DirectInputOut]:
    tech = await get_visible(actor=ctx.user, pk=pk)
    qs = DirectInput.filter(technician=tech).select_related("site").order_by("-work_date", "-id")
    if query.status:
        qs = qs.filter(status=query.status)
    return [direct_out(d) for d in await qs.limit(query.limit)]


@router.get(
    "/sites/{pk:int}/work-records",
    summary="A site's work records for one day",
    tags=["work records"],
    roles={Role.business_admin, Role.site_manager, Role.operator},
    errors=(403, 404),
    replica=True,
)
async def site_records(ctx: Ctx, pk: int, query: DayQuery) -> list[WorkRecordOut]:
    site = await get_site(pk=pk)
    if ctx.user.role is not Role.operator:
        await ensure_manages(ctx.user, site)
    rows = (
        await WorkRecord.filter(site=site, work_date=query.work_date)
        .order_by("technician_id")
        .select_related("technician")
    )
    training = site.kind == "training"  # a CCUS登録教育訓練機関 (api/sites/training.py)
    return [record_out(r).model_copy(update={"training": training}) for r in rows]


@router.get(
    "/sites/{pk:int}/lone-exits",
    summary="Exits with no open entry on one day (kept, flagged, not work days)",
    tags=["work records"],
    roles={Role.business_admin, Role.site_manager, Role.operator},
    errors=(403, 404),
)
async def site_lone_exits(ctx: Ctx, pk: int, query: DayQuery) -> list[LoneExitOut]:
    site = await get_site(pk=pk)
    if ctx.user.role is not Role.operator:
        await ensure_manages(ctx.user, site)
    rows = await LoneExit.filter(site_id=site.id, work_date=query.work_date).order_by("at")
    return [LoneExitOut(tap_pk=r.tap_id, technician_pk=r.technician_id, work_date=r.work_date, at=r.at) for r in rows]


@router.post(
    "/sites/{pk:int}/direct-inputs",
    summary="Enter a missing day (直接入力) for approval",
    tags=["work records"],
    roles={Role.technician, Role.business_admin},
    status=201,
    errors=(403, 404, 409, 422),
)
async def enter(ctx: Ctx, pk: int, body: DirectInputIn) -> DirectInputOut:
    site = await get_site(pk=pk)
    if ctx.user.role is Role.business_admin:
        await ensure_can_see(ctx.user, site)
    b = body
    item = await direct.enter(
        actor=ctx.user, site=site, technician_id=b.technician_id, start_at=b.start_at, end_at=b.end_at, reason=b.reason
    )
    return direct_out(item)


@router.get(
    "/sites/{pk:int}/direct-inputs",
    summary="Direct inputs waiting for (or given) approval",
    tags=["work records"],
    roles={Role.business_admin, Role.site_manager},
    errors=(403, 404),
)
async def list_direct(ctx: Ctx, pk: int, query: DirectInputQuery) -> list[DirectInputOut]:
    site = await get_site(pk=pk)
    await ensure_manages(ctx.user, site)
    qs = DirectInput.filter(site=site).order_by("work_date").select_related("technician")
    if query.status:
        qs = qs.filter(status=query.status)
    return [direct_out(d) for d in await qs]


async def _decide(ctx: Ctx, approve: bool):
    site = await get_site(pk=int(ctx.path["pk"]))
    item = await direct.get(site=site, pk=int(ctx.path["did"]))
    note = ctx.body.note if ctx.body else None
    return direct_out(await direct.decide(actor=ctx.user, site=site, item=item, approve=approve, note=note))


@router.post(
    "/sites/{pk:int}/direct-inputs/{did:int}/approve",
    summary="Approve (the prime's site manager)",
    tags=["work records"],
    roles={Role.business_admin, Role.site_manager},
    errors=(403, 404, 409),
)
async def approve(ctx: Ctx, body: DecisionIn) -> DirectInputOut:
    return await _decide(ctx, True)


@router.post(
    "/sites/{pk:int}/direct-inputs/{did:int}/reject",
    summary="Reject with its reason (the note, required; told to the technician and the employer)",
    tags=["work records"],
    roles={Role.business_admin, Role.site_manager},
    errors=(403, 404, 409, 422),
)
async def reject(ctx: Ctx, body: DecisionIn) -> DirectInputOut:
    return await _decide(ctx, False)
