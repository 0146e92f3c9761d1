"""A technician's career summary (キャリアサマリー) as PDF: identity, levels per trade with what the next level still
needs, level history, qualifications, sites worked and days per year — what a technician shows a new employer.

`TradeCareer.from_result` builds the per-trade part straight from an `api.levels.LevelResult`, so the PDF always says
the same as the evaluation (same days, same missing items).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path

from api.levels.inputs import LevelResult
from api.reports import labels
from api.pdf import Section, build_pdf


@dataclass(frozen=True, slots=True)
class TradeCareer:
    trade: str  # display name
    level: int | None
    criteria_version: str | None
    work_days: int  # CCUS-recorded
    foreman_days: int
    team_leader_days: int
    pre_registration_days: int = 0  # counted experience from before registration (converted)
    missing_for_next: tuple[str, ...] = ()

    @classmethod
    def from_result(cls, result: LevelResult, *, trade_name: str) -> TradeCareer:
        e = result.evidence
        if e is None:  # not evaluated: still show the trade, with what blocks the evaluation
            return cls(trade_name, None, None, 0, 0, 0, 0, result.missing_for_next)
        return cls(
            trade_name,
            result.level,
            result.criteria_version,
            e.recorded_days,
            e.foreman_days,
            e.lead_days - e.foreman_days,
            e.counted_days - e.recorded_days,
            result.missing_for_next,
        )


@dataclass(frozen=True, slots=True)
class LevelHistoryLine:
    on: date
    trade: str
    from_level: int | None
    to_level: int
    criteria_version: str


@dataclass(frozen=True, slots=True)
class QualificationLine:
    name: str
    acquired_on: date
    expires_on: date | None = None


@dataclass(frozen=True, slots=True)
class SiteLine:
    site_id: str
    site_name: str
    employer_name: str
    first_day: date
    last_day: date
    days: int
    trade: str = ""
    position: str | None = None  # the position held most days there
    training: bool = False  # a CCUS登録教育訓練機関: its days are training days (they count as work days)


@dataclass(frozen=True, slots=True)
class CareerSummary:
    technician_id: str
    name: str
    kana: str
    birth_date: date
    tier: str
    employer_name: str
    made_on: date
    registered_on: date | None = None
    residence_status: str | None = None
    residence_expiry: date | None = None
    trades: tuple[TradeCareer, ...] = ()
    history: tuple[LevelHistoryLine, ...] = ()
    qualifications: tuple[QualificationLine, ...] = ()
    sites: tuple[SiteLine, ...] = ()
    days_by_year: tuple[tuple[int, int], ...] = ()  # (calendar year, work days)


def career_pdf(summary: CareerSummary, *, font_path: Path | None = None) -> bytes:
    s = summary
    head = [
        f"技能者ID {s.technician_id}   氏名 {s.name} ({s.kana})   生年月日 {labels.wareki(s.birth_date)} "
        f"({labels.age_on(s.birth_date, s.made_on)}歳)",
        f"登録区分 {labels.tier(s.tier)}   登録日 {labels.wareki(s.registered_on)}   所属事業者 {s.employer_name}",
    ]
    if s.residence_status:
        head.append(f"在留資格 {s.residence_status}   在留期間満了日 {labels.wareki(s.residence_expiry)}")
    head.append(f"作成日 {labels.wareki(s.made_on)}")
    trades = [
        [
            t.trade,
            labels.level(t.level),
            f"{t.work_days:,}",
            f"{t.pre_registration_days:,}",
            f"{t.foreman_days:,}",
            f"{t.team_leader_days:,}",
            t.criteria_version or "",
        ]
        for t in s.trades
    ]
    missing = [
        [t.trade, labels.level(t.level + 1) if t.level and t.level < 4 else "", "\n".join(t.missing_for_next)]
        for t in s.trades
        if t.missing_for_next
    ]
    history = [
        [labels.wareki(h.on), h.trade, labels.level(h.from_level), labels.level(h.to_level), h.criteria_version]
        for h in sorted(s.history, key=lambda h: h.on)
    ]
    quals = [
        [q.name, labels.wareki(q.acquired_on), labels.wareki(q.expires_on)]
        for q in sorted(s.qualifications, key=lambda q: q.acquired_on)
    ]
    sites = [
        [
            x.site_id,
            f"【教育訓練】{x.site_name}" if x.training else x.site_name,
            x.employer_name,
            x.trade,
            labels.position(x.position),
            labels.wareki(x.first_day),
            labels.wareki(x.last_day),
            f"{x.days:,}",
        ]
        for x in sorted(s.sites, key=lambda x: x.first_day, reverse=True)
    ]
    years = [[str(y), f"{d:,}"] for y, d in sorted(s.days_by_year)]
    sections = [
        Section(
            "職種別の就業日数とレベル",
            ("職種", "レベル", "就業日数 (CCUS)", "登録前の経験 (換算日数)", "うち職長", "うち班長", "能力評価基準"),
            trades,
            (8, 5, 6, 7, 5, 5, 10),
            right=frozenset({2, 3, 4, 5}),
        ),
        Section("次のレベルに必要なもの", ("職種", "次のレベル", "不足している項目"), missing, (8, 5, 33)),
        Section("レベルの履歴", ("日付", "職種", "変更前", "変更後", "能力評価基準"), history, (7, 8, 5, 5, 10)),
        Section("保有資格", ("資格", "取得日", "有効期限"), quals, (20, 7, 7)),
        Section(
            "就業現場",
            ("現場ID", "現場名", "所属事業者", "職種", "立場", "初日", "最終日", "就業日数"),
            sites,
            (9, 14, 10, 6, 4, 8, 8, 5),
            right=frozenset({7}),
        ),
        Section("年別の就業日数", ("年", "就業日数"), years, (4, 4), right=frozenset({0, 1}), fraction=0.35),
    ]
    return build_pdf(
        title="技能者キャリアサマリー",
        head=head,
        sections=sections,
        font_path=font_path,
        wide=False,
        notes=[
            "登録前の経験: 最も古い保有資格の取得日から登録日までの日数を 1 年 = 215 日で換算した日数 "
            "(経歴証明書の日数の方が多ければそちら)。"
        ],
    )
