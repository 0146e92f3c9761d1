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
