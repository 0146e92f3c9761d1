"""変更申請: after approval, a new or changed qualification, pre-registration experience (経歴証明書), the 解体
condition of 経審 and changes to the reviewed registration data go through an application the operator approves or
returns with per-field reasons. Until approved the change is only in the application: nothing that counts (levels,
reports, 経審) reads it. Approval applies it and the application stays as its history.

Decisions are made once: a conditional UPDATE from `submitted` (a second decision finds no row and gets 409), and
one open application per technician and subject (`change_key`, unique, NULL once approved).
"""

from __future__ import annotations

import io
import json
from datetime import date
from typing import Any

from PIL import Image, ImageStat
from pydantic import BaseModel, ValidationError
from tortoise.exceptions import IntegrityError
from tortoise.expressions import F
from tortoise.timezone import now

from api.accounts.models import Account, Role
from api.audit import service as audit
from api.businesses.models import Business, ReviewStatus
from api.crypto import Vault
from api.errors import Conflict, Forbidden, NotFound, Unprocessable, validation_fields
from api.media.models import ImageKind, StoredImage
from api.registration.change_schemas import DOCUMENTED, PAYLOADS, RETURNABLE, TECHNICIAN_TYPES, PriorExperienceChange
from api.registration.models import Application, ApplicationKind, Qualification, SubjectType, Technician
from api.registration.schemas import STORED, IdentityFields, ReturnIn, stored_payload
from api.settings import Settings
from api.sql import is_pg
from api.timeutil import today_jst

BLANK_STDDEV = 2.0  # a certificate photo whose pixels hardly vary (all white, all black) shows nothing to review


def _blank(data: bytes) -> bool:
    with Image.open(io.BytesIO(data)) as img:
        return max(ImageStat.Stat(img.convert("L")).stddev) < BLANK_STDDEV


async def store_document(
    *, actor: Account, tech: Technician, raw: bytes | None, settings: Settings, vault: Vault
) -> StoredImage:
    """The evidence image of a change: required, a readable image, and not blank."""
    from api.registration.service import store_image

    if not raw:
        raise Unprocessable.field(
            "file", "attach the document image (certificate, 経歴証明書, 修了証)", code="document_required"
        )
    stored = await store_image(
        actor=actor,
        tech=tech,
        kind=ImageKind.certificate,
        raw=raw,
        settings=settings,
        vault=vault,
        editable_check=False,
    )
    if _blank(vault.open(stored.sealed)):
        raise Unprocessable.field(
            "file", "the document image is blank: photograph the document itself", code="blank_document"
        )
    return stored


def parse_payload(change_type: str, raw: str) -> BaseModel:
    try:
        data = json.loads(raw)
    except ValueError:
        raise Unprocessable.field("payload", "payload must be JSON", code="invalid_payload") from None
    try:
        return PAYLOADS[change_type].model_validate(data)
    except ValidationError as exc:
        raise Unprocessable(
            "The change is not valid.",
            code="invalid_payload",
            fields=[{**f, "field": f"payload.{f['field']}"} for f in validation_fields(exc)],
        ) from None


def _key(tech: Technician, change_type: str, payload: BaseModel) -> str:
    subject = {
        "qualification": lambda p: p.code,
        "data": lambda p: "data",
        "prior_experience": lambda p: f"{p.trade}:{p.period_from.isoformat()}",
        "kaitai": lambda p: "kaitai",
    }[change_type](payload)
    return f"{tech.id}:{change_type}:{subject}"


async def _check(tech: Technician, change_type: str, payload: BaseModel) -> None:
    if change_type == "data":
        changes = payload.changes.model_dump(exclude_unset=True)  # type: ignore[attr-defined]
        if not changes:
            raise Unprocessable.field("payload.changes", "nothing to change", code="nothing_to_change")
        current = {k: getattr(tech, k) for k in IdentityFields.model_fields}
        try:
            IdentityFields.model_validate({**current, **changes})
        except ValidationError as exc:
            raise Unprocessable(
                "The change is not valid.", code="invalid_payload", fields=validation_fields(exc)
            ) from None
    if change_type == "prior_experience":
        await _check_prior(tech, payload)  # type: ignore[arg-type]
    if change_type == "kaitai" and payload.completed_on > today_jst():  # type: ignore[attr-defined]
        raise Unprocessable.field("payload.completed_on", "completed_on is in the future", code="invalid_payload")


async def _check_prior(tech: Technician, p: PriorExperienceChange) -> None:
    from api.registration.models import PriorExperience

    if tech.registered_on is not None and p.period_to >= tech.registered_on:
        raise Unprocessable.field(
            "payload.period_to",
            f"a 経歴証明書 certifies experience before CCUS registration ({tech.registered_on.isoformat()})",
            code="prior_period_after_registration",
        )
    if await PriorExperience.filter(
        technician=tech, trade=p.trade, period_from__lte=p.period_to, period_to__gte=p.period_from
    ).exists():
        raise Conflict(
            "An approved 経歴証明書 already covers part of this period in this trade.", code="prior_period_overlaps"
        )
    calendar = (p.period_to - p.period_from).days + 1
    if p.days > calendar:
        raise Unprocessable.field(
            "payload.days",
            f"{p.days} work days cannot fit in {calendar} calendar days",
            code="prior_days_exceed_period",
        )


def ensure_applicant(actor: Account, tech: Technician) -> None:
    """The technician, or the employer's admin for them; the operator corrects instead of applying."""
    from api.registration.service import can_view

    if actor.role is Role.operator:
        raise Forbidden("Operators change approved data through a correction with a reason.", code="operator_corrects")
    if actor.role not in (Role.technician, Role.business_admin) or not can_view(actor, tech):
        raise NotFound("No such technician.", code="technician_not_found")


async def submit(
    *,
    actor: Account,
    tech: Technician,
    change_type: str,
    raw_payload: str,
    file: bytes | None,
    settings: Settings,
    vault: Vault,
) -> Application:
    ensure_applicant(actor, tech)
    if change_type not in TECHNICIAN_TYPES:
        raise Unprocessable.field(
            "type",
            "business data is changed through POST /businesses/{id}/change-applications",
            code="invalid_change_type",
        )
    if tech.status is not ReviewStatus.approved:
        raise Conflict(
            "Before approval, edit the registration itself; change applications are for approved registrations.",
            code="not_approved",
        )
    payload = parse_payload(change_type, raw_payload)
    await _check(tech, change_type, payload)
    document = None
    if change_type in DOCUMENTED:
        document = await store_document(actor=actor, tech=tech, raw=file, settings=settings, vault=vault)
    try:
        return await Application.create(
            subject_type=SubjectType.technician,
            technician=tech,
            kind=ApplicationKind.change,
            submitted_at=now(),
            proxy=actor.role is Role.business_admin,
            change_type=change_type,
            payload=payload.model_dump(mode="json", exclude_unset=change_type == "data"),
            document=document,
            change_key=_key(tech, change_type, payload),
            applied_by_id=actor.id,
        )
    except IntegrityError:
        raise Conflict(
            "A change application for this is already open; wait for its decision or resubmit it.",
            code="change_application_open",
        ) from None


async def submit_business(*, actor: Account, business: Business, raw_payload: str) -> Application:
    """A change of the business's own reviewed data (its admin applies; the operator decides)."""
    from api.businesses.service import ensure_can_manage

    ensure_can_manage(actor, business)
    if business.status is not ReviewStatus.approved:
        raise Conflict("Before approval, the registration itself is corrected through its review.", code="not_approved")
    payload = parse_payload("business_data", raw_payload)
    if not payload.changes.model_dump(exclude_unset=True):  # type: ignore[attr-defined]
        raise Unprocessable.field("payload.changes", "nothing to change", code="nothing_to_change")
    try:
        return await Application.create(
            subject_type=SubjectType.business,
            business=business,
            kind=ApplicationKind.change,
            submitted_at=now(),
            change_type="business_data",
            payload=payload.model_dump(mode="json", exclude_unset=True),
            change_key=f"b{business.id}:business_data",
            applied_by_id=actor.id,
        )
    except IntegrityError:
        raise Conflict(
            "A change application for the business data is already open.", code="change_application_open"
        ) from None


async def resubmit(
    *, actor: Account, app: Application, raw_payload: str, file: bytes | None, settings: Settings, vault: Vault
) -> Application:
    payload = parse_payload(app.change_type, raw_payload)  # type: ignore[arg-type]
    document_id = app.document_id  # type: ignore[attr-defined]
    if app.subject_type is SubjectType.business:
        from api.businesses.service import ensure_can_manage

        ensure_can_manage(actor, await app.business)
        return await _reopen(app, payload, document_id)
    tech = await app.technician
    ensure_applicant(actor, tech)
    if _key(tech, app.change_type, payload) != app.change_key:  # type: ignore[arg-type]
        raise Unprocessable.field(
            "payload", "a resubmission changes the same subject; apply anew for another", code="subject_changed"
        )
    await _check(tech, app.change_type, payload)  # type: ignore[arg-type]
    if file:
        document_id = (await store_document(actor=actor, tech=tech, raw=file, settings=settings, vault=vault)).id
    return await _reopen(app, payload, document_id)


async def _reopen(app: Application, payload: BaseModel, document_id: int | None) -> Application:
    updated = await Application.filter(id=app.id, status=ReviewStatus.returned).update(
        status=ReviewStatus.submitted,
        submitted_at=now(),
        document_id=document_id,
        payload=payload.model_dump(mode="json", exclude_unset=app.change_type in ("data", "business_data")),
    )
    if not updated:
        raise Conflict("Only a returned application can be resubmitted.", code="not_returned")
    await app.refresh_from_db()
    return app


async def _claim(app: Application, *, actor: Account, to: ReviewStatus, reasons: list[dict]) -> None:
    """The decision itself, once: a second (or concurrent) decision finds no submitted row."""
    values: dict[str, Any] = {
        "status": to,
        "return_reasons": reasons,
        "decided_at": now(),
        "decided_by_id": actor.id,
        "decisions": F("decisions") + 1,
    }
    if to is ReviewStatus.approved:
        values["change_key"] = None  # the subject is free for the next change
    if not await Application.filter(id=app.id, status=ReviewStatus.submitted).update(**values):
        raise Conflict("The application has already been decided.", code="already_decided")
    await app.refresh_from_db()


async def return_application(*, actor: Account, app: Application, data: ReturnIn) -> Application:
    from api.registration.review import _notify, app_out

    allowed = RETURNABLE[app.change_type]  # type: ignore[index]
    unknown = [r.field for r in data.reasons if r.field not in allowed]
    if unknown:
        raise Unprocessable.field(
            "reasons",
            f"unknown field(s) for a {app.change_type} change: {', '.join(unknown)}; "
            f"one of {', '.join(sorted(allowed))}",
            code="unknown_field",
        )
    before = app_out(app).model_dump(mode="json")
    await _claim(app, actor=actor, to=ReviewStatus.returned, reasons=[r.model_dump() for r in data.reasons])
    await audit.record(
        actor=actor,
        action="application.return",
        entity_type="application",
        entity_id=app.id,
        before=before,
        after=app_out(app).model_dump(mode="json"),
        reason="; ".join(f"{r.field}: {r.reason}" for r in data.reasons),
    )
    await _notify(app)
    return app


async def approve(*, actor: Account, app: Application) -> Application:
    from api.registration.review import _notify

    await _claim(app, actor=actor, to=ReviewStatus.approved, reasons=[])
    subject = await (app.business if app.subject_type is SubjectType.business else app.technician)
    before, after = await APPLY[app.change_type](subject, app)  # type: ignore[index]
    await audit.record(
        actor=actor,
        action=f"change.{app.change_type}.approve",
        entity_type=app.subject_type.value,
        entity_id=subject.id,
        before=before,
        after={**after, "application": app.id},
    )
    await _notify(app)
    return app


# --- applying an approved change ---------------------------------------------------------------------------------


def _plain(value: Any) -> Any:
    if hasattr(value, "model_dump"):
        return value.model_dump(mode="json")
    return value.isoformat() if hasattr(value, "isoformat") else value


async def _apply_qualification(tech: Technician, app: Application) -> tuple[dict, dict]:
    p = stored_payload("qualification", app.payload)
    values = {
        "acquired_on": p.acquired_on,  # type: ignore[attr-defined]
        "expires_on": p.expires_on,  # type: ignore[attr-defined]
        "certificate_id": app.document_id,  # type: ignore[attr-defined]
        "approved_at": now(),
    }
    q = await Qualification.get_or_none(technician=tech, code=p.code)
    before = (
        {}
        if q is None
        else {
            "code": q.code,
            "acquired_on": _plain(q.acquired_on),
            "expires_on": _plain(q.expires_on),
            "certificate": q.certificate_id,  # type: ignore[attr-defined]
        }
    )
    if q is None:
        await Qualification.create(technician=tech, code=p.code, **values)  # type: ignore[attr-defined]
    else:
        await Qualification.filter(id=q.id).update(**values)
    return before, {
        "code": p.code,  # type: ignore[attr-defined]
        "acquired_on": _plain(p.acquired_on),
        "expires_on": _plain(p.expires_on),  # type: ignore[attr-defined]
        "certificate": app.document_id,
    }


async def _apply_data(tech: Technician, app: Application) -> tuple[dict, dict]:
    changes = dict(app.payload["changes"])  # type: ignore[index]
    current = {k: getattr(tech, k) for k in IdentityFields.model_fields}
    merged = IdentityFields.model_validate({**current, **changes}, context=STORED)
    before, after = audit.diff(
        {k: _plain(current[k]) for k in changes}, {k: _plain(getattr(merged, k)) for k in changes}
    )
    for key in changes:
        value = getattr(merged, key)
        setattr(tech, key, value.model_dump() if hasattr(value, "model_dump") else value)
    # Only the changed fields: the row was read without a lock, and a whole-row save would write back what a
    # concurrent transaction committed meanwhile (a departure's employer, a withdrawn face consent).
    await tech.save(update_fields=[*changes, "updated_at"])
    return before, after


async def _apply_prior(tech: Technician, app: Application) -> tuple[dict, dict]:
    from api.registration.models import PriorExperience

    p = app.payload or {}
    # The overlap is checked again here, on the technician's row locked (the check at submission saw only approved
    # certificates): two applications for overlapping periods, both open, were both approved and their days counted
    # twice. The second approval now waits for the first and is refused; the refusal rolls back its claim.
    qs = Technician.filter(id=tech.id)
    await (qs.select_for_update() if is_pg() else qs).first()
    period_from, period_to = date.fromisoformat(p["period_from"]), date.fromisoformat(p["period_to"])
    if await PriorExperience.filter(
        technician=tech, trade=p["trade"], period_from__lte=period_to, period_to__gte=period_from
    ).exists():
        raise Conflict(
            "An approved 経歴証明書 already covers part of this period in this trade.", code="prior_period_overlaps"
        )
    await PriorExperience.create(
        technician=tech,
        trade=p["trade"],
        days=p["days"],
        period_from=period_from,
        period_to=period_to,
        certifier=p["certifier"],
        document_id=app.document_id,  # type: ignore[attr-defined]
        application_id=app.id,
        approved_at=now(),
    )
    return {}, {"prior_experience": p}


async def _apply_kaitai(tech: Technician, app: Application) -> tuple[dict, dict]:
    from api.registration.models import KaitaiEvidence

    p = app.payload or {}
    await KaitaiEvidence.create(
        technician=tech,
        kind=p["kind"],
        completed_on=date.fromisoformat(p["completed_on"]),
        document_id=app.document_id,  # type: ignore[attr-defined]
        application_id=app.id,
        approved_at=now(),
    )
    return {}, {"kaitai": p}


async def _apply_business(business: Business, app: Application) -> tuple[dict, dict]:
    changes = dict(app.payload["changes"])  # type: ignore[index]
    before, after = audit.diff({k: getattr(business, k) for k in changes}, changes)
    for key, value in changes.items():
        setattr(business, key, value)
    await business.save(update_fields=[*changes, "updated_at"])  # only these: see _apply_data
    return before, after


APPLY = {
    "qualification": _apply_qualification,
    "data": _apply_data,
    "prior_experience": _apply_prior,
    "kaitai": _apply_kaitai,
    "business_data": _apply_business,
}


async def history(*, tech: Technician) -> list[Application]:
    return await Application.filter(technician=tech, kind=ApplicationKind.change).order_by("-id")


async def get_change(*, pk: int) -> Application:
    app = await Application.get_or_none(id=pk, kind=ApplicationKind.change)
    if app is None:
        raise NotFound("No such change application.", code="change_application_not_found")
    return app
