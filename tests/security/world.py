"""A world for authorisation tests, built through the HTTP API: two unrelated firms (A and C), a subcontractor B under
A on A's site, a technician of each firm (B's on A's site roster), a site manager of A, a card reader on each site,
an API client of A and of C, and an operator.

Each firm's resources are kept as a `Slice`: the id to put in a path after a given segment (`technicians/{pk}` → the
slice's technician, `devices/{did}` → its device…), so a test can call any operation of the OpenAPI document on a
firm's own resources or on another firm's.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

import httpx

from api.timeutil import JST
from tests.api.helpers import (
    PASSWORD,
    approved_business,
    auth,
    jpeg,
    login,
    operator_token,
    submitted_technician,
)

NOWHERE = 987_654_321  # an id that exists nowhere


@dataclass
class Slice:
    """One tenant's resources by the path segment that names them."""

    ids: dict[str, str | int] = field(default_factory=dict)
    technician_id: str = ""  # the 14-digit ID of the slice's technician (for bodies)
    business_id: str = ""  # the 14-digit 事業者ID of the slice's business
    card_serial: str = ""

    def value(self, segment: str) -> str | int:
        return self.ids.get(segment, NOWHERE)


@dataclass
class Tech:
    pk: int
    technician_id: str
    token: str
    serial: str


@dataclass
class SecurityWorld:
    op: str
    tokens: dict[str, str]  # role name → bearer token
    slices: dict[str, Slice]  # "A", "B", "C", "tB", "tC"
    firms: dict[str, dict]
    techs: dict[str, Tech]
    sites: dict[str, dict]


async def _approved_tech(client: httpx.AsyncClient, op: str, employer: dict) -> Tech:
    t = await submitted_technician(client, employer_business_id=employer["business"]["business_id"])
    r = await client.post(f"/api/v1/review/applications/{t['application']['id']}/approve", headers=auth(op))
    assert r.status_code == 200, r.text
    tech = (await client.get(f"/api/v1/technicians/{t['pk']}", headers=auth(op))).json()
    # Back-dated issue, as in tests/api/site_world.py, so past days are inside the card's validity.
    from api.cards.models import Card

    await Card.filter(serial=tech["card"]["serial"]).update(issued_on=datetime.now(JST).date() - timedelta(days=365))
    return Tech(pk=t["pk"], technician_id=tech["technician_id"], token=t["token"], serial=tech["card"]["serial"])


async def _site(client: httpx.AsyncClient, firm: dict, managers: list[int]) -> dict:
    today = datetime.now(JST).date()
    r = await client.post(
        "/api/v1/sites",
        headers=auth(firm["token"]),
        json={
            "name": "現場",
            "address": "東京都千代田区2-2",
            "order_type": "private",
            "window_start": (today - timedelta(days=60)).isoformat(),
            "window_end": (today + timedelta(days=300)).isoformat(),
            "manager_account_ids": managers,
        },
    )
    assert r.status_code == 201, r.text
    return r.json()


async def _roster(client: httpx.AsyncClient, site: dict, firm: dict, tech: Tech) -> int:
    r = await client.post(
        f"/api/v1/sites/{site['id']}/roster",
        headers=auth(firm["token"]),
        json={"technician_id": tech.technician_id, "trade": "05-01", "position": "worker"},
    )
    assert r.status_code == 201, r.text
    return next(e["id"] for e in r.json() if e["technician_pk"] == tech.pk)


async def _device(client: httpx.AsyncClient, site: dict, firm: dict) -> tuple[int, str]:
    r = await client.post(
        f"/api/v1/sites/{site['id']}/devices", headers=auth(firm["token"]), json={"kind": "reader", "name": "ゲート1"}
    )
    assert r.status_code == 201, r.text
    did = r.json()["device"]["id"]
    r = await client.post("/api/v1/devices/enrol", json={"code": r.json()["enrolment_code"], "software_version": "0.1"})
    assert r.status_code == 201, r.text
    return did, r.json()["device_token"]


async def _api_client(client: httpx.AsyncClient, firm: dict) -> str:
    r = await client.post(
        f"/api/v1/businesses/{firm['business']['id']}/api-clients",
        headers=auth(firm["token"]),
        json={"name": "勤怠システム"},
    )
    assert r.status_code == 201, r.text
    return await login(client, r.json()["client_id"], r.json()["client_secret"])


async def _qualification(client: httpx.AsyncClient, tech: Tech) -> int:
    r = await client.post(
        f"/api/v1/technicians/{tech.pk}/qualifications",
        headers=auth(tech.token),
        data={"code": "T01", "acquired_on": "2015-04-01"},
        files={"file": ("c.jpg", jpeg(800, 600), "image/jpeg")},
    )
    assert r.status_code == 201, r.text
    return r.json()["id"]


async def _direct_input(client: httpx.AsyncClient, site: dict, tech: Tech) -> int:
    day = datetime.now(JST).replace(hour=8, minute=0, second=0, microsecond=0) - timedelta(days=1)
    r = await client.post(
        f"/api/v1/sites/{site['id']}/direct-inputs",
        headers=auth(tech.token),
        json={"technician_id": tech.technician_id, "start_at": day.isoformat(), "reason": "カードを忘れた"},
    )
    assert r.status_code == 201, r.text
    return r.json()["id"]


async def _draft(account_token: str, client: httpx.AsyncClient) -> int:
    from api.licence.models import RegistrationDraft

    me = (await client.get("/api/v1/auth/me", headers=auth(account_token))).json()
    row = await RegistrationDraft.create(
        owner_account_id=me["id"], source="ocr", fields_json={"fields": {}}, consent_raw=False
    )
    return row.id


async def _assessment_body(client: httpx.AsyncClient, op: str) -> str:
    r = await client.post(
        "/api/v1/admin/assessment-bodies",
        headers=auth(op),
        json={
            "name": "能力評価実施団体",
            "trades": ["05-01"],
            "login": "assessor",
            "password": PASSWORD,
            "display_name": "評価担当",
        },
    )
    assert r.status_code == 201, r.text
    return await login(client, "assessor")


async def _agent(client: httpx.AsyncClient, op: str, key: str) -> tuple[int, str, int, int]:
    """A registration agent and one technician's filing by its staff: (agent id, staff token, filing id, its consent
    form's id). The staff's password is set in the database: the mailed link is tests/agents' business."""
    import json

    from api.accounts.credentials import hash_password
    from api.accounts.models import Account
    from tests.api.helpers import technician_payload

    r = await client.post(
        "/api/v1/admin/agents",
        headers=auth(op),
        json={
            "name": f"建設業協会{key}",
            "kind": "association",
            "staff": {
                "login": f"agent-{key.lower()}",
                "display_name": "窓口",
                "email": f"agent-{key.lower()}@example.jp",
            },
        },
    )
    assert r.status_code == 201, r.text
    agent = r.json()["agent"]["id"]
    await Account.filter(login=f"agent-{key.lower()}").update(
        password_hash=hash_password(PASSWORD), must_change_password=False
    )
    token = await login(client, f"agent-{key.lower()}")
    data = technician_payload(email=f"agent-tech-{key.lower()}@example.jp")
    data.pop("password")
    r = await client.post(
        f"/api/v1/agents/{agent}/technicians",
        headers=auth(token),
        files={
            "data": (None, json.dumps({**data, "consent_on": "2026-01-05"})),
            "photo": ("p.jpg", jpeg(), "image/jpeg"),
            "id_document": ("d.jpg", jpeg(), "image/jpeg"),
            "consent": ("c.jpg", jpeg(), "image/jpeg"),
        },
    )
    assert r.status_code == 201, r.text
    return agent, token, r.json()["id"], r.json()["documents"][0]["id"]


async def build(client: httpx.AsyncClient) -> SecurityWorld:
    op = await operator_token(client)
    firms = {k: await approved_business(client, op) for k in "ABC"}
    r = await client.post(
        f"/api/v1/businesses/{firms['A']['business']['id']}/site-managers",
        headers=auth(firms["A"]["token"]),
        json={"password": PASSWORD, "display_name": "現場 太郎"},
    )
    assert r.status_code == 201, r.text
    manager_pk = r.json()["id"]
    manager = await login(client, r.json()["login"])
    # A second site manager of A, not assigned to A's site: runs nothing there.
    r = await client.post(
        f"/api/v1/businesses/{firms['A']['business']['id']}/site-managers",
        headers=auth(firms["A"]["token"]),
        json={"password": PASSWORD, "display_name": "現場 次郎"},
    )
    assert r.status_code == 201, r.text
    other_manager = await login(client, r.json()["login"])
    sites = {"A": await _site(client, firms["A"], [manager_pk]), "C": await _site(client, firms["C"], [])}
    # B joins A's site under A (registered by proxy: approved at once).
    contracts = (
        await client.get(f"/api/v1/sites/{sites['A']['id']}/contracts", headers=auth(firms["A"]["token"]))
    ).json()
    r = await client.post(
        f"/api/v1/sites/{sites['A']['id']}/contracts",
        headers=auth(firms["A"]["token"]),
        json={
            "business_id": firms["B"]["business"]["business_id"],
            "parent_contract_id": contracts[0]["id"],
            "proxy": True,
        },
    )
    assert r.status_code == 201, r.text
    contract = {c["business_pk"]: c["id"] for c in r.json()}
    c_contract = (
        await client.get(f"/api/v1/sites/{sites['C']['id']}/contracts", headers=auth(firms["C"]["token"]))
    ).json()[0]["id"]
    techs = {k: await _approved_tech(client, op, firms[k]) for k in "ABC"}
    rosters = {
        "A": await _roster(client, sites["A"], firms["A"], techs["A"]),
        "B": await _roster(client, sites["A"], firms["B"], techs["B"]),
        "C": await _roster(client, sites["C"], firms["C"], techs["C"]),
    }
    devices = {k: await _device(client, sites[k], firms[k]) for k in "AC"}
    quals = {k: await _qualification(client, techs[k]) for k in "ABC"}
    directs = {
        "A": await _direct_input(client, sites["A"], techs["B"]),
        "C": await _direct_input(client, sites["C"], techs["C"]),
    }
    apps = {}
    for k in "ABC":
        r = await client.get(f"/api/v1/technicians/{techs[k].pk}/applications", headers=auth(techs[k].token))
        apps[k] = r.json()[0]["id"]
    tokens = {
        "operator": op,
        "admin_A": firms["A"]["token"],
        "admin_B": firms["B"]["token"],
        "manager_A": manager,
        "manager_A_unassigned": other_manager,
        "assessment_body": await _assessment_body(client, op),
        "tech_B": techs["B"].token,
        "device_A": devices["A"][1],
        "api_client_A": await _api_client(client, firms["A"]),
    }
    agents = {k: await _agent(client, op, k) for k in "AC"}
    tokens["agent_A"] = agents["A"][1]
    drafts = {
        "admin_A": await _draft(tokens["admin_A"], client),
        "tech_B": await _draft(tokens["tech_B"], client),
        "C": await _draft(firms["C"]["token"], client),
    }

    def firm_slice(k: str, site: str, tech: str, device: str | None, direct: str | None, draft: int | None) -> Slice:
        t = techs[tech]
        ids: dict[str, str | int] = {
            "businesses": firms[k]["business"]["id"],
            "by-id": firms[k]["business"]["business_id"],
            "sites": sites[site]["id"],
            "technicians": t.pk,
            "employees": t.pk,
            "admin/technicians": t.pk,
            "qualifications": quals[tech],
            "cards": t.serial,
            "roster": rosters[tech],
            "contracts": contract.get(firms[k]["business"]["id"], c_contract),
            "applications": apps[tech],
            "review/applications": apps[tech],
            "batches": "fold",
        }
        if device:
            ids["devices"] = devices[device][0]
        if direct:
            ids["direct-inputs"] = directs[direct]
        if draft:
            ids["drafts"] = draft
        if k in agents:  # a registration agent of the slice's own, its filing and consent form
            ids["agents"], ids["filings"], ids["documents"] = agents[k][0], agents[k][2], agents[k][3]
        return Slice(
            ids=ids,
            technician_id=t.technician_id,
            business_id=firms[k]["business"]["business_id"],
            card_serial=t.serial,
        )

    slices = {
        # A's own: its business, its site, its technician, the site's reader and the direct input entered on it.
        "A": firm_slice("A", "A", "A", "A", "A", drafts["admin_A"]),
        # B on A's site: B's business and technician; the site, its reader and direct input are A's.
        "B": firm_slice("B", "A", "B", "A", "A", None),
        "tB": firm_slice("B", "A", "B", "A", "A", drafts["tech_B"]),
        "C": firm_slice("C", "C", "C", "C", "C", drafts["C"]),
    }
    return SecurityWorld(op=op, tokens=tokens, slices=slices, firms=firms, techs=techs, sites=sites)
