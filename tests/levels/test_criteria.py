"""The shipped criteria file, its validation, and versions picked by date."""

from __future__ import annotations

import copy
import json
from datetime import date

import pytest

from api.levels import CriteriaError, evaluate, load_criteria, parse_criteria
from api.levels.criteria import DATA, codes_missing_from_registration_master

from .helpers import held, tech


def shipped() -> dict:
    return json.loads(DATA.read_text(encoding="utf-8"))


def test_shipped_criteria_cover_rebar_carpentry_glazing_and_a_default() -> None:
    c = load_criteria()
    assert c.days_per_year == 215
    assert {c.select(t, date(2025, 1, 1)).criteria_version for t in ("05-01", "02-01", "16-01", "26-01")} == {
        "rebar-2019-10-08",
        "carpentry-2019-04-01",
        "glazing-2019-04-01",
        "default-2019-04-01",
    }
    for v in c.versions:
        assert v.source, v.criteria_version
        # every threshold is a whole or half number of 215-day years (3 y = 645 … 0.5 y = 108)
        for row in v.rows:
            for days in (row.min_work_days, row.min_lead_days, row.min_foreman_days):
                assert days in (0, 108) or days % 215 == 0, (v.criteria_version, row)


def test_every_code_the_criteria_need_can_be_registered() -> None:
    # A criterion naming a code that technicians cannot register would make that level unreachable.
    assert codes_missing_from_registration_master(load_criteria()) == {}


def test_versions_are_picked_by_evaluation_date() -> None:
    doc = shipped()
    rebar = next(e for e in doc["criteria"] if e["trades"] == ["05-01"])
    newer = copy.deepcopy(rebar)
    rebar["valid_to"] = "2025-03-31"
    newer.update(criteria_version="rebar-2025-04-01", valid_from="2025-04-01")
    newer["levels"][0]["min_work_days"] = 700
    doc["criteria"].append(newer)
    c = parse_criteria(doc)
    inputs = tech("05-01", 650, quals=held("T01"))
    old = evaluate(inputs=inputs, criteria=c, on=date(2025, 3, 31))
    new = evaluate(inputs=inputs, criteria=c, on=date(2025, 4, 1))
    assert (old.criteria_version, old.level) == ("rebar-2019-10-08", 2)
    assert (new.criteria_version, new.level, new.missing_for_next) == ("rebar-2025-04-01", 1, ("就業日数 あと 50 日",))


def _broken(mutate) -> str:
    doc = shipped()
    mutate(doc)
    with pytest.raises(CriteriaError) as err:
        parse_criteria(doc)
    return str(err.value)


def test_overlapping_versions_are_refused() -> None:
    def mutate(doc):
        doc["criteria"].append(
            {**copy.deepcopy(doc["criteria"][0]), "criteria_version": "x", "valid_from": "2024-01-01"}
        )

    assert "overlap" in _broken(mutate)


def test_unknown_qualification_code_is_refused() -> None:
    def mutate(doc):
        doc["criteria"][0]["levels"][0]["qualifications"] = [{"any_of": ["ZZZ"]}]

    assert "ZZZ" in _broken(mutate)


def test_unknown_trade_and_missing_level_rows_are_refused() -> None:
    assert "99-99" in _broken(lambda d: d["criteria"][0].update(trades=["99-99"]))
    assert "levels" in _broken(lambda d: d["criteria"][0]["levels"].pop())


def test_decreasing_days_and_bad_group_sizes_are_refused() -> None:
    assert "fewer work days" in _broken(lambda d: d["criteria"][0]["levels"][2].update(min_work_days=100))
    assert "at_least" in _broken(
        lambda d: d["criteria"][0]["levels"][0].update(qualifications=[{"at_least": 3, "of": ["T01", "T02"]}])
    )
    assert "exactly one" in _broken(
        lambda d: d["criteria"][0]["levels"][0].update(qualifications=[{"any_of": ["T01"], "all_of": ["T02"]}])
    )


def test_duplicate_version_names_are_refused() -> None:
    def mutate(doc):
        doc["criteria"][1]["criteria_version"] = doc["criteria"][0]["criteria_version"]

    assert "twice" in _broken(mutate)
