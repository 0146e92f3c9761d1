"""Operator KPIs: plan against actual per fiscal quarter."""

from __future__ import annotations

from api.accounts.models import Role
from api.http import Ctx, Router
from api.kpi import service
from api.kpi.schemas import FiscalYearQuery, RegistrationsOut, RevenueOut

router = Router()


@router.get(
    "/admin/kpi/revenue",
    summary="Revenue by fee type against the 2020 revenue plan (seed 000), per quarter",
    tags=["kpi"],
    roles={Role.operator},
    errors=(422,),
    replica=True,
)
async def revenue(ctx: Ctx, query: FiscalYearQuery) -> RevenueOut:
    return await service.revenue(fiscal_year=query.fiscal_year)


@router.get(
    "/admin/kpi/registrations",
    summary="Registrations and work records by segment (industry, prefecture, "
    "size) against the 低位推計 targets, per quarter",
    tags=["kpi"],
    roles={Role.operator},
    errors=(422,),
    replica=True,
)
async def registrations(ctx: Ctx, query: FiscalYearQuery) -> RegistrationsOut:
    return await service.registrations(fiscal_year=query.fiscal_year)
