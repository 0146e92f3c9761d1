"""Which evaluations make a level-history row."""

from __future__ import annotations

import json

from api.levels import evaluate, level_change, load_criteria, result_to_dict

from .helpers import ON, held, tech

CRITERIA = load_criteria()


def result(work_days: int, **kw):
    return evaluate(inputs=tech("05-01", work_days, quals=held("T01"), **kw), criteria=CRITERIA, on=ON)


def test_first_up_down_and_unchanged() -> None:
    r2 = result(645)
    first = level_change(previous_level=None, previous_version=None, result=r2)
    assert (first.direction, first.from_level, first.to_level) == ("first", None, 2)
    assert level_change(previous_level=2, previous_version="rebar-2019-10-08", result=r2) is None
    assert level_change(previous_level=1, previous_version="rebar-2019-10-08", result=r2).direction == "up"
    assert level_change(previous_level=3, previous_version="rebar-2019-10-08", result=r2).direction == "down"


def test_same_level_under_new_criteria_is_recorded() -> None:
    change = level_change(previous_level=2, previous_version="rebar-2000-01-01", result=result(645))
    assert change.direction == "criteria" and change.criteria_version == "rebar-2019-10-08"


def test_not_evaluated_makes_no_history() -> None:
    r = result(645, tier="simplified")
    assert level_change(previous_level=None, previous_version=None, result=r) is None


def test_result_is_json_serialisable() -> None:
    d = result_to_dict(result(700))
    assert json.loads(json.dumps(d, ensure_ascii=False))["evidence"]["counted_days"] == 700
    assert d["on"] == ON.isoformat()
