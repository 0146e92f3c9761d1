"""A small world for site and attendance tests: an operator, a prime and two subcontractors, and approved technicians
with cards whose keys come from the operator's personalisation export (as a card bureau would get them)."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import httpx

from api.cards.profile import card_response
from api.timeutil import JST
from tests.api.helpers import PASSWORD, approved_business, auth, login, operator_token, submitted_technician


@dataclass
class Worker:
    pk: int
    technician_id: str
    token: str
    serial: str
    card_key: bytes

    def tap(
        self,
        key: str,
        *,
        at: datetime | None = None,
        seq: int = 1,
        challenge: bytes | None = None,
        response: bytes | None = None,
    ) -> dict:
        challenge = challenge or os.urandom(16)
        return {
            "idempotency_key": key,
            "method": "card",
            "technician_id": self.technician_id,
            "card_serial": self.serial,
            "challenge": challenge.hex(),
            "response": (response or card_response(card_key=self.card_key, challenge=challenge)).hex(),
            "device_time": (at or datetime.now(JST)).isoformat(timespec="milliseconds"),
            "device_seq": seq,
        }


@dataclass
class World:
    client: httpx.AsyncClient
    op: str
    prime: dict
    sub: dict
    sub2: dict
    site: dict = field(default_factory=dict)
    device_token: str = ""

    async def worker(self, employer: dict, *, issued_days_ago: int = 365, photo: bytes | None = None, **over) -> Worker:
        """An approved technician with a card. The card is back-dated (as if issued a year ago), so taps on past
        days are inside its validity; issued_days_ago=0 keeps today's issue date."""
        t = await submitted_technician(
            self.client, photo=photo, employer_business_id=employer["business"]["business_id"], **over
        )
        r = await self.client.post(
            f"/api/v1/review/applications/{t['application']['id']}/approve", headers=auth(self.op)
        )
        assert r.status_code == 200, r.text
        tech = (await self.client.get(f"/api/v1/technicians/{t['pk']}", headers=auth(self.op))).json()
        if issued_days_ago:
            from api.cards.models import Card

            await Card.filter(serial=tech["card"]["serial"]).update(
                issued_on=datetime.now(JST).date() - timedelta(days=issued_days_ago)
            )
        rec = (
            await self.client.get(f"/api/v1/cards/{tech['card']['serial']}/personalisation", headers=auth(self.op))
        ).json()
        return Worker(
            pk=t["pk"],
            technician_id=tech["technician_id"],
            token=t["token"],
            serial=tech["card"]["serial"],
            card_key=bytes.fromhex(rec["card_key"]),
        )

    async def create_site(self, **over) -> dict:
        today = datetime.now(JST).date()
        body = {
            "name": "大和ビル新築工事",
            "address": "東京都千代田区2-2",
            "order_type": "private",
            "window_start": (today - timedelta(days=60)).isoformat(),
            "window_end": (today + timedelta(days=300)).isoformat(),
            "cutoff_hour": 5,
            **over,
        }
        r = await self.client.post("/api/v1/sites", headers=auth(self.prime["token"]), json=body)
        assert r.status_code == 201, r.text
        return r.json()

    async def join(self, member: dict, parent_business: dict, *, proxy: bool = True) -> list[dict]:
        contracts = (
            await self.client.get(f"/api/v1/sites/{self.site['id']}/contracts", headers=auth(self.prime["token"]))
        ).json()
        parent = next(c for c in contracts if c["business_pk"] == parent_business["business"]["id"])
        r = await self.client.post(
            f"/api/v1/sites/{self.site['id']}/contracts",
            headers=auth(parent_business["token"]),
            json={"business_id": member["business"]["business_id"], "parent_contract_id": parent["id"], "proxy": proxy},
        )
        assert r.status_code == 201, r.text
        return r.json()

    async def roster(self, employer: dict, w: Worker, position: str = "worker") -> None:
        r = await self.client.post(
            f"/api/v1/sites/{self.site['id']}/roster",
            headers=auth(employer["token"]),
            json={"technician_id": w.technician_id, "trade": "05-01", "position": position},
        )
        assert r.status_code == 201, r.text

    async def enrol_device(self, kind: str = "reader") -> str:
        r = await self.client.post(
            f"/api/v1/sites/{self.site['id']}/devices",
            headers=auth(self.prime["token"]),
            json={"kind": kind, "name": "ゲート1"},
        )
        assert r.status_code == 201, r.text
        r = await self.client.post(
            "/api/v1/devices/enrol", json={"code": r.json()["enrolment_code"], "software_version": "0.1"}
        )
        assert r.status_code == 201, r.text
        return r.json()["device_token"]

    async def upload(self, *taps: dict, token: str | None = None) -> httpx.Response:
        return await self.client.post(
            "/api/v1/taps/batch", headers=auth(token or self.device_token), json={"taps": list(taps)}
        )


async def make_world(client: httpx.AsyncClient) -> World:
    op = await operator_token(client)
    w = World(
        client=client,
        op=op,
        prime=await approved_business(client, op),
        sub=await approved_business(client, op),
        sub2=await approved_business(client, op),
    )
    w.site = await w.create_site()
    w.device_token = await w.enrol_device()
    return w


__all__ = ["PASSWORD", "login"]
