"""Account recovery by e-mail (issue 19 item 2) and notices by e-mail (19.3): a real SMTP server (aiosmtpd) on a free
local port receives the mail, and the tests follow the link in it, as a person would."""

from __future__ import annotations

import asyncio
import email
import email.policy
import re
import socket
from datetime import timedelta

import pytest
from aiosmtpd.controller import Controller

from tests.api.helpers import (
    PASSWORD,
    approved_business,
    auth,
    change_password,
    login,
    operator_token,
    register_technician,
    submitted_technician,
)

NEW_PASSWORD = "a-new-long-password-for-tests"


class Inbox:
    """The aiosmtpd handler: keeps every message it receives, parsed."""

    def __init__(self):
        self.messages: list[email.message.EmailMessage] = []
        self.envelopes: list[tuple[str, list[str]]] = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append(email.message_from_bytes(envelope.original_content, policy=email.policy.default))
        self.envelopes.append((envelope.mail_from, list(envelope.rcpt_tos)))
        return "250 OK"

    def to(self, address: str) -> list[email.message.EmailMessage]:
        return [m for m in self.messages if m["To"] == address]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def smtp():
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=_free_port())
    controller.start()
    inbox.port, inbox.controller = controller.port, controller
    try:
        yield inbox
    finally:
        inbox.controller.stop()  # a test may have replaced it (a server that went down and came back)


@pytest.fixture
def settings(settings, smtp):
    """The app of these tests sends over SMTP to the local server (plain: aiosmtpd here offers no STARTTLS)."""
    return settings.model_copy(
        update={
            "smtp_host": "127.0.0.1",
            "smtp_port": smtp.port,
            "smtp_starttls": False,
            "mail_from": "OpenCCUS 運営 <no-reply@openccus.test>",
        }
    )


def _text(msg) -> str:
    return msg.get_body(preferencelist=("plain",)).get_content()


def _token(msg) -> str:
    m = re.search(r"/reset#token=(\S+)", _text(msg))
    assert m, _text(msg)
    return m.group(1)


async def _ask(client, login_or_mail: str, **kw):
    return await client.post("/api/v1/auth/password-reset", json={"login": login_or_mail}, **kw)


async def _confirm(client, token: str, password: str = NEW_PASSWORD):
    return await client.post("/api/v1/auth/password-reset/confirm", json={"token": token, "password": password})


async def test_reset_by_mail_works_once_and_logs_out_everywhere(client, drain, smtp, settings):
    reg = await register_technician(client, email="yamada@example.jp")
    session, lid = reg["token"], reg["login_id"]
    r = await _ask(client, lid)
    assert r.status_code == 202
    await drain()
    [msg] = smtp.to("yamada@example.jp")
    # Japanese subject and body as proper MIME: encoded-word subject, UTF-8 text part.
    assert msg["Subject"] == "【OpenCCUS】パスワード再設定のご案内"
    assert "=?utf-8?" in msg.as_string().split("\n\n", 1)[0].lower() or "=?UTF-8?" in msg.as_string()
    assert msg.get_body(preferencelist=("plain",)).get_content_charset() == "utf-8"
    assert msg["From"].addresses[0].display_name == "OpenCCUS 運営"
    assert lid in _text(msg) and "1回だけ" in _text(msg)  # the mail tells the login ID too
    token = _token(msg)
    assert _text(msg).count(settings.public_url) >= 1

    r = await _confirm(client, token)
    assert r.status_code == 204, r.text
    # The new password works, the old one not, and the session logged in before the reset is gone.
    assert (await client.post("/api/v1/auth/login", json={"login": lid, "password": PASSWORD})).status_code == 401
    await login(client, lid, NEW_PASSWORD)
    assert (await client.get("/api/v1/auth/me", headers=auth(session))).status_code == 401
    # Used once: the same link again is refused.
    r = await _confirm(client, token, NEW_PASSWORD + "-again")
    assert r.status_code == 400 and r.json()["error"] == "reset_token_invalid"


async def test_reset_by_mail_address_and_a_newer_reset_revokes_older_links(client, drain, smtp):
    await register_technician(client, email="Sato@Example.jp")
    for _ in range(2):
        assert (await _ask(client, "sato@example.jp")).status_code == 202
        await drain()
    first, second = [_token(m) for m in smtp.to("Sato@Example.jp")]
    assert first != second
    assert (await _confirm(client, second)).status_code == 204
    r = await _confirm(client, first, NEW_PASSWORD + "-older")
    assert r.status_code == 400 and r.json()["error"] == "reset_token_invalid"


async def test_unknown_login_and_account_without_mail_get_the_same_answer_and_no_mail(client, drain, smtp):
    suzuki = (await register_technician(client, email="suzuki@example.jp"))["login_id"]
    nomail = (await register_technician(client))["login_id"]
    answers = [await _ask(client, name) for name in (suzuki, "nobody-at-all", nomail, "ghost@example.jp")]
    assert {r.status_code for r in answers} == {202}
    assert len({r.text for r in answers}) == 1
    await drain()
    assert [e[1] for e in smtp.envelopes] == [["suzuki@example.jp"]]


async def test_expired_and_forged_tokens_get_one_answer(client, drain, smtp):
    from tortoise.timezone import now

    from api.accounts.models import PasswordResetToken

    lid = (await register_technician(client, email="kato@example.jp"))["login_id"]
    await _ask(client, lid)
    await drain()
    token = _token(smtp.to("kato@example.jp")[0])
    await PasswordResetToken.all().update(expires_at=now() - timedelta(minutes=1))
    expired = await _confirm(client, token)
    forged = await _confirm(client, "rt_" + "A" * 43)
    assert expired.status_code == forged.status_code == 400
    assert expired.json() == forged.json() and expired.json()["error"] == "reset_token_invalid"
    await login(client, lid)  # the password is unchanged


async def test_refused_new_password_keeps_the_link_usable(client, drain, smtp):
    lid = (await register_technician(client, email="ito@example.jp"))["login_id"]
    await _ask(client, lid)
    await drain()
    token = _token(smtp.to("ito@example.jp")[0])
    r = await _confirm(client, token, "short")
    assert r.status_code == 422 and r.json()["error"] == "password_too_short"
    r = await _confirm(client, token, f"{lid} and more words")
    assert r.status_code == 422 and r.json()["error"] == "password_contains_login"
    assert (await _confirm(client, token)).status_code == 204


async def test_concurrent_use_of_one_link_succeeds_once(client, drain, smtp):
    for i in range(4):
        lid = (await register_technician(client, email=f"race{i}@example.jp"))["login_id"]
        await _ask(client, lid)
        await drain()
        token = _token(smtp.to(f"race{i}@example.jp")[0])
        results = await asyncio.gather(*[_confirm(client, token, f"{NEW_PASSWORD}-{k}") for k in range(4)])
        codes = sorted(r.status_code for r in results)
        assert codes == [204, 400, 400, 400], [r.text for r in results]
        winner = next(k for k, r in enumerate(results) if r.status_code == 204)
        await login(client, lid, f"{NEW_PASSWORD}-{winner}")


async def test_reset_rate_limits_per_account_and_per_address(client, drain, smtp, settings):
    lid = (await register_technician(client, email="mori@example.jp"))["login_id"]
    for _ in range(settings.reset_max_per_account + 2):  # the same answer, but the account gets only its quota
        assert (await _ask(client, lid)).status_code == 202
    await drain()
    assert len(smtp.to("mori@example.jp")) == settings.reset_max_per_account
    # Per client address: beyond the limit, 429 whatever the login (counted before anything is looked up).
    left = settings.reset_max_per_address - (settings.reset_max_per_account + 2)
    for i in range(left):
        assert (await _ask(client, f"someone-{i}")).status_code == 202
    r = await _ask(client, lid)
    assert r.status_code == 429 and r.json()["error"] == "too_many_reset_requests"


async def test_password_change_revokes_other_sessions(client):
    reg = await register_technician(client)
    elsewhere, lid = reg["token"], reg["login_id"]  # registration logs in too
    here = await login(client, lid)
    r = await client.post(
        "/api/v1/auth/password",
        headers=auth(here),
        json={"current_password": "wrong-password-given", "new_password": NEW_PASSWORD},
    )
    assert r.status_code == 422 and r.json()["error"] == "current_password_wrong"
    r = await client.post(
        "/api/v1/auth/password", headers=auth(here), json={"current_password": PASSWORD, "new_password": PASSWORD}
    )
    assert r.status_code == 422 and r.json()["error"] == "password_unchanged"
    r = await client.post(
        "/api/v1/auth/password",
        headers=auth(here),
        json={"current_password": PASSWORD, "new_password": "password123456789"},
    )
    assert r.status_code == 422 and r.json()["error"] == "password_common"
    r = await change_password(client, here, PASSWORD, NEW_PASSWORD)
    assert r.json()["revoked"] == 1
    assert (await client.get("/api/v1/auth/me", headers=auth(here))).status_code == 200
    assert (await client.get("/api/v1/auth/me", headers=auth(elsewhere))).status_code == 401
    await login(client, lid, NEW_PASSWORD)


async def test_wrong_current_passwords_lock_the_login(client, settings):
    token = await login(client, (await register_technician(client))["login_id"])
    for _ in range(settings.login_max_failures):
        r = await client.post(
            "/api/v1/auth/password",
            headers=auth(token),
            json={"current_password": "not-the-password", "new_password": NEW_PASSWORD},
        )
        assert r.status_code == 422
    r = await client.post(
        "/api/v1/auth/password", headers=auth(token), json={"current_password": PASSWORD, "new_password": NEW_PASSWORD}
    )
    assert r.status_code == 429 and r.json()["error"] == "account_locked"


async def test_forced_change_at_first_login_for_accounts_made_by_someone_else(client, drain, smtp):
    op = await operator_token(client)
    firm = await approved_business(client, op)
    root, pk = firm["token"], firm["business"]["id"]
    r = await client.post(
        f"/api/v1/businesses/{pk}/site-managers",
        headers=auth(root),
        json={"password": PASSWORD, "display_name": "現場 花子"},
    )
    assert r.status_code == 201, r.text
    r = await client.post("/api/v1/auth/login", json={"login": r.json()["login"], "password": PASSWORD})
    assert r.status_code == 200 and r.json()["account"]["must_change_password"] is True
    token = r.json()["token"]
    me = await client.get("/api/v1/auth/me", headers=auth(token))
    assert me.status_code == 200 and me.json()["must_change_password"] is True
    r = await client.get("/api/v1/notifications", headers=auth(token))
    assert r.status_code == 403 and r.json()["error"] == "password_change_required"
    r = await client.get("/api/v1/sites", headers=auth(token))
    assert r.status_code == 403 and r.json()["error"] == "password_change_required"
    await change_password(client, token, PASSWORD, NEW_PASSWORD)
    assert (await client.get("/api/v1/notifications", headers=auth(token))).status_code == 200
    assert (await client.get("/api/v1/auth/me", headers=auth(token))).json()["must_change_password"] is False
    # Self-registered accounts choose their own password: no forced change.
    reg = await register_technician(client)
    assert (await client.get("/api/v1/notifications", headers=auth(reg["token"]))).status_code == 200


async def test_proxy_registered_technician_must_change_password(client):
    op = await operator_token(client)
    firm = await approved_business(client, op)
    root = firm["token"]
    from tests.api.helpers import technician_payload

    body = technician_payload(consent_on="2026-01-05", consent_obtained=True)
    r = await client.post(f"/api/v1/businesses/{firm['business']['id']}/technicians", headers=auth(root), json=body)
    assert r.status_code == 201, r.text
    r = await client.post("/api/v1/auth/login", json={"login": r.json()["login_id"], "password": PASSWORD})
    assert r.json()["account"]["must_change_password"] is True
    tech_pk = r.json()["account"]["technician_pk"]
    r = await client.get(f"/api/v1/technicians/{tech_pk}", headers=auth(r.json()["token"]))
    assert r.status_code == 403 and r.json()["error"] == "password_change_required"


async def test_returned_application_is_mailed_with_reason_and_name(client, drain, smtp):
    op = await operator_token(client)
    t = await submitted_technician(client, email="notice@example.jp", family_name="高橋", given_name="一郎")
    reasons = {"reasons": [{"field": "address", "reason": "住所が本人確認書類と一致しません"}]}
    r = await client.post(
        f"/api/v1/review/applications/{t['application']['id']}/return", headers=auth(op), json=reasons
    )
    assert r.status_code == 200, r.text
    await drain()
    await drain()  # a second run (a retried job) sends nothing again
    [msg] = smtp.to("notice@example.jp")
    assert msg["Subject"] == "【OpenCCUS】申請が差し戻されました"
    text = _text(msg)
    assert "高橋 一郎" in text and "住所が本人確認書類と一致しません" in text
    notices = (await client.get("/api/v1/notifications", headers=auth(t["token"]))).json()
    assert len(notices) == 1 and "高橋 一郎" in notices[0]["message"]


async def test_a_failed_send_is_retried_by_the_sweep_and_sent_once(app, settings, smtp):
    from tortoise.timezone import now

    from api.mail.jobs import send_pending_mail
    from api.mail.models import Mail
    from api.mail.service import deliver, queue_mail

    smtp.controller.stop()  # the SMTP server is down
    mail = await queue_mail(
        account=None,
        to="retry@example.jp",
        kind="notice.test",
        subject="【OpenCCUS】再送の確認",
        body="再送のテストです。",
        dedupe_key="test:retry",
    )
    with pytest.raises(OSError):
        await deliver(settings, mail.id)
    row = await Mail.get(id=mail.id)
    assert row.sent_at is None and row.claimed_at is None and row.attempts == 1 and row.last_error
    assert "retry@example.jp" not in row.last_error

    smtp.controller = Controller(smtp, hostname="127.0.0.1", port=smtp.port)  # back up, on the same port
    smtp.controller.start()
    await Mail.filter(id=mail.id).update(created_at=now() - timedelta(minutes=2))
    assert await send_pending_mail({"settings": settings}) == {"sent": 1, "failed": 0}
    assert await send_pending_mail({"settings": settings}) == {"sent": 0, "failed": 0}
    assert await deliver(settings, mail.id) is False  # already sent: never twice
    [msg] = smtp.to("retry@example.jp")
    assert msg["Subject"] == "【OpenCCUS】再送の確認" and "再送のテストです。" in _text(msg)


async def test_invitation_to_a_contract_tree_is_mailed_naming_inviter_and_site(client, drain, smtp):
    from tests.api.site_world import make_world

    w = await make_world(client)
    invited = await approved_business(
        client,
        w.op,
        admin={"password": PASSWORD, "display_name": "招待 太郎", "email": "inv@example.jp"},
    )
    await w.join(invited, w.prime, proxy=False)
    await drain()
    # The admin also had the mail about the business registration's approval.
    assert sorted(m["Subject"] for m in smtp.to("inv@example.jp")) == [
        "【OpenCCUS】施工体制への招待が届いています",
        "【OpenCCUS】申請が承認されました",
    ]
    [msg] = [m for m in smtp.to("inv@example.jp") if "招待" in m["Subject"]]
    text = _text(msg)
    assert w.prime["business"]["name"] in text and "大和ビル新築工事" in text and invited["business"]["name"] in text
    assert "招待 太郎 様" in text
    notices = (await client.get("/api/v1/notifications", headers=auth(invited["token"]))).json()
    assert sorted(n["kind"] for n in notices) == ["application.approved", "contract.invited"]


async def test_invoice_issued_is_mailed_to_the_payer(client, drain, smtp):
    op = await operator_token(client)
    t = await submitted_technician(client, email="payer@example.jp", family_name="中村", given_name="優")
    r = await client.post(f"/api/v1/review/applications/{t['application']['id']}/approve", headers=auth(op))
    assert r.status_code == 200, r.text
    await drain()
    subjects = sorted(m["Subject"] for m in smtp.to("payer@example.jp"))
    assert subjects[0] == "【OpenCCUS】申請が承認されました" and subjects[1].startswith("【OpenCCUS】請求書 ")
    invoice_mail = next(m for m in smtp.to("payer@example.jp") if "請求書" in m["Subject"])
    text = _text(invoice_mail)
    assert "中村 優" in text and "2,500円" in text and "お支払期限" in text
