"""Qualified-invoice readiness: what counts as a real 登録番号 (test_issuer_placeholder.py: what the placeholder
blocks), and every font an invoice or receipt PDF declares is embedded."""

import io

from pypdf import PdfReader

from api.billing import issuer
from tests.api.helpers import auth, operator_token
from tests.billing.world import billed_business, close, invoices_of
from tests.payments.test_bank import notice, transfer, upload


def test_what_counts_as_a_real_number():
    assert issuer.problem("T0000000000000") == "it is the placeholder"
    assert issuer.problem("T712345678901") == "it is not T followed by 13 digits"
    assert issuer.problem("7123456789012") == "it is not T followed by 13 digits"
    assert issuer.problem("T8123456789012") == "its check digit does not match"
    assert issuer.problem("T7123456789012") is None


def _fonts(data: bytes) -> list[tuple[str, bool]]:
    """(name, embedded) of every font any page declares, descendant fonts of composite fonts included."""
    out = []
    for page in PdfReader(io.BytesIO(data)).pages:
        for ref in (page["/Resources"].get("/Font") or {}).values():
            font = ref.get_object()
            target = font["/DescendantFonts"][0].get_object() if font.get("/Subtype") == "/Type0" else font
            desc = target.get("/FontDescriptor")
            desc = desc.get_object() if desc is not None else {}
            out.append((str(font["/BaseFont"]), any(k in desc for k in ("/FontFile", "/FontFile2", "/FontFile3"))))
    return out


async def test_invoice_and_receipt_pdfs_embed_every_font(client, drain, settings):
    op = await operator_token(client)
    biz = await billed_business(client, op)
    await close(client, op, drain)
    [inv] = await invoices_of(client, biz["token"], biz["business"]["id"])
    r = await client.get(f"/api/v1/invoices/{inv['id']}/pdf", headers=auth(biz["token"]))
    assert r.status_code == 200 and r.headers["content-type"] == "application/pdf"
    fonts = _fonts(r.content)
    assert fonts and all(embedded for _, embedded in fonts), fonts
    assert not any("Helvetica" in name for name, _ in fonts)
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(r.content)).pages)
    assert settings.invoice_issuer_number in text
    # Paid by bank transfer with the invoice's reference, then the receipt.
    paid = await upload(
        client, op, notice(transfer("000001", inv["total_yen"], "ｻｸﾗｹﾝｾﾂ", edi_info=inv["payment_reference"]))
    )
    assert paid.json()["matched"] == 1, paid.text
    r = await client.get(f"/api/v1/invoices/{inv['id']}/receipt", headers=auth(biz["token"]))
    assert r.status_code == 200, r.text
    fonts = _fonts(r.content)
    assert fonts and all(embedded for _, embedded in fonts), fonts
