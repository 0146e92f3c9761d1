"""The operator's corrections (seed 000 No.71) beyond identity data: approved qualifications and business data.

A correction needs a reason (`reason_required`, nothing changed without one) and writes its before/after to the
append-only audit trail. Registration data itself is corrected by api.registration.review.correct."""

from __future__ import annotations

from api.accounts.models import Account
from api.audit import service as audit
from api.businesses.models import Business
from api.errors import NotFound, Unprocessable
from api.registration.change_schemas import BusinessCorrectionIn, QualificationCorrectionIn
from api.registration.models import Qualification, Technician


def require_reason(reason: str | None) -> str:
    if not reason or not reason.strip():
        raise Unprocessable.field(
            "reason", "a correction needs a reason (it is kept in the audit trail)", code="reason_required"
        )
    return reason


def _iso(value):
    return value.isoformat() if value is not None else None


async def correct_qualification(*, actor: Account, tech: Technician, pk: int, data: QualificationCorrectionIn) -> None:
    reason = require_reason(data.reason)
    q = await Qualification.get_or_none(id=pk, technician=tech)
    if q is None:
        raise NotFound("The technician has no such qualification.", code="qualification_not_found")
    code = q.code
    before = {
        "code": q.code,
        "acquired_on": _iso(q.acquired_on),
        "expires_on": _iso(q.expires_on),
        "approved": q.approved_at is not None,
    }
    if data.action == "delete":
        await q.delete()
        await audit.record(
            actor=actor,
            action="qualification.delete",
            entity_type="technician",
            entity_id=tech.id,
            before=before,
            after={"code": code, "deleted": True},
            reason=reason,
        )
        return
    changes = data.model_dump(include={"acquired_on", "expires_on"}, exclude_unset=True)
    if not changes:
        raise Unprocessable.field("acquired_on", "nothing to change", code="nothing_to_change")
    acquired, expires = changes.get("acquired_on", q.acquired_on), changes.get("expires_on", q.expires_on)
    if acquired is None:
        raise Unprocessable.field("acquired_on", "a qualification has an acquired date", code="invalid_dates")
    if expires is not None and expires < acquired:
        raise Unprocessable.field("expires_on", "expires before it was acquired", code="invalid_dates")
    await Qualification.filter(id=q.id).update(acquired_on=acquired, expires_on=expires)
    b, a = audit.diff(before, {**before, "acquired_on": _iso(acquired), "expires_on": _iso(expires)})
    await audit.record(
        actor=actor,
        action="qualification.correct",
        entity_type="technician",
        entity_id=tech.id,
        before={"code": code, **b},
        after={"code": code, **a},
        reason=reason,
    )


async def correct_business(*, actor: Account, business: Business, data: BusinessCorrectionIn) -> Business:
    reason = require_reason(data.reason)
    changes = data.changes.model_dump(exclude_unset=True)
    if not changes:
        raise Unprocessable.field("changes", "nothing to change", code="nothing_to_change")
    before, after = audit.diff({k: getattr(business, k) for k in changes}, changes)
    for key, value in changes.items():
        setattr(business, key, value)
    # Only the corrected fields: a whole-row save would write back what a concurrent transaction committed since
    # the row was read (its review's decision).
    await business.save(update_fields=[*changes, "updated_at"])
    await audit.record(
        actor=actor,
        action="business.correct",
        entity_type="business",
        entity_id=business.id,
        before=before,
        after=after,
        reason=reason,
    )
    return business
