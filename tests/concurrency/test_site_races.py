"""Site decisions are made once under concurrency, on the live server (two API processes, PostgreSQL, Redis):
a direct input approved twice and rejected at one moment, two direct inputs of one day approved at once (one work
record per technician × site × day), one day entered twice at once; an invitation accepted and declined at once, one
business invited twice, one technician put on the roster twice; one enrolment code used by three devices; a face
check-in in review decided twice; a site marked as a training site twice, a trainee enrolled twice."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from functools import partial

from redis.asyncio import Redis

from api.timeutil import JST
from tests.api.helpers import approved_business, auth, login, submitted_technician
from tests.billing.world import technicians
from tests.concurrency.conftest import REDIS_URL, race

ROUNDS = 8


async def _jobs(prefix: str) -> int:
    r = Redis.from_url(REDIS_URL)
    try:
        return len([k async for k in r.scan_iter(match=f"arq:job:{prefix}*")])
    finally:
        await r.aclose()


def _one_winner(results: list, loser_code: str, *, win: int = 200, lose: int = 409) -> int:
    assert all(not isinstance(r, Exception) for r in results), results
    codes = [r.status_code for r in results]
    assert sorted(codes) == sorted([win] + [lose] * (len(codes) - 1)), [r.text for r in results]
    assert {r.json()["error"] for r in results if r.status_code == lose} == {loser_code}, [r.text for r in results]
    return codes.index(win)


class World:
    """An approved prime with a technician of its own, and sites made on demand."""

    def __init__(self, http, live) -> None:
        self.http, self.live = http, live

    async def setup(self) -> None:
        self.op = await login(self.http, "op")
        self.prime = await approved_business(self.http, self.op)
        self.sub = await approved_business(self.http, self.op)
        self.h = auth(self.prime["token"])
        t = await submitted_technician(self.http, employer_business_id=self.prime["business"]["business_id"])
        r = await self.http.post(f"/api/v1/review/applications/{t['application']['id']}/approve", headers=auth(self.op))
        assert r.status_code == 200, r.text
        self.tech = {"pk": t["pk"], "token": t["token"], "technician_id": r.json()["technician"]["technician_id"]}

    async def site(self) -> dict:
        today = datetime.now(JST).date()
        r = await self.http.post(
            "/api/v1/sites",
            headers=self.h,
            json={
                "name": "並行現場",
                "address": "千代田区",
                "order_type": "private",
                "window_start": (today - timedelta(days=60)).isoformat(),
                "window_end": (today + timedelta(days=300)).isoformat(),
                "cutoff_hour": 5,
            },
        )
        assert r.status_code == 201, r.text
        return r.json()

    async def prime_contract(self, site: dict) -> int:
        contracts = (await self.http.get(f"/api/v1/sites/{site['id']}/contracts", headers=self.h)).json()
        return next(c["id"] for c in contracts if c["tier"] == 0)

    def roster_add(self, site: dict) -> Callable[[], Awaitable]:
        return partial(
            self.http.post,
            f"/api/v1/sites/{site['id']}/roster",
            headers=self.h,
            json={"technician_id": self.tech["technician_id"], "trade": "05-01", "position": "worker"},
        )


def _day(n: int) -> datetime:
    """8:00 JST n+1 days ago: within its approval deadline (the end of the next month) for any n < 28."""
    day = datetime.now(JST).date() - timedelta(days=n + 1)
    return datetime(day.year, day.month, day.day, 8, tzinfo=JST)


def _input(w: World, n: int) -> dict:
    start = _day(n)
    return {
        "technician_id": w.tech["technician_id"],
        "start_at": start.isoformat(),
        "end_at": (start + timedelta(hours=9)).isoformat(),
        "reason": "カードを忘れたため",
    }


async def _records(live, tech_pk: int, site_pk: int, start: datetime) -> int:
    return await live.fetchval(
        "SELECT count(*) FROM work_record WHERE technician_id = $1 AND site_id = $2 AND work_date = $3",
        tech_pk,
        site_pk,
        start.date(),
    )


async def test_a_direct_input_is_decided_once_and_a_day_entered_twice_is_one_input(live, http):
    w = World(http, live)
    await w.setup()
    site = await w.site()
    assert (await w.roster_add(site)()).status_code == 201
    base = f"/api/v1/sites/{site['id']}/direct-inputs"
    for n in range(ROUNDS):
        body = _input(w, n)
        # The technician and the employer enter the same day at one moment: one direct input.
        entered = await race(
            partial(http.post, base, headers=auth(w.tech["token"]), json=body),
            partial(http.post, base, headers=w.h, json=body),
        )
        _one_winner(entered, "overlapping_record", win=201)
        item = next(r.json() for r in entered if r.status_code == 201)
        assert (
            await live.fetchval(
                "SELECT count(*) FROM direct_input WHERE site_id = $1 AND work_date = $2", site["id"], _day(n).date()
            )
            == 1
        )
        calls = [
            partial(http.post, f"{base}/{item['id']}/approve", headers=w.h, json={"note": "確認"}),
            partial(http.post, f"{base}/{item['id']}/approve", headers=w.h, json={"note": "確認"}),
            partial(http.post, f"{base}/{item['id']}/reject", headers=w.h, json={"note": "不明"}),
        ]
        if n % 2:
            calls.reverse()
        results = await race(*calls)
        won = _one_winner(results, "already_decided")
        status = results[won].json()["status"]
        assert await live.fetchval("SELECT status FROM direct_input WHERE id = $1", item["id"]) == status
        assert await _records(live, w.tech["pk"], site["id"], _day(n)) == (status == "approved")


async def test_two_direct_inputs_of_one_day_approved_at_once_make_one_work_record(live, http):
    w = World(http, live)
    await w.setup()
    site = await w.site()
    assert (await w.roster_add(site)()).status_code == 201
    base = f"/api/v1/sites/{site['id']}/direct-inputs"
    for n in range(ROUNDS):
        r = await http.post(base, headers=auth(w.tech["token"]), json=_input(w, n))
        assert r.status_code == 201, r.text
        first = r.json()["id"]
        # A second pending input of the same day (entered before the roster lock existed, or by an import).
        second = await live.fetchval(
            "INSERT INTO direct_input (technician_id, site_id, work_date, start_at, end_at, reason, entered_by_id, "
            "status, created_at) SELECT technician_id, site_id, work_date, start_at + interval '1 hour', end_at, "
            "reason, entered_by_id, 'pending', now() FROM direct_input WHERE id = $1 RETURNING id",
            first,
        )
        results = await race(
            partial(http.post, f"{base}/{first}/approve", headers=w.h),
            partial(http.post, f"{base}/{second}/approve", headers=w.h),
        )
        won = _one_winner(results, "overlapping_record")
        assert await _records(live, w.tech["pk"], site["id"], _day(n)) == 1
        # The loser was not marked approved: its record could not be written. It stays for a rejection.
        statuses = await live.fetch("SELECT id, status FROM direct_input WHERE id IN ($1, $2)", first, second)
        winner_id = (first, second)[won]
        assert {s["id"]: s["status"] for s in statuses} == {
            winner_id: "approved",
            (second if won == 0 else first): "pending",
        }
        loser = second if won == 0 else first
        r = await http.post(f"{base}/{loser}/reject", headers=w.h, json={"note": "重複"})
        assert r.status_code == 200 and r.json()["status"] == "rejected", r.text


async def test_an_invitation_is_answered_once_and_sent_once(live, http):
    w = World(http, live)
    await w.setup()
    sub_h = auth(w.sub["token"])
    for n in range(ROUNDS):
        site = await w.site()
        parent = await w.prime_contract(site)
        url = f"/api/v1/sites/{site['id']}/contracts"
        invite = {"business_id": w.sub["business"]["business_id"], "parent_contract_id": parent}
        sent = await race(*[partial(http.post, url, headers=w.h, json=invite)] * 2)
        _one_winner(sent, "already_in_tree", win=201)
        assert await live.fetchval("SELECT count(*) FROM site_contract WHERE site_id = $1", site["id"]) == 2
        tree = next(r.json() for r in sent if r.status_code == 201)  # the invite answers with the whole tree
        cid = next(c["id"] for c in tree if c["business_pk"] == w.sub["business"]["id"])
        answers = ["approve", "decline", "approve"] if n % 2 else ["decline", "approve", "approve"]
        results = await race(*[partial(http.post, f"{url}/{cid}/{a}", headers=sub_h) for a in answers])
        won = answers[_one_winner(results, "already_decided")]
        status = await live.fetchval("SELECT status FROM site_contract WHERE id = $1", cid)
        assert status == ("approved" if won == "approve" else "declined")
        # The held taps of the employer are released once, and only on acceptance.
        assert await _jobs(f"release-pending:{site['id']}:{w.sub['business']['id']}") == (won == "approve")
        # One roster entry however many times it is added at once.
        _one_winner(
            await race(w.roster_add(site), w.roster_add(site), w.roster_add(site)), "already_on_roster", win=201
        )
        assert await live.fetchval("SELECT count(*) FROM roster_entry WHERE site_id = $1", site["id"]) == 1


async def test_an_enrolment_code_enrols_one_device(live, http):
    w = World(http, live)
    await w.setup()
    site = await w.site()
    for _ in range(ROUNDS):
        r = await http.post(
            f"/api/v1/sites/{site['id']}/devices", headers=w.h, json={"kind": "reader", "name": "ゲート"}
        )
        assert r.status_code == 201, r.text
        device, code = r.json()["device"]["id"], r.json()["enrolment_code"]
        results = await race(
            *[
                partial(http.post, "/api/v1/devices/enrol", json={"code": code, "software_version": v})
                for v in ("a", "b", "c")
            ]
        )
        won = _one_winner(results, "invalid_enrolment_code", win=201, lose=401)
        token = results[won].json()["device_token"]
        assert (
            await live.fetchval(
                "SELECT count(*) FROM access_token t JOIN device d ON d.account_id = t.account_id WHERE d.id = $1",
                device,
            )
            == 1
        )
        assert await live.fetchval("SELECT software_version FROM device WHERE id = $1", device) == "abc"[won]
        assert (
            await http.post(
                "/api/v1/devices/heartbeat",
                headers=auth(token),
                json={"software_version": "abc"[won], "outbox_depth": 0},
            )
        ).status_code == 200


async def test_a_face_check_in_in_review_is_decided_once(live, http):
    w = World(http, live)
    await w.setup()
    site = await w.site()
    assert (await w.roster_add(site)()).status_code == 201
    r = await http.post(f"/api/v1/sites/{site['id']}/devices", headers=w.h, json={"kind": "kiosk", "name": "顔"})
    device = r.json()["device"]["id"]
    for n in range(ROUNDS):
        # A check-in the kiosk put in the review queue (liveness risk above the site's policy).
        cid = await live.fetchval(
            "INSERT INTO face_checkin (site_id, device_id, technician_id, outcome, distance, liveness_risk, "
            "model_version, device_time, idempotency_key, created_at) VALUES ($1, $2, $3, 'review', 0.3, 1.0, "
            "'test', now() - make_interval(days => $4), $5, now()) RETURNING id",
            site["id"],
            device,
            w.tech["pk"],
            n + 1,
            f"race-face-{n}",
        )
        url = f"/api/v1/sites/{site['id']}/face-checkins/{cid}/decision"
        answers = [True, True, False] if n % 2 else [False, True, True]
        results = await race(*[partial(http.post, url, headers=w.h, json={"approve": a}) for a in answers])
        won = answers[_one_winner(results, "already_decided")]
        row = (await live.fetch("SELECT approved, tap_id FROM face_checkin WHERE id = $1", cid))[0]
        assert row["approved"] is won
        taps = await live.fetchval("SELECT count(*) FROM tap WHERE source_key = $1", f"face-review:{cid}")
        assert taps == int(won) and (row["tap_id"] is not None) == won


async def test_a_site_is_marked_as_training_once_and_a_trainee_enrolled_once(live, http):
    """Two operator requests marking one site (work → training is a conditional write), and two enrolments of one
    trainee (the roster's (site, technician) key): one wins, the other gets a precise 409."""
    w = World(http, live)
    await w.setup()
    basis = {
        "basis": "industry_group",
        "basis_detail": "建設企業の事業協同組合",
        "source_url": "https://www.s-housing.jp/archives/398917",
        "source_date": "2025-10-01",
    }
    enrol = {"technician_id": w.tech["technician_id"], "trade": "05-01"}
    for _ in range(ROUNDS // 2):
        site = await w.site()
        mark = partial(http.post, f"/api/v1/sites/{site['id']}/training", headers=auth(w.op), json=basis)
        _one_winner(await race(mark, mark), "already_training_site")
        assert await live.fetchval("SELECT kind FROM site WHERE id = $1", site["id"]) == "training"
        assert await live.fetchval("SELECT count(*) FROM training_institution WHERE site_id = $1", site["id"]) == 1
        add = partial(http.post, f"/api/v1/sites/{site['id']}/trainees", headers=w.h, json=enrol)
        _one_winner(await race(add, add), "already_on_roster", win=201)
        assert await live.fetchval("SELECT count(*) FROM roster_entry WHERE site_id = $1", site["id"]) == 1


async def _held_departure(prime_pk: int, tech_pk: int, left: asyncio.Event) -> None:
    """The technician leaves the prime (api/registration/service.py leave_employer, which ends their roster entries):
    held open here after its writes, `left` set, while the other side arrives at the live server."""
    from tortoise.transactions import in_transaction

    from api.businesses.models import Business
    from api.registration.service import leave_employer

    async with in_transaction("default"):
        await leave_employer(business=await Business.get(id=prime_pk), pk=tech_pk)
        left.set()
        await asyncio.sleep(0.4)


async def test_a_technician_put_on_a_roster_while_leaving_stays_off_it(live, http, orm):
    """One of the employer's admins puts a technician on a site's roster while another records that the technician
    has left (which takes them off every roster of the business). The departure is held open here after its writes,
    and the roster entry arrives meanwhile: it is refused once the departure commits. Before, it was checked against
    the employer still committed, written beside the departure, and the technician stayed on the roster (施工体制台帳の
    名簿) of a firm they had left."""

    w = World(http, live)
    await w.setup()
    prime_pk = w.prime["business"]["id"]
    for n in range(ROUNDS):
        site = await w.site()
        [tech_pk] = await technicians(1, prime_pk)
        code = await live.fetchval("SELECT technician_id FROM technician WHERE id = $1", tech_pk)
        left = asyncio.Event()

        async def add(site=site, code=code, left=left):
            await left.wait()
            return await http.post(
                f"/api/v1/sites/{site['id']}/roster",
                headers=w.h,
                json={"technician_id": code, "trade": "05-01", "position": "worker"},
            )

        done, r = await race(partial(_held_departure, prime_pk, tech_pk, left), add)
        assert done is None, done
        assert r.status_code == 422 and r.json()["error"] == "not_own_technician", (n, r.status_code, r.text)
        assert (
            await live.fetchval("SELECT count(*) FROM roster_entry WHERE technician_id = $1 AND active", tech_pk) == 0
        )


async def test_a_roster_entry_changed_while_its_technician_leaves_stays_ended(live, http, orm):
    """One of the employer's admins changes a technician's roster entry (their position) while another records that
    the technician has left (which ends every roster entry of theirs at the business). The departure is held open here
    after its writes and the change arrives meanwhile: the entry stays ended. Before, the change saved the whole entry
    as it had read it, active, and the technician was back on the roster of a firm they had left. Reactivating the
    entry afterwards is refused as adding it would be."""

    w = World(http, live)
    await w.setup()
    prime_pk = w.prime["business"]["id"]
    for n in range(4):
        site = await w.site()
        [tech_pk] = await technicians(1, prime_pk)
        code = await live.fetchval("SELECT technician_id FROM technician WHERE id = $1", tech_pk)
        r = await http.post(
            f"/api/v1/sites/{site['id']}/roster",
            headers=w.h,
            json={"technician_id": code, "trade": "05-01", "position": "worker"},
        )
        assert r.status_code == 201, r.text
        entry = await live.fetchval("SELECT id FROM roster_entry WHERE technician_id = $1", tech_pk)
        left = asyncio.Event()

        async def change(site=site, entry=entry, left=left):
            await left.wait()
            return await http.patch(
                f"/api/v1/sites/{site['id']}/roster/{entry}", headers=w.h, json={"position": "foreman"}
            )

        done, r = await race(partial(_held_departure, prime_pk, tech_pk, left), change)
        assert done is None, done
        assert r.status_code == 200, (n, r.text)
        assert await live.fetchval("SELECT active FROM roster_entry WHERE id = $1", entry) is False, n
        r = await http.patch(f"/api/v1/sites/{site['id']}/roster/{entry}", headers=w.h, json={"active": True})
        assert (r.status_code, r.json()["error"]) == (422, "not_own_technician"), r.text
        assert await live.fetchval("SELECT active FROM roster_entry WHERE id = $1", entry) is False, n


async def test_a_device_rotated_while_it_is_revoked_stays_revoked(live, http, orm):
    """A site manager rotates a reader's secret while another revokes the reader for good. The revocation is held
    open here after its writes and the rotation arrives meanwhile: it is refused, and the reader stays revoked. Before,
    the rotation saved the whole device row as it had read it, not revoked, with a fresh enrolment code: the revoked
    reader showed as not revoked and was handed a code to enrol again."""
    from tortoise.transactions import in_transaction

    from api.devices.models import Device
    from api.devices.service import revoke

    w = World(http, live)
    await w.setup()
    site = await w.site()
    for n in range(4):
        r = await http.post(
            f"/api/v1/sites/{site['id']}/devices", headers=w.h, json={"kind": "reader", "name": f"ゲート{n}"}
        )
        assert r.status_code == 201, r.text
        did = r.json()["device"]["id"]
        revoked = asyncio.Event()

        async def revoking(did=did, revoked=revoked):
            async with in_transaction("default"):
                await revoke(device=await Device.get(id=did).select_related("account"))
                revoked.set()
                await asyncio.sleep(0.4)  # the rotation arrives meanwhile

        async def rotate(did=did, revoked=revoked):
            await revoked.wait()
            return await http.post(f"/api/v1/sites/{site['id']}/devices/{did}/rotate", headers=w.h)

        done, r = await race(revoking, rotate)
        assert done is None, done
        assert (r.status_code, r.json().get("error")) == (409, "device_already_revoked"), (n, r.text)
        row = (await live.fetch("SELECT revoked_at, enrolment_code_hash FROM device WHERE id = $1", did))[0]
        assert row["revoked_at"] is not None and row["enrolment_code_hash"] is None, (n, dict(row))


async def test_a_trainee_enrolled_while_leaving_is_not_enrolled_under_the_former_employer(live, http, orm):
    """A training site's staff enrol a trainee (the entry keeps the trainee's employer, under whom the days count)
    while the employer records that the trainee has left (which ends the business's roster entries of theirs). The
    departure is held open here after its writes and the enrolment arrives meanwhile: it is refused, the trainee has
    no employer. Before, it read the employer still committed and wrote an entry beside the departure, which did not
    see it: the trainee's days counted under a firm they had left."""

    w = World(http, live)
    await w.setup()
    prime_pk = w.prime["business"]["id"]
    site = await w.site()
    basis = {
        "basis": "industry_group",
        "basis_detail": "建設企業の事業協同組合",
        "source_url": "https://www.s-housing.jp/archives/398917",
        "source_date": "2025-10-01",
    }
    r = await http.post(f"/api/v1/sites/{site['id']}/training", headers=auth(w.op), json=basis)
    assert r.status_code == 200, r.text
    for n in range(4):
        [tech_pk] = await technicians(1, prime_pk)
        code = await live.fetchval("SELECT technician_id FROM technician WHERE id = $1", tech_pk)
        left = asyncio.Event()

        async def enrol(code=code, left=left):
            await left.wait()
            return await http.post(
                f"/api/v1/sites/{site['id']}/trainees",
                headers=auth(w.op),
                json={"technician_id": code, "trade": "05-01"},
            )

        done, r = await race(partial(_held_departure, prime_pk, tech_pk, left), enrol)
        assert done is None, done
        assert r.status_code == 422 and r.json()["error"] == "trainee_without_employer", (n, r.status_code, r.text)
        assert (
            await live.fetchval("SELECT count(*) FROM roster_entry WHERE technician_id = $1 AND active", tech_pk) == 0
        )
