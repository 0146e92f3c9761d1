"""工事種類別完成工事高 / 元請完成工事高 (別紙一) from the business's 工事経歴書 rows.

Rules (seed p.1–5):

* every contract row names its industry (the 工事経歴書 is kept per 建設工事の種類; from 2016-06-01 とび・土工 and
  解体 must be split even for past years, 「過去分も遡って」);
* a row belongs to the business year in which it was completed; the 2-year or 3-year basis (計算基準の区分) is one
  choice for all industries;
* an applied industry gets its own row (050, 290 …), with its うち row (011 / 051 / 111) after the transitional row,
  as on the seed's forms;
* while 300 is in force (applications 2016-06-01 → 2019-05-31) and 05 or 29 is applied for, 300 = 050 + 290 is
  written whichever of the two is applied for; it is an aggregate and is not added to 合計;
* industries not applied for go to その他; 合計 = applied industries + その他.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta

from api.keishin.errors import KeishinError
from api.keishin.masters import Masters, WorksCode, load_masters
from api.keishin.roster_models import KAITAI, TOBI
from api.keishin.rules import application_date_or_base
from api.keishin.rules import applied_industries as validate_applied

ITEM_INDUSTRY, ITEM_OTHER, ITEM_TOTAL = 32, 33, 34  # 項番 printed on 別紙一
TRANSITIONAL_WORKS = "300"


@dataclass(frozen=True)
class ContractRow:
    """One 工事経歴書 row; amounts in 千円 as on the form."""

    customer: str
    work_name: str
    prime: bool  # 元請 (True) or 下請
    location: str  # 工事現場のある都道府県及び市区町村名
    amount_thousand_yen: int
    started_on: date | None
    completed_on: date | None  # None: not completed, so not 完成工事高
    industry_code: str | None
    breakdown_code: str | None = None  # 011 PC / 051 法面処理 / 111 鋼橋上部, within the row's industry


@dataclass(frozen=True)
class FiscalYear:
    start: date
    end: date


@dataclass(frozen=True)
class Amounts:
    completed: int = 0
    prime: int = 0

    def __add__(self, other: Amounts) -> Amounts:
        return Amounts(self.completed + other.completed, self.prime + other.prime)


@dataclass(frozen=True)
class Form1Row:
    item_no: int
    code: str  # 3-digit completed-works code; "" for その他 and 合計
    name: str
    kind: str  # industry / breakdown / transitional / other / total
    years: tuple[Amounts, ...]  # newest first: 審査対象事業年度, 前, (前々)

    @property
    def current(self) -> Amounts:
        return self.years[0]

    @property
    def prior(self) -> Amounts:
        """The form's second column: 前 (2-year basis) or 前 + 前々 together (3-year basis)."""
        return sum(self.years[1:], Amounts())

    @property
    def average(self) -> Amounts:
        """Yearly average over the basis, 千円未満切り捨て."""
        total = sum(self.years, Amounts())
        n = len(self.years)
        return Amounts(total.completed // n, total.prime // n)


@dataclass(frozen=True)
class ExcludedContract:
    index: int
    work_name: str
    code: str
    reason: str
    params: Mapping[str, str] = field(default_factory=dict)  # what the PWA's wording of `code` quotes


@dataclass(frozen=True)
class CompletedWorks:
    application_date: date
    fiscal_years: tuple[FiscalYear, ...]
    averaging_years: int
    applied_industries: tuple[str, ...]
    rows: tuple[Form1Row, ...]
    excluded: tuple[ExcludedContract, ...] = field(default=())

    def row(self, code: str) -> Form1Row:
        """The row of a 3-digit code; KeyError when the form has no such row."""
        for r in self.rows:
            if r.code == code:
                return r
        raise KeyError(code)

    @property
    def other(self) -> Form1Row:
        return next(r for r in self.rows if r.kind == "other")

    @property
    def total(self) -> Form1Row:
        return next(r for r in self.rows if r.kind == "total")


def compute_completed_works(
    *,
    contracts: Sequence[ContractRow],
    fiscal_years: Sequence[FiscalYear],
    averaging_years: int,
    applied_industries: Sequence[str],
    application_date: date | None = None,
    masters: Masters | None = None,
) -> CompletedWorks:
    """Build the 別紙一 rows. `fiscal_years` is newest first: 審査対象事業年度, then 前, then 前々."""
    masters = masters or load_masters()
    years = _basis(fiscal_years, averaging_years)
    app = application_date_or_base(years[0].end, application_date)
    # Sorted: the form lists industries in code order whatever order they were applied for in.
    applied = tuple(sorted(validate_applied(masters, applied_industries, on=app)))

    n = len(years)
    by_industry: dict[str, list[Amounts]] = {}
    by_breakdown: dict[str, list[Amounts]] = {}
    excluded: list[ExcludedContract] = []
    for i, row in enumerate(contracts):
        industry, breakdown = _validate(masters, row, i, app)
        if row.completed_on is None:
            excluded.append(ExcludedContract(i, row.work_name, "not_completed", "not completed: not 完成工事高"))
            continue
        k = next((k for k, fy in enumerate(years) if fy.start <= row.completed_on <= fy.end), None)
        if k is None:
            excluded.append(
                ExcludedContract(
                    i,
                    row.work_name,
                    "outside_fiscal_years",
                    f"completed {row.completed_on.isoformat()}, outside the {n}-year basis",
                    {"completed_on": row.completed_on.isoformat(), "years": str(n)},
                )
            )
            continue
        amount = Amounts(row.amount_thousand_yen, row.amount_thousand_yen if row.prime else 0)
        _add(by_industry, industry, k, amount, n)
        if breakdown:
            _add(by_breakdown, breakdown, k, amount, n)

    rows = _rows(masters, app, applied, by_industry, by_breakdown, n)
    return CompletedWorks(app, years, averaging_years, applied, rows, tuple(excluded))


def _basis(fiscal_years: Sequence[FiscalYear], averaging_years: int) -> tuple[FiscalYear, ...]:
    if averaging_years not in (2, 3):
        raise KeishinError("invalid_averaging_years", "the basis is a 2-year or a 3-year average", "averaging_years")
    if len(fiscal_years) < averaging_years:
        raise KeishinError(
            "missing_fiscal_years",
            f"a {averaging_years}-year average needs {averaging_years} business years, got {len(fiscal_years)}",
            "fiscal_years",
        )
    years = tuple(fiscal_years[:averaging_years])
    for k, fy in enumerate(years):
        if fy.end < fy.start:
            raise KeishinError("invalid_fiscal_year", "a business year ends before it starts", f"fiscal_years[{k}]")
        if k and years[k].end + timedelta(days=1) != years[k - 1].start:
            raise KeishinError(
                "fiscal_years_not_contiguous",
                f"business year {k} must end the day before business year {k - 1} starts (newest first)",
                f"fiscal_years[{k}]",
            )
    return years


def _validate(masters: Masters, row: ContractRow, i: int, app: date) -> tuple[str, str | None]:
    f = f"contracts[{i}]"
    if not row.industry_code:
        raise KeishinError(
            "contract_missing_industry",
            f"contract {i + 1} ({row.work_name or 'no name'}) names no industry: every 工事経歴書 row belongs to one "
            "建設工事の種類",
            f"{f}.industry_code",
        )
    industry = masters.industry(row.industry_code, on=app, field=f"{f}.industry_code")
    if industry.kind != "industry":
        raise KeishinError(
            "contract_transitional_industry",
            f"contract {i + 1}: a contract is とび・土工 (05) or 解体 (29), never 99",
            f"{f}.industry_code",
        )
    if (
        isinstance(row.amount_thousand_yen, bool)
        or not isinstance(row.amount_thousand_yen, int)
        or row.amount_thousand_yen < 0
    ):
        raise KeishinError(
            "invalid_amount", f"contract {i + 1}: the amount is a whole number of 千円 ≥ 0", f"{f}.amount_thousand_yen"
        )
    if row.started_on and row.completed_on and row.completed_on < row.started_on:
        raise KeishinError(
            "invalid_contract_dates", f"contract {i + 1}: completed before it started", f"{f}.completed_on"
        )
    if not row.breakdown_code:
        return industry.code, None
    works = masters.works_code(row.breakdown_code, on=app, field=f"{f}.breakdown_code")
    if works.kind != "breakdown" or works.industry_code != industry.code:
        raise KeishinError(
            "breakdown_mismatch",
            f"contract {i + 1}: {works.code} ({works.name}) is not a うち row of industry {industry.code}",
            f"{f}.breakdown_code",
        )
    return industry.code, works.code


def _add(table: dict[str, list[Amounts]], key: str, k: int, amount: Amounts, n: int) -> None:
    per_year = table.setdefault(key, [Amounts()] * n)
    per_year[k] = per_year[k] + amount


def _sum(tables: Sequence[Sequence[Amounts]], n: int) -> tuple[Amounts, ...]:
    return tuple(sum((t[k] for t in tables), Amounts()) for k in range(n))


def _rows(
    masters: Masters,
    app: date,
    applied: tuple[str, ...],
    by_industry: dict[str, list[Amounts]],
    by_breakdown: dict[str, list[Amounts]],
    n: int,
) -> tuple[Form1Row, ...]:
    zero = [Amounts()] * n
    works_on = masters.works_codes_on(app)

    def row(code: WorksCode, years: Sequence[Amounts]) -> Form1Row:
        return Form1Row(ITEM_INDUSTRY, code.code, code.name, code.kind, tuple(years))

    rows = [row(masters.works_code_for_industry(c, on=app), by_industry.get(c, zero)) for c in applied]
    transitional = next((w for w in works_on if w.code == TRANSITIONAL_WORKS), None)
    if transitional and {TOBI, KAITAI} & set(applied):
        rows.append(row(transitional, _sum([by_industry.get(TOBI, zero), by_industry.get(KAITAI, zero)], n)))
    breakdowns = [w for w in works_on if w.kind == "breakdown" and w.industry_code in applied]
    rows += [row(w, by_breakdown.get(w.code, zero)) for w in breakdowns]
    other = _sum([v for c, v in by_industry.items() if c not in applied], n)
    rows.append(Form1Row(ITEM_OTHER, "", "その他工事", "other", other))
    rows.append(Form1Row(ITEM_TOTAL, "", "合計", "total", _sum(list(by_industry.values()), n)))
    return tuple(rows)
