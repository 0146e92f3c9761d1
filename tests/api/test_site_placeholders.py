"""A missing upper tier (issue 21 item 3, seed ⑥-4): the prime enters the unregistered first-tier firm by name and
法人番号, the second tier joins under it at its real 次数 and its held taps count with trade, position and tier; when
the firm registers with that 法人番号, the approval turns the placeholder into it, once — on PostgreSQL and SQLite."""

from __future__ import annotations

from datetime import datetime, time, timedelta

from api.timeutil import JST, today_jst
from tests.api.helpers import auth, corporate_number, register_business
from tests.api.site_world import make_world

NUMBER = corporate_number(912_345)


def _fullwidth(text: str) -> str:
    return text.translate({ord(c): ord(c) + 0xFEE0 for c in "0123456789-"})


async def _contracts(client, w) -> list[dict]:
    r = await client.get(f"/api/v1/sites/{w.site['id']}/contracts", headers=auth(w.prime["token"]))
    assert r.status_code == 200, r.text
    return r.json()


async def test_a_missing_first_tier_lets_the_second_tier_join_at_its_real_tier(client, drain):
    w = await make_world(client)
    worker = await w.worker(w.sub2)
    day = today_jst() - timedelta(days=1)
    r = await w.upload(
        worker.tap("p-in", at=datetime.combine(day, time(8), JST), seq=1),
        worker.tap("p-out", at=datetime.combine(day, time(17), JST), seq=2),
    )
    assert [x["status"] for x in r.json()["results"]] == ["pending", "pending"]

    prime_contract = next(c for c in await _contracts(client, w) if c["tier"] == 0)
    url = f"/api/v1/sites/{w.site['id']}/contracts/placeholders"
    ok = {
        "parent_contract_id": prime_contract["id"],
        "name": "株式会社　ＡＢＣ建設 ",
        "corporate_number": _fullwidth(NUMBER),
    }
    # Bad input: a wrong check digit, no name, the 法人番号 of a registered firm, a firm not on the site.
    bad_digit = NUMBER[:-1] + str((int(NUMBER[-1]) + 1) % 10)
    sub_number = (await client.get(f"/api/v1/businesses/{w.sub['business']['id']}", headers=auth(w.op))).json()[
        "corporate_number"
    ]
    for body, token, status, code in (
        ({**ok, "corporate_number": bad_digit}, w.prime["token"], 422, "invalid_corporate_number"),
        ({**ok, "corporate_number": "12345"}, w.prime["token"], 422, "invalid_corporate_number"),
        ({**ok, "name": "　 "}, w.prime["token"], 422, "placeholder_name_required"),
        ({**ok, "name": "㍿" * 60}, w.prime["token"], 422, "placeholder_name_too_long"),
        ({**ok, "corporate_number": sub_number}, w.prime["token"], 409, "business_already_registered"),
        (ok, w.sub2["token"], 404, "site_not_found"),
    ):
        r = await client.post(url, headers=auth(token), json=body)
        assert r.status_code == status and r.json()["error"] == code, (body, r.text)
    assert len(await _contracts(client, w)) == 1

    r = await client.post(url, headers=auth(w.prime["token"]), json=ok)
    assert r.status_code == 201, r.text
    holder = next(c for c in r.json() if c["placeholder"])
    # NFKC: full-width letters, digits and spaces are normalised; the 法人番号 is kept as 13 ASCII digits.
    assert (holder["business_name"], holder["corporate_number"], holder["tier"]) == ("株式会社 ABC建設", NUMBER, 1)
    r = await client.post(url, headers=auth(w.prime["token"]), json=ok)
    assert r.status_code == 409 and r.json()["error"] == "already_in_tree"

    # The second tier is registered under the placeholder by the prime's side, at 次数 2; its held taps count.
    r = await client.post(
        f"/api/v1/sites/{w.site['id']}/contracts",
        headers=auth(w.prime["token"]),
        json={"business_id": w.sub2["business"]["business_id"], "parent_contract_id": holder["id"], "proxy": True},
    )
    assert r.status_code == 201, r.text
    assert next(c for c in r.json() if c["business_pk"] == w.sub2["business"]["id"])["tier"] == 2
    await w.roster(w.sub2, worker, position="team_leader")
    await drain()
    assert (await client.post("/api/v1/admin/batches/fold", headers=auth(w.op))).status_code == 202
    await drain()
    r = await client.get(
        f"/api/v1/sites/{w.site['id']}/work-records",
        headers=auth(w.prime["token"]),
        params={"work_date": day.isoformat()},
    )
    [rec] = r.json()
    assert (rec["employer_pk"], rec["tier"], rec["trade"], rec["position"]) == (
        w.sub2["business"]["id"],
        2,
        "05-01",
        "team_leader",
    )

    # The firm registers with that 法人番号: on approval the placeholder becomes it, once.
    firm = await register_business(client, corporate_number=NUMBER)
    r = await client.post(f"/api/v1/review/applications/{firm['application_id']}/approve", headers=auth(w.op))
    assert r.status_code == 200, r.text
    contracts = await _contracts(client, w)
    first = next(c for c in contracts if c["tier"] == 1)
    assert (first["business_pk"], first["placeholder"], first["id"]) == (firm["business"]["id"], False, holder["id"])
    assert next(c for c in contracts if c["tier"] == 2)["parent_id"] == first["id"]
    from api.businesses.models import Business

    placeholder = await Business.get(id=holder["business_pk"])
    assert placeholder.merged_into_id == firm["business"]["id"]
    # A placeholder for a firm that has registered is refused from now on.
    other = await w.create_site(name="第二現場")
    prime2 = next(
        c
        for c in (await client.get(f"/api/v1/sites/{other['id']}/contracts", headers=auth(w.prime["token"]))).json()
        if c["tier"] == 0
    )
    r = await client.post(
        f"/api/v1/sites/{other['id']}/contracts/placeholders",
        headers=auth(w.prime["token"]),
        json={**ok, "parent_contract_id": prime2["id"]},
    )
    assert r.status_code == 409 and r.json()["error"] == "business_already_registered"


async def test_the_tier_above_enters_a_missing_firm_below_it(client):
    """A first-tier firm may enter its missing second tier; a firm elsewhere in the tree may not."""
    from tests.api.helpers import approved_business

    w = await make_world(client)
    await w.join(w.sub, w.prime)
    await w.join(w.sub2, w.prime)
    third = await approved_business(client, w.op)
    contracts = await _contracts(client, w)
    sub_contract = next(c for c in contracts if c["business_pk"] == w.sub["business"]["id"])
    url = f"/api/v1/sites/{w.site['id']}/contracts/placeholders"
    body = {"parent_contract_id": sub_contract["id"], "name": "二次工業", "corporate_number": NUMBER}
    r = await client.post(url, headers=auth(w.sub2["token"]), json=body)
    assert r.status_code == 403 and r.json()["error"] == "not_upper_tier"
    r = await client.post(url, headers=auth(w.sub["token"]), json=body)
    assert r.status_code == 201, r.text
    assert next(c for c in r.json() if c["placeholder"])["tier"] == 2
    # The first tier (above the placeholder) registers the third tier under it.
    holder = next(c for c in r.json() if c["placeholder"])
    r = await client.post(
        f"/api/v1/sites/{w.site['id']}/contracts",
        headers=auth(w.sub["token"]),
        json={"business_id": third["business"]["business_id"], "parent_contract_id": holder["id"], "proxy": True},
    )
    assert r.status_code == 201, r.text
    assert next(c for c in r.json() if c["business_pk"] == third["business"]["id"])["tier"] == 3
    r = await client.post(url, headers=auth(w.sub["token"]), json={**body, "parent_contract_id": 999999})
    assert r.status_code == 422
