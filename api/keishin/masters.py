"""The 経審 masters: industries, 別紙一 completed-works codes and the 別表（四） qualification table.

The masters are data (``data/*.csv``), never code, because MLIT changes them by notice: 29 解体 and the transitional 99
/ 300 arrived on 2016-06-01, 99 / 300 left on 2019-05-31, CCUS levels (703/704) started counting on 2020-04-01 and
the 附則第4条 codes lost their 解体 credit after 2021-03-31. Every row carries ``valid_from`` / ``valid_to``
(inclusive, blank = open) and a date selects the version in force. Which date selects is the caller's business:
the roster and 別紙一 use the application date (see ``docs/keishin.md``).

The load is cached: it is the only module-level state of the package and it is read-only after loading.
"""

from __future__ import annotations

import csv
import functools
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from types import MappingProxyType
from typing import TypeVar

from api.keishin.errors import KeishinError, MasterDataError

DATA_DIR = Path(__file__).parent / "data"

INDUSTRY_KINDS = frozenset({"industry", "transitional"})
WORKS_KINDS = frozenset({"industry", "breakdown", "transitional"})
# "table": the points of the row count in every industry that has a cell. "declared": the row's cells are only an
# upper bound; the qualification counts in the industries the technician proves (実務経験 001–004, 基幹技能者 064,
# 099, 監理技術者補佐 005, CCUS levels 703/704), so the input must name them.
INDUSTRY_RULES = frozenset({"table", "declared"})
STATUSES = frozenset({"VERIFIED", "INFERRED"})
TRANSITIONAL_INDUSTRY = "99"


@dataclass(frozen=True)
class Industry:
    code: str
    valid_from: date | None
    valid_to: date | None
    name: str
    short_name: str
    kind: str
    status: str
    note: str


@dataclass(frozen=True)
class WorksCode:
    code: str
    valid_from: date | None
    valid_to: date | None
    name: str
    kind: str
    industry_code: str
    parent_code: str
    status: str
    note: str


@dataclass(frozen=True)
class Qualification:
    code: str
    valid_from: date | None
    valid_to: date | None
    name: str
    legal_basis: str
    industry_rule: str
    base_code: str
    points: Mapping[str, int]  # industry code → points, only industries with a cell
    status: str
    seed_check: str
    change: str

    def points_in(self, industry_code: str) -> int:
        return self.points.get(industry_code, 0)


_V = TypeVar("_V", Industry, WorksCode, Qualification)


def in_force(row: Industry | WorksCode | Qualification, on: date) -> bool:
    return (row.valid_from is None or row.valid_from <= on) and (row.valid_to is None or on <= row.valid_to)


def window(row: Industry | WorksCode | Qualification) -> str:
    start = row.valid_from.isoformat() if row.valid_from else "the start"
    end = row.valid_to.isoformat() if row.valid_to else "open end"
    return f"{start} → {end}"


class Masters:
    """Read-only lookups by code and date over the loaded master rows."""

    def __init__(
        self,
        industries: tuple[Industry, ...],
        works_codes: tuple[WorksCode, ...],
        qualifications: tuple[Qualification, ...],
    ) -> None:
        self.industries = industries
        self.works_codes = works_codes
        self.qualifications = qualifications
        self._industries = _index(industries)
        self._works = _index(works_codes)
        self._qualifications = _index(qualifications)

    def industry(self, code: str, *, on: date, field: str | None = None) -> Industry:
        return _select(self._industries, code, on, "industry code", "industry", field)

    def industries_on(self, on: date) -> tuple[Industry, ...]:
        return tuple(row for row in self.industries if in_force(row, on))

    def works_code(self, code: str, *, on: date, field: str | None = None) -> WorksCode:
        return _select(self._works, code, on, "completed-works code", "works", field)

    def works_codes_on(self, on: date) -> tuple[WorksCode, ...]:
        return tuple(row for row in self.works_codes if in_force(row, on))

    def works_code_for_industry(self, industry_code: str, *, on: date) -> WorksCode:
        for row in self.works_codes_on(on):
            if row.industry_code == industry_code and row.kind in ("industry", "transitional"):
                return row
        raise MasterDataError(f"no completed-works code for industry {industry_code} on {on}")

    def qualification(self, code: str, *, on: date, field: str | None = None) -> Qualification:
        return _select(self._qualifications, code, on, "qualification code", "qualification", field)

    def qualification_exists(self, code: str) -> bool:
        return code in self._qualifications


def _index(rows: Iterable[_V]) -> Mapping[str, tuple[_V, ...]]:
    out: dict[str, list[_V]] = {}
    for row in rows:
        out.setdefault(row.code, []).append(row)
    return MappingProxyType({code: tuple(versions) for code, versions in out.items()})


def _select(index: Mapping[str, tuple[_V, ...]], code: str, on: date, label: str, kind: str, field: str | None) -> _V:
    versions = index.get(code)
    if not versions:
        raise KeishinError(f"unknown_{kind}_code", f"{label} {code!r} does not exist", field)
    for row in versions:
        if in_force(row, on):
            return row
    windows = ", ".join(window(row) for row in versions)
    raise KeishinError(
        f"{kind}_code_not_in_force", f"{label} {code} is valid {windows}, not on {on.isoformat()}", field
    )


# --- loading -------------------------------------------------------------------------------------------------------


@functools.cache
def load_masters(data_dir: Path = DATA_DIR) -> Masters:
    industries = _load_industries(data_dir / "industries.csv")
    works = _load_works(data_dir / "completed_works_codes.csv", industries)
    qualifications = _load_qualifications(data_dir / "qualifications.csv", industries)
    return Masters(industries, works, qualifications)


def _read(path: Path, required: tuple[str, ...]) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as fh:
        reader = csv.DictReader(fh)
        missing = [col for col in required if col not in (reader.fieldnames or [])]
        if missing:
            raise MasterDataError(f"{path.name}: missing columns {missing}")
        return [{k: (v or "").strip() for k, v in row.items()} for row in reader]


def _date(value: str, where: str) -> date | None:
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError as exc:
        raise MasterDataError(f"{where}: bad date {value!r}") from exc


def _dates(row: dict[str, str], where: str) -> tuple[date | None, date | None]:
    start, end = _date(row["valid_from"], where), _date(row["valid_to"], where)
    if start and end and end < start:
        raise MasterDataError(f"{where}: valid_to {end} before valid_from {start}")
    return start, end


def _check_versions(rows: Iterable[_V], name: str) -> None:
    # Two versions of one code in force on the same day would make a lookup ambiguous.
    for code, versions in _index(rows).items():
        ordered = sorted(versions, key=lambda r: r.valid_from or date.min)
        for before, after in zip(ordered, ordered[1:], strict=False):
            if before.valid_to is None or (after.valid_from or date.min) <= before.valid_to:
                raise MasterDataError(f"{name}: versions of {code} overlap")


def _load_industries(path: Path) -> tuple[Industry, ...]:
    cols = ("code", "valid_from", "valid_to", "name", "short_name", "kind", "status", "note")
    out = []
    for n, row in enumerate(_read(path, cols), start=2):
        where = f"{path.name}:{n}"
        if not re.fullmatch(r"\d\d", row["code"]) or row["kind"] not in INDUSTRY_KINDS:
            raise MasterDataError(f"{where}: bad code or kind")
        if row["status"] not in STATUSES:
            raise MasterDataError(f"{where}: bad status {row['status']!r}")
        start, end = _dates(row, where)
        out.append(
            Industry(row["code"], start, end, row["name"], row["short_name"], row["kind"], row["status"], row["note"])
        )
    _check_versions(out, path.name)
    shorts = {(r.short_name, r.code) for r in out}
    if len({s for s, _ in shorts}) != len(shorts):
        raise MasterDataError(f"{path.name}: a short name is used by two industry codes")
    return tuple(out)


def _load_works(path: Path, industries: tuple[Industry, ...]) -> tuple[WorksCode, ...]:
    cols = ("code", "valid_from", "valid_to", "name", "kind", "industry_code", "parent_code", "status", "note")
    known_industries = {r.code for r in industries}
    out = []
    for n, row in enumerate(_read(path, cols), start=2):
        where = f"{path.name}:{n}"
        if not re.fullmatch(r"\d{3}", row["code"]) or row["kind"] not in WORKS_KINDS:
            raise MasterDataError(f"{where}: bad code or kind")
        if row["industry_code"] not in known_industries or row["status"] not in STATUSES:
            raise MasterDataError(f"{where}: unknown industry {row['industry_code']!r} or bad status")
        if (row["kind"] == "breakdown") != bool(row["parent_code"]):
            raise MasterDataError(f"{where}: a breakdown row, and only it, names its parent code")
        start, end = _dates(row, where)
        out.append(
            WorksCode(
                row["code"],
                start,
                end,
                row["name"],
                row["kind"],
                row["industry_code"],
                row["parent_code"],
                row["status"],
                row["note"],
            )
        )
    codes = {r.code for r in out}
    if any(r.parent_code and r.parent_code not in codes for r in out):
        raise MasterDataError(f"{path.name}: a parent code does not exist")
    _check_versions(out, path.name)
    return tuple(out)


def _load_qualifications(path: Path, industries: tuple[Industry, ...]) -> tuple[Qualification, ...]:
    # The point columns are headed by the industries' short names (土 建 … 解), as in the seed's 別表（四）, so the
    # file can be read side by side with the seed and the reference CSV.
    short_to_code = {r.short_name: r.code for r in industries if r.kind == "industry"}
    base_cols = ("code", "valid_from", "valid_to", "name", "legal_basis", "industry_rule", "base_code")
    tail_cols = ("status", "seed_check", "change")
    rows = _read(path, base_cols + tuple(short_to_code) + tail_cols)
    out = []
    for n, row in enumerate(rows, start=2):
        where = f"{path.name}:{n}"
        if not re.fullmatch(r"[0-9][0-9][0-9A-Z]", row["code"]):
            raise MasterDataError(f"{where}: bad code {row['code']!r}")
        if row["industry_rule"] not in INDUSTRY_RULES or row["status"] not in STATUSES or not row["seed_check"]:
            raise MasterDataError(f"{where}: bad industry_rule, status or seed_check")
        points: dict[str, int] = {}
        for short, code in short_to_code.items():
            cell = row[short]
            if cell:
                if cell not in {"1", "2", "3", "4", "5"}:
                    raise MasterDataError(f"{where}: bad points {cell!r} in column {short}")
                points[code] = int(cell)
        if not points:
            raise MasterDataError(f"{where}: qualification {row['code']} counts in no industry")
        start, end = _dates(row, where)
        out.append(
            Qualification(
                row["code"],
                start,
                end,
                row["name"],
                row["legal_basis"],
                row["industry_rule"],
                row["base_code"],
                MappingProxyType(points),
                row["status"],
                row["seed_check"],
                row["change"],
            )
        )
    codes = {r.code for r in out}
    if any(r.base_code and r.base_code not in codes for r in out):
        raise MasterDataError(f"{path.name}: a base_code does not exist")
    _check_versions(out, path.name)
    return tuple(out)
