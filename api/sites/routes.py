from api.accounts.models import Role
from api.http import Ctx, Router
from api.sites import placeholders, service, training
from api.sites.access import ensure_can_see
from api.sites.schemas import (
    ContractIn,
    ContractOut,
    MarkTrainingIn,
    PlaceholderIn,
    RosterIn,
    RosterOut,
    RosterPatch,
    SiteIn,
    SiteOut,
    TraineeIn,
    TrainingSiteIn,
)

router = Router()
PORTAL = {Role.business_admin, Role.site_manager, Role.operator}


async def _site(ctx: Ctx):
    site = await service.get_site(pk=int(ctx.path["pk"]))
    await ensure_can_see(ctx.user, site)
    return site


@router.post(
    "/sites",
    summary="Register a site (現場・契約情報) as the prime contractor; issues the 14-digit site_id",
    tags=["sites"],
    roles={Role.business_admin},
    status=201,
    errors=(403, 409, 422),
)
async def create_site(ctx: Ctx, body: SiteIn) -> SiteOut:
    return await service.site_out(await service.create_site(actor=ctx.user, data=body))


@router.post(
    "/training-sites",
    summary="Register a CCUS登録教育訓練機関 as a training site (operator; from 2025-10-01)",
    tags=["sites"],
    roles={Role.operator},
    status=201,
    errors=(403, 422),
)
async def create_training_site(ctx: Ctx, body: TrainingSiteIn) -> SiteOut:
    return await service.site_out(await training.create(actor=ctx.user, data=body))


@router.post(
    "/sites/{pk:int}/training",
    summary="Mark a site without taps or records as a training site (operator)",
    tags=["sites"],
    roles={Role.operator},
    errors=(403, 404, 409, 422),
)
async def mark_training_site(ctx: Ctx, body: MarkTrainingIn) -> SiteOut:
    return await service.site_out(await training.mark(actor=ctx.user, site=await _site(ctx), data=body))


@router.post(
    "/sites/{pk:int}/trainees",
    summary="Enrol a trainee on a training site with the course's trade (the site's staff or the operator)",
    tags=["sites"],
    roles={Role.business_admin, Role.site_manager, Role.operator},
    status=201,
    errors=(403, 404, 409, 422),
)
async def enrol_trainee(ctx: Ctx, body: TraineeIn) -> list[RosterOut]:
    site = await _site(ctx)
    await training.enrol(actor=ctx.user, site=site, data=body)
    return await service.roster_out(actor=ctx.user, site=site)


@router.get("/sites", summary="Sites I run or work on", tags=["sites"], roles=PORTAL)
async def list_sites(ctx: Ctx) -> list[SiteOut]:
    return [await service.site_out(s) for s in await service.sites_for(actor=ctx.user)]


@router.get("/sites/{pk:int}", summary="A site", tags=["sites"], roles=PORTAL, errors=(404,))
async def get_site(ctx: Ctx) -> SiteOut:
    return await service.site_out(await _site(ctx))


@router.get(
    "/sites/{pk:int}/contracts",
    summary="The contract tree (施工体制)",
    tags=["sites"],
    roles=PORTAL,
    errors=(404,),
)
async def contracts(ctx: Ctx) -> list[ContractOut]:
    return await service.contracts_out(await _site(ctx))


@router.post(
    "/sites/{pk:int}/contracts",
    summary="Invite the next tier (or register it by proxy)",
    tags=["sites"],
    roles={Role.business_admin, Role.site_manager},
    status=201,
    errors=(403, 404, 409, 422),
)
async def invite(ctx: Ctx, body: ContractIn) -> list[ContractOut]:
    site = await _site(ctx)
    await service.invite(actor=ctx.user, site=site, data=body)
    return await service.contracts_out(site)


@router.post(
    "/sites/{pk:int}/contracts/placeholders",
    summary="Enter a missing upper tier (a firm not registered in "
    "CCUS) by name and 法人番号, so the tiers below join at their real 次数",
    tags=["sites"],
    roles={Role.business_admin, Role.site_manager},
    status=201,
    errors=(403, 404, 409, 422),
)
async def add_placeholder(ctx: Ctx, body: PlaceholderIn) -> list[ContractOut]:
    site = await _site(ctx)
    b = body
    await placeholders.add(
        actor=ctx.user,
        site=site,
        parent_contract_id=b.parent_contract_id,
        name=b.name,
        corporate_number=b.corporate_number,
    )
    return await service.contracts_out(site)


async def _decide(ctx: Ctx, approve: bool):
    site = await _site(ctx)
    await service.decide(actor=ctx.user, site=site, contract_id=int(ctx.path["cid"]), approve=approve)
    return await service.contracts_out(site)


@router.post(
    "/sites/{pk:int}/contracts/{cid:int}/approve",
    summary="Accept an invitation",
    tags=["sites"],
    roles={Role.business_admin},
    errors=(403, 404, 409),
)
async def approve(ctx: Ctx) -> list[ContractOut]:
    return await _decide(ctx, True)


@router.post(
    "/sites/{pk:int}/contracts/{cid:int}/decline",
    summary="Decline an invitation",
    tags=["sites"],
    roles={Role.business_admin},
    errors=(403, 404, 409),
)
async def decline(ctx: Ctx) -> list[ContractOut]:
    return await _decide(ctx, False)


@router.get(
    "/sites/{pk:int}/roster",
    summary="The site roster (作業員名簿 base)",
    tags=["sites"],
    roles=PORTAL,
    errors=(404,),
)
async def roster(ctx: Ctx) -> list[RosterOut]:
    return await service.roster_out(actor=ctx.user, site=await _site(ctx))


@router.post(
    "/sites/{pk:int}/roster",
    summary="Put your technician on the roster with trade, position and work",
    tags=["sites"],
    roles={Role.business_admin},
    status=201,
    errors=(403, 404, 409, 422),
)
async def add_roster(ctx: Ctx, body: RosterIn) -> list[RosterOut]:
    site = await _site(ctx)
    await service.add_roster(actor=ctx.user, site=site, data=body)
    return await service.roster_out(actor=ctx.user, site=site)


@router.patch(
    "/sites/{pk:int}/roster/{rid:int}",
    summary="Change or end a roster entry",
    tags=["sites"],
    roles={Role.business_admin},
    errors=(403, 404, 422),
)
async def patch_roster(ctx: Ctx, rid: int, body: RosterPatch) -> list[RosterOut]:
    site = await _site(ctx)
    await service.update_roster(actor=ctx.user, site=site, entry_id=rid, data=body)
    return await service.roster_out(actor=ctx.user, site=site)
