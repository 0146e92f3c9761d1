"""所属技能者一覧 and 所属技能者統計情報 for one business, showing levels and residence status (seed 000 No.83/84).

The list has fixed columns — up to four trades (the CCUS maximum), each with its level — so Excel can filter and
pivot it. The statistics CSV is "long" (集計, 項目, 区分, 人数) with every category present even at zero, so the same
pivot keeps working month after month.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from api.reports import labels
from api.reports.csvout import CsvFile, Encoding, Unencodable, write_csv
from api.pdf import Section, build_pdf

MAX_TRADES = 4
LIST_COLUMNS = (
    "技能者ID",
    "氏名",
    "フリガナ",
    "生年月日",
    "年齢",
    "国籍",
    "登録区分",
    *[c for k in range(1, MAX_TRADES + 1) for c in (f"職種{k}", f"レベル{k}")],
    "最高レベル",
    "在留資格",
    "在留期間満了日",
    "在留期間残日数",
    "カード有効期限",
    "建退共",
)
STAT_COLUMNS = ("集計", "項目", "区分", "人数")
AGE_BANDS = (
    (0, 19, "19歳以下"),
    (20, 29, "20〜29歳"),
    (30, 39, "30〜39歳"),
    (40, 49, "40〜49歳"),
    (50, 59, "50〜59歳"),
    (60, 64, "60〜64歳"),
    (65, 200, "65歳以上"),
)
LEVEL_CATEGORIES = ("レベル1", "レベル2", "レベル3", "レベル4", labels.NOT_EVALUATED)


@dataclass(frozen=True, slots=True)
class TradeLevel:
    trade: str  # display name
    level: int | None  # None = not evaluated (簡略型, or no criteria)


@dataclass(frozen=True, slots=True)
class BusinessTechnician:
    technician_id: str
    name: str
    kana: str
    birth_date: date
    tier: str  # api.registration.models.Tier value
    trades: tuple[TradeLevel, ...]
    nationality: str = "JP"  # ISO 3166-1 alpha-2
    residence_status: str | None = None
    residence_expiry: date | None = None
    card_valid_until: date | None = None
    kentaikyo: bool = False

    @property
    def top_level(self) -> int | None:
        return max((t.level for t in self.trades if t.level), default=None)


@dataclass(frozen=True, slots=True)
class StatRow:
    group: str
    item: str
    category: str
    count: int


def list_rows(technicians: Iterable[BusinessTechnician], *, on: date) -> list[list[str]]:
    rows = []
    for t in sorted(technicians, key=lambda t: (t.kana, t.technician_id)):
        trades: list[str] = []
        for k in range(MAX_TRADES):
            trades += [t.trades[k].trade, labels.level(t.trades[k].level)] if k < len(t.trades) else ["", ""]
        left = str((t.residence_expiry - on).days) if t.residence_expiry else ""
        rows.append(
            [
                t.technician_id,
                t.name,
                t.kana,
                labels.iso(t.birth_date),
                str(labels.age_on(t.birth_date, on)),
                t.nationality,
                labels.tier(t.tier),
                *trades,
                labels.level(t.top_level),
                t.residence_status or "",
                labels.iso(t.residence_expiry),
                left,
                labels.iso(t.card_valid_until),
                "加入" if t.kentaikyo else "",
            ]
        )
    return rows


def statistics(technicians: Sequence[BusinessTechnician], *, on: date, expiry_warning_days: int = 90) -> list[StatRow]:
    out = [StatRow("総数", "", "", len(technicians))]
    tiers = Counter(t.tier for t in technicians)
    out += [StatRow("登録区分", "", labels.tier(k), tiers[k]) for k in ("detailed", "simplified")]
    by_trade: dict[str, Counter] = {}
    for t in technicians:
        for tl in t.trades:
            by_trade.setdefault(tl.trade, Counter())[labels.level(tl.level)] += 1
    for trade in sorted(by_trade):
        out += [StatRow("職種別レベル", trade, c, by_trade[trade][c]) for c in LEVEL_CATEGORIES]
    top = Counter(labels.level(t.top_level) for t in technicians)
    out += [StatRow("最高レベル", "", c, top[c]) for c in LEVEL_CATEGORIES]
    ages = Counter(_band(labels.age_on(t.birth_date, on)) for t in technicians)
    out += [StatRow("年齢", "", band, ages[band]) for _, _, band in AGE_BANDS]
    foreign = [t for t in technicians if t.nationality != "JP"]
    out += [StatRow("国籍", "", "日本", len(technicians) - len(foreign)), StatRow("国籍", "", "外国籍", len(foreign))]
    statuses = Counter(t.residence_status or "(未登録)" for t in foreign)
    out += [StatRow("在留資格", "", s, statuses[s]) for s in sorted(statuses)]
    expired = sum(1 for t in foreign if t.residence_expiry and t.residence_expiry < on)
    soon = sum(1 for t in foreign if t.residence_expiry and 0 <= (t.residence_expiry - on).days <= expiry_warning_days)
    out += [
        StatRow("在留期間", "", "満了済み", expired),
        StatRow("在留期間", "", f"{expiry_warning_days}日以内に満了", soon),
    ]
    return out


def _band(age: int) -> str:
    return next(label for low, high, label in AGE_BANDS if low <= age <= high)


def list_csv(
    technicians: Iterable[BusinessTechnician],
    *,
    on: date,
    encoding: Encoding = "utf-8-bom",
    unencodable: Unencodable = "refuse",
) -> CsvFile:
    return write_csv(LIST_COLUMNS, list_rows(technicians, on=on), encoding=encoding, unencodable=unencodable)


def statistics_csv(
    technicians: Sequence[BusinessTechnician],
    *,
    on: date,
    encoding: Encoding = "utf-8-bom",
    unencodable: Unencodable = "refuse",
) -> CsvFile:
    rows = [[r.group, r.item, r.category, str(r.count)] for r in statistics(technicians, on=on)]
    return write_csv(STAT_COLUMNS, rows, encoding=encoding, unencodable=unencodable)


def business_pdf(
    *,
    business_id: str,
    business_name: str,
    technicians: Sequence[BusinessTechnician],
    on: date,
    font_path: Path | None = None,
) -> bytes:
    """The list (trades and levels folded into one column to fit the page) followed by the statistics."""
    rows = []
    for t in sorted(technicians, key=lambda t: (t.kana, t.technician_id)):
        trades = " / ".join(f"{tl.trade} {labels.level(tl.level)}" for tl in t.trades)
        rows.append(
            [
                t.technician_id,
                t.name,
                t.kana,
                labels.jp_date(t.birth_date),
                str(labels.age_on(t.birth_date, on)),
                t.nationality,
                labels.tier(t.tier),
                trades,
                t.residence_status or "",
                labels.jp_date(t.residence_expiry),
                labels.jp_date(t.card_valid_until),
            ]
        )
    stats = [[r.group, r.item, r.category, str(r.count)] for r in statistics(technicians, on=on)]
    return build_pdf(
        title="所属技能者一覧",
        head=[f"事業者 {business_name} (事業者ID {business_id})", f"基準日 {labels.jp_date(on)}"],
        sections=[
            Section(
                "",
                (
                    "技能者ID",
                    "氏名",
                    "フリガナ",
                    "生年月日",
                    "年齢",
                    "国籍",
                    "登録区分",
                    "職種・レベル",
                    "在留資格",
                    "在留期間満了日",
                    "カード有効期限",
                ),
                rows,
                (9, 8, 9, 8, 3, 3, 4, 20, 8, 8, 8),
                right=frozenset({4}),
            ),
            Section("所属技能者統計情報", STAT_COLUMNS, stats, (8, 10, 10, 4), right=frozenset({3}), fraction=0.6),
        ],
        font_path=font_path,
    )
