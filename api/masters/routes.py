"""Master data endpoints: public, read-only, the same for everyone."""

from __future__ import annotations


from api.errors import NotFound
from api.http import Ctx, Router
from api.masters import service
from api.masters.schemas import CodeTable, MastersOut

router = Router()


@router.get(
    "/masters",
    summary="Every code table (職種, 立場, 資格, 業種, 都道府県) with its source, and how IDs are checked",
    tags=["masters"],
)
async def masters(ctx: Ctx) -> MastersOut:
    return service.all_tables()


@router.get(
    "/masters/{name}",
    summary="One code table: trades, positions, qualifications, industries or prefectures",
    tags=["masters"],
    errors=(404,),
)
async def master(ctx: Ctx, name: service.TableName) -> CodeTable:
    found = service.table(name)
    if found is None:
        raise NotFound(
            "No such code table: trades, positions, qualifications, industries or prefectures.", code="master_not_found"
        )
    return found
