"""Level history: decide which evaluations are worth a history row, and make results JSON-safe for storage.

The engine recomputes a level from scratch every time; history keeps only the changes, so "since when is this
technician level 3, under which criteria" stays answerable after the criteria or the records move on.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import date
from typing import Any, Literal

from api.levels.inputs import LevelResult

Direction = Literal["first", "up", "down", "criteria"]


@dataclass(frozen=True, slots=True)
class LevelChange:
    technician_id: str
    trade: str
    on: date
    from_level: int | None
    to_level: int
    criteria_version: str
    direction: Direction


def level_change(
    *, previous_level: int | None, previous_version: str | None, result: LevelResult
) -> LevelChange | None:
    """The change `result` makes against the latest stored level of that technician × trade, or None.

    A new criteria version that gives the same level is still recorded (direction "criteria") so the history says
    which table each period was judged by. A lower level is recorded too (an expired qualification can do it):
    hiding it would leave a stored level the data no longer supports.
    """
    if not result.evaluated or result.level is None or result.criteria_version is None:
        return None
    if previous_level is None:
        direction: Direction = "first"
    elif result.level > previous_level:
        direction = "up"
    elif result.level < previous_level:
        direction = "down"
    elif result.criteria_version != previous_version:
        direction = "criteria"
    else:
        return None
    return LevelChange(
        result.technician_id, result.trade, result.on, previous_level, result.level, result.criteria_version, direction
    )


def result_to_dict(result: LevelResult) -> dict[str, Any]:
    """A JSON-ready dict (dates as ISO strings, tuples as lists) for a JSON column or an API response."""
    return _plain(asdict(result))


def _plain(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, date):
        return value.isoformat()
    return value
