"""Phone check-in (docs/phone.md): the technician's own phone, checked against the site's fence, accuracy limit, gate
code, travel speed and (optionally) a selfie, then recorded as a tap with method `phone` through the attendance
ingest — the same idempotency, window, contract tree and pending-employer rules as every other tap."""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
from datetime import UTC, datetime, timedelta

from tortoise import connections
from tortoise.exceptions import IntegrityError
from tortoise.timezone import now
from tortoise.transactions import in_transaction

from api import sql
from api.accounts.models import Account
from api.attendance import service as attendance
from api.attendance.models import Tap, TapMethod
from api.attendance.service import Candidate
from api.audit.service import record
from api.errors import Conflict, Forbidden, NotFound, Unprocessable
from api.phone import geo, qr
from api.phone.models import PhoneCheckin, PhoneOutcome, PhoneSettings
from api.phone.schemas import (
    PhoneCheckinIn,
    PhoneCheckinOut,
    PhoneItemOut,
    PhonePolicy,
    PhoneSettingsIn,
    PhoneSettingsOut,
    Reason,
)
from api.registration.models import Technician
from api.settings import Settings
from api.sites.models import RosterEntry, Site
from api.sites.schemas import Geofence
from api.timeutil import JST

FUTURE_TOLERANCE = timedelta(minutes=5)  # the same clock drift a reader's tap is allowed
# An unsigned check-in says nothing its phone did not just measure: it must arrive live. Kept offline, a check-in is
# signed by the phone's enrolled key and may arrive until the late-upload deadline.
LIVE_LIMIT = timedelta(minutes=10)
TRAVEL_MIN_SECONDS = 60  # two check-ins a few seconds apart measure GPS noise, not speed


# ---------------------------------------------------------------------------------------------------- settings


def settings_out(site: Site, ps: PhoneSettings | None) -> PhoneSettingsOut:
    geofence = None
    if site.geofence_lat is not None and site.geofence_lon is not None and site.geofence_radius_m is not None:
        geofence = Geofence(lat=site.geofence_lat, lon=site.geofence_lon, radius_m=site.geofence_radius_m)
    return PhoneSettingsOut(
        enabled=ps is not None,
        geofence=geofence,
        polygon=ps.polygon if ps else None,
        max_accuracy_m=ps.max_accuracy_m if ps else 50,
        policy=PhonePolicy(**ps.policy) if ps else PhonePolicy(),
        selfie_required=ps.selfie_required if ps else False,
    )


async def get_settings(*, site: Site) -> PhoneSettingsOut:
    return settings_out(site, await PhoneSettings.get_or_none(site=site))


async def put_settings(*, actor: Account, site: Site, data: PhoneSettingsIn) -> PhoneSettingsOut:
    before = (await get_settings(site=site)).model_dump(mode="json")
    if data.geofence is not None:
        site.geofence_lat, site.geofence_lon, site.geofence_radius_m = (
            data.geofence.lat,
            data.geofence.lon,
            data.geofence.radius_m,
        )
        await site.save(update_fields=["geofence_lat", "geofence_lon", "geofence_radius_m"])
    values = {
        "polygon": data.polygon,
        "max_accuracy_m": data.max_accuracy_m,
        "policy": data.policy.model_dump(),
        "selfie_required": data.selfie_required,
    }
    # One row per site (the unique site_id); the upsert leaves no window for two first saves to collide.
    await sql.execute(
        connections.get("default"),
        "INSERT INTO phone_settings (site_id, polygon, max_accuracy_m, policy, selfie_required, updated_at) "
        "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (site_id) DO UPDATE SET polygon = excluded.polygon, "
        "max_accuracy_m = excluded.max_accuracy_m, policy = excluded.policy, "
        "selfie_required = excluded.selfie_required, updated_at = excluded.updated_at",
        [
            site.id,
            json.dumps(values["polygon"]) if values["polygon"] else None,
            values["max_accuracy_m"],
            json.dumps(values["policy"]),
            values["selfie_required"],
            now(),
        ],
    )
    out = await get_settings(site=site)
    await record(
        actor=actor,
        action="phone.settings",
        entity_type="site",
        entity_id=site.site_id,
        before=before,
        after=out.model_dump(mode="json"),
    )
    return out


def fence_distance(site: Site, ps: PhoneSettings, lat: float, lon: float) -> float:
    if ps.polygon:
        return geo.distance_to_polygon((lat, lon), ps.polygon)
    return geo.distance_to_circle(
        (lat, lon),
        (site.geofence_lat, site.geofence_lon),  # type: ignore[arg-type]
        float(site.geofence_radius_m or 0),
    )


# ---------------------------------------------------------------------------------------------------- check-in


def _fingerprint(body: PhoneCheckinIn, signed_by: int | None) -> str:
    parts = (
        body.site_id,
        body.qr,
        body.direction,
        body.client_time.astimezone(UTC).isoformat(),
        body.lat,
        body.lon,
        body.accuracy_m,
        hashlib.sha256((body.selfie or "").encode()).hexdigest(),
        body.nonce,
        signed_by,
    )
    return hashlib.sha256(json.dumps(parts, default=str).encode()).hexdigest()


async def _own_technician(actor: Account) -> Technician:
    tech = await Technician.get_or_none(id=actor.technician_id)  # type: ignore[attr-defined]
    if tech is None:
        raise Forbidden("Phone check-in is for a technician's own account.", code="technician_account_required")
    return tech


async def _resolve_site(body: PhoneCheckinIn, *, settings: Settings) -> tuple[Site, qr.GateCode | None, list[Reason]]:
    reasons: list[Reason] = []
    code = None
    if body.qr is not None:
        code = qr.verify(qr.qr_key(settings.secret("data_key")), body.qr)
        if code is None:
            raise Unprocessable.field(
                "qr",
                "This is not a gate code of OpenCCUS (or it was altered). Scan the code "
                "posted at the site's gate again.",
                code="qr_invalid",
            )
    site_id = body.site_id or (code.site_id if code else None)
    if site_id is None:
        raise Unprocessable.field(
            "site_id", "Pick a site from your roster or scan the gate code.", code="site_required"
        )
    site = await Site.get_or_none(site_id=site_id)
    if site is None:
        raise NotFound("No such site.", code="site_not_found")
    if code is not None and code.site_id != site.site_id:
        reasons.append(Reason(code="qr_other_site", detail=f"the code is for site {code.site_id}"))
    return site, code, reasons


async def _travel_reason(*, tech: Technician, body: PhoneCheckinIn, max_speed_kmh: float) -> Reason | None:
    """The person's phone check-ins just before and after this one (by their own time): could they have got here?"""
    t = body.client_time
    before = await PhoneCheckin.filter(technician=tech, client_time__lte=t).order_by("-client_time").first()
    after = await PhoneCheckin.filter(technician=tech, client_time__gt=t).order_by("client_time").first()
    for other in (before, after):
        if other is None:
            continue
        seconds = max(abs((t - other.client_time).total_seconds()), TRAVEL_MIN_SECONDS)
        # Both positions may be off by their accuracy: only what is left of the distance counts as travel.
        metres = max(
            0.0, geo.haversine_m((body.lat, body.lon), (other.lat, other.lon)) - body.accuracy_m - other.accuracy_m
        )
        kmh = metres / seconds * 3.6
        if kmh > max_speed_kmh:
            return Reason(
                code="implausible_travel",
                detail=f"{metres / 1000:.1f} km from the check-in at "
                f"{other.client_time.astimezone(JST):%m-%d %H:%M} ({kmh:.0f} km/h)",
            )
    return None


async def _face_reason(*, tech: Technician, selfie: str, site: Site, face, vault) -> Reason | None:
    """1:1: the selfie against the technician's own enrolled faces (the kiosk engine, docs/face.md)."""
    from api.face.matching import vector_from_bytes
    from api.face.models import FaceEmbedding
    from api.face.sealing import open_vector

    raw = selfie.split(",", 1)[1] if selfie.startswith("data:") else selfie
    try:
        data = base64.b64decode(raw, validate=True)
    except (binascii.Error, ValueError):
        raise Unprocessable.field("selfie", "The selfie is not a base64 JPEG.", code="selfie_invalid") from None
    if tech.face_consent_at is None:  # type: ignore[attr-defined]
        raise Unprocessable.field(
            "selfie",
            "This site asks for a selfie, and face check-in is not set up for you: give consent on your page first.",
            code="face_not_enrolled",
        )
    pool = await face.pool()
    analysis = await pool.analyse([data])
    rows = await FaceEmbedding.filter(technician=tech, model_version=analysis.model_version)
    if not rows:
        raise Unprocessable.field(
            "selfie", "Your face is not enrolled yet: try again in a few minutes.", code="face_not_enrolled"
        )
    probe = vector_from_bytes(analysis.vector)
    best = min(float(((open_vector(vault, r.sealed) - probe) ** 2).sum() ** 0.5) for r in rows)
    if best > site.face_threshold:
        return Reason(code="face_mismatch", detail=f"distance {best:.2f} > {site.face_threshold:.2f}")
    return None


def _refuse(reason: Reason) -> Unprocessable:
    messages = {
        "out_of_fence": "You are outside the site's area",
        "low_accuracy": "The position is not accurate enough",
        "implausible_travel": "This position cannot be reached from your previous check-in in the time between",
        "qr_replayed": "This gate code was already used for this direction today",
        "qr_expired": "This gate code is not today's",
        "qr_other_site": "This gate code belongs to another site",
        "face_mismatch": "The selfie does not match your registered face",
    }
    return Unprocessable(
        f"{messages[reason.code]} ({reason.detail}). The check-in was not recorded.",
        code=reason.code,
        fields=[{"field": reason.code, "message": reason.detail}],
    )


async def check_in(
    *, actor: Account, body: PhoneCheckinIn, settings: Settings, face, vault, signed_by: int | None = None
) -> PhoneCheckinOut:
    """Check, then keep (accepted → tap at once; review → the site manager's queue) or refuse with the reason.

    A refused check-in writes nothing. The idempotency key is the phone's; a retry gets the stored answer."""
    tech = await _own_technician(actor)
    key = f"p{actor.id}:{body.idempotency_key}"
    fp = _fingerprint(body, signed_by)
    if (done := await PhoneCheckin.get_or_none(idempotency_key=key)) is not None:
        return await _answer_stored(done, fp)
    received = now()
    if body.client_time > received + FUTURE_TOLERANCE:
        raise Unprocessable.field(
            "client_time",
            "The phone's clock is ahead of the server's: set it to automatic.",
            code="client_time_in_future",
        )
    if signed_by is None and body.client_time < received - LIVE_LIMIT:
        raise Unprocessable.field(
            "client_time",
            "An unsigned check-in must be sent when it is made; a check-in kept offline is signed by the phone.",
            code="client_time_stale",
        )
    day = body.client_time.astimezone(JST).date()
    if (last := attendance.upload_deadline(day)) < received.astimezone(JST).date():
        raise Unprocessable.field(
            "client_time", f"The upload deadline of {day} was {last}.", code="past_upload_deadline"
        )
    site, code, reasons = await _resolve_site(body, settings=settings)
    ps = await PhoneSettings.get_or_none(site=site)
    if ps is None or (not ps.polygon and site.geofence_lat is None):
        raise Conflict(
            "Phone check-in is not enabled on this site: use the card reader or ask the site manager.",
            code="phone_checkin_off",
        )
    if not await RosterEntry.filter(site=site, technician=tech, active=True).exists():
        raise Forbidden("You are not on this site's roster: ask your employer to add you.", code="not_on_roster")
    distance = fence_distance(site, ps, body.lat, body.lon)
    if distance > 0:
        reasons.append(Reason(code="out_of_fence", detail=f"{distance:.0f} m outside the fence"))
    if body.accuracy_m > ps.max_accuracy_m:
        reasons.append(Reason(code="low_accuracy", detail=f"±{body.accuracy_m:.0f} m > {ps.max_accuracy_m} m"))
    if code is not None and code.day != day:
        reasons.append(Reason(code="qr_expired", detail=f"the code is of {code.day}, the check-in of {day}"))
    if (travel := await _travel_reason(tech=tech, body=body, max_speed_kmh=settings.phone_max_speed_kmh)) is not None:
        reasons.append(travel)
    if ps.selfie_required:
        if not body.selfie:
            raise Unprocessable.field(
                "selfie", "This site asks for a selfie with each check-in.", code="selfie_required"
            )
        if (
            mismatch := await _face_reason(tech=tech, selfie=body.selfie, site=site, face=face, vault=vault)
        ) is not None:
            reasons.append(mismatch)
    policy = ps.policy
    for r in reasons:
        if policy.get(r.code, "review") == "refuse":
            raise _refuse(r)
    try:
        async with in_transaction("default") as conn:
            if code is not None and not any(r.code.startswith("qr_") for r in reasons):
                claimed = await sql.fetch(
                    conn,
                    "INSERT INTO phone_qr_use (site_id, technician_id, day, direction) VALUES (?, ?, ?, ?) "
                    "ON CONFLICT DO NOTHING RETURNING id",
                    [site.id, tech.id, code.day, body.direction],
                )
                if not claimed:
                    replay = Reason(code="qr_replayed", detail=f"already used for '{body.direction}' on {code.day}")
                    if policy.get("qr_replayed", "review") == "refuse":
                        raise _refuse(replay)
                    reasons.append(replay)
            outcome = PhoneOutcome.review if reasons else PhoneOutcome.accepted
            checkin = await PhoneCheckin.create(
                idempotency_key=key,
                fingerprint=fp,
                site=site,
                technician=tech,
                direction=body.direction,
                client_time=body.client_time,
                received_at=received,
                lat=body.lat,
                lon=body.lon,
                accuracy_m=body.accuracy_m,
                distance_m=round(distance, 1),
                via_qr=code is not None,
                signed_by_id=signed_by,
                nonce=body.nonce,
                reasons=[r.model_dump() for r in reasons],
                outcome=outcome,
            )
            if outcome is PhoneOutcome.accepted:
                checkin.tap_id = await _record_tap(checkin=checkin, site=site, tech=tech, settings=settings)
                await checkin.save(update_fields=["tap_id"])
    except IntegrityError:
        # The same key from a retry racing this one (answer with what it stored), or a signed nonce used before.
        if (done := await PhoneCheckin.get_or_none(idempotency_key=key)) is not None:
            return await _answer_stored(done, fp)
        raise Conflict(
            "This signed check-in was already uploaded (its nonce is used).", code="signature_replayed"
        ) from None
    return await _out(checkin, site=site)


async def _record_tap(*, checkin: PhoneCheckin, site: Site, tech: Technician, settings: Settings) -> int | None:
    """The check-in as a tap through the one ingest (docs/workrecords.md): keyed by the check-in, so stored once."""
    source_key = f"phone:{checkin.id}"
    _, refused = await attendance.ingest(
        candidates=[
            Candidate(
                index=0,
                client_key=source_key,
                source_key=source_key,
                site=site,
                technician_code=tech.technician_id or "",
                method=TapMethod.phone,
                device_time=checkin.client_time,
                direction=checkin.direction,
            )
        ],
        master_keys=settings.card_keys(),
        received_at=now(),
    )
    if refused:  # past the late-upload deadline (an approval that came too late): nothing is kept
        raise Unprocessable(refused[0].message, code=refused[0].error)
    tap = await Tap.get_or_none(source_key=source_key)
    return tap.id if tap else None


async def _answer_stored(c: PhoneCheckin, fp: str) -> PhoneCheckinOut:
    if c.fingerprint != fp:
        raise Conflict(
            "This idempotency key was used for another check-in: send it with a new key.", code="idempotency_key_reused"
        )
    return await _out(c, site=await Site.get(id=c.site_id), duplicate=True)  # type: ignore[attr-defined]


async def _out(c: PhoneCheckin, *, site: Site, duplicate: bool = False) -> PhoneCheckinOut:
    tap = await Tap.get_or_none(id=c.tap_id) if c.tap_id else None
    return PhoneCheckinOut(
        id=c.id,
        site_pk=site.id,
        site_id=site.site_id,
        site_name=site.name,
        direction=c.direction,
        client_time=c.client_time,
        received_at=c.received_at,
        delay_s=max(0, int((c.received_at - c.client_time).total_seconds())),
        outcome=c.outcome.value,
        reasons=[Reason(**r) for r in c.reasons],
        distance_m=c.distance_m,
        tap_status=tap.status.value if tap else None,
        reject_reason=tap.reject_reason if tap else None,
        signed=c.signed_by_id is not None,
        duplicate=duplicate,
    )  # type: ignore[attr-defined]


# ---------------------------------------------------------------------------------------------------- review


def _item(c: PhoneCheckin) -> PhoneItemOut:
    t = c.technician
    return PhoneItemOut(
        id=c.id,
        technician_pk=t.id,
        technician_id=t.technician_id,
        name=f"{t.family_name} {t.given_name}",
        direction=c.direction,
        client_time=c.client_time,
        delay_s=max(0, int((c.received_at - c.client_time).total_seconds())),
        lat=c.lat,
        lon=c.lon,
        accuracy_m=c.accuracy_m,
        distance_m=c.distance_m,
        via_qr=c.via_qr,
        signed=c.signed_by_id is not None,  # type: ignore[attr-defined]
        outcome=c.outcome.value,
        reasons=[Reason(**r) for r in c.reasons],
        tap_id=c.tap_id,
        approved=c.approved,
        reviewed_at=c.reviewed_at,
    )


async def list_checkins(
    *, site: Site, outcome: str | None, undecided: bool, work_date, limit: int
) -> list[PhoneItemOut]:
    qs = PhoneCheckin.filter(site=site).select_related("technician").order_by("-client_time", "-id")
    if outcome:
        qs = qs.filter(outcome=outcome)
    if undecided:
        qs = qs.filter(reviewed_at__isnull=True)
    if work_date is not None:
        # Bounds in UTC, as times are stored: SQLite compares them as text, and a JST bound against a UTC-stored time
        # lost every check-in between 00:00 and 09:00 JST (the day's map was empty after midnight).
        start = datetime(work_date.year, work_date.month, work_date.day, tzinfo=JST).astimezone(UTC)
        qs = qs.filter(client_time__gte=start, client_time__lt=start + timedelta(days=1))
    return [_item(c) for c in await qs.limit(limit)]


async def decide(*, actor: Account, site: Site, pk: int, approve: bool, settings: Settings) -> PhoneItemOut:
    """Approve (the tap is recorded, through the ingest) or reject a check-in of the review queue, once: the decision
    is a conditional write, so two managers deciding at once cannot both win."""
    at = now()
    won = await PhoneCheckin.filter(id=pk, site=site, outcome=PhoneOutcome.review, reviewed_at__isnull=True).update(
        approved=approve, reviewed_by_id=actor.id, reviewed_at=at
    )
    c = await PhoneCheckin.get_or_none(id=pk, site=site).select_related("technician")
    if c is None:
        raise NotFound("No such phone check-in on this site.", code="phone_checkin_not_found")
    if not won:
        if c.outcome is not PhoneOutcome.review:
            raise Conflict("Only check-ins in the review queue are decided.", code="not_in_review")
        raise Conflict("This check-in has already been decided.", code="already_decided")
    if approve:
        c.tap_id = await _record_tap(checkin=c, site=site, tech=c.technician, settings=settings)
        await c.save(update_fields=["tap_id"])
    await record(
        actor=actor,
        action="phone.approve" if approve else "phone.reject",
        entity_type="phone_checkin",
        entity_id=c.id,
        after={"approved": approve, "tap_id": c.tap_id},
    )
    return _item(c)
