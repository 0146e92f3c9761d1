"""In-app notices (both back ends): a direct input awaiting approval reaches its approvers with the deadline, its
rejection needs a reason and reaches the technician with it, an overdue invoice is flagged once, and the pending
counts behind the navigation's badges follow each of these."""

from datetime import datetime, time, timedelta

from api.notifications.jobs import notify_direct_input_decided, notify_direct_input_pending, notify_overdue_invoices
from api.timeutil import JST, today_jst
from api.workrecords.direct import deadline
from tests.api.helpers import PASSWORD, auth, login, operator_token, submitted_technician
from tests.api.site_world import make_world


def at(day, hh):
    return datetime.combine(day, time(hh), tzinfo=JST)


async def counts(client, token) -> dict:
    r = await client.get("/api/v1/notifications/counts", headers=auth(token))
    assert r.status_code == 200, r.text
    return r.json()


async def notices(client, token, prefix: str) -> list[dict]:
    mine = (await client.get("/api/v1/notifications", headers=auth(token))).json()
    return [n for n in mine if n["kind"].startswith(prefix)]


async def test_direct_input_notices_name_the_person_carry_the_deadline_and_the_reason(client, drain):
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
    w.site = await w.create_site(name="通知テスト現場", manager_account_ids=[sm_id])
    sm = await login(client, sm_login)
    me = await w.worker(w.prime, family_name="直入", given_name="花子")
    await w.roster(w.prime, me)
    site = w.site["id"]
    day = today_jst() - timedelta(days=2)
    r = await client.post(
        f"/api/v1/sites/{site}/direct-inputs",
        headers=auth(me.token),
        json={"technician_id": me.technician_id, "start_at": at(day, 8).isoformat(), "reason": "カードを忘れたため"},
    )
    assert r.status_code == 201, r.text
    item = r.json()
    await drain()
    assert await notify_direct_input_pending({}, item["id"]) == 0  # run again: nothing new

    due = deadline(day)
    for token in (sm, w.prime["token"]):
        [n] = await notices(client, token, "direct.")
        assert n["kind"] == "direct.pending" and n["about"] == "直入 花子", n
        assert f"承認期限は {due.year}年{due.month}月{due.day}日" in n["message"] and "通知テスト現場" in n["message"]
        c = await counts(client, token)
        assert c["direct_inputs"] == 1 and c["notices"] >= 1, c
    assert (await counts(client, me.token))["direct_inputs"] == 0  # the technician approves nothing

    url = f"/api/v1/sites/{site}/direct-inputs/{item['id']}/reject"
    for body in ({}, {"note": None}, {"note": "   "}):
        r = await client.post(url, headers=auth(sm), json=body)
        assert (r.status_code, r.json()["error"]) == (422, "rejection_reason_required"), r.text
        assert [f["field"] for f in r.json()["fields"]] == ["note"]
    r = await client.post(url, headers=auth(sm), json={"note": "当日は休工日です"})
    assert r.status_code == 200 and r.json()["status"] == "rejected", r.text
    await drain()
    assert await notify_direct_input_decided({}, item["id"]) == 0
    [n] = await notices(client, me.token, "direct.")
    assert n["kind"] == "direct.rejected" and n["about"] == "直入 花子"
    assert "理由: 当日は休工日です" in n["message"]
    assert (await counts(client, sm))["direct_inputs"] == 0

    # Reading a notice lowers the unread count.
    before = (await counts(client, me.token))["notices"]
    assert (await client.post(f"/api/v1/notifications/{n['id']}/read", headers=auth(me.token))).status_code == 200
    assert (await counts(client, me.token))["notices"] == before - 1


async def test_an_overdue_invoice_is_flagged_once_and_counted(client, drain, monkeypatch):
    from api.billing.models import Invoice

    op = await operator_token(client)
    t = await submitted_technician(client, family_name="遅延", given_name="太郎")
    assert (
        await client.post(f"/api/v1/review/applications/{t['application']['id']}/approve", headers=auth(op))
    ).status_code == 200
    await drain()
    token = await login(client, t["login_id"])
    c = await counts(client, token)
    assert (c["invoices"], c["overdue_invoices"]) == (1, 0), c
    assert await notify_overdue_invoices({}) == 0  # not due yet

    # An issued invoice is immutable (a trigger): the calendar moves instead, to the day after the due date.
    [inv] = await Invoice.filter(technician_id=t["pk"])
    monkeypatch.setattr("api.timeutil.today_jst", lambda: inv.due_on + timedelta(days=1))
    r = await client.post("/api/v1/admin/batches/invoice-overdue", headers=auth(op))
    assert r.status_code == 202, r.text
    await drain()
    assert await notify_overdue_invoices({}) == 0  # the next run (or a second worker) posts nothing again
    [n] = await notices(client, token, "invoice.overdue")
    assert n["about"] == "遅延 太郎" and "お支払期限" in n["message"] and "未払額" in n["message"]
    c = await counts(client, token)
    assert (c["invoices"], c["overdue_invoices"]) == (1, 1), c
    assert (await counts(client, op))["reviews"] == 0


async def test_operators_see_the_review_queue_count(client):
    op = await operator_token(client)
    await submitted_technician(client)
    c = await counts(client, op)
    assert c["reviews"] == 1 and c["direct_inputs"] == 0 and c["invoices"] == 0, c
