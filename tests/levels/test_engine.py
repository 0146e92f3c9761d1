"""Level boundaries, cumulative levels, what is missing for the next level, pre-registration experience."""

from __future__ import annotations

from datetime import date

import pytest

from api.levels import LevelsError, evaluate, load_criteria

from .helpers import ON, held, tech

CRITERIA = load_criteria()


def level_of(inputs, on=ON):
    return evaluate(inputs=inputs, criteria=CRITERIA, on=on)


# --- 鉄筋 (05-01) ----------------------------------------------------------------------------------------------------


def test_rebar_645_days_with_tamakake_is_level_2() -> None:
    r = level_of(tech("05-01", 645, quals=held("T01")))
    assert (r.evaluated, r.level, r.criteria_version) == (True, 2, "rebar-2019-10-08")
    assert r.evidence.counted_days == 645


def test_rebar_644_days_is_level_1_and_says_one_day_is_missing() -> None:
    r = level_of(tech("05-01", 644, quals=held("T01")))
    assert r.level == 1
    assert r.missing_for_next == ("就業日数 あと 1 日",)


def test_rebar_without_tamakake_stays_level_1_and_names_the_course() -> None:
    r = level_of(tech("05-01", 2000))
    assert r.level == 1
    assert r.missing_for_next == ("玉掛け技能講習",)


def test_expired_qualification_does_not_count_and_is_named_as_expired() -> None:
    r = level_of(tech("05-01", 700, quals=held("T01", expires_on=date(2024, 3, 31))))
    assert r.level == 1
    assert r.evidence.expired == ("T01",)
    assert r.missing_for_next == ("玉掛け技能講習 (2024-03-31 で期限切れ)",)
    # valid through its expiry day
    assert level_of(tech("05-01", 700, quals=held("T01", expires_on=ON))).level == 2


def test_qualification_acquired_after_the_evaluation_date_does_not_count() -> None:
    assert level_of(tech("05-01", 700, quals=held("T01", acquired_on=date(2025, 4, 2)))).level == 1


def test_renewed_certificate_counts_even_with_an_expired_older_copy() -> None:
    quals = held("T01", expires_on=date(2020, 1, 1)) + held("T01", acquired_on=date(2020, 1, 2))
    r = level_of(tech("05-01", 700, quals=quals))
    assert r.level == 2 and r.evidence.expired == ()


def test_rebar_level_3_needs_645_foreman_plus_team_leader_days() -> None:
    quals = held("T01", "182")
    assert level_of(tech("05-01", 1505, foreman=300, team_leader=345, quals=quals)).level == 3
    r = level_of(tech("05-01", 1505, foreman=300, team_leader=344, quals=quals))
    assert r.level == 2
    assert r.missing_for_next == ("職長・班長としての就業日数 あと 1 日",)


def test_missing_for_next_lists_every_gap_with_numbers() -> None:
    r = level_of(tech("05-01", 1193, foreman=100, team_leader=45, quals=held("T01")))
    assert r.level == 2
    assert r.missing_for_next == (
        "就業日数 あと 312 日",
        "職長・班長としての就業日数 あと 500 日",
        "1級鉄筋施工技能士(鉄筋組立て又は鉄筋施工図作成)",
    )


def test_rebar_level_4_needs_645_foreman_days_not_team_leader_days() -> None:
    quals = held("T01", "182", "K01")
    r = level_of(tech("05-01", 2150, foreman=645, quals=quals))
    assert (r.level, r.missing_for_next) == (4, ())
    r = level_of(tech("05-01", 2150, foreman=644, team_leader=1000, quals=quals))
    assert r.level == 3
    assert r.missing_for_next == ("職長としての就業日数 あと 1 日",)


def test_level_4_any_of_lists_the_alternatives() -> None:
    r = level_of(tech("05-01", 2150, foreman=645, quals=held("T01", "182")))
    assert r.level == 3
    assert r.missing_for_next == (
        "次のいずれか: 登録鉄筋基幹技能者 / 国土交通大臣顕彰(建設マスター) / 厚生労働大臣安全優良職長顕彰 / "
        "卓越した技能者(現代の名工)",
    )
    assert level_of(tech("05-01", 2150, foreman=645, quals=held("T01", "182", "A03"))).level == 4


def test_levels_are_cumulative() -> None:
    # Everything for level 4 except the level-2 course: still level 1.
    r = level_of(tech("05-01", 3000, foreman=1000, quals=held("182", "K01")))
    assert r.level == 1
    assert r.evidence.rows_met == (3, 4)
    assert r.missing_for_next == ("玉掛け技能講習",)


# --- 建築大工 (02-01) and 硝子 (16-01) --------------------------------------------------------------------------------


def test_carpentry_level_2_needs_circular_saw_and_one_scaffold_course() -> None:
    r = level_of(tech("02-01", 645, quals=held("T02")))
    assert r.level == 1
    assert r.missing_for_next == ("次のいずれか: 足場の組立て等特別教育 / 足場の組立て等作業主任者技能講習",)
    assert level_of(tech("02-01", 645, quals=held("T02", "T03"))).level == 2
    assert level_of(tech("02-01", 645, quals=held("T02", "T04"))).level == 2


def test_carpentry_level_3_needs_two_of_the_list_and_108_lead_days() -> None:
    base = held("T02", "T03", "171")
    r = level_of(tech("02-01", 1505, foreman=108, quals=base))
    assert r.level == 2
    assert len(r.missing_for_next) == 1
    assert r.missing_for_next[0].startswith("次のうち 2 つ以上 (あと 1 つ): 2級建築大工技能士 / 枠組壁建築技能士")
    assert "1級建築大工技能士" not in r.missing_for_next[0]  # already held
    assert level_of(tech("02-01", 1505, foreman=60, team_leader=48, quals=base + held("238"))).level == 3
    r = level_of(tech("02-01", 1505, foreman=107, quals=base + held("238")))
    assert r.missing_for_next == ("職長・班長としての就業日数 あと 1 日",)


def test_glazing_level_3_at_1075_days_with_foreman_course() -> None:
    quals = held("T01", "187", "T05")
    assert level_of(tech("16-01", 1075, foreman=645, quals=quals)).level == 3
    r = level_of(tech("16-01", 1074, foreman=645, quals=held("T01", "187")))
    assert r.level == 2
    assert r.missing_for_next == ("就業日数 あと 1 日", "職長・安全衛生責任者教育")


def test_glazing_level_2_any_of_four() -> None:
    assert level_of(tech("16-01", 645, quals=held("T09"))).level == 2
    r = level_of(tech("16-01", 645))
    assert r.missing_for_next == (
        "次のいずれか: 2級ガラス施工技能士 / 高所作業車運転技能講習 / "
        "足場の組立て等作業主任者技能講習 / 玉掛け技能講習",
    )


# --- default, tiers, dates -------------------------------------------------------------------------------------------


def test_trade_without_own_criteria_uses_the_documented_default() -> None:
    r = level_of(tech("06-01", 645))
    assert (r.level, r.criteria_version) == (2, "default-2019-04-01")
    r = level_of(tech("13-01", 1505, foreman=215))
    assert r.level == 2 and r.missing_for_next == ("職長・安全衛生責任者教育",)


def test_simplified_tier_is_not_evaluated() -> None:
    r = level_of(tech("05-01", 3000, foreman=1000, quals=held("T01", "182", "K01"), tier="simplified"))
    assert (r.evaluated, r.level, r.reason, r.criteria_version) == (False, None, "simplified_tier", None)
    assert r.missing_for_next == ("詳細型登録 (能力評価は詳細型の技能者のみ)",)


def test_trade_with_own_criteria_is_not_judged_by_the_default_before_its_certification() -> None:
    r = level_of(tech("05-01", 700, quals=held("T01")), on=date(2019, 10, 7))
    assert (r.evaluated, r.reason) == (False, "no_criteria")
    assert level_of(tech("05-01", 700, quals=held("T01")), on=date(2019, 10, 8)).level == 2


def test_inconsistent_position_days_are_refused() -> None:
    with pytest.raises(LevelsError) as err:
        level_of(tech("05-01", 100, foreman=80, team_leader=21))
    assert err.value.code == "inconsistent_days"
    with pytest.raises(LevelsError):
        level_of(tech("05-01", -1))


# --- pre-registration experience ------------------------------------------------------------------------------------


def test_the_oldest_qualification_date_is_no_experience() -> None:
    # Issue 18: a qualification back-dated to 2017 gave 645 "pre-registration" days. It proves no work: nothing counts.
    r = level_of(
        tech(
            "05-01",
            0,
            quals=held("T01", acquired_on=date(2017, 4, 2)),
            oldest=date(2017, 4, 2),
            registered_on=date(2020, 4, 1),
        )
    )
    assert r.level == 1
    assert (r.evidence.pre_registration_days, r.evidence.counted_days) == (0, 0)


def test_certified_prior_days_add_to_recorded_days() -> None:
    # An approved 経歴証明書 (500 days) plus 100 recorded days: 600, 45 short of level 2's 645.
    r = level_of(
        tech("05-01", 100, quals=held("T01"), oldest=date(2010, 4, 1), registered_on=date(2020, 4, 1), certified=500)
    )
    assert r.evidence.certified_prior_days == 500
    assert r.evidence.counted_days == 600
    assert r.missing_for_next == ("就業日数 あと 45 日",)
    r = level_of(tech("05-01", 145, quals=held("T01"), registered_on=date(2020, 4, 1), certified=500))
    assert r.level == 2
