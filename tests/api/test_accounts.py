from tests.api.helpers import PASSWORD, auth, create_operator, login


async def test_login_me_logout(client):
    await create_operator("op1")
    token = await login(client, "OP1")  # login names are case-insensitive
    me = await client.get("/api/v1/auth/me", headers=auth(token))
    assert me.status_code == 200 and me.json()["role"] == "operator"
    assert (await client.post("/api/v1/auth/logout", headers=auth(token))).status_code == 204
    assert (await client.get("/api/v1/auth/me", headers=auth(token))).status_code == 401


async def test_wrong_password_and_unknown_login_look_the_same(client):
    await create_operator("op2")
    wrong = await client.post("/api/v1/auth/login", json={"login": "op2", "password": "nope-nope-nope"})
    unknown = await client.post("/api/v1/auth/login", json={"login": "ghost", "password": "nope-nope-nope"})
    assert wrong.status_code == unknown.status_code == 401
    assert wrong.json()["error"] == unknown.json()["error"] == "invalid_credentials"


async def test_account_locks_after_repeated_failures(client, settings):
    await create_operator("op3")
    for _ in range(settings.login_max_failures):
        r = await client.post("/api/v1/auth/login", json={"login": "op3", "password": "wrong-password"})
        assert r.status_code == 401
    # Locked now: even the right password is refused until the lock expires.
    r = await client.post("/api/v1/auth/login", json={"login": "op3", "password": PASSWORD})
    assert r.status_code == 429 and r.json()["error"] == "account_locked"


async def test_missing_or_bad_token_is_401(client):
    assert (await client.get("/api/v1/auth/me")).status_code == 401
    r = await client.get("/api/v1/auth/me", headers=auth("oc_forged"))
    assert r.status_code == 401 and r.json()["error"] == "unauthorized"


async def test_malformed_login_body(client):
    r = await client.post("/api/v1/auth/login", content=b"{not json", headers={"content-type": "application/json"})
    assert r.status_code == 400 and r.json()["error"] == "invalid_json"
    r = await client.post("/api/v1/auth/login", json={"login": "x"})
    assert r.status_code == 422 and r.json()["fields"][0]["field"] == "password"
