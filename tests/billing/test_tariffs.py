"""The CCUS fee table. Expected amounts are typed in from the sources (ccus-facts §1, ccus.jp announce20201001full)."""

from __future__ import annotations

import datetime as dt

import pytest

from api.fees.tariffs import (
    CAPITAL_BANDS,
    TariffError,
    business_registration_fee,
    capital_band,
    carry_forward_threshold,
    fee,
    parse_tariff_csv,
    tariff_row,
    tariff_rows,
)

OLD = dt.date(2020, 9, 30)  # last day of the 2019 prices
NEW = dt.date(2020, 10, 1)  # 2020-10 revision
BEFORE_TWO_STAGE = dt.date(2021, 3, 31)
TWO_STAGE = dt.date(2021, 4, 1)  # 簡略型 / 詳細型


# --- business registration -----------------------------------------------------------------------------------------


def test_capital_exactly_ten_million_is_in_the_10m_to_20m_band_at_both_prices() -> None:
    # 「1,000万円以上2,000万円未満 新料金 24,000円 旧料金 12,000円」 (ccus.jp announce20201001full)
    assert business_registration_fee(capital_yen=10_000_000, sole_proprietor=False, on=OLD) == 12_000
    assert business_registration_fee(capital_yen=10_000_000, sole_proprietor=False, on=NEW) == 24_000


@pytest.mark.parametrize(
    ("capital", "new_fee"),
    [
        (0, 6_000),
        (4_999_999, 6_000),
        (5_000_000, 12_000),
        (9_999_999, 12_000),
        (19_999_999, 24_000),
        (20_000_000, 48_000),
        (49_999_999, 48_000),
        (50_000_000, 60_000),
        (99_999_999, 60_000),
        (100_000_000, 120_000),
        (299_999_999, 120_000),
        (300_000_000, 240_000),  # one blog prints 120,000 here; two others and the doubling rule say 240,000
        (999_999_999, 240_000),
        (1_000_000_000, 480_000),
        (4_999_999_999, 480_000),
        (5_000_000_000, 600_000),
        (10_000_000_000, 1_200_000),
        (49_999_999_999, 1_200_000),
        (50_000_000_000, 2_400_000),
        (3_000_000_000_000, 2_400_000),
    ],
)
def test_band_edges_from_2020_10(capital: int, new_fee: int) -> None:
    assert business_registration_fee(capital_yen=capital, sole_proprietor=False, on=NEW) == new_fee


@pytest.mark.parametrize(
    ("capital", "old_fee"),
    [(4_999_999, 3_000), (5_000_000, 6_000), (19_999_999, 12_000), (20_000_000, 24_000), (50_000_000_000, 1_200_000)],
)
def test_sourced_old_prices(capital: int, old_fee: int) -> None:
    assert business_registration_fee(capital_yen=capital, sole_proprietor=False, on=OLD) == old_fee


def test_old_prices_are_half_of_new_for_every_band() -> None:
    for band in CAPITAL_BANDS:
        old = business_registration_fee(capital_yen=band.min_yen, sole_proprietor=False, on=OLD)
        new = business_registration_fee(capital_yen=band.min_yen, sole_proprietor=False, on=NEW)
        assert new == 2 * old, band.code


def test_sole_proprietor_pays_nothing_before_and_after() -> None:
    for day in (dt.date(2019, 4, 1), OLD, NEW, dt.date(2026, 1, 1)):
        assert business_registration_fee(capital_yen=None, sole_proprietor=True, on=day) == 0


def test_individual_proprietor_that_is_not_a_sole_proprietor() -> None:
    # 「一人親方以外の個人事業主 6,000円 3,000円」
    assert business_registration_fee(capital_yen=None, sole_proprietor=False, on=OLD) == 3_000
    assert business_registration_fee(capital_yen=None, sole_proprietor=False, on=NEW) == 6_000


def test_capital_band_codes() -> None:
    assert capital_band(capital_yen=10_000_000, sole_proprietor=False) == "10m_to_20m"
    assert capital_band(capital_yen=9_999_999, sole_proprietor=False) == "5m_to_10m"
    assert capital_band(capital_yen=None, sole_proprietor=False) == "individual"
    assert capital_band(capital_yen=None, sole_proprietor=True) == "sole_proprietor"


@pytest.mark.parametrize(("capital", "sole"), [(-1, False), (1_000_000, True), (True, False), (10_000_000.0, False)])
def test_impossible_capital_is_refused(capital: object, sole: bool) -> None:
    with pytest.raises(TariffError) as err:
        capital_band(capital_yen=capital, sole_proprietor=sole)  # type: ignore[arg-type]
    assert err.value.code == "invalid_conditions"


# --- technician fees -------------------------------------------------------------------------------------------------


def test_technician_registration_one_price_until_two_stage_registration() -> None:
    # paid by 2021-03-31 → treated as 詳細型 at the old price (nittoso.or.jp/763)
    assert fee(fee_type="technician_registration", on=BEFORE_TWO_STAGE, tier="detailed") == 2_500
    assert fee(fee_type="technician_registration", on=BEFORE_TWO_STAGE, tier="simplified") == 2_500
    assert fee(fee_type="technician_registration", on=TWO_STAGE, tier="simplified") == 2_500
    assert fee(fee_type="technician_registration", on=TWO_STAGE, tier="detailed") == 4_900


def test_upgrade_is_the_difference_and_did_not_exist_before_two_stage() -> None:
    upgrade = fee(fee_type="technician_upgrade", on=TWO_STAGE)
    assert upgrade == 2_400
    detailed = fee(fee_type="technician_registration", on=TWO_STAGE, tier="detailed")
    assert upgrade == detailed - fee(fee_type="technician_registration", on=TWO_STAGE, tier="simplified")
    with pytest.raises(TariffError) as err:
        fee(fee_type="technician_upgrade", on=BEFORE_TWO_STAGE)
    assert err.value.code == "no_tariff_for_date"


def test_card_reissue() -> None:
    assert fee(fee_type="card_reissue", on=dt.date(2019, 6, 1)) == 1_000
    assert fee(fee_type="card_reissue", on=dt.date(2026, 6, 1)) == 1_000


# --- usage fees ------------------------------------------------------------------------------------------------------


def test_admin_id_fee_across_the_revision() -> None:
    assert fee(fee_type="admin_id", on=OLD, sole_proprietor=False) == 2_400
    assert fee(fee_type="admin_id", on=OLD, sole_proprietor=True) == 2_400
    assert fee(fee_type="admin_id", on=NEW, sole_proprietor=False) == 11_400
    assert fee(fee_type="admin_id", on=NEW, sole_proprietor=True) == 2_400


def test_site_manager_id_is_free() -> None:
    assert fee(fee_type="site_manager_id", on=OLD) == 0
    assert fee(fee_type="site_manager_id", on=NEW) == 0


def test_site_usage_per_work_record() -> None:
    # senmonshi's worked example at the old price: 3円×20人×50日=3,000円
    assert fee(fee_type="site_usage", on=dt.date(2020, 1, 15)) * 20 * 50 == 3_000
    assert fee(fee_type="site_usage", on=OLD) == 3
    assert fee(fee_type="site_usage", on=NEW) == 10


def test_carry_forward_threshold_follows_the_usage_month() -> None:
    # 1,500 → 10,000 yen 「2023年5月請求分(2023年4月利用分)より」 (miyagi-ccus news9)
    assert carry_forward_threshold(usage_month=dt.date(2023, 3, 1)) == 1_500
    assert carry_forward_threshold(usage_month=dt.date(2023, 4, 1)) == 10_000
    assert carry_forward_threshold(usage_month=dt.date(2023, 4, 30)) == 10_000


@pytest.mark.parametrize(
    ("day", "member", "expected"),
    [
        (dt.date(2020, 4, 1), True, 4_000),  # MLIT system: 3,000 判定 + 1,000 card
        (dt.date(2021, 6, 15), False, 4_000),
        (dt.date(2022, 5, 1), True, 4_000),
        (dt.date(2022, 5, 1), False, 4_500),
        (dt.date(2025, 8, 1), True, 0),  # time-limited fee holiday
        (dt.date(2026, 3, 31), False, 0),
        (dt.date(2026, 4, 1), True, 4_000),
    ],
)
def test_level_evaluation(day: dt.date, member: bool, expected: int) -> None:
    assert fee(fee_type="level_evaluation", on=day, member=member) == expected


def test_level_evaluation_gap_while_no_body_accepted_applications() -> None:
    with pytest.raises(TariffError) as err:
        fee(fee_type="level_evaluation", on=dt.date(2021, 7, 1))
    assert err.value.code == "no_tariff_for_date"


# --- errors and the table ---------------------------------------------------------------------------------------


def test_date_before_any_tariff() -> None:
    with pytest.raises(TariffError) as err:
        business_registration_fee(capital_yen=1, sole_proprietor=False, on=dt.date(2019, 3, 31))
    assert err.value.code == "no_tariff_for_date"


def test_unknown_fee_type() -> None:
    with pytest.raises(TariffError) as err:
        fee(fee_type="parking", on=NEW)
    assert err.value.code == "unknown_fee_type"
    assert isinstance(err.value, Exception)


@pytest.mark.parametrize(
    ("fee_type", "conditions"),
    [
        ("technician_registration", {}),
        ("technician_registration", {"tier": "gold"}),
        ("card_reissue", {"tier": "detailed"}),
        ("admin_id", {}),
        ("admin_id", {"sole_proprietor": "yes"}),
        ("business_registration", {"capital_yen": 1}),
    ],
)
def test_wrong_conditions(fee_type: str, conditions: dict[str, object]) -> None:
    with pytest.raises(TariffError) as err:
        fee(fee_type=fee_type, on=NEW, **conditions)
    assert err.value.code == "invalid_conditions"


def test_a_datetime_is_not_an_event_date() -> None:
    with pytest.raises(TariffError) as err:
        fee(fee_type="site_usage", on=dt.datetime(2020, 10, 1, 9, 0))
    assert err.value.code == "invalid_date"


def test_tariff_row_names_its_version() -> None:
    row = tariff_row(fee_type="site_usage", on=NEW)
    assert (row.amount_yen, row.valid_from, row.valid_to) == (10, NEW, None)
    assert tariff_row(fee_type="site_usage", on=OLD).valid_to == OLD


@pytest.mark.parametrize("day", [OLD, NEW, dt.date(2026, 11, 1)])
def test_tariff_rows_show_one_price_per_band(day: dt.date) -> None:
    rows = [r for r in tariff_rows(on=day) if r.fee_type == "business_registration"]
    variants = [r.variant for r in rows]
    expected = {b.code for b in CAPITAL_BANDS} | {"sole_proprietor", "individual"}
    assert sorted(variants) == sorted(expected)


def test_tariff_rows_switch_prices_at_the_revision() -> None:
    old = {(r.fee_type, r.variant): r.amount_yen for r in tariff_rows(on=OLD)}
    new = {(r.fee_type, r.variant): r.amount_yen for r in tariff_rows(on=NEW)}
    assert old[("site_usage", "any")] == 3 and new[("site_usage", "any")] == 10
    assert ("admin_id", "standard") not in old and new[("admin_id", "standard")] == 11_400
    assert all(r.source for r in tariff_rows(on=NEW))


HEADER = "fee_type,variant,label_ja,unit,amount_yen,valid_from,valid_to,source\n"


@pytest.mark.parametrize(
    "body",
    [
        # same variant, overlapping periods
        "x,any,l,u,1,2020-01-01,2020-12-31,s\nx,any,l,u,2,2020-06-01,,s\n",
        # an "any" row next to a specific one would give two prices
        "x,any,l,u,1,2020-01-01,,s\nx,big,l,u,2,2021-01-01,,s\n",
        "x,any,l,u,-1,2020-01-01,,s\n",
        "x,any,l,u,1,2020-01-01,2019-01-01,s\n",
        "x,any,l,u,1.5,2020-01-01,,s\n",
    ],
)
def test_bad_tariff_data_is_refused(body: str) -> None:
    with pytest.raises(TariffError) as err:
        parse_tariff_csv(HEADER + body)
    assert err.value.code == "bad_tariff_data"


def test_consecutive_versions_are_fine() -> None:
    rows = parse_tariff_csv(HEADER + "x,any,l,u,1,2020-01-01,2020-09-30,s\nx,any,l,u,2,2020-10-01,,s\n")
    assert [r.amount_yen for r in rows] == [1, 2]
