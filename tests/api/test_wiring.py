"""The hooks (api/hooks.py) reach the domains above: every hook a domain declares has its receivers once
api/wiring.py has connected them (api.db.init does), and a hook awaits them in order and returns their results."""

from __future__ import annotations

import importlib
import pkgutil

import pytest

import api
from api import hooks, wiring

# What each hook must reach: a receiver missing from api/wiring.py (or renamed) fails here, not silently in production.
EXPECTED = {
    "api.businesses.hooks.admin_created": {"api.billing.events.admin_id_created"},
    "api.registration.hooks.application_approved": {"api.billing.events.on_application_approved"},
    "api.registration.hooks.card_due": {"api.cards.service.issue_on_approval"},
    "api.cards.hooks.card_reissued": {"api.billing.events.on_card_reissued"},
    "api.registration.hooks.business_approved": {"api.sites.placeholders.adopt_on_approval"},
    "api.registration.hooks.employee_left": {
        "api.sites.service.leave_rosters",
        "api.face.service.forget_former_employee",
    },
    "api.registration.hooks.may_view": {"api.sites.access.can_view_on_site"},
    "api.billing.hooks.month_closed": {"api.notifications.jobs.notify_month_issued"},
}


def _declared() -> dict[str, hooks.Hook]:  # type: ignore[type-arg]
    for info in pkgutil.walk_packages(api.__path__, "api."):
        if info.name.endswith(".hooks") and info.name != "api.hooks":
            importlib.import_module(info.name)
    return {h.name: h for h in hooks.HOOKS}


def test_every_hook_reaches_its_receivers() -> None:
    wiring.connect()
    declared = _declared()
    assert set(declared) == set(EXPECTED), (
        "a new hook: name its receivers in EXPECTED and connect them in api/wiring.py"
    )
    for name, hook in declared.items():
        got = {f"{r.__module__}.{r.__qualname__}" for r in hook.receivers}
        assert got == EXPECTED[name], name


def test_connecting_twice_connects_once() -> None:
    wiring.connect()
    before = {h.name: len(h.receivers) for h in hooks.HOOKS}
    wiring.connect()
    assert {h.name: len(h.receivers) for h in hooks.HOOKS} == before


async def test_a_hook_awaits_its_receivers_in_order_and_returns_their_answers() -> None:
    @hooks.hook
    async def asked(x: int) -> int:
        return 0

    try:
        calls: list[str] = []

        @asked.connect
        async def first(x: int) -> int:
            calls.append("first")
            return x + 1

        @asked.connect
        async def second(x: int) -> int:
            calls.append("second")
            return x * 2

        assert await asked(5) == [6, 10]
        assert calls == ["first", "second"]
        asked.connect(first)  # connecting the same receiver again changes nothing
        assert len(asked.receivers) == 2
    finally:
        hooks.HOOKS.remove(asked)


@pytest.mark.parametrize("module", wiring.RECEIVERS)
def test_every_wired_module_connects_something(module: str) -> None:
    wiring.connect()
    connected = {r.__module__ for h in hooks.HOOKS for r in h.receivers}
    assert module in connected
