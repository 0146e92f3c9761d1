from datetime import timedelta

from api.timeutil import today_jst
from tests.api.helpers import PASSWORD, auth, login
from tests.api.site_world import make_world


async def test_residence_expiry_reaches_employer_and_site_managers_once(client, drain):
    w = await make_world(client)
    prime_pk = w.prime["business"]["id"]
    r = await client.post(
        f"/api/v1/businesses/{prime_pk}/site-managers",
        headers=auth(w.prime["token"]),
        json={"password": PASSWORD, "display_name": "現場"},
    )
    assert r.status_code == 201, r.text
    sm_login = r.json()["login"]  # the system assigned it
    accounts = (await client.get(f"/api/v1/businesses/{prime_pk}/accounts", headers=auth(w.prime["token"]))).json()
    sm_id = next(a["id"] for a in accounts if a["login"] == sm_login)
    w.site = await w.create_site(name="外国人就労現場", manager_account_ids=[sm_id])
    await w.join(w.sub, w.prime)
    soon = await w.worker(w.sub)
    from api.registration.models import Technician

    # A foreign technician whose permit ends in 20 days (set directly: the correction API is tested elsewhere).
    await Technician.filter(id=soon.pk).update(
        nationality="VN", residence_status="特定技能1号", residence_expiry=today_jst() + timedelta(days=20)
    )
    await w.roster(w.sub, soon)
    assert (await client.post("/api/v1/admin/batches/residence-alerts", headers=auth(w.op))).status_code == 202
    await drain()
    # The same day's run again (a second worker, a restart) finds nothing new to say.
    from api.notifications.jobs import residence_expiry_alerts

    assert await residence_expiry_alerts({}) == 0
    sm = await login(client, sm_login)
    for token in (w.sub["token"], sm, w.prime["token"]):
        notes = [
            n
            for n in (await client.get("/api/v1/notifications", headers=auth(token))).json()
            if n["kind"].startswith("residence.")
        ]
        assert [n["kind"] for n in notes] == ["residence.30"], token
        assert "残り20日" in notes[0]["message"]
    # The technician themself is not one of the recipients of the employer-side alert.
    mine = (await client.get("/api/v1/notifications", headers=auth(soon.token))).json()
    assert not [n for n in mine if n["kind"].startswith("residence.")]
