"""Trusted proxies only (issue 15 item 4): X-Forwarded-For decides the client's address only when the peer is a
configured proxy, so a client cannot dodge the per-address login limit by inventing addresses."""

from __future__ import annotations

from tests.api.helpers import PASSWORD, create_operator


async def _guess(c, i: int, forwarded: str | None):
    headers = {"X-Forwarded-For": forwarded} if forwarded else {}
    return await c.post(
        "/api/v1/auth/login", json={"login": f"nobody-{i}", "password": "wrong-password-x"}, headers=headers
    )


async def test_forwarded_for_from_an_untrusted_peer_is_ignored(app_with):
    async with app_with(login_max_failures_per_address=3) as c:  # no OPENCCUS_TRUSTED_PROXIES: the default
        await create_operator("proxy-op")
        for i in range(3):
            assert (await _guess(c, i, f"192.0.2.{i + 1}")).status_code == 401
        # Every guess counted against the peer itself, whatever address it claimed.
        r = await _guess(c, 9, "192.0.2.200")
        assert r.status_code == 429 and r.json()["error"] == "too_many_failed_logins"
        r = await c.post(
            "/api/v1/auth/login",
            json={"login": "proxy-op", "password": PASSWORD},
            headers={"X-Forwarded-For": "192.0.2.201"},
        )
        assert r.status_code == 429


async def test_forwarded_for_from_a_trusted_proxy_names_the_client(app_with):
    async with app_with(login_max_failures_per_address=3, trusted_proxies="127.0.0.1, 10.0.0.0/8") as c:
        await create_operator("proxy-op2")
        for i in range(3):
            assert (await _guess(c, i, "192.0.2.50")).status_code == 401
        assert (await _guess(c, 3, "192.0.2.50")).status_code == 429
        # Another client behind the same proxy is not blocked by the first one's failures.
        r = await c.post(
            "/api/v1/auth/login",
            json={"login": "proxy-op2", "password": PASSWORD},
            headers={"X-Forwarded-For": "192.0.2.51"},
        )
        assert r.status_code == 200


async def test_a_peer_outside_the_trusted_list_cannot_forward(app_with):
    async with app_with(
        login_max_failures_per_address=3, trusted_proxies="10.0.0.1", client=("198.51.100.9", 4000)
    ) as c:
        for i in range(3):
            assert (await _guess(c, i, f"192.0.2.{i + 1}")).status_code == 401
        assert (await _guess(c, 9, "192.0.2.99")).status_code == 429


def test_serve_does_not_let_uvicorn_believe_forwarded_headers(monkeypatch):
    """`openccus serve` used to pass proxy_headers=True (uvicorn then believes any peer at 127.0.0.1)."""
    import uvicorn

    from api import cli

    seen = {}
    monkeypatch.setattr(uvicorn, "run", lambda *a, **kw: seen.update(kw))
    assert cli.main(["serve", "--port", "0"]) == 0
    assert seen["proxy_headers"] is False and seen["access_log"] is False
