"""Operator batches: list them, run one now (once: asking again while it runs returns the running one), and read
a run's status and counts. Operator only; every run is audited."""

from __future__ import annotations


from api.accounts.models import Role
from api.batches import registry, service
from api.batches.models import BatchRun
from api.batches.registry import BatchName
from api.batches.schemas import BatchCounts, BatchOut, BatchRunIn, BatchRunOut, RunQuery
from api.billing.close import check_period
from api.billing.issuer import ensure_can_finalise
from api.billing.periods import parse_period, previous_period
from api.billing.schemas import CloseIn, CloseOut
from api.errors import NotFound
from api.http import Ctx, Router
from api.timeutil import today_jst

router = Router()
OPERATOR = {Role.operator}


def run_out(run: BatchRun, *, already_running: bool = False) -> BatchRunOut:
    return BatchRunOut(
        id=run.id,
        name=run.name,  # type: ignore[arg-type]
        period=run.period,
        status=run.status.value,
        counts=BatchCounts.model_validate(run.counts or {}),
        error=run.error,
        created_at=run.created_at,
        started_at=run.started_at,
        finished_at=run.finished_at,
        job_id=service.job_id(run.id),
        already_running=already_running,
    )


@router.get(
    "/admin/batches",
    summary="The batches an operator can run",
    tags=["batches"],
    roles=OPERATOR,
)
async def batches(ctx: Ctx) -> list[BatchOut]:
    return [BatchOut(name=b.name, summary=b.summary, takes_period=b.takes_period) for b in registry.BATCHES.values()]


@router.get(
    "/admin/batches/runs",
    summary="Recent batch runs, newest first",
    tags=["batches"],
    roles=OPERATOR,
    errors=(422,),
)
async def runs(ctx: Ctx, query: RunQuery) -> list[BatchRunOut]:
    qs = BatchRun.all().order_by("-id")
    if query.name:
        qs = qs.filter(name=query.name)
    return [run_out(r) for r in await qs.limit(query.limit)]


@router.get(
    "/admin/batches/runs/{pk:int}",
    summary="One batch run: queued / running / done / failed, with counts",
    tags=["batches"],
    roles=OPERATOR,
    errors=(404,),
)
async def get_run(ctx: Ctx, pk: int) -> BatchRunOut:
    run = await BatchRun.get_or_none(id=pk)
    if run is None:
        raise NotFound("No such batch run.", code="no_such_batch_run")
    return run_out(run)


@router.post(
    "/admin/batches/{name}",
    summary="Run a batch now (202 with its run; while one is queued or running, that run)",
    tags=["batches"],
    roles=OPERATOR,
    status=202,
    errors=(404, 409, 422),
)
async def run_batch(ctx: Ctx, name: BatchName, body: BatchRunIn) -> BatchRunOut:
    period = parse_period(body.period) if body and body.period else None
    if name == "billing-close":  # refused at once, not only when the job runs
        ensure_can_finalise(ctx.settings)
        await check_period(period=period or previous_period(today_jst()))
    run, created = await service.start(name=name, period=period, actor=ctx.user)
    return run_out(run, already_running=not created)


# The billing close's own operation (the billing-close batch under the name billing's operators know it by).
@router.post(
    "/admin/billing/close",
    summary="Run the monthly billing close now (the billing-close batch: once per "
    "month at a time; refused for a month not ended or after an open one)",
    tags=["billing"],
    roles=OPERATOR,
    status=202,
    errors=(409, 422),
    operation_id="billing_run_close",  # its id from before it moved here
)
async def run_billing_close(ctx: Ctx, body: CloseIn) -> CloseOut:
    period = parse_period(body.period) if body.period else previous_period(today_jst())
    ensure_can_finalise(ctx.settings)
    await check_period(period=period)
    run, created = await service.start(name="billing-close", period=period, actor=ctx.user)
    return CloseOut(
        job_id=service.job_id(run.id),
        period=run.period or "",
        run_id=run.id,
        status=run.status.value,
        already_running=not created,
    )
