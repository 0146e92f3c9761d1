"""Level applications, the assessment bodies' judgements, and official (judged) levels."""

from api.accounts.models import Role
from api.http import Ctx, Router
from api.levels import judged
from api.levels.models import AssessmentBody, JudgedLevel, LevelApplication
from api.levels.schemas import (
    AssessmentBodyIn,
    AssessmentBodyOut,
    JudgedHistoryOut,
    JudgementIn,
    LevelApplicationIn,
    LevelApplicationOut,
    OfficialLevelOut,
    OfficialLevelsOut,
    QueueQuery,
)
from api.registration.masters import trades as trade_master
from api.registration.service import get_visible, get_writable

router = Router()
APPLICANTS = {Role.technician, Role.business_admin}


async def _out(app: LevelApplication) -> LevelApplicationOut:
    body = await AssessmentBody.get(id=app.body_id)  # type: ignore[attr-defined]
    return LevelApplicationOut(
        id=app.id,
        technician_pk=app.technician_id,  # type: ignore[attr-defined]
        trade=app.trade,
        body=body.name,
        proxy=app.proxy,
        status=app.status,
        estimate_level=app.estimate_level,
        criteria_version=app.criteria_version,
        evidence=app.evidence,
        judged_level=app.judged_level,
        reason=app.reason,
        submitted_at=app.submitted_at,
        decided_at=app.decided_at,
    )


@router.post(
    "/technicians/{pk:int}/level-applications",
    summary="Apply for a level judgement in one trade (the technician, or the employer for them)",
    tags=["levels"],
    roles=APPLICANTS,
    status=201,
    errors=(404, 409, 422),
)
async def apply(ctx: Ctx, pk: int, body: LevelApplicationIn) -> LevelApplicationOut:
    tech = await get_writable(actor=ctx.user, pk=pk)  # the technician's or the employer's to file
    return await _out(await judged.apply(actor=ctx.user, tech=tech, trade=body.trade))


@router.get(
    "/technicians/{pk:int}/level-applications",
    summary="A technician's level applications",
    tags=["levels"],
    roles={*APPLICANTS, Role.operator},
    errors=(404,),
)
async def list_applications(ctx: Ctx, pk: int) -> list[LevelApplicationOut]:
    tech = await get_visible(actor=ctx.user, pk=pk)
    return [await _out(a) for a in await LevelApplication.filter(technician=tech).order_by("-id")]


@router.get(
    "/technicians/{pk:int}/official-levels",
    summary="Official (judged) levels with card colour, criteria version and history",
    tags=["levels"],
    roles={*APPLICANTS, Role.operator},
    errors=(404,),
)
async def official_levels(ctx: Ctx, pk: int) -> OfficialLevelsOut:
    tech = await get_visible(actor=ctx.user, pk=pk)
    rows = await JudgedLevel.filter(technician=tech).order_by("-id")
    names = {b.id: b.name for b in await AssessmentBody.all()}
    current = await judged.official(tech_ids=[tech.id])
    levels = []
    for trade in tech.trades:
        row = current.get((tech.id, trade))
        levels.append(
            OfficialLevelOut(
                trade=trade,
                level=row.level if row else 1,
                colour=row.colour if row else judged.colour(1),
                criteria_version=row.criteria_version if row else None,
                body=names[row.body_id] if row else None,
                judged_on=row.judged_on if row else None,
            )
        )
    return OfficialLevelsOut(
        technician_pk=tech.id,
        levels=levels,
        history=[
            JudgedHistoryOut(
                trade=r.trade,
                level=r.level,
                from_level=r.from_level,
                colour=r.colour,
                criteria_version=r.criteria_version,
                body=names[r.body_id],
                judged_on=r.judged_on,
            )
            for r in rows
        ],
    )


@router.get(
    "/assessment/level-applications",
    summary="The assessment body's queue (its own trades only)",
    tags=["levels"],
    roles={Role.assessment_body},
    errors=(403,),
)
async def body_queue(ctx: Ctx, query: QueueQuery) -> list[LevelApplicationOut]:
    return [await _out(a) for a in await judged.queue(actor=ctx.user, status=query.status)]


@router.post(
    "/assessment/level-applications/{pk:int}/judgement",
    summary="Judge a level application once: raise to a level the evidence supports, or reject with a reason",
    tags=["levels"],
    roles={Role.assessment_body},
    errors=(403, 404, 409, 422),
)
async def judge(ctx: Ctx, pk: int, body: JudgementIn) -> LevelApplicationOut:
    b: JudgementIn = body
    return await _out(await judged.judge(actor=ctx.user, pk=pk, decision=b.decision, level=b.level, reason=b.reason))


@router.post(
    "/admin/assessment-bodies",
    summary="Register an assessment body (能力評価実施団体) with its trades and its login",
    tags=["levels"],
    roles={Role.operator},
    status=201,
    errors=(409, 422),
)
async def create_body(ctx: Ctx, body: AssessmentBodyIn) -> AssessmentBodyOut:
    unknown = [t for t in body.trades if t not in trade_master()]
    if unknown:
        from api.errors import Unprocessable

        raise Unprocessable.field("trades", f"unknown trade code(s): {', '.join(unknown)}", code="unknown_trade")
    created = await judged.create_body(
        actor=ctx.user,
        name=body.name,
        trades=body.trades,
        login=body.login,
        password=body.password,
        display_name=body.display_name,
    )
    return AssessmentBodyOut(id=created.id, name=created.name, trades=created.trades)


@router.get(
    "/assessment-bodies",
    summary="Assessment bodies and the trades they judge",
    tags=["levels"],
    roles={Role.operator, Role.technician, Role.business_admin, Role.assessment_body},
)
async def bodies(ctx: Ctx) -> list[AssessmentBodyOut]:
    return [AssessmentBodyOut(id=b.id, name=b.name, trades=b.trades) for b in await AssessmentBody.all().order_by("id")]
