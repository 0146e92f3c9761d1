from api.accounts.models import Role
from api.businesses.service import get_business
from api.cards import revocation as cards_revocation
from api.cards.schemas import RevocationsOut, RevocationsQuery
from api.devices import service
from api.devices.models import Device
from api.devices.schemas import (
    ApiClientIn,
    ApiClientOut,
    DeviceCreatedOut,
    DeviceIn,
    DeviceOut,
    DeviceSelfOut,
    EnrolIn,
    EnrolOut,
    HeartbeatIn,
    HeartbeatOut,
)
from api.http import Ctx, Router
from api.sites.access import ensure_manages
from api.sites.service import get_site

router = Router()
MANAGERS = {Role.business_admin, Role.site_manager}


@router.post(
    "/sites/{pk:int}/devices",
    summary="Register a card reader or face kiosk; returns a one-time code",
    tags=["devices"],
    roles=MANAGERS,
    status=201,
    errors=(403, 404),
)
async def create_device(ctx: Ctx, pk: int, body: DeviceIn) -> DeviceCreatedOut:
    site = await get_site(pk=pk)
    device, code = await service.create_device(actor=ctx.user, site=site, kind=body.kind, name=body.name)
    return DeviceCreatedOut(device=service.device_out(device), enrolment_code=code)


@router.get(
    "/sites/{pk:int}/devices",
    summary="The site's devices with last seen, version and outbox depth",
    tags=["devices"],
    roles=MANAGERS | {Role.operator},
    errors=(403, 404),
)
async def list_devices(ctx: Ctx, pk: int) -> list[DeviceOut]:
    site = await get_site(pk=pk)
    if ctx.user.role is not Role.operator:
        await ensure_manages(ctx.user, site)
    return [service.device_out(d) for d in await Device.filter(site=site).order_by("id")]


@router.post(
    "/sites/{pk:int}/devices/{did:int}/rotate",
    summary="New secret: old tokens end, enrol again",
    tags=["devices"],
    roles=MANAGERS,
    errors=(403, 404, 409),
)
async def rotate(ctx: Ctx, pk: int, did: int) -> DeviceCreatedOut:
    device = await service.get_device(actor=ctx.user, site=await get_site(pk=pk), pk=did)
    code = await service.rotate(device=device)
    return DeviceCreatedOut(device=service.device_out(device), enrolment_code=code)


@router.post(
    "/sites/{pk:int}/devices/{did:int}/revoke",
    summary="Revoke a device for good",
    tags=["devices"],
    roles=MANAGERS,
    errors=(403, 404),
)
async def revoke(ctx: Ctx, pk: int, did: int) -> DeviceOut:
    device = await service.get_device(actor=ctx.user, site=await get_site(pk=pk), pk=did)
    await service.revoke(device=device)
    return service.device_out(device)


@router.post(
    "/devices/enrol",
    summary="Exchange a one-time enrolment code for the device token",
    tags=["devices"],
    status=201,
    errors=(401,),
)
async def enrol(ctx: Ctx, body: EnrolIn) -> EnrolOut:
    device, token = await service.enrol(code=body.code, software_version=body.software_version)
    return EnrolOut(device_id=str(device.id), device_token=token, site_id=device.site.site_id)


@router.get(
    "/devices/me",
    summary="The calling device: its kind, name and site",
    tags=["devices"],
    roles={Role.device},
    errors=(403,),
)
async def device_me(ctx: Ctx) -> DeviceSelfOut:
    d = await service.device_of(ctx.user, cache=ctx.state.device_cache)
    return DeviceSelfOut(
        device_id=d.id, kind=d.kind.value, name=d.name, site_pk=d.site.id, site_id=d.site.site_id, site_name=d.site.name
    )


@router.post(
    "/devices/heartbeat",
    summary="Device heartbeat; answers the revocation-list version",
    tags=["devices"],
    roles={Role.device},
)
async def heartbeat(ctx: Ctx, body: HeartbeatIn) -> HeartbeatOut:
    device = await service.device_of(ctx.user)
    return HeartbeatOut(revocations_version=await service.heartbeat(device=device, data=body))


@router.get(
    "/devices/revocations",
    summary="Revoked card serials since a version (full list when needed); with "
    "wait=S a long-poll that answers as soon as the list changes, or after S seconds",
    tags=["devices"],
    roles={Role.device},
)
async def revocations(ctx: Ctx, query: RevocationsQuery) -> RevocationsOut:
    await service.device_of(ctx.user, cache=ctx.state.device_cache)
    if query.wait and await cards_revocation.revocations_version() == query.since:
        await _wait_unless_gone(ctx, ctx.state.revocation_watch.wait_for_change(since=query.since, timeout=query.wait))
    return await cards_revocation.revocations_since(since=query.since)


async def _wait_unless_gone(ctx: Ctx, waiting) -> None:
    """Wait, but stop as soon as the reader hangs up (a killed reader must not leave a waiter behind)."""
    import asyncio
    import contextlib

    async def gone() -> None:
        while (await ctx.request.receive())["type"] != "http.disconnect":
            pass

    tasks = [asyncio.ensure_future(waiting), asyncio.ensure_future(gone())]
    _, pending = await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
    for task in pending:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task


@router.post(
    "/businesses/{pk:int}/api-clients",
    summary="Credentials for a private attendance system (API連携)",
    tags=["devices"],
    roles={Role.business_admin},
    status=201,
    errors=(403, 404),
)
async def create_api_client(ctx: Ctx, pk: int, body: ApiClientIn) -> ApiClientOut:
    account, secret = await service.create_api_client(
        actor=ctx.user, business=await get_business(pk=pk), name=body.name
    )
    return ApiClientOut(id=account.id, client_id=account.login, client_secret=secret)
