"""Money without dead ends (issue 19.4): every invoice says where to transfer to, on the page and in the PDF, and
says whether card / konbini payment can be started at all."""

from __future__ import annotations

import io

from pypdf import PdfReader

from tests.api.helpers import auth, operator_token, submitted_technician


async def _invoice(client) -> tuple[dict, str]:
    op = await operator_token(client)
    t = await submitted_technician(client)  # no employer: the registration fee is invoiced at once
    r = await client.post(f"/api/v1/review/applications/{t['application']['id']}/approve", headers=auth(op))
    assert r.status_code == 200, r.text
    [inv] = (await client.get("/api/v1/invoices", headers=auth(t["token"]))).json()
    detail = (await client.get(f"/api/v1/invoices/{inv['id']}", headers=auth(t["token"]))).json()
    return detail, t["token"]


async def test_the_invoice_names_the_account_to_transfer_to(client, settings, app):
    configured = settings.database_url is not None
    if configured:  # on PostgreSQL the operator sets the account
        app.state.settings = settings.model_copy(
            update={
                "bank_name": "みずほ銀行",
                "bank_branch": "東京営業部",
                "bank_account_number": "7654321",
                "bank_account_holder": "ｵｰﾌﾟﾝｼｰｼｰﾕｰｴｽ",
            }
        )
    detail, token = await _invoice(client)
    to = detail["transfer_to"]
    if configured:
        assert to == {
            "bank": "みずほ銀行",
            "branch": "東京営業部",
            "account_type": "普通",
            "account_number": "7654321",
            "holder": "ｵｰﾌﾟﾝｼｰｼｰﾕｰｴｽ",
            "demo": False,
        }
    else:  # the embedded default shows a demo account, labelled as one
        assert to["demo"] is True and to["account_number"]
    # No payment provider configured in these tests: the page is told not to offer a pay form.
    assert detail["online_payment_available"] is False
    pdf = await client.get(f"/api/v1/invoices/{detail['id']}/pdf", headers=auth(token))
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf.content)).pages)
    assert "お振込先" in text and to["account_number"] in text and detail["payment_reference"] in text
    if not configured:
        assert "デモ用" in text


async def test_without_an_account_the_invoice_says_whom_to_ask(client, settings, app):
    if settings.database_url is None:
        return  # the embedded default always has its demo account
    detail, token = await _invoice(client)
    assert detail["transfer_to"] is None
    pdf = await client.get(f"/api/v1/invoices/{detail['id']}/pdf", headers=auth(token))
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf.content)).pages)
    assert "運営主体にお問い合わせください" in text
