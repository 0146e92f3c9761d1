"""Virtual card reads (docs/virtual-card.md): a site's kiosk or a site manager's phone enrolled as a device uploads
what it read; it downloads the roster's public keys to verify codes while offline."""

from api.accounts.models import Role
from api.attendance import service, virtual_taps
from api.attendance.schemas import BatchOut, TapResult, VirtualRosterOut, VirtualTapBatchIn, VirtualTapIn
from api.devices.service import device_of
from api.http import Ctx, Router

router = Router()


@router.post(
    "/taps/virtual-cards",
    summary="Upload virtual card reads from a kiosk or a site manager's phone (up to 200; each stored once)",
    tags=["attendance"],
    roles={Role.device},
    errors=(403,),
    transactional=False,
)
async def virtual_batch(ctx: Ctx, body: VirtualTapBatchIn) -> BatchOut:
    device = await device_of(ctx.user, cache=ctx.state.device_cache)
    return await virtual_taps.ingest_reads(device=device, items=body.taps, master_keys=ctx.settings.card_keys())


@router.post(
    "/taps/virtual-card",
    summary="Upload one virtual card read",
    tags=["attendance"],
    roles={Role.device},
    errors=(403, 409, 422),
    transactional=False,
)
async def virtual_one(ctx: Ctx, body: VirtualTapIn) -> TapResult:
    device = await device_of(ctx.user, cache=ctx.state.device_cache)
    out = await virtual_taps.ingest_reads(
        device=device, items=[body.model_dump(mode="json")], master_keys=ctx.settings.card_keys()
    )
    return service.single_result(out)


@router.get(
    "/virtual-cards/roster",
    summary="The site's virtual card holders and their phones' public keys, to verify codes offline",
    tags=["attendance"],
    roles={Role.device},
    errors=(403,),
)
async def virtual_roster(ctx: Ctx) -> VirtualRosterOut:
    return await virtual_taps.roster(device=await device_of(ctx.user, cache=ctx.state.device_cache))
