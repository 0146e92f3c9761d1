from tortoise import fields
from tortoise.models import Model


class Mail(Model):
    """One e-mail to send (or, on the embedded default, to write under var/mail/), created by a job.

    Sent once: a job claims it with a conditional UPDATE and marks it sent with another (api/mail/service.py)."""

    id = fields.BigIntField(primary_key=True)
    account: fields.ForeignKeyNullableRelation = fields.ForeignKeyField(
        "models.Account", related_name="mails", null=True, on_delete=fields.SET_NULL
    )
    to_address = fields.CharField(max_length=254)
    kind = fields.CharField(max_length=40)  # password_reset, notice.application.returned, …
    subject = fields.CharField(max_length=200)
    # The text. A password-reset mail holds the placeholder {reset_url}: the link is derived when the mail is sent
    # (api/recovery/service.py), so the database never holds a usable reset token.
    body = fields.TextField()
    # One mail per event per person: a job that runs twice creates nothing the second time.
    dedupe_key = fields.CharField(max_length=200, unique=True)
    created_at = fields.DatetimeField(auto_now_add=True)
    claimed_at = fields.DatetimeField(null=True)  # a sender is at it (a lease: a crashed sender's claim lapses)
    sent_at = fields.DatetimeField(null=True)  # the sent marker
    attempts = fields.IntField(default=0)
    transport = fields.CharField(max_length=10, null=True)  # smtp | file
    file_name = fields.CharField(max_length=100, null=True)  # under var/mail/ (file transport)
    message_id = fields.CharField(max_length=200, null=True)
    last_error = fields.CharField(max_length=200, null=True)  # the exception type and SMTP code only: no addresses

    class Meta:
        table = "mail"
