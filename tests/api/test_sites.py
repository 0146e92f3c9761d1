from api.ids import is_valid_ccus_id
from tests.api.helpers import PASSWORD, auth, login, register_business, register_technician
from tests.api.site_world import make_world


async def test_site_registration(client):
    w = await make_world(client)
    assert is_valid_ccus_id(w.site["site_id"]) and w.site["cutoff_hour"] == 5
    contracts = (await client.get(f"/api/v1/sites/{w.site['id']}/contracts", headers=auth(w.prime["token"]))).json()
    assert [(c["tier"], c["status"]) for c in contracts] == [(0, "approved")]
    r = await client.post(
        "/api/v1/sites",
        headers=auth(w.prime["token"]),
        json={
            "name": "x",
            "address": "y",
            "order_type": "public",
            "window_start": "2026-05-01",
            "window_end": "2026-04-01",
        },
    )
    assert r.status_code == 422
    pending = await register_business(client)
    r = await client.post(
        "/api/v1/sites",
        headers=auth(pending["token"]),
        json={
            "name": "x",
            "address": "y",
            "order_type": "public",
            "window_start": "2026-04-01",
            "window_end": "2026-05-01",
        },
    )
    assert r.status_code == 409 and r.json()["error"] == "business_not_approved"
    tech = await register_technician(client)
    r = await client.post("/api/v1/sites", headers=auth(tech["token"]), json={})
    assert r.status_code == 403


async def test_contract_tree_invitations_and_proxy(client):
    w = await make_world(client)
    site = w.site["id"]
    prime_contract = (await client.get(f"/api/v1/sites/{site}/contracts", headers=auth(w.prime["token"]))).json()[0]
    invite = {"business_id": w.sub["business"]["business_id"], "parent_contract_id": prime_contract["id"]}
    tree = (await client.post(f"/api/v1/sites/{site}/contracts", headers=auth(w.prime["token"]), json=invite)).json()
    sub_contract = next(c for c in tree if c["business_pk"] == w.sub["business"]["id"])
    assert (sub_contract["tier"], sub_contract["status"]) == (1, "invited")
    # Only the invited business answers (to others the site does not exist); it cannot be invited twice.
    r = await client.post(f"/api/v1/sites/{site}/contracts/{sub_contract['id']}/approve", headers=auth(w.sub2["token"]))
    assert r.status_code == 404
    r = await client.post(
        f"/api/v1/sites/{site}/contracts/{sub_contract['id']}/approve", headers=auth(w.prime["token"])
    )
    assert r.status_code == 403
    r = await client.post(f"/api/v1/sites/{site}/contracts", headers=auth(w.prime["token"]), json=invite)
    assert r.status_code == 409
    # Before approval the subcontractor cannot act for its tier.
    lower = {"business_id": w.sub2["business"]["business_id"], "parent_contract_id": sub_contract["id"], "proxy": True}
    r = await client.post(f"/api/v1/sites/{site}/contracts", headers=auth(w.sub["token"]), json=lower)
    assert r.status_code == 422
    r = await client.post(f"/api/v1/sites/{site}/contracts/{sub_contract['id']}/approve", headers=auth(w.sub["token"]))
    assert r.status_code == 200
    # The prime is not the direct upper tier of tier 2.
    r = await client.post(f"/api/v1/sites/{site}/contracts", headers=auth(w.prime["token"]), json=lower)
    assert r.status_code == 403
    tree = (await client.post(f"/api/v1/sites/{site}/contracts", headers=auth(w.sub["token"]), json=lower)).json()
    tier2 = next(c for c in tree if c["business_pk"] == w.sub2["business"]["id"])
    assert (tier2["tier"], tier2["status"], tier2["proxy"]) == (2, "approved", True)
    # Only registered (approved) businesses join.
    unapproved = await register_business(client)
    r = await client.post(
        f"/api/v1/sites/{site}/contracts",
        headers=auth(w.prime["token"]),
        json={"business_id": unapproved["business"]["business_id"], "parent_contract_id": prime_contract["id"]},
    )
    assert r.status_code == 422 and r.json()["error"] == "business_not_registered"
    # Invited and member businesses see the site; an outsider does not.
    assert (await client.get(f"/api/v1/sites/{site}", headers=auth(w.sub2["token"]))).status_code == 200
    assert (await client.get(f"/api/v1/sites/{site}", headers=auth(unapproved["token"]))).status_code == 404


async def test_roster_and_site_visibility_of_technicians(client):
    w = await make_world(client)
    await w.join(w.sub, w.prime)
    await w.join(w.sub2, w.sub)
    lower = await w.worker(w.sub2)
    upper = await w.worker(w.sub)
    url = f"/api/v1/technicians/{lower.pk}"
    # Not on the site yet: the prime does not see them.
    assert (await client.get(url, headers=auth(w.prime["token"]))).status_code == 404
    await w.roster(w.sub2, lower)
    await w.roster(w.sub, upper, position="foreman")
    assert (await client.get(url, headers=auth(w.prime["token"]))).status_code == 200
    assert (await client.get(url, headers=auth(w.sub["token"]))).status_code == 200  # an upper tier
    # A lower tier does not see the upper tier's technician.
    r = await client.get(f"/api/v1/technicians/{upper.pk}", headers=auth(w.sub2["token"]))
    assert r.status_code == 404
    roster = (await client.get(f"/api/v1/sites/{w.site['id']}/roster", headers=auth(w.sub2["token"]))).json()
    assert [e["technician_pk"] for e in roster] == [lower.pk]
    full = (await client.get(f"/api/v1/sites/{w.site['id']}/roster", headers=auth(w.prime["token"]))).json()
    assert {e["position"] for e in full} == {"worker", "foreman"}
    # Ending the roster entry ends the prime's view.
    entry = next(e for e in full if e["technician_pk"] == lower.pk)
    r = await client.patch(
        f"/api/v1/sites/{w.site['id']}/roster/{entry['id']}", headers=auth(w.sub2["token"]), json={"active": False}
    )
    assert r.status_code == 200
    assert (await client.get(url, headers=auth(w.prime["token"]))).status_code == 404


async def test_roster_bad_input(client):
    w = await make_world(client)
    outsider = await w.worker(w.sub)
    site = w.site["id"]
    body = {"technician_id": outsider.technician_id, "trade": "05-01", "position": "worker"}
    r = await client.post(f"/api/v1/sites/{site}/roster", headers=auth(w.sub["token"]), json=body)
    assert r.status_code == 404  # the sub is not on this site at all
    await w.join(w.sub, w.prime)
    r = await client.post(f"/api/v1/sites/{site}/roster", headers=auth(w.prime["token"]), json=body)
    assert r.status_code == 422  # not the prime's employee
    r = await client.post(f"/api/v1/sites/{site}/roster", headers=auth(w.sub["token"]), json={**body, "trade": "99-99"})
    assert r.status_code == 422
    r = await client.post(
        f"/api/v1/sites/{site}/roster", headers=auth(w.sub["token"]), json={**body, "position": "boss"}
    )
    assert r.status_code == 422
    assert (
        await client.post(f"/api/v1/sites/{site}/roster", headers=auth(w.sub["token"]), json=body)
    ).status_code == 201
    assert (
        await client.post(f"/api/v1/sites/{site}/roster", headers=auth(w.sub["token"]), json=body)
    ).status_code == 409


async def test_site_managers_run_their_sites(client):
    w = await make_world(client)
    pk = w.prime["business"]["id"]
    r = await client.post(
        f"/api/v1/businesses/{pk}/site-managers",
        headers=auth(w.prime["token"]),
        json={"password": PASSWORD, "display_name": "現場"},
    )
    assert r.status_code == 201, r.text
    sm_login = r.json()["login"]  # the system assigned it
    accounts = (await client.get(f"/api/v1/businesses/{pk}/accounts", headers=auth(w.prime["token"]))).json()
    sm_id = next(a["id"] for a in accounts if a["login"] == sm_login)
    site = await w.create_site(name="二号現場", manager_account_ids=[sm_id])
    sm = await login(client, sm_login)
    assert [s["id"] for s in (await client.get("/api/v1/sites", headers=auth(sm))).json()] == [site["id"]]
    r = await client.post(f"/api/v1/sites/{site['id']}/devices", headers=auth(sm), json={"kind": "kiosk", "name": "顔"})
    assert r.status_code == 201
    r = await client.post(
        f"/api/v1/sites/{w.site['id']}/devices", headers=auth(sm), json={"kind": "kiosk", "name": "x"}
    )
    assert r.status_code == 403  # not their site
