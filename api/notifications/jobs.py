"""Notices about review decisions. Runs in an arq worker (or in-process on the embedded default)."""

from __future__ import annotations

from datetime import date
from typing import Any

from api.accounts.models import Account, Role
from api.billing import hooks as billing_hooks
from api.businesses.models import Business
from api.notifications.service import post
from api.registration.models import Application, SubjectType

_TEXT = {
    ("technician", "approved", "new"): "技能者登録が承認されました。技能者IDとカードが発行されます。",
    ("technician", "approved", "upgrade"): "詳細型への変更が承認されました。",
    ("technician", "returned", "new"): "技能者登録の申請が差し戻されました。理由を確認して再申請してください。",
    ("technician", "returned", "upgrade"): "詳細型への変更申請が差し戻されました。理由を確認して再申請してください。",
    ("technician", "approved", "renewal"): "登録の更新が承認されました。新しい有効期限のカードが発行されます。",
    ("technician", "returned", "renewal"): "登録の更新の申請が差し戻されました。理由を確認して再申請してください。",
    ("technician", "approved", "change"): "変更申請が承認されました。",
    ("technician", "returned", "change"): "変更申請が差し戻されました。理由を確認して再申請してください。",
    ("business", "approved", "new"): "事業者登録が承認されました。",
    ("business", "returned", "new"): "事業者登録の申請が差し戻されました。理由を確認して再申請してください。",
    ("business", "approved", "change"): "事業者情報の変更申請が承認されました。",
    ("business", "returned", "change"): "事業者情報の変更申請が差し戻されました。理由を確認して再申請してください。",
}


def _reasons(app: Application) -> str:
    reasons = [r.get("reason", "") for r in (app.return_reasons or []) if isinstance(r, dict) and r.get("reason")]
    return ("\n理由: " + " / ".join(reasons)) if reasons else ""


async def notify_application_decision(ctx: dict[str, Any], application_id: int, decision_no: int, status: str) -> int:
    """Tell the applicant (and, for a technician, the employer's 事業者責任者) about decision number `decision_no`,
    whose outcome (`status`) travels with the job: by the time it runs, a later decision may have followed. The notice
    names whom it is about and, for a return, the reasons (as they stand when the job runs).

    Safe to run twice: each notice has a unique dedupe key. Returns how many notices were new."""
    app = await Application.get_or_none(id=application_id)
    if app is None:
        return 0
    if app.subject_type is SubjectType.technician:
        tech = await app.technician  # type: ignore[misc]
        name = f"{tech.family_name} {tech.given_name}"
        about = f"対象: 技能者 {name}"
        recipients = await Account.filter(technician=tech)
        if tech.employer_id is not None:  # type: ignore[attr-defined]
            recipients += await Account.filter(business_id=tech.employer_id, role=Role.business_admin, admin_tier=0)
    else:
        business = await Business.get(id=app.business_id)  # type: ignore[attr-defined]
        name = business.name
        about = f"対象: 事業者 {name}"
        recipients = await Account.filter(business_id=app.business_id, role=Role.business_admin)  # type: ignore
    text = f"{_TEXT[(app.subject_type.value, status, app.kind.value)]}（{about}）"
    if status == "returned":
        text += _reasons(app)
    subject = "【OpenCCUS】申請が承認されました" if status == "approved" else "【OpenCCUS】申請が差し戻されました"
    return await post(
        ctx,
        recipients=recipients,
        kind=f"application.{status}",
        about=name,
        message=text,
        subject=subject,
        key=f"application:{app.id}:{decision_no}",
    )


async def residence_expiry_alerts(ctx: dict[str, Any]) -> int:
    """Daily: technicians whose residence permit (在留期間) ends within 90 and within 30 days are flagged to their
    employer's admins and to the managers of the sites where they are on the roster. One notice per person,
    expiry date and threshold, so the daily run repeats nothing."""
    from datetime import timedelta

    from api.registration.models import Technician
    from api.sites.models import RosterEntry, SiteManager
    from api.timeutil import today_jst

    today = today_jst()
    created = 0
    for tech in await Technician.filter(residence_expiry__gte=today, residence_expiry__lte=today + timedelta(days=90)):
        days = (tech.residence_expiry - today).days  # type: ignore[operator]
        threshold = 30 if days <= 30 else 90
        recipients = {a.id: a for a in await Account.filter(business_id=tech.employer_id, role=Role.business_admin)}
        entries = await RosterEntry.filter(technician=tech, active=True, site__window_end__gte=today).select_related(
            "site"
        )
        for entry in entries:
            for m in await SiteManager.filter(site_id=entry.site.id).select_related("account"):
                recipients[m.account.id] = m.account
            for a in await Account.filter(business_id=entry.site.prime_id, role=Role.business_admin, admin_tier=0):
                recipients[a.id] = a
        text = (
            f"在留期間の満了が近づいています: {tech.family_name} {tech.given_name} "
            f"（満了日 {tech.residence_expiry.isoformat()}、残り{days}日）"  # type: ignore[union-attr]
        )
        created += await post(
            ctx,
            recipients=recipients.values(),
            kind=f"residence.{threshold}",
            about=f"{tech.family_name} {tech.given_name}",
            message=text,
            subject="【OpenCCUS】在留期間の満了が近づいています",
            key=f"residence:{tech.id}:{tech.residence_expiry}:{threshold}",
        )
    return created


async def notify_card_reissued(ctx: dict[str, Any], card_id: int, old_serial: str) -> int:
    """Tell a card's holder (and the employer's 事業者責任者) that the old card was withdrawn with its master key and
    a new one is on its way, free of charge (api.cards.rekey). Safe to run twice (dedupe key per card)."""
    from api.cards.models import Card

    card = await Card.get_or_none(id=card_id).select_related("technician")
    if card is None:
        return 0
    tech = card.technician
    recipients = await Account.filter(technician=tech)
    if tech.employer_id is not None:  # type: ignore[attr-defined]
        recipients += await Account.filter(business_id=tech.employer_id, role=Role.business_admin, admin_tier=0)  # type: ignore
    text = (
        f"セキュリティ上の理由（カード鍵の更新）により、{tech.family_name} {tech.given_name} さんの建設キャリアアップ"
        f"カード（番号末尾 {old_serial[-4:].upper()}）は使えなくなりました。新しいカードを無料で再発行します"
        f"（有効期限 {card.valid_until.isoformat()}）。届くまでは現場の管理者に就業履歴の直接入力を依頼してください。"
    )
    return await post(
        ctx,
        recipients=recipients,
        kind="card.reissued",
        about=f"{tech.family_name} {tech.given_name}",
        message=text,
        key=f"card-reissued:{card.id}",
        subject="【OpenCCUS】カード再発行のお知らせ",
    )


async def notify_contract_invitation(ctx: dict[str, Any], contract_id: int) -> int:
    """Tell the invited business's admins that an upper tier invited them into a site's contract tree (施工体制), naming
    the inviter and the site. Safe to run twice (dedupe key per contract)."""
    from api.sites.models import ContractStatus, SiteContract

    contract = await SiteContract.get_or_none(id=contract_id).select_related("site", "business", "parent__business")
    if contract is None or contract.status is not ContractStatus.invited:
        return 0
    inviter = contract.parent.business.name if contract.parent else contract.site.name
    text = (
        f"{inviter} から、現場「{contract.site.name}」（現場ID {contract.site.site_id}）の施工体制への招待が"
        f"届いています（宛先: {contract.business.name}、{contract.tier}次）。現場の画面で承認または辞退してください。"
    )
    recipients = await Account.filter(business_id=contract.business_id, role=Role.business_admin)  # type: ignore
    return await post(
        ctx,
        recipients=recipients,
        kind="contract.invited",
        about=contract.business.name,
        message=text,
        subject="【OpenCCUS】施工体制への招待が届いています",
        key=f"contract-invited:{contract.id}",
    )


def _jdate(d) -> str:
    """A date as paper and letters write it: 2026年4月30日."""
    return f"{d.year}年{d.month}月{d.day}日"


async def _payer(inv) -> tuple[str, list[Account]]:
    """An invoice's payer (a business's 事業者責任者, or a technician without an employer) and who reads for it."""
    if inv.business is not None:
        recipients = await Account.filter(business_id=inv.business.id, role=Role.business_admin, admin_tier=0)
        return inv.business.name, recipients
    tech = inv.technician
    assert tech is not None  # an invoice has a business or a technician as payer
    return f"{tech.family_name} {tech.given_name}", await Account.filter(technician_id=tech.id)


async def notify_invoice_issued(ctx: dict[str, Any], invoice_id: int) -> int:
    """Tell the payer that an invoice was issued. Names the payer, the number, the amount and the due date. Safe to
    run twice (dedupe key per invoice)."""
    from api.billing.invoices import number
    from api.billing.models import Invoice

    inv = await Invoice.get_or_none(id=invoice_id).select_related("business", "technician")
    if inv is None:
        return 0
    payer, recipients = await _payer(inv)
    text = (
        f"請求書 {number(inv)} を発行しました（宛先: {payer}、請求額 {inv.total_yen:,}円（うち消費税 "
        f"{inv.tax_yen:,}円）、お支払期限 {_jdate(inv.due_on)}）。請求書の画面でご確認ください。"
    )
    return await post(
        ctx,
        recipients=recipients,
        kind="invoice.issued",
        about=payer,
        message=text,
        key=f"invoice-issued:{inv.id}",
        subject=f"【OpenCCUS】請求書 {number(inv)} を発行しました",
    )


@billing_hooks.month_closed.connect
async def notify_month_issued(ctx: dict[str, Any], month: date) -> None:
    """Connected to api.billing.hooks.month_closed: the month's invoices to their payers, in app and by mail (once
    each: the notices' dedupe keys; a rerun of the close sends nothing again)."""
    from api.billing.models import Invoice, InvoiceKind

    pks: list[Any] = (
        await Invoice.filter(period=month, kind=InvoiceKind.monthly).order_by("id").values_list("id", flat=True)
    )
    for pk in pks:
        await notify_invoice_issued(ctx, pk)


async def notify_overdue_invoices(ctx: dict[str, Any]) -> int:
    """Daily: each open invoice past its due date with an amount still owed is flagged to its payer, once per invoice
    (the dedupe key): a second run the same day, or the next day, posts nothing again. Returns the new notices."""
    from api.billing.invoices import number
    from api.billing.models import Invoice, InvoiceStatus
    from api.timeutil import today_jst

    created = 0
    overdue = Invoice.filter(status=InvoiceStatus.open, due_on__lt=today_jst()).order_by("id")
    for inv in await overdue.select_related("business", "technician"):
        owed = inv.total_yen - inv.credited_yen - inv.paid_yen
        if owed <= 0:
            continue
        payer, recipients = await _payer(inv)
        text = (
            f"請求書 {number(inv)}（宛先: {payer}）のお支払期限 {_jdate(inv.due_on)} を過ぎています。"
            f"未払額 {owed:,}円。お振込み済みの場合は行き違いですのでご容赦ください。"
        )
        created += await post(
            ctx,
            recipients=recipients,
            kind="invoice.overdue",
            about=payer,
            message=text,
            key=f"invoice-overdue:{inv.id}",
            subject=f"【OpenCCUS】請求書 {number(inv)} のお支払期限を過ぎています",
        )
    return created


async def _direct_input(direct_input_id: int) -> dict[str, Any] | None:
    """The direct input with its technician and site, read by SQL: notices depend on no work-record code (the
    workrecords domain reaches this one through billing; an import back would close a cycle)."""
    from tortoise import connections

    from api.sql import as_date, fetch

    rows = await fetch(
        connections.get("default"),
        "SELECT d.id, d.status, d.work_date, d.decision_note, d.entered_by_id, t.id AS tech_id, t.family_name, "
        "t.given_name, t.employer_id, s.id AS site_id, s.name AS site_name, s.prime_id "
        "FROM direct_input d JOIN technician t ON t.id = d.technician_id JOIN site s ON s.id = d.site_id "
        "WHERE d.id = ?",
        [direct_input_id],
    )
    if not rows:
        return None
    row = dict(rows[0])
    row["work_date"] = as_date(row["work_date"])
    row["name"] = f"{row['family_name']} {row['given_name']}"
    return row


async def notify_direct_input_pending(ctx: dict[str, Any], direct_input_id: int) -> int:
    """Tell whoever approves a direct input (直接入力) — the site's managers and the prime's 事業者責任者 — that one
    waits, naming the technician, the site, the day and the approval deadline. Safe to run twice."""
    from api.sites.models import SiteManager
    from api.timeutil import end_of_next_month

    item = await _direct_input(direct_input_id)
    if item is None or item["status"] != "pending":
        return 0
    name, day = item["name"], item["work_date"]
    recipients = [m.account for m in await SiteManager.filter(site_id=item["site_id"]).select_related("account")]
    recipients += await Account.filter(business_id=item["prime_id"], role=Role.business_admin, admin_tier=0)
    text = (
        f"{name} さんの直接入力（現場「{item['site_name']}」、作業日 {_jdate(day)}）が承認を待っています。"
        f"承認期限は {_jdate(end_of_next_month(day))} です。現場の画面の「直接入力」で承認または却下してください。"
    )
    return await post(
        ctx,
        recipients=recipients,
        kind="direct.pending",
        about=name,
        message=text,
        key=f"direct-pending:{item['id']}",
        subject=f"【OpenCCUS】直接入力の承認依頼（{name}、{_jdate(day)}）",
    )


async def notify_direct_input_decided(ctx: dict[str, Any], direct_input_id: int) -> int:
    """Tell the technician, whoever entered the direct input and the employer's 事業者責任者 how it was decided, with
    the reason for a rejection. A direct input is decided once, so one dedupe key per input; safe to run twice."""
    item = await _direct_input(direct_input_id)
    if item is None or item["status"] == "pending":
        return 0
    name, day, approved = item["name"], item["work_date"], item["status"] == "approved"
    recipients = await Account.filter(technician_id=item["tech_id"])
    recipients += await Account.filter(id=item["entered_by_id"])
    if item["employer_id"] is not None:
        recipients += await Account.filter(business_id=item["employer_id"], role=Role.business_admin, admin_tier=0)
    what = f"{name} さんの直接入力（現場「{item['site_name']}」、作業日 {_jdate(day)}）"
    if approved:
        text = f"{what}が承認され、就業履歴になりました。"
    else:
        text = f"{what}が却下されました。\n理由: {item['decision_note'] or ''}"
    verdict = "承認" if approved else "却下"
    return await post(
        ctx,
        recipients=recipients,
        kind=f"direct.{item['status']}",
        about=name,
        message=text,
        key=f"direct-decided:{item['id']}",
        subject=f"【OpenCCUS】直接入力が{verdict}されました（{name}、{_jdate(day)}）",
    )
