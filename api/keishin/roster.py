"""技術職員名簿 (別紙二): which technicians count, for which 業種コード, with how many points.

Rules (seed p.8–10 and the reference notes):

* only technicians employed for more than 6 months on the 審査基準日 count;
* one technician counts for at most 2 業種コード; during 2016-06-01 → 2019-05-31 the code 99 counts for 05, 29 and the
  transitional total 「99」経過措置, and 05 or 29 also count for that total;
* in each industry a technician earns the points of the best qualification written for it (1 / 2 / 3 / 4 / 5), and a
  1級 (5) with the 監理技術者講習 (講習受講 = 1) earns 6;
* CCUS level 4 earns 3 and level 3 earns 2 (codes 704 / 703) from 2020-04-01, in the level's industry;
* a technician who holds a 附則第4条 code (11C …) is a 「経過措置扱い」 解体 technician: his 解体 credit comes through
  that code, so the base code (113 …) is not credited in 29 for him (seed p.9 margin note: 「経過措置扱いの者に
  ついては、アルファベット付きのコードを記載する」).
"""

from __future__ import annotations

import itertools
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from types import MappingProxyType

from api.keishin.conditions import load_conditions
from api.keishin.errors import KeishinError
from api.keishin.masters import Masters, Qualification, load_masters
from api.keishin.reasons import KeishinReason, reason
from api.keishin.roster_models import (
    KAITAI,
    TOBI,
    TRANSITIONAL,
    Exclusion,
    IndustryTotal,
    Roster,
    RosterGroup,
    RosterRow,
    Technician,
)
from api.keishin.rules import age_on, application_date_or_base, months_earlier
from api.keishin.rules import applied_industries as validate_applied

MAX_CODES = 2
FIRST_CLASS_POINTS = 5
LECTURE_POINTS = 6
CCUS_LEVEL_CODES = {4: "704", 3: "703"}
EMPLOYMENT_MONTHS = 6


@dataclass(frozen=True)
class _Holding:
    qualification: Qualification
    allowed: frozenset[str] | None  # None: every industry of the table row
    no_kaitai: bool  # the person also holds this code's 附則第4条 variant, or lacks its 解体 evidence

    def points(self, industry: str) -> int:
        if self.allowed is not None and industry not in self.allowed:
            return 0
        if self.no_kaitai and industry == KAITAI:
            return 0
        return self.qualification.points_in(industry)


@dataclass(frozen=True)
class _Context:
    masters: Masters
    base_date: date
    application_date: date
    applied: frozenset[str]  # includes "99" when the transitional total is evaluated
    transitional: bool  # 99 in force on the application date


def compute_roster(
    *,
    technicians: Sequence[Technician],
    base_date: date,
    applied_industries: Sequence[str],
    application_date: date | None = None,
    masters: Masters | None = None,
) -> Roster:
    """Build the 別紙二 rows and per-industry totals for one business."""
    masters = masters or load_masters()
    app = application_date_or_base(base_date, application_date)
    applied = validate_applied(masters, applied_industries, on=app)
    transitional = any(r.code == TRANSITIONAL for r in masters.industries_on(app))
    extra = (TRANSITIONAL,) if transitional and {TOBI, KAITAI} & set(applied) else ()
    ctx = _Context(masters, base_date, app, frozenset(applied) | frozenset(extra), transitional)

    _check_unique_ids(technicians)
    cutoff = months_earlier(base_date, EMPLOYMENT_MONTHS)
    rows: list[RosterRow] = []
    excluded: list[Exclusion] = []
    notes: list[KeishinReason] = []
    for i, tech in enumerate(technicians):
        field = f"technicians[{i}]"
        if tech.birth_date > base_date:
            raise KeishinError("invalid_birth_date", f"{tech.name}: born after the base date", f"{field}.birth_date")
        holdings = _holdings(tech, field, ctx, notes)
        # Checked after the holdings so that bad codes are refused even for someone who does not count yet.
        groups = _explicit(tech, holdings, field, ctx) if tech.industry_codes is not None else None
        # 「6か月を超える」: with the first day not counted (民法140条), employment from `cutoff` on completes exactly
        # 6 months at the end of the base date, so only an earlier start exceeds them.
        if not tech.employed_since < cutoff:
            excluded.append(
                Exclusion(
                    tech.technician_id,
                    tech.name,
                    "employed_6_months_or_less",
                    f"employed since {tech.employed_since.isoformat()}: not more than 6 months before "
                    f"the base date {base_date.isoformat()}",
                    {"employed_since": tech.employed_since.isoformat(), "base_date": base_date.isoformat()},
                )
            )
            continue
        if groups is None:
            groups = _optimise(tech, holdings, ctx)
        if not groups:
            excluded.append(
                Exclusion(
                    tech.technician_id,
                    tech.name,
                    "no_points_in_applied_industries",
                    "holds no qualification that counts in the industries applied for",
                )
            )
            continue
        points = _merge(groups)
        rows.append(
            RosterRow(
                serial=len(rows) + 1,
                technician_id=tech.technician_id,
                name=tech.name,
                birth_date=tech.birth_date,
                age=age_on(tech.birth_date, base_date),
                newly_listed=tech.newly_listed,
                groups=groups,
                points=MappingProxyType(points),
                applied_points=_applied_score(points, ctx),
                supervisor_certificate_no=tech.supervisor_certificate_no,
            )
        )
    notes += _inferred_rows(rows, ctx)
    return Roster(base_date, app, applied + extra, tuple(rows), _totals(rows, ctx), tuple(excluded), tuple(notes))


def _inferred_rows(rows: Sequence[RosterRow], ctx: _Context) -> list[KeishinReason]:
    """A code whose table row is INFERRED (its code or cells not confirmed by an official source, e.g. 131/232
    電気通信工事施工管理技士, added after the seed's 2016 table) is labelled as such wherever it earns points, once per
    code, so that the business checks it against the 記載要領 in force before filing (docs/keishin.md §5b)."""
    out: list[KeishinReason] = []
    seen: set[str] = set()
    for row in rows:
        for group in row.groups:
            code = group.qualification_code
            if code in seen:
                continue
            seen.add(code)
            q = ctx.masters.qualification(code, on=ctx.application_date)
            if q.status == "INFERRED":
                out.append(
                    reason(
                        "inferred_code_row",
                        f"{code} {q.name}: the code and points of this row are inferred, not confirmed by an "
                        "official source; check them against the 記載要領 in force before filing",
                        qualification=code,
                        name=q.name,
                    )
                )
    return out


def _check_unique_ids(technicians: Sequence[Technician]) -> None:
    seen: set[str] = set()
    for i, tech in enumerate(technicians):
        if tech.technician_id in seen:
            raise KeishinError(
                "technician_listed_twice",
                f"technician {tech.technician_id} is listed twice",
                f"technicians[{i}].technician_id",
            )
        seen.add(tech.technician_id)


def _industry_set(codes: Iterable[str], field: str, ctx: _Context) -> frozenset[str] | None:
    out = []
    for k, code in enumerate(codes):
        industry = ctx.masters.industry(code, on=ctx.application_date, field=f"{field}[{k}]")
        if industry.kind != "industry":
            raise KeishinError(
                "transitional_not_allowed",
                f"{code} is not an industry a qualification counts in; use 05 and 29",
                f"{field}[{k}]",
            )
        out.append(code)
    return frozenset(out) or None


def _conditions_met(tech: Technician, q_in, ctx: _Context, notes: list[KeishinReason]) -> tuple[bool, bool]:
    """(counts at all, counts without its 解体 credit) under the table's conditions (api/keishin/conditions.py)."""
    cond = load_conditions().get(q_in.code)
    if cond is None:
        return True, False
    if cond.experience_years and cond.experience_from(q_in.acquired_on) > ctx.base_date:
        counts_from = cond.experience_from(q_in.acquired_on).isoformat()
        notes.append(
            reason(
                "needs_experience",
                f"{tech.name}: {q_in.code} needs {cond.experience_years} year(s) of experience after passing "
                f"({q_in.acquired_on.isoformat()}); counts from {counts_from}; not counted",
                name=tech.name,
                qualification=q_in.code,
                years=cond.experience_years,
                passed=q_in.acquired_on.isoformat(),
                counts_from=counts_from,
            )
        )
        return False, False
    if cond.needs_kaitai_evidence(q_in.acquired_on):
        evidence = tech.kaitai_evidence_on
        if evidence is None or evidence > ctx.base_date:
            notes.append(
                reason(
                    "no_kaitai_credit",
                    f"{tech.name}: {q_in.code} not credited in 解体 (29): passed "
                    f"{q_in.acquired_on.isoformat()} without 1 year of 解体 experience or the 登録解体工事講習",
                    name=tech.name,
                    qualification=q_in.code,
                    passed=q_in.acquired_on.isoformat(),
                )
            )
            return True, True
    return True, False


def _holdings(tech: Technician, field: str, ctx: _Context, notes: list[KeishinReason]) -> list[_Holding]:
    held: list[tuple[Qualification, frozenset[str] | None]] = []
    without_kaitai: set[str] = set()
    for j, q_in in enumerate(tech.qualifications):
        qfield = f"{field}.qualifications[{j}]"
        if not ctx.masters.qualification_exists(q_in.code):
            raise KeishinError(
                "unknown_qualification_code", f"qualification code {q_in.code!r} does not exist", f"{qfield}.code"
            )
        allowed = _industry_set(q_in.industry_codes, f"{qfield}.industry_codes", ctx)
        if q_in.acquired_on > ctx.base_date:
            notes.append(
                reason(
                    "acquired_after_base_date",
                    f"{tech.name}: {q_in.code} acquired after the base date; not counted",
                    name=tech.name,
                    qualification=q_in.code,
                )
            )
            continue
        try:
            q = ctx.masters.qualification(q_in.code, on=ctx.application_date)
        except KeishinError as exc:  # a real qualification, just not in this table version: skip, do not refuse
            notes.append(
                reason(
                    "qualification_not_in_force",
                    f"{tech.name}: {exc.message}; not counted",
                    name=tech.name,
                    qualification=q_in.code,
                )
            )
            continue
        if q.industry_rule == "declared" and allowed is None:
            raise KeishinError(
                "declared_industries_required",
                f"qualification {q.code} ({q.name}) counts only in the industries where it is proven: name them",
                f"{qfield}.industry_codes",
            )
        if allowed is not None and not any(q.points_in(c) for c in allowed):
            raise KeishinError(
                "qualification_not_in_industry",
                f"qualification {q.code} counts in none of {sorted(allowed)}",
                f"{qfield}.industry_codes",
            )
        counts, no_kaitai = _conditions_met(tech, q_in, ctx, notes)
        if not counts:
            continue
        if no_kaitai:
            without_kaitai.add(q.code)
        held.append((q, allowed))
    for k, level in enumerate(tech.ccus_levels):
        lfield = f"{field}.ccus_levels[{k}]"
        allowed = _industry_set((level.industry_code,), f"{lfield}.industry_code", ctx)
        if level.level not in (1, 2, 3, 4):
            raise KeishinError("invalid_ccus_level", f"CCUS level must be 1–4, not {level.level}", f"{lfield}.level")
        code = CCUS_LEVEL_CODES.get(level.level)
        if code is None:
            continue
        if level.evaluated_on > ctx.base_date:
            notes.append(
                reason(
                    "level_after_base_date",
                    f"{tech.name}: level {level.level} evaluated after the base date; not counted",
                    name=tech.name,
                    level=level.level,
                )
            )
            continue
        try:
            q = ctx.masters.qualification(code, on=ctx.application_date)
        except KeishinError as exc:  # levels exist before they count in 経審 (2020-04-01): skip with the reason
            notes.append(
                reason(
                    "level_not_yet_counted",
                    f"{tech.name}: CCUS level {level.level}: {exc.message}; not counted",
                    name=tech.name,
                    level=level.level,
                )
            )
            continue
        held.append((q, allowed))
    variant_bases = {q.base_code for q, _ in held if q.base_code}
    return [_Holding(q, allowed, q.code in variant_bases or q.code in without_kaitai) for q, allowed in held]


def _credits(code: str, ctx: _Context) -> tuple[tuple[str, tuple[str, ...]], ...]:
    """(category credited, industries whose points feed it) for one 業種コード."""
    if code == TRANSITIONAL:
        return ((TOBI, (TOBI,)), (KAITAI, (KAITAI,)), (TRANSITIONAL, (TOBI, KAITAI)))
    if code in (TOBI, KAITAI) and ctx.transitional:
        return ((code, (code,)), (TRANSITIONAL, (code,)))
    return ((code, (code,)),)


def _best_group(code: str, holdings: Sequence[_Holding], tech: Technician, ctx: _Context) -> RosterGroup | None:
    """The qualification to write next to `code`: most points in the applied industries, then in all, then the
    base code before its 附則 variant (the seed writes 113 for 01 and 05, 11C only for 29 / 99)."""
    options = []
    for index, h in enumerate(holdings):
        credited = {}
        for category, sources in _credits(code, ctx):
            p = max(h.points(s) for s in sources)
            if p:
                credited[category] = LECTURE_POINTS if tech.supervisor_lecture and p == FIRST_CLASS_POINTS else p
        if credited:
            key = (
                -_applied_score(credited, ctx),
                -sum(credited.values()),
                bool(h.qualification.base_code),
                h.qualification.code,
            )
            options.append((key, index, h.qualification.code, credited))
    if not options:
        return None
    # The holding's position breaks full ties (the same code held twice, e.g. CCUS levels in two industries).
    _, _, q_code, credited = min(options)
    return RosterGroup(code, q_code, LECTURE_POINTS in credited.values(), MappingProxyType(credited))


def _explicit(tech: Technician, holdings: Sequence[_Holding], field: str, ctx: _Context) -> tuple[RosterGroup, ...]:
    codes = tuple(tech.industry_codes or ())
    cfield = f"{field}.industry_codes"
    if len(codes) > MAX_CODES:
        raise KeishinError(
            "too_many_industry_codes",
            f"{tech.name}: {len(codes)} industry codes ({', '.join(codes)}); one technician counts for at most "
            f"{MAX_CODES} (99 covers 05 and 29 during 2016-06-01 → 2019-05-31)",
            cfield,
        )
    if not codes:
        raise KeishinError("no_industry_codes", f"{tech.name}: no industry code chosen", cfield)
    for k, code in enumerate(codes):
        ctx.masters.industry(code, on=ctx.application_date, field=f"{cfield}[{k}]")
        if code in codes[:k]:
            raise KeishinError(
                "duplicate_industry_code", f"{tech.name}: industry {code} chosen twice", f"{cfield}[{k}]"
            )
    if TRANSITIONAL in codes and {TOBI, KAITAI} & set(codes):
        raise KeishinError(
            "redundant_industry_code", f"{tech.name}: 99 already counts for 05 and 29; do not list them with it", cfield
        )
    groups = []
    for k, code in enumerate(codes):
        group = _best_group(code, holdings, tech, ctx)
        if group is None:
            raise KeishinError(
                "no_points_for_industry_code",
                f"{tech.name}: no qualification counting in industry {code} on {ctx.application_date.isoformat()}",
                f"{cfield}[{k}]",
            )
        groups.append(group)
    return tuple(groups)


def _optimise(tech: Technician, holdings: Sequence[_Holding], ctx: _Context) -> tuple[RosterGroup, ...]:
    """Choose the ≤ 2 業種コード that give the business the most points in the industries it applies for.

    The business total is a plain sum of per-technician contributions (nothing caps how many people count in an
    industry), so maximising each technician on his own maximises the business. Per technician the search is
    exhaustive: at most 30 candidate codes, so at most 30 + 435 choices, each scored over ≤ 30 industries. The best
    qualification per code is chosen independently of the other code because two non-redundant codes share at
    most the transitional total, whose points only grow with each code's own best points.
    Ties go to fewer codes, then to real codes over 99, then to the lowest codes, so the output is stable.
    """
    candidates = [c for c in sorted(ctx.applied) if c != TRANSITIONAL]
    if ctx.transitional and TRANSITIONAL in ctx.applied:
        candidates.append(TRANSITIONAL)
    groups = {}
    for code in candidates:
        group = _best_group(code, holdings, tech, ctx)
        if group is not None and _applied_score(group.credited, ctx) > 0:
            groups[code] = group
    best: tuple[tuple[int, int, bool, tuple[str, ...]], tuple[str, ...]] | None = None
    for size in range(1, MAX_CODES + 1):
        for combo in itertools.combinations(sorted(groups), size):
            if TRANSITIONAL in combo and {TOBI, KAITAI} & set(combo):
                continue  # redundant: never better than 99 with another industry, and refused on input
            score = _applied_score(_merge(groups[c] for c in combo), ctx)
            key = (-score, size, TRANSITIONAL in combo, combo)
            if best is None or key < best[0]:
                best = (key, combo)
    return tuple(groups[c] for c in best[1]) if best else ()


def _merge(groups: Iterable[RosterGroup]) -> dict[str, int]:
    points: dict[str, int] = {}
    for group in groups:
        for category, p in group.credited.items():
            points[category] = max(points.get(category, 0), p)
    return points


def _applied_score(points: Mapping[str, int], ctx: _Context) -> int:
    return sum(p for category, p in points.items() if category in ctx.applied)


def _totals(rows: Sequence[RosterRow], ctx: _Context) -> tuple[IndustryTotal, ...]:
    categories = sorted(set(ctx.applied) | {c for row in rows for c in row.points})
    out = []
    for code in categories:
        values = [row.points[code] for row in rows if code in row.points]
        name = ctx.masters.industry(code, on=ctx.application_date).name
        by_points = MappingProxyType(dict(sorted(Counter(values).items(), reverse=True)))
        out.append(IndustryTotal(code, name, code in ctx.applied, len(values), sum(values), by_points))
    return tuple(out)
