"""Sites, their contract trees (施工体制) and rosters (施工体制技能者)."""

from __future__ import annotations

from tortoise import connections
from tortoise.exceptions import IntegrityError
from tortoise.timezone import now

from api import db
from api.accounts.models import Account, Role
from api.businesses.models import Business, ReviewStatus
from api.errors import Conflict, Forbidden, NotFound, Unprocessable
from api.ids import check_ccus_id, new_ccus_id
from api.registration import hooks as registration_hooks
from api.registration.masters import trades
from api.registration.models import Technician
from api.sites import placeholders
from api.sites.access import ensure_manages, lock_tree_for_join, tree
from api.sites.models import ContractStatus, RosterEntry, Site, SiteContract, SiteManager
from api.sites.training import training_out
from api.sql import is_pg
from api.sites.schemas import ContractIn, ContractOut, Geofence, RosterIn, RosterOut, RosterPatch, SiteIn, SiteOut


async def create_site(*, actor: Account, data: SiteIn) -> Site:
    if actor.role is not Role.business_admin:
        raise Forbidden("A site is registered by the prime contractor's 管理者ID.", code="prime_admin_only")
    prime = await Business.get(id=actor.business_id)  # type: ignore[attr-defined]
    if prime.status is not ReviewStatus.approved:
        raise Conflict("Your business registration must be approved first.", code="business_not_approved")
    managers = await Account.filter(id__in=data.manager_account_ids, business=prime, role=Role.site_manager)
    if len(managers) != len(set(data.manager_account_ids)):
        raise Unprocessable.field(
            "manager_account_ids", "each must be a 現場管理者ID of your business", code="not_own_site_manager"
        )
    while await Site.filter(site_id=(site_id := new_ccus_id())).exists():
        pass
    geo = data.geofence
    site = await Site.create(
        site_id=site_id,
        prime=prime,
        **data.model_dump(exclude={"geofence", "manager_account_ids"}),
        geofence_lat=geo.lat if geo else None,
        geofence_lon=geo.lon if geo else None,
        geofence_radius_m=geo.radius_m if geo else None,
    )
    for m in managers:
        await SiteManager.create(site=site, account=m)
    await SiteContract.create(site=site, business=prime, tier=0, status=ContractStatus.approved, decided_at=now())
    return site


async def get_site(*, pk: int) -> Site:
    site = await Site.get_or_none(id=pk)
    if site is None:
        raise NotFound("No such site.", code="site_not_found")
    return site


async def site_out(site: Site) -> SiteOut:
    managers = await SiteManager.filter(site=site).values_list("account_id", flat=True)
    geo = (
        Geofence(lat=site.geofence_lat, lon=site.geofence_lon, radius_m=site.geofence_radius_m)  # type: ignore[arg-type]
        if site.geofence_lat is not None
        else None
    )
    return SiteOut(
        id=site.id,
        site_id=site.site_id,
        prime_pk=site.prime_id,
        name=site.name,
        address=site.address,
        order_type=site.order_type.value,
        window_start=site.window_start,
        window_end=site.window_end,
        cutoff_hour=site.cutoff_hour,
        shift_hours=site.shift_hours,
        hazardous=site.hazardous,
        geofence=geo,
        manager_account_ids=sorted(managers),
        face_threshold=site.face_threshold,
        face_policy=site.face_policy,
        created_at=site.created_at,
        kind=site.kind.value,
        training=await training_out(site),
    )


async def sites_for(*, actor: Account) -> list[Site]:
    if actor.role is Role.operator:
        return await Site.all().order_by("-id").limit(500)
    if actor.role is Role.site_manager:
        return await Site.filter(managers__account=actor).order_by("-id")
    if actor.role is Role.business_admin:
        return await Site.filter(contracts__business_id=actor.business_id).distinct().order_by("-id")  # type: ignore
    return []


async def contracts_out(site: Site) -> list[ContractOut]:
    rows = await SiteContract.filter(site=site).select_related("business").order_by("tier", "id")
    return [
        ContractOut(
            id=c.id,
            business_pk=c.business.id,
            business_id=c.business.business_id,
            business_name=c.business.name,
            parent_id=c.parent_id,  # type: ignore[attr-defined]
            tier=c.tier,
            status=c.status.value,
            proxy=c.proxy,
            placeholder=c.business.placeholder,
            corporate_number=c.business.placeholder_corporate_number if c.business.placeholder else None,
        )
        for c in rows
    ]


async def invite(*, actor: Account, site: Site, data: ContractIn) -> SiteContract:
    """The direct upper tier invites the next tier down (or registers it by proxy, which needs no approval)."""
    parent = await SiteContract.get_or_none(id=data.parent_contract_id, site=site)
    if parent is None or parent.status is not ContractStatus.approved:
        raise Unprocessable.field(
            "parent_contract_id", "no approved contract with this id on this site", code="parent_contract_not_found"
        )
    acting_for_parent = actor.role is Role.business_admin and actor.business_id == parent.business_id  # type: ignore
    # A placeholder (a missing upper tier, api/sites/placeholders.py) has no admins: whoever entered it acts for it.
    for_placeholder = (await parent.business).placeholder and await placeholders.may_act_for(actor, site, parent)
    if not acting_for_parent and not for_placeholder and not (parent.tier == 0 and await _manages(actor, site)):
        raise Forbidden("Only the direct upper tier can invite or register this tier.", code="not_direct_upper_tier")
    business = await Business.get_or_none(business_id=check_ccus_id(data.business_id, field="business_id"))
    if business is None or business.status is not ReviewStatus.approved:
        raise Unprocessable.field(
            "business_id",
            "only a registered (approved) business can join a contract tree",
            code="business_not_registered",
        )
    if data.proxy:  # joins the tree at once: after any tap of the firm's people stored pending (api/sites/access.py)
        await lock_tree_for_join(connections.get("default"), [site.id])
    if await SiteContract.filter(site=site, business=business).exists():
        raise _in_tree_already()
    try:  # the (site, business) unique key decides between two invitations sent at the same moment
        contract = await SiteContract.create(
            site=site,
            business=business,
            parent=parent,
            tier=parent.tier + 1,
            proxy=data.proxy,
            status=ContractStatus.approved if data.proxy else ContractStatus.invited,
            decided_at=now() if data.proxy else None,
        )
    except IntegrityError:  # a refusal: the request rolls back
        raise _in_tree_already() from None
    if data.proxy:
        await _joined(site, business)
    else:
        await db.defer_job("notify_contract_invitation", contract.id, job_id=f"notify-contract-invited:{contract.id}")
    return contract


async def _manages(actor: Account, site: Site) -> bool:
    try:
        await ensure_manages(actor, site)
        return True
    except Forbidden:
        return False


async def decide(*, actor: Account, site: Site, contract_id: int, approve: bool) -> SiteContract:
    contract = await SiteContract.get_or_none(id=contract_id, site=site)
    if contract is None:
        raise NotFound("No such contract on this site.", code="contract_not_found")
    if not (actor.role is Role.business_admin and actor.business_id == contract.business_id):  # type: ignore
        raise Forbidden("Only the invited business answers its invitation.", code="not_invited_business")
    if contract.status is not ContractStatus.invited:
        raise Conflict(f"The invitation is already {contract.status.value}.", code="already_decided")
    if approve:  # joins the tree: after any tap of the firm's people stored pending (api/sites/access.py)
        await lock_tree_for_join(connections.get("default"), [site.id])
    # Once: invited → approved / declined is a conditional write; a concurrent answer matches nothing.
    contract.status = ContractStatus.approved if approve else ContractStatus.declined
    contract.decided_at = now()
    if not await SiteContract.filter(id=contract.id, status=ContractStatus.invited).update(
        status=contract.status, decided_at=contract.decided_at
    ):
        raise Conflict("The invitation has already been answered.", code="already_decided")
    if approve:
        await _joined(site, await contract.business)
    return contract


async def joined_sites(business: Business) -> None:
    """After a placeholder's contracts became `business`'s: its technicians' held taps on those sites can count."""
    for site_pk in await SiteContract.filter(business=business).values_list("site_id", flat=True):
        await db.defer_job(
            "release_pending_taps", site_pk, business.id, job_id=f"release-pending:{site_pk}:{business.id}"
        )


async def _joined(site: Site, business: Business) -> None:
    """Taps held as pending because this employer was missing from the tree can now count (seed 000 §⑥ 4)."""
    await db.defer_job("release_pending_taps", site.id, business.id, job_id=f"release-pending:{site.id}:{business.id}")


async def add_roster(*, actor: Account, site: Site, data: RosterIn) -> RosterEntry:
    """The employer registers its own technician on a site where it is (approved) in the tree."""
    if actor.role is not Role.business_admin:
        raise Forbidden("The technician's employer registers the roster entry.", code="not_employer")
    # The technician's row locked before their employer is read: a departure (api/registration/service.py
    # leave_employer writes this row, then takes the technician off the business's rosters) has committed and is
    # seen here, or waits for this entry and takes it off too. Without it an entry added during a departure stayed
    # on the roster of a firm the technician had left.
    qs = Technician.filter(technician_id=check_ccus_id(data.technician_id, field="technician_id"))
    tech = await (qs.select_for_update() if is_pg() else qs).first()
    if tech is None or tech.employer_id != actor.business_id:  # type: ignore[attr-defined]
        raise Unprocessable.field(
            "technician_id", "not a registered technician of your business", code="not_own_technician"
        )
    contracts = await tree(site)
    if not any(
        c.business_id == actor.business_id and c.status is ContractStatus.approved  # type: ignore
        for c in contracts.values()
    ):
        raise Conflict("Your business is not (yet) in this site's contract tree.", code="not_in_tree")
    if data.trade not in trades():
        raise Unprocessable.field("trade", "unknown trade code", code="unknown_trade")
    if await RosterEntry.filter(site=site, technician=tech).exists():
        raise _on_roster_already()
    try:  # the (site, technician) unique key decides between two additions at the same moment
        return await RosterEntry.create(
            site=site,
            technician=tech,
            employer_id=actor.business_id,  # type: ignore
            trade=data.trade,
            position=data.position,
            work_content=data.work_content,
        )
    except IntegrityError:  # a refusal: the request rolls back
        raise _on_roster_already() from None


def _in_tree_already() -> Conflict:
    return Conflict("This business is already in the site's contract tree.", code="already_in_tree")


def _on_roster_already() -> Conflict:
    return Conflict("This technician is already on the site's roster.", code="already_on_roster")


async def update_roster(*, actor: Account, site: Site, entry_id: int, data: RosterPatch) -> RosterEntry:
    entry = await RosterEntry.get_or_none(id=entry_id, site=site)
    if entry is None:
        raise NotFound("No such roster entry.", code="roster_entry_not_found")
    if not (actor.role is Role.business_admin and actor.business_id == entry.employer_id):  # type: ignore
        raise Forbidden("Only the technician's employer edits the roster entry.", code="not_employer")
    changes = data.model_dump(exclude_unset=True)
    if "trade" in changes and changes["trade"] not in trades():
        raise Unprocessable.field("trade", "unknown trade code", code="unknown_trade")
    if changes.get("active") and not entry.active:
        # Back on the roster only while still employed here, as an addition: the technician's row locked first, so a
        # departure committing meanwhile is seen (see add_roster).
        qs = Technician.filter(id=entry.technician_id)  # type: ignore[attr-defined]
        tech = await (qs.select_for_update() if is_pg() else qs).first()
        if tech is None or tech.employer_id != entry.employer_id:  # type: ignore[attr-defined]
            raise Unprocessable.field(
                "active",
                "the technician is no longer a registered technician of your business",
                code="not_own_technician",
            )
    entry.update_from_dict(changes)
    if changes:
        # Only the changed fields: the entry was read without a lock, and a whole-row save would write back what a
        # concurrent departure committed meanwhile (the entry ended).
        await entry.save(update_fields=list(changes))
    return entry


async def roster_out(*, actor: Account, site: Site) -> list[RosterOut]:
    """The prime and site managers see everyone; a subcontractor sees its own tier and the tiers below it."""
    qs = RosterEntry.filter(site=site).select_related("technician").order_by("id")
    if not await _manages(actor, site) and actor.role is not Role.operator:
        contracts = await tree(site)
        visible = _below(contracts, actor.business_id)  # type: ignore[attr-defined]
        qs = qs.filter(employer_id__in=visible)
    return [
        RosterOut(
            id=e.id,
            technician_pk=e.technician.id,
            technician_id=e.technician.technician_id or "",
            name=f"{e.technician.family_name} {e.technician.given_name}",
            employer_pk=e.employer_id,  # type: ignore
            trade=e.trade,
            position=e.position.value,
            work_content=e.work_content,
            active=e.active,
        )
        for e in await qs
    ]


def _below(contracts: dict[int, SiteContract], business_id: int) -> set[int]:
    own = [c.id for c in contracts.values() if c.business_id == business_id]  # type: ignore[attr-defined]
    seen, stack = set(own), list(own)
    while stack:
        cid = stack.pop()
        for c in contracts.values():
            if c.parent_id == cid and c.id not in seen:  # type: ignore[attr-defined]
                seen.add(c.id)
                stack.append(c.id)
    return {contracts[c].business_id for c in seen}  # type: ignore[attr-defined]


@registration_hooks.employee_left.connect
async def leave_rosters(*, tech: Technician, business: Business) -> None:
    """Connected to api.registration.hooks.employee_left: off the rosters the business put the technician on."""
    await RosterEntry.filter(technician=tech, employer=business, active=True).update(active=False)
