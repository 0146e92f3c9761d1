"""An agent's filings: a technician's or a business's new registration filed with the applicant's consent, the signed
consent form's image (required) and, for a paper application, its scanned pages; the agent's queue of its own filings,
and what it may do with a returned one (edit, new photo, resubmit).

A technician's registration is the one-transaction registration of api/registration/whole.py: the images are checked
before any row exists, and a refusal anywhere leaves nothing behind, consent form and scans included."""

from __future__ import annotations

import hashlib

from api.accounts.models import Account, Role
from api.accounts.service import create_account
from api.agents.models import AgentDocument, AgentFiling, DocumentKind, FilingChannel, RegistrationAgent
from api.agents.schemas import AgentBusinessIn, AgentTechnicianIn, DocumentOut, FilingOut
from api.agents.service import send_setup_link, unusable_password
from api.businesses import service as businesses
from api.businesses.models import Business, ReviewStatus
from api.businesses.schemas import BusinessRegisterIn
from api.crypto import Vault
from api.errors import Conflict, NotFound, Unprocessable
from api.media.images import NormalisedImage, normalise_image_off_loop
from api.registration import review, whole
from api.registration import service as technicians
from api.registration.models import Application, Technician
from api.media.models import ImageKind
from api.registration.schemas import FiledByOut, IdentityFields, TechnicianPatch
from api.media.service import ImageCheck
from api.settings import Settings
from api.timeutil import today_jst

SCAN_FIELDS = ("scan_1", "scan_2", "scan_3")
DOCUMENT_SIDE = 2400  # like an identity document: a signature and small print stay legible


async def _documents(
    *, consent: bytes | None, scans: list[bytes], channel: str, consent_on, settings: Settings
) -> list[tuple[DocumentKind, NormalisedImage]]:
    """Every filing needs the signed consent form; a paper application needs its pages. Checked (and the images
    decoded) before anything is written."""
    if consent is None:
        raise Unprocessable.field(
            "consent",
            "attach the image of the applicant's signed consent form (同意書)",
            code="consent_form_required",
        )
    if consent_on > today_jst():
        raise Unprocessable.field("consent_on", "the consent date is in the future", code="consent_date_in_future")
    if channel == FilingChannel.paper.value and not scans:
        raise Unprocessable.field(
            "scan_1", "attach the scanned pages of the paper application", code="scanned_pages_required"
        )
    out = [(DocumentKind.consent, await _normalise(consent, "consent", settings))]
    for i, raw in enumerate(scans):
        out.append((DocumentKind.scan, await _normalise(raw, SCAN_FIELDS[i], settings)))
    return out


async def _normalise(raw: bytes, field: str, settings: Settings) -> NormalisedImage:
    return await normalise_image_off_loop(
        raw,
        field=field,
        max_bytes=settings.max_upload_bytes,
        max_pixels=settings.max_image_pixels,
        max_side=DOCUMENT_SIDE,
    )


async def _record(
    *,
    agent: RegistrationAgent,
    staff: Account,
    application: Application,
    channel: str,
    consent_on,
    documents: list[tuple[DocumentKind, NormalisedImage]],
    vault: Vault,
) -> AgentFiling:
    filing = await AgentFiling.create(
        agent=agent,
        staff_account_id=staff.id,
        application=application,
        technician_id=application.technician_id,  # type: ignore[attr-defined]
        business_id=application.business_id,  # type: ignore[attr-defined]
        channel=FilingChannel(channel),
        consent_on=consent_on,
    )
    page = 0
    for kind, img in documents:
        page = page + 1 if kind is DocumentKind.scan else page
        await AgentDocument.create(
            filing=filing,
            kind=kind,
            page=max(page, 1),
            content_type=img.content_type,
            width=img.width,
            height=img.height,
            sha256=hashlib.sha256(img.data).hexdigest(),
            sealed=vault.seal(img.data),
        )
    return filing


def _require_email(email: str | None, field: str) -> None:
    if not email:
        raise Unprocessable.field(
            field, "an e-mail address is needed to send the applicant the link to set a password", code="email_required"
        )


async def file_technician(
    *,
    agent: RegistrationAgent,
    staff: Account,
    data: AgentTechnicianIn,
    photo: bytes,
    id_document: bytes | None,
    consent: bytes | None,
    scans: list[bytes],
    settings: Settings,
    vault: Vault,
    check: ImageCheck | None,
) -> AgentFiling:
    _require_email(data.email, "email")
    documents = await _documents(
        consent=consent, scans=scans, channel=data.channel, consent_on=data.consent_on, settings=settings
    )
    employer = await _employer(data.employer_business_id)

    async def create() -> tuple[Technician, Account]:
        identity = data.model_dump(include=set(IdentityFields.model_fields), mode="python")
        tech = await Technician.create(**identity, employer=employer)
        account = await create_account(
            password=unusable_password(),
            role=Role.technician,
            display_name=f"{data.family_name} {data.given_name}"[:100],
            email=data.email,
            technician=tech,
            must_change_password=True,
        )
        await send_setup_link(account=account)
        return tech, staff

    _, application = await whole.register_whole(
        create=create,
        has_identity_document=data.has_identity_document,
        photo=photo,
        id_document=id_document,
        settings=settings,
        vault=vault,
        check=check,
    )
    return await _record(
        agent=agent,
        staff=staff,
        application=application,
        channel=data.channel,
        consent_on=data.consent_on,
        documents=documents,
        vault=vault,
    )


async def _employer(business_id: str | None) -> Business | None:
    if business_id is None:
        return None
    employer = await Business.get_or_none(business_id=business_id)
    if employer is None:
        raise Unprocessable.field(
            "employer_business_id", "no business is registered with this 事業者ID", code="unknown_business"
        )
    return employer


async def file_business(
    *,
    agent: RegistrationAgent,
    staff: Account,
    data: AgentBusinessIn,
    consent: bytes | None,
    scans: list[bytes],
    settings: Settings,
    vault: Vault,
) -> AgentFiling:
    documents = await _documents(
        consent=consent, scans=scans, channel=data.channel, consent_on=data.consent_on, settings=settings
    )
    # The business registration itself, as the business would make it, with a password nobody is told.
    register = BusinessRegisterIn.model_validate(
        {
            **data.model_dump(exclude={"admin", "consent_on", "channel"}, mode="python"),
            "admin": {**data.admin.model_dump(), "password": unusable_password()},
        }
    )
    business, admin = await businesses.register_business(data=register)
    await Account.filter(id=admin.id).update(must_change_password=True)
    await send_setup_link(account=admin)
    application = await review.submit_business_application(business=business)
    return await _record(
        agent=agent,
        staff=staff,
        application=application,
        channel=data.channel,
        consent_on=data.consent_on,
        documents=documents,
        vault=vault,
    )


# --- the agent's queue ------------------------------------------------------------------------------------------------


async def filings(*, agent: RegistrationAgent, status: str | None, limit: int) -> list[AgentFiling]:
    qs = AgentFiling.filter(agent=agent).select_related("application", "technician", "business")
    if status:
        qs = qs.filter(application__status=status)
    return await qs.order_by("-id").limit(limit)


async def get_filing(*, agent: RegistrationAgent, pk: int) -> AgentFiling:
    """Only the agent's own filings: another agent's id is answered as one that does not exist."""
    filing = (
        await AgentFiling.filter(id=pk, agent=agent).select_related("application", "technician", "business").first()
    )
    if filing is None:
        raise NotFound("No such filing of this agent.", code="filing_not_found")
    return filing


async def filing_out(filing: AgentFiling) -> FilingOut:
    docs = await AgentDocument.filter(filing=filing).order_by("kind", "page").values_list("id", "kind", "page")
    tech, business = filing.technician, filing.business
    if tech is not None:
        name = f"{tech.family_name} {tech.given_name}"
        account = await Account.filter(technician_id=tech.id).order_by("id").first()
    else:
        assert business is not None  # a filing is of a technician or of a business
        name = business.name
        account = await Account.filter(business_id=business.id, admin_tier=0).order_by("id").first()
    return FilingOut(
        id=filing.id,
        agent_pk=filing.agent_id,  # type: ignore[attr-defined]
        channel=filing.channel.value,
        consent_on=filing.consent_on,
        created_at=filing.created_at,
        subject_name=name,
        login=account.login if account else None,
        application=review.app_out(filing.application),
        documents=[DocumentOut(id=i, kind=DocumentKind(k).value, page=p) for i, k, p in docs],
    )


async def document_bytes(*, filing: AgentFiling, pk: int, vault: Vault) -> bytes:
    doc = await AgentDocument.get_or_none(id=pk, filing=filing)
    if doc is None:
        raise NotFound("No such document of this filing.", code="filing_document_not_found")
    return vault.open(doc.sealed)


def _returned_technician(filing: AgentFiling) -> Technician:
    """What an agent may change of a filing: a technician's data while the application is returned to it."""
    if filing.technician is None:
        raise Conflict("A business's returned data is corrected by its 事業者責任者.", code="filing_not_technician")
    if filing.application.status is not ReviewStatus.returned:
        raise Conflict("Only a returned application can be corrected.", code="not_returned")
    return filing.technician


async def patch_technician(*, staff: Account, filing: AgentFiling, patch: TechnicianPatch) -> AgentFiling:
    await technicians.update(actor=staff, tech=_returned_technician(filing), patch=patch)
    return filing


async def replace_photo(
    *, staff: Account, filing: AgentFiling, raw: bytes, settings: Settings, vault: Vault, check: ImageCheck | None
) -> AgentFiling:
    await technicians.set_photo(
        actor=staff,
        tech=_returned_technician(filing),
        kind=ImageKind.face_photo,
        raw=raw,
        settings=settings,
        vault=vault,
        check=check,
    )
    return filing


async def resubmit(*, filing: AgentFiling) -> AgentFiling:
    await review.resubmit(app=filing.application)
    await filing.application.refresh_from_db()
    return filing


async def filed_by(app_ids: list[int]) -> dict[int, FiledByOut]:
    """Who filed these applications (the operator's review queue shows it)."""
    rows = await AgentFiling.filter(application_id__in=app_ids).select_related("agent")
    return {
        r.application_id: FiledByOut(  # type: ignore[attr-defined]
            agent_pk=r.agent.id,
            agent_name=r.agent.name,
            filing_pk=r.id,
            channel=r.channel.value,
            consent_on=r.consent_on,
        )
        for r in rows
    }


review.register_filed_by(filed_by)
