"""全銀 振込入金通知 import: matching by reference (EDI, 依頼人コード, typed in the name) and by kana name + amount;
不明入金 and 誤入金 go to the correction queue (assign, split, refund — audited); bad files change nothing."""

from datetime import date

from api.payments import zengin
from tests.api.helpers import auth, operator_token, table_counts
from tests.billing.world import billed_business, close, invoices_of

URL = "/api/v1/admin/payments/bank-imports"
HEADER = zengin.NoticeHeader(
    created_on=date.today(),
    period_from=date.today(),
    period_to=date.today(),
    bank_code="0005",
    bank_name="ﾐﾂﾋﾞｼﾕ-ｴﾌｼﾞｴｲ",
    branch_code="001",
    branch_name="ﾎﾝﾃﾝ",
    account_type="1",
    account_number="1234567",
    account_name="ｵ-ﾌﾟﾝｼ-ｼ-ﾕ-ｴｽ",
)


def transfer(ref: str, amount: int, name: str, **kw) -> zengin.Transfer:
    return zengin.Transfer(
        inquiry_number=ref,
        posted_on=date.today(),
        amount_yen=amount,
        payer_name=name,
        value_on=date.today(),
        remitting_bank_name="ﾐｽﾞﾎ",
        remitting_branch_name="ｼﾝｼﾞﾕｸ",
        **kw,
    )


def notice(*transfers: zengin.Transfer) -> bytes:
    return zengin.write_transfer_notice(accounts=[(HEADER, transfers)])


async def upload(client, op, data: bytes):
    return await client.post(URL, headers=auth(op), files={"file": ("notice.txt", data, "text/plain")})


async def _world(client, drain):
    op = await operator_token(client)
    names = {"a": "サクラケンセツ", "b": "アオゾラコウギョウ", "c": "ミドリデンセツ", "d": "ハヤシトソウ"}
    firms = {k: await billed_business(client, op, name_kana=v) for k, v in names.items()}
    await close(client, op, drain)
    invs = {k: (await invoices_of(client, f["token"], f["business"]["id"]))[0] for k, f in firms.items()}
    assert {i["total_yen"] for i in invs.values()} == {59_400}
    return op, firms, invs


async def test_import_matches_queues_and_is_idempotent(client, drain):
    op, firms, invs = await _world(client, drain)
    kana = zengin.to_zengin_kana
    file_1 = notice(
        transfer("000001", 59_400, f"{invs['a']['payment_reference']} {kana('サクラケンセツ')}"),
        transfer("000002", 59_400, "ｱｵｿﾞﾗｺｳｷﾞﾖｳ(ｶ", edi_info=invs["b"]["payment_reference"]),
        transfer("000003", 59_400, "ﾄﾞ)ﾐﾄﾞﾘﾃﾞﾝｾﾂ"),
        transfer("000004", 59_000, "ﾊﾔｼﾄｿｳ", payer_code=invs["d"]["payment_reference"]),
        transfer("000005", 12_345, "ﾀﾅｶ ｲﾁﾛｳ"),
        transfer("000006", 59_400, f"{kana('サクラケンセツ')} {invs['a']['payment_reference']}"),
    )
    r = await upload(client, op, file_1)
    assert r.status_code == 201, r.text
    out = r.json()
    assert (out["records"], out["matched"], out["queued"], out["duplicates"]) == (6, 3, 3, 0)
    assert [(x["outcome"], x["reason"]) for x in out["lines"]] == [
        ("matched", None),
        ("matched", None),
        ("matched", None),
        ("queued", "amount_mismatch"),
        ("queued", "unknown_payer"),
        ("queued", "invoice_already_paid"),
    ]
    for k in "abc":
        detail = (await client.get(f"/api/v1/invoices/{invs[k]['id']}", headers=auth(firms[k]["token"]))).json()
        assert detail["status"] == "paid" and detail["payments"][0]["source"] == "bank_transfer"
    assert [
        p["matched_by"]
        for k in "abc"
        for p in (await client.get(f"/api/v1/invoices/{invs[k]['id']}", headers=auth(op))).json()["payments"]
    ] == ["name_reference", "edi", "name_amount"]
    queue = (await client.get("/api/v1/admin/payments/exceptions", headers=auth(op))).json()
    assert [(q["reason"], q["amount_yen"]) for q in queue] == [
        ("amount_mismatch", 59_000),
        ("unknown_payer", 12_345),
        ("invoice_already_paid", 59_400),
    ]
    assert "59400 yen" in queue[0]["detail"] and "不明入金" in queue[1]["detail"] and "誤入金" in queue[2]["detail"]
    # The same file again (an overlapping download): every credit is a duplicate, no money recorded twice.
    before = await table_counts()
    r = await upload(client, op, file_1)
    assert r.json()["duplicates"] == 6 and r.json()["new_payments"] == 0
    after = await table_counts()
    assert {k for k in after if after[k] != before[k]} == {"bank_import", "audit_entry"}

    # The correction queue. A split that does not add up, or exceeds an invoice's balance, is refused as it is.
    mismatch, unknown, double = queue
    before = await table_counts()
    r = await client.post(
        f"/api/v1/admin/payments/exceptions/{mismatch['id']}/split",
        headers=auth(op),
        json={
            "parts": [{"invoice_id": invs["d"]["id"], "amount_yen": 50_000}],
            "refund_yen": 1,
            "reason": "振込手数料差引",
        },
    )
    assert r.status_code == 422 and r.json()["error"] == "split_mismatch"
    r = await client.post(
        f"/api/v1/admin/payments/exceptions/{unknown['id']}/assign",
        headers=auth(op),
        json={"invoice_id": invs["a"]["id"], "reason": "電話で確認"},
    )
    assert r.status_code == 422 and r.json()["error"] == "exceeds_balance"
    assert await table_counts() == before
    # 不明入金 identified by phone: assigned to d (a part payment).
    r = await client.post(
        f"/api/v1/admin/payments/exceptions/{unknown['id']}/assign",
        headers=auth(op),
        json={"invoice_id": invs["d"]["id"], "reason": "ハヤシ塗装の代表者個人名義と電話で確認"},
    )
    assert r.status_code == 200 and r.json()["resolution"] == "assigned"
    # d's short transfer: what is still due goes to d's invoice, the rest is refunded by bank transfer.
    r = await client.post(
        f"/api/v1/admin/payments/exceptions/{mismatch['id']}/split",
        headers=auth(op),
        json={
            "parts": [{"invoice_id": invs["d"]["id"], "amount_yen": 59_400 - 12_345}],
            "refund_yen": 59_000 - (59_400 - 12_345),
            "reason": "残額充当、差額返金",
        },
    )
    assert r.status_code == 200, r.text
    d = (await client.get(f"/api/v1/invoices/{invs['d']['id']}", headers=auth(op))).json()
    assert (d["status"], d["paid_yen"], len(d["payments"])) == ("paid", 59_400, 2)
    r = await client.post(
        f"/api/v1/admin/payments/exceptions/{double['id']}/refund", headers=auth(op), json={"reason": "二重振込の返金"}
    )
    assert r.status_code == 200 and r.json()["resolution"] == "refunded"
    assert (await client.get("/api/v1/admin/payments/exceptions", headers=auth(op))).json() == []
    trail = (await client.get("/api/v1/audit", headers=auth(op), params={"entity_type": "payment"})).json()
    assert [(e["action"], e["reason"]) for e in trail] == [
        ("payment.refunded", "二重振込の返金"),
        ("payment.split", "残額充当、差額返金"),
        ("payment.assigned", "ハヤシ塗装の代表者個人名義と電話で確認"),
    ]
    assert trail[1]["after"]["refund_yen"] == 11_945 and trail[1]["before"]["unapplied_yen"] == 59_000

    # The bank cancels c's credit (取消区分 1): the invoice is open again and the money no longer counts.
    r = await upload(client, op, notice(transfer("000003", 59_400, "ﾄﾞ)ﾐﾄﾞﾘﾃﾞﾝｾﾂ", cancelled=True)))
    assert r.json()["lines"][0]["outcome"] == "cancelled"
    c = (await client.get(f"/api/v1/invoices/{invs['c']['id']}", headers=auth(op))).json()
    assert (c["status"], c["paid_yen"], c["payments"]) == ("open", 0, [])


async def test_bad_files_are_refused_with_a_precise_reason_and_change_nothing(client, drain):
    op, _, invs = await _world(client, drain)
    good = notice(transfer("000001", 59_400, "ﾄﾞ)ﾐﾄﾞﾘﾃﾞﾝｾﾂ"), transfer("000002", 1_000, "ﾀﾅｶ"))
    records = good.split(b"\r\n")
    wrong_count = b"\r\n".join([*records[:3], b"8" + b"000003" + records[3][7:], *records[4:]])
    cases = [
        (good[:-120], "truncated_record"),
        (wrong_count, "trailer_count_mismatch"),
        (good.replace(b"\r\n", b"\r"), "bad_line_break"),
        (b"\r\n".join([records[0], records[1], *records[3:]]), "trailer_count_mismatch"),
        (b"\r\n".join(records[:4]), "missing_end_record"),
        ("２ 全角の行".encode() + good, "bad_encoding"),
        (b"", "empty_file"),
    ]
    before = await table_counts()
    for data, code in cases:
        r = await upload(client, op, data)
        assert r.status_code == 422, (code, r.text)
        assert r.json()["error"] == code, (code, r.json())
        assert r.json()["fields"][0]["field"] == "file"
    assert "record 4" in (await upload(client, op, wrong_count)).json()["message"]
    assert await table_counts() == before
    assert (await client.post(URL, headers=auth(op), files={})).status_code == 422
    assert invs  # untouched
