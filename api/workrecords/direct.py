"""直接入力: a missing day entered by the technician or their employer, approved by the prime's site manager by the
end of the month after the work day."""

from __future__ import annotations

from datetime import date, datetime

from tortoise import connections
from tortoise.timezone import now

from api import db
from api.accounts.models import Account, Role
from api.attendance.service import upload_deadline
from api.errors import Conflict, Forbidden, NotFound, Unprocessable
from api.ids import check_ccus_id
from api.registration.models import Technician
from api.sites.access import is_site_manager
from api.sites.models import RosterEntry, Site, SiteContract
from api.sql import execute, is_pg
from api.timeutil import JST, today_jst
from api.workrecords.models import DirectInput, DirectInputStatus, WorkRecord


def deadline(work_date: date) -> date:
    """The last day of the month after the work day: the deadline of a late tap's upload too."""
    return upload_deadline(work_date)


async def enter(
    *, actor: Account, site: Site, technician_id: str, start_at: datetime, end_at: datetime | None, reason: str
) -> DirectInput:
    tech = await Technician.get_or_none(technician_id=check_ccus_id(technician_id, field="technician_id"))
    if tech is None:
        raise Unprocessable.field(
            "technician_id", "no registered technician with this ID", code="technician_not_registered"
        )
    if not (
        (actor.role is Role.technician and actor.technician_id == tech.id)  # type: ignore[attr-defined]
        or (actor.role is Role.business_admin and actor.business_id == tech.employer_id)  # type: ignore[attr-defined]
    ):
        raise Forbidden(
            "Only the technician or their employer enters a direct input.", code="not_technician_or_employer"
        )
    work_date = (start_at.astimezone(JST)).date()
    if end_at is not None and end_at <= start_at:
        raise Unprocessable.field("end_at", "the exit is before the entry", code="exit_before_entry")
    if work_date > today_jst():
        raise Unprocessable.field("start_at", "a direct input is for a day that has passed", code="day_not_passed")
    if today_jst() > deadline(work_date):
        raise Unprocessable.field(
            "start_at", f"the deadline for this day was {deadline(work_date)}", code="past_deadline"
        )
    # The roster entry is locked first: a direct input for the same day entered at the same moment (the technician
    # and the employer, say) waits here and then sees this one.
    roster = RosterEntry.filter(site=site, technician=tech)
    if not await (roster.select_for_update() if is_pg() else roster).first():
        raise Unprocessable.field("technician_id", "the technician never joined this site", code="not_on_site")
    if not site.window_start <= work_date <= site.window_end:
        raise Unprocessable.field("start_at", "outside the site's accumulation window", code="outside_window")
    if (
        await WorkRecord.filter(technician=tech, site=site, work_date=work_date).exists()
        or await DirectInput.filter(
            technician=tech, site=site, work_date=work_date, status__in=["pending", "approved"]
        ).exists()
    ):
        raise Conflict("There is already a record (or a direct input) for this day.", code="overlapping_record")
    item = await DirectInput.create(
        technician=tech,
        site=site,
        work_date=work_date,
        start_at=start_at,
        end_at=end_at,
        reason=reason,
        entered_by_id=actor.id,
    )
    # The approvers hear of it with the deadline (after commit: a refused input tells no one).
    await db.defer_job("notify_direct_input_pending", item.id, job_id=f"notify-direct-pending:{item.id}")
    return item


async def get(*, site: Site, pk: int) -> DirectInput:
    item = await DirectInput.get_or_none(id=pk, site=site)
    if item is None:
        raise NotFound("No such direct input on this site.", code="direct_input_not_found")
    return item


async def decide(*, actor: Account, site: Site, item: DirectInput, approve: bool, note: str | None) -> DirectInput:
    """Once: the decision is `UPDATE … WHERE status = 'pending'` (a concurrent decision matches nothing: 409
    already_decided), and an approval writes its work record with `INSERT … ON CONFLICT (technician, site, work_date)
    DO NOTHING` — one record per technician × site × day (the table's unique key). When a record for that day exists
    already (another direct input approved at the same moment, or the fold's from taps) the approval is refused with
    409 overlapping_record and rolled back, so the direct input stays pending for a rejection."""
    if not await is_site_manager(actor, site):
        raise Forbidden(
            "Only the prime contractor's site manager approves direct input.", code="not_prime_site_manager"
        )
    if item.status is not DirectInputStatus.pending:
        raise _decided_already(item.status)
    note = note.strip() if note else None
    if not approve and not note:
        # The technician and the employer must learn why the day was refused, to correct it or enter it again.
        raise Unprocessable.field("note", "a rejection needs its reason", code="rejection_reason_required")
    if approve and today_jst() > deadline(item.work_date):
        raise Conflict(f"The approval deadline was {deadline(item.work_date)}.", code="approval_deadline_passed")
    status = DirectInputStatus.approved if approve else DirectInputStatus.rejected
    if not await DirectInput.filter(id=item.id, status=DirectInputStatus.pending).update(
        status=status, decided_by_id=actor.id, decided_at=now(), decision_note=note
    ):
        raise _decided_already()
    await item.refresh_from_db()
    if approve and not await _record(site, item):
        raise Conflict(
            f"There is already a work record for {item.work_date} on this site: reject this direct input.",
            code="overlapping_record",
        )
    await db.defer_job("notify_direct_input_decided", item.id, job_id=f"notify-direct-decided:{item.id}")
    return item


def _decided_already(status: DirectInputStatus | None = None) -> Conflict:
    return Conflict(f"The direct input is already {status.value if status else 'decided'}.", code="already_decided")


async def _record(site: Site, item: DirectInput) -> bool:
    """The approved day's work record; False when the day has one already."""
    tech = await item.technician
    roster = await RosterEntry.get_or_none(site=site, technician=tech)
    contract = await SiteContract.get_or_none(site=site, business_id=tech.employer_id)  # type: ignore[attr-defined]
    return bool(
        await execute(
            connections.get("default"),
            "INSERT INTO work_record (technician_id, site_id, work_date, first_in, last_out, employer_id, tier, trade, "
            "position, work_content, method, taps, missing_exit, folded_at) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'direct', 0, ?, ?) "
            "ON CONFLICT (technician_id, site_id, work_date) DO NOTHING",
            [
                tech.id,
                site.id,
                item.work_date,
                item.start_at,
                item.end_at,
                tech.employer_id,  # type: ignore[attr-defined]
                contract.tier if contract else None,
                roster.trade if roster else None,
                roster.position.value if roster else None,
                roster.work_content if roster else None,
                item.end_at is None,
                now(),
            ],
        )
    )
