from __future__ import annotations

from datetime import date

from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from api.accounts.models import Account, Role
from api.accounts.service import create_account
from api.fees.tariffs import business_registration_fee, capital_band
from api.businesses.hooks import admin_created
from api.businesses.models import Business, ReviewStatus
from api.businesses.schemas import BusinessOut, BusinessRegisterIn, FeeOut, SubAccountIn
from api.errors import Forbidden, NotFound, Unprocessable
from api.ids import check_corporate_number, new_ccus_id
from api.timeutil import today_jst


async def register_business(*, data: BusinessRegisterIn, admin_login: str | None = None) -> tuple[Business, Account]:
    """The 事業者責任者 gets a login ID the system assigns (`admin_login` names it for demo data only).

    A taken 法人番号 gets the same answer as a free one (no "already registered" for anyone to probe): the
    registration is kept with the number as a claim, and the operator's review settles it (api/registration/review)."""
    if data.corporate_number is not None:
        check_corporate_number(data.corporate_number)
    fields = dict(
        business_id=await _unique_business_id(),
        **data.model_dump(exclude={"admin", "social_insurance"}),
        social_insurance=data.social_insurance.model_dump(),
        status=ReviewStatus.submitted,
    )
    business = None
    if data.corporate_number is not None and not await Business.filter(corporate_number=data.corporate_number).exists():
        try:
            async with in_transaction("default"):  # a savepoint: a concurrent registration of the same number may win
                business = await Business.create(**fields)
        except IntegrityError:
            business = None
    if business is None:
        claim = fields.pop("corporate_number")
        business = await Business.create(**fields, corporate_number=None, corporate_number_claim=claim)
    admin = await create_account(
        login=admin_login,
        password=data.admin.password,
        role=Role.business_admin,
        display_name=data.admin.display_name,
        email=data.admin.email,
        business=business,
        admin_tier=0,
        password_field="admin.password",
    )
    return business, admin


async def _unique_business_id() -> str:
    while True:
        candidate = new_ccus_id()
        if not await Business.filter(business_id=candidate).exists():
            return candidate


async def get_managed(*, actor: Account, pk: int) -> Business:
    """The business `actor` manages (its admins, the operator): 404 for no such business, 403 for another's."""
    business = await get_business(pk=pk)
    ensure_can_manage(actor, business)
    return business


def registration_fee(business: Business, *, on: date | None = None) -> FeeOut:
    on = on or today_jst()
    amount = business_registration_fee(
        capital_yen=business.capital_yen, sole_proprietor=business.sole_proprietor, on=on
    )
    band = capital_band(capital_yen=business.capital_yen, sole_proprietor=business.sole_proprietor)
    return FeeOut(band=band, amount_yen=amount, on=on.isoformat())


def to_out(business: Business) -> BusinessOut:
    data = {k: getattr(business, k) for k in BusinessOut.model_fields if k != "registration_fee"}
    data["corporate_number"] = business.corporate_number or business.corporate_number_claim
    data["social_insurance"] = business.social_insurance or None  # a placeholder firm (api/sites) declared none: {}
    return BusinessOut(**data, registration_fee=registration_fee(business))


def ensure_can_manage(actor: Account, business: Business) -> None:
    """Operators manage every business; a business admin only their own."""
    if actor.role is Role.operator:
        return
    if actor.role is Role.business_admin and actor.business_id == business.id:  # type: ignore[attr-defined]
        return
    raise Forbidden("You can only manage your own business.", code="not_own_business")


async def get_business(*, pk: int) -> Business:
    business = await Business.get_or_none(id=pk)
    if business is None:
        raise NotFound("No such business.", code="business_not_found")
    return business


async def find_by_ccus_id(*, business_id: str) -> Business:
    business = await Business.get_or_none(business_id=business_id)
    if business is None:
        raise NotFound("No business with this 事業者ID.", code="business_not_found")
    return business


async def add_sub_account(*, actor: Account, business: Business, data: SubAccountIn, role: Role) -> Account:
    ensure_can_manage(actor, business)
    if role is Role.business_admin:
        if data.tier is None:
            raise Unprocessable.field("tier", "a 管理者ID needs a tier from 1 to 3", code="tier_required")
        # An admin may create admins only below their own tier (事業者責任者 = 0 creates 1–3, tier 1 creates 2–3…).
        if actor.role is Role.business_admin and data.tier <= (actor.admin_tier or 0):
            raise Forbidden("You can only create 管理者ID below your own tier.", code="tier_not_below_own")
    elif data.tier is not None:
        raise Unprocessable.field("tier", "only 管理者ID have a tier", code="tier_not_allowed")
    account = await create_account(
        password=data.password,
        role=role,
        display_name=data.display_name,
        email=data.email,
        business=business,
        admin_tier=data.tier,
        must_change_password=True,  # the creating admin chose it: the holder picks their own at first login
    )
    await admin_created(account=account, business=business)  # billing: 管理者ID利用料 (api/businesses/hooks.py)
    return account
