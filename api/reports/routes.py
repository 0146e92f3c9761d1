"""Report downloads: CSV (UTF-8 with BOM, or Shift_JIS with ?encoding=shift_jis) and PDF with an embedded Japanese font."""

from typing import Literal
from urllib.parse import quote

from pydantic import BaseModel, Field
from starlette.responses import Response

from api.accounts.models import Role
from api.businesses.service import ensure_can_manage, get_business
from api.common import Month
from api.errors import Forbidden
from api.http import Ctx, Router
from api.registration.service import get_visible
from api.reports import service
from api.reports.career import career_pdf
from api.reports.kentaikyo import calendar_csv
from api.reports.technicians import business_pdf, list_csv, statistics_csv
from api.reports.worker_roster import roster_csv, roster_pdf
from api.sites.access import ensure_can_see, is_site_manager
from api.sites.service import get_site
from api.timeutil import today_jst

router = Router()


class CsvQuery(BaseModel):
    encoding: Literal["utf-8", "shift_jis"] = "utf-8"


class RosterQuery(CsvQuery):
    employer_pk: int = Field(ge=1)
    format: Literal["csv", "pdf"] = "csv"


def _file(data: bytes, media_type: str, filename: str) -> Response:
    return Response(
        data,
        media_type=media_type,
        headers={"Content-Disposition": f"attachment; filename*=UTF-8''{quote(filename)}", "Cache-Control": "no-store"},
    )


def _encoding(q: CsvQuery) -> str:
    return "shift_jis" if q.encoding == "shift_jis" else "utf-8-bom"


@router.get(
    "/sites/{pk:int}/worker-roster",
    summary="作業員名簿 for one employer on a site (CSV or PDF)",
    tags=["reports"],
    roles={Role.business_admin, Role.site_manager, Role.operator},
    errors=(403, 404, 422),
    replica=True,
    media=("text/csv", "application/pdf"),
)
async def worker_roster(ctx: Ctx, pk: int, query: RosterQuery):
    site = await get_site(pk=pk)
    q: RosterQuery = query
    await ensure_can_see(ctx.user, site)
    # The prime's people see every employer's roster; a subcontractor only its own.
    if not (
        ctx.user.role is Role.operator or await is_site_manager(ctx.user, site) or ctx.user.business_id == q.employer_pk  # type: ignore[attr-defined]
    ):
        raise Forbidden("A subcontractor downloads only its own 作業員名簿.", code="not_own_roster")
    header, workers = await service.worker_roster(site=site, employer=await get_business(pk=q.employer_pk))
    if q.format == "pdf":
        return _file(roster_pdf(header, workers), "application/pdf", f"作業員名簿_{site.site_id}.pdf")
    f = roster_csv(header, workers, encoding=_encoding(q))
    return _file(f.data, f.media_type, f"作業員名簿_{site.site_id}.csv")


class ListQuery(CsvQuery):
    format: Literal["csv", "pdf", "statistics"] = "csv"


@router.get(
    "/businesses/{pk:int}/technician-list",
    summary="The business's technicians (CSV/PDF) or statistics",
    tags=["reports"],
    roles={Role.business_admin, Role.operator},
    errors=(403, 404),
    replica=True,
    media=("text/csv", "application/pdf"),
)
async def technician_list(ctx: Ctx, pk: int, query: ListQuery):
    business = await get_business(pk=pk)
    ensure_can_manage(ctx.user, business)
    techs = await service.business_technicians(business=business)
    q: ListQuery = query
    on = today_jst()
    if q.format == "pdf":
        return _file(
            business_pdf(business_id=business.business_id, business_name=business.name, technicians=techs, on=on),
            "application/pdf",
            f"技能者一覧_{business.business_id}.pdf",
        )
    f = (statistics_csv if q.format == "statistics" else list_csv)(techs, on=on, encoding=_encoding(q))
    return _file(
        f.data, f.media_type, f"技能者{'統計' if q.format == 'statistics' else '一覧'}_{business.business_id}.csv"
    )


@router.get(
    "/technicians/{pk:int}/career.pdf",
    summary="A technician's career summary (PDF)",
    tags=["reports"],
    roles={Role.technician, Role.business_admin, Role.operator},
    errors=(404,),
    replica=True,
    media=("application/pdf",),
)
async def career(ctx: Ctx, pk: int):
    tech = await get_visible(actor=ctx.user, pk=pk)
    return _file(career_pdf(await service.career(tech=tech)), "application/pdf", f"キャリア_{tech.technician_id}.pdf")


class MonthQuery(CsvQuery):
    month: Month = Field(description="YYYY-MM")


@router.get(
    "/businesses/{pk:int}/kentaikyo",
    summary="建退共: monthly work-day calendar per technician, site and employer (CSV)",
    tags=["reports"],
    roles={Role.business_admin, Role.operator},
    errors=(403, 404, 422),
    replica=True,
    media=("text/csv",),
)
async def kentaikyo(ctx: Ctx, pk: int, query: MonthQuery):
    business = await get_business(pk=pk)
    ensure_can_manage(ctx.user, business)
    year, month = map(int, query.month.split("-"))
    cal = await service.kentaikyo_month(business=business, year=year, month=month)
    f = calendar_csv(cal, encoding=_encoding(query))
    return _file(f.data, f.media_type, f"建退共_{business.business_id}_{query.month}.csv")
