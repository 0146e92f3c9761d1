from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise.fields.base import OnDelete
from tortoise import fields


class Migration(migrations.Migration):
    dependencies = [("models", "0020_kentaikyo")]

    initial = False

    operations = [
        ops.CreateModel(
            name="Mail",
            fields=[
                ("id", fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                (
                    "account",
                    fields.ForeignKeyField(
                        "models.Account",
                        source_field="account_id",
                        null=True,
                        db_constraint=True,
                        to_field="id",
                        related_name="mails",
                        on_delete=OnDelete.SET_NULL,
                    ),
                ),
                ("to_address", fields.CharField(max_length=254)),
                ("kind", fields.CharField(max_length=40)),
                ("subject", fields.CharField(max_length=200)),
                ("body", fields.TextField(unique=False)),
                ("dedupe_key", fields.CharField(unique=True, max_length=200)),
                ("created_at", fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ("claimed_at", fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ("sent_at", fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ("attempts", fields.IntField(default=0)),
                ("transport", fields.CharField(null=True, max_length=10)),
                ("file_name", fields.CharField(null=True, max_length=100)),
                ("message_id", fields.CharField(null=True, max_length=200)),
                ("last_error", fields.CharField(null=True, max_length=200)),
            ],
            options={
                "table": "mail",
                "app": "models",
                "pk_attr": "id",
                "table_description": "One e-mail to send (or, on the embedded default, to write under var/mail/), created by a job.",
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="PasswordResetToken",
            fields=[
                ("id", fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                (
                    "account",
                    fields.ForeignKeyField(
                        "models.Account",
                        source_field="account_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="reset_tokens",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                ("request_key", fields.CharField(unique=True, max_length=64)),
                ("token_hash", fields.CharField(unique=True, max_length=64)),
                ("created_at", fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ("expires_at", fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ("used_at", fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ("revoked_at", fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
            ],
            options={
                "table": "password_reset_token",
                "app": "models",
                "pk_attr": "id",
                "table_description": "A one-time password-reset link, stored as the SHA-256 of its token.",
            },
            bases=["Model"],
        ),
        ops.AddField(
            model_name="Account",
            name="must_change_password",
            field=fields.BooleanField(default=False, db_default=False),
        ),
    ]
