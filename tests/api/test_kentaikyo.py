"""建退共 loop (issue 21 item 2): the employer's monthly confirm-then-submit, and the import of its 就労実績報告 whose
missing days become candidates the prime's site manager decides — on PostgreSQL and SQLite."""

from __future__ import annotations

import csv
import io
from datetime import date, datetime, time, timedelta

from tortoise.timezone import now

from api.timeutil import JST, today_jst
from tests.api.helpers import auth
from tests.api.site_world import make_world

LAST = today_jst().replace(day=1) - timedelta(days=1)  # last month's last day: a month that has ended
MONTH = LAST.strftime("%Y-%m")
DAYS = [LAST - timedelta(days=k) for k in range(3)]  # late in the month: inside the test site's window


async def _records(w, worker, employer: dict, days, site_pk: int | None = None) -> None:
    from api.workrecords.models import WorkRecord

    await WorkRecord.bulk_create(
        [
            WorkRecord(
                technician_id=worker.pk,
                site_id=site_pk or w.site["id"],
                work_date=d,
                employer_id=employer["business"]["id"],
                first_in=datetime.combine(d, time(8), JST),
                method="card",
                taps=2,
                folded_at=now(),
            )
            for d in days
        ]
    )


async def _world(client):
    w = await make_world(client)
    await w.join(w.sub, w.prime)
    me = await w.worker(w.sub)
    await w.roster(w.sub, me, position="foreman")
    return w, me


def _base(w) -> str:
    return f"/api/v1/businesses/{w.sub['business']['id']}/kentaikyo"


async def test_month_adjust_confirm_lock_and_export(client):
    w, me = await _world(client)
    await _records(w, me, w.sub, DAYS[:2])
    h = auth(w.sub["token"])
    r = await client.get(f"{_base(w)}/month", headers=h, params={"month": MONTH})
    assert r.status_code == 200, r.text
    view = r.json()
    assert view["status"] == "open" and [(x["technician_id"], x["days"]) for x in view["rows"]] == [
        (me.technician_id, sorted(d.day for d in DAYS[:2]))
    ]

    cell = {"technician_id": me.technician_id, "site_id": w.site["site_id"], "work_date": DAYS[2].isoformat()}
    # An adjustment without a reason is refused and writes nothing.
    for reason in ("", "   "):
        r = await client.post(f"{_base(w)}/adjustments", headers=h, json={**cell, "worked": True, "reason": reason})
        assert r.status_code == 422 and r.json()["error"] == "adjustment_reason_required", r.text
    assert (await client.get(f"{_base(w)}/month", headers=h, params={"month": MONTH})).json()["adjustments"] == []

    r = await client.post(
        f"{_base(w)}/adjustments", headers=h, json={**cell, "worked": True, "reason": "カード忘れ、日報で確認"}
    )
    assert r.status_code == 200, r.text
    assert r.json()["total_days"] == 3
    r = await client.post(
        f"{_base(w)}/adjustments",
        headers=h,
        json={**cell, "work_date": DAYS[0].isoformat(), "worked": False, "reason": "午前のみで帰宅"},
    )
    assert r.status_code == 200 and r.json()["total_days"] == 2
    assert sorted(r.json()["rows"][0]["days"]) == sorted([DAYS[1].day, DAYS[2].day])
    assert {(a["work_date"], a["worked"]) for a in r.json()["adjustments"]} == {
        (DAYS[2].isoformat(), True),
        (DAYS[0].isoformat(), False),
    }

    # Bad cells: a technician of another employer, a site the employer is not on, a day to come.
    other = await w.worker(w.prime)
    second = await w.create_site(name="第二現場")
    for body, code in (
        ({"technician_id": other.technician_id}, "not_your_technician"),
        ({"site_id": second["site_id"]}, "site_not_in_tree"),
        ({"work_date": (today_jst() + timedelta(days=1)).isoformat()}, "future_day"),
    ):
        r = await client.post(
            f"{_base(w)}/adjustments", headers=h, json={**cell, "worked": True, "reason": "x", **body}
        )
        assert r.status_code == 422 and r.json()["error"] == code, r.text

    # Export needs a confirmed month; the month in progress cannot be confirmed.
    r = await client.get(f"{_base(w)}/export", headers=h, params={"month": MONTH})
    assert r.status_code == 409 and r.json()["error"] == "kentaikyo_month_not_confirmed"
    r = await client.post(f"{_base(w)}/confirm", headers=h, json={"month": today_jst().strftime("%Y-%m")})
    assert r.status_code == 422 and r.json()["error"] == "kentaikyo_month_not_over"
    # Only the employer confirms its own month.
    r = await client.post(
        f"/api/v1/businesses/{w.sub['business']['id']}/kentaikyo/confirm",
        headers=auth(w.prime["token"]),
        json={"month": MONTH},
    )
    assert r.status_code == 403

    r = await client.post(f"{_base(w)}/confirm", headers=h, json={"month": MONTH})
    assert r.status_code == 200, r.text
    assert r.json()["status"] == "confirmed" and r.json()["total_days"] == 2
    r = await client.post(f"{_base(w)}/confirm", headers=h, json={"month": MONTH})
    assert r.status_code == 409 and r.json()["error"] == "kentaikyo_month_confirmed"
    r = await client.post(f"{_base(w)}/adjustments", headers=h, json={**cell, "worked": False, "reason": "後から"})
    assert r.status_code == 409 and r.json()["error"] == "kentaikyo_month_locked"

    # A record arriving after the confirmation does not change what was confirmed.
    await _records(w, me, w.sub, [LAST - timedelta(days=5)])
    r = await client.get(f"{_base(w)}/month", headers=h, params={"month": MONTH})
    assert r.json()["status"] == "confirmed" and r.json()["total_days"] == 2

    r = await client.get(f"{_base(w)}/export", headers=h, params={"month": MONTH})
    assert r.status_code == 200 and r.content.startswith(b"\xef\xbb\xbf")  # UTF-8 with BOM for Excel
    rows = list(csv.DictReader(io.StringIO(r.content.decode("utf-8-sig"))))
    assert [(x["技能者ID"], x["現場ID"], x["就労日数"], x[str(DAYS[0].day)], x[str(DAYS[2].day)]) for x in rows] == [
        (me.technician_id, w.site["site_id"], "2", "", "1")
    ]
    r = await client.get(f"{_base(w)}/export", headers=h, params={"month": MONTH, "encoding": "shift_jis"})
    assert r.status_code == 200 and me.technician_id in r.content.decode("cp932")
    # The operator reads it too; another employer does not.
    assert (await client.get(f"{_base(w)}/export", headers=auth(w.op), params={"month": MONTH})).status_code == 200
    r = await client.get(f"{_base(w)}/month", headers=auth(w.sub2["token"]), params={"month": MONTH})
    assert r.status_code == 403


def _report(rows: list[dict], *, encoding: str = "utf-8-sig") -> bytes:
    header = [
        "対象年月",
        "共済契約者番号",
        "事業者ID",
        "事業者名",
        "現場ID",
        "現場名",
        "技能者ID",
        "氏名",
        "被共済者番号",
        *[str(d) for d in range(1, 32)],
        "就労日数",
    ]
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=header, lineterminator="\r\n")
    writer.writeheader()
    for row in rows:
        writer.writerow({k: row.get(k, "") for k in header})
    return buf.getvalue().encode(encoding)


def _row(w, tech_id: str, days, **over) -> dict:
    return {
        "対象年月": MONTH,
        "事業者ID": w.sub["business"]["business_id"],
        "現場ID": w.site["site_id"],
        "技能者ID": tech_id,
        **{str(d.day): "1" for d in days},
        "就労日数": str(len(days)),
        **over,
    }


async def test_import_candidates_decided_once_and_billed(client, drain):
    from api.kentaikyo.models import KentaikyoCandidate, KentaikyoImport
    from api.workrecords.models import WorkRecord
    from tests.billing.world import close

    w, me = await _world(client)
    await _records(w, me, w.sub, DAYS[:1])
    h = auth(w.sub["token"])
    files = {"file": ("report.csv", _report([_row(w, me.technician_id, DAYS)], encoding="cp932"), "text/csv")}
    r = await client.post(f"{_base(w)}/imports", headers=h, files=files)
    assert r.status_code == 201, r.text
    assert (r.json()["rows"], r.json()["days"], r.json()["already_recorded"], r.json()["candidates"]) == (1, 3, 1, 2)
    # Imported again: nothing is asked twice.
    r = await client.post(f"{_base(w)}/imports", headers=h, files=files)
    assert r.status_code == 201 and r.json()["candidates"] == 0

    # A file with malformed rows is refused whole, each bad row named; the good row is not kept either.
    bad = _report(
        [
            _row(w, me.technician_id, [LAST - timedelta(days=6)]),  # good
            _row(w, "12345678901234", DAYS[:1]),  # check digit
            {**_row(w, me.technician_id, DAYS[:1]), str(DAYS[1].day): "x", "就労日数": "1"},  # not 1 or empty
            _row(w, me.technician_id, DAYS[:1], 就労日数="5"),  # total does not match
            _row(w, me.technician_id, DAYS[:1], 対象年月="2026-13"),
        ]
    )
    before = (await KentaikyoImport.all().count(), await KentaikyoCandidate.all().count())
    r = await client.post(f"{_base(w)}/imports", headers=h, files={"file": ("bad.csv", bad, "text/csv")})
    assert r.status_code == 422 and r.json()["error"] == "import_rows_invalid", r.text
    got = {(f["field"].split()[1], f["code"]) for f in r.json()["fields"]}
    assert {("3", "bad_technician_id"), ("4", "bad_day_value"), ("5", "total_mismatch"), ("6", "bad_month")} <= got
    assert not any(line == "2" for line, _ in got)
    assert (await KentaikyoImport.all().count(), await KentaikyoCandidate.all().count()) == before
    for data, code in (
        (b"a,b\r\n1,2\r\n", "import_header"),
        (_report([]), "import_empty"),
        (b"\xff\xfe\x00\x81", "import_encoding"),
        (
            # a cell past the csv module's field limit (131,072 characters)
            ("対象年月,現場ID,技能者ID," + ",".join(str(d) for d in range(1, 32)) + "\r\n" + "x" * 140_000).encode(),
            "import_not_csv",
        ),
    ):
        r = await client.post(f"{_base(w)}/imports", headers=h, files={"file": ("x.csv", data, "text/csv")})
        assert r.status_code == 422 and r.json()["error"] == code, r.text
    # Rows naming another employer's technician or a site the employer is not on.
    other = await w.worker(w.prime)
    second = await w.create_site(name="第二現場")
    r = await client.post(
        f"{_base(w)}/imports",
        headers=h,
        files={
            "file": (
                "x.csv",
                _report(
                    [
                        _row(w, other.technician_id, DAYS[:1]),
                        _row(w, me.technician_id, DAYS[:1], 現場ID=second["site_id"]),
                        _row(w, me.technician_id, [LAST - timedelta(days=6)]),
                        _row(w, me.technician_id, [LAST - timedelta(days=7)]),
                    ]
                ),
                "text/csv",
            )
        },
    )
    assert r.status_code == 422, r.text
    assert {(f["field"].split()[1], f["code"]) for f in r.json()["fields"]} == {
        ("2", "not_your_technician"),
        ("3", "site_not_in_tree"),
        ("5", "duplicate_row"),
    }

    url = f"/api/v1/sites/{w.site['id']}/kentaikyo-candidates"
    # The subcontractor imports; only the prime's side decides.
    r = await client.get(url, headers=h)
    assert r.status_code == 403 and r.json()["error"] == "not_site_manager"
    r = await client.get(url, headers=auth(w.prime["token"]), params={"status": "pending"})
    assert r.status_code == 200 and sorted(c["work_date"] for c in r.json()) == sorted(d.isoformat() for d in DAYS[1:])
    ok, no = sorted(r.json(), key=lambda c: c["work_date"])
    r = await client.post(f"{url}/{ok['id']}/approve", headers=h, json={})
    assert r.status_code == 403
    r = await client.post(f"{url}/{ok['id']}/approve", headers=auth(w.prime["token"]), json={"note": "日報あり"})
    assert r.status_code == 200 and r.json()["status"] == "approved", r.text
    for action in ("approve", "reject"):
        r = await client.post(f"{url}/{ok['id']}/{action}", headers=auth(w.prime["token"]), json={})
        assert r.status_code == 409 and r.json()["error"] == "candidate_already_decided"
    r = await client.post(f"{url}/{no['id']}/reject", headers=auth(w.prime["token"]), json={"note": "入場記録なし"})
    assert r.status_code == 200 and r.json()["status"] == "rejected"
    assert (await client.post(f"{url}/999999/approve", headers=auth(w.prime["token"]), json={})).status_code == 404

    recs = {r.work_date: r for r in await WorkRecord.filter(technician_id=me.pk, site_id=w.site["id"])}
    assert recs[date.fromisoformat(ok["work_date"])].method == "kentaikyo"
    assert recs[date.fromisoformat(ok["work_date"])].employer_id == w.sub["business"]["id"]
    assert recs[date.fromisoformat(ok["work_date"])].position == "foreman"  # trade and position from the roster
    assert date.fromisoformat(no["work_date"]) not in recs
    # The approved day counts for the employer's month, and the site usage fee follows the approved records.
    r = await client.get(f"{_base(w)}/month", headers=h, params={"month": MONTH})
    assert r.json()["total_days"] == 2
    await close(client, w.op, drain, LAST.replace(day=1))
    from api.billing.models import ChargedWorkRecord

    charged = set(await ChargedWorkRecord.filter(site_id=w.site["id"]).values_list("work_record_id", flat=True))
    assert charged == {rec.id for rec in recs.values()}


async def test_two_sites_on_one_day_is_one_day_in_the_month(client):
    """A day is a day on the employer's monthly page too (issue 14 item 2): records on two sites on one date count
    that date once."""
    w, me = await _world(client)
    second = await w.create_site(name="第二現場")
    await _records(w, me, w.sub, DAYS[:2])
    await _records(w, me, w.sub, DAYS[:1], site_pk=second["id"])
    r = await client.get(f"{_base(w)}/month", headers=auth(w.sub["token"]), params={"month": MONTH})
    assert r.status_code == 200, r.text
    assert r.json()["total_days"] == 2, r.json()
    assert sorted(d for row in r.json()["rows"] for d in row["days"]) == sorted(d.day for d in DAYS[:2])
