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
    ("business", "approved", "new"): "事業者登録が承認されました。",
    ("business", "returned", "new"): "事業者登録の申請が差し戻されました。理由を確認して再申請してください。",
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
