"""建退共 monthly work-day calendar (seed 000 item No.85)."""

from __future__ import annotations

import csv
import io
from datetime import date

import pytest

from api.reports import Party, ReportError, WorkDay, calendar_csv, monthly_calendar
from api.reports.kentaikyo import COLUMNS

TECHS = {"T1": Party("T1", "山田 太郎", "1234567890"), "T2": Party("T2", "佐藤 花子")}
SITES = {"S1": Party("S1", "〇〇ビル新築工事"), "S2": Party("S2", "△△邸改修工事")}
EMPLOYERS = {"E1": Party("E1", "下請鉄筋工業", "K-0001"), "E2": Party("E2", "孫請工業")}


def rows_of(data: bytes, codec: str = "utf-8-sig") -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(data.decode(codec), newline="")))


def make(records, year=2024, month=2):
    return monthly_calendar(
        year=year, month=month, records=records, technicians=TECHS, sites=SITES, employers=EMPLOYERS
    )


def test_one_per_work_day_per_technician_site_employer() -> None:
    records = [WorkDay("T1", "S1", "E1", date(2024, 2, d)) for d in (1, 2, 2, 5, 29)]  # the 2nd twice
    records += [WorkDay("T1", "S2", "E1", date(2024, 2, 6)), WorkDay("T2", "S1", "E2", date(2024, 2, 1))]
    rows = rows_of(calendar_csv(make(records)).data)
    assert len(rows) == 3
    first = rows[0]
    assert (first["対象年月"], first["事業者ID"], first["現場ID"], first["技能者ID"]) == ("2024-02", "E1", "S1", "T1")
    assert (first["共済契約者番号"], first["被共済者番号"]) == ("K-0001", "1234567890")
    assert [d for d in range(1, 32) if first[str(d)] == "1"] == [1, 2, 5, 29]
    assert first["就労日数"] == "4"
    assert first["30"] == first["31"] == ""  # February 2024 has 29 days
    assert [r["就労日数"] for r in rows[1:]] == ["1", "1"]


def test_columns_are_days_1_to_31_and_the_total() -> None:
    assert COLUMNS[9:] == tuple(str(d) for d in range(1, 32)) + ("就労日数",)


def test_two_sites_on_one_day_is_one_day() -> None:
    """建退共 pays one day per person per day: the day is on the row of the site entered first, and warned."""
    from datetime import datetime

    cal = make(
        [
            WorkDay("T1", "S1", "E1", date(2024, 2, 7), datetime(2024, 2, 7, 13, 0)),
            WorkDay("T1", "S2", "E1", date(2024, 2, 7), datetime(2024, 2, 7, 8, 0)),
            WorkDay("T1", "S1", "E1", date(2024, 2, 8), datetime(2024, 2, 8, 8, 0)),
        ]
    )
    assert [(r.site.id, sorted(r.days), r.total) for r in cal.rows] == [("S1", [8], 1), ("S2", [7], 1)]
    assert sum(r.total for r in cal.rows) == 2  # two distinct dates
    assert any("2024-02-07" in w and "2 現場" in w and "S2" in w for w in cal.warnings)


def test_missing_kentaikyo_numbers_are_warned() -> None:
    cal = make([WorkDay("T2", "S1", "E2", date(2024, 2, 1))])
    assert "事業者 孫請工業 (E2): 共済契約者番号が未登録です" in cal.warnings
    assert "技能者 佐藤 花子 (T2): 被共済者番号が未登録です" in cal.warnings


def test_records_outside_the_month_or_unknown_ids_are_refused() -> None:
    with pytest.raises(ReportError) as err:
        make([WorkDay("T1", "S1", "E1", date(2024, 3, 1))])
    assert err.value.code == "outside_month"
    with pytest.raises(ReportError) as err:
        make([WorkDay("T9", "S1", "E1", date(2024, 2, 1))])
    assert err.value.code == "unknown_technician"


def test_calendar_csv_in_shift_jis() -> None:
    cal = make([WorkDay("T1", "S2", "E1", date(2024, 2, 3))])
    assert rows_of(calendar_csv(cal, encoding="shift_jis").data, "cp932") == rows_of(calendar_csv(cal).data)


def test_empty_month_gives_a_header_only_file() -> None:
    data = calendar_csv(make([])).data
    assert data.decode("utf-8-sig").count("\r\n") == 1
