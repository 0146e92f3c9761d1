"""Withdrawing consent to face check-in deletes the face data (api/face/service.py forget). An extra face photo sent
at that very moment must not survive it: the withdrawal is held open here after its writes while the photo arrives at
the live server. Before, the photo was checked against the consent still committed, stored beside the withdrawal,
and kept — a face photo of someone who had withdrawn."""

from __future__ import annotations

import asyncio

from tests.api.helpers import auth, jpeg, register_technician
from tests.concurrency.conftest import race

ROUNDS = 6


async def test_an_extra_face_photo_sent_while_consent_is_withdrawn_is_not_kept(live, http, orm):
    from tortoise.transactions import in_transaction

    from api.face.service import forget
    from api.registration.models import Technician

    for n in range(ROUNDS):
        reg = await register_technician(http)
        pk, token = reg["technician"]["id"], reg["token"]
        r = await http.put(f"/api/v1/technicians/{pk}/face-consent", headers=auth(token), json={"consent": True})
        assert r.status_code == 200 and r.json()["consent"] is True, r.text
        withdrawn = asyncio.Event()

        async def withdraw(pk=pk, withdrawn=withdrawn):
            async with in_transaction("default"):
                await forget(tech=await Technician.get(id=pk))
                withdrawn.set()
                await asyncio.sleep(0.4)  # the photo arrives meanwhile

        async def add(pk=pk, token=token, withdrawn=withdrawn):
            await withdrawn.wait()
            return await http.post(
                f"/api/v1/technicians/{pk}/face-photos",
                headers=auth(token),
                files={"file": ("f.jpg", jpeg(), "image/jpeg")},
            )

        done, r = await race(withdraw, add)
        assert done is None, done
        assert (r.status_code, r.json().get("error")) == (409, "no_face_consent"), (n, r.status_code, r.text)
        kept = await live.fetchval(
            "SELECT count(*) FROM stored_image WHERE technician_id = $1 AND kind = 'face_extra'", pk
        )
        assert kept == 0
        assert await live.fetchval("SELECT face_consent_at FROM technician WHERE id = $1", pk) is None
