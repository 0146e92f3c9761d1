"""経審 endpoints for a business: 工事経歴書 rows, employment dates, 別紙二 (技術職員名簿), 別紙一 and W1⑩."""

from dataclasses import fields, is_dataclass
from datetime import date
from types import MappingProxyType
from urllib.parse import quote

from starlette.responses import Response

from api.accounts.models import Role
from api.businesses.service import ensure_can_manage, get_business
from api.errors import NotFound
from api.http import Ctx, Router
from api.keishin import contracts, export, service
from api.keishin.models import ContractHistory
from api.keishin.schemas import (
    CompletedWorksOut,
    KeishinRosterOut,
    KeishinSkillsOut,
    W1Out,
    ContractCorrectionIn,
    ContractHistoryIn,
    ContractHistoryOut,
    EmploymentIn,
    KeishinQuery,
    ReasonQuery,
    SkillsQuery,
    W1Query,
    WorksQuery,
)
from api.registration.models import Technician

router = Router()
ADMINS = {Role.business_admin, Role.operator}


def plain(value):
    """Engine dataclasses (with tuples, dates and read-only mappings) → JSON-ready values."""
    if is_dataclass(value):
        return {f.name: plain(getattr(value, f.name)) for f in fields(value)}
    if isinstance(value, (dict, MappingProxyType)):
        return {k: plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [plain(v) for v in value]
    if isinstance(value, date):
        return value.isoformat()
    return value


async def _business(ctx: Ctx):
    business = await get_business(pk=int(ctx.path["pk"]))
    ensure_can_manage(ctx.user, business)
    return business


def _out(r: ContractHistory) -> ContractHistoryOut:
    return ContractHistoryOut(
        id=r.id,
        customer=r.customer,
        work_name=r.work_name,
        prime=r.prime,
        location=r.location,
        amount_thousand_yen=r.amount_thousand_yen,
        started_on=r.started_on,
        completed_on=r.completed_on,
        industry_code=r.industry_code,
        breakdown_code=r.breakdown_code,
        site_id=r.site_id,  # type: ignore[attr-defined]
        public=r.public,
        exemption=r.exemption,
    )


@router.post(
    "/businesses/{pk:int}/contract-history",
    summary="Add a 工事経歴書 row",
    tags=["keishin"],
    roles=ADMINS,
    status=201,
    errors=(403, 404, 422),
)
async def add_contract(ctx: Ctx, body: ContractHistoryIn) -> ContractHistoryOut:
    return _out(await contracts.add(business=await _business(ctx), data=body))


@router.put(
    "/businesses/{pk:int}/contract-history/{cid:int}",
    summary="Correct a 工事経歴書 row (reason required; audited with before and after)",
    tags=["keishin"],
    roles=ADMINS,
    errors=(403, 404, 422),
)
async def correct_contract(ctx: Ctx, cid: int, body: ContractCorrectionIn) -> ContractHistoryOut:
    data = ContractHistoryIn.model_validate(body.model_dump(exclude={"reason"}))
    return _out(
        await contracts.correct(actor=ctx.user, business=await _business(ctx), pk=cid, data=data, reason=body.reason)
    )


@router.delete(
    "/businesses/{pk:int}/contract-history/{cid:int}",
    summary="Delete a 工事経歴書 row (?reason= required; audited)",
    tags=["keishin"],
    roles=ADMINS,
    status=204,
    errors=(403, 404, 422),
)
async def delete_contract(ctx: Ctx, cid: int, query: ReasonQuery) -> None:
    await contracts.delete(actor=ctx.user, business=await _business(ctx), pk=cid, reason=query.reason)


@router.get(
    "/businesses/{pk:int}/contract-history",
    summary="The 工事経歴書 rows",
    tags=["keishin"],
    roles=ADMINS,
    errors=(403, 404),
)
async def list_contracts(ctx: Ctx) -> list[ContractHistoryOut]:
    business = await _business(ctx)
    return [_out(r) for r in await ContractHistory.filter(business=business).order_by("id")]


@router.put(
    "/businesses/{pk:int}/employees/{tid:int}/employment",
    summary="When a technician joined the business",
    tags=["keishin"],
    roles={Role.business_admin},
    status=204,
    errors=(403, 404),
)
async def set_employment(ctx: Ctx, tid: int, body: EmploymentIn) -> None:
    business = await _business(ctx)
    updated = await Technician.filter(id=tid, employer=business).update(employed_since=body.employed_since)
    if not updated:
        raise NotFound("No such employee.", code="employee_not_found")


def _file(data: bytes, media_type: str, name: str) -> Response:
    return Response(
        data, media_type=media_type, headers={"Content-Disposition": f"attachment; filename*=UTF-8''{quote(name)}"}
    )


@router.get(
    "/businesses/{pk:int}/keishin/staff",
    summary="別紙二 技術職員名簿 with points (JSON, CSV or PDF)",
    tags=["keishin"],
    roles=ADMINS,
    errors=(403, 404, 422),
    replica=True,
    media=("application/json", "text/csv", "application/pdf"),
)
async def staff(ctx: Ctx, query: KeishinQuery) -> KeishinRosterOut | Response:
    business = await _business(ctx)
    q: KeishinQuery = query
    roster = await service.roster(
        business=business, base_date=q.base_date, application_date=q.application_date, industries=q.industry_list
    )
    enc = "shift_jis" if q.encoding == "shift_jis" else "utf-8-bom"
    if q.format == "csv":
        return _file(export.roster_csv(roster, encoding=enc), "text/csv", f"技術職員名簿_{business.business_id}.csv")
    if q.format == "pdf":
        return _file(
            export.roster_pdf(roster, business_name=business.name),
            "application/pdf",
            f"技術職員名簿_{business.business_id}.pdf",
        )
    return plain(roster)


@router.get(
    "/businesses/{pk:int}/keishin/completed-works",
    summary="別紙一 工事種類別完成工事高 (JSON, CSV or PDF)",
    tags=["keishin"],
    roles=ADMINS,
    errors=(403, 404, 422),
    replica=True,
    media=("application/json", "text/csv", "application/pdf"),
)
async def works(ctx: Ctx, query: WorksQuery) -> CompletedWorksOut | Response:
    business = await _business(ctx)
    q: WorksQuery = query
    result = await service.completed_works(
        business=business,
        fiscal_year_end=q.fiscal_year_end,
        averaging_years=q.averaging_years,
        application_date=q.application_date,
        industries=q.industry_list,
    )
    enc = "shift_jis" if q.encoding == "shift_jis" else "utf-8-bom"
    if q.format == "csv":
        return _file(
            export.completed_works_csv(result, encoding=enc), "text/csv", f"完成工事高_{business.business_id}.csv"
        )
    if q.format == "pdf":
        return _file(
            export.completed_works_pdf(result, business_name=business.name),
            "application/pdf",
            f"完成工事高_{business.business_id}.pdf",
        )
    data = plain(result)
    for row, obj in zip(data["rows"], result.rows):  # the form's derived columns, as printed
        row["prior"], row["average"] = plain(obj.prior), plain(obj.average)
    return data


@router.get(
    "/businesses/{pk:int}/keishin/w1",
    summary="W1⑩: every 元請 work of the 工事経歴書 in the year registered "
    "in CCUS with a reader, kiosk or private system in use",
    tags=["keishin"],
    roles=ADMINS,
    errors=(403, 404, 422),
    replica=True,
)
async def w1(ctx: Ctx, query: W1Query) -> W1Out:
    business = await _business(ctx)
    q: W1Query = query
    out = plain(
        await service.w1(
            business=business,
            base_date=q.base_date,
            fiscal_year_start=q.fiscal_year_start,
            pledge_submitted=q.pledge_submitted,
        )
    )
    # W1⑧ beside W1⑩: the two W1 items CCUS data feeds.
    out["skills"] = plain(
        await service.w1_skills(
            business=business, base_date=q.base_date, engineers=q.engineers, engineer_value=q.engineer_value
        )
    )
    return out


@router.get(
    "/businesses/{pk:int}/keishin/w1-skills",
    summary="W1⑧: 技能者数, 技能レベル向上者数 (judged level "
    "rises in the 3 years to the base date), 控除対象者数, the 技能者 value and, with 技術者数, the 評点",
    tags=["keishin"],
    roles=ADMINS,
    errors=(403, 404, 422),
    replica=True,
)
async def w1_skills(ctx: Ctx, query: SkillsQuery) -> KeishinSkillsOut:
    business = await _business(ctx)
    q: SkillsQuery = query
    return plain(
        await service.w1_skills(
            business=business, base_date=q.base_date, engineers=q.engineers, engineer_value=q.engineer_value
        )
    )
