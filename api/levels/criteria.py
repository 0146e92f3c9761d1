"""Skill-level criteria: load the versioned data file, validate it, and pick the version in force.

The criteria are data (`data/criteria.json`), never code, because each trade body (能力評価実施団体) has its own
table and MLIT certifies revisions: a new version is a new entry with its own `valid_from`, and the old one gets a
`valid_to`, so a past evaluation can be reproduced with the criteria in force on its date.
"""

from __future__ import annotations

import csv
import functools
import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from api.levels.errors import CriteriaError
from api.registration import masters as registration_masters

DATA = Path(__file__).parent / "data" / "criteria.json"
KEISHIN_QUALIFICATIONS = Path(__file__).parents[1] / "keishin" / "data" / "qualifications.csv"
DEFAULT_TRADE = "*"
LEVELS = (2, 3, 4)  # level 1 is "registered, not yet judged" and has no row


@dataclass(frozen=True, slots=True)
class QualificationGroup:
    """At least `need` of `codes` must be held: any_of → 1, all_of → all, at_least n of → n."""

    kind: str  # any_of / all_of / at_least (kept for the wording of what is missing)
    need: int
    codes: tuple[str, ...]
    code_set: frozenset[str]


@dataclass(frozen=True, slots=True)
class LevelRow:
    level: int
    min_work_days: int
    min_lead_days: int  # 職長 + 班長
    min_foreman_days: int  # 職長 only
    groups: tuple[QualificationGroup, ...]


@dataclass(frozen=True, slots=True)
class CriteriaVersion:
    criteria_version: str
    trades: tuple[str, ...]
    name: str
    body: str
    valid_from: date
    valid_to: date | None  # inclusive
    source: str
    rows: tuple[LevelRow, ...]  # levels 2, 3, 4 in order

    def in_force(self, on: date) -> bool:
        return self.valid_from <= on and (self.valid_to is None or on <= self.valid_to)


class Criteria:
    """All versions, indexed by trade; `select` is called once per evaluation, so its answers are memoised."""

    def __init__(
        self,
        versions: tuple[CriteriaVersion, ...],
        names: Mapping[str, str],
        days_per_year: int,
        proposed: Mapping[str, str],
    ) -> None:
        self.versions = versions
        self.names = dict(names)
        self.days_per_year = days_per_year
        self.proposed = dict(proposed)
        by_trade: dict[str, list[CriteriaVersion]] = {}
        for v in versions:
            for trade in v.trades:
                by_trade.setdefault(trade, []).append(v)
        self._by_trade = {t: tuple(sorted(vs, key=lambda v: v.valid_from)) for t, vs in by_trade.items()}
        self._memo: dict[tuple[str, date], CriteriaVersion | None] = {}
        self.wording_memo: dict[tuple, tuple[str, ...]] = {}  # engine's memo of "what is missing" wording

    def has_own(self, trade: str) -> bool:
        return trade in self._by_trade

    def select(self, trade: str, on: date) -> CriteriaVersion | None:
        """The trade's own version in force on `on`; the default only for a trade that has no criteria of its own.

        A trade with its own criteria but none in force on that date (before its first certification) gets None:
        judging it by the generic default would hand out a level its trade body never defined.
        """
        key = (trade, on)
        try:
            return self._memo[key]
        except KeyError:
            pass
        pool = self._by_trade.get(trade) or self._by_trade.get(DEFAULT_TRADE, ())
        found = next((v for v in pool if v.in_force(on)), None)
        if len(self._memo) < 100_000:  # bounded: a batch uses a handful of (trade, date) pairs
            self._memo[key] = found
        return found

    def qualification_name(self, code: str) -> str:
        return self.names.get(code, code)


# --- loading and validation ------------------------------------------------------------------------------------------


@functools.cache
def load_criteria(path: Path = DATA) -> Criteria:
    with open(path, encoding="utf-8") as f:
        return parse_criteria(json.load(f))


def known_qualifications(*, keishin: bool) -> dict[str, str]:
    """code → name from the 経審 有資格区分 table (keishin=True) or the registration master (keishin=False)."""
    if not keishin:
        return {code: row["name"] for code, row in registration_masters.qualifications().items()}
    with open(KEISHIN_QUALIFICATIONS, encoding="utf-8") as f:
        return {row["code"]: row["name"] for row in csv.DictReader(f)}


def parse_criteria(doc: Mapping[str, Any]) -> Criteria:
    if doc.get("format") != 1:
        raise CriteriaError(f"criteria format must be 1, got {doc.get('format')!r}")
    days_per_year = doc.get("days_per_year")
    if not isinstance(days_per_year, int) or days_per_year <= 0:
        raise CriteriaError("days_per_year must be a positive integer")
    proposed = doc.get("proposed_qualifications") or {}
    if not isinstance(proposed, dict):
        raise CriteriaError("proposed_qualifications must map codes to names")
    # The criteria's own plain name (e.g. 1級鉄筋施工技能士 for 経審 code 182) wins over the master's form name.
    names = {**known_qualifications(keishin=True), **known_qualifications(keishin=False), **proposed}
    trades = registration_masters.trades()
    versions: list[CriteriaVersion] = []
    seen: set[str] = set()
    for k, entry in enumerate(doc.get("criteria") or []):
        v = _version(entry, f"criteria[{k}]", names, trades)
        if v.criteria_version in seen:
            raise CriteriaError(f"criteria[{k}]: criteria_version {v.criteria_version!r} is used twice")
        seen.add(v.criteria_version)
        versions.append(v)
    if not versions:
        raise CriteriaError("no criteria")
    _check_no_overlap(versions)
    return Criteria(tuple(versions), names, days_per_year, proposed)


def _version(
    entry: Mapping[str, Any], where: str, names: Mapping[str, str], trades: Mapping[str, str]
) -> CriteriaVersion:
    version = entry.get("criteria_version")
    if not isinstance(version, str) or not version:
        raise CriteriaError(f"{where}.criteria_version is required")
    where = f"{where} ({version})"
    entry_trades = entry.get("trades")
    if not isinstance(entry_trades, list) or not entry_trades:
        raise CriteriaError(f"{where}.trades must be a non-empty list")
    for t in entry_trades:
        if t != DEFAULT_TRADE and t not in trades:
            raise CriteriaError(f"{where}.trades: unknown trade code {t!r}")
    valid_from = _date(entry.get("valid_from"), f"{where}.valid_from")
    valid_to = None if entry.get("valid_to") is None else _date(entry["valid_to"], f"{where}.valid_to")
    if valid_from is None:
        raise CriteriaError(f"{where}.valid_from is required")
    if valid_to is not None and valid_to < valid_from:
        raise CriteriaError(f"{where}: valid_to {valid_to} is before valid_from {valid_from}")
    rows = tuple(_row(r, f"{where}.levels[{i}]", names) for i, r in enumerate(entry.get("levels") or []))
    if tuple(r.level for r in rows) != LEVELS:
        raise CriteriaError(f"{where}.levels must be the rows for levels 2, 3, 4 in that order")
    for lower, upper in zip(rows, rows[1:]):
        if upper.min_work_days < lower.min_work_days:
            raise CriteriaError(f"{where}: level {upper.level} needs fewer work days than level {lower.level}")
    return CriteriaVersion(
        version,
        tuple(entry_trades),
        str(entry.get("name", "")),
        str(entry.get("body", "")),
        valid_from,
        valid_to,
        str(entry.get("source", "")),
        rows,
    )


def _row(row: Mapping[str, Any], where: str, names: Mapping[str, str]) -> LevelRow:
    nums = {}
    for key in ("level", "min_work_days", "min_lead_days", "min_foreman_days"):
        value = row.get(key, 0)
        if not isinstance(value, int) or isinstance(value, bool) or value < 0:
            raise CriteriaError(f"{where}.{key} must be a non-negative integer")
        nums[key] = value
    groups = tuple(
        _group(g, f"{where}.qualifications[{i}]", names) for i, g in enumerate(row.get("qualifications") or [])
    )
    return LevelRow(nums["level"], nums["min_work_days"], nums["min_lead_days"], nums["min_foreman_days"], groups)


def _group(group: Mapping[str, Any], where: str, names: Mapping[str, str]) -> QualificationGroup:
    kinds = [k for k in ("any_of", "all_of", "at_least") if k in group]
    if len(kinds) != 1:
        raise CriteriaError(f"{where} must have exactly one of any_of / all_of / at_least")
    kind = kinds[0]
    codes = group.get("of") if kind == "at_least" else group[kind]
    if not isinstance(codes, list) or not codes or not all(isinstance(c, str) for c in codes):
        raise CriteriaError(f"{where}: a non-empty list of qualification codes is required")
    if len(set(codes)) != len(codes):
        raise CriteriaError(f"{where}: a code is listed twice")
    unknown = [c for c in codes if c not in names]
    if unknown:
        raise CriteriaError(
            f"{where}: unknown qualification code(s) {', '.join(unknown)}; add them to the master "
            "or to proposed_qualifications"
        )
    need = {"any_of": 1, "all_of": len(codes)}.get(kind, group.get("at_least"))
    if not isinstance(need, int) or isinstance(need, bool) or not 1 <= need <= len(codes):
        raise CriteriaError(f"{where}.at_least must be between 1 and the number of codes")
    return QualificationGroup(kind, need, tuple(codes), frozenset(codes))


def _date(value: Any, where: str) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except (TypeError, ValueError):
        raise CriteriaError(f"{where}: {value!r} is not an ISO date") from None


def _check_no_overlap(versions: list[CriteriaVersion]) -> None:
    # Two versions of one trade in force on the same day would make the level depend on file order.
    by_trade: dict[str, list[CriteriaVersion]] = {}
    for v in versions:
        for t in v.trades:
            by_trade.setdefault(t, []).append(v)
    for trade, vs in by_trade.items():
        vs.sort(key=lambda v: v.valid_from)
        for a, b in zip(vs, vs[1:]):
            if a.valid_to is None or a.valid_to >= b.valid_from:
                raise CriteriaError(f"trade {trade}: {a.criteria_version} and {b.criteria_version} overlap")


def codes_missing_from_registration_master(criteria: Criteria) -> dict[str, str]:
    """Codes the criteria use that a technician cannot register yet (not in the registration master): code → name.

    Until they are added there, the levels that need only them are unreachable; docs/levels.md lists them.
    """
    registered = registration_masters.qualifications()
    used = {c for v in criteria.versions for row in v.rows for g in row.groups for c in g.codes}
    return {c: criteria.qualification_name(c) for c in sorted(used) if c not in registered}
