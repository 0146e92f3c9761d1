"""The invoice lists (both back ends): each row names its payer, and the operator finds an invoice by its number (or
its last digits) or by words of the payer's name, and lists the overdue ones."""

from datetime import timedelta

from tests.api.helpers import auth, operator_token, submitted_technician


async def test_invoices_name_their_payer_and_are_found_by_number_name_and_overdue(client, drain, monkeypatch):
    from api.billing.models import Invoice

    op = await operator_token(client)
    payers = {}
    for fam in ("請求", "別払"):
        t = await submitted_technician(client, family_name=fam, given_name="花子")
        payers[fam] = t["login_id"]
        r = await client.post(f"/api/v1/review/applications/{t['application']['id']}/approve", headers=auth(op))
        assert r.status_code == 200, r.text
    await drain()

    async def listed(**params) -> list[dict]:
        r = await client.get("/api/v1/admin/invoices", headers=auth(op), params=params)
        assert r.status_code == 200, r.text
        return r.json()

    rows = await listed()
    assert {"請求 花子", "別払 花子"} <= {r["payer_name"] for r in rows}
    mine = next(r for r in rows if r["payer_name"] == "請求 花子")
    assert [r["number"] for r in await listed(q=mine["number"])] == [mine["number"]]
    assert mine["number"] in [r["number"] for r in await listed(q=mine["number"].rsplit("-", 1)[1].lstrip("0"))]
    assert [r["payer_name"] for r in await listed(q="請求 花子")] == ["請求 花子"]
    assert await listed(q="該当なし") == []
    assert await listed(overdue="true") == []
    due = (await Invoice.get(id=mine["id"])).due_on
    monkeypatch.setattr("api.billing.invoices.today_jst", lambda: due + timedelta(days=1))
    assert mine["id"] in [r["id"] for r in await listed(overdue="true")]
    r = await client.get("/api/v1/admin/invoices", headers=auth(op), params={"q": "x" * 101})
    assert r.status_code == 422
    # A payer's own list names them too.
    from tests.api.helpers import login

    own = (await client.get("/api/v1/invoices", headers=auth(await login(client, payers["請求"])))).json()
    assert [r["payer_name"] for r in own] == ["請求 花子"]
