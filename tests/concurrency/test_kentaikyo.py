"""建退共 under concurrency (issue 21.2): a month is confirmed once however many confirmations race (one lock row,
one 200), an adjustment racing the confirmation is either in the confirmed snapshot or refused, and a candidate day
is decided once (one work record at most)."""

from __future__ import annotations

import csv
import io
from datetime import date, timedelta

from api.timeutil import today_jst
from tests.api.helpers import approved_business, auth, login, submitted_technician
from tests.concurrency.conftest import race

ROUNDS = 8


def _month(k: int) -> date:
    """The first day of the month k months before this one (k ≥ 1: ended months)."""
    d = today_jst().replace(day=1)
    for _ in range(k):
        d = (d - timedelta(days=1)).replace(day=1)
    return d


async def _employer_with_site(http, op: str) -> tuple[dict, dict, dict]:
    biz = await approved_business(http, op)
    t = await submitted_technician(http, employer_business_id=biz["business"]["business_id"])
    assert (
        await http.post(f"/api/v1/review/applications/{t['application']['id']}/approve", headers=auth(op))
    ).status_code == 200
    tech = (await http.get(f"/api/v1/technicians/{t['pk']}", headers=auth(op))).json()
    site = await http.post(
        "/api/v1/sites",
        headers=auth(biz["token"]),
        json={
            "name": "現場",
            "address": "東京都",
            "order_type": "private",
            "window_start": "2020-01-01",
            "window_end": "2030-12-31",
        },
    )
    assert site.status_code == 201, site.text
    return biz, tech, site.json()


async def test_a_month_is_confirmed_once_and_adjustments_are_in_or_refused(live, http):
    op = await login(http, "op")
    biz, tech, site = await _employer_with_site(http, op)
    base = f"/api/v1/businesses/{biz['business']['id']}/kentaikyo"
    h = auth(biz["token"])
    for n in range(ROUNDS):
        first = _month(n + 1)
        month = first.strftime("%Y-%m")

        def confirm(month: str = month):
            return http.post(f"{base}/confirm", headers=h, json={"month": month})

        def adjust(day: date = first + timedelta(days=n)):
            return http.post(
                f"{base}/adjustments",
                headers=h,
                json={
                    "technician_id": tech["technician_id"],
                    "site_id": site["site_id"],
                    "work_date": day.isoformat(),
                    "worked": True,
                    "reason": "日報で確認",
                },
            )

        got = await race(confirm, confirm, adjust, confirm)
        confirms = [got[0], got[1], got[3]]
        assert sorted(r.status_code for r in confirms) == [200, 409, 409], [r.text for r in got]
        assert all(r.json()["error"] == "kentaikyo_month_confirmed" for r in confirms if r.status_code == 409)
        assert (
            await live.fetchval(
                "SELECT count(*) FROM kentaikyo_month WHERE business_id = $1 AND month = $2",
                biz["business"]["id"],
                first,
            )
            == 1
        )
        snap = next(r.json() for r in confirms if r.status_code == 200)
        stored = await live.fetchval(
            "SELECT count(*) FROM kentaikyo_adjustment a JOIN kentaikyo_month m ON "
            "m.id = a.month_id WHERE m.business_id = $1 AND m.month = $2",
            biz["business"]["id"],
            first,
        )
        if got[2].status_code == 200:  # the adjustment came first: it is in what was confirmed
            assert stored == 1 and snap["total_days"] == 1 and len(snap["adjustments"]) == 1
        else:  # the confirmation came first: the adjustment is refused and left nothing
            assert got[2].status_code == 409 and got[2].json()["error"] == "kentaikyo_month_locked", got[2].text
            assert stored == 0 and snap["total_days"] == 0
        # The export is the snapshot, whatever came after.
        r = await http.get(f"{base}/export", headers=h, params={"month": month})
        assert r.status_code == 200
        rows = list(csv.DictReader(io.StringIO(r.content.decode("utf-8-sig"))))
        assert sum(int(x["就労日数"]) for x in rows) == snap["total_days"]


async def test_a_candidate_day_is_decided_once(live, http):
    op = await login(http, "op")
    biz, tech, site = await _employer_with_site(http, op)
    first = _month(1)
    days = [first + timedelta(days=k) for k in range(ROUNDS)]
    header = ["対象年月", "現場ID", "技能者ID", *[str(d) for d in range(1, 32)], "就労日数"]
    row = [
        first.strftime("%Y-%m"),
        site["site_id"],
        tech["technician_id"],
        *["1" if d in {x.day for x in days} else "" for d in range(1, 32)],
        str(len(days)),
    ]
    data = ("\r\n".join(",".join(r) for r in (header, row)) + "\r\n").encode("utf-8-sig")
    # The same report imported twice at one moment: each day becomes one candidate.
    got = await race(
        *[
            lambda: http.post(
                f"/api/v1/businesses/{biz['business']['id']}/kentaikyo/imports",
                headers=auth(biz["token"]),
                files={"file": ("r.csv", data, "text/csv")},
            )
        ]
        * 2
    )
    assert [r.status_code for r in got] == [201, 201], [r.text for r in got]
    assert sorted(r.json()["candidates"] for r in got) == [0, ROUNDS]
    assert await live.fetchval("SELECT count(*) FROM kentaikyo_candidate WHERE site_id = $1", site["id"]) == ROUNDS
    url = f"/api/v1/sites/{site['id']}/kentaikyo-candidates"
    items = (await http.get(url, headers=auth(biz["token"]))).json()
    for item in items:
        decide = [
            lambda a=a, pk=item["id"]: http.post(f"{url}/{pk}/{a}", headers=auth(biz["token"]), json={})
            for a in ("approve", "approve", "reject")
        ]
        got = await race(*decide)
        assert sorted(r.status_code for r in got) == [200, 409, 409], [r.text for r in got]
        assert all(r.json()["error"] == "candidate_already_decided" for r in got if r.status_code == 409)
        status = await live.fetchval("SELECT status FROM kentaikyo_candidate WHERE id = $1", item["id"])
        records = await live.fetchval(
            "SELECT count(*) FROM work_record WHERE technician_id = $1 AND site_id = $2 "
            "AND work_date = $3 AND method = 'kentaikyo'",
            tech["id"],
            site["id"],
            date.fromisoformat(item["work_date"]),
        )
        assert records == (1 if status == "approved" else 0)
