"""W1⑩: CCUS used on every directly contracted site without 直接入力."""

from __future__ import annotations

from datetime import date

import pytest

from api.keishin.errors import KeishinError
from api.keishin.w1 import DirectSite, Exemption, w1_ccus_points

BASE = date(2024, 3, 31)


def site(
    name: str, *, public: bool, registered: bool = True, direct: bool = False, exemption: Exemption | None = None
) -> DirectSite:
    """`direct`: the site's work was recorded by 直接入力 only (no reader, kiosk or private system in use)."""
    return DirectSite(f"id-{name}", name, public, registered, not direct, exemption)


def test_all_works_public_and_private_give_15() -> None:
    result = w1_ccus_points(
        base_date=BASE, sites=[site("市道", public=True), site("倉庫", public=False)], pledge_submitted=True
    )
    assert (result.points, result.considered) == (15, 2)


def test_all_public_works_but_a_private_one_with_direct_input_give_10() -> None:
    sites = [site("市道", public=True), site("倉庫", public=False, direct=True)]
    result = w1_ccus_points(base_date=BASE, sites=sites, pledge_submitted=True)
    assert result.points == 10
    assert ("w1_site_direct_only", {"site": "倉庫"}) in [(r.code, r.params) for r in result.reasons]
    assert "倉庫: no card reader, face kiosk or private system in use on the site (直接入力 only)" in [
        r.text for r in result.reasons
    ]


def test_a_public_work_not_registered_gives_0() -> None:
    result = w1_ccus_points(
        base_date=BASE,
        sites=[site("市道", public=True, registered=False), site("倉庫", public=False)],
        pledge_submitted=True,
    )
    assert result.points == 0
    assert ("w1_site_not_registered", {"site": "市道"}) in [(r.code, r.params) for r in result.reasons]


def test_private_only_business_with_a_failing_site_gets_nothing_from_the_public_test() -> None:
    result = w1_ccus_points(base_date=BASE, sites=[site("倉庫", public=False, direct=True)], pledge_submitted=True)
    assert result.points == 0


def test_without_the_pledge_there_are_no_points() -> None:
    result = w1_ccus_points(base_date=BASE, sites=[site("市道", public=True)], pledge_submitted=False)
    assert result.points == 0 and result.reasons[-1].code == "w1_no_pledge"


def test_exempt_works_are_left_out_and_no_remaining_work_gives_0() -> None:
    sites = [site("海外", public=True, direct=True, exemption="overseas"), site("市道", public=True)]
    assert w1_ccus_points(base_date=BASE, sites=sites, pledge_submitted=True).points == 15
    only_exempt = w1_ccus_points(base_date=BASE, sites=sites[:1], pledge_submitted=True)
    assert only_exempt.points == 0 and [(r.code, r.params) for r in only_exempt.reasons] == [
        ("w1_exempt", {"site": "海外", "exemption": "overseas"}),
        ("w1_no_direct_work", {}),
    ]


def test_before_2023_08_14_the_item_does_not_exist() -> None:
    result = w1_ccus_points(base_date=date(2023, 8, 13), sites=[site("市道", public=True)], pledge_submitted=True)
    assert result.points == 0
    assert [(r.code, r.params) for r in result.reasons] == [("w1_not_yet", {"start": "2023-08-14"})]
    first_day = w1_ccus_points(base_date=date(2023, 8, 14), sites=[site("市道", public=True)], pledge_submitted=True)
    assert first_day.points == 15


def test_unknown_exemption_is_refused() -> None:
    with pytest.raises(KeishinError) as exc:
        bad = site("x", public=True, exemption="holiday")  # type: ignore[arg-type]
        w1_ccus_points(base_date=BASE, sites=[bad], pledge_submitted=True)
    assert (exc.value.code, exc.value.field) == ("invalid_exemption", "sites[0].exemption")


def test_base_dates_where_the_announced_revision_may_apply_are_labelled_provisional() -> None:
    """The 2026 revision (W1⑩ 5 points lower, 自主宣言 points) has no published scale: the 2023 scale is kept, never
    silently — the result says it is provisional, why, and where the announcement is."""
    sites = [site("市道", public=True), site("倉庫", public=False)]
    before = w1_ccus_points(base_date=date(2026, 6, 30), sites=sites, pledge_submitted=True)
    after = w1_ccus_points(base_date=date(2026, 7, 1), sites=sites, pledge_submitted=True)
    assert (before.points, before.provisional) == (15, False)
    assert "w1_scale_unconfirmed" not in [r.code for r in before.reasons]
    assert (after.points, after.provisional) == (15, True)
    assert after.reasons[-1].code == "w1_scale_unconfirmed"
    assert after.reasons[-1].params == {"since": "2026-07-01", "source": "https://www.iwato-office.com/post-1760"}
    # Zero points are provisional too: the new scale may change what earns points at all.
    none = w1_ccus_points(base_date=date(2026, 12, 1), sites=sites, pledge_submitted=False)
    assert none.points == 0 and none.provisional and none.reasons[-1].code == "w1_scale_unconfirmed"
