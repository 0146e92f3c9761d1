"""Who may do what on a site. Kept apart from the service so attendance, devices and registration share one rule."""

from __future__ import annotations

from api.accounts.models import Account, Role
from api.errors import Forbidden, NotFound
from api.registration import hooks as registration_hooks
from api.registration.models import Technician
from api.sites.models import ContractStatus, RosterEntry, Site, SiteContract, SiteManager
from api.sql import fetch, is_pg
from api.timeutil import today_jst

# pg_advisory_xact_lock(TREE_LOCK, tree_key(site)): a firm joining a site's tree (exclusive) against a tap stored
# pending because its employer was not in the tree (shared, api/attendance/service.py). The job that releases the
# firm's pending taps runs once, after the join commits; without the lock a tap that read the tree before the join
# and was stored after the job had run stayed pending for ever.
TREE_LOCK = 7_340_222


def tree_key(site_id: int) -> int:
    return site_id % 2_147_483_647  # the two-key form takes 32-bit keys


async def lock_tree_for_join(conn, site_ids: list[int]) -> None:
    """Held to the end of the transaction, taken before a firm joins a tree (an approved contract is written or moved
    to it): a tap ingest that stored one of its technicians' taps as pending has committed (the release job then finds
    the tap), or it waits and reads the tree with the firm in it. Sites in order, so two joins never deadlock. SQLite
    (one writer) needs nothing."""
    if is_pg(conn):
        for site_id in sorted(set(site_ids)):
            await fetch(conn, "SELECT pg_advisory_xact_lock(?, ?)", [TREE_LOCK, tree_key(site_id)])


async def tree(site: Site) -> dict[int, SiteContract]:
    return {c.id: c for c in await SiteContract.filter(site=site)}


def chain_up(contracts: dict[int, SiteContract], business_id: int) -> list[SiteContract]:
    """The approved contracts from `business_id`'s own up to the prime, or [] if it is not (approved) in the tree."""
    own = next(
        (
            c
            for c in contracts.values()
            if c.business_id == business_id  # type: ignore[attr-defined]
            and c.status is ContractStatus.approved
        ),
        None,
    )
    out = []
    while own is not None:
        out.append(own)
        own = contracts.get(own.parent_id) if own.parent_id else None  # type: ignore[attr-defined]
    return out


async def is_site_manager(actor: Account, site: Site) -> bool:
    """The prime's admins and the site managers assigned to this site run it."""
    if actor.role is Role.business_admin and actor.business_id == site.prime_id:  # type: ignore[attr-defined]
        return True
    if actor.role is Role.site_manager:
        return await SiteManager.filter(site=site, account=actor).exists()
    return False


async def ensure_manages(actor: Account, site: Site) -> None:
    if not await is_site_manager(actor, site):
        raise Forbidden(
            "Only the prime contractor's admins and this site's managers can do this.", code="not_site_staff"
        )


async def ensure_can_see(actor: Account, site: Site) -> None:
    if actor.role is Role.operator or await is_site_manager(actor, site):
        return
    if (
        actor.role is Role.business_admin
        and await SiteContract.filter(
            site=site,
            business_id=actor.business_id,  # type: ignore[attr-defined]
        ).exists()
    ):
        return
    raise NotFound("No such site.", code="site_not_found")


@registration_hooks.may_view.connect
async def can_view_on_site(actor: Account, tech: Technician) -> bool:
    """The prime and the upper tiers see a technician while the technician is on their site (an active roster entry
    on a site whose accumulation window has not ended); the site's managers likewise. Asked by
    api.registration.service.get_visible through api.registration.hooks.may_view."""
    if actor.role not in (Role.business_admin, Role.site_manager):
        return False
    entries = await RosterEntry.filter(technician=tech, active=True, site__window_end__gte=today_jst()).select_related(
        "site"
    )
    for entry in entries:
        if await is_site_manager(actor, entry.site):
            return True
        if actor.role is Role.business_admin and any(
            c.business_id == actor.business_id  # type: ignore[attr-defined]
            for c in chain_up(await tree(entry.site), entry.employer_id)
        ):
            return True
    return False
