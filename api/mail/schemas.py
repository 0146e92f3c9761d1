from datetime import datetime

from pydantic import BaseModel, Field

from api.common import Strict


class MailOut(BaseModel):
    id: int
    account_pk: int | None
    to_address: str
    kind: str
    subject: str
    created_at: datetime
    sent_at: datetime | None
    transport: str | None
    attempts: int
    last_error: str | None


class MailDetailOut(MailOut):
    text: str | None = Field(
        description="the text as written to var/mail/ (embedded default); null when sent over "
        "SMTP, whose copy is the recipient's"
    )


class MailQuery(Strict):
    limit: int = Field(default=50, ge=1, le=200)
    before_id: int | None = Field(default=None, ge=1, le=2**63 - 1)
