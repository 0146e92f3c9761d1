"""Applications and their review: submitted → returned (per-field reasons) → resubmitted → approved.

Approval of a technician's new registration issues the 14-digit technician_id and a card (the
cards domain issues it on the `card_due` hook, api/registration/hooks.py); approval of an upgrade
makes the registration 詳細型. Every operator decision and correction goes into the audit trail.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from tortoise import connections
from tortoise.exceptions import IntegrityError
from tortoise.expressions import F, Q
from tortoise.timezone import now

from api import db
from api.accounts.models import Account, Role
from api.audit import service as audit
from api.registration import fees
from api.businesses.models import Business, ReviewStatus
from api.errors import Conflict, NotFound, Unprocessable
from api.ids import new_ccus_id
from api.media.models import ImageKind
from api.registration import changes, hooks, renewal
from api.registration.corrections import require_reason
from api.registration.models import Application, ApplicationKind, Qualification, SubjectType, Technician, Tier
from api.settings import Settings
from api.registration.schemas import (
    ApplicationOut,
    CorrectionIn,
    FiledByOut,
    IdentityFields,
    ReturnIn,
    TechnicianOut,
)
from api.sql import fetch, is_pg
from api.timeutil import today_jst

# Fields an operator may name when returning an application (besides the data fields themselves).
_EXTRA_FIELDS = {
    "photo",
    "id_document",
    "qualifications",
    "detailed",
    "corporate_number",
    "capital_yen",
    "permit_number",
    "permitted_industries",
    "name",
    "name_kana",
}
RETURNABLE_FIELDS = set(TechnicianOut.model_fields) | _EXTRA_FIELDS
# Who files a 代行申請: the employer, or a registration agent (api/agents).
_PROXIES = frozenset({Role.business_admin, Role.registration_agent})


# Who filed an application for its applicant, by application id: registered by api/agents, which imports this domain
# (so this one cannot import it back).
_FILED_BY: list[Callable[[list[int]], Awaitable[dict[int, FiledByOut]]]] = []


def register_filed_by(fn: Callable[[list[int]], Awaitable[dict[int, FiledByOut]]]) -> None:
    _FILED_BY.append(fn)


async def filed_by(app_ids: list[int]) -> dict[int, FiledByOut]:
    out: dict[int, FiledByOut] = {}
    for fn in _FILED_BY:
        out.update(await fn(app_ids))
    return out


def app_out(a: Application) -> ApplicationOut:
    return ApplicationOut(
        id=a.id,
        subject_type=a.subject_type.value,
        technician_pk=a.technician_id,  # type: ignore[attr-defined]
        business_pk=a.business_id,
        kind=a.kind.value,
        proxy=a.proxy,
        status=a.status.value,
        return_reasons=a.return_reasons,
        submitted_at=a.submitted_at,
        decided_at=a.decided_at,
        change_type=a.change_type,
        payload=a.payload,
        has_document=a.document_id is not None,  # type: ignore[attr-defined]
        priced_on=a.priced_on,
        fee_yen=a.fee_yen,
    )


def _price(app: Application, subject, on) -> None:
    """Price the application on `on` (its first submission day) and keep the quote on it (api/registration/fees.py)."""
    q = fees.application_quote(app=app, subject=subject, on=on)
    app.priced_on, app.fee_yen = on, (q.amount_yen if q else None)


async def submit_business_application(*, business: Business) -> Application:
    app = Application(
        subject_type=SubjectType.business, business=business, kind=ApplicationKind.new, submitted_at=now()
    )
    _price(app, business, today_jst())
    await app.save()
    return app


async def submit(*, actor: Account, tech: Technician, kind: ApplicationKind) -> Application:
    """Once per technician: the technician's row is locked first, so a second application sent at the same moment
    waits and then sees the first one open; the partial unique index `application_one_open_technician` (migration
    0017) holds even without the lock."""
    if kind is ApplicationKind.renewal:
        return await _submit_renewal(actor=actor, tech=tech)
    if is_pg():
        await Technician.filter(id=tech.id).select_for_update().first()
        await tech.refresh_from_db()
    if await Application.filter(
        technician=tech,
        status__in=[ReviewStatus.submitted, ReviewStatus.returned],
        kind__in=[ApplicationKind.new, ApplicationKind.upgrade],
    ).exists():
        raise _open_already()
    if kind is ApplicationKind.new:
        if tech.status is not ReviewStatus.draft:
            raise Conflict("This technician has already applied.", code="already_applied")
        await _require_documents(tech)
    else:
        if tech.status is not ReviewStatus.approved or tech.tier is not Tier.simplified:
            raise Conflict("Only an approved 簡略型 registration can be upgraded to 詳細型.", code="not_upgradable")
        if not tech.detailed:
            raise Unprocessable.field(
                "detailed", "fill in the 詳細型 data before applying for the upgrade", code="detailed_data_required"
            )
    tech_status = ReviewStatus.submitted if kind is ApplicationKind.new else tech.status
    tech.status = tech_status
    await tech.save(update_fields=["status", "updated_at"])
    app = Application(
        subject_type=SubjectType.technician,
        technician=tech,
        kind=kind,
        submitted_at=now(),
        proxy=actor.role in _PROXIES,
    )
    _price(app, tech, today_jst())
    try:
        await app.save()
    except IntegrityError:  # a refusal (the whole request rolls back), never taken for success
        raise _open_already() from None
    return app


def _open_already() -> Conflict:
    return Conflict("An application is already open; resubmit that one.", code="application_open")


async def _submit_renewal(*, actor: Account, tech: Technician) -> Application:
    """登録更新 (api/registration/renewal.py): from 6 months before expiry; one open renewal per technician (the
    unique change_key, so two sent at once make one)."""
    today = today_jst()
    await renewal.check_can_renew(tech=tech, today=today)
    app = Application(
        subject_type=SubjectType.technician,
        technician=tech,
        kind=ApplicationKind.renewal,
        submitted_at=now(),
        proxy=actor.role in _PROXIES,
        change_key=renewal.renewal_key(tech),
    )
    _price(app, tech, today)
    try:
        await app.save()
    except IntegrityError:
        raise Conflict("A renewal is already open; resubmit that one.", code="renewal_open") from None
    return app


async def _require_documents(tech: Technician) -> None:
    from api.registration.service import image_kinds

    kinds = await image_kinds(tech)
    missing = []
    if ImageKind.face_photo not in kinds:
        missing.append({"field": "photo", "message": "a face photo is required"})
    if tech.has_identity_document and ImageKind.id_document not in kinds:
        missing.append({"field": "id_document", "message": "upload the identity document, or declare you have none"})
    if missing:
        raise Unprocessable("The application is incomplete.", code="incomplete_application", fields=missing)


async def resubmit(*, app: Application) -> Application:
    if app.status is not ReviewStatus.returned:
        raise _not_returned()
    tech = await app.technician if app.subject_type is SubjectType.technician else None
    if tech is not None and app.kind is ApplicationKind.new:
        await _require_documents(tech)
    # Once: returned → submitted is a conditional write; a second resubmission at the same moment matches no row.
    if not await Application.filter(id=app.id, status=ReviewStatus.returned).update(
        status=ReviewStatus.submitted, submitted_at=now()
    ):
        raise _not_returned()
    await app.refresh_from_db()
    if tech is not None:
        if app.kind is ApplicationKind.new:
            tech.status = ReviewStatus.submitted
            await tech.save(update_fields=["status", "updated_at"])
    else:
        business = await app.business
        business.status = ReviewStatus.submitted
        await business.save(update_fields=["status", "updated_at"])
    # The first submission's pricing date is kept (docs/billing.md §4); the fee is requoted on it, as the returned
    # data (tier, capital) may have changed.
    subject = tech if tech is not None else await app.business
    _price(app, subject, fees.pricing_date(app))
    await app.save(update_fields=["priced_on", "fee_yen"])
    return app


def _not_returned() -> Conflict:
    return Conflict("Only a returned application can be resubmitted.", code="not_returned")


async def get_application(*, pk: int) -> Application:
    app = await Application.get_or_none(id=pk)
    if app is None:
        raise NotFound("No such application.", code="application_not_found")
    return app


_SEARCHED = (
    "technician__family_name",
    "technician__given_name",
    "technician__family_name_kana",
    "technician__given_name_kana",
    "technician__technician_id",
    "business__name",
    "business__name_kana",
    "business__business_id",
)


def _queue(*, status: str, subject_type: str | None, q: str | None):
    qs = Application.filter(status=status)
    if subject_type:
        qs = qs.filter(subject_type=subject_type)
    # Each word of the search matches a name (kanji or kana) or an ID of the applicant: "山田 太郎" finds 山田 太郎.
    for word in (q or "").split()[:5]:
        any_field = Q()
        for name in _SEARCHED:
            any_field |= Q(**{f"{name}__icontains": word})
        qs = qs.filter(any_field)
    return qs


async def review_queue(
    *, status: str, subject_type: str | None, limit: int, offset: int = 0, q: str | None = None
) -> list[Application]:
    qs = _queue(status=status, subject_type=subject_type, q=q)
    return await qs.order_by("submitted_at", "id").offset(offset).limit(limit)


async def review_queue_page(
    *, status: str, subject_type: str | None, limit: int, offset: int, q: str | None
) -> tuple[list[Application], int]:
    """One page of the queue, oldest first, and how many match in all (for the pager)."""
    items = await review_queue(status=status, subject_type=subject_type, limit=limit, offset=offset, q=q)
    return items, await _queue(status=status, subject_type=subject_type, q=q).count()


def _ensure_open(app: Application) -> None:
    if app.status is not ReviewStatus.submitted:
        raise _decided_already(app.status)


def _decided_already(status: ReviewStatus | None = None) -> Conflict:
    state = f" ({status.value})" if status else ""
    return Conflict(
        f"The application has already been decided{state}; only a submitted one can be decided.", code="already_decided"
    )


async def _claim(app: Application, *, actor: Account, to: ReviewStatus, reasons: list[dict]) -> None:
    """The decision itself, once: `UPDATE … WHERE status = 'submitted'`. A concurrent decision waits on the row and
    then matches nothing (409 already_decided); whatever the decision does next (IDs, card, fee, audit, notice)
    runs only in the request that made it, and a refusal after the claim rolls the claim back with everything."""
    values: dict[str, Any] = {
        "status": to,
        "return_reasons": reasons,
        "decided_at": now(),
        "decided_by_id": actor.id,
        "decisions": F("decisions") + 1,
    }
    if not await Application.filter(id=app.id, status=ReviewStatus.submitted).update(**values):
        raise _decided_already()
    await app.refresh_from_db()


async def return_application(*, actor: Account, app: Application, data: ReturnIn) -> Application:
    if app.kind is ApplicationKind.change:
        return await changes.return_application(actor=actor, app=app, data=data)
    _ensure_open(app)
    unknown = [r.field for r in data.reasons if r.field not in RETURNABLE_FIELDS]
    if unknown:
        raise Unprocessable.field("reasons", f"unknown field(s): {', '.join(unknown)}", code="unknown_field")
    before = app_out(app).model_dump(mode="json")
    await _claim(app, actor=actor, to=ReviewStatus.returned, reasons=[r.model_dump() for r in data.reasons])
    subject = await (app.technician if app.subject_type is SubjectType.technician else app.business)
    if app.kind is ApplicationKind.new:
        subject.status = ReviewStatus.returned
        await subject.save(update_fields=["status", "updated_at"])
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


async def approve(*, actor: Account, app: Application, settings: Settings) -> Application:
    """`settings`: the newest master-key version for a new card, and the issuer's 登録番号 (a technician without an
    employer is invoiced at once: on PostgreSQL with the placeholder number the approval is refused, 409
    `invoice_issuer_number_placeholder`, and nothing is written — api/billing/issuer.py).

    The application is claimed with a conditional write (submitted → approved) before anything is issued or charged:
    of two approvals sent at once exactly one issues the ID, the card and the charge; the other answers 409."""
    if app.kind is ApplicationKind.change:
        return await changes.approve(actor=actor, app=app)
    _ensure_open(app)
    card_key_version = settings.card_keys().newest
    before = app_out(app).model_dump(mode="json")
    await _claim(app, actor=actor, to=ReviewStatus.approved, reasons=[])
    business = tech = None
    if app.subject_type is SubjectType.business:
        business = await app.business
        if business.corporate_number_claim:
            holder = await Business.get_or_none(corporate_number=business.corporate_number_claim)
            if holder is not None:
                raise Conflict(
                    f"事業者ID {holder.business_id} already holds this 法人番号: return this application "
                    "(the firm's 事業者責任者 can add 管理者ID there).",
                    code="duplicate_business",
                )
    else:
        tech = await app.technician
        if app.kind is ApplicationKind.new:
            from api.registration.service import registered_twin

            if is_pg():
                # Two applications of one person approved at the same moment: each waits for the other's approval
                # to commit before it looks for a twin, so the second one finds the first.
                await fetch(
                    connections.get("default"),
                    "SELECT pg_advisory_xact_lock(hashtext(?))",
                    [f"technician-twin:{tech.family_name_kana}:{tech.given_name_kana}:{tech.birth_date}:{tech.phone}"],
                )
            twin = await registered_twin(tech)
            if twin is not None:
                raise Conflict(
                    f"技能者ID {twin.technician_id} has the same name, birth date and phone: return this "
                    "application (the person logs in with that registration).",
                    code="duplicate_technician",
                )
    if app.change_key is not None:  # an approved renewal is no longer the open one: a later renewal may open
        await Application.filter(id=app.id).update(change_key=None)
        app.change_key = None
    today = today_jst()
    if business is not None:
        business.status, business.approved_at = ReviewStatus.approved, now()
        await business.save(update_fields=["status", "approved_at", "updated_at"])
        # A placeholder entered for this 法人番号 by a prime (a missing upper tier) becomes this business, once.
        await hooks.business_approved(business=business)
    else:
        assert tech is not None
        if app.kind is ApplicationKind.new:
            tech.technician_id = await _unique_technician_id()
            tech.status, tech.registered_on = ReviewStatus.approved, today
            await tech.save(update_fields=["technician_id", "status", "registered_on", "updated_at"])
            # cards: the new registration's card (api/cards/service.py)
            await hooks.card_due(tech=tech, issued_on=today, key_version=card_key_version, valid_until=None)
        elif app.kind is ApplicationKind.renewal:
            # The next period: from the current expiry, not from today, so renewing early loses nothing. The current
            # card stays valid to its own expiry (the holder taps with it until the new one arrives).
            old_expiry = await renewal.registration_expiry(tech)
            assert old_expiry is not None  # a renewal is only accepted for a registration with a card
            await hooks.card_due(
                tech=tech,
                issued_on=today,
                key_version=card_key_version,
                valid_until=renewal.next_expiry(tech=tech, old_expiry=old_expiry),
            )
        else:
            tech.tier = Tier.detailed
            await tech.save(update_fields=["tier", "updated_at"])
        # The qualifications reviewed with this application count from now on (api/registration/changes.py).
        await Qualification.filter(technician=tech, approved_at=None).update(approved_at=now())
    await audit.record(
        actor=actor,
        action="application.approve",
        entity_type="application",
        entity_id=app.id,
        before=before,
        after=app_out(app).model_dump(mode="json"),
    )
    # billing: the registration fees, and an immediate invoice checked against the issuer's 登録番号
    await hooks.application_approved(app=app, settings=settings)
    await _notify(app)
    return app


async def _notify(app: Application) -> None:
    await db.defer_job(
        "notify_application_decision",
        app.id,
        app.decisions,
        app.status.value,
        job_id=f"notify-application:{app.id}:{app.decisions}",
    )


async def _unique_technician_id() -> str:
    while True:
        candidate = new_ccus_id()
        if not await Technician.filter(technician_id=candidate).exists():
            return candidate


async def correct(*, actor: Account, tech: Technician, data: CorrectionIn) -> Technician:
    """An operator's data correction (seed 000 No.71): any status, always with a reason, always audited."""
    reason = require_reason(data.reason)
    changes = data.changes.model_dump(exclude_unset=True, mode="json")
    if not changes:
        raise Unprocessable.field("changes", "nothing to change", code="nothing_to_change")
    current = {k: getattr(tech, k) for k in IdentityFields.model_fields}
    merged = IdentityFields.model_validate({**current, **data.changes.model_dump(exclude_unset=True)})
    before, after = audit.diff(
        {k: _jsonable(current[k]) for k in changes}, {k: _jsonable(getattr(merged, k)) for k in changes}
    )
    for key in changes:
        value = getattr(merged, key)
        setattr(tech, key, value.model_dump() if hasattr(value, "model_dump") else value)
    # Only the corrected fields: a whole-row save would write back what a concurrent transaction committed since
    # the row was read (a departure's employer, a withdrawn face consent).
    await tech.save(update_fields=[*changes, "updated_at"])
    await audit.record(
        actor=actor,
        action="technician.correct",
        entity_type="technician",
        entity_id=tech.id,
        before=before,
        after=after,
        reason=reason,
    )
    return tech


def _jsonable(value):
    if hasattr(value, "model_dump"):
        return value.model_dump(mode="json")
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return value
