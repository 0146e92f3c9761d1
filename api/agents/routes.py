"""Registration agents over HTTP: the operator's agents and staff, an agent's counter (filings) and its queue."""

from pydantic import BaseModel
from starlette.responses import Response

from api.accounts.models import Role
from api.agents import filings, service
from api.agents.schemas import (
    AgentBusinessForm,
    AgentIn,
    AgentOut,
    AgentTechnicianForm,
    FilingOut,
    FilingQuery,
    StaffIn,
    StaffOut,
)
from api.common import Strict
from api.http import Ctx, Router
from api.registration.schemas import TechnicianPatch

router = Router()
OPERATOR = {Role.operator}
STAFF = {Role.registration_agent}
READERS = {Role.operator, Role.registration_agent}


class ActiveIn(Strict):
    active: bool


class CreatedAgentOut(BaseModel):
    agent: AgentOut
    staff: StaffOut


def _staff_out(a) -> StaffOut:
    return StaffOut(id=a.id, login=a.login, display_name=a.display_name, email=a.email)


@router.post(
    "/admin/agents",
    summary="Create (and so approve) a registration agent (認定登録機関 / 建設業協会) with its first "
    "代行登録担当者, who sets a password by the mailed link",
    tags=["agents"],
    roles=OPERATOR,
    status=201,
    errors=(409, 422),
)
async def create_agent(ctx: Ctx, body: AgentIn) -> CreatedAgentOut:
    agent, staff = await service.create_agent(actor=ctx.user, data=body)
    return CreatedAgentOut(agent=await service.agent_out(agent), staff=_staff_out(staff))


@router.get("/admin/agents", summary="Every registration agent", tags=["agents"], roles=OPERATOR)
async def list_agents(ctx: Ctx) -> list[AgentOut]:
    return [await service.agent_out(a) for a in await service.list_agents()]


@router.put(
    "/admin/agents/{pk:int}/active",
    summary="Suspend or reactivate an agent (a suspended agent's staff file nothing)",
    tags=["agents"],
    roles=OPERATOR,
    errors=(404,),
)
async def set_active(ctx: Ctx, pk: int, body: ActiveIn) -> AgentOut:
    agent = await service.get_agent(pk=pk)
    return await service.agent_out(await service.set_active(actor=ctx.user, agent=agent, active=body.active))


@router.post(
    "/admin/agents/{pk:int}/staff",
    summary="Add a 代行登録担当者 (sets a password by the mailed link)",
    tags=["agents"],
    roles=OPERATOR,
    status=201,
    errors=(404, 409, 422),
)
async def add_staff(ctx: Ctx, pk: int, body: StaffIn) -> StaffOut:
    agent = await service.get_agent(pk=pk)
    return _staff_out(await service.add_staff(actor=ctx.user, agent=agent, data=body))


@router.get(
    "/agents/mine",
    summary="My agent (its staff): the counter pages start here",
    tags=["agents"],
    roles=STAFF,
    errors=(403, 404),
)
async def my_agent(ctx: Ctx) -> AgentOut:
    return await service.agent_out(await service.my_agent(actor=ctx.user))


@router.get(
    "/agents/{pk:int}",
    summary="An agent (the operator, its own staff)",
    tags=["agents"],
    roles=READERS,
    errors=(403, 404),
)
async def get_agent(ctx: Ctx, pk: int) -> AgentOut:
    return await service.agent_out(await service.visible_agent(actor=ctx.user, pk=pk))


@router.get(
    "/agents/{pk:int}/staff",
    summary="An agent's 代行登録担当者",
    tags=["agents"],
    roles=READERS,
    errors=(403, 404),
)
async def list_staff(ctx: Ctx, pk: int) -> list[StaffOut]:
    return await service.staff_of(await service.visible_agent(actor=ctx.user, pk=pk))


async def _own(ctx: Ctx):
    return await service.own_agent(actor=ctx.user, pk=int(ctx.path["pk"]))


@router.post(
    "/agents/{pk:int}/technicians",
    summary="File a technician's new registration for them, with their consent (the signed form's image "
    "`consent` is required), in one request: the data, `photo`, `id_document`, and a paper application's "
    "`scan_1`–`scan_3`; the technician sets a password by the mailed link",
    tags=["agents"],
    roles=STAFF,
    uploads=("photo",),
    optional_uploads=("id_document", "consent", *filings.SCAN_FIELDS),
    status=201,
    errors=(403, 404, 409, 413, 422, 503),
)
async def file_technician(ctx: Ctx, body: AgentTechnicianForm) -> FilingOut:

    filing = await filings.file_technician(
        agent=await _own(ctx),
        staff=ctx.user,
        data=body.data,
        photo=ctx.files["photo"],
        id_document=ctx.files.get("id_document"),
        consent=ctx.files.get("consent"),
        scans=[ctx.files[n] for n in filings.SCAN_FIELDS if n in ctx.files],
        settings=ctx.settings,
        vault=ctx.state.vault,
        check=ctx.photo_check,
    )
    return await filings.filing_out(await filings.get_filing(agent=filing.agent, pk=filing.id))


@router.post(
    "/agents/{pk:int}/businesses",
    summary="File a business's registration for it, with its consent (`consent` required; a paper "
    "application's `scan_1`–`scan_3`); its 事業者責任者 sets a password by the mailed link",
    tags=["agents"],
    roles=STAFF,
    optional_uploads=("consent", *filings.SCAN_FIELDS),
    status=201,
    errors=(403, 404, 409, 413, 422),
)
async def file_business(ctx: Ctx, body: AgentBusinessForm) -> FilingOut:
    filing = await filings.file_business(
        agent=await _own(ctx),
        staff=ctx.user,
        data=body.data,
        consent=ctx.files.get("consent"),
        scans=[ctx.files[n] for n in filings.SCAN_FIELDS if n in ctx.files],
        settings=ctx.settings,
        vault=ctx.state.vault,
    )
    return await filings.filing_out(await filings.get_filing(agent=filing.agent, pk=filing.id))


@router.get(
    "/agents/{pk:int}/filings",
    summary="The agent's own filings, newest first, with each application's status and return reasons",
    tags=["agents"],
    roles=READERS,
    errors=(403, 404),
)
async def list_filings(ctx: Ctx, pk: int, query: FilingQuery) -> list[FilingOut]:
    agent = await service.visible_agent(actor=ctx.user, pk=pk)
    q: FilingQuery = query
    return [await filings.filing_out(f) for f in await filings.filings(agent=agent, status=q.status, limit=q.limit)]


async def _filing(ctx: Ctx, *, write: bool = False):
    agent = await (_own(ctx) if write else service.visible_agent(actor=ctx.user, pk=int(ctx.path["pk"])))
    return await filings.get_filing(agent=agent, pk=int(ctx.path["fid"]))


@router.get(
    "/agents/{pk:int}/filings/{fid:int}",
    summary="One filing",
    tags=["agents"],
    roles=READERS,
    errors=(403, 404),
)
async def get_filing(ctx: Ctx) -> FilingOut:
    return await filings.filing_out(await _filing(ctx))


@router.get(
    "/agents/{pk:int}/filings/{fid:int}/documents/{did:int}",
    summary="A filing's consent form or scanned page (JPEG)",
    tags=["agents"],
    roles=READERS,
    errors=(403, 404),
    media=("image/jpeg",),
)
async def get_document(ctx: Ctx, did: int):
    data = await filings.document_bytes(filing=await _filing(ctx), pk=did, vault=ctx.state.vault)
    return Response(data, media_type="image/jpeg", headers={"Cache-Control": "no-store"})


@router.patch(
    "/agents/{pk:int}/filings/{fid:int}/technician",
    summary="Correct a returned technician's data",
    tags=["agents"],
    roles=STAFF,
    errors=(403, 404, 409, 422),
)
async def patch_technician(ctx: Ctx, body: TechnicianPatch) -> FilingOut:
    filing = await filings.patch_technician(staff=ctx.user, filing=await _filing(ctx, write=True), patch=body)
    return await filings.filing_out(filing)


@router.put(
    "/agents/{pk:int}/filings/{fid:int}/photo",
    summary="Replace a returned technician's face photo",
    tags=["agents"],
    roles=STAFF,
    uploads=("file",),
    errors=(403, 404, 409, 413, 422, 503),
)
async def put_photo(ctx: Ctx) -> FilingOut:

    filing = await filings.replace_photo(
        staff=ctx.user,
        filing=await _filing(ctx, write=True),
        raw=ctx.files["file"],
        settings=ctx.settings,
        vault=ctx.state.vault,
        check=ctx.photo_check,
    )
    return await filings.filing_out(filing)


@router.post(
    "/agents/{pk:int}/filings/{fid:int}/resubmit",
    summary="Resubmit a returned application the agent filed",
    tags=["agents"],
    roles=STAFF,
    errors=(403, 404, 409, 422),
)
async def resubmit(ctx: Ctx) -> FilingOut:
    return await filings.filing_out(await filings.resubmit(filing=await _filing(ctx, write=True)))
