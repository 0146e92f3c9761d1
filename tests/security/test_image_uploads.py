"""No stall from one upload (issue 15 item 6): photos are decoded and re-encoded off the event loop, a decompression
bomb is refused by its pixel count before it is decoded, and face check-in frames obey the upload size limit."""

from __future__ import annotations

import asyncio
import io
import threading

from PIL import Image

import api.media.images
from tests.api.helpers import auth, register_technician, upload
from tests.api.site_world import make_world


def _png(width: int, height: int) -> bytes:
    buf = io.BytesIO()
    Image.new("L", (width, height), 200).save(buf, "PNG", optimize=True)
    return buf.getvalue()


async def test_a_decompression_bomb_is_refused_with_its_code(client):
    reg = await register_technician(client)
    bomb = _png(7000, 5500)  # 38.5 megapixels in a few dozen KB
    assert len(bomb) < 200_000
    r = await upload(client, reg["token"], reg["technician"]["id"], "photo", bomb)
    assert r.status_code == 413, r.text
    assert r.json()["error"] == "image_too_many_pixels"
    me = (await client.get(f"/api/v1/technicians/{reg['technician']['id']}", headers=auth(reg["token"]))).json()
    assert me["has_photo"] is False


async def test_other_requests_are_answered_while_a_photo_is_decoded(client, monkeypatch):
    """The decode is held open until another request has been answered: if it ran on the event loop, nothing else
    could be answered meanwhile, and the upload would finish first."""
    started, release = threading.Event(), threading.Event()
    real = api.media.images.normalise_image

    def held(raw, **kw):
        started.set()
        release.wait(timeout=30)
        return real(raw, **kw)

    monkeypatch.setattr(api.media.images, "normalise_image", held)
    reg = await register_technician(client)
    order: list[str] = []

    async def do_upload():
        r = await upload(client, reg["token"], reg["technician"]["id"], "photo", _png(5000, 4000))  # 20 MP: allowed
        order.append("upload")
        return r

    task = asyncio.create_task(do_upload())
    while not started.is_set():
        await asyncio.sleep(0.01)
    # A request that needs only the event loop (on SQLite a write transaction holds the one connection anyway).
    r = await client.get("/api/v1/health")
    assert r.status_code == 200
    order.append("other")
    release.set()
    r = await task
    assert r.status_code == 200, r.text
    assert order == ["other", "upload"]


async def test_face_checkin_frames_obey_the_upload_limit(client, settings):
    w = await make_world(client)
    frame = b"\xff\xd8" + b"\0" * (settings.max_upload_bytes + 10)
    r = await client.post(
        "/api/v1/face/checkins",
        headers=auth(w.device_token),
        data={"idempotency_key": "k1", "device_time": "2026-12-01T08:00:00+09:00"},
        files={"frame1": ("f.jpg", frame, "image/jpeg")},
    )
    assert r.status_code == 413, r.text
    assert r.json()["error"] == "file_too_large"


def _endless(pulled: list[int], chunk: bytes, head: bytes = b""):
    """A body without Content-Length (sent chunked) that would never end: counts how much the server pulled."""

    async def body():
        if head:
            yield head
        for _ in range(10_000):  # 10,000 chunks: far beyond any limit
            pulled.append(len(chunk))
            yield chunk

    return body()


async def test_a_chunked_body_is_cut_off_at_the_limit(client, settings):
    """Without Content-Length the size is unknown up front: the body is counted as it arrives and refused once past
    the limit, instead of being read (or spooled to disk) whole — for a face frame, a JSON body and the webhook."""
    w = await make_world(client)
    chunk = b"\0" * 2**20
    limit = settings.max_upload_bytes
    boundary = "b0undary"
    head = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="idempotency_key"\r\n\r\nk2\r\n'
        f'--{boundary}\r\nContent-Disposition: form-data; name="frame1"; filename="f.jpg"\r\n'
        "Content-Type: image/jpeg\r\n\r\n"
    ).encode()
    cases = [
        ("/api/v1/face/checkins", auth(w.device_token), f"multipart/form-data; boundary={boundary}", head, 3),
        ("/api/v1/technicians", {}, "application/json", b'{"family_name": "', 1),
        ("/api/v1/payments/stripe/webhook", {}, "application/json", b'{"id": "', 1),
    ]
    for path, headers, content_type, start, files in cases:
        pulled: list[int] = []
        r = await client.post(
            path, headers={**headers, "Content-Type": content_type}, content=_endless(pulled, chunk, start)
        )
        assert r.status_code == 413, (path, r.text)
        assert r.json()["error"] in ("upload_too_large", "body_too_large"), (path, r.text)
        # At most one upload per declared file (the check-in takes three frames) plus the fields: then it stopped.
        assert sum(pulled) <= files * limit + 65536 + len(chunk), (path, sum(pulled))
    r = await client.get("/api/v1/health")
    assert r.status_code == 200
