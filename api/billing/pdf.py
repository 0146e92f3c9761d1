"""The invoice (適格請求書) and the receipt (領収書) as PDF, with the IPA Gothic font embedded (api.pdf)."""

from __future__ import annotations

from api.billing.invoices import balance, number, totals
from api.billing.models import CreditNote, Invoice, InvoiceLine
from api.billing.numbering import payment_reference
from api.pdf import Section, build_pdf


def _yen(amount: int) -> str:
    return f"{amount:,}円"


async def _party(inv: Invoice) -> str:
    if inv.business_id is not None:  # type: ignore[attr-defined]
        business = await inv.business
        return f"{business.name} 御中（事業者ID {business.business_id}）"
    tech = await inv.technician
    return f"{tech.family_name} {tech.given_name} 様（技能者ID {tech.technician_id}）"


def _rate_rows(doc) -> list[list[str]]:
    return [[f"{r.tax_rate_percent}%対象", _yen(r.amount_yen), _yen(r.tax_yen)] for r in totals(doc).by_rate]


def transfer_line(account: dict | None) -> str:
    """振込先 as one line of the invoice; without a configured account, where to ask (never a dead end)."""
    if account is None:
        return "お振込先は運営主体にお問い合わせください。"
    demo = "（デモ用の口座です。振り込まないでください）" if account["demo"] else ""
    return (
        f"お振込先 {account['bank']} {account['branch']} {account['account_type']} {account['account_number']} "
        f"口座名義 {account['holder']}{demo}"
    )


async def invoice_pdf(*, inv: Invoice, issuer_name: str, issuer_number: str, transfer_to: dict | None = None) -> bytes:
    lines = await InvoiceLine.filter(invoice=inv).order_by("id")
    notes = await CreditNote.filter(invoice=inv).order_by("id")
    head = [
        f"請求書番号 {number(inv)}　発行日 {inv.issued_on:%Y年%m月%d日}　お支払期限 {inv.due_on:%Y年%m月%d日}",
        f"請求先 {await _party(inv)}",
        f"請求元 {issuer_name}　登録番号 {issuer_number}",
        f"対象月 {inv.period:%Y年%m月}" if inv.period else "随時請求",
        f"ご請求金額（税込） {_yen(inv.total_yen)}　うち消費税 {_yen(inv.tax_yen)}",
        transfer_line(transfer_to),
        f"お振込の際は振込依頼人名の前に {payment_reference(inv.year, inv.seq)} をご入力ください。",
    ]
    sections = [
        Section(
            "明細（税込）",
            ["内容", "単価", "数量", "金額", "税率"],
            [
                [x.label, _yen(x.unit_price_yen), f"{x.quantity:,}", _yen(x.amount_yen), f"{x.tax_rate_percent}%"]
                for x in lines
            ],
            widths=[8, 2, 1.5, 2.5, 1],
            right=frozenset({1, 2, 3, 4}),
        ),
        Section(
            "税率ごとの合計と消費税（端数は請求書ごと・税率ごとに1回切捨て）",
            ["税率", "合計（税込）", "消費税"],
            _rate_rows(inv),
            widths=[2, 3, 3],
            right=frozenset({1, 2}),
            fraction=0.6,
        ),
    ]
    if notes:
        sections.append(
            Section(
                "返還（クレジットノート）",
                ["番号", "発行日", "金額（税込）", "理由"],
                [[number(cn), cn.issued_on.isoformat(), _yen(cn.total_yen), cn.reason] for cn in notes],
                widths=[3, 2, 2, 6],
                right=frozenset({2}),
            )
        )
    return build_pdf(
        title="請求書（適格請求書）",
        head=head,
        sections=sections,
        wide=False,
        notes=[
            "価格はすべて税込です。確定した請求書は変更されません。訂正は返還請求書（クレジットノート）で行います。"
        ],
    )


async def receipt_pdf(*, inv: Invoice, issuer_name: str, issuer_number: str, paid_on) -> bytes:
    received = inv.total_yen - inv.credited_yen
    head = [
        f"領収書番号 R-{number(inv)}　発行日 {paid_on:%Y年%m月%d日}",
        f"{await _party(inv)}",
        f"金額 {_yen(received)}（税込）",
        f"但し 建設キャリアアップシステム利用料等として（請求書 {number(inv)}）",
        f"上記正に領収いたしました。　{issuer_name}　登録番号 {issuer_number}",
    ]
    sections = [
        Section(
            "税率ごとの内訳",
            ["税率", "金額（税込）", "消費税"],
            _rate_rows(inv),
            widths=[2, 3, 3],
            right=frozenset({1, 2}),
            fraction=0.6,
        )
    ]
    notes = [f"返還済み {_yen(inv.credited_yen)} を差し引いた額です。"] if inv.credited_yen else []
    if balance(inv) < 0:
        notes.append(f"過入金 {_yen(-balance(inv))} は別途返金します。")
    return build_pdf(title="領収書", head=head, sections=sections, wide=False, notes=notes)
