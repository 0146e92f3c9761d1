from tortoise import fields
from tortoise.models import Model


class Notification(Model):
    id = fields.BigIntField(primary_key=True)
    account: fields.ForeignKeyRelation = fields.ForeignKeyField(
        "models.Account", related_name="notifications", on_delete=fields.CASCADE
    )
    kind = fields.CharField(max_length=40)
    message = fields.TextField()
    # Whom the notice is about (a technician, a business, a payer): shown apart from the message, so no notice leaves
    # its reader guessing whose application, day or invoice it means.
    about = fields.CharField(max_length=200, default="")
    # One notice per event per person: a job that runs twice writes nothing the second time.
    dedupe_key = fields.CharField(max_length=200, unique=True)
    created_at = fields.DatetimeField(auto_now_add=True)
    read_at = fields.DatetimeField(null=True)

    class Meta:
        table = "notification"
