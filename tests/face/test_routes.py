"""Face check-in through the API, on PostgreSQL + Redis (arq burst worker) and on the embedded SQLite default, with
the real dlib models and real photos: upload checks, consent and enrolment, the kiosk, the review queue, retention,
deletion, and a responsive API while check-ins run."""

from __future__ import annotations

import asyncio
import time
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from api.face.models import FaceCheckin, FaceEmbedding
from api.registration.models import Technician
from api.timeutil import JST
from tests.api.helpers import auth, register_technician, table_counts, upload
from tests.api.site_world import Worker, World, make_world
from tests.face import frames


@dataclass
class Kiosk:
    w: World
    token: str
    obama: Worker  # employed by the prime, on the site
    biden: Worker  # employed by sub2, which is not (yet) in the site's contract tree


def _frames(photos, enrolled, *names: str) -> list[bytes]:
    """Kiosk frames (640×480) from real photos; two different photos of one man make real 3-D motion."""
    return [frames.kiosk_frame(frames.upright(photos[f"{n}.jpg"]), enrolled[n].face_box) for n in names]


async def _checkin(client, token: str, shots: list[bytes], *, key: str | None = None, at: datetime | None = None):
    files = {f"frame{i}": (f"f{i}.jpg", f, "image/jpeg") for i, f in enumerate(shots, start=1)}
    data = {
        "idempotency_key": key or uuid.uuid4().hex,
        "device_time": (at or datetime.now(JST)).isoformat(timespec="milliseconds"),
    }
    return await client.post("/api/v1/face/checkins", headers=auth(token), files=files, data=data)


async def _consent(client, worker: Worker, consent: bool = True):
    r = await client.put(
        f"/api/v1/technicians/{worker.pk}/face-consent", headers=auth(worker.token), json={"consent": consent}
    )
    assert r.status_code == 200, r.text
    return r.json()


async def _status(client, worker: Worker) -> dict:
    r = await client.get(f"/api/v1/technicians/{worker.pk}/face", headers=auth(worker.token))
    assert r.status_code == 200, r.text
    return r.json()


async def _kiosk(client, drain, photos) -> Kiosk:
    w = await make_world(client)
    obama = await w.worker(w.prime, photo=photos["obama.jpg"].read_bytes(), family_name="大間", given_name="穂")
    biden = await w.worker(w.sub2, photo=photos["biden.jpg"].read_bytes(), family_name="備田", given_name="譲")
    await w.roster(w.prime, obama)
    for worker in (obama, biden):
        await _consent(client, worker)
    await drain()
    return Kiosk(w=w, token=await w.enrol_device("kiosk"), obama=obama, biden=biden)


async def _taps(client, k: Kiosk) -> list[dict]:
    r = await client.get(f"/api/v1/sites/{k.w.site['id']}/taps", headers=auth(k.w.prime["token"]))
    assert r.status_code == 200, r.text
    return r.json()


# ------------------------------------------------------------------------------------------------ upload and consent


async def test_face_photo_upload_needs_exactly_one_large_enough_face(client, photos):
    reg = await register_technician(client)
    pk, token = reg["technician"]["id"], reg["token"]
    for name, code in (
        ("coffee.png", "no_face"),
        ("t1.jpg", "several_faces"),
        ("Tom_Hanks_54745.png", "face_too_small"),
    ):
        r = await upload(client, token, pk, "photo", photos[name].read_bytes())
        assert r.status_code == 422, (name, r.text)
        body = r.json()
        assert body["error"] == code and body["fields"][0]["field"] == "file" and body["message"], name
    me = (await client.get(f"/api/v1/technicians/{pk}", headers=auth(token))).json()
    assert me["has_photo"] is False  # nothing of a refused photo is kept
    r = await upload(client, token, pk, "photo", photos["obama.jpg"].read_bytes())
    assert r.status_code == 200 and r.json()["has_photo"] is True


async def test_consent_enrols_and_withdrawal_deletes_the_face_data(client, drain, photos, enrolled):
    k = await _kiosk(client, drain, photos)
    status = await _status(client, k.obama)
    assert status["consent"] is True and status["enrolled"] is True and status["embeddings"] == 1
    assert status["model_version"].startswith("dlib_face_recognition_resnet_model_v1@")
    row = await FaceEmbedding.get(technician_id=k.obama.pk)
    assert enrolled["obama"].vector not in row.sealed and len(row.sealed) > 512  # encrypted at rest
    # Only the technician decides: the employer cannot consent for them.
    r = await client.put(
        f"/api/v1/technicians/{k.obama.pk}/face-consent", headers=auth(k.w.prime["token"]), json={"consent": True}
    )
    assert r.status_code == 403

    assert (await _checkin(client, k.token, _frames(photos, enrolled, "obama2", "obama3"))).json()[
        "outcome"
    ] == "accepted"
    status = await _consent(client, k.obama, False)
    assert status == {**status, "consent": False, "enrolled": False, "embeddings": 0}
    assert not await FaceEmbedding.filter(technician_id=k.obama.pk).exists()
    assert not await FaceCheckin.filter(technician_id=k.obama.pk, evidence_sealed__not_isnull=True).exists()
    r = await _checkin(client, k.token, _frames(photos, enrolled, "obama2", "obama3"))
    assert r.json()["outcome"] == "not_recognised"


async def test_a_new_photo_is_enrolled_again_and_extra_photos_must_match(client, drain, photos, enrolled):
    reg = await register_technician(client)  # a draft: the photo can still be replaced
    me = Worker(pk=reg["technician"]["id"], technician_id="", token=reg["token"], serial="", card_key=b"")
    assert (await upload(client, me.token, me.pk, "photo", photos["obama.jpg"].read_bytes())).status_code == 200
    await _consent(client, me)
    await drain()
    before = await FaceEmbedding.get(technician_id=me.pk)
    assert (await upload(client, me.token, me.pk, "photo", photos["obama2.jpg"].read_bytes())).status_code == 200
    await drain()
    after = await FaceEmbedding.filter(technician_id=me.pk)
    assert len(after) == 1 and after[0].photo_sha256 != before.photo_sha256

    extra = await client.post(
        f"/api/v1/technicians/{me.pk}/face-photos",
        headers=auth(me.token),
        files={"file": ("x.jpg", photos["obama3.jpg"].read_bytes(), "image/jpeg")},
    )
    assert extra.status_code == 201, extra.text
    await drain()
    assert (await _status(client, me))["embeddings"] == 2
    # Someone else's face as an "extra photo" would let them check in as this technician: it is not enrolled.
    other = await client.post(
        f"/api/v1/technicians/{me.pk}/face-photos",
        headers=auth(me.token),
        files={"file": ("y.jpg", photos["biden.jpg"].read_bytes(), "image/jpeg")},
    )
    assert other.status_code == 201
    await drain()
    status = await _status(client, me)
    assert status["embeddings"] == 2 and "同じ人" in status["error"]


async def test_embeddings_of_another_model_version_are_recomputed_nightly(client, drain, app, photos):
    from api.face.jobs import refresh_face_enrolments

    k = await _kiosk(client, drain, photos)
    current = (await FaceEmbedding.get(technician_id=k.obama.pk)).model_version
    await FaceEmbedding.filter(technician_id=k.obama.pk).update(model_version="older-model@000000")
    ctx = {"settings": app.state.settings, "face": app.state.face}
    assert await refresh_face_enrolments(ctx) == 1
    assert await FaceEmbedding.filter(technician_id=k.obama.pk).values_list("model_version", flat=True) == [current]
    assert await refresh_face_enrolments(ctx) == 0  # nothing left to do
    assert await FaceEmbedding.filter(technician_id=k.biden.pk).count() == 1


# ------------------------------------------------------------------------------------------------ the kiosk


async def test_kiosk_check_in_records_a_face_tap_once(client, drain, photos, enrolled):
    k = await _kiosk(client, drain, photos)
    shots = _frames(photos, enrolled, "obama2", "obama3")
    r = await _checkin(client, k.token, shots, key="k-1")
    assert r.status_code == 200, r.text
    out = r.json()
    assert out["outcome"] == "accepted" and out["tap_status"] == "accepted" and out["duplicate"] is False
    assert out["technician"]["technician_id"] == k.obama.technician_id and out["technician"]["name"] == "大間 穂"
    assert out["technician"]["photo"].startswith("data:image/jpeg;base64,")
    assert out["distance"] < 0.5 and out["liveness_risk"] < 0.5 and "大間" in out["message"]
    again = (await _checkin(client, k.token, shots, key="k-1")).json()  # the kiosk retried after a lost answer
    assert again["duplicate"] is True and again["id"] == out["id"]
    taps = await _taps(client, k)
    assert [(t["method"], t["technician_code"], t["status"]) for t in taps] == [
        ("face", k.obama.technician_id, "accepted")
    ]

    row = await FaceCheckin.get(id=out["id"])
    assert row.model_version.startswith("dlib_") and row.tap_id == taps[0]["id"]
    assert row.evidence_expires_at > datetime.now(JST) + timedelta(days=89)
    ev = await client.get(
        f"/api/v1/sites/{k.w.site['id']}/face-checkins/{out['id']}/evidence", headers=auth(k.w.prime["token"])
    )
    assert ev.status_code == 200 and ev.content.startswith(b"\xff\xd8") and ev.content not in row.evidence_sealed
    photo = await client.get(
        f"/api/v1/sites/{k.w.site['id']}/face-checkins/{out['id']}/registered-photo", headers=auth(k.w.prime["token"])
    )
    assert photo.status_code == 200 and photo.content.startswith(b"\xff\xd8")
    me = (await client.get("/api/v1/devices/me", headers=auth(k.token))).json()
    assert (me["kind"], me["site_id"], me["site_name"]) == ("kiosk", k.w.site["site_id"], k.w.site["name"])
    # The evidence is personal data: not for a subcontractor's admin.
    ev = await client.get(
        f"/api/v1/sites/{k.w.site['id']}/face-checkins/{out['id']}/evidence", headers=auth(k.w.sub["token"])
    )
    assert ev.status_code == 403

    stranger = frames.kiosk_frame(
        frames.scaled(frames.upright(photos["astronaut.png"]).crop((100, 0, 350, 260)), 2.0),
        enrolled["astronaut"].face_box,
    )
    r = await _checkin(client, k.token, [stranger])
    assert r.json()["outcome"] == "not_recognised" and r.json()["technician"] is None
    assert len(await _taps(client, k)) == 1
    assert (await FaceCheckin.get(id=r.json()["id"])).evidence_sealed is None  # a refused face is not kept


async def test_consent_withdrawn_while_the_frames_are_matched_keeps_no_face(
    client, drain, app, photos, enrolled, monkeypatch
):
    """The technician withdraws consent on their phone while the kiosk is matching their frames (the withdrawal
    commits in between): the check-in does not recognise them, keeps no evidence image and records no face tap."""
    k = await _kiosk(client, drain, photos)
    pool = await app.state.face.pool()
    match = pool.check_in

    async def withdrawn_meanwhile(*args, **kwargs):
        result = await match(*args, **kwargs)
        await _consent(client, k.obama, False)
        return result

    monkeypatch.setattr(pool, "check_in", withdrawn_meanwhile)
    r = await _checkin(client, k.token, _frames(photos, enrolled, "obama2", "obama3"))
    assert r.status_code == 200, r.text
    assert (r.json()["outcome"], r.json()["technician"]) == ("not_recognised", None)
    row = await FaceCheckin.get(id=r.json()["id"])
    assert (row.evidence_sealed, row.tap_id, row.technician_id) == (None, None, None)  # type: ignore[attr-defined]
    assert await _taps(client, k) == []


async def test_only_the_sites_people_are_matched(client, drain, photos, enrolled):
    k = await _kiosk(client, drain, photos)
    shots = [
        frames.kiosk_frame(frames.upright(photos["biden.jpg"]), enrolled["biden"].face_box, angle=a, dx=d)
        for a, d in ((0, 0), (6, 20))
    ]
    assert (await _checkin(client, k.token, shots)).json()["outcome"] == "not_recognised"  # sub2 is not on the site
    await k.w.join(k.w.sub2, k.w.prime)
    out = (await _checkin(client, k.token, shots)).json()
    assert out["technician"]["technician_id"] == k.biden.technician_id
    # One photo moved in front of the camera: the tap waits for the site manager, whose default policy is review.
    assert out["outcome"] == "review" and out["liveness_risk"] >= 0.5 and out["tap_status"] is None


async def test_liveness_policy_review_card_or_accept(client, drain, photos, enrolled):
    k = await _kiosk(client, drain, photos)
    site, mgr = k.w.site["id"], auth(k.w.prime["token"])
    one_frame = _frames(photos, enrolled, "obama2")  # no motion evidence at all: risk 1.0
    out = (await _checkin(client, k.token, one_frame)).json()
    assert out["outcome"] == "review" and out["liveness_risk"] == 1.0 and out["tap_status"] is None
    queue = (await client.get(f"/api/v1/sites/{site}/face-checkins?outcome=review&undecided=true", headers=mgr)).json()
    assert [(q["id"], q["technician_id"], q["has_evidence"]) for q in queue] == [
        (out["id"], k.obama.technician_id, True)
    ]
    assert await _taps(client, k) == []
    r = await client.post(
        f"/api/v1/sites/{site}/face-checkins/{out['id']}/decision", headers=mgr, json={"approve": True}
    )
    assert r.status_code == 200 and r.json()["approved"] is True and r.json()["tap_id"]
    assert [t["method"] for t in await _taps(client, k)] == ["face"]
    r = await client.post(
        f"/api/v1/sites/{site}/face-checkins/{out['id']}/decision", headers=mgr, json={"approve": False}
    )
    assert r.status_code == 409 and r.json()["error"] == "already_decided"

    assert (
        await client.put(f"/api/v1/sites/{site}/face-settings", headers=mgr, json={"threshold": 0.9, "policy": "card"})
    ).status_code == 422
    r = await client.put(f"/api/v1/sites/{site}/face-settings", headers=mgr, json={"threshold": 0.45, "policy": "card"})
    assert r.json() == {"threshold": 0.45, "policy": "card"}
    out = (await _checkin(client, k.token, one_frame)).json()
    assert out["outcome"] == "needs_card" and "カード" in out["message"] and out["tap_status"] is None
    await client.put(f"/api/v1/sites/{site}/face-settings", headers=mgr, json={"threshold": 0.5, "policy": "accept"})
    out = (await _checkin(client, k.token, one_frame)).json()
    assert out["outcome"] == "accepted" and out["tap_status"] == "accepted"
    assert len(await _taps(client, k)) == 2
    # Live-looking frames are accepted whatever the policy.
    await client.put(f"/api/v1/sites/{site}/face-settings", headers=mgr, json={"threshold": 0.5, "policy": "review"})
    assert (await _checkin(client, k.token, _frames(photos, enrolled, "obama2", "obama3"))).json()[
        "outcome"
    ] == "accepted"


async def test_bad_check_ins_are_refused_and_change_nothing(client, drain, photos, enrolled):
    k = await _kiosk(client, drain, photos)
    before = await table_counts()
    r = await _checkin(client, k.token, [frames.jpeg(frames.upright(photos["coffee.png"]))])
    assert r.status_code == 422 and r.json()["error"] == "no_face"
    group = frames.jpeg(frames.upright(photos["t1.jpg"]))
    assert (await _checkin(client, k.token, [group])).json()["error"] == "several_faces"
    r = await _checkin(client, k.token, [frames.png(frames.upright(photos["obama2.jpg"]))])
    assert r.status_code == 422 and r.json()["error"] == "not_an_image"
    r = await client.post(
        "/api/v1/face/checkins",
        headers=auth(k.token),
        data={"device_time": "2026-01-01T00:00:00Z"},
        files={"frame1": ("a.jpg", _frames(photos, enrolled, "obama2")[0], "image/jpeg")},
    )
    assert r.status_code == 422 and r.json()["fields"][0]["field"] == "idempotency_key"
    # A card reader's token is not a kiosk's.
    r = await _checkin(client, k.w.device_token, _frames(photos, enrolled, "obama2"))
    assert r.status_code == 403 and r.json()["error"] == "not_a_kiosk"
    r = await _checkin(client, k.obama.token, _frames(photos, enrolled, "obama2"))
    assert r.status_code == 403
    assert await table_counts() == before


# ------------------------------------------------------------------------------------------------ retention, leaving


async def test_evidence_is_purged_after_retention_and_leaving_deletes_face_data(client, drain, app, photos, enrolled):
    from api.face.jobs import purge_face_evidence

    k = await _kiosk(client, drain, photos)
    out = (await _checkin(client, k.token, _frames(photos, enrolled, "obama2", "obama3"))).json()
    fresh = (await _checkin(client, k.token, _frames(photos, enrolled, "obama3", "obama2"))).json()
    await FaceCheckin.filter(id=out["id"]).update(evidence_expires_at=datetime.now(UTC) - timedelta(minutes=1))
    assert await purge_face_evidence({"settings": app.state.settings}) == 1
    assert await purge_face_evidence({"settings": app.state.settings}) == 0  # a second run finds nothing
    url = f"/api/v1/sites/{k.w.site['id']}/face-checkins/{{}}/evidence"
    assert (await client.get(url.format(out["id"]), headers=auth(k.w.prime["token"]))).status_code == 404
    assert (await client.get(url.format(fresh["id"]), headers=auth(k.w.prime["token"]))).status_code == 200
    assert len(await _taps(client, k)) == 2  # the work record stays

    r = await client.post(
        f"/api/v1/businesses/{k.w.prime['business']['id']}/employees/{k.obama.pk}/leave",
        headers=auth(k.w.prime["token"]),
    )
    assert r.status_code == 204, r.text
    tech = await Technician.get(id=k.obama.pk)
    assert tech.employer_id is None and tech.face_consent_at is None  # type: ignore[attr-defined]
    assert not await FaceEmbedding.filter(technician_id=k.obama.pk).exists()
    assert (await client.get(url.format(fresh["id"]), headers=auth(k.w.prime["token"]))).status_code == 404
    assert (await _checkin(client, k.token, _frames(photos, enrolled, "obama2", "obama3"))).json()[
        "outcome"
    ] == "not_recognised"


# ------------------------------------------------------------------------------------------------ responsiveness


async def test_other_endpoints_answer_while_check_ins_run(client, drain, photos, enrolled, face_pool):
    k = await _kiosk(client, drain, photos)
    shots = _frames(photos, enrolled, "obama", "obama2", "obama3")
    finished: list[float] = []

    async def one_checkin():
        r = await _checkin(client, k.token, shots)
        finished.append(time.monotonic())
        assert r.status_code == 200, r.text

    async def other_requests() -> list[float]:
        done = []
        await asyncio.sleep(0.05)  # the check-ins are in the pool by now
        for _ in range(5):
            assert (await client.get("/api/v1/health")).status_code == 200
            r = await client.get(f"/api/v1/sites/{k.w.site['id']}", headers=auth(k.w.prime["token"]))
            assert r.status_code == 200
            done.append(time.monotonic())
        return done

    jobs = [asyncio.create_task(one_checkin()) for _ in range(2 * face_pool.workers + 2)]
    answered = await other_requests()
    await asyncio.gather(*jobs)
    # dlib runs in the worker processes: all ten other requests were answered while check-ins were still running.
    assert max(answered) < max(finished), (answered, finished)
    assert len(await _taps(client, k)) == len(jobs)
