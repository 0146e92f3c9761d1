from datetime import datetime

from pydantic import BaseModel


class NotificationOut(BaseModel):
    id: int
    kind: str
    message: str
    about: str
    created_at: datetime
    read_at: datetime | None


class PendingCounts(BaseModel):
    """What waits for the current user, by kind (the navigation's badges). Kinds that do not apply to the role are 0."""

    notices: int  # unread notices
    direct_inputs: int  # 直接入力 awaiting this user's approval (site staff of the prime)
    invitations: int  # contract-tree invitations to this user's business awaiting an answer
    invoices: int  # this user's (or their business's) open invoices
    overdue_invoices: int  # of which past their due date
    reviews: int  # operators: applications waiting for review
