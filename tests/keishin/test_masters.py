"""The masters are versioned data: a date selects the rows in force."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from api.keishin.errors import KeishinError, MasterDataError
from api.keishin.masters import load_masters

M = load_masters()


def test_29_industries_plus_transitional_99_in_its_window() -> None:
    during = {r.code for r in M.industries_on(date(2017, 1, 1))}
    assert during == {f"{n:02d}" for n in range(1, 30)} | {"99"}
    after = {r.code for r in M.industries_on(date(2019, 6, 1))}
    assert after == {f"{n:02d}" for n in range(1, 30)}
    assert M.industry("99", on=date(2016, 6, 1)).kind == "transitional"
    assert M.industry("99", on=date(2019, 5, 31)).kind == "transitional"


def test_before_the_2016_amendment_there_is_no_kaitai_and_tobi_includes_demolition() -> None:
    before = {r.code for r in M.industries_on(date(2016, 5, 31))}
    assert "29" not in before and "99" not in before and len(before) == 28
    assert "解体" in M.industry("05", on=date(2016, 5, 31)).note
    assert "excluded" in M.industry("05", on=date(2016, 6, 1)).note


def test_names_and_short_names_follow_the_seed_header() -> None:
    # The seed's 別表（四） header minus the PC / 法 / 橋 sub-columns, in 建設業法 別表第一 order.
    header = [
        "土",
        "建",
        "大",
        "左",
        "と",
        "石",
        "屋",
        "電",
        "管",
        "タ",
        "鋼",
        "筋",
        "舗",
        "し",
        "板",
        "ガ",
        "塗",
        "防",
        "内",
        "機",
        "絶",
        "通",
        "園",
        "井",
        "具",
        "水",
        "消",
        "清",
        "解",
    ]
    rows = [r for r in M.industries_on(date(2017, 1, 1)) if r.kind == "industry"]
    assert [r.short_name for r in sorted(rows, key=lambda r: r.code)] == header
    assert M.industry("29", on=date(2017, 1, 1)).name == "解体工事"


def test_completed_works_codes_confirmed_by_the_seed() -> None:
    on = date(2016, 6, 15)
    assert M.works_code("050", on=on).industry_code == "05"
    assert M.works_code("051", on=on).parent_code == "050"
    assert M.works_code("290", on=on).industry_code == "29"
    transitional = M.works_code("300", on=on)
    assert transitional.kind == "transitional"
    assert (transitional.valid_from, transitional.valid_to) == (date(2016, 6, 1), date(2019, 5, 31))
    every_industry = {w.industry_code for w in M.works_codes_on(on) if w.kind == "industry"}
    assert every_industry == {f"{n:02d}" for n in range(1, 30)}


def test_300_and_290_outside_their_windows_are_refused_with_the_window() -> None:
    with pytest.raises(KeishinError) as exc:
        M.works_code("300", on=date(2019, 6, 1))
    assert exc.value.code == "works_code_not_in_force"
    assert "2016-06-01 → 2019-05-31" in exc.value.message
    with pytest.raises(KeishinError) as exc:
        M.works_code("290", on=date(2016, 5, 31))
    assert exc.value.code == "works_code_not_in_force"


def test_unknown_codes_are_refused_with_the_field() -> None:
    with pytest.raises(KeishinError) as exc:
        M.industry("30", on=date(2017, 1, 1), field="applied_industries[0]")
    assert (exc.value.code, exc.value.field) == ("unknown_industry_code", "applied_industries[0]")
    with pytest.raises(KeishinError) as exc:
        M.qualification("999", on=date(2017, 1, 1))
    assert exc.value.code == "unknown_qualification_code"


def test_qualification_versions_by_date() -> None:
    # 附則第4条 codes count for 解体 only until 2021-03-31 (seed p.10: 平成33年3月31日までの間).
    assert M.qualification("11C", on=date(2021, 3, 31)).points_in("29") == 5
    assert M.qualification("11C", on=date(2021, 4, 1)).points_in("29") == 0
    assert M.qualification("11C", on=date(2021, 4, 1)).points_in("01") == 5
    # CCUS levels count from 2020-04-01: level 4 = 704 = 3 points, level 3 = 703 = 2 points.
    with pytest.raises(KeishinError) as exc:
        M.qualification("704", on=date(2020, 3, 31))
    assert exc.value.code == "qualification_code_not_in_force"
    assert set(M.qualification("704", on=date(2020, 4, 1)).points.values()) == {3}
    assert set(M.qualification("703", on=date(2020, 4, 1)).points.values()) == {2}


def test_broken_master_files_are_a_data_error_not_a_user_error(tmp_path: Path) -> None:
    from api.keishin.masters import DATA_DIR

    for name in ("industries.csv", "completed_works_codes.csv", "qualifications.csv"):
        (tmp_path / name).write_text((DATA_DIR / name).read_text(encoding="utf-8"), encoding="utf-8")
    text = (tmp_path / "industries.csv").read_text(encoding="utf-8")
    # A second version of 99 overlapping the first would make a lookup ambiguous.
    (tmp_path / "industries.csv").write_text(text + "99,2019-01-01,,重複,経,transitional,VERIFIED,\n", encoding="utf-8")
    with pytest.raises(MasterDataError, match="overlap"):
        load_masters.__wrapped__(tmp_path)
