from api.ids import is_valid_ccus_id
from tests.api.helpers import (
    PASSWORD,
    auth,
    business_payload,
    corporate_number,
    login,
    operator_token,
    register_business,
    table_counts,
)


async def test_register_business_issues_checked_id_and_fee_tier(client):
    reg = await register_business(client, capital_yen=30_000_000)
    b = reg["business"]
    assert is_valid_ccus_id(b["business_id"])
    assert b["status"] == "submitted"
    # 2,000万–5,000万 band: 48,000 yen under the tariff in force since 2020-10-01.
    assert b["registration_fee"] == {
        "band": b["registration_fee"]["band"],
        "amount_yen": 48_000,
        "on": b["registration_fee"]["on"],
    }
    me = await client.get("/api/v1/auth/me", headers=auth(reg["token"]))
    assert me.json()["role"] == "business_admin" and me.json()["admin_tier"] == 0


async def test_sole_proprietor_pays_no_registration_fee(client):
    reg = await register_business(client, corporate_number=None, capital_yen=None, sole_proprietor=True)
    assert reg["business"]["registration_fee"]["amount_yen"] == 0


async def test_bad_business_input_is_refused_and_writes_nothing(client):
    await register_business(client, corporate_number=corporate_number(1))
    before = await table_counts()
    good = corporate_number(2)
    wrong_check = str((int(good[0]) + 1) % 10) + good[1:]
    cases = [
        (business_payload(corporate_number=wrong_check), 422, "invalid_corporate_number"),
        (business_payload(capital_yen="lots"), 422, "validation_error"),
        (business_payload(capital_yen=True), 422, "validation_error"),
        (business_payload(permitted_industries=["01", "30"]), 422, "validation_error"),
        (business_payload(name_kana="ﾃｽﾄ建設"), 422, "validation_error"),
        (business_payload(prefecture="48"), 422, "validation_error"),
        (business_payload(unexpected="x"), 422, "validation_error"),
        ({k: v for k, v in business_payload().items() if k != "name"}, 422, "validation_error"),
    ]
    for payload, status, code in cases:
        r = await client.post("/api/v1/businesses", json=payload)
        assert (r.status_code, r.json()["error"]) == (status, code), (payload, r.text)
    # Nobody picks the 事業者責任者's login name: the system assigns a login ID, and a body naming one is refused.
    named = business_payload()
    named["admin"]["login"] = "admin-chosen"
    r = await client.post("/api/v1/businesses", json=named)
    assert (r.status_code, r.json()["error"]) == (422, "validation_error"), r.text
    # The admin's password is checked after the business row is written: the transaction must undo that row.
    common = business_payload()
    common["admin"]["password"] = "iloveyou1234567"
    r = await client.post("/api/v1/businesses", json=common)
    assert (r.status_code, r.json()["error"]) == (422, "password_common"), r.text
    assert await table_counts() == before


async def test_each_business_admin_gets_a_login_id_of_their_own(client):
    a, b = await register_business(client), await register_business(client)
    assert a["login_id"] != b["login_id"]
    for reg in (a, b):
        assert len(reg["login_id"]) == 12 and reg["login_id"].isdigit(), reg["login_id"]
        token = await login(client, reg["login_id"])
        me = (await client.get("/api/v1/auth/me", headers=auth(token))).json()
        assert me["role"] == "business_admin" and me["business_pk"] == reg["business"]["id"], me


async def test_malformed_json_is_400(client):
    r = await client.post("/api/v1/businesses", content=b'{"name": ', headers={"content-type": "application/json"})
    assert r.status_code == 400 and r.json()["error"] == "invalid_json"
    r = await client.post("/api/v1/businesses", json=[1, 2])
    assert r.status_code == 422


async def test_lookup_by_business_id_checks_the_check_digit(client):
    reg = await register_business(client)
    token, bid = reg["token"], reg["business"]["business_id"]
    r = await client.get(f"/api/v1/businesses/by-id/{bid}", headers=auth(token))
    assert r.status_code == 200 and r.json()["name"] == reg["business"]["name"]
    typo = bid[:5] + str((int(bid[5]) + 1) % 10) + bid[6:]
    r = await client.get(f"/api/v1/businesses/by-id/{typo}", headers=auth(token))
    assert r.status_code == 422 and r.json()["error"] == "invalid_check_digit"
    r = await client.get("/api/v1/businesses/by-id/123", headers=auth(token))
    assert r.status_code == 422 and r.json()["error"] == "invalid_id"


async def test_admin_hierarchy_and_site_managers(client):
    reg = await register_business(client)
    pk, root = reg["business"]["id"], reg["token"]
    sub = {"password": PASSWORD, "display_name": "支店管理者", "tier": 1}
    r = await client.post(f"/api/v1/businesses/{pk}/admins", headers=auth(root), json=sub)
    assert r.status_code == 201, r.text
    t1 = await login(client, r.json()["login"])  # the login ID the system assigned, handed over by the admin
    r = await client.post(f"/api/v1/businesses/{pk}/admins", headers=auth(t1), json=sub)
    assert r.status_code == 403
    lower = {**sub, "tier": 2}
    assert (await client.post(f"/api/v1/businesses/{pk}/admins", headers=auth(t1), json=lower)).status_code == 201
    # The creating admin picks no login name for the sub-account either.
    r = await client.post(f"/api/v1/businesses/{pk}/admins", headers=auth(root), json={**lower, "login": "tier2b"})
    assert (r.status_code, r.json()["error"]) == (422, "validation_error"), r.text
    site = {"password": PASSWORD, "display_name": "現場管理者"}
    r = await client.post(f"/api/v1/businesses/{pk}/site-managers", headers=auth(root), json=site)
    assert r.status_code == 201 and r.json()["role"] == "site_manager"
    sm_login = r.json()["login"]
    r = await client.post(f"/api/v1/businesses/{pk}/site-managers", headers=auth(root), json={**site, "tier": 1})
    assert r.status_code == 422
    r = await client.post(
        f"/api/v1/businesses/{pk}/site-managers", headers=auth(root), json={**site, "login": "genba2"}
    )
    assert (r.status_code, r.json()["error"]) == (422, "validation_error"), r.text
    accounts = await client.get(f"/api/v1/businesses/{pk}/accounts", headers=auth(root))
    assert sorted(a["admin_tier"] for a in accounts.json() if a["role"] == "business_admin") == [0, 1, 2]
    assert len({a["login"] for a in accounts.json()}) == len(accounts.json()) == 4  # each its own login ID
    # A site manager cannot create accounts or read the firm's data.
    sm = await login(client, sm_login)
    assert (await client.post(f"/api/v1/businesses/{pk}/admins", headers=auth(sm), json=lower)).status_code == 403
    assert (await client.get(f"/api/v1/businesses/{pk}", headers=auth(sm))).status_code == 403


async def test_a_business_admin_sees_only_their_business(client):
    a = await register_business(client)
    b = await register_business(client)
    r = await client.get(f"/api/v1/businesses/{b['business']['id']}", headers=auth(a["token"]))
    assert r.status_code == 403
    r = await client.get(f"/api/v1/businesses/{b['business']['id']}/employees", headers=auth(a["token"]))
    assert r.status_code == 403
    op = await operator_token(client)
    assert (await client.get(f"/api/v1/businesses/{b['business']['id']}", headers=auth(op))).status_code == 200
