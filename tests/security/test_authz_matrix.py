"""The authorisation matrix: every operation of the OpenAPI document × every role × own / subcontractor's / other
firm's resource, against one world (tests/security/world.py).

`ALLOW` is the explicit table of which (operation, role, relation) may succeed. Every other cell must not answer 2xx:
that is the check that keeps tenant boundaries closed on writes as well as reads. Allowed cells must get past
authorisation (never 401/403, and 404 only where the world has no such resource), so the table cannot pass by every
request failing validation. The world is changed as it goes, so the operations that end something (a token, a card,
a device, an employment) run last.
"""

from __future__ import annotations

import json

import itertools
import re
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

import pytest

from api.timeutil import JST
from tests.api.helpers import PASSWORD, business_payload, corporate_number, jpeg, technician_payload
from tests.security.world import NOWHERE, SecurityWorld, Slice, build


@pytest.fixture
def backend() -> str:
    return "postgres"  # the matrix is about handlers, not SQL dialects: one back end keeps it fast


# (role, slice, relation): the slice whose ids fill the path and body, and what it is to the caller.
COMBOS = [
    ("anon", "A", "own"),
    ("operator", "A", "own"),
    ("operator", "C", "own"),
    ("admin_A", "A", "own"),
    ("admin_A", "B", "sub"),
    ("admin_A", "C", "other"),
    ("admin_B", "B", "own"),
    ("admin_B", "C", "other"),
    ("manager_A", "A", "own"),
    ("manager_A", "B", "sub"),
    ("manager_A", "C", "other"),
    # A's other site manager, not assigned to A's site: A's own site is not theirs to run or see.
    ("manager_A_unassigned", "A", "own"),
    ("manager_A_unassigned", "B", "sub"),
    ("tech_B", "tB", "own"),
    ("tech_B", "C", "other"),
    ("device_A", "A", "own"),
    ("device_A", "C", "other"),
    ("api_client_A", "A", "own"),
    ("api_client_A", "C", "other"),
    ("assessment_body", "A", "own"),
    ("assessment_body", "C", "other"),
    # A registration agent's staff: their own agent (slice A) and another agent (slice C) (issue 21.1).
    ("agent_A", "A", "own"),
    ("agent_A", "C", "other"),
]
ROLES = sorted({r for r, _, _ in COMBOS})


def cells(spec: str) -> set[tuple[str, str]]:
    """ "admin_A:own,sub tech_B:own" → {(admin_A, own), (admin_A, sub), (tech_B, own)}; "*" = every relation."""
    out = set()
    for part in spec.split():
        role, _, rels = part.partition(":")
        for rel in (rels or "*").split(","):
            out |= {(role, r) for r in ("own", "sub", "other")} if rel == "*" else {(role, rel)}
    return out


LOGGED_IN = " ".join(f"{r}:*" for r in ROLES if r != "anon")
EVERYONE = LOGGED_IN + " anon:*"
OPERATOR = "operator:own"

# Which cells may answer 2xx. `*` cells are operations that name no tenant's resource (or refuse item by item, checked
# in CHECKS below); a relation names a resource of the caller's own firm, its subcontractor's, or an unrelated firm's.
ALLOW: dict[str, str] = {
    "accounts_login": EVERYONE,
    "accounts_logout": LOGGED_IN,
    "accounts_logout_all": LOGGED_IN,  # revokes only the caller's own tokens
    "accounts_me": LOGGED_IN,
    "recovery_password_reset": EVERYONE,  # the same 202 for everyone (or 429 per address)
    "recovery_password_reset_confirm": EVERYONE,  # the token is the credential
    "recovery_change_password": LOGGED_IN,  # one's own password, with the current one
    "mail_list_mail": OPERATOR,
    "mail_show_mail": OPERATOR,
    "masters_masters": EVERYONE,  # public code tables
    "masters_master": EVERYONE,
    "businesses_register_business": EVERYONE,
    "businesses_get_business": "operator admin_A:own admin_B:own",
    "businesses_lookup": LOGGED_IN,  # name and status of a 事業者ID: what joining a contract tree needs
    "businesses_list_accounts": "operator admin_A:own admin_B:own",
    "businesses_add_admin": "admin_A:own admin_B:own",
    "businesses_add_site_manager": "admin_A:own admin_B:own",
    "businesses_employees": "operator admin_A:own admin_B:own",
    "businesses_employee_left": "admin_A:own admin_B:own",
    "businesses_proxy_register": "admin_A:own admin_B:own",
    "registration_register_technician": EVERYONE,
    "registration_register_technician_whole": EVERYONE,
    "businesses_proxy_register_whole": "admin_A:own admin_B:own",
    # Reading: the person, the employer, the operator — and the prime and its site managers while on their site.
    "registration_get_technician": "operator admin_A:own,sub admin_B:own tech_B:own",
    "registration_get_photo": "operator admin_A:own,sub admin_B:own tech_B:own",
    "registration_get_id_document": "operator admin_A:own,sub admin_B:own tech_B:own",
    "registration_get_certificate": "operator admin_A:own,sub admin_B:own tech_B:own",
    "registration_list_applications": "operator admin_A:own,sub admin_B:own tech_B:own",
    # Writing: the person, the employer and the operator only (issue 15 item 1).
    "registration_patch_technician": "admin_A:own admin_B:own tech_B:own",
    "registration_put_photo": "admin_A:own admin_B:own tech_B:own",
    "registration_put_id_document": "admin_A:own admin_B:own tech_B:own",
    "registration_put_detailed": "admin_A:own admin_B:own tech_B:own",
    "registration_add_qualification": "admin_A:own admin_B:own tech_B:own",
    "registration_put_disclosure": "tech_B:own",
    "registration_apply": "admin_A:own admin_B:own tech_B:own",
    "registration_resubmit": "admin_A:own admin_B:own tech_B:own",
    "registration_queue": OPERATOR,
    "registration_queue_page": OPERATOR,
    "registration_get_one": OPERATOR,
    "registration_return_": OPERATOR,
    "registration_approve": OPERATOR,
    "registration_correct": OPERATOR,
    "registration_card_personalisation": OPERATOR,
    "sites_create_site": "admin_A:* admin_B:*",
    "sites_list_sites": "operator admin_A:* admin_B:* manager_A:* manager_A_unassigned:*",
    "sites_get_site": "operator admin_A:own,sub admin_B:own manager_A:own,sub",
    "sites_contracts": "operator admin_A:own,sub admin_B:own manager_A:own,sub",
    "sites_invite": "admin_A:own admin_B:own manager_A:own",  # only the direct upper tier (or the prime's managers)
    # A missing upper tier: the prime's side under any tier of its site, a firm under its own contract (issue 21.3).
    "sites_add_placeholder": "admin_A:own,sub admin_B:own manager_A:own,sub",
    "sites_approve": "admin_A:own admin_B:own",
    "sites_decline": "admin_A:own admin_B:own",
    "sites_roster": "operator admin_A:own,sub admin_B:own manager_A:own,sub",
    "sites_add_roster": "admin_A:own admin_B:own",
    "sites_patch_roster": "admin_A:own admin_B:own",
    # Training sites (CCUS登録教育訓練機関): registered and marked by the operator only; trainees enrolled by the site's
    # staff or the operator (the world's sites are construction sites, with records: 409 past authorisation).
    "sites_create_training_site": OPERATOR,
    "sites_mark_training_site": OPERATOR,
    "sites_enrol_trainee": "operator admin_A:own,sub manager_A:own,sub",
    "devices_create_device": "admin_A:own,sub manager_A:own,sub",
    "devices_list_devices": "operator admin_A:own,sub manager_A:own,sub",
    "devices_rotate": "admin_A:own,sub manager_A:own,sub",
    "devices_revoke": "admin_A:own,sub manager_A:own,sub",
    "devices_enrol": EVERYONE,
    "devices_device_me": "device_A:*",
    "devices_heartbeat": "device_A:*",
    "devices_revocations": "device_A:*",
    "devices_revoke_card": "operator tech_B:own",
    "devices_create_api_client": "admin_A:own admin_B:own",
    "attendance_tap_batch": "device_A:*",  # a tap for another site is refused item by item (CHECKS)
    "attendance_tap_one": "device_A:*",
    "attendance_push_attendance": "api_client_A:*",  # likewise
    "attendance_site_taps": "operator admin_A:own,sub manager_A:own,sub",
    "attendance_virtual_batch": "device_A:*",  # the device's own site; a code for another site is a rejected tap
    "attendance_virtual_one": "device_A:*",
    "attendance_virtual_roster": "device_A:*",
    "workrecords_technician_records": "operator admin_A:own,sub admin_B:own manager_A:own,sub tech_B:own",
    "workrecords_technician_sites": "operator admin_A:own,sub admin_B:own tech_B:own",
    "workrecords_technician_direct_inputs": "operator admin_A:own,sub admin_B:own tech_B:own",
    "workrecords_site_records": "operator admin_A:own,sub manager_A:own,sub",
    "workrecords_enter": "admin_A:own admin_B:own tech_B:own",
    "workrecords_list_direct": "admin_A:own,sub manager_A:own,sub",
    "workrecords_approve": "admin_A:own,sub manager_A:own,sub",
    "workrecords_reject": "admin_A:own,sub manager_A:own,sub",
    "batches_batches": OPERATOR,
    "batches_runs": OPERATOR,
    "batches_get_run": OPERATOR,
    "batches_run_batch": OPERATOR,
    "levels_levels": "operator admin_A:own admin_B:own tech_B:own",
    "reports_worker_roster": "operator admin_A:own,sub admin_B:own manager_A:own,sub",
    "reports_technician_list": "operator admin_A:own admin_B:own",
    "reports_career": "operator admin_A:own,sub admin_B:own tech_B:own",
    "reports_kentaikyo": "operator admin_A:own admin_B:own",
    # 建退共 (issue 21.2): the employer's own month and imports; the prime's side decides the candidate days.
    "kentaikyo_month": "operator admin_A:own admin_B:own",
    "kentaikyo_get_numbers": "operator admin_A:own admin_B:own",
    "kentaikyo_put_numbers": "admin_A:own admin_B:own",
    "kentaikyo_adjust": "admin_A:own admin_B:own",
    "kentaikyo_confirm": "admin_A:own admin_B:own",
    "kentaikyo_export": "operator admin_A:own admin_B:own",
    "kentaikyo_import_report": "admin_A:own admin_B:own",
    "kentaikyo_candidates": "admin_A:own,sub manager_A:own,sub",
    "kentaikyo_approve_candidate": "admin_A:own,sub manager_A:own,sub",
    "kentaikyo_reject_candidate": "admin_A:own,sub manager_A:own,sub",
    "keishin_add_contract": "operator admin_A:own admin_B:own",
    "keishin_list_contracts": "operator admin_A:own admin_B:own",
    "keishin_set_employment": "admin_A:own admin_B:own",
    "keishin_staff": "operator admin_A:own admin_B:own",
    "keishin_works": "operator admin_A:own admin_B:own",
    "keishin_w1": "operator admin_A:own admin_B:own",
    "face_check_in": "device_A:*",
    "face_list_checkins": "admin_A:own,sub manager_A:own,sub",
    "face_evidence": "admin_A:own,sub manager_A:own,sub",
    "face_registered_photo": "admin_A:own,sub manager_A:own,sub",
    "face_decide": "admin_A:own,sub manager_A:own,sub",
    "face_face_settings": "admin_A:own,sub manager_A:own,sub",
    "face_face_status": "operator admin_A:own,sub admin_B:own tech_B:own",
    "face_face_consent": "tech_B:own",
    "face_add_face_photo": "tech_B:own",
    "face_delete_face_photos": "tech_B:own",
    "phone_check_in": "tech_B:*",  # the technician's own check-in; the site's settings and roster decide the rest
    "phone_check_in_signed": "tech_B:*",
    "phone_device_key": "tech_B:*",
    "phone_virtual_card": "tech_B:*",
    "phone_get_settings": "admin_A:own,sub manager_A:own,sub",
    "phone_put_settings": "admin_A:own,sub manager_A:own,sub",
    "phone_list_checkins": "admin_A:own,sub manager_A:own,sub",
    "phone_decide": "admin_A:own,sub manager_A:own,sub",
    "phone_phone_map": "admin_A:own,sub manager_A:own,sub",
    "phone_gate_qr": "admin_A:own,sub manager_A:own,sub",
    "phone_gate_qr_print": "admin_A:own,sub manager_A:own,sub",
    "licence_card_photo": EVERYONE,
    "licence_ic_read": "operator admin_A:* admin_B:* tech_B:* agent_A:*",
    "licence_confirm": "admin_A:own tech_B:own",  # one's own drafts only
    "billing_my_invoices": "operator admin_A:* admin_B:* tech_B:*",
    "billing_business_invoices": "operator admin_A:own admin_B:own",
    "billing_pending_charges": "operator admin_A:own admin_B:own",
    "billing_get_invoice": "operator admin_A:own admin_B:own tech_B:own",
    "billing_get_invoice_pdf": "operator admin_A:own admin_B:own tech_B:own",
    "billing_get_receipt_pdf": "operator admin_A:own admin_B:own tech_B:own",
    "billing_get_tariffs": EVERYONE,
    "billing_fee_quote": EVERYONE,
    "billing_choose_lump_sum": "operator admin_A:own,sub",
    "billing_get_lump_sum": "operator admin_A:own,sub manager_A:own,sub",
    "billing_card_reissue": "operator admin_A:own admin_B:own tech_B:own",
    "billing_run_close": OPERATOR,
    "billing_runs": OPERATOR,
    "billing_all_invoices": OPERATOR,
    "billing_credit_note": OPERATOR,
    "payments_pay": "admin_A:own admin_B:own tech_B:own",
    "payments_stripe_webhook": EVERYONE,
    "payments_bank_import": OPERATOR,
    "payments_exceptions": OPERATOR,
    "payments_assign": OPERATOR,
    "payments_split": OPERATOR,
    "payments_refund": OPERATOR,
    # Registration agents (issue 21.1): the operator makes them; staff act for their own agent only.
    "agents_create_agent": OPERATOR,
    "agents_list_agents": OPERATOR,
    "agents_set_active": OPERATOR,
    "agents_add_staff": OPERATOR,
    "agents_my_agent": "agent_A:*",  # the caller's own agent, whatever the slice
    "agents_get_agent": "operator agent_A:own",
    "agents_list_staff": "operator agent_A:own",
    "agents_list_filings": "operator agent_A:own",
    "agents_get_filing": "operator agent_A:own",
    "agents_get_document": "operator agent_A:own",
    "agents_file_technician": "agent_A:own",
    "agents_file_business": "agent_A:own",
    "agents_patch_technician": "agent_A:own",  # 409 unless returned: past authorisation all the same
    "agents_put_photo": "agent_A:own",
    "agents_resubmit": "agent_A:own",
    "kpi_revenue": OPERATOR,
    "kpi_registrations": OPERATOR,
    "audit_list_audit": OPERATOR,
    "notifications_mine": LOGGED_IN,
    "notifications_counts": LOGGED_IN,
    "notifications_mark_read": LOGGED_IN,
    "workrecords_site_lone_exits": "operator admin_A:own,sub manager_A:own,sub",
    "keishin_correct_contract": "operator admin_A:own admin_B:own",
    "keishin_delete_contract": "operator admin_A:own admin_B:own",
    "keishin_w1_skills": "operator admin_A:own admin_B:own",
    # 変更申請: filed by the technician or the employer (never a prime that only sees them); read like the technician.
    "registration_submit_change": "admin_A:own admin_B:own tech_B:own",
    "registration_resubmit_change": "admin_A:own admin_B:own tech_B:own",
    "registration_list_changes": "operator admin_A:own,sub admin_B:own tech_B:own",
    "registration_change_document": "operator admin_A:own,sub admin_B:own tech_B:own",
    "registration_submit_business_change": "admin_A:own admin_B:own",
    "registration_list_business_changes": "operator admin_A:own admin_B:own",
    "registration_correct_qualification": OPERATOR,
    "registration_correct_business": OPERATOR,
    "levels_apply": "admin_A:own admin_B:own tech_B:own",
    "levels_list_applications": "operator admin_A:own,sub admin_B:own tech_B:own",
    "levels_official_levels": "operator admin_A:own,sub admin_B:own tech_B:own",
    "levels_body_queue": "assessment_body:*",
    "levels_judge": "assessment_body:*",
    "levels_create_body": OPERATOR,
    "levels_bodies": "operator admin_A:* admin_B:* tech_B:* assessment_body:*",
}

# Operations that end something the later requests need: run last, in this order.
LAST = [
    "billing_card_reissue",
    "devices_revoke_card",
    "businesses_employee_left",
    "devices_rotate",
    "devices_revoke",
    "accounts_logout",
    "accounts_logout_all",
]

_seq = itertools.count(1)


def _when(days: int = 1) -> str:
    return (datetime.now(JST).replace(hour=8, minute=0, second=0, microsecond=0) - timedelta(days=days)).isoformat()


def _tap(s: Slice) -> dict:
    return {
        "idempotency_key": f"m-{next(_seq)}",
        "technician_id": s.technician_id,
        "card_serial": s.card_serial,
        "challenge": "00" * 16,
        "response": "00" * 16,
        "device_time": _when(0),
        "device_seq": 1,
        "site_id": s.ids.get("site_code"),
    }


def _virtual_read() -> dict:
    return {"idempotency_key": f"m-{next(_seq)}", "code": "OCVC1.not-a-code", "device_time": _when(0)}


def _file() -> dict:
    return {"file": ("p.jpg", jpeg(), "image/jpeg")}


def _phone_key() -> str:
    import base64

    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ec

    return base64.b64encode(
        ec.generate_private_key(ec.SECP256R1())
        .public_key()
        .public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    ).decode()


_PHONE_KEY = _phone_key()  # one phone's key: enrolling it again is a no-op for its owner


# A valid request per operation (JSON body, or multipart form + files), filled from the target slice.
Body = Callable[[Slice], dict[str, Any]]
_TRAINING_BASIS = {
    "basis": "vocational_training",
    "basis_detail": "職業訓練法人",
    "source_url": "https://www.s-housing.jp/archives/398917",
    "source_date": "2025-10-01",
}
_TRAINING_SITE = {
    "name": "訓練センター",
    "address": "静岡県富士宮市",
    "window_start": "2026-01-01",
    "window_end": "2030-03-31",
}

BODIES: dict[str, Body] = {
    "agents_create_agent": lambda s: {
        "json": {
            "name": f"協会{next(_seq)}",
            "kind": "certified",
            "staff": {"login": f"m-agent{next(_seq)}", "display_name": "窓口", "email": "m-agent@example.jp"},
        }
    },
    "agents_set_active": lambda s: {"json": {"active": True}},
    "agents_add_staff": lambda s: {
        "json": {"login": f"m-staff{next(_seq)}", "display_name": "窓口", "email": "m-staff@example.jp"}
    },
    "agents_file_technician": lambda s: {
        "files": {
            "data": (
                None,
                json.dumps(
                    {
                        **{k: v for k, v in technician_payload().items() if k != "password"},
                        "email": "m-agtech@example.jp",
                        "consent_on": "2026-01-05",
                    }
                ),
            ),
            "photo": ("p.jpg", jpeg(), "image/jpeg"),
            "id_document": ("d.jpg", jpeg(), "image/jpeg"),
            "consent": ("c.jpg", jpeg(), "image/jpeg"),
        }
    },
    "agents_file_business": lambda s: {
        "files": {
            "data": (
                None,
                json.dumps(
                    business_payload(
                        consent_on="2026-01-05",
                        admin={"display_name": "社長", "email": "m-agbiz@example.jp"},
                    )
                ),
            ),
            "consent": ("c.jpg", jpeg(), "image/jpeg"),
        }
    },
    "agents_patch_technician": lambda s: {"json": {"address": "東京都港区1-1"}},
    "agents_put_photo": lambda s: {"files": _file()},
    "accounts_login": lambda s: {"json": {"login": "a-site-manager", "password": PASSWORD}},
    "recovery_password_reset": lambda s: {"json": {"login": "a-site-manager"}},
    "recovery_password_reset_confirm": lambda s: {"json": {"token": "rt_not-a-real-token", "password": PASSWORD}},
    # A wrong current password: gets past authorisation (422) without changing anyone's password.
    "recovery_change_password": lambda s: {
        "json": {"current_password": "not-the-password", "new_password": "another-long-password"}
    },
    "businesses_register_business": lambda s: {
        "json": business_payload(admin={"password": PASSWORD, "display_name": "責任者"})
    },
    "businesses_add_admin": lambda s: {"json": {"password": PASSWORD, "display_name": "管理者", "tier": 2}},
    "businesses_add_site_manager": lambda s: {"json": {"password": PASSWORD, "display_name": "現場"}},
    "businesses_proxy_register": lambda s: {
        "json": {
            **technician_payload(),
            "consent_obtained": True,
            "consent_on": "2026-01-05",
        }
    },
    "registration_register_technician": lambda s: {"json": technician_payload()},
    "registration_register_technician_whole": lambda s: {
        "files": {
            "data": (None, json.dumps(technician_payload())),
            "photo": ("p.jpg", jpeg(), "image/jpeg"),
            "id_document": ("d.jpg", jpeg(), "image/jpeg"),
        }
    },
    "businesses_proxy_register_whole": lambda s: {
        "files": {
            "data": (
                None,
                json.dumps(
                    {
                        **technician_payload(),
                        "consent_obtained": True,
                        "consent_on": "2026-01-05",
                    }
                ),
            ),
            "photo": ("p.jpg", jpeg(), "image/jpeg"),
            "id_document": ("d.jpg", jpeg(), "image/jpeg"),
        }
    },
    "registration_patch_technician": lambda s: {"json": {"address": "東京都港区1-1"}},
    "registration_put_photo": lambda s: {"files": _file()},
    "registration_put_id_document": lambda s: {"files": _file()},
    "registration_put_detailed": lambda s: {"json": {"labour_insurance_special": True}},
    "registration_add_qualification": lambda s: {
        "data": {"code": "T02", "acquired_on": "2016-04-01"},
        "files": _file(),
    },
    "registration_put_disclosure": lambda s: {"json": {"show_qualifications_to_sites": True}},
    "registration_apply": lambda s: {"json": {"kind": "upgrade"}},
    "registration_return_": lambda s: {"json": {"reasons": [{"field": "address", "reason": "番地がありません"}]}},
    "registration_correct": lambda s: {"json": {"changes": {"address": "東京都港区2-2"}, "reason": "転居届による"}},
    "sites_create_site": lambda s: {
        "json": {
            "name": "新現場",
            "address": "東京都港区3-3",
            "order_type": "private",
            "window_start": "2026-01-01",
            "window_end": "2027-12-31",
        }
    },
    "sites_invite": lambda s: {
        "json": {"business_id": s.business_id, "parent_contract_id": s.value("contracts"), "proxy": True}
    },
    "sites_add_placeholder": lambda s: {
        "json": {
            "parent_contract_id": s.value("contracts"),
            "name": "未登録建設",
            "corporate_number": corporate_number(880_000 + next(_seq)),
        }
    },
    "sites_add_roster": lambda s: {"json": {"technician_id": s.technician_id, "trade": "05-01", "position": "worker"}},
    "sites_patch_roster": lambda s: {"json": {"work_content": "型枠"}},
    "sites_create_training_site": lambda s: {
        "json": {**_TRAINING_BASIS, **_TRAINING_SITE, "prime_business_id": s.business_id}
    },
    "sites_mark_training_site": lambda s: {"json": _TRAINING_BASIS},
    "sites_enrol_trainee": lambda s: {"json": {"technician_id": s.technician_id, "trade": "05-01"}},
    "devices_create_device": lambda s: {"json": {"kind": "reader", "name": "ゲート2"}},
    "devices_enrol": lambda s: {"json": {"code": "NO-SUCH-CODE"}},
    "devices_heartbeat": lambda s: {"json": {"software_version": "0.1", "outbox_depth": 0}},
    "devices_revoke_card": lambda s: {"json": {"reason": "lost"}},
    "devices_create_api_client": lambda s: {"json": {"name": "勤怠2"}},
    "attendance_tap_batch": lambda s: {"json": {"taps": [_tap(s)]}},
    "attendance_tap_one": lambda s: {"json": {k: v for k, v in _tap(s).items() if v is not None}},
    "attendance_virtual_batch": lambda s: {"json": {"taps": [_virtual_read()]}},
    "attendance_virtual_one": lambda s: {"json": _virtual_read()},
    "attendance_push_attendance": lambda s: {
        "json": {
            "records": [
                {
                    "idempotency_key": f"m-{next(_seq)}",
                    "site_id": s.ids.get("site_code"),
                    "technician_id": s.technician_id,
                    "event": "in",
                    "at": _when(0),
                    "trade": "05-01",
                    "position": "worker",
                }
            ]
        }
    },
    "workrecords_enter": lambda s: {
        "json": {"technician_id": s.technician_id, "start_at": _when(2), "reason": "カードを忘れた"}
    },
    "workrecords_approve": lambda s: {"json": {"note": "確認済み"}},
    "kentaikyo_adjust": lambda s: {
        "json": {
            "technician_id": s.technician_id,
            "site_id": s.ids.get("site_code"),
            "work_date": _when(3)[:10],
            "worked": True,
            "reason": "日報で確認",
        }
    },
    "kentaikyo_confirm": lambda s: {"json": {"month": "2026-01"}},
    "kentaikyo_put_numbers": lambda s: {"json": {"contract_number": "1300-12345"}},
    "kentaikyo_month": lambda s: {"params": {"month": "2026-01"}},
    "kentaikyo_export": lambda s: {"params": {"month": "2026-01"}},
    "kentaikyo_import_report": lambda s: {
        "files": {"file": ("r.csv", "対象年月,現場ID,技能者ID\r\n".encode(), "text/csv")}
    },
    "kentaikyo_approve_candidate": lambda s: {"json": {"note": "日報あり"}},
    "kentaikyo_reject_candidate": lambda s: {"json": {"note": "記録なし"}},
    "workrecords_reject": lambda s: {"json": {"note": "記録なし"}},
    "keishin_add_contract": lambda s: {
        "json": {
            "customer": "発注者",
            "work_name": "工事",
            "prime": True,
            "location": "東京都",
            "amount_thousand_yen": 1000,
            "completed_on": "2025-03-31",
            "industry_code": "01",
        }
    },
    "keishin_set_employment": lambda s: {"json": {"employed_since": "2020-04-01"}},
    "face_check_in": lambda s: {
        "data": {"idempotency_key": "k1", "device_time": _when(0)}
    },  # no frame: never runs dlib
    "face_decide": lambda s: {"json": {"approve": True}},
    "face_face_settings": lambda s: {"json": {"threshold": 0.5, "policy": "review"}},
    "face_face_consent": lambda s: {"json": {"consent": False}},
    "face_add_face_photo": lambda s: {"files": _file()},
    "phone_check_in": lambda s: {
        "json": {
            "idempotency_key": f"p-{next(_seq)}",
            "site_id": s.ids.get("site_code"),
            "direction": "in",
            "client_time": datetime.now(JST).isoformat(),
            "lat": 35.68,
            "lon": 139.76,
            "accuracy_m": 10,
        }
    },
    "phone_check_in_signed": lambda s: {"json": {"key_id": "0" * 64, "message": "{}", "signature": "AAAA"}},
    "phone_device_key": lambda s: {"json": {"public_key": _PHONE_KEY}},
    "phone_put_settings": lambda s: {"json": {"geofence": {"lat": 35.68, "lon": 139.76, "radius_m": 100}}},
    "phone_decide": lambda s: {"json": {"approve": True}},
    "licence_card_photo": lambda s: {"files": {"file": ("p.jpg", b"not an image", "image/jpeg")}},
    "licence_ic_read": lambda s: {"json": {"licence": {}}},
    "licence_confirm": lambda s: {"json": {}},
    "billing_choose_lump_sum": lambda s: {"json": {"estimated_person_days": 100}},
    "billing_card_reissue": lambda s: {"json": {"reason": "lost"}},
    "billing_fee_quote": lambda s: {"params": {"kind": "technician_registration", "tier": "simplified"}},
    "billing_run_close": lambda s: {"json": {}},
    "billing_credit_note": lambda s: {"json": {"lines": [{"invoice_line_id": 1, "amount_yen": 1}], "reason": "返金"}},
    "payments_pay": lambda s: {"json": {"method": "card"}},
    "payments_stripe_webhook": lambda s: {"content": b"{}"},
    "payments_bank_import": lambda s: {"files": {"file": ("n.txt", b"", "text/plain")}},
    "payments_assign": lambda s: {"json": {"invoice_id": 1, "reason": "振込人名の誤り"}},
    "payments_split": lambda s: {"json": {"reason": "二重振込"}},
    "payments_refund": lambda s: {"json": {"reason": "二重振込"}},
    "keishin_correct_contract": lambda s: {
        "json": {
            "customer": "発注者",
            "work_name": "工事",
            "prime": True,
            "location": "東京都",
            "amount_thousand_yen": 1000,
            "completed_on": "2025-03-31",
            "industry_code": "01",
            "reason": "金額の誤り",
        }
    },
    "registration_submit_change": lambda s: {
        "data": {"type": "data", "payload": '{"address": "東京都港区1-1"}'},
        "files": _file(),
    },
    "registration_resubmit_change": lambda s: {
        "data": {"type": "data", "payload": '{"address": "東京都港区1-1"}'},
        "files": _file(),
    },
    "registration_submit_business_change": lambda s: {"json": {"changes": {"address": "港区5-5"}}},
    "registration_correct_qualification": lambda s: {"json": {"action": "delete"}},
    "registration_correct_business": lambda s: {"json": {"changes": {"address": "港区6-6"}, "reason": "転居"}},
    "levels_apply": lambda s: {"json": {"trade": "05-01"}},
    "levels_judge": lambda s: {"json": {"decision": "reject", "reason": "経験不足"}},
    "levels_create_body": lambda s: {
        "json": {
            "name": f"評価団体{next(_seq)}",
            "trades": ["05-01"],
            "login": f"m-body{next(_seq)}",
            "password": PASSWORD,
            "display_name": "評価",
        }
    },
}

# Operations whose 2xx refuses each item on its own: the other firm's site must be refused item by item.
CHECKS: dict[str, Callable[[dict], bool]] = {
    "attendance_tap_batch": lambda b: not b["results"] or b["results"][0]["status"] == "rejected",
    "attendance_push_attendance": lambda b: bool(b["errors"]) and b["errors"][0]["error"] == "site_not_allowed",
}

_PARAM = re.compile(r"{(\w+)}")


def fill(path: str, s: Slice) -> tuple[str, bool]:
    """The path with each parameter taken from the slice by the segment before it (and the one before that, for
    `review/applications`, `admin/technicians`); also whether some id exists nowhere in the world."""
    parts = path.split("/")
    missing = False
    for i, part in enumerate(parts):
        m = _PARAM.fullmatch(part)
        if not m:
            continue
        value = s.ids.get(f"{parts[i - 2]}/{parts[i - 1]}", s.value(parts[i - 1]))
        missing |= value == NOWHERE
        parts[i] = str(value)
    return "/".join(parts), missing


def operations(doc: dict) -> list[tuple[str, str, str]]:
    ops = [
        (op["operationId"], method.upper(), path) for path, item in doc["paths"].items() for method, op in item.items()
    ]
    return sorted(ops, key=lambda o: (LAST.index(o[0]) if o[0] in LAST else -1, o[0]))


async def test_every_operation_is_in_the_table(client):
    doc = (await client.get("/api/v1/openapi.json")).json()
    ids = {op for op, _, _ in operations(doc)}
    assert ids == set(ALLOW), f"missing from ALLOW: {sorted(ids - set(ALLOW))}; stale: {sorted(set(ALLOW) - ids)}"


async def test_no_unexpected_success(client):
    doc = (await client.get("/api/v1/openapi.json")).json()
    world: SecurityWorld = await build(client)
    for key, site in (
        ("A", world.sites["A"]),
        ("B", world.sites["A"]),
        ("tB", world.sites["A"]),
        ("C", world.sites["C"]),
    ):
        world.slices[key].ids["site_code"] = site["site_id"]
    unexpected, blocked = [], []
    logged_out: set[str] = set()
    for op_id, method, path in operations(doc):
        allowed = cells(ALLOW[op_id])
        public = "security" not in doc["paths"][path][method.lower()]
        for role, slice_name, relation in COMBOS:
            if role in logged_out:
                continue
            s = world.slices[slice_name]
            url, missing = fill(path, s)
            kw = BODIES[op_id](s) if op_id in BODIES else {}
            headers = {} if role == "anon" else {"Authorization": f"Bearer {world.tokens[role]}"}
            r = await client.request(method, url, headers=headers, **kw)
            cell = f"{op_id} {role}/{relation} → {r.status_code} {r.text[:160]}"
            assert r.status_code != 500, cell  # 502/503: the payment provider, documented
            ok = (role, relation) in allowed
            if 200 <= r.status_code < 300 and not ok:
                unexpected.append(cell)
            elif ok and (
                r.status_code == 403 or (r.status_code == 401 and not public) or (r.status_code == 404 and not missing)
            ):
                blocked.append(cell)
            if op_id in ("accounts_logout", "accounts_logout_all") and r.status_code in (200, 204):
                logged_out.add(role)  # its token has ended: the rest of the role's cells would only say 401
            if (
                op_id == "devices_rotate"
                and r.status_code == 200
                and s.value("devices") == world.slices["A"].value("devices")
            ):
                logged_out.add("device_A")  # a new secret ends the reader's token
            if 200 <= r.status_code < 300 and relation == "other" and op_id in CHECKS:
                assert CHECKS[op_id](r.json()), cell
    assert not unexpected, "unexpected 2xx:\n" + "\n".join(unexpected)
    assert not blocked, "allowed cells refused (the table or the world is wrong):\n" + "\n".join(blocked)
