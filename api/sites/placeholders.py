"""A missing upper tier (seed ⑥-4). A second-tier firm joins a contract tree only under its first-tier firm; when that
firm is not registered in CCUS its technicians' taps would wait as pending for ever. The prime's side (or the tier
above) enters the missing firm as a placeholder — its name and 法人番号 — so the tiers below join at their real 次数
and their records keep trade, position and tier. When the firm registers with that 法人番号, the approval of its
business application turns the placeholder's contracts into its own, once.

A placeholder is a `Business` row with `placeholder = true`: the contract tree, the fold and the reports need no
special case. It has no accounts and no 事業者責任者, never applies and is never billed (its status stays `draft`);
one row per 法人番号 (`placeholder_corporate_number` unique), shared by every site that needed it.
"""

from __future__ import annotations

import unicodedata

from tortoise import connections
from tortoise.timezone import now

from api.accounts.models import Account, Role
from api.businesses.models import Business
from api.errors import Conflict, Forbidden, Unprocessable
from api.ids import check_corporate_number, new_ccus_id
from api.registration import hooks as registration_hooks
from api.sites.access import is_site_manager, lock_tree_for_join
from api.sites.models import ContractStatus, Site, SiteContract
from api.sql import execute, fetch


def normalise(text: str) -> str:
    """NFKC (full-width digits and letters → ASCII, half-width kana → full-width), spaces trimmed and folded."""
    return " ".join(unicodedata.normalize("NFKC", text).split())


async def may_act_for(actor: Account, site: Site, parent: SiteContract) -> bool:
    """Who acts for a placeholder's place in the tree: the prime's side, and the admins of the tier above it."""
    if await is_site_manager(actor, site):
        return True
    if parent.parent_id is None:  # type: ignore[attr-defined]
        return False
    above = await SiteContract.get(id=parent.parent_id)  # type: ignore[attr-defined]
    return actor.role is Role.business_admin and actor.business_id == above.business_id  # type: ignore[attr-defined]


async def add(*, actor: Account, site: Site, parent_contract_id: int, name: str, corporate_number: str) -> SiteContract:
    parent = await SiteContract.get_or_none(id=parent_contract_id, site=site)
    if parent is None or parent.status is not ContractStatus.approved:
        raise Unprocessable.field(
            "parent_contract_id", "no approved contract with this id on this site", code="parent_contract_not_found"
        )
    parent_business = await parent.business
    acting_for_parent = actor.role is Role.business_admin and actor.business_id == parent.business_id  # type: ignore
    if not (
        acting_for_parent
        or await is_site_manager(actor, site)
        or (parent_business.placeholder and await may_act_for(actor, site, parent))
    ):
        raise Forbidden("Only the prime's side or the direct upper tier enters a missing firm.", code="not_upper_tier")
    name = normalise(name)
    if not name:
        raise Unprocessable.field("name", "the firm's name is needed", code="placeholder_name_required")
    if len(name) > 200:  # NFKC can lengthen a name (㍿ → 株式会社)
        raise Unprocessable.field("name", "at most 200 characters once normalised", code="placeholder_name_too_long")
    number = check_corporate_number(normalise(corporate_number).replace("-", "").replace(" ", ""))
    if await Business.filter(corporate_number=number).exists():
        raise Conflict(
            "A business with this 法人番号 is registered in CCUS: invite it with its 事業者ID instead.",
            code="business_already_registered",
        )
    conn = connections.get("default")
    # One placeholder per 法人番号, whoever enters it first (two sites may need the same missing firm at once).
    await execute(
        conn,
        """
INSERT INTO business (business_id, placeholder_corporate_number, name, name_kana, permitted_industries, social_insurance,
                      postal_code, prefecture, address, phone, email, status, placeholder, sole_proprietor, created_at,
                      updated_at)
VALUES (?, ?, ?, '', '[]', '{}', '', '', '', '', '', 'draft', {true}, {false}, ?, ?)
ON CONFLICT (placeholder_corporate_number) DO NOTHING""",
        [await _new_business_id(), number, name, now(), now()],
    )
    business = await Business.get(placeholder_corporate_number=number)
    if business.merged_into_id is not None:
        raise Conflict(
            "The firm with this 法人番号 has registered: invite it with its 事業者ID instead.",
            code="business_already_registered",
        )
    # Once per site: the unique (site, business) decides between two entries racing, never a check before it.
    at = now()
    made = await execute(
        conn,
        "INSERT INTO site_contract (site_id, business_id, parent_id, tier, status, proxy, "
        "decided_at, created_at) VALUES (?, ?, ?, ?, 'approved', {true}, ?, ?) "
        "ON CONFLICT (site_id, business_id) DO NOTHING",
        [site.id, business.id, parent.id, parent.tier + 1, at, at],
    )
    if not made:
        raise Conflict("This firm is already in the site's contract tree.", code="already_in_tree")
    return await SiteContract.get(site=site, business=business)


async def _new_business_id() -> str:
    while await Business.filter(business_id=(candidate := new_ccus_id())).exists():
        pass
    return candidate


async def adopt(*, business: Business) -> int:
    """On the approval of `business`'s registration: the placeholder with its 法人番号 becomes it — every contract
    of the placeholder moves to the business (at the same place and tier, so the tiers below and their records stay
    as they are), once. Returns the contracts moved."""
    number = business.corporate_number or business.corporate_number_claim
    if not number:
        return 0
    conn = connections.get("default")
    # The conditional write decides: of two approvals racing, one merges, the other finds it done.
    taken = await fetch(
        conn,
        "UPDATE business SET merged_into_id = ? WHERE placeholder_corporate_number = ? AND "
        "placeholder = {true} AND merged_into_id IS NULL RETURNING id",
        [business.id, number],
    )
    if not taken:
        return 0
    placeholder_pk = taken[0]["id"]
    # The business joins the trees of the placeholder's sites: after any tap of its people stored pending there.
    sites = await fetch(conn, "SELECT site_id FROM site_contract WHERE business_id = ?", [placeholder_pk])
    await lock_tree_for_join(conn, [int(r["site_id"]) for r in sites])
    # A site where the firm is already in the tree under its own ID keeps both places (the prime settles it).
    moved = await execute(
        conn,
        "UPDATE site_contract SET business_id = ? WHERE business_id = ? AND site_id NOT IN "
        "(SELECT site_id FROM site_contract WHERE business_id = ?)",
        [business.id, placeholder_pk, business.id],
    )
    from api.sites.service import joined_sites

    await joined_sites(business)
    return moved


@registration_hooks.business_approved.connect
async def adopt_on_approval(*, business: Business) -> None:
    """Connected to api.registration.hooks.business_approved: the approval of a business adopts its placeholder."""
    await adopt(business=business)
