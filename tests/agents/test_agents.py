"""Registration agents (issue 21.1): the operator makes an agent, its staff file a technician's and a business's
registration with the applicant's consent, follow their own queue, and the applicants set their own passwords by the
mailed link. A real SMTP server receives the mail (the fixtures of tests/api/test_mail_recovery.py)."""

from __future__ import annotations

import itertools
import json
import re
from datetime import date, timedelta

from api.timeutil import today_jst
from tests.api.helpers import (
    PASSWORD,
    approved_business,
    auth,
    business_payload,
    jpeg,
    login,
    operator_token,
    table_counts,
    technician_payload,
)

NEW_PASSWORD = "my-own-counter-password"
_applicant = itertools.count(1)


def _mail_text(smtp, address: str) -> str:
    msgs = smtp.to(address)
    assert msgs, f"no mail to {address}"
    return msgs[-1].get_body(preferencelist=("plain",)).get_content()


def _link_token(smtp, address: str) -> str:
    text = _mail_text(smtp, address)
    m = re.search(r"/reset#token=(\S+)", text)
    assert m, text
    return m.group(1)


async def _set_password(client, smtp, address: str, password: str = NEW_PASSWORD) -> None:
    r = await client.post(
        "/api/v1/auth/password-reset/confirm", json={"token": _link_token(smtp, address), "password": password}
    )
    assert r.status_code == 204, r.text


async def make_agent(client, drain, smtp, op: str, *, name: str = "東京都建設業協会", login_name: str = "kyokai1"):
    """An agent and its first staff member, logged in with the password they set by the mailed link."""
    address = f"{login_name}@kyokai.example.jp"
    r = await client.post(
        "/api/v1/admin/agents",
        headers=auth(op),
        json={
            "name": name,
            "kind": "association",
            "prefecture": "13",
            "staff": {"login": login_name, "display_name": "窓口 花子", "email": address},
        },
    )
    assert r.status_code == 201, r.text
    await drain()
    await _set_password(client, smtp, address)
    return r.json()["agent"], await login(client, login_name, NEW_PASSWORD)


def _tech_form(*, consent: bool = True, scans: int = 0, **over) -> dict:
    data = technician_payload(**over)
    data.pop("password")
    data.setdefault("email", f"ag-applicant{next(_applicant)}@example.jp")
    data.setdefault("consent_on", "2026-01-05")
    files = {
        "data": (None, json.dumps(data)),
        "photo": ("p.jpg", jpeg(), "image/jpeg"),
        "id_document": ("d.jpg", jpeg(800, 500), "image/jpeg"),
    }
    if consent:
        files["consent"] = ("c.jpg", jpeg(600, 800), "image/jpeg")
    for i in range(scans):
        files[f"scan_{i + 1}"] = (f"s{i}.jpg", jpeg(600, 800), "image/jpeg")
    return files


async def test_agent_files_a_technician_who_sets_their_own_password(client, drain, smtp):
    op = await operator_token(client)
    agent, staff = await make_agent(client, drain, smtp, op)
    firm = await approved_business(client, op)
    r = await client.post(
        f"/api/v1/agents/{agent['id']}/technicians",
        headers=auth(staff),
        files=_tech_form(
            email="ag-tech1@example.jp", employer_business_id=firm["business"]["business_id"], channel="paper", scans=2
        ),
    )
    assert r.status_code == 201, r.text
    filing = r.json()
    assert filing["application"]["status"] == "submitted" and filing["application"]["proxy"] is True
    lid = filing["login"]  # the system assigned it: nobody picked it, not the agent nor the applicant
    assert re.fullmatch(r"\d{12}", lid) and filing["channel"] == "paper"
    assert sorted((d["kind"], d["page"]) for d in filing["documents"]) == [("consent", 1), ("scan", 1), ("scan", 2)]
    # The consent form is kept, encrypted, and served as a JPEG to the agent and the operator.
    doc = next(d for d in filing["documents"] if d["kind"] == "consent")
    for token in (staff, op):
        r = await client.get(
            f"/api/v1/agents/{agent['id']}/filings/{filing['id']}/documents/{doc['id']}", headers=auth(token)
        )
        assert r.status_code == 200 and r.headers["content-type"] == "image/jpeg"
    # Nobody knows the technician's password: the mailed link sets it, and then the technician logs in on their own.
    await drain()
    r = await client.post("/api/v1/auth/login", json={"login": lid, "password": PASSWORD})
    assert r.status_code == 401
    assert lid in _mail_text(smtp, "ag-tech1@example.jp")  # the mailed link tells the login ID too
    await _set_password(client, smtp, "ag-tech1@example.jp")
    r = await client.post("/api/v1/auth/login", json={"login": lid, "password": NEW_PASSWORD})
    assert r.status_code == 200 and r.json()["account"]["must_change_password"] is False
    tech_token = r.json()["token"]
    tech_pk = filing["application"]["technician_pk"]
    r = await client.get(f"/api/v1/technicians/{tech_pk}", headers=auth(tech_token))
    assert r.status_code == 200
    # What the agent filed reads back in the declared shapes (issue 16.1): nothing 詳細型, no disclosure set.
    t = r.json()
    assert t["social_insurance"] == {"health": "enrolled", "pension": "enrolled", "employment": "enrolled"}
    assert t["retirement_aid"] == {"kentaikyo": True, "chutaikyo": False} and t["detailed"] is None
    assert t["disclosure"] == {"show_qualifications_to_sites": True, "show_levels_publicly": False}
    assert (filing["application"]["payload"], filing["application"]["return_reasons"]) == (None, [])
    # The operator's review queue says which agent filed it.
    r = await client.get("/api/v1/review/applications?subject_type=technician", headers=auth(op))
    item = next(i for i in r.json() if i["application"]["id"] == filing["application"]["id"])
    assert item["filed_by"]["agent_name"] == "東京都建設業協会" and item["filed_by"]["channel"] == "paper"
    # Approved, it counts in the KPI follow-up's association (団体) segment under the agent's name.
    r = await client.post(f"/api/v1/review/applications/{filing['application']['id']}/approve", headers=auth(op))
    assert r.status_code == 200, r.text
    today = today_jst()
    fiscal_year = today.year if today.month >= 4 else today.year - 1
    r = await client.get(f"/api/v1/admin/kpi/registrations?fiscal_year={fiscal_year}", headers=auth(op))
    quarter = next(q for q in r.json()["quarters"] if q["first_day"] <= today.isoformat() <= q["last_day"])
    rows = {row["key"]: row for row in quarter["segments"]["association"]}
    assert rows["東京都建設業協会"]["technicians"] == 1
    assert rows["none"]["businesses"] == 1  # the employer registered itself


async def test_without_consent_nothing_is_kept(client, drain, smtp):
    op = await operator_token(client)
    agent, staff = await make_agent(client, drain, smtp, op)
    before = await table_counts()
    r = await client.post(
        f"/api/v1/agents/{agent['id']}/technicians", headers=auth(staff), files=_tech_form(consent=False)
    )
    assert r.status_code == 422 and r.json()["error"] == "consent_form_required", r.text
    assert r.json()["fields"][0]["field"] == "consent"
    r = await client.post(
        f"/api/v1/agents/{agent['id']}/technicians", headers=auth(staff), files=_tech_form(channel="paper")
    )
    assert r.status_code == 422 and r.json()["error"] == "scanned_pages_required"
    r = await client.post(
        f"/api/v1/agents/{agent['id']}/technicians", headers=auth(staff), files=_tech_form(email=None)
    )
    assert r.status_code == 422 and r.json()["error"] == "email_required"
    r = await client.post(
        f"/api/v1/agents/{agent['id']}/technicians",
        headers=auth(staff),
        files=_tech_form(consent_on=(date.today() + timedelta(days=3)).isoformat()),
    )
    assert r.status_code == 422 and r.json()["error"] == "consent_date_in_future"
    # Nobody picks the applicant's login name, neither the agent nor the applicant: the system assigns a login ID.
    r = await client.post(
        f"/api/v1/agents/{agent['id']}/technicians", headers=auth(staff), files=_tech_form(login="chosen-name")
    )
    assert r.status_code == 422 and r.json()["error"] == "validation_error", r.text
    data = business_payload(consent_on="2026-01-05")
    data["admin"] = {"login": "chosen-admin", "display_name": "社長", "email": "boss@example.jp"}
    r = await client.post(
        f"/api/v1/agents/{agent['id']}/businesses",
        headers=auth(staff),
        files={"data": (None, json.dumps(data)), "consent": ("c.jpg", jpeg(600, 800), "image/jpeg")},
    )
    assert r.status_code == 422 and r.json()["error"] == "validation_error", r.text
    assert await table_counts() == before


async def test_agent_files_a_business_and_follows_a_return(client, drain, smtp):
    op = await operator_token(client)
    agent, staff = await make_agent(client, drain, smtp, op)
    data = business_payload(consent_on="2026-01-05")
    data["admin"] = {"display_name": "社長", "email": "boss@example.jp"}
    r = await client.post(
        f"/api/v1/agents/{agent['id']}/businesses",
        headers=auth(staff),
        files={"data": (None, json.dumps(data)), "consent": ("c.jpg", jpeg(600, 800), "image/jpeg")},
    )
    assert r.status_code == 201, r.text
    biz_filing = r.json()
    admin_lid = biz_filing["login"]
    assert biz_filing["application"]["subject_type"] == "business" and re.fullmatch(r"\d{12}", admin_lid)
    await drain()
    assert admin_lid in _mail_text(smtp, "boss@example.jp")
    await _set_password(client, smtp, "boss@example.jp")
    assert (
        await client.post("/api/v1/auth/login", json={"login": admin_lid, "password": NEW_PASSWORD})
    ).status_code == 200
    # A technician's filing returned by the operator: the agent sees the reason, corrects and resubmits.
    r = await client.post(f"/api/v1/agents/{agent['id']}/technicians", headers=auth(staff), files=_tech_form())
    filing = r.json()
    r = await client.post(
        f"/api/v1/review/applications/{filing['application']['id']}/return",
        headers=auth(op),
        json={"reasons": [{"field": "address", "reason": "番地が抜けています"}]},
    )
    assert r.status_code == 200, r.text
    r = await client.get(f"/api/v1/agents/{agent['id']}/filings?status=returned", headers=auth(staff))
    assert [f["id"] for f in r.json()] == [filing["id"]]
    assert r.json()[0]["application"]["return_reasons"][0]["reason"] == "番地が抜けています"
    base = f"/api/v1/agents/{agent['id']}/filings/{filing['id']}"
    r = await client.patch(f"{base}/technician", headers=auth(staff), json={"address": "東京都千代田区1-1-1"})
    assert r.status_code == 200, r.text
    r = await client.put(f"{base}/photo", headers=auth(staff), files={"file": ("p.jpg", jpeg(), "image/jpeg")})
    assert r.status_code == 200, r.text
    r = await client.post(f"{base}/resubmit", headers=auth(staff))
    assert r.status_code == 200 and r.json()["application"]["status"] == "submitted", r.text
    r = await client.post(f"{base}/resubmit", headers=auth(staff))
    assert r.status_code == 409 and r.json()["error"] == "not_returned"
    r = await client.get(f"/api/v1/agents/{agent['id']}/filings", headers=auth(staff))
    assert {f["id"] for f in r.json()} == {filing["id"], biz_filing["id"]}


async def test_agents_are_tenant_bounded(client, drain, smtp):
    op = await operator_token(client)
    a, staff_a = await make_agent(client, drain, smtp, op)
    b, staff_b = await make_agent(client, drain, smtp, op, name="大阪府建設業協会", login_name="kyokai2")
    r = await client.post(f"/api/v1/agents/{a['id']}/technicians", headers=auth(staff_a), files=_tech_form())
    filing = r.json()
    tech_pk = filing["application"]["technician_pk"]
    # B's staff: A's agent, filings, documents and files do not exist for them.
    for path in (
        "",
        "/filings",
        f"/filings/{filing['id']}",
        f"/filings/{filing['id']}/documents/{filing['documents'][0]['id']}",
    ):
        r = await client.get(f"/api/v1/agents/{a['id']}{path}", headers=auth(staff_b))
        assert r.status_code == 404 and r.json()["error"] == "agent_not_found", path
    r = await client.get(f"/api/v1/agents/{b['id']}/filings/{filing['id']}", headers=auth(staff_b))
    assert r.status_code == 404 and r.json()["error"] == "filing_not_found"
    r = await client.post(f"/api/v1/agents/{a['id']}/technicians", headers=auth(staff_b), files=_tech_form())
    assert r.status_code == 404
    # Nor the technician themselves, beyond the filing: the ordinary technician routes are closed to agents.
    r = await client.get(f"/api/v1/technicians/{tech_pk}", headers=auth(staff_a))
    assert r.status_code == 403 and r.json()["error"] == "role_not_allowed"
    # A suspended agent files nothing.
    r = await client.put(f"/api/v1/admin/agents/{a['id']}/active", headers=auth(op), json={"active": False})
    assert r.status_code == 200 and r.json()["active"] is False
    r = await client.post(f"/api/v1/agents/{a['id']}/technicians", headers=auth(staff_a), files=_tech_form())
    assert r.status_code == 403 and r.json()["error"] == "agent_suspended"


async def test_agent_names_are_unique_and_staff_added_by_the_operator(client, drain, smtp):
    op = await operator_token(client)
    agent, _ = await make_agent(client, drain, smtp, op)
    r = await client.post(
        "/api/v1/admin/agents",
        headers=auth(op),
        json={
            "name": "東京都建設業協会",
            "kind": "association",
            "staff": {"login": "x-1", "display_name": "x", "email": "x@example.jp"},
        },
    )
    assert r.status_code == 409 and r.json()["error"] == "agent_name_taken"
    r = await client.post(
        f"/api/v1/admin/agents/{agent['id']}/staff",
        headers=auth(op),
        json={"login": "kyokai1-b", "display_name": "窓口 次郎", "email": "second@kyokai.example.jp"},
    )
    assert r.status_code == 201, r.text
    await drain()
    await _set_password(client, smtp, "second@kyokai.example.jp")
    second = await login(client, "kyokai1-b", NEW_PASSWORD)
    r = await client.get(f"/api/v1/agents/{agent['id']}/staff", headers=auth(second))
    assert {s["login"] for s in r.json()} == {"kyokai1", "kyokai1-b"}
    r = await client.get("/api/v1/admin/agents", headers=auth(op))
    assert r.json()[0]["staff"] == 2
