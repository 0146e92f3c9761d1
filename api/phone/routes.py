from html import escape

from starlette.responses import HTMLResponse, Response

from api import guard
from api.accounts.models import Role
from api.errors import Unprocessable
from api.http import Ctx, Router
from api.phone import qr, service, signing, svgmap, vcard
from api.phone.models import PhoneSettings
from api.phone.schemas import (
    DecisionIn,
    DeviceKeyIn,
    DeviceKeyOut,
    GateQrOut,
    GateQrQuery,
    MapQuery,
    PhoneCheckinIn,
    PhoneCheckinOut,
    PhoneItemOut,
    PhoneQuery,
    PhoneSettingsIn,
    PhoneSettingsOut,
    SignedCheckinIn,
    VirtualCardOut,
)
from api.sites.access import ensure_manages
from api.sites.service import get_site
from api.timeutil import today_jst

router = Router()
MANAGERS = {Role.business_admin, Role.site_manager}


async def _managed_site(ctx: Ctx):
    site = await get_site(pk=int(ctx.path["pk"]))
    await ensure_manages(ctx.user, site)
    return site


@router.post(
    "/phone/checkins",
    summary="Check in or out from the technician's own phone (position, optional QR, selfie)",
    tags=["phone"],
    roles={Role.technician},
    errors=(403, 404, 409, 422, 503),
    transactional=False,
)  # a selfie takes the face engine ~150 ms: the service writes in its own transaction
async def check_in(ctx: Ctx, body: PhoneCheckinIn) -> PhoneCheckinOut:
    return await service.check_in(
        actor=ctx.user, body=body, settings=ctx.settings, face=ctx.state.face, vault=ctx.state.vault
    )


@router.post(
    "/phone/checkins/signed",
    summary="Upload a check-in kept offline, signed by the phone's enrolled key",
    tags=["phone"],
    roles={Role.technician},
    errors=(403, 404, 409, 422, 503),
    transactional=False,
)
async def check_in_signed(ctx: Ctx, body: SignedCheckinIn) -> PhoneCheckinOut:
    key = await signing.verify(actor=ctx.user, key_id=body.key_id, message=body.message, signature=body.signature)
    try:
        inner = PhoneCheckinIn.model_validate_json(body.message)
    except ValueError:
        raise Unprocessable.field(
            "message", "The signed message is not a check-in.", code="signed_message_invalid"
        ) from None
    guard.check_values(inner.model_dump(), root="message")  # the same input guard as a request body (NUL, sizes)
    if inner.nonce is None:
        raise Unprocessable.field("message", "A signed check-in needs its nonce.", code="signed_message_invalid")
    if inner.selfie is None and body.selfie is not None:
        inner = inner.model_copy(update={"selfie": body.selfie})
    return await service.check_in(
        actor=ctx.user, body=inner, settings=ctx.settings, face=ctx.state.face, vault=ctx.state.vault, signed_by=key.id
    )


@router.post(
    "/phone/device-keys",
    summary="Register this phone's public key (signs check-ins kept offline)",
    tags=["phone"],
    roles={Role.technician},
    status=201,
    errors=(409, 422),
)
async def device_key(ctx: Ctx, body: DeviceKeyIn) -> DeviceKeyOut:
    return DeviceKeyOut(key_id=await signing.enrol(actor=ctx.user, public_key=body.public_key))


@router.get(
    "/phone/virtual-card",
    summary="The card this technician's virtual card stands for (the phone makes and signs the codes itself)",
    tags=["phone"],
    roles={Role.technician},
    errors=(403, 409, 422),
)
async def virtual_card(ctx: Ctx) -> VirtualCardOut:
    return await vcard.my_card(actor=ctx.user)


@router.get(
    "/sites/{pk:int}/phone-settings",
    summary="The site's phone check-in settings",
    tags=["phone"],
    roles=MANAGERS,
    errors=(403, 404),
)
async def get_settings(ctx: Ctx) -> PhoneSettingsOut:
    return await service.get_settings(site=await _managed_site(ctx))


@router.put(
    "/sites/{pk:int}/phone-settings",
    summary="Turn phone check-in on: fence, accuracy, policy per check, selfie",
    tags=["phone"],
    roles=MANAGERS,
    errors=(403, 404, 422),
)
async def put_settings(ctx: Ctx, body: PhoneSettingsIn) -> PhoneSettingsOut:
    return await service.put_settings(actor=ctx.user, site=await _managed_site(ctx), data=body)


@router.get(
    "/sites/{pk:int}/phone-checkins",
    summary="The site's phone check-ins (the review queue with outcome=review&undecided=true)",
    tags=["phone"],
    roles=MANAGERS,
    errors=(403, 404),
)
async def list_checkins(ctx: Ctx, query: PhoneQuery) -> list[PhoneItemOut]:
    q: PhoneQuery = query
    return await service.list_checkins(
        site=await _managed_site(ctx), outcome=q.outcome, undecided=q.undecided, work_date=q.work_date, limit=q.limit
    )


@router.post(
    "/sites/{pk:int}/phone-checkins/{cid:int}/decision",
    summary="Approve (records the tap) or reject a phone check-in of the review queue",
    tags=["phone"],
    roles=MANAGERS,
    errors=(403, 404, 409, 422),
)
async def decide(ctx: Ctx, cid: int, body: DecisionIn) -> PhoneItemOut:
    return await service.decide(
        actor=ctx.user,
        site=await _managed_site(ctx),
        pk=cid,
        approve=body.approve,
        settings=ctx.settings,
    )


@router.get(
    "/sites/{pk:int}/phone-map",
    summary="The site's plan (SVG): the fence and the day's phone check-ins",
    tags=["phone"],
    roles=MANAGERS,
    errors=(403, 404),
    media=("image/svg+xml",),
)
async def phone_map(ctx: Ctx, query: MapQuery):
    site = await _managed_site(ctx)
    day = query.work_date or today_jst()
    items = await service.list_checkins(site=site, outcome=None, undecided=False, work_date=day, limit=1000)
    return Response(
        svgmap.render(site, await PhoneSettings.get_or_none(site=site), items),
        media_type="image/svg+xml",
        headers={"Cache-Control": "no-store"},
    )


def _gate(ctx: Ctx, site) -> GateQrOut:
    day = ctx.query.day or today_jst()
    payload = qr.payload(qr.qr_key(ctx.settings.secret("data_key")), site.site_id, day)
    url = f"{ctx.settings.public_url.rstrip('/')}/phone?qr={payload}"
    return GateQrOut(site_id=site.site_id, day=day, payload=payload, url=url, svg=qr.svg(url))


@router.get(
    "/sites/{pk:int}/gate-qr",
    summary="The site's gate code of a day (it rotates daily)",
    tags=["phone"],
    roles=MANAGERS,
    errors=(403, 404),
)
async def gate_qr(ctx: Ctx, query: GateQrQuery) -> GateQrOut:
    return _gate(ctx, await _managed_site(ctx))


@router.get(
    "/sites/{pk:int}/gate-qr/print",
    summary="The gate code as a printable page (A4)",
    tags=["phone"],
    roles=MANAGERS,
    errors=(403, 404),
    media=("text/html",),
)
async def gate_qr_print(ctx: Ctx, query: GateQrQuery):
    site = await _managed_site(ctx)
    g = _gate(ctx, site)
    return HTMLResponse(
        f"<!doctype html><html lang=ja><meta charset=utf-8><title>{escape(site.name)} 入退場コード {g.day}</title>"
        "<style>body{font-family:sans-serif;text-align:center}svg{width:120mm;height:120mm}"
        "code{font-size:10pt;word-break:break-all}</style>"
        f"<h1>{escape(site.name)}</h1><p>現場ID {site.site_id}</p><h2>入退場コード {g.day:%Y年%m月%d日} 限り</h2>"
        f"{g.svg}<p>スマートフォンのカメラで読み取り、OpenCCUS で入場・退場を記録してください。</p>"
        f"<p><code>{escape(g.payload)}</code></p></html>",
        # A page without script: its own policy allows only its inline style (the app's policy would refuse it).
        headers={
            "Cache-Control": "no-store",
            "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'",
        },
    )
