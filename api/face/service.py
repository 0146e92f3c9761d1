"""Face check-in as the service uses it: consent, enrolment, the kiosk check-in, the review queue, deletion.

The engine (pool.py, matching.py) knows nothing of technicians or sites; this module decides whose faces a kiosk may
match (the site's roster and the employees of the businesses in its contract tree, with consent, registered), what a
recognised face with a high liveness risk gets (the site's policy), and what is kept (docs/face.md, Privacy).
"""

from __future__ import annotations

import base64
import hashlib
import io
from datetime import datetime, timedelta

from PIL import Image
from tortoise import connections
from tortoise.exceptions import IntegrityError
from tortoise.timezone import now
from tortoise.transactions import in_transaction

from api import sql
from api.accounts.models import Account, Role
from api.attendance import service as attendance
from api.attendance.models import Tap, TapMethod
from api.attendance.service import Candidate
from api.crypto import Vault
from api.devices.models import Device, DeviceKind
from api.errors import Conflict, Forbidden, NotFound, Unprocessable
from api.face import errors
from api.face.errors import FaceError
from api.face.matching import KnownFaces, distance
from api.face.models import CheckinOutcome, FaceCheckin, FaceEmbedding
from api.face.runtime import FaceRuntime
from api.face.schemas import CheckinItemOut, CheckinOut, FaceStatusOut, RecognisedOut
from api.face.sealing import known_faces_from_sealed, seal_evidence, seal_vector
from api.media.models import ImageKind, StoredImage
from api.media.service import FACE_KINDS, ImageCheck, request_enrolment
from api.businesses.models import Business
from api.registration import hooks as registration_hooks
from api.registration.models import Technician
from api.registration.service import store_image
from api.settings import Settings
from api.sites.models import Site

MAX_EXTRA_PHOTOS = 3
RETRYABLE = frozenset({errors.BUSY, errors.ENGINE_UNAVAILABLE})


# ---------------------------------------------------------------------------------------------------- enrolment


async def check_photo(*, face: FaceRuntime, data: bytes, field: str) -> None:
    """Refuse a face photo now, with the engine's sentence, rather than let the enrolment job fail later."""
    pool = await face.pool()
    try:
        await pool.enrol(data)
    except FaceError as exc:
        if exc.code in RETRYABLE:
            raise
        raise Unprocessable.field(field, exc.message, code=exc.code) from None


async def enrol(*, face: FaceRuntime, vault: Vault, technician_pk: int) -> int:
    """Compute the embeddings of the technician's face photos that are not stored yet (for the engine's model
    version), delete those of replaced photos or an older model. Returns how many rows are stored afterwards.

    Safe to run twice and to race a consent withdrawal: the write happens only if the consent read at the start is
    still the one in the database."""
    tech = await Technician.get_or_none(id=technician_pk)
    if tech is None or tech.face_consent_at is None:
        return 0
    consent = tech.face_consent_at
    images = sorted(
        await StoredImage.filter(technician=tech, kind__in=FACE_KINDS),
        key=lambda i: (i.kind is not ImageKind.face_photo, i.id),
    )
    if not images or images[0].kind is not ImageKind.face_photo:
        return 0
    pool = await face.pool()
    model = pool.model_version
    have = {(e.photo_sha256, e.model_version) for e in await FaceEmbedding.filter(technician=tech)}
    keep: set[tuple[str, str | None]] = set()
    new: list[FaceEmbedding] = []
    problem: str | None = None
    if all((i.sha256, model) in have for i in images):
        keep = {(i.sha256, model) for i in images}  # nothing new: only drop rows of replaced photos
    else:
        first_vector = None
        for n, img in enumerate(images):
            try:
                result = await pool.enrol(vault.open(img.sealed))
            except FaceError as exc:
                if exc.code in RETRYABLE:
                    raise  # the queue retries the job
                if n == 0:  # the registration photo itself is unusable: nothing of this person can be matched
                    problem, keep, new = exc.message, set(), []
                    break
                problem = f"追加写真 {n}: {exc.message}"
                continue
            if n == 0:
                first_vector = result.vector
            elif distance(first_vector, result.vector) > 0.5:  # type: ignore[arg-type]
                # Without this an extra photo of someone else would let that person check in as the technician.
                problem = f"追加写真 {n} は登録写真と同じ人に見えません。"
                continue
            keep.add((img.sha256, model))
            if (img.sha256, model) not in have:
                new.append(
                    FaceEmbedding(
                        technician=tech,
                        photo_sha256=img.sha256,
                        model_version=model,
                        sealed=seal_vector(vault, result.vector),
                    )
                )
    async with in_transaction("default"):
        current = await Technician.get_or_none(id=technician_pk).select_for_update()
        if current is None or current.face_consent_at != consent:
            return 0
        stale = [
            e.id for e in await FaceEmbedding.filter(technician=tech) if (e.photo_sha256, e.model_version) not in keep
        ]
        if stale:
            await FaceEmbedding.filter(id__in=stale).delete()
        stored = {(e.photo_sha256, e.model_version) for e in await FaceEmbedding.filter(technician=tech)}
        fresh = [e for e in new if (e.photo_sha256, e.model_version) not in stored]
        if fresh:
            await FaceEmbedding.bulk_create(fresh)
        await Technician.filter(id=technician_pk).update(face_error=problem)
        return await FaceEmbedding.filter(technician=tech).count()


_STALE = """
SELECT t.id AS id FROM technician t
WHERE t.face_consent_at IS NOT NULL
  -- a registration photo the engine refused stays refused until it changes (that enqueues its own job)
  AND (t.face_error IS NULL OR EXISTS (SELECT 1 FROM face_embedding o WHERE o.technician_id = t.id))
  AND EXISTS (SELECT 1 FROM stored_image i WHERE i.technician_id = t.id AND i.kind = 'face_photo')
  AND NOT EXISTS (SELECT 1 FROM face_embedding e WHERE e.technician_id = t.id AND e.model_version = ?)
ORDER BY t.id LIMIT ?
"""


async def stale_enrolments(*, model_version: str, limit: int) -> list[int]:
    """Consenting technicians with a usable photo and no embedding of this model version."""
    rows = await sql.fetch(connections.get("default"), _STALE, [model_version, limit])
    return [int(r["id"]) for r in rows]


# ---------------------------------------------------------------------------------------------------- consent


def _ensure_self(actor: Account, tech: Technician) -> None:
    if actor.role is not Role.technician or actor.technician_id != tech.id:  # type: ignore[attr-defined]
        raise Forbidden(
            "Only the technician can give or withdraw consent to face check-in.", code="consent_by_technician_only"
        )


async def set_consent(*, actor: Account, tech: Technician, consent: bool) -> Technician:
    _ensure_self(actor, tech)
    if consent:
        if tech.face_consent_at is None:
            tech.face_consent_at = now()
            await tech.save(update_fields=["face_consent_at", "updated_at"])
            await request_enrolment(tech=tech)
    elif tech.face_consent_at is not None or await FaceEmbedding.filter(technician=tech).exists():
        await forget(tech=tech)
    return tech


async def forget(*, tech: Technician) -> None:
    """Delete the technician's face data: embeddings, extra photos and the evidence images of their check-ins (the
    check-in rows stay, without the image, because the taps they made are part of the work record).

    The technician's row is written first: its lock, held to the end of the transaction, orders this after a
    check-in or an extra photo that locked it (their rows are then committed and deleted below) and before one that
    comes later (it sees no consent)."""
    await Technician.filter(id=tech.id).update(face_consent_at=None, face_error=None)
    await FaceEmbedding.filter(technician=tech).delete()
    await StoredImage.filter(technician=tech, kind=ImageKind.face_extra).delete()
    await FaceCheckin.filter(technician=tech, evidence_sealed__not_isnull=True).update(
        evidence_sealed=None, evidence_expires_at=None
    )
    tech.face_consent_at, tech.face_error = None, None


async def _consenting(tech_id: int) -> Technician | None:
    """The technician's row locked (PostgreSQL) and read again: None when consent is gone. A withdrawal (forget)
    committed meanwhile is seen; one still running waits for this transaction and then deletes what it wrote."""
    qs = Technician.filter(id=tech_id)
    current = await (qs.select_for_update() if sql.is_pg() else qs).first()
    return current if current is not None and current.face_consent_at is not None else None


@registration_hooks.employee_left.connect
async def forget_former_employee(*, tech: Technician, business: Business) -> None:
    """Connected to api.registration.hooks.employee_left: the consent was given for check-ins while employed there
    (a new employer asks again)."""
    await forget(tech=tech)


async def status(*, tech: Technician, face: FaceRuntime) -> FaceStatusOut:
    rows = await FaceEmbedding.filter(technician=tech).values_list("model_version", flat=True)
    extras = await StoredImage.filter(technician=tech, kind=ImageKind.face_extra).count()
    current = face.model_version
    usable = [m for m in rows if current is None or m == current]
    return FaceStatusOut(
        consent=tech.face_consent_at is not None,
        consent_at=tech.face_consent_at,
        enrolled=bool(usable),
        embeddings=len(rows),
        extra_photos=extras,
        model_version=rows[0] if rows else None,
        error=tech.face_error,
    )


async def add_extra_photo(
    *, actor: Account, tech: Technician, data: bytes, check: ImageCheck | None, settings: Settings, vault: Vault
) -> Technician:
    _ensure_self(actor, tech)
    if await _consenting(tech.id) is None:  # locked: a withdrawal at this moment deletes this photo or refuses it
        raise Conflict("Consent to face check-in first.", code="no_face_consent")
    if await StoredImage.filter(technician=tech, kind=ImageKind.face_extra).count() >= MAX_EXTRA_PHOTOS:
        raise Conflict(f"At most {MAX_EXTRA_PHOTOS} extra photos; delete them to start again.", code="too_many_photos")
    await store_image(
        actor=actor,
        tech=tech,
        kind=ImageKind.face_extra,
        raw=data,
        settings=settings,
        vault=vault,
        editable_check=False,
        check=check,
    )
    await request_enrolment(tech=tech)
    return tech


async def delete_extra_photos(*, actor: Account, tech: Technician) -> Technician:
    _ensure_self(actor, tech)
    await StoredImage.filter(technician=tech, kind=ImageKind.face_extra).delete()
    await request_enrolment(tech=tech)  # the job drops the embeddings of photos that are gone
    return tech


def photo_checker(face: FaceRuntime, settings: Settings) -> ImageCheck | None:
    """The upload-time check of a face photo, unless switched off (tests whose photos are drawn)."""
    if not settings.face_check_uploads:
        return None

    async def check(data: bytes, field: str) -> None:
        await check_photo(face=face, data=data, field=field)

    return check


# ---------------------------------------------------------------------------------------------------- check-in

_WHOSE = """
SELECT e.id AS id, e.technician_id AS tech FROM face_embedding e JOIN technician t ON t.id = e.technician_id
WHERE e.model_version = ? AND t.face_consent_at IS NOT NULL AND t.technician_id IS NOT NULL
  AND (t.id IN (SELECT technician_id FROM roster_entry WHERE site_id = ? AND active = {true})
       OR t.employer_id IN (SELECT business_id FROM site_contract WHERE site_id = ? AND status = 'approved'))
ORDER BY e.id
"""


async def known_faces(*, face: FaceRuntime, site: Site, vault: Vault, model_version: str) -> KnownFaces:
    """The faces a kiosk on this site may match: the roster and the employees of the contract tree, with consent.

    One cheap query names the embeddings; only when that set changed are they fetched and opened (≈20 µs each)."""
    conn = connections.get("default")
    rows = await sql.fetch(conn, _WHOSE, [model_version, site.id, site.id])
    ids = [int(r["id"]) for r in rows]
    key = f"{model_version}:{hashlib.sha1(','.join(map(str, ids)).encode()).hexdigest()}"
    cached = face.cached(site.id, key)
    if cached is not None:
        return cached
    sealed = dict(await FaceEmbedding.filter(id__in=ids).values_list("id", "sealed")) if ids else {}
    known = known_faces_from_sealed(
        vault,
        ((int(r["tech"]), sealed[int(r["id"])]) for r in rows if int(r["id"]) in sealed),
        model_version=model_version,
        key=key,
    )
    face.remember(site.id, known)
    return known


_MESSAGES = {
    "accepted": "{name} さん、就業を記録しました。",
    "review": "{name} さん、記録しました。現場管理者の確認後に確定します。",
    "needs_card": "{name} さん、カードもタッチしてください。",
    "not_recognised": "顔を認識できませんでした。もう一度お試しいただくか、カードをタッチしてください。",
    "ambiguous": "本人を特定できませんでした。カードをタッチしてください。",
    "rejected": "{name} さんを確認しましたが、就業は記録されませんでした（{reason}）。",
}


async def check_in(
    *,
    face: FaceRuntime,
    device: Device,
    frames: list[bytes],
    idempotency_key: str,
    device_time: datetime,
    settings: Settings,
    vault: Vault,
) -> CheckinOut:
    if device.kind is not DeviceKind.kiosk:
        raise Forbidden("Face check-in is for kiosk devices; card readers upload taps.", code="not_a_kiosk")
    key = f"d{device.id}:{idempotency_key}"
    if (done := await FaceCheckin.get_or_none(idempotency_key=key)) is not None:
        return await _out(done, vault=vault, duplicate=True)
    site = await Site.get(id=device.site_id)  # type: ignore[attr-defined]  # fresh: the face settings may change
    pool = await face.pool()
    known = await known_faces(face=face, site=site, vault=vault, model_version=pool.model_version or "")
    result = await pool.check_in(frames, known, threshold=site.face_threshold, margin=settings.face_margin)
    outcome = CheckinOutcome(result.status)
    if result.status == "accepted" and result.liveness_risk >= settings.face_risk_limit:
        outcome = {"accept": CheckinOutcome.accepted, "card": CheckinOutcome.needs_card}.get(
            site.face_policy, CheckinOutcome.review
        )
    tech = await Technician.get(id=result.ident) if result.ident is not None else None
    recognised = outcome in (CheckinOutcome.accepted, CheckinOutcome.review, CheckinOutcome.needs_card)
    try:
        async with in_transaction("default"):
            if tech is not None and recognised and await _consenting(tech.id) is None:
                # Consent withdrawn while the frames were matched: this face is no longer one to recognise, and no
                # evidence image of it is kept (the person can tap their card).
                tech, recognised, outcome = None, False, CheckinOutcome.not_recognised
            checkin = await FaceCheckin.create(
                site=site,
                device=device,
                technician=tech,
                outcome=outcome,
                distance=result.distance,
                second_distance=result.second_distance,
                liveness_risk=result.liveness_risk,
                model_version=result.model_version,
                device_time=device_time,
                idempotency_key=key,
                evidence_sealed=seal_evidence(vault, result.evidence_jpeg)
                if recognised and result.evidence_jpeg
                else None,
                evidence_expires_at=now() + timedelta(days=settings.face_evidence_days) if recognised else None,
            )
            if outcome is CheckinOutcome.accepted and tech is not None:
                checkin.tap_id = await _record_tap(
                    checkin=checkin, site=site, tech=tech, source_key=key, settings=settings
                )
                await checkin.save(update_fields=["tap_id"])
    except IntegrityError:  # the same key from a retry that raced this one: answer with what it stored
        return await _out(await FaceCheckin.get(idempotency_key=key), vault=vault, duplicate=True)
    return await _out(checkin, vault=vault, tech=tech)


async def _record_tap(
    *, checkin: FaceCheckin, site: Site, tech: Technician, source_key: str, settings: Settings
) -> int | None:
    await attendance.ingest(
        candidates=[
            Candidate(
                index=0,
                client_key=source_key,
                source_key=source_key,
                site=site,
                technician_code=tech.technician_id or "",
                method=TapMethod.face,
                device_time=checkin.device_time,
                device_id=checkin.device_id,  # type: ignore
            )
        ],
        master_keys=settings.card_keys(),
        received_at=now(),
    )
    tap = await Tap.get_or_none(source_key=source_key)
    return tap.id if tap else None


async def _out(c: FaceCheckin, *, vault: Vault, tech: Technician | None = None, duplicate: bool = False) -> CheckinOut:
    if tech is None and c.technician_id:  # type: ignore[attr-defined]
        tech = await Technician.get_or_none(id=c.technician_id)  # type: ignore[attr-defined]
    tap = await Tap.get_or_none(id=c.tap_id) if c.tap_id else None
    name = f"{tech.family_name} {tech.given_name}" if tech else ""
    kind = c.outcome.value
    if tap is not None and tap.reject_reason:
        kind = "rejected"
    message = _MESSAGES[kind].format(name=name, reason=tap.reject_reason if tap else "")
    recognised = None
    if tech is not None and c.outcome in (CheckinOutcome.accepted, CheckinOutcome.review, CheckinOutcome.needs_card):
        recognised = RecognisedOut(
            pk=tech.id, technician_id=tech.technician_id or "", name=name, photo=await _thumbnail(tech, vault)
        )
    return CheckinOut(
        id=c.id,
        outcome=c.outcome.value,
        message=message,
        technician=recognised,
        tap_status=tap.status.value if tap else None,
        reject_reason=tap.reject_reason if tap else None,
        distance=c.distance,
        liveness_risk=c.liveness_risk,
        duplicate=duplicate,
    )


async def _thumbnail(tech: Technician, vault: Vault, side: int = 160) -> str | None:
    data = await thumbnail_bytes(tech, vault, side=side)
    return "data:image/jpeg;base64," + base64.b64encode(data).decode() if data else None


async def thumbnail_bytes(tech: Technician, vault: Vault, *, side: int) -> bytes | None:
    """The registered face photo, shrunk: enough to recognise someone, not a copy of the original."""
    img = await StoredImage.filter(technician=tech, kind=ImageKind.face_photo).order_by("-id").first()
    if img is None:
        return None
    with Image.open(io.BytesIO(vault.open(img.sealed))) as im:
        im.thumbnail((side, side))
        out = io.BytesIO()
        im.convert("RGB").save(out, format="JPEG", quality=80)
    return out.getvalue()


# ---------------------------------------------------------------------------------------------------- review


async def list_checkins(*, site: Site, outcome: str | None, undecided: bool, limit: int) -> list[CheckinItemOut]:
    qs = FaceCheckin.filter(site=site).select_related("technician").order_by("-id")
    if outcome:
        qs = qs.filter(outcome=outcome)
    if undecided:
        qs = qs.filter(reviewed_at__isnull=True)
    return [_item(c) for c in await qs.limit(limit)]


def _item(c: FaceCheckin) -> CheckinItemOut:
    t = c.technician
    return CheckinItemOut(
        id=c.id,
        outcome=c.outcome.value,
        technician_pk=t.id if t else None,
        technician_id=t.technician_id if t else None,
        name=f"{t.family_name} {t.given_name}" if t else None,
        distance=c.distance,
        second_distance=c.second_distance,
        liveness_risk=c.liveness_risk,
        device_time=c.device_time,
        created_at=c.created_at,
        has_evidence=c.evidence_sealed is not None,
        tap_id=c.tap_id,
        approved=c.approved,
        reviewed_at=c.reviewed_at,
    )


async def get_checkin(*, site: Site, pk: int) -> FaceCheckin:
    c = await FaceCheckin.get_or_none(id=pk, site=site).select_related("technician")
    if c is None:
        raise NotFound("No such check-in on this site.", code="checkin_not_found")
    return c


async def decide(*, actor: Account, site: Site, pk: int, approve: bool, settings: Settings) -> CheckinItemOut:
    c = await get_checkin(site=site, pk=pk)
    if c.outcome is not CheckinOutcome.review:
        raise Conflict("Only check-ins in the review queue are decided.", code="not_in_review")
    if c.reviewed_at is not None:
        raise _decided_already()
    # Once: the decision is a conditional write (`… WHERE reviewed_at IS NULL`); a concurrent decision waits on the
    # row and then matches nothing. Only the winner records the tap (whose source key is unique besides).
    c.approved, c.reviewed_by_id, c.reviewed_at = approve, actor.id, now()
    if not await FaceCheckin.filter(id=c.id, outcome=CheckinOutcome.review, reviewed_at__isnull=True).update(
        approved=c.approved, reviewed_by_id=c.reviewed_by_id, reviewed_at=c.reviewed_at
    ):
        raise _decided_already()
    if approve and c.technician is not None:
        c.tap_id = await _record_tap(
            checkin=c, site=site, tech=c.technician, source_key=f"face-review:{c.id}", settings=settings
        )
        await FaceCheckin.filter(id=c.id).update(tap_id=c.tap_id)
    return _item(c)


def _decided_already() -> Conflict:
    return Conflict("This check-in has already been decided.", code="already_decided")


async def set_site_settings(*, site: Site, threshold: float, policy: str) -> Site:
    site.face_threshold, site.face_policy = threshold, policy
    await site.save(update_fields=["face_threshold", "face_policy"])
    return site


# ---------------------------------------------------------------------------------------------------- retention


async def purge_evidence(*, at: datetime) -> int:
    """Evidence images past their retention period are deleted (the check-in row and its tap stay)."""
    return await FaceCheckin.filter(evidence_expires_at__lt=at, evidence_sealed__not_isnull=True).update(
        evidence_sealed=None, evidence_expires_at=None
    )
