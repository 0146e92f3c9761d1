"""Notices about review decisions. Runs in an arq worker (or in-process on the embedded default)."""

from __future__ import annotations

from typing import Any

from api.accounts.models import Account, Role
from api.notifications.models import Notification
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


async def notify_application_decision(ctx: dict[str, Any], application_id: int, decision_no: int, status: str) -> int:
    """Tell the applicant (and, for a technician, the employer's 事業者責任者) about decision number `decision_no`,
    whose outcome (`status`) travels with the job: by the time it runs, a later decision may have followed.

    Safe to run twice: each notice has a unique dedupe key. Returns how many notices were new."""
    app = await Application.get_or_none(id=application_id)
    if app is None:
        return 0
    if app.subject_type is SubjectType.technician:
        tech = await app.technician
        recipients = await Account.filter(technician=tech)
        if tech.employer_id is not None:  # type: ignore[attr-defined]
            recipients += await Account.filter(business_id=tech.employer_id, role=Role.business_admin, admin_tier=0)  # type: ignore
    else:
        recipients = await Account.filter(business_id=app.business_id, role=Role.business_admin)  # type: ignore
    text = _TEXT[(app.subject_type.value, status, app.kind.value)]
    rows = [
        Notification(account=a, kind=f"application.{status}", message=text,
                     dedupe_key=f"application:{app.id}:{decision_no}:{a.id}")
        for a in recipients
    ]
    before = await Notification.filter(dedupe_key__in=[r.dedupe_key for r in rows]).count()
    await Notification.bulk_create(rows, ignore_conflicts=True)
    return len(rows) - before


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
        days = (tech.residence_expiry - today).days
        threshold = 30 if days <= 30 else 90
        recipients = {a.id: a for a in await Account.filter(business_id=tech.employer_id, role=Role.business_admin)}  # type: ignore
        entries = await RosterEntry.filter(technician=tech, active=True, site__window_end__gte=today).select_related("site")
        for entry in entries:
            for m in await SiteManager.filter(site_id=entry.site.id).select_related("account"):
                recipients[m.account.id] = m.account
            for a in await Account.filter(business_id=entry.site.prime_id, role=Role.business_admin, admin_tier=0):  # type: ignore
                recipients[a.id] = a
        text = (f"在留期間の満了が近づいています: {tech.family_name} {tech.given_name} "
                f"（満了日 {tech.residence_expiry.isoformat()}、残り{days}日）")
        rows = [Notification(account=a, kind=f"residence.{threshold}", message=text,
                             dedupe_key=f"residence:{tech.id}:{tech.residence_expiry}:{threshold}:{a.id}")
                for a in recipients.values()]
        before = await Notification.filter(dedupe_key__in=[r.dedupe_key for r in rows]).count()
        await Notification.bulk_create(rows, ignore_conflicts=True)
        created += len(rows) - before
    return created


async def notify_card_reissued(ctx: dict[str, Any], card_id: int, old_serial: str) -> int:
    """Tell a card's holder (and the employer's 事業者責任者) that the old card was withdrawn with its master key and
    a new one is on its way, free of charge (api.registration.rekey). Safe to run twice (dedupe key per card)."""
    from api.registration.models import Card

    card = await Card.get_or_none(id=card_id).select_related("technician")
    if card is None:
        return 0
    tech = card.technician
    recipients = await Account.filter(technician=tech)
    if tech.employer_id is not None:  # type: ignore[attr-defined]
        recipients += await Account.filter(business_id=tech.employer_id, role=Role.business_admin, admin_tier=0)  # type: ignore
    text = (f"セキュリティ上の理由（カード鍵の更新）により、{tech.family_name} {tech.given_name} さんの建設キャリアアップ"
            f"カード（番号末尾 {old_serial[-4:].upper()}）は使えなくなりました。新しいカードを無料で再発行します"
            f"（有効期限 {card.valid_until.isoformat()}）。届くまでは現場の管理者に就業履歴の直接入力を依頼してください。")
    rows = [Notification(account=a, kind="card.reissued", message=text, dedupe_key=f"card-reissued:{card.id}:{a.id}")
            for a in recipients]
    before = await Notification.filter(dedupe_key__in=[r.dedupe_key for r in rows]).count()
    await Notification.bulk_create(rows, ignore_conflicts=True)
    return len(rows) - before
