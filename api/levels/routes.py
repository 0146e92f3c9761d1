from api.accounts.models import Role
from api.http import Ctx, Router
from api.levels import judged
from api.levels.models import LevelRecord
from api.levels.schemas import LevelHistoryOut, LevelsOut, TradeLevelOut
from api.levels.service import evaluate_one
from api.registration.service import get_writable
from api.timeutil import today_jst

router = Router()


def _official(official, tech_pk: int, trade: str) -> int:
    row = official.get((tech_pk, trade))
    return row.level if row else 1


@router.post(
    "/technicians/{pk:int}/levels",
    summary="Estimate now (not official): level per trade and what is "
    "missing for the next, beside the official (judged) level",
    tags=["levels"],
    roles={Role.technician, Role.business_admin, Role.operator},
    errors=(404,),
)
async def levels(ctx: Ctx, pk: int) -> LevelsOut:
    # Evaluating writes the level history: the technician's, the employer's or the operator's to run.
    tech = await get_writable(actor=ctx.user, pk=pk)
    on = today_jst()
    results = await evaluate_one(tech=tech, on=on)
    official = await judged.official(tech_ids=[tech.id])
    history = await LevelRecord.filter(technician=tech).order_by("-id")
    return LevelsOut(
        technician_pk=tech.id,
        on=on,
        trades=[
            TradeLevelOut(
                trade=r.trade,
                evaluated=r.evaluated,
                level=r.level,
                criteria_version=r.criteria_version,
                official_level=_official(official, tech.id, r.trade),
                official_colour=judged.colour(_official(official, tech.id, r.trade)),
                reason=r.reason,
                missing_for_next=list(r.missing_for_next),
                counted_days=r.evidence.counted_days if r.evidence else None,
                foreman_days=r.evidence.foreman_days if r.evidence else None,
                lead_days=r.evidence.lead_days if r.evidence else None,
            )
            for r in results
        ],
        history=[
            LevelHistoryOut(
                trade=h.trade,
                level=h.level,
                from_level=h.from_level,
                direction=h.direction,
                criteria_version=h.criteria_version,
                on=h.on,
            )
            for h in history
        ],
    )
