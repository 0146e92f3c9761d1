"""A firm's employees searched on the server (both back ends): words of the name in kanji or kana, the registration
status, and a residence permit ending soon."""

from datetime import timedelta

from api.timeutil import today_jst
from tests.api.helpers import approved_business, auth, operator_token, submitted_technician


async def test_employees_are_searched_and_filtered(client):
    from api.registration.models import Technician

    op = await operator_token(client)
    biz = await approved_business(client, op)
    pk, token = biz["business"]["id"], biz["token"]
    people = (
        ("山田", "太郎", "ヤマダ", "タロウ"),
        ("山田", "花子", "ヤマダ", "ハナコ"),
        ("鈴木", "一郎", "スズキ", "イチロウ"),
    )
    made = []
    for fam, giv, fk, gk in people:
        t = await submitted_technician(
            client,
            family_name=fam,
            given_name=giv,
            family_name_kana=fk,
            given_name_kana=gk,
            employer_business_id=biz["business"]["business_id"],
        )
        made.append(t)
    r = await client.post(f"/api/v1/review/applications/{made[0]['application']['id']}/approve", headers=auth(op))
    assert r.status_code == 200, r.text
    await Technician.filter(id=made[2]["pk"]).update(
        nationality="VN", residence_status="特定技能1号", residence_expiry=today_jst() + timedelta(days=30)
    )

    async def names(**params) -> list[str]:
        r = await client.get(f"/api/v1/businesses/{pk}/employees", headers=auth(token), params=params)
        assert r.status_code == 200, r.text
        return [e["name"] for e in r.json()]

    assert await names() == ["鈴木 一郎", "山田 太郎", "山田 花子"]  # kana order
    assert await names(q="山田") == ["山田 太郎", "山田 花子"]
    assert await names(q="ヤマダ ハナコ") == ["山田 花子"]
    assert await names(status="approved") == ["山田 太郎"]
    assert await names(residence_within_days=90) == ["鈴木 一郎"]
    assert await names(residence_within_days=10) == []
    for bad in ({"status": "gone"}, {"q": "x" * 101}, {"residence_within_days": -1}):
        r = await client.get(f"/api/v1/businesses/{pk}/employees", headers=auth(token), params=bad)
        assert r.status_code == 422, (bad, r.text)
