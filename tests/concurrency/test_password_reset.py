"""A password-reset link is used once: the same link sent by several requests at one moment (two API processes on
PostgreSQL) sets the password exactly once. The link is read from the mail the worker wrote, through the operator's
mail console, as on a server without an SMTP host."""

from __future__ import annotations

import re

from tests.api.helpers import auth, login, register_technician
from tests.concurrency.conftest import race

ROUNDS = 8  # below the per-address limit of reset requests (10 an hour)
NEW = "a-new-long-password-for-the-race"


async def test_one_link_sets_the_password_once(live, http):
    op = await login(http, "op")
    for n in range(ROUNDS):
        name = f"race-reset-{n}"
        lid = (await register_technician(http, email=f"{name}@example.jp"))["login_id"]
        assert (await http.post("/api/v1/auth/password-reset", json={"login": lid})).status_code == 202
        live.drain()
        mails = (await http.get("/api/v1/mail", headers=auth(op))).json()
        [mail] = [m for m in mails if m["to_address"] == f"{name}@example.jp"]
        text = (await http.get(f"/api/v1/mail/{mail['id']}", headers=auth(op))).json()["text"]
        token = re.search(r"/reset#token=(\S+)", text).group(1)
        results = await race(
            *[
                (
                    lambda k=k, token=token: http.post(
                        "/api/v1/auth/password-reset/confirm", json={"token": token, "password": f"{NEW}-{k}"}
                    )
                )
                for k in range(4)
            ]
        )
        codes = sorted(r.status_code for r in results)
        assert codes == [204, 400, 400, 400], [r.text for r in results]
        assert all(r.json()["error"] == "reset_token_invalid" for r in results if r.status_code == 400)
        used = await live.fetchval(
            "SELECT count(*) FROM password_reset_token t JOIN account a ON a.id = t.account_id "
            "WHERE a.login = $1 AND t.used_at IS NOT NULL",
            lid,
        )
        assert used == 1
        winner = next(k for k, r in enumerate(results) if r.status_code == 204)
        await login(http, lid, f"{NEW}-{winner}")
