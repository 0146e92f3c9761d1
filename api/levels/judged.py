"""Official (judged) levels: an assessment body (能力評価実施団体) judges a level application of its own trades.

The engine (api.levels.engine) only estimates. A technician, or the employer for them, applies for the trade's
judgement; the application keeps the estimate and its evidence (work days, 職長/班長 days, approved qualifications,
certified prior days). The body of that trade decides once (a conditional UPDATE from `submitted`), at most the
level the evidence supports now, and never below the official level already held. Each raise is a `JudgedLevel`
row with its criteria version and card colour; the newest is the official level, the only one reports and 経審 use.
"""

from __future__ import annotations

from datetime import date

from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction
from tortoise.timezone import now

from api.accounts.models import Account, Role
from api.audit import service as audit
from api.businesses.models import ReviewStatus
from api.errors import Conflict, Forbidden, NotFound, Unprocessable
from api.levels.history import result_to_dict
from api.levels.inputs import LevelResult
from api.levels.models import AssessmentBody, JudgedLevel, LevelApplication
from api.registration.models import Technician, Tier
from api.sql import fetch, is_pg
from api.timeutil import today_jst

COLOURS = {1: "white", 2: "blue", 3: "silver", 4: "gold"}  # レベルカード: 白 / 青 / 銀 / 金


def colour(level: int) -> str:
    return COLOURS[level]


async def body_for_trade(trade: str) -> AssessmentBody | None:
    # A handful of bodies: matching the JSON list in Python keeps this the same on PostgreSQL and SQLite.
    return next((b for b in await AssessmentBody.all().order_by("id") if trade in b.trades), None)


async def official(*, tech_ids: list[int], on: date | None = None) -> dict[tuple[int, str], JudgedLevel]:
    """The official level per technician × trade (as judged on or before `on`)."""
    qs = JudgedLevel.filter(technician_id__in=tech_ids)
    if on is not None:
        qs = qs.filter(judged_on__lte=on)
    out: dict[tuple[int, str], JudgedLevel] = {}
    for row in await qs.order_by("level"):
        out[(row.technician_id, row.trade)] = row  # type: ignore[attr-defined]
    return out


async def _estimate(tech: Technician, trade: str) -> LevelResult:
    from api.levels.service import evaluate_one

    result = next((r for r in await evaluate_one(tech=tech, on=today_jst()) if r.trade == trade), None)
    if result is None or not result.evaluated or result.level is None:
        raise Conflict(
            f"This trade cannot be evaluated for the technician ({result.reason if result else 'no records'}).",
            code="not_evaluable",
        )
    return result


async def apply(*, actor: Account, tech: Technician, trade: str) -> LevelApplication:
    from api.registration.service import can_view

    if actor.role not in (Role.technician, Role.business_admin) or not can_view(actor, tech):
        raise NotFound("No such technician.", code="technician_not_found")
    if tech.status is not ReviewStatus.approved or tech.tier is not Tier.detailed:
        raise Conflict("Only an approved 詳細型 registration can apply for a level judgement.", code="not_detailed")
    if trade not in tech.trades:
        raise Unprocessable.field(
            "trade", "apply in one of the technician's registered trades", code="trade_not_registered"
        )
    body = await body_for_trade(trade)
    if body is None:
        raise Conflict("No assessment body judges this trade yet.", code="no_assessment_body")
    result = await _estimate(tech, trade)
    current = (await official(tech_ids=[tech.id])).get((tech.id, trade))
    if result.level <= (current.level if current else 1):  # type: ignore[operator]
        raise Conflict(
            f"The estimate (level {result.level}) is not above the official level {current.level if current else 1}.",
            code="estimate_not_above_official",
        )
    try:
        return await LevelApplication.create(
            technician=tech,
            trade=trade,
            body=body,
            applied_by_id=actor.id,
            proxy=actor.role is Role.business_admin,
            estimate_level=result.level,
            criteria_version=result.criteria_version,
            evidence=result_to_dict(result),
            open_key=f"{tech.id}:{trade}",
        )
    except IntegrityError:
        raise Conflict(
            "A level application for this trade is already waiting for its judgement.", code="level_application_open"
        ) from None


async def body_of(actor: Account) -> AssessmentBody:
    if actor.role is not Role.assessment_body or actor.assessment_body_id is None:  # type: ignore[attr-defined]
        raise Forbidden("Only an assessment body judges levels.", code="not_assessment_body")
    return await AssessmentBody.get(id=actor.assessment_body_id)  # type: ignore[attr-defined]


async def get_for_body(*, actor: Account, pk: int) -> tuple[LevelApplication, AssessmentBody]:
    body = await body_of(actor)
    app = await LevelApplication.get_or_none(id=pk)
    if app is None:
        raise NotFound("No such level application.", code="level_application_not_found")
    if app.trade not in body.trades:
        raise Forbidden(f"{body.name} does not judge trade {app.trade}.", code="wrong_assessment_body")
    return app, body


async def judge(*, actor: Account, pk: int, decision: str, level: int | None, reason: str | None) -> LevelApplication:
    app, body = await get_for_body(actor=actor, pk=pk)
    if app.status != "submitted":
        raise Conflict("This application has already been decided.", code="already_decided")
    tech = await app.technician
    judged = None
    if decision == "raise":
        if level is None:
            raise Unprocessable.field("level", "the judged level is required", code="level_required")
        current = (await official(tech_ids=[tech.id])).get((tech.id, app.trade))
        if level <= (current.level if current else 1):
            raise Conflict(
                f"Judged levels never go down: the official level is already {current.level if current else 1}.",
                code="level_not_higher",
            )
        result = await _estimate(tech, app.trade)  # the evidence as it stands at the decision
        if level > result.level:  # type: ignore[operator]
            raise Unprocessable.field(
                "level", f"the evidence supports level {result.level} at most", code="level_not_supported"
            )
        judged = (current, result)
    elif not reason:
        raise Unprocessable.field("reason", "a refusal needs a reason for the technician", code="reason_required")
    status = "judged" if decision == "raise" else "rejected"
    claimed = await LevelApplication.filter(id=app.id, status="submitted").update(
        status=status,
        judged_level=level if judged else None,
        reason=reason,
        decided_by_id=actor.id,
        decided_at=now(),
        open_key=None,
    )
    if not claimed:
        raise Conflict("This application has already been decided.", code="already_decided")
    if judged:
        current, result = judged
        await JudgedLevel.create(
            technician=tech,
            trade=app.trade,
            level=level,
            from_level=current.level if current else None,
            criteria_version=result.criteria_version,
            colour=colour(level),  # type: ignore[arg-type]
            body=body,
            application=app,
            evidence=result_to_dict(result),
            judged_on=today_jst(),
        )
    await audit.record(
        actor=actor,
        action=f"level.{status}",
        entity_type="technician",
        entity_id=tech.id,
        after={"trade": app.trade, "level": level, "application": app.id, "body": body.name},
        reason=reason,
    )
    await app.refresh_from_db()
    return app


async def queue(*, actor: Account, status: str) -> list[LevelApplication]:
    body = await body_of(actor)
    return await LevelApplication.filter(status=status, trade__in=body.trades).order_by("submitted_at").limit(200)


async def create_body(
    *, actor: Account, name: str, trades: list[str], login: str, password: str, display_name: str
) -> AssessmentBody:
    from api.accounts.service import create_account

    # One body per trade: the trades are a JSON list (no unique key on a trade), so registrations are serialised —
    # a PostgreSQL advisory lock held to the commit (SQLite has a single writer) — and checked inside it; the body,
    # its login and the audit entry are one transaction, so a refusal (a taken login too) leaves nothing behind.
    async with in_transaction("default") as conn:
        if is_pg(conn):
            await fetch(conn, "SELECT pg_advisory_xact_lock(hashtext(?))", ["openccus:assessment-body"])
        taken = {t for b in await AssessmentBody.all() for t in b.trades}
        clash = sorted(set(trades) & taken)
        if clash:
            raise Conflict(f"Trade(s) {', '.join(clash)} already have their assessment body.", code="trade_has_body")
        if await AssessmentBody.filter(name=name).exists():
            raise Conflict("An assessment body with this name exists.", code="duplicate_body")
        body = await AssessmentBody.create(name=name, trades=trades)
        account = await create_account(
            login=login,
            password=password,
            role=Role.assessment_body,
            display_name=display_name,
            must_change_password=True,
        )  # the operator chose it
        await Account.filter(id=account.id).update(assessment_body_id=body.id)
        await audit.record(
            actor=actor,
            action="assessment_body.create",
            entity_type="assessment_body",
            entity_id=body.id,
            after={"name": name, "trades": trades, "login": login},
        )
    return body
