"""Why a 経審 result is what it is (a W1⑩ reason, why a person or a work is left out, a qualification not counted):
a stable code with its parameters, which the PWA words from its catalogues (keishin.why.<code>), and the English
sentence for other clients and logs. Results, not refusals, so they are not in the error catalogue."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field


@dataclass(frozen=True)
class KeishinReason:
    code: str
    text: str
    params: Mapping[str, str] = field(default_factory=dict)


def reason(code: str, text: str, **params: object) -> KeishinReason:
    return KeishinReason(code, text, {k: str(v) for k, v in params.items()})
