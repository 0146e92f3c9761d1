from api.accounts.models import Role
from api.audit import service as audit
from api.http import Ctx, Router
from api.mail import service
from api.mail.models import Mail
from api.mail.schemas import MailDetailOut, MailOut, MailQuery

router = Router()


def _out(m: Mail) -> MailOut:
    return MailOut(
        id=m.id,
        account_pk=getattr(m, "account_id", None),
        to_address=m.to_address,
        kind=m.kind,  # type: ignore[attr-defined]
        subject=m.subject,
        created_at=m.created_at,
        sent_at=m.sent_at,
        transport=m.transport,
        attempts=m.attempts,
        last_error=m.last_error,
    )


@router.get(
    "/mail",
    summary="Outgoing e-mail, newest first (the embedded default writes it to var/mail/)",
    tags=["mail"],
    roles={Role.operator},
)
async def list_mail(ctx: Ctx, query: MailQuery) -> list[MailOut]:
    q: MailQuery = query
    return [_out(m) for m in await service.list_mails(limit=q.limit, before_id=q.before_id)]


@router.get(
    "/mail/{pk:int}",
    summary="One outgoing e-mail with its text",
    tags=["mail"],
    roles={Role.operator},
    errors=(404,),
)
async def show_mail(ctx: Ctx, pk: int) -> MailDetailOut:
    mail, text = await service.read_mail(settings=ctx.settings, pk=pk)
    if text is not None:
        # The text may hold someone's password-reset link: who read it is kept, like an operator change.
        await audit.record(
            actor=ctx.user, action="mail.read", entity_type="mail", entity_id=mail.id, after={"kind": mail.kind}
        )
    return MailDetailOut(**_out(mail).model_dump(), text=text)
