"""The operator's review queue and data corrections."""

from api.accounts.models import Role
from api.businesses.service import to_out as business_out
from api.http import Ctx, Router
from api.registration import review, service
from api.registration.schemas import (
    CorrectionIn,
    ReturnIn,
    ReviewItemOut,
    ReviewPageOut,
    ReviewQuery,
    TechnicianOut,
)

router = Router()
OPERATOR = {Role.operator}


async def _item(app) -> ReviewItemOut:
    item = ReviewItemOut(application=review.app_out(app), filed_by=(await review.filed_by([app.id])).get(app.id))
    if app.technician_id is not None:
        item.technician = await service.to_out(await app.technician)
    else:
        item.business = business_out(await app.business)
    return item


@router.get(
    "/review/applications",
    summary="The review queue, oldest first",
    tags=["review"],
    roles=OPERATOR,
)
async def queue(ctx: Ctx, query: ReviewQuery) -> list[ReviewItemOut]:
    q: ReviewQuery = query
    apps = await review.review_queue(
        status=q.status, subject_type=q.subject_type, limit=q.limit, offset=q.offset, q=q.q
    )
    return [await _item(a) for a in apps]


@router.get(
    "/review/queue",
    summary="The review queue a page at a time (limit, offset), searched by the applicant's names and IDs (q), "
    "with the total for the pager",
    tags=["review"],
    roles=OPERATOR,
)
async def queue_page(ctx: Ctx, query: ReviewQuery) -> ReviewPageOut:
    q: ReviewQuery = query
    apps, total = await review.review_queue_page(
        status=q.status, subject_type=q.subject_type, limit=q.limit, offset=q.offset, q=q.q
    )
    return ReviewPageOut(items=[await _item(a) for a in apps], total=total, limit=q.limit, offset=q.offset)


@router.get(
    "/review/applications/{pk:int}",
    summary="One application with its subject's data",
    tags=["review"],
    roles=OPERATOR,
    errors=(404,),
)
async def get_one(ctx: Ctx, pk: int) -> ReviewItemOut:
    return await _item(await review.get_application(pk=pk))


@router.post(
    "/review/applications/{pk:int}/return",
    summary="Return with per-field reasons",
    tags=["review"],
    roles=OPERATOR,
    errors=(404, 409, 422),
)
async def return_(ctx: Ctx, pk: int, body: ReturnIn) -> ReviewItemOut:
    app = await review.get_application(pk=pk)
    return await _item(await review.return_application(actor=ctx.user, app=app, data=body))


@router.post(
    "/review/applications/{pk:int}/approve",
    summary="Approve (issues IDs and the card)",
    tags=["review"],
    roles=OPERATOR,
    errors=(404, 409),
)
async def approve(ctx: Ctx, pk: int) -> ReviewItemOut:
    app = await review.get_application(pk=pk)
    return await _item(await review.approve(actor=ctx.user, app=app, settings=ctx.settings))


@router.post(
    "/admin/technicians/{pk:int}/corrections",
    summary="Correct a technician's data (audited, with reason)",
    tags=["review"],
    roles=OPERATOR,
    errors=(404, 422),
)
async def correct(ctx: Ctx, pk: int, body: CorrectionIn) -> TechnicianOut:
    tech = await service.get_visible(actor=ctx.user, pk=pk)
    return await service.to_out(await review.correct(actor=ctx.user, tech=tech, data=body))
