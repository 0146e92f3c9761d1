"""工事経歴書 rows: added, corrected and deleted by the firm (or the operator), every correction and deletion with a
reason in the audit trail (before and after), because the rows feed 別紙一 and W1⑩ that officials check."""

from __future__ import annotations

from datetime import date
from typing import Any

from api.accounts.models import Account
from api.audit import service as audit
from api.businesses.models import Business
from api.errors import NotFound, Unprocessable
from api.keishin.masters import load_masters
from api.keishin.models import ContractHistory
from api.keishin.schemas import ContractHistoryIn
from api.registration.corrections import require_reason


async def _validate(business: Business, data: ContractHistoryIn) -> None:
    if data.industry_code is None:
        raise Unprocessable.field(
            "industry_code", "a contract row needs its industry (業種コード)", code="missing_industry"
        )
    # Refused now rather than at report time: the industry must exist on the contract's own dates.
    load_masters().industry(
        data.industry_code, on=data.completed_on or data.started_on or date.today(), field="industry_code"
    )
    if data.site_id is not None:
        from api.sites.models import Site

        if not data.prime or not await Site.filter(id=data.site_id, prime=business).exists():
            raise Unprocessable.field(
                "site_id", "link a 元請 work to a CCUS site this business registered as prime", code="site_not_prime"
            )
        if await Site.filter(id=data.site_id, kind="training").exists():  # W1⑩: a 直接請け負った工事, never a 訓練機関
            raise Unprocessable.field(
                "site_id",
                "a training site (登録教育訓練機関) is not a construction work",
                code="training_site_not_a_work",
            )


def snapshot(row: ContractHistory) -> dict[str, Any]:
    return {
        k: (v.isoformat() if hasattr(v, "isoformat") else v)
        for k, v in {
            "customer": row.customer,
            "work_name": row.work_name,
            "prime": row.prime,
            "location": row.location,
            "amount_thousand_yen": row.amount_thousand_yen,
            "started_on": row.started_on,
            "completed_on": row.completed_on,
            "industry_code": row.industry_code,
            "breakdown_code": row.breakdown_code,
            "site_id": row.site_id,  # type: ignore[attr-defined]
            "public": row.public,
            "exemption": row.exemption,
        }.items()
    }


async def add(*, business: Business, data: ContractHistoryIn) -> ContractHistory:
    await _validate(business, data)
    return await ContractHistory.create(business=business, **data.model_dump())


async def _row(business: Business, pk: int) -> ContractHistory:
    row = await ContractHistory.get_or_none(id=pk, business=business)
    if row is None:
        raise NotFound("No such 工事経歴書 row.", code="contract_work_not_found")
    return row


async def correct(
    *, actor: Account, business: Business, pk: int, data: ContractHistoryIn, reason: str | None
) -> ContractHistory:
    reason = require_reason(reason)
    row = await _row(business, pk)
    await _validate(business, data)
    before = snapshot(row)
    await ContractHistory.filter(id=row.id).update(**data.model_dump())
    await row.refresh_from_db()
    b, a = audit.diff(before, snapshot(row))
    await audit.record(
        actor=actor,
        action="contract_history.correct",
        entity_type="contract_history",
        entity_id=row.id,
        before=b,
        after=a,
        reason=reason,
    )
    return row


async def delete(*, actor: Account, business: Business, pk: int, reason: str | None) -> None:
    reason = require_reason(reason)
    row = await _row(business, pk)
    before = snapshot(row)
    await row.delete()
    await audit.record(
        actor=actor,
        action="contract_history.delete",
        entity_type="contract_history",
        entity_id=pk,
        before=before,
        after=None,
        reason=reason,
    )
