"""Every job function, for the arq WorkerSettings and for the in-process queue alike."""

from collections.abc import Callable
from typing import Any


def job_functions() -> list[Callable[..., Any]]:
    from api.levels import jobs as levels
    from api.notifications import jobs as notifications
    from api.workrecords import jobs as workrecords
    from api.billing import jobs as billing
    from api.face import jobs as face
    from api.batches import jobs as batches
    from api.recovery import jobs as recovery
    from api.mail import jobs as mail
    from api.agents import jobs as agents

    return [
        notifications.notify_application_decision,
        notifications.notify_card_reissued,
        notifications.notify_contract_invitation,
        notifications.notify_invoice_issued,
        notifications.notify_overdue_invoices,
        notifications.notify_direct_input_pending,
        notifications.notify_direct_input_decided,
        workrecords.release_pending_taps,
        workrecords.fold_recent,
        workrecords.fold_site,
        workrecords.nightly_close,
        workrecords.monthly_close,
        workrecords.ensure_partitions,
        notifications.residence_expiry_alerts,
        levels.evaluate_levels,
        levels.evaluate_all_levels,
        billing.billing_close,
        billing.settle_lump_sums,
        face.enrol_faces,
        face.purge_face_evidence,
        face.refresh_face_enrolments,
        batches.run_batch,
        recovery.password_reset_mail,
        mail.send_pending_mail,
        agents.account_setup_mail,
    ]
