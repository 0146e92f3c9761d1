"""The review queue a page at a time (both back ends): limit and offset with the total, oldest first, and a search by
the applicant's names (kanji, kana; every word must match) and IDs."""

from tests.api.helpers import auth, operator_token, submitted_technician


async def test_the_queue_pages_and_searches(client):
    op = await operator_token(client)
    for fam, giv, kana in (("検索", "一郎", "ケンサク"), ("検索", "二郎", "ケンサク"), ("別人", "三郎", "ベツジン")):
        await submitted_technician(
            client, family_name=fam, given_name=giv, family_name_kana=kana, given_name_kana="タロウ"
        )

    async def page(**params) -> dict:
        r = await client.get("/api/v1/review/queue", headers=auth(op), params=params)
        assert r.status_code == 200, r.text
        return r.json()

    def names(p: dict) -> list[str]:
        return [f"{x['technician']['family_name']} {x['technician']['given_name']}" for x in p["items"]]

    first = await page(limit=2)
    assert (first["total"], first["limit"], first["offset"]) == (3, 2, 0)
    assert names(first) == ["検索 一郎", "検索 二郎"]  # oldest first
    assert names(await page(limit=2, offset=2)) == ["別人 三郎"]
    assert (await page(limit=2, offset=4))["items"] == []

    found = await page(q="検索")
    assert (found["total"], names(found)) == (2, ["検索 一郎", "検索 二郎"])
    assert names(await page(q="検索 二郎")) == ["検索 二郎"]  # every word must match
    assert names(await page(q="ベツジン")) == ["別人 三郎"]  # kana
    assert (await page(q="該当なし"))["total"] == 0
    assert (await page(q="検索", status="approved"))["total"] == 0

    for bad in ({"offset": -1}, {"limit": 0}, {"q": "x" * 101}):
        r = await client.get("/api/v1/review/queue", headers=auth(op), params=bad)
        assert r.status_code == 422, (bad, r.text)
    # The plain list takes the same paging and search.
    r = await client.get("/api/v1/review/applications", headers=auth(op), params={"q": "検索", "offset": 1})
    assert [x["technician"]["given_name"] for x in r.json()] == ["二郎"]
