"""建退共: the employer's monthly confirm-then-submit, the import of its 就労実績報告, and the prime's decisions on the
candidate days (docs/kentaikyo.md)."""

from urllib.parse import quote

from starlette.responses import Response

from api.accounts.models import Role
from api.businesses.service import ensure_can_manage, get_business
from api.http import Ctx, Router
from api.kentaikyo import imports, numbers, service
from api.kentaikyo.models import KentaikyoCandidate
from api.kentaikyo.schemas import (
    AdjustmentIn,
    CandidateOut,
    CandidateQuery,
    DecisionIn,
    ExportQuery,
    ImportOut,
    MonthIn,
    MonthOut,
    MonthQuery,
    NumbersIn,
    NumbersOut,
)
from api.sites.service import get_site

router = Router()
EMPLOYER = {Role.business_admin}


async def _business(ctx: Ctx):
    business = await get_business(pk=int(ctx.path["pk"]))
    ensure_can_manage(ctx.user, business)
    return business


@router.get(
    "/businesses/{pk:int}/kentaikyo/month",
    summary="建退共: one month's work days per technician and site, "
    "with the employer's adjustments (open) or as confirmed",
    tags=["kentaikyo"],
    roles={Role.business_admin, Role.operator},
    errors=(403, 404, 422),
)
async def month(ctx: Ctx, query: MonthQuery) -> MonthOut:
    return MonthOut(**await service.month_view(business=await _business(ctx), month=query.month))


@router.get(
    "/businesses/{pk:int}/kentaikyo/numbers",
    summary="建退共: the employer's 共済契約者番号 and its technicians' 被共済者番号",
    tags=["kentaikyo"],
    roles={Role.business_admin, Role.operator},
    errors=(403, 404),
)
async def get_numbers(ctx: Ctx) -> NumbersOut:
    return await numbers.numbers(business=await _business(ctx))


@router.put(
    "/businesses/{pk:int}/kentaikyo/numbers",
    summary="建退共: set the 共済契約者番号 and technicians' 被共済者番号 (printed in the export)",
    tags=["kentaikyo"],
    roles=EMPLOYER,
    errors=(403, 404, 422),
)
async def put_numbers(ctx: Ctx, body: NumbersIn) -> NumbersOut:
    return await numbers.set_numbers(actor=ctx.user, business=await _business(ctx), data=body)


@router.post(
    "/businesses/{pk:int}/kentaikyo/adjustments",
    summary="建退共: add or remove one technician × site × day of an open month, with the reason",
    tags=["kentaikyo"],
    roles=EMPLOYER,
    errors=(403, 404, 409, 422),
)
async def adjust(ctx: Ctx, body: AdjustmentIn) -> MonthOut:
    b = body
    return MonthOut(
        **await service.adjust(
            actor=ctx.user,
            business=await _business(ctx),
            technician_id=b.technician_id,
            site_id=b.site_id,
            work_date=b.work_date,
            worked=b.worked,
            reason=b.reason,
        )
    )


@router.post(
    "/businesses/{pk:int}/kentaikyo/confirm",
    summary="建退共: confirm a month that has ended (once; it is then locked)",
    tags=["kentaikyo"],
    roles=EMPLOYER,
    errors=(403, 404, 409, 422),
)
async def confirm(ctx: Ctx, body: MonthIn) -> MonthOut:
    return MonthOut(**await service.confirm(actor=ctx.user, business=await _business(ctx), month=body.month))


@router.get(
    "/businesses/{pk:int}/kentaikyo/export",
    summary="建退共: the confirmed month as the 就労実績報告 CSV (UTF-8 with BOM, or Shift_JIS)",
    tags=["kentaikyo"],
    roles={Role.business_admin, Role.operator},
    errors=(403, 404, 409, 422),
    media=("text/csv",),
)
async def export(ctx: Ctx, query: ExportQuery):
    business = await _business(ctx)
    f = await service.export(
        business=business,
        month=query.month,
        encoding="shift_jis" if query.encoding == "shift_jis" else "utf-8-bom",
    )
    name = f"建退共就労実績_{business.business_id}_{query.month}.csv"
    return Response(
        f.data,
        media_type=f.media_type,
        headers={"Content-Disposition": f"attachment; filename*=UTF-8''{quote(name)}", "Cache-Control": "no-store"},
    )


@router.post(
    "/businesses/{pk:int}/kentaikyo/imports",
    summary="建退共: import the employer's 就労実績報告 (multipart: "
    "file); days missing in OpenCCUS become candidates for the prime. A file with a malformed row is "
    "refused whole",
    tags=["kentaikyo"],
    roles=EMPLOYER,
    uploads=("file",),
    status=201,
    errors=(403, 404, 413, 422),
)
async def import_report(ctx: Ctx) -> ImportOut:
    return ImportOut(
        **await imports.import_report(
            actor=ctx.user,
            business=await _business(ctx),
            filename=ctx.form.get("filename", "就労実績報告.csv"),
            data=ctx.files["file"],
        )
    )


def _candidate_out(c: KentaikyoCandidate) -> CandidateOut:
    t, b = c.technician, c.business
    return CandidateOut(
        id=c.id,
        technician_pk=t.id,
        technician_id=t.technician_id or "",
        technician_name=f"{t.family_name} {t.given_name}",
        employer_pk=b.id,
        employer_name=b.name,
        work_date=c.work_date,
        status=c.status.value,
        note=c.note,
        decided_at=c.decided_at,
    )


@router.get(
    "/sites/{pk:int}/kentaikyo-candidates",
    summary="Days reported to 建退共 but missing in OpenCCUS, for the prime's site manager",
    tags=["kentaikyo"],
    roles={Role.business_admin, Role.site_manager},
    errors=(403, 404),
)
async def candidates(ctx: Ctx, pk: int, query: CandidateQuery) -> list[CandidateOut]:
    site = await get_site(pk=pk)
    return [_candidate_out(c) for c in await imports.candidates(actor=ctx.user, site=site, status=query.status)]


async def _decide(ctx: Ctx, approve: bool) -> CandidateOut:
    site = await get_site(pk=int(ctx.path["pk"]))
    item = await imports.decide(
        actor=ctx.user, site=site, pk=int(ctx.path["cid"]), approve=approve, note=ctx.body.note if ctx.body else None
    )
    await item.fetch_related("technician", "business")
    return _candidate_out(item)


@router.post(
    "/sites/{pk:int}/kentaikyo-candidates/{cid:int}/approve",
    summary="Approve a 建退共 candidate: it becomes a work record (method kentaikyo), once",
    tags=["kentaikyo"],
    roles={Role.business_admin, Role.site_manager},
    errors=(403, 404, 409),
)
async def approve_candidate(ctx: Ctx, body: DecisionIn) -> CandidateOut:
    return await _decide(ctx, True)


@router.post(
    "/sites/{pk:int}/kentaikyo-candidates/{cid:int}/reject",
    summary="Reject a 建退共 candidate, once",
    tags=["kentaikyo"],
    roles={Role.business_admin, Role.site_manager},
    errors=(403, 404, 409),
)
async def reject_candidate(ctx: Ctx, body: DecisionIn) -> CandidateOut:
    return await _decide(ctx, False)
