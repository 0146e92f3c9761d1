from tortoise.timezone import now

from api.accounts.models import Role
from api.attendance import service
from api.attendance.models import Tap, TapMethod
from api.attendance.schemas import (
    AttendanceBatchIn,
    AttendanceIn,
    BatchOut,
    ItemError,
    TapBatchIn,
    TapIn,
    TapOut,
    TapQuery,
    TapResult,
)
from api.attendance.service import Candidate
from api.devices.service import device_of
from api.http import Ctx, Router
from api.sites.access import ensure_manages
from api.sites.models import ContractStatus, Site, SiteContract
from api.sites.service import get_site

router = Router()


async def _card_batch(ctx: Ctx, good: list[tuple[int, TapIn]], errors: list[ItemError]) -> BatchOut:
    device = await device_of(ctx.user, cache=ctx.state.device_cache)
    candidates = []
    for i, tap in good:
        if tap.site_id is not None and tap.site_id != device.site.site_id:
            errors.append(ItemError(index=i, error="wrong_site", message="this device belongs to another site"))
            continue
        candidates.append(
            Candidate(
                index=i,
                client_key=tap.idempotency_key,
                source_key=f"d{device.id}:{tap.idempotency_key}",
                site=device.site,
                technician_code=tap.technician_id,
                method=TapMethod.card,
                device_time=tap.device_time,
                device_id=device.id,
                device_seq=tap.device_seq,
                card_serial=tap.card_serial.lower(),
                challenge=tap.challenge.lower(),
                response=tap.response.lower(),
            )
        )
    results, refused = await service.ingest(
        candidates=candidates, master_keys=ctx.settings.card_keys(), received_at=now()
    )
    return service.batch_out(results, errors + refused)


@router.post(
    "/taps/batch",
    summary="Upload card taps from a reader (up to 1,000; each stored once)",
    tags=["attendance"],
    roles={Role.device},
    errors=(403,),
    transactional=False,
)  # one INSERT statement, atomic by itself: no BEGIN/COMMIT round trips
async def tap_batch(ctx: Ctx, body: TapBatchIn) -> BatchOut:
    return await _card_batch(ctx, *service.parse_items(body.taps, TapIn))


@router.post(
    "/taps",
    summary="Upload one card tap",
    tags=["attendance"],
    roles={Role.device},
    errors=(403, 409, 422),
    transactional=False,
)
async def tap_one(ctx: Ctx, body: TapIn) -> TapResult:
    # The body is already a TapIn, validated by the request's parse: not dumped and validated again.
    return service.single_result(await _card_batch(ctx, [(0, body)], []))


@router.post(
    "/attendance",
    summary="Push entries/exits from a private attendance system (API連携)",
    tags=["attendance"],
    roles={Role.api_client},
    errors=(403,),
    transactional=False,
)
async def push_attendance(ctx: Ctx, body: AttendanceBatchIn) -> BatchOut:
    good, errors = service.parse_items(body.records, AttendanceIn)
    sites = {s.site_id: s for s in await Site.filter(site_id__in=[r.site_id for _, r in good])}
    allowed = set(
        await SiteContract.filter(
            business_id=ctx.user.business_id,  # type: ignore[attr-defined]
            status=ContractStatus.approved,
            site_id__in=[s.id for s in sites.values()],
        ).values_list("site_id", flat=True)
    )
    candidates = []
    for i, rec in good:
        site = sites.get(rec.site_id)
        if site is None or site.id not in allowed:
            errors.append(
                ItemError(
                    index=i,
                    error="site_not_allowed",
                    message="no such site, or your business is not in its contract tree",
                )
            )
            continue
        candidates.append(
            Candidate(
                index=i,
                client_key=rec.idempotency_key,
                source_key=f"a{ctx.user.id}:{rec.idempotency_key}",
                site=site,
                technician_code=rec.technician_id,
                method=TapMethod.api,
                device_time=rec.at,
                api_client_id=ctx.user.id,
                direction=rec.event,
                trade=rec.trade,
                position=rec.position,
                work_content=rec.work_content,
            )
        )
    results, refused = await service.ingest(
        candidates=candidates, master_keys=ctx.settings.card_keys(), received_at=now()
    )
    return service.batch_out(results, errors + refused)


@router.get(
    "/sites/{pk:int}/taps",
    summary="The site's taps, with reject reasons (site managers)",
    tags=["attendance"],
    roles={Role.business_admin, Role.site_manager, Role.operator},
    errors=(403, 404),
)
async def site_taps(ctx: Ctx, pk: int, query: TapQuery) -> list[TapOut]:
    site = await get_site(pk=pk)
    if ctx.user.role is not Role.operator:
        await ensure_manages(ctx.user, site)
    q: TapQuery = query
    qs = Tap.filter(site=site).order_by("-id")
    if q.status:
        qs = qs.filter(status=q.status)
    if q.work_date:
        qs = qs.filter(work_date=q.work_date)
    return [
        TapOut(
            id=t.id,
            technician_code=t.technician_code,
            method=t.method.value,
            direction=t.direction,
            device_pk=t.device_id,  # type: ignore[attr-defined]
            device_time=t.device_time,
            received_at=t.received_at,
            work_date=t.work_date,
            status=t.status.value,
            reject_reason=t.reject_reason,
        )
        for t in await qs.limit(q.limit)
    ]
