"""The numbers 建退共 keys on, entered by the employer: its 共済契約者番号 and each technician's 被共済者番号. The
export (service.export) prints them; until they are entered, the month view warns (docs/kentaikyo.md §4)."""

from __future__ import annotations

from tortoise import connections
from tortoise.timezone import now

from api.accounts.models import Account
from api.audit import service as audit
from api.businesses.models import Business, ReviewStatus
from api.errors import Unprocessable
from api.kentaikyo.models import KentaikyoContract, KentaikyoMember
from api.kentaikyo.schemas import MemberNumberOut, NumbersIn, NumbersOut
from api.registration.models import Technician
from api.sql import execute

# One row per business / technician: the last writer's number wins, never a unique-key error (two saves at once).
_UPSERT = (
    "INSERT INTO {table} ({key}, number, updated_by_id, updated_at) VALUES (?, ?, ?, ?) "
    "ON CONFLICT ({key}) DO UPDATE SET number = excluded.number, updated_by_id = excluded.updated_by_id, "
    "updated_at = excluded.updated_at"
)


async def contract_number(business_pk: int) -> str:
    row = await KentaikyoContract.get_or_none(business_id=business_pk)
    return row.number if row else ""


async def member_numbers(technician_pks: list[int]) -> dict[int, str]:
    rows = await KentaikyoMember.filter(technician_id__in=technician_pks).values_list("technician_id", "number")
    return {int(t): n for t, n in rows}


async def numbers(*, business: Business) -> NumbersOut:
    techs = await Technician.filter(employer=business, status=ReviewStatus.approved).order_by("id")
    by_pk = await member_numbers([t.id for t in techs])
    return NumbersOut(
        contract_number=await contract_number(business.id) or None,
        members=[
            MemberNumberOut(
                technician_id=t.technician_id or "", name=f"{t.family_name} {t.given_name}", number=by_pk.get(t.id)
            )
            for t in techs
        ],
    )


async def set_numbers(*, actor: Account, business: Business, data: NumbersIn) -> NumbersOut:
    """Only the employer's own technicians; an unknown or another employer's technician refuses the whole request."""
    techs = {
        t.technician_id: t
        for t in await Technician.filter(employer=business, technician_id__in=[m.technician_id for m in data.members])
    }
    for i, m in enumerate(data.members):
        if m.technician_id not in techs:
            raise Unprocessable.field(
                f"members[{i}].technician_id", "not a technician of this employer", code="not_your_technician"
            )
    conn, at = connections.get("default"), now()
    if data.contract_number is not None:
        sql = _UPSERT.format(table="kentaikyo_contract", key="business_id")
        await execute(conn, sql, [business.id, data.contract_number, actor.id, at])
    for m in data.members:
        tech = techs[m.technician_id]
        if m.number is None:
            await KentaikyoMember.filter(technician_id=tech.id).delete()
        else:
            sql = _UPSERT.format(table="kentaikyo_member", key="technician_id")
            await execute(conn, sql, [tech.id, m.number, actor.id, at])
    await audit.record(
        actor=actor,
        action="kentaikyo.numbers",
        entity_type="business",
        entity_id=business.id,
        after={
            "contract_number": data.contract_number,
            "members": {m.technician_id: m.number for m in data.members},
        },
    )
    return await numbers(business=business)
