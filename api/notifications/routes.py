from tortoise.timezone import now

from api.accounts.models import Role
from api.errors import NotFound
from api.http import Ctx, Router
from api.notifications.models import Notification
from api.notifications import service
from api.notifications.schemas import NotificationOut, PendingCounts

router = Router()


def _out(n: Notification) -> NotificationOut:
    return NotificationOut(
        id=n.id, kind=n.kind, about=n.about, message=n.message, created_at=n.created_at, read_at=n.read_at
    )


@router.get(
    "/notifications",
    summary="My notices, newest first",
    tags=["notifications"],
    roles=set(Role),
)
async def mine(ctx: Ctx) -> list[NotificationOut]:
    return [_out(n) for n in await Notification.filter(account=ctx.user).order_by("-id").limit(100)]


@router.get(
    "/notifications/counts",
    summary="What waits for me, by kind (unread notices, direct inputs to approve, invitations, open and overdue "
    "invoices, applications to review): the navigation's badges",
    tags=["notifications"],
    roles=set(Role),
)
async def counts(ctx: Ctx) -> PendingCounts:
    return PendingCounts(**await service.pending_counts(user=ctx.user))


@router.post(
    "/notifications/{pk:int}/read",
    summary="Mark a notice read",
    tags=["notifications"],
    roles=set(Role),
    errors=(404,),
)
async def mark_read(ctx: Ctx, pk: int) -> NotificationOut:
    n = await Notification.get_or_none(id=pk, account=ctx.user)
    if n is None:
        raise NotFound("No such notice.", code="notice_not_found")
    if n.read_at is None:
        n.read_at = now()
        await n.save(update_fields=["read_at"])
    return _out(n)
