import csv
import io
from datetime import datetime, time, timedelta

from pypdf import PdfReader

from api.timeutil import JST
from tests.api.helpers import auth
from tests.api.site_world import make_world


def _fonts(pdf: bytes) -> set[str]:
    names = set()
    for page in PdfReader(io.BytesIO(pdf)).pages:
        for font in (page["/Resources"].get("/Font") or {}).values():
            names.add(str(font.get_object()["/BaseFont"]))
    return names


async def _world_with_records(client, drain):
    w = await make_world(client)
    await w.join(w.sub, w.prime)
    me = await w.worker(w.sub)
    await w.roster(w.sub, me, position="foreman")
    days = [datetime.now(JST).date() - timedelta(days=d) for d in (2, 3)]
    for i, d in enumerate(days):
        await w.upload(
            me.tap(f"in{i}", at=datetime.combine(d, time(8), JST), seq=2 * i + 1),
            me.tap(f"out{i}", at=datetime.combine(d, time(17), JST), seq=2 * i + 2),
        )
    assert (await client.post("/api/v1/admin/batches/fold", headers=auth(w.op))).status_code == 202
    await drain()
    return w, me, days


async def test_worker_roster_csv_pdf_and_access(client, drain):
    w, me, _ = await _world_with_records(client, drain)
    url = f"/api/v1/sites/{w.site['id']}/worker-roster"
    employer = {"employer_pk": w.sub["business"]["id"]}
    r = await client.get(url, headers=auth(w.sub["token"]), params=employer)
    assert r.status_code == 200 and r.content.startswith(b"\xef\xbb\xbf")  # UTF-8 with BOM for Excel
    text = r.content.decode("utf-8-sig")
    assert me.technician_id in text and "職長" in text
    r = await client.get(url, headers=auth(w.prime["token"]), params={**employer, "encoding": "shift_jis"})
    assert r.status_code == 200 and me.technician_id in r.content.decode("cp932")
    r = await client.get(url, headers=auth(w.prime["token"]), params={**employer, "format": "pdf"})
    assert r.content.startswith(b"%PDF") and any("IPA" in f or "ipag" in f.lower() for f in _fonts(r.content))
    # A subcontractor cannot download another employer's roster.
    r = await client.get(url, headers=auth(w.sub["token"]), params={"employer_pk": w.prime["business"]["id"]})
    assert r.status_code == 403


async def test_kentaikyo_calendar_and_lists(client, drain):
    w, me, days = await _world_with_records(client, drain)
    month = days[0].strftime("%Y-%m")
    r = await client.get(
        f"/api/v1/businesses/{w.sub['business']['id']}/kentaikyo", headers=auth(w.sub["token"]), params={"month": month}
    )
    assert r.status_code == 200
    rows = list(csv.reader(io.StringIO(r.content.decode("utf-8-sig"))))
    mine = [row for row in rows if me.technician_id in row]
    in_month = [d for d in days if d.strftime("%Y-%m") == month]
    assert len(mine) == 1 and str(len(in_month)) in mine[0]
    r = await client.get(
        f"/api/v1/businesses/{w.sub['business']['id']}/kentaikyo",
        headers=auth(w.sub["token"]),
        params={"month": "2026-13"},
    )
    assert r.status_code == 422
    r = await client.get(
        f"/api/v1/businesses/{w.sub['business']['id']}/kentaikyo",
        headers=auth(w.prime["token"]),
        params={"month": month},
    )
    assert r.status_code == 403
    r = await client.get(f"/api/v1/businesses/{w.sub['business']['id']}/technician-list", headers=auth(w.sub["token"]))
    assert r.status_code == 200 and me.technician_id in r.content.decode("utf-8-sig")
    r = await client.get(
        f"/api/v1/businesses/{w.sub['business']['id']}/technician-list",
        headers=auth(w.sub["token"]),
        params={"format": "statistics"},
    )
    assert r.status_code == 200
    r = await client.get(f"/api/v1/technicians/{me.pk}/career.pdf", headers=auth(me.token))
    assert r.status_code == 200 and r.content.startswith(b"%PDF")


async def test_kentaikyo_two_sites_on_one_day_is_one_day(client):
    """建退共 days are distinct dates: a technician on two sites of the employer on one day has it once in the CSV."""
    from datetime import datetime, time, timedelta

    from tortoise.timezone import now

    from api.timeutil import JST, today_jst
    from api.workrecords.models import WorkRecord
    from tests.api.site_world import make_world

    w = await make_world(client)
    me = await w.worker(w.prime)
    second = await w.create_site(name="第二現場")
    day = today_jst().replace(day=1) - timedelta(days=1)  # last month's last day: always a whole month behind
    await WorkRecord.bulk_create(
        [
            WorkRecord(
                technician_id=me.pk,
                site_id=site,
                work_date=day,
                employer_id=w.prime["business"]["id"],
                first_in=datetime.combine(day, time(hour), JST),
                method="card",
                taps=2,
                folded_at=now(),
            )
            for site, hour in ((w.site["id"], 13), (second["id"], 8))
        ]
    )
    r = await client.get(
        f"/api/v1/businesses/{w.prime['business']['id']}/kentaikyo",
        headers=auth(w.prime["token"]),
        params={"month": day.strftime("%Y-%m")},
    )
    assert r.status_code == 200, r.text
    rows = [
        row for row in csv.DictReader(io.StringIO(r.content.decode("utf-8-sig"))) if row["技能者ID"] == me.technician_id
    ]
    assert [(row["現場ID"], row["就労日数"], row[str(day.day)]) for row in rows] == [(second["site_id"], "1", "1")]
