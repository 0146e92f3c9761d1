"""The fields that were bare dicts in the contract (issue 16 item 1) read back through the API after each real way of
writing them — the oldest and most minimal writers included — in the shape their response models now declare: a
client (the PWA's generated types) relies on these keys and nothing else. Responses are validated against the
models, so a model stricter than stored data would answer 500 here."""

from __future__ import annotations

from api.timeutil import today_jst
from tests.api.changes_helpers import apply_change, approve
from tests.api.helpers import (
    approved_business,
    auth,
    operator_token,
    register_business,
    register_technician,
    submitted_technician,
    technician_payload,
)

INSURED = {"health": "enrolled", "pension": "enrolled", "employment": "enrolled"}


async def _tech(client, token: str, pk: int) -> dict:
    r = await client.get(f"/api/v1/technicians/{pk}", headers=auth(token))
    assert r.status_code == 200, r.text
    return r.json()


async def test_a_minimal_self_registration_reads_back_typed(client):
    # The most minimal writer: retirement_aid without chutaikyo, no 詳細型 data, no disclosure ever set.
    reg = await register_technician(client, retirement_aid={"kentaikyo": True})
    pk, token = reg["technician"]["id"], reg["token"]
    for t in (reg["technician"], await _tech(client, token, pk)):
        assert t["social_insurance"] == INSURED
        assert t["retirement_aid"] == {"kentaikyo": True, "chutaikyo": False}
        assert t["detailed"] is None  # stored {} until entered
        # Never set: what the 作業員名簿 does (qualifications shown unless the worker opts out), public levels opt-in.
        assert t["disclosure"] == {"show_qualifications_to_sites": True, "show_levels_publicly": False}


async def test_older_stored_shapes_still_read(client):
    """Rows written before chutaikyo existed (the demo seed wrote {"kentaikyo": true}) and an empty disclosure."""
    from api.registration.models import Technician

    reg = await register_technician(client)
    pk, token = reg["technician"]["id"], reg["token"]
    await Technician.filter(id=pk).update(retirement_aid={"kentaikyo": False}, disclosure={}, detailed={})
    t = await _tech(client, token, pk)
    assert t["retirement_aid"] == {"kentaikyo": False, "chutaikyo": False}
    assert t["detailed"] is None and t["disclosure"]["show_levels_publicly"] is False


async def test_detailed_and_disclosure_read_back_as_written(client):
    reg = await register_technician(
        client,
        retirement_aid={"kentaikyo": False, "chutaikyo": True},
        social_insurance={**INSURED, "pension": "exempt"},
    )
    pk, token = reg["technician"]["id"], reg["token"]
    h = auth(token)
    # Minimal 詳細型 data: the lists default to empty.
    r = await client.put(f"/api/v1/technicians/{pk}/detailed", headers=h, json={"labour_insurance_special": False})
    assert r.status_code == 200, r.text
    assert r.json()["detailed"] == {
        "labour_insurance_special": False,
        "health_checks": [],
        "education": [],
        "trainings": [],
        "awards": [],
    }
    full = {
        "labour_insurance_special": True,
        "health_checks": [{"name": "定期健康診断", "on": "2024-05-10"}],
        "education": [{"school": "東京工業高校", "department": None, "graduated_on": None}],
        "trainings": [{"name": "足場の組立て等特別教育", "on": "2020-07-01"}],
        "awards": [],
    }
    assert (await client.put(f"/api/v1/technicians/{pk}/detailed", headers=h, json=full)).status_code == 200
    r = await client.put(f"/api/v1/technicians/{pk}/disclosure", headers=h, json={"show_levels_publicly": True})
    assert r.status_code == 200, r.text
    t = await _tech(client, token, pk)
    assert t["detailed"] == full
    assert t["disclosure"] == {"show_qualifications_to_sites": True, "show_levels_publicly": True}
    assert t["retirement_aid"] == {"kentaikyo": False, "chutaikyo": True}
    assert t["social_insurance"] == {**INSURED, "pension": "exempt"}


async def test_a_proxy_registration_reads_back_typed(client):
    op = await operator_token(client)
    firm = await approved_business(client, op)
    data = technician_payload(consent_obtained=True, consent_on=today_jst().isoformat())
    r = await client.post(
        f"/api/v1/businesses/{firm['business']['id']}/technicians", headers=auth(firm["token"]), json=data
    )
    assert r.status_code == 201, r.text
    t = await _tech(client, firm["token"], r.json()["id"])
    assert t["proxy"] is True and t["social_insurance"] == INSURED
    assert t["retirement_aid"] == {"kentaikyo": True, "chutaikyo": False} and t["detailed"] is None


async def test_review_items_carry_typed_applications_and_businesses(client):
    op = await operator_token(client)
    reg = await register_business(client)
    r = await client.get(f"/api/v1/review/applications/{reg['application_id']}", headers=auth(op))
    assert r.status_code == 200, r.text
    item = r.json()
    assert item["technician"] is None and item["business"]["social_insurance"] == INSURED
    assert item["business"]["registration_fee"]["amount_yen"] > 0
    assert item["application"]["payload"] is None and item["application"]["return_reasons"] == []

    t = await submitted_technician(client)
    app_id = t["application"]["id"]
    reasons = [{"field": "phone", "reason": "番号がつながりません"}, {"field": "photo", "reason": "顔が暗い"}]
    r = await client.post(f"/api/v1/review/applications/{app_id}/return", headers=auth(op), json={"reasons": reasons})
    assert r.status_code == 200, r.text
    for got in (r.json(), (await client.get(f"/api/v1/review/applications/{app_id}", headers=auth(op))).json()):
        assert got["application"]["return_reasons"] == reasons and got["application"]["payload"] is None
        assert got["business"] is None and got["technician"]["retirement_aid"]["kentaikyo"] is True


async def _approved_technician(client, op: str) -> tuple[int, str]:
    t = await submitted_technician(client)
    assert (await approve(client, op, t["application"]["id"])).status_code == 200
    return t["pk"], t["token"]


async def test_change_payloads_read_back_by_change_type(client):
    op = await operator_token(client)
    pk, token = await _approved_technician(client, op)
    cases = {
        # A data change is the fields it changes, nothing else (not every other field as null).
        "data": ({"changes": {"phone": "090-9999-0000"}}, {"changes": {"phone": "090-9999-0000"}}),
        "qualification": (
            {"code": "T05", "acquired_on": "2009-04-01"},
            {"code": "T05", "acquired_on": "2009-04-01", "expires_on": None},
        ),
        "prior_experience": (
            p := {
                "trade": "05-01",
                "days": 100,
                "period_from": "2010-04-01",
                "period_to": "2011-03-31",
                "certifier": "有限会社前田鉄筋",
            },
            p,
        ),
        "kaitai": ({"kind": "course", "completed_on": "2020-06-01"}, {"kind": "course", "completed_on": "2020-06-01"}),
    }
    ids = {}
    for change_type, (sent, shown) in cases.items():
        r = await apply_change(client, token, pk, change_type, sent, with_file=change_type != "data")
        assert r.status_code == 201, r.text
        assert (r.json()["change_type"], r.json()["payload"]) == (change_type, shown)
        ids[change_type] = r.json()["id"]
    listed = (await client.get(f"/api/v1/technicians/{pk}/change-applications", headers=auth(token))).json()
    assert {a["change_type"]: a["payload"] for a in listed} == {k: shown for k, (_, shown) in cases.items()}
    # Returned with a reason, the data change keeps its payload and carries the reasons; the review item too.
    r = await client.post(
        f"/api/v1/review/applications/{ids['data']}/return",
        headers=auth(op),
        json={"reasons": [{"field": "phone", "reason": "書類と違います"}]},
    )
    assert r.status_code == 200, r.text
    item = (await client.get(f"/api/v1/review/applications/{ids['data']}", headers=auth(op))).json()
    assert item["application"]["return_reasons"] == [{"field": "phone", "reason": "書類と違います"}]
    assert item["application"]["payload"] == {"changes": {"phone": "090-9999-0000"}}
    # The audit trail of the return serialises the same payload (no nulls for the fields not changed).
    trail = (await client.get("/api/v1/audit", headers=auth(op), params={"entity_type": "application"})).json()
    entry = next(e for e in trail if e["action"] == "application.return" and int(e["entity_id"]) == ids["data"])
    assert entry["before"]["payload"] == entry["after"]["payload"] == {"changes": {"phone": "090-9999-0000"}}


async def test_a_business_data_change_reads_back_as_given(client):
    op = await operator_token(client)
    firm = await approved_business(client, op)
    bid = firm["business"]["id"]
    r = await client.post(
        f"/api/v1/businesses/{bid}/change-applications",
        headers=auth(firm["token"]),
        json={"changes": {"phone": "03-9999-0000"}},
    )
    assert r.status_code == 201, r.text
    assert (r.json()["change_type"], r.json()["payload"]) == ("business_data", {"changes": {"phone": "03-9999-0000"}})
    item = (await client.get(f"/api/v1/review/applications/{r.json()['id']}", headers=auth(op))).json()
    assert item["application"]["payload"] == {"changes": {"phone": "03-9999-0000"}}
    assert item["business"]["social_insurance"] == INSURED


async def test_a_placeholder_firm_has_no_social_insurance(client):
    from tests.api.site_world import make_world
    from tests.api.helpers import corporate_number

    w = await make_world(client)
    contracts = (await client.get(f"/api/v1/sites/{w.site['id']}/contracts", headers=auth(w.prime["token"]))).json()
    prime_contract = next(c for c in contracts if c["tier"] == 0)
    r = await client.post(
        f"/api/v1/sites/{w.site['id']}/contracts/placeholders",
        headers=auth(w.prime["token"]),
        json={
            "parent_contract_id": prime_contract["id"],
            "name": "未登録建設株式会社",
            "corporate_number": corporate_number(913_579),
        },
    )
    assert r.status_code == 201, r.text
    holder = next(c for c in r.json() if c["placeholder"])
    r = await client.get(f"/api/v1/businesses/{holder['business_pk']}", headers=auth(w.op))
    assert r.status_code == 200, r.text
    assert r.json()["social_insurance"] is None  # stored {}: the firm declared none


async def test_batch_counts_are_the_keys_the_job_returned(client, drain, settings):
    from tortoise.timezone import now

    from api.batches import service
    from api.batches.models import BatchRun, RunStatus

    op = await operator_token(client)
    runs = {}
    for name in ("fold", "mail"):
        r = await client.post(f"/api/v1/admin/batches/{name}", headers=auth(op))
        assert r.status_code == 202, r.text
        runs[name] = r.json()["id"]
    await drain()
    month = today_jst().strftime("%Y-%m")
    failed = await BatchRun.create(
        name="billing-close", run_key=f"billing-close:{month}", period=month, created_at=now()
    )
    await service.run({"settings": settings}, failed.id)
    # A run stored by an older job that returned a key this version does not list is still read, key and all.
    odd = await BatchRun.create(
        name="levels", run_key="levels:old", status=RunStatus.done, counts={"count": 3, "skipped": 1}, created_at=now()
    )
    got = {}
    for key, pk in (*runs.items(), ("failed", failed.id), ("odd", odd.id)):
        r = await client.get(f"/api/v1/admin/batches/runs/{pk}", headers=auth(op))
        assert r.status_code == 200, r.text
        got[key] = (r.json()["status"], r.json()["counts"])
    assert got == {
        "fold": ("done", {"count": 0}),
        "mail": ("done", {"sent": 0, "failed": 0}),
        "failed": ("failed", {}),
        "odd": ("done", {"count": 3, "skipped": 1}),
    }


async def test_a_level_application_carries_its_estimate_and_evidence(client):
    from tests.api.level_helpers import assessment_body, work_days
    from tests.api.site_world import make_world
    from tests.api.test_change_applications import detailed_worker

    w = await make_world(client)
    await assessment_body(client, w.op, "(一社)日本鳶工業連合会", ["06-01"], "tobi-body-typed")
    worker = await detailed_worker(client, w, trades=["06-01"])
    await work_days(worker.pk, w.site["id"], 645, position="foreman", trade="06-01")
    r = await client.post(
        f"/api/v1/technicians/{worker.pk}/level-applications", headers=auth(worker.token), json={"trade": "06-01"}
    )
    assert r.status_code == 201, r.text
    listed = (
        await client.get(f"/api/v1/technicians/{worker.pk}/level-applications", headers=auth(worker.token))
    ).json()
    for app in (r.json(), listed[0]):
        ev = app["evidence"]
        assert (ev["technician_id"], ev["trade"], ev["evaluated"], ev["level"]) == (
            worker.technician_id,
            "06-01",
            True,
            app["estimate_level"],
        )
        assert ev["on"] == today_jst().isoformat() and ev["reason"] is None
        assert isinstance(ev["missing_for_next"], list)
        assert ev["evidence"]["lead_days"] == 645 and ev["evidence"]["counted_days"] >= 645
        assert set(ev["evidence"]) == {
            "recorded_days",
            "pre_registration_calendar_days",
            "pre_registration_days",
            "certified_prior_days",
            "counted_days",
            "foreman_days",
            "lead_days",
            "qualifications",
            "expired",
            "rows_met",
        }


async def test_a_licence_ic_read_and_its_confirmation_are_typed(client):
    from api.licence.models import RegistrationDraft

    reg = await register_technician(client)
    h = auth(reg["token"])
    # The most minimal read an edge reader can send: name, birth date and address.
    minimal = {"name": "山田　太郎", "birth_date": "1985-04-01", "address": "東京都千代田区霞が関2-1-2"}
    r = await client.post("/api/v1/licence/ic", headers=h, json={"licence": minimal})
    assert r.status_code == 200, r.text
    draft = r.json()["draft"]
    assert draft["identity"] == {
        "family_name": "山田",
        "given_name": "太郎",
        "birth_date": "1985-04-01",
        "address": "東京都千代田区霞が関2-1-2",
    }
    assert draft["identity_document"]["number_masked"] is None and draft["identity_document"]["categories"] == []
    assert draft["fields"]["birth_date"] == {
        "value": "1985-04-01",
        "confidence": 1.0,
        "source": "ic_chip",
        "prefill": True,
        "confirmed": False,
        "note": None,
    }
    assert draft["retake"] == [] and "raw" not in draft and draft["raw_kept"] is False
    # A reader's extra fields pass through (kept only with consent); a read without a name is refused by field.
    r = await client.post(
        "/api/v1/licence/ic", headers=h, json={"licence": {**minimal, "colour_class": "ゴールド"}, "consent_raw": True}
    )
    assert r.status_code == 200 and r.json()["draft"]["raw_kept"] is True and "raw" not in r.json()["draft"]
    r = await client.post("/api/v1/licence/ic", headers=h, json={"licence": {"birth_date": "1985-04-01"}})
    assert r.status_code == 422 and {f["field"] for f in r.json()["fields"]} == {"licence.name", "licence.address"}

    pk = (await client.post("/api/v1/licence/ic", headers=h, json={"licence": minimal})).json()["id"]
    r = await client.post(
        f"/api/v1/licence/drafts/{pk}/confirm",
        headers=h,
        json={"confirmed": ["family_name"], "edits": {"given_name": "次郎", "expiry_date": "2030-05-01"}},
    )
    assert r.status_code == 200, r.text
    d = r.json()["draft"]
    assert d["identity"]["given_name"] == "次郎" and d["fields"]["given_name"]["source"] == "user"
    assert d["identity_document"]["expires"] == "2030-05-01" and d["identity_document"]["expired"] is False
    r = await client.post(f"/api/v1/licence/drafts/{pk}/confirm", headers=h, json={"edits": {"address": 12}})
    assert r.status_code == 422  # edits are text
    # A draft stored when an edit could be any JSON value reads its value as text.
    row = await RegistrationDraft.get(id=pk)
    row.fields_json["fields"]["address"]["value"] = 12
    await row.save()
    r = await client.post(f"/api/v1/licence/drafts/{pk}/confirm", headers=h, json={})
    assert r.status_code == 200, r.text
    assert r.json()["draft"]["fields"]["address"]["value"] == "12"


async def test_a_field_error_quotes_its_bounds_in_ctx(client):
    r = await client.post("/api/v1/technicians", json=technician_payload(family_name="長" * 101))
    assert r.status_code == 422, r.text
    f = next(f for f in r.json()["fields"] if f["field"] == "family_name")
    assert (f["type"], f["ctx"]) == ("string_too_long", {"max_length": 100})
    r = await client.post("/api/v1/technicians", json=technician_payload(postal_code="abc"))
    f = next(f for f in r.json()["fields"] if f["field"] == "postal_code")
    assert f["type"] == "string_pattern_mismatch" and isinstance(f["ctx"]["pattern"], str)
