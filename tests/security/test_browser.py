"""Browser hardening (issue 15 item 3): security headers, and the PWA's session as an HttpOnly cookie with CSRF
protection, while API clients keep bearer tokens."""

from __future__ import annotations

from http.cookies import SimpleCookie

from tests.api.helpers import PASSWORD, auth, create_operator, technician_payload

COOKIE = {"X-OpenCCUS-Session": "cookie"}


def _set_cookies(r) -> dict[str, dict]:
    out = {}
    for header in r.headers.get_list("set-cookie"):
        c = SimpleCookie()
        c.load(header)
        for name, morsel in c.items():
            flags = header.lower()
            out[name] = {
                "value": morsel.value,
                "httponly": "httponly" in flags,
                "secure": "secure" in flags,
                "samesite": morsel["samesite"],
                "path": morsel["path"],
                "max-age": morsel["max-age"],
            }
    return out


async def _cookie_login(c, login_name: str):
    r = await c.post("/api/v1/auth/login", json={"login": login_name, "password": PASSWORD}, headers=COOKIE)
    assert r.status_code == 200, r.text
    return r


async def test_pwa_login_sets_an_httponly_cookie_and_returns_no_token(app_with):
    async with app_with(base_url="http://127.0.0.1:8000") as c:
        await create_operator("pwa-op")
        r = await _cookie_login(c, "pwa-op")
        assert r.json()["token"] is None and r.json()["account"]["login"] == "pwa-op"
        cookies = _set_cookies(r)
        session, csrf = cookies["oc_session"], cookies["oc_csrf"]
        assert session["httponly"] and session["samesite"].lower() == "strict" and session["path"] == "/"
        # Loopback http (the embedded default) is a secure context for browsers: Secure is set there too.
        assert session["secure"] and csrf["secure"]
        assert not csrf["httponly"] and csrf["value"] != session["value"]
        assert int(session["max-age"]) == 12 * 3600


async def test_secure_flag_follows_the_scheme_and_the_setting(app_with):
    async with app_with(base_url="https://ccus.example.jp") as c:
        await create_operator("tls-op")
        assert _set_cookies(await _cookie_login(c, "tls-op"))["oc_session"]["secure"]
    async with app_with(base_url="http://192.0.2.10:8000") as c:  # plain http on a LAN address
        await create_operator("lan-op")
        assert not _set_cookies(await _cookie_login(c, "lan-op"))["oc_session"]["secure"]
    async with app_with(base_url="http://192.0.2.10:8000", cookie_secure="always") as c:
        await create_operator("lan-op2")
        assert _set_cookies(await _cookie_login(c, "lan-op2"))["oc_session"]["secure"]


async def test_cookie_session_needs_the_csrf_header_for_writes(app_with):
    async with app_with(base_url="https://ccus.example.jp") as c:
        r = await c.post("/api/v1/technicians", json=technician_payload(), headers=COOKIE)
        assert r.status_code == 201 and r.json()["token"] is None
        cookies = _set_cookies(r)
        session, csrf = cookies["oc_session"]["value"], cookies["oc_csrf"]["value"]
        c.cookies.set("oc_session", session, domain="ccus.example.jp")
        c.cookies.set("oc_csrf", csrf, domain="ccus.example.jp")
        pk = r.json()["technician"]["id"]
        # Reading works with the cookie alone.
        assert (await c.get("/api/v1/auth/me")).json()["login"] == r.json()["login_id"]
        before = (await c.get(f"/api/v1/technicians/{pk}")).json()
        # A write without the header (what a forged cross-site form would send) is refused and changes nothing.
        for headers in ({}, {"X-CSRF-Token": "forged"}, {"X-CSRF-Token": session}):
            r = await c.patch(f"/api/v1/technicians/{pk}", json={"address": "大阪府大阪市1-1"}, headers=headers)
            assert r.status_code == 403 and r.json()["error"] == "csrf_token_invalid", r.text
        assert (await c.get(f"/api/v1/technicians/{pk}")).json() == before
        r = await c.patch(
            f"/api/v1/technicians/{pk}", json={"address": "大阪府大阪市1-1"}, headers={"X-CSRF-Token": csrf}
        )
        assert r.status_code == 200, r.text
        # Logging out revokes the session and clears both cookies.
        r = await c.post("/api/v1/auth/logout", headers={"X-CSRF-Token": csrf})
        assert r.status_code == 204
        cleared = _set_cookies(r)
        assert cleared["oc_session"]["max-age"] == "0" and cleared["oc_csrf"]["max-age"] == "0"
        c.cookies.set("oc_session", session, domain="ccus.example.jp")  # a copied cookie is dead too
        assert (await c.get("/api/v1/auth/me")).status_code == 401


async def test_bearer_clients_need_no_csrf_header(client):
    await create_operator("bearer-op")
    r = await client.post("/api/v1/auth/login", json={"login": "bearer-op", "password": PASSWORD})
    token = r.json()["token"]
    assert token and not r.headers.get_list("set-cookie")
    assert (await client.post("/api/v1/auth/logout", headers=auth(token))).status_code == 204


async def test_security_headers_on_the_app_the_api_and_the_docs(client):
    for path in ("/", "/login", "/api/v1/health", "/api/v1/nope", "/api/v1/openapi.json"):
        r = await client.get(path)
        h = r.headers
        assert h["x-content-type-options"] == "nosniff", path
        assert h["x-frame-options"] == "DENY" and "frame-ancestors 'none'" in h["content-security-policy"], path
        assert h["referrer-policy"] == "same-origin", path
        csp = h["content-security-policy"]
        assert "script-src 'self';" in csp and "'unsafe-inline'" not in csp and "object-src 'none'" in csp, path
        assert "strict-transport-security" not in h, path  # plain http: no HSTS
    docs = await client.get("/api/v1/docs")
    assert "script-src 'self' 'sha256-" in docs.headers["content-security-policy"]


async def test_hsts_only_over_tls_and_proto_only_from_trusted_proxies(app_with):
    async with app_with(base_url="https://ccus.example.jp") as c:
        assert (await c.get("/api/v1/health")).headers["strict-transport-security"].startswith("max-age=31536000")
    # A TLS proxy on 127.0.0.1 says the client used https: believed only when the proxy is configured.
    proto = {"X-Forwarded-Proto": "https", "X-Forwarded-For": "198.51.100.7"}
    async with app_with() as c:
        assert "strict-transport-security" not in (await c.get("/api/v1/health", headers=proto)).headers
    async with app_with(trusted_proxies="127.0.0.1") as c:
        assert "strict-transport-security" in (await c.get("/api/v1/health", headers=proto)).headers
    async with app_with(hsts_seconds=0, base_url="https://ccus.example.jp") as c:
        assert "strict-transport-security" not in (await c.get("/api/v1/health")).headers
