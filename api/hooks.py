"""Hooks: how a domain lets the domains above it act on what it does without importing them.

A lower domain declares a hook from a prototype function (its signature and docstring are the hook's); a higher
domain connects a receiver to it; the lower one calls the hook, which awaits every receiver in order, in the
caller's transaction, and returns their results:

    # api/businesses/hooks.py: declared (the body is never run)
    @hook
    async def admin_created(*, account: Account, business: Business) -> None: ...

    # api/billing/events.py: received
    @admin_created.connect
    async def admin_id_created(*, account: Account, business: Business) -> None: ...

    # api/businesses/service.py: called
    await admin_created(account=account, business=business)

So the import graph points one way (billing imports businesses, never the reverse: `infra/harness.py` counts the
cycles between domains) while the lower domain still sets off what it must. Receivers are connected when their module
is imported; `api/wiring.py` imports every receiving module when the database is initialised (`api.db.init`: the app,
the worker, the CLIs and the tests all pass there), and a test checks that each hook has its receivers.
"""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable
from typing import Generic, ParamSpec, TypeVar

P = ParamSpec("P")
R = TypeVar("R")

HOOKS: list[Hook] = []  # type: ignore[type-arg]  # every hook declared, for the wiring test


class Hook(Generic[P, R]):
    def __init__(self, prototype: Callable[P, Awaitable[R]]) -> None:
        functools.update_wrapper(self, prototype)
        self.name = f"{prototype.__module__}.{prototype.__qualname__}"
        self.receivers: list[Callable[P, Awaitable[R]]] = []
        HOOKS.append(self)

    def connect(self, receiver: Callable[P, Awaitable[R]]) -> Callable[P, Awaitable[R]]:
        """Decorator: `receiver` is awaited on every call of the hook (once, however often its module is imported)."""
        if receiver not in self.receivers:
            self.receivers.append(receiver)
        return receiver

    async def __call__(self, *args: P.args, **kwargs: P.kwargs) -> list[R]:
        return [await receiver(*args, **kwargs) for receiver in self.receivers]

    def __repr__(self) -> str:
        return f"<hook {self.name}: {len(self.receivers)} receiver(s)>"


def hook(prototype: Callable[P, Awaitable[R]]) -> Hook[P, R]:
    return Hook(prototype)
