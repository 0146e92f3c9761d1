from openapi_spec_validator import validate

from api.app import routers


async def test_openapi_document_is_valid_and_complete(client):
    r = await client.get("/api/v1/openapi.json")
    assert r.status_code == 200
    doc = r.json()
    validate(doc)  # raises on an invalid OpenAPI 3.1 document
    assert doc["openapi"] == "3.1.0"
    documented = {(m.upper(), p) for p, ops in doc["paths"].items() for m in ops}
    declared = {(ep.method, ep.path.replace(":int", "")) for r in routers() for ep in r.endpoints}
    assert declared == documented
    login = doc["paths"]["/api/v1/auth/login"]["post"]
    assert "401" in login["responses"] and "422" in login["responses"]
    body = doc["components"]["schemas"]["BusinessRegisterIn"]
    assert body["examples"][0]["corporate_number"] == "7000012050002"


async def test_docs_page_and_unknown_api_paths(client):
    r = await client.get("/api/v1/docs")
    assert r.status_code == 200 and "swagger-ui-bundle.js" in r.text
    assert (await client.get("/api/v1/docs/static/swagger-ui-bundle.js")).status_code == 200
    r = await client.get("/api/v1/no-such-thing")
    assert r.status_code == 404 and r.json()["error"] == "no_such_endpoint"
    r = await client.delete("/api/v1/auth/me")
    assert r.status_code == 405 and r.json()["error"] == "method_not_allowed"


async def test_the_document_is_enough_for_an_integrator(client):
    """What an integrator needs is in the contract: every operation's success response with its media type, the
    batch items' schemas, the batch names, the ID check digit."""
    from typing import get_args

    from api.batches.registry import BatchName

    doc = (await client.get("/api/v1/openapi.json")).json()
    for path, ops in doc["paths"].items():
        for method, op in ops.items():
            ok = [c for c in op["responses"] if c.startswith("2")]
            assert ok, f"{method} {path} documents no success response"
            for c in ok:
                assert c == "204" or op["responses"][c].get("content"), f"{method} {path} {c} has no content"
    schemas = doc["components"]["schemas"]
    # The batch endpoints validate each item on its own, but the document names the item's fields.
    records = schemas["AttendanceBatchIn"]["properties"]["records"]["items"]
    assert {"idempotency_key", "site_id", "technician_id", "event", "at", "trade", "position"} <= set(
        records["properties"]
    )
    taps = schemas["TapBatchIn"]["properties"]["taps"]["items"]
    assert {"idempotency_key", "card_serial", "challenge", "response"} <= set(taps["properties"])
    personalisation = doc["paths"]["/api/v1/cards/{serial}/personalisation"]["get"]["responses"]["200"]
    ref = personalisation["content"]["application/json"]["schema"]["$ref"].rsplit("/", 1)[1]
    assert {"card_key", "ef_card", "key_version", "expires"} <= set(schemas[ref]["properties"])
    run = doc["paths"]["/api/v1/admin/batches/{name}"]["post"]["parameters"]
    assert next(p for p in run if p["name"] == "name")["schema"]["enum"] == list(get_args(BatchName))
    assert records["properties"]["technician_id"]["x-check-digit"] == "damm"
    pdf = doc["paths"]["/api/v1/invoices/{pk}/pdf"]["get"]["responses"]["200"]["content"]
    assert pdf == {"application/pdf": {"schema": {"type": "string", "format": "binary"}}}


def test_every_operation_documents_its_responses_and_error_codes():
    """Each operation names its success response (with content, or 204) and every error it may answer: 401/403 when
    it needs a login, 400/422 when it reads a body or query, 404 when its path names something, and whatever its
    route declares — each as ErrorOut with the codes of that status the operation may send (x-error-codes, each in
    the catalogue with that status). An operation that lacks one fails here."""
    import json

    from api import error_codes
    from api.openapi import document_text

    catalogue = error_codes.catalogue()
    doc = json.loads(document_text())
    error_out = {"$ref": "#/components/schemas/ErrorOut"}
    problems = []
    for ops in doc["paths"].values():
        for op in ops.values():
            name, responses = op["operationId"], op["responses"]
            ok = [c for c in responses if c.startswith("2")]
            if not ok or any(c != "204" and not responses[c].get("content") for c in ok):
                problems.append(f"{name}: no success response with its content")
            need = set()
            if op.get("security"):
                need |= {"401", "403"}
            if op.get("requestBody") or any(p["in"] == "query" for p in op["parameters"]):
                need |= {"400", "422"}
            if any(p["in"] == "path" for p in op["parameters"]):
                need.add("404")
            if need - set(responses):
                problems.append(f"{name}: documents no {sorted(need - set(responses))}")
            inputless = not (op.get("security") or op.get("requestBody") or op["parameters"])
            if not inputless and not any(c[0] in "45" for c in responses):  # a public read without input: masters
                problems.append(f"{name}: documents no error at all")
            for code, r in responses.items():
                if code[0] not in "45":
                    continue
                if r.get("content", {}).get("application/json", {}).get("schema") != error_out:
                    problems.append(f"{name} {code}: not an ErrorOut")
                codes = r.get("x-error-codes") or []
                if not codes:
                    problems.append(f"{name} {code}: names no error code")
                wrong = [c for c in codes if c not in catalogue or str(catalogue[c].status) != code]
                if wrong:
                    problems.append(f"{name} {code}: {wrong} are not {code} codes of the catalogue")
    assert not problems, "\n".join(problems)


def test_an_operation_documents_the_codes_its_own_code_raises():
    """The codes come from what the handler reaches: an employee's departure may not find the employee, never a
    batch run."""
    import json

    from api.openapi import document_text

    doc = json.loads(document_text())
    leave = doc["paths"]["/api/v1/businesses/{pk}/employees/{tid}/leave"]["post"]["responses"]
    assert "employee_not_found" in leave["404"]["x-error-codes"]
    assert "no_such_batch_run" not in leave["404"]["x-error-codes"]


def test_the_pwa_types_are_generated_from_this_document(tmp_path):
    """The PWA's API types (pwa/src/contract/api.d.ts, from openapi-typescript) are made from the document the
    service serves: a change to a schema or an operation without regenerating them (pwa/scripts/api-types.sh)
    fails here."""
    import shutil
    import subprocess
    from pathlib import Path

    from api.openapi import document_text

    pwa = Path(__file__).resolve().parents[2] / "pwa"
    committed = (pwa / "src" / "contract" / "openapi.json").read_text(encoding="utf-8")
    assert committed == document_text(), "the API changed: run `bash pwa/scripts/api-types.sh` and commit"
    (tmp_path / "openapi.json").write_text(committed, encoding="utf-8")
    npx = shutil.which("npx")
    assert npx, "Node.js is part of the test set-up (pwa/build.sh)"
    subprocess.run(
        [
            npx,
            "--no-install",
            "openapi-typescript",
            str(tmp_path / "openapi.json"),
            "-o",
            str(tmp_path / "api.d.ts"),
            "--alphabetize",
        ],
        cwd=pwa,
        check=True,
        capture_output=True,
    )
    assert (tmp_path / "api.d.ts").read_text(encoding="utf-8") == (pwa / "src" / "contract" / "api.d.ts").read_text(
        encoding="utf-8"
    ), "the committed API types are stale: run `bash pwa/scripts/api-types.sh` and commit"
