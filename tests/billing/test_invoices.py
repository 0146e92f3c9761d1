"""Invoices after issue: credit notes within limits, immutability in the database, PDFs with Japanese text,
technicians without an employer billed at once, card reissue."""

import io

import pytest
from pypdf import PdfReader

from tests.api.helpers import auth, operator_token, submitted_technician, table_counts
from tests.billing.world import billed_business, close, invoices_of


async def _invoice(client, drain):
    op = await operator_token(client)
    biz = await billed_business(client, op)
    await close(client, op, drain)
    [inv] = await invoices_of(client, biz["token"], biz["business"]["id"])
    assert inv["total_yen"] == 59_400
    return op, biz, inv


async def test_credit_notes_are_limited_to_what_the_invoice_holds(client, drain):
    op, biz, inv = await _invoice(client, drain)
    url = f"/api/v1/admin/invoices/{inv['id']}/credit-notes"
    r = await client.post(
        url,
        headers=auth(op),
        json={
            "lines": [{"label": "管理者ID 重複登録分", "amount_yen": 11_400, "fee_type": "admin_id"}],
            "reason": "二重登録の取消",
        },
    )
    assert r.status_code == 201, r.text
    cn = r.json()
    assert cn["number"].startswith("CRN-") and cn["total_yen"] == 11_400 and cn["tax_yen"] == 1_036
    before = await table_counts()
    for body, code in (
        ({"lines": [{"label": "過大", "amount_yen": 48_001}], "reason": "テスト"}, "credit_exceeds_remaining"),
        (
            {"lines": [{"label": "軽減税率", "amount_yen": 100, "tax_rate_percent": 8}], "reason": "テスト"},
            "credit_rate_not_on_invoice",
        ),
        ({"lines": [{"label": "ゼロ", "amount_yen": 0}], "reason": "テスト"}, "empty_credit_note"),
    ):
        r = await client.post(url, headers=auth(op), json=body)
        assert r.status_code == 422 and r.json()["error"] == code, r.text
    assert (
        await client.post(
            url, headers=auth(biz["token"]), json={"lines": [{"label": "x", "amount_yen": 1}], "reason": "テスト"}
        )
    ).status_code == 403
    assert await table_counts() == before
    detail = (await client.get(f"/api/v1/invoices/{inv['id']}", headers=auth(biz["token"]))).json()
    assert (detail["total_yen"], detail["credited_yen"], detail["balance_yen"]) == (59_400, 11_400, 48_000)
    assert detail["credit_notes"][0]["lines"][0]["label"] == "管理者ID 重複登録分"
    # The rest can still be credited, to the yen; the audit trail has both notes with their reason.
    r = await client.post(
        url, headers=auth(op), json={"lines": [{"label": "残額", "amount_yen": 48_000}], "reason": "登録取消"}
    )
    assert r.status_code == 201
    trail = (
        await client.get(
            "/api/v1/audit", headers=auth(op), params={"entity_type": "invoice", "entity_id": str(inv["id"])}
        )
    ).json()
    assert [e["reason"] for e in trail] == ["登録取消", "二重登録の取消"]


async def test_issued_invoices_cannot_be_changed_in_the_database(client, drain):
    from tortoise import connections

    from api.billing.models import Charge, Invoice, InvoiceLine

    _, _, inv = await _invoice(client, drain)
    conn = connections.get("default")
    for sql in (
        f"UPDATE invoice SET total_yen = 1 WHERE id = {inv['id']}",
        f"DELETE FROM invoice WHERE id = {inv['id']}",
        f"UPDATE invoice_line SET amount_yen = 1 WHERE invoice_id = {inv['id']}",
        f"UPDATE charge SET amount_yen = 1 WHERE invoice_id = {inv['id']}",
    ):
        with pytest.raises(Exception, match="immutable"):
            await conn.execute_script(sql)
    # The payment state is the one thing that moves.
    await Invoice.filter(id=inv["id"]).update(paid_yen=100)
    assert (await Invoice.get(id=inv["id"])).total_yen == 59_400
    assert await InvoiceLine.filter(invoice_id=inv["id"]).count() == 2
    assert await Charge.filter(invoice_id=inv["id"]).count() == 2


async def test_invoice_and_receipt_pdfs(client, drain):
    op, biz, inv = await _invoice(client, drain)
    r = await client.get(f"/api/v1/invoices/{inv['id']}/pdf", headers=auth(biz["token"]))
    assert r.status_code == 200 and r.headers["content-type"] == "application/pdf"
    text = PdfReader(io.BytesIO(r.content)).pages[0].extract_text()
    for expected in ("請求書", inv["number"], "事業者登録料", "59,400円", "5,400円", inv["payment_reference"]):
        assert expected in text, expected
    r = await client.get(f"/api/v1/invoices/{inv['id']}/receipt", headers=auth(biz["token"]))
    assert r.status_code == 409 and r.json()["error"] == "not_paid"
    # Paid in full (by a credit note here; payments have their own tests): the receipt is available.
    await client.post(
        f"/api/v1/admin/invoices/{inv['id']}/credit-notes",
        headers=auth(op),
        json={"lines": [{"label": "免除", "amount_yen": 59_400}], "reason": "テスト"},
    )
    r = await client.get(f"/api/v1/invoices/{inv['id']}/receipt", headers=auth(biz["token"]))
    assert r.status_code == 200
    assert "領収書" in PdfReader(io.BytesIO(r.content)).pages[0].extract_text()


async def test_technician_without_employer_is_invoiced_at_approval_and_card_reissue_is_charged(client, drain):
    op = await operator_token(client)
    t = await submitted_technician(client)  # self-registered, no employer
    r = await client.post(f"/api/v1/review/applications/{t['application']['id']}/approve", headers=auth(op))
    assert r.status_code == 200
    [inv] = (await client.get("/api/v1/invoices", headers=auth(t["token"]))).json()
    assert (inv["kind"], inv["total_yen"], inv["technician_pk"]) == ("immediate", 2_500, t["pk"])
    # Reissue of a lost card: the old card is revoked, a new one issued, 1,000 yen invoiced at once.
    r = await client.post(
        f"/api/v1/technicians/{t['pk']}/card-reissue", headers=auth(t["token"]), json={"reason": "lost"}
    )
    assert r.status_code == 201, r.text
    out = r.json()
    assert out["fee_yen"] == 1_000 and out["card_serial"] != out["revoked_serial"]
    invs = (await client.get("/api/v1/invoices", headers=auth(t["token"]))).json()
    assert [i["total_yen"] for i in invs] == [1_000, 2_500]
    assert int(invs[0]["number"][-7:]) == int(invs[1]["number"][-7:]) + 1
    tech = (await client.get(f"/api/v1/technicians/{t['pk']}", headers=auth(t["token"]))).json()
    assert tech["card"]["serial"] == out["card_serial"]
    # Another business cannot reissue this technician's card, and nothing changes.
    biz = await billed_business(client, op)
    before = await table_counts()
    r = await client.post(
        f"/api/v1/technicians/{t['pk']}/card-reissue", headers=auth(biz["token"]), json={"reason": "damaged"}
    )
    assert r.status_code == 404  # not their technician
    assert await table_counts() == before


async def test_tariffs_endpoint_shows_the_dated_versions(client):
    r = await client.get("/api/v1/tariffs", params={"on": "2020-09-30"})
    site = next(x for x in r.json() if x["fee_type"] == "site_usage")
    assert site["amount_yen"] == 3
    r = await client.get("/api/v1/tariffs", params={"on": "2023-04-01"})
    threshold = next(x for x in r.json() if x["fee_type"] == "site_usage_carry_forward_threshold")
    assert threshold["amount_yen"] == 10_000
    assert (await client.get("/api/v1/tariffs", params={"on": "2018-01-01"})).json() == []
