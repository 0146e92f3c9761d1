"""The composition root of the hooks (api/hooks.py): imports every module that connects a receiver, so each hook a
lower domain calls reaches the domains above it. `api.db.init` calls `connect()` (the app, the worker, the CLIs and
the tests all initialise the database there); tests/api/test_wiring.py checks that every hook has its receivers.

A module listed here may import anything; nothing imports this module but `api.db.init`, at run time."""

from __future__ import annotations

import importlib

RECEIVERS = (
    "api.billing.events",  # businesses.admin_created, registration.application_approved, cards.card_reissued: fees
    "api.cards.service",  # registration.card_due: an approval's card issued
    "api.sites.access",  # registration.may_view: a site's managers and upper tiers see its technicians
    "api.sites.placeholders",  # registration.business_approved: the placeholder of its 法人番号 adopted
    "api.sites.service",  # registration.employee_left: off the business's rosters
    "api.face.service",  # registration.employee_left: face data deleted
    "api.notifications.jobs",  # billing.month_closed: invoices announced
)


def connect() -> None:
    for module in RECEIVERS:
        importlib.import_module(module)
