"""作業員名簿 (worker roster) for one site and one employer, as CSV and PDF.

The statutory items (建設業法施行規則 第14条の2, from 2020-10-01; ccus-facts.md §6a) in form order:
1 氏名・生年月日・年齢, 2 職種, 3 健康保険等の加入状況 (健康保険・年金保険・雇用保険), 4 建退共/中退共の被共済者か否か,
5 安全衛生に関する教育, 6 資格 — plus the CCUS additions of seed 000 items No.83/84/86: the technician's level in the
roster trade and, for foreign technicians, 在留資格 and 在留期間. Item 6 is left out for a worker who asked for it
(`show_qualifications=False`), as the ordinance's opt-out clause is quoted (which item is opt-out is unverified in
the primary text; see docs/reports.md). Age is counted on the roster's 作成日.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from api.reports import labels
from api.reports.csvout import CsvFile, Encoding, Unencodable, write_csv
from api.pdf import Section, build_pdf

COLUMNS = (
    "番号",
    "技能者ID",
    "氏名",
    "フリガナ",
    "生年月日",
    "年齢",
    "職種",
    "立場",
    "健康保険",
    "年金保険",
    "雇用保険",
    "建退共・中退共",
    "安全衛生教育",
    "資格",
    "レベル",
    "在留資格",
    "在留期間満了日",
)
_WIDTHS = (3.5, 9, 8, 8, 8, 3.5, 6, 4, 4.5, 4.5, 4.5, 5.5, 12.5, 12.5, 5, 7, 8)
OPTED_OUT = "(本人の希望により記載しない)"


@dataclass(frozen=True, slots=True)
class RosterHeader:
    site_id: str
    site_name: str
    prime_name: str  # 元請
    business_id: str  # the employer this roster is for (自社)
    business_name: str
    tier: int  # 次数 of the employer in the contract tree: 0 = 元請
    made_on: date  # 作成日; ages are counted on this day
    site_manager_name: str = ""  # 所長名 (元請の現場代理人)
    first_tier_name: str = ""  # 一次会社名, for tiers ≥ 2
    first_tier_business_id: str = ""


@dataclass(frozen=True, slots=True)
class RosterWorker:
    technician_id: str
    name: str
    kana: str
    birth_date: date
    trade: str  # display name of the roster trade (職種)
    position: str | None  # api.sites.models.Position value
    health_insurance: str  # api.common.InsuranceStatus value
    pension: str
    employment_insurance: str
    kentaikyo: bool
    chutaikyo: bool = False
    safety_education: tuple[str, ...] = ()  # names (item 5)
    qualifications: tuple[str, ...] = ()  # names (item 6)
    show_qualifications: bool = True
    level: int | None = None  # level in the roster trade; None = not evaluated
    residence_status: str | None = None  # 在留資格, foreign technicians only
    residence_expiry: date | None = None


def split_training(codes: Iterable[str], names: Mapping[str, str]) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """(item 5 安全衛生教育, item 6 資格) display names from qualification codes.

    Courses whose name says 教育 (特別教育, 安全衛生教育, 職長・安全衛生責任者教育) are education; everything else —
    技能講習 (a 修了証 is a licence to do the work), 技能士, 施工管理技士, 基幹技能者 — is a qualification.
    """
    education, qualifications = [], []
    for code in codes:
        name = names.get(code, code)
        (education if "教育" in name else qualifications).append(name)
    return tuple(education), tuple(qualifications)


def roster_rows(header: RosterHeader, workers: Iterable[RosterWorker]) -> list[list[str]]:
    rows = []
    for n, w in enumerate(sorted(workers, key=lambda w: (w.kana, w.technician_id)), start=1):
        rows.append(
            [
                str(n),
                w.technician_id,
                w.name,
                w.kana,
                labels.iso(w.birth_date),
                str(labels.age_on(w.birth_date, header.made_on)),
                w.trade,
                labels.position(w.position),
                labels.insurance(w.health_insurance),
                labels.insurance(w.pension),
                labels.insurance(w.employment_insurance),
                labels.retirement_aid(w.kentaikyo, w.chutaikyo),
                "、".join(w.safety_education),
                "、".join(w.qualifications) if w.show_qualifications else OPTED_OUT,
                labels.level(w.level),
                w.residence_status or "",
                labels.iso(w.residence_expiry),
            ]
        )
    return rows


def roster_csv(
    header: RosterHeader,
    workers: Iterable[RosterWorker],
    *,
    encoding: Encoding = "utf-8-bom",
    unencodable: Unencodable = "refuse",
) -> CsvFile:
    return write_csv(COLUMNS, roster_rows(header, workers), encoding=encoding, unencodable=unencodable)


def header_lines(header: RosterHeader) -> list[str]:
    lines = [f"現場名 {header.site_name} (現場ID {header.site_id})", f"元請 {header.prime_name}"]
    if header.site_manager_name:
        lines[-1] += f"  所長 {header.site_manager_name}"
    if header.first_tier_name:
        lines.append(f"一次会社 {header.first_tier_name} (事業者ID {header.first_tier_business_id})")
    lines += [
        f"会社名 {header.business_name} (事業者ID {header.business_id})  次数 {labels.tier_label(header.tier)}",
        f"作成日 {labels.wareki(header.made_on)}",
    ]
    return lines


def roster_pdf(header: RosterHeader, workers: Iterable[RosterWorker], *, font_path: Path | None = None) -> bytes:
    rows = roster_rows(header, workers)
    for row in rows:  # the printed form reads dates in 和暦, as the paper one; the CSV keeps ISO for machines
        row[4] = labels.wareki(date.fromisoformat(row[4]))
        row[16] = labels.wareki(date.fromisoformat(row[16])) if row[16] else ""
    return build_pdf(
        title="作業員名簿",
        head=header_lines(header),
        sections=[Section("", COLUMNS, rows, _WIDTHS, right=frozenset({0, 5}))],
        font_path=font_path,
        notes=[
            "健康保険等の加入状況・建退共等の加入状況・安全衛生教育・資格は建設業法施行規則第14条の2による記載事項。",
            "レベルは当該職種の能力評価 (建設キャリアアップシステム)。在留資格・在留期間は外国籍の技能者のみ。",
        ],
    )
