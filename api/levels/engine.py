"""Evaluate a technician's skill level (1–4) in one trade, and say what is still missing for the next level.

Counting rules (ccus-facts.md §5):

* Only 詳細型 technicians are evaluated: the qualifications that decide a level are registered only in that tier.
* Work days = the CCUS work records in the trade + the work days an employer's 経歴証明書 certifies for the years
  before CCUS registration, once the operator has approved it (a change application of type prior_experience;
  api/levels/models.PriorExperience). The date of the oldest qualification proves nothing about work done, so it
  no longer counts (issue 18: a qualification added with a back-dated acquired date gave thousands of days);
  ``LevelInputs.oldest_qualification_on`` is ignored and the evidence's ``pre_registration_*`` fields stay 0.
* 職長 / 班長 days count CCUS records only (the pre-registration estimate says nothing about position).
* A qualification counts from its acquired date through its expiry date inclusive.
* Levels are cumulative: level N needs the rows of levels 2..N all met.
"""

from __future__ import annotations

from datetime import date

from api.levels.criteria import Criteria, LevelRow, QualificationGroup
from api.levels.errors import LevelsError
from api.levels.inputs import Evidence, LevelInputs, LevelResult

MAX_LEVEL = 4


def evaluate(*, inputs: LevelInputs, criteria: Criteria, on: date) -> LevelResult:
    if inputs.tier != "detailed":
        return LevelResult(
            inputs.technician_id,
            inputs.trade,
            on,
            False,
            None,
            missing_for_next=("詳細型登録 (能力評価は詳細型の技能者のみ)",),
            reason="simplified_tier",
        )
    version = criteria.select(inputs.trade, on)
    if version is None:
        return LevelResult(inputs.technician_id, inputs.trade, on, False, None, reason="no_criteria")
    _check(inputs)

    held: set[str] = set()
    lapsed: dict[str, date] = {}
    for q in inputs.qualifications:
        if q.acquired_on <= on:
            if q.expires_on is None or on <= q.expires_on:
                held.add(q.code)
            elif q.code not in lapsed or lapsed[q.code] < q.expires_on:
                lapsed[q.code] = q.expires_on
    for code in held:  # a renewed certificate (old one expired, new one valid) is simply held
        lapsed.pop(code, None)

    calendar, pre = 0, 0  # see the module docstring: only a certified 経歴証明書 counts before registration
    counted = inputs.work_days + inputs.certified_prior_days
    lead = inputs.foreman_days + inputs.team_leader_days
    foreman = inputs.foreman_days
    met = []
    for row in version.rows:  # plain loops: this runs 1.75 million times in a nightly batch
        ok = counted >= row.min_work_days and lead >= row.min_lead_days and foreman >= row.min_foreman_days
        if ok:
            for g in row.groups:
                if g.code_set.isdisjoint(held) if g.need == 1 else len(g.code_set & held) < g.need:
                    ok = False
                    break
        met.append(ok)
    level = 1
    for row, ok in zip(version.rows, met):
        if not ok:
            break
        level = row.level
    missing: tuple[str, ...] = ()
    if level < MAX_LEVEL:
        missing = _missing(version.rows[level - 1], counted, lead, inputs.foreman_days, held, lapsed, criteria)

    evidence = Evidence(
        recorded_days=inputs.work_days,
        pre_registration_calendar_days=calendar,
        pre_registration_days=pre,
        certified_prior_days=inputs.certified_prior_days,
        counted_days=counted,
        foreman_days=inputs.foreman_days,
        lead_days=lead,
        qualifications=tuple(sorted(held)),
        expired=tuple(sorted(lapsed)),
        rows_met=tuple(row.level for row, ok in zip(version.rows, met) if ok),
    )
    return LevelResult(inputs.technician_id, inputs.trade, on, True, level, version.criteria_version, evidence, missing)


def _check(inputs: LevelInputs) -> None:
    if min(inputs.work_days, inputs.foreman_days, inputs.team_leader_days, inputs.certified_prior_days) < 0:
        raise LevelsError(
            "negative_days", f"{inputs.technician_id}/{inputs.trade}: day counts cannot be negative", "work_days"
        )
    if inputs.foreman_days + inputs.team_leader_days > inputs.work_days:
        # Position days are a subset of the recorded days; more of them means the aggregation is wrong.
        raise LevelsError(
            "inconsistent_days",
            f"{inputs.technician_id}/{inputs.trade}: foreman + team-leader days "
            f"({inputs.foreman_days + inputs.team_leader_days}) exceed work days ({inputs.work_days})",
            "foreman_days",
        )


def _missing(
    row: LevelRow, counted: int, lead: int, foreman: int, held: set[str], lapsed: dict[str, date], criteria: Criteria
) -> tuple[str, ...]:
    out: list[str] = []
    if counted < row.min_work_days:
        out.append(f"就業日数 あと {row.min_work_days - counted:,} 日")
    if lead < row.min_lead_days:
        out.append(f"職長・班長としての就業日数 あと {row.min_lead_days - lead:,} 日")
    if foreman < row.min_foreman_days:
        out.append(f"職長としての就業日数 あと {row.min_foreman_days - foreman:,} 日")
    for group in row.groups:
        out += _group_missing(group, held, lapsed, criteria)
    return tuple(out)


def _group_missing(
    group: QualificationGroup, held: set[str], lapsed: dict[str, date], criteria: Criteria
) -> tuple[str, ...]:
    mine = group.code_set & held
    if len(mine) >= group.need:
        return ()
    # The wording depends only on which of the group's codes are held or lapsed, and batches repeat the same few
    # combinations, so it is memoised (bounded) instead of rebuilt per technician.
    gone = tuple(sorted((c, lapsed[c]) for c in group.codes if c in lapsed)) if lapsed else ()
    key = (group, frozenset(mine), gone)
    memo = criteria.wording_memo
    found = memo.get(key)
    if found is None:
        found = tuple(_wording(group, mine, dict(gone), criteria))
        if len(memo) < 100_000:
            memo[key] = found
    return found


def _wording(group: QualificationGroup, mine: frozenset[str], lapsed: dict[str, date], criteria: Criteria) -> list[str]:
    def name(code: str) -> str:
        text = criteria.qualification_name(code)
        return f"{text} ({lapsed[code].isoformat()} で期限切れ)" if code in lapsed else text

    absent = [c for c in group.codes if c not in mine]
    if group.kind == "all_of" or len(group.codes) == 1:
        return [name(c) for c in absent]  # each one is needed: one line each
    if group.kind == "any_of":
        return ["次のいずれか: " + " / ".join(name(c) for c in absent)]
    need = group.need - len(mine)
    return [f"次のうち {group.need} つ以上 (あと {need} つ): " + " / ".join(name(c) for c in absent)]
