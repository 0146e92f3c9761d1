"""Plan against actual, per fiscal quarter (the seed's 四半期ごとのフォローアップ and セグメントごとの見える化).

Revenue is accrued: the charges whose event date falls in the period (invoiced or still carried forward), less the
credit notes issued in it. Registrations are approvals (technicians by registered_on, businesses by approved_at in
Japan time); work records by work date. Segments are the business's (a technician's and a work record's employer):
industry (every permitted industry it holds, so the industry rows add up to more than the total), prefecture, and
size as the capital band of the fee table. The association (団体) segment (seed ⑥-2) is who filed the registration:
the registration agent's name (a 建設業協会 or 認定登録機関, api/agents), or `none`; a work record counts for the agent
that filed its technician.
"""

from __future__ import annotations

import functools
import json
from collections import Counter, defaultdict
from datetime import date, datetime, time, timedelta
from importlib import resources
from typing import Any

from api import db

from api.billing.periods import fiscal_quarters
from api.sql import fetch
from api.fees.tariffs import TariffError, capital_band
from api.businesses.models import Business, ReviewStatus
from api.kpi.schemas import (
    Measure,
    QuarterAmount,
    QuarterOut,
    RegistrationsOut,
    RevenueCategoryOut,
    RevenueOut,
    SegmentRow,
)
from api.registration.models import Technician
from api.timeutil import JST

SEGMENTS = ("industry", "prefecture", "size", "association")
BY_EMPLOYER = ("industry", "prefecture", "size")


@functools.cache
def plan() -> dict[str, Any]:
    return json.loads(resources.files("api.kpi.data").joinpath("plan.json").read_text(encoding="utf-8"))


def _start(day: date) -> datetime:
    return datetime.combine(day, time(0), JST)


async def revenue(*, fiscal_year: int) -> RevenueOut:
    quarters = fiscal_quarters(fiscal_year)
    first, last = quarters[0][1], quarters[-1][2]
    conn = db.read_connection()
    rows = await fetch(
        conn,
        "SELECT fee_type, event_date, SUM(amount_yen) AS s FROM charge "
        "WHERE event_date >= ? AND event_date <= ? GROUP BY fee_type, event_date",
        [first, last],
    )
    by_fee: dict[str, Counter] = defaultdict(Counter)
    for r in rows:
        day = date.fromisoformat(str(r["event_date"])[:10])
        q = next(n for n, a, b in quarters if a <= day <= b)
        by_fee[r["fee_type"]][q] += int(r["s"])
    credits = await fetch(
        conn,
        """SELECT l.fee_type, SUM(l.amount_yen) AS s FROM credit_note_line l
                                   JOIN credit_note c ON c.id = l.credit_note_id
                                   WHERE c.issued_on >= ? AND c.issued_on <= ? GROUP BY l.fee_type""",
        [first, last],
    )
    credited = {r["fee_type"]: int(r["s"]) for r in credits}
    p = plan()["revenue_plan"]
    has_plan = p["fiscal_year"] == fiscal_year
    categories, attributed = [], set()
    for cat in p["categories"]:
        fees = cat["fee_types"]
        attributed.update(fees)
        per_q = [QuarterAmount(quarter=n, actual_yen=sum(by_fee[f][n] for f in fees)) for n, _, _ in quarters]
        accrued = sum(x.actual_yen for x in per_q)
        credit = sum(credited.get(f, 0) for f in fees)
        plan_yen = cat["plan_yen"] if has_plan else None
        categories.append(
            RevenueCategoryOut(
                code=cat["code"],
                label_ja=cat["label_ja"],
                fee_types=fees,
                plan_yen=plan_yen,
                accrued_yen=accrued,
                credited_yen=credit,
                net_yen=accrued - credit,
                achievement=round((accrued - credit) / plan_yen, 4) if plan_yen else None,
                quarters=per_q,
                plan_cite=f"{p['cite']} (line {cat['line']})" if has_plan else None,
            )
        )
    unattributed = sum(v for k, v in credited.items() if k not in attributed)
    return RevenueOut(
        fiscal_year=fiscal_year,
        plan_source=plan()["source"] if has_plan else None,
        categories=categories,
        unattributed_credits_yen=unattributed,
        plan_total_yen=p["total_yen"] if has_plan else None,
        net_total_yen=sum(c.net_yen for c in categories) - unattributed,
    )


def _size(capital: int | None, sole: bool) -> str:
    try:
        return capital_band(capital_yen=None if sole else capital, sole_proprietor=sole)
    except TariffError:
        return "unknown"


async def _segment_keys() -> dict[int, dict[str, list[str]]]:
    rows = await Business.filter(placeholder=False).values_list(
        "id", "permitted_industries", "prefecture", "capital_yen", "sole_proprietor"
    )
    out = {}
    for pk, industries, prefecture, capital, sole in rows:
        codes = [str(c) for c in industries] if isinstance(industries, list) and industries else ["none"]
        out[pk] = {"industry": codes, "prefecture": [prefecture or "none"], "size": [_size(capital, bool(sole))]}
    return out


def _targets(fiscal_year: int) -> dict[str, tuple[int | None, int | None, int | None]]:
    """Per measure: (annual new target, previous year's 累計 target, this year's 累計 target)."""
    t = plan()["targets"]
    by_year = t["by_fiscal_year"]
    fy, prev = str(fiscal_year), str(fiscal_year - 1)
    out: dict[str, tuple[int | None, int | None, int | None]] = {}
    for measure, series in (("technicians", "technicians_cumulative"), ("businesses", "businesses_cumulative")):
        this, before = by_year[series].get(fy), by_year[series].get(prev)
        new = (
            t["fiscal_year_2020"][f"{measure}_new"]
            if fiscal_year == 2020
            else (this - before if this is not None and before is not None else None)
        )
        out[measure] = (new, before, this)
    out["work_records"] = (by_year["work_records"].get(fy), None, None)
    return out


_BY_AGENT = """SELECT ag.name AS k, COUNT(*) AS n FROM {table} x
LEFT JOIN agent_filing f ON f.{col} = x.{key} LEFT JOIN registration_agent ag ON ag.id = f.agent_id
WHERE {where} GROUP BY ag.name"""


async def _by_agent(conn: Any, first: date, last: date) -> dict[str, Counter]:
    """The association segment: approvals and work records by the agent that filed the registration (or `none`)."""
    end = _start(last + timedelta(days=1))
    queries: dict[str, tuple[tuple[str, str, str], str, list[Any]]] = {
        "technicians": (
            ("technician", "technician_id", "id"),
            "x.status = 'approved' AND x.registered_on >= ? AND x.registered_on <= ?",
            [first, last],
        ),
        "businesses": (
            ("business", "business_id", "id"),
            "x.status = 'approved' AND x.approved_at >= ? AND x.approved_at < ?",
            [_start(first), end],
        ),
        "work_records": (
            ("work_record", "technician_id", "technician_id"),
            "x.work_date >= ? AND x.work_date <= ?",
            [first, last],
        ),
    }
    out: dict[str, Counter] = {}
    for what, ((table, col, key), where, args) in queries.items():
        rows = await fetch(conn, _BY_AGENT.format(table=table, col=col, key=key, where=where), args)
        out[what] = Counter({(r["k"] or "none"): int(r["n"]) for r in rows})
    return out


async def registrations(*, fiscal_year: int) -> RegistrationsOut:
    conn = db.read_connection()
    keys = await _segment_keys()
    targets = _targets(fiscal_year)
    year_to_date: Counter = Counter()
    out = []
    for n, first, last in fiscal_quarters(fiscal_year):
        techs = await fetch(
            conn,
            "SELECT employer_id, COUNT(*) AS n FROM technician WHERE status = 'approved' "
            "AND registered_on >= ? AND registered_on <= ? GROUP BY employer_id",
            [first, last],
        )
        records = await fetch(
            conn,
            "SELECT employer_id, COUNT(*) AS n FROM work_record "
            "WHERE work_date >= ? AND work_date <= ? GROUP BY employer_id",
            [first, last],
        )
        business_ids = await Business.filter(
            status=ReviewStatus.approved,
            approved_at__gte=_start(first),
            approved_at__lt=_start(last + timedelta(days=1)),
        ).values_list("id", flat=True)
        segments: dict[str, dict[str, Counter]] = {s: defaultdict(Counter) for s in SEGMENTS}

        def add(what: str, employer: Any, count: int) -> None:
            seg = keys.get(int(employer)) if employer is not None else None
            for s in BY_EMPLOYER:
                for key in seg[s] if seg else ["no_employer"]:
                    segments[s][key][what] += count

        for r in techs:
            add("technicians", r["employer_id"], int(r["n"]))
        for r in records:
            add("work_records", r["employer_id"], int(r["n"]))
        for pk in business_ids:
            add("businesses", pk, 1)
        for what, counts_by_agent in (await _by_agent(conn, first, last)).items():
            for key, count in counts_by_agent.items():
                segments["association"][key][what] += count
        counts = {
            "technicians": sum(int(r["n"]) for r in techs),
            "businesses": len(business_ids),
            "work_records": sum(int(r["n"]) for r in records),
        }
        year_to_date.update(counts)
        all_time = {
            "technicians": await Technician.filter(status=ReviewStatus.approved, registered_on__lte=last).count(),
            "businesses": await Business.filter(
                status=ReviewStatus.approved, approved_at__lt=_start(last + timedelta(days=1))
            ).count(),
        }
        measures = {}
        for m in ("technicians", "businesses", "work_records"):
            new, before, this = targets[m]
            measures[m] = Measure(
                quarter=counts[m],
                year_to_date=year_to_date[m],
                year_to_date_target=new * n // 4 if new is not None else None,
                all_time=all_time.get(m),
                all_time_target=(before + (this - before) * n // 4)
                if before is not None and this is not None
                else None,
            )
        out.append(
            QuarterOut(
                quarter=n,
                first_day=first,
                last_day=last,
                **measures,
                segments={
                    s: [
                        SegmentRow(
                            key=k,
                            technicians=v["technicians"],
                            businesses=v["businesses"],
                            work_records=v["work_records"],
                        )
                        for k, v in sorted(segments[s].items())
                    ]
                    for s in SEGMENTS
                },
            )
        )
    return RegistrationsOut(fiscal_year=fiscal_year, target_source=plan()["targets"]["basis"], quarters=out)
