from tortoise import migrations
from tortoise.migrations import operations as ops
from api.accounts.models import Role
from api.agents.models import AgentKind, DocumentKind, FilingChannel
from tortoise.fields.base import OnDelete
from tortoise import fields


class Migration(migrations.Migration):
    dependencies = [("models", "0026_training_description")]

    initial = False

    operations = [
        ops.CreateModel(
            name="RegistrationAgent",
            fields=[
                ("id", fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ("name", fields.CharField(unique=True, max_length=200)),
                (
                    "kind",
                    fields.CharEnumField(
                        description="certified: certified\nassociation: association", enum_type=AgentKind, max_length=12
                    ),
                ),
                ("prefecture", fields.CharField(null=True, max_length=2)),
                ("corporate_number", fields.CharField(null=True, max_length=13)),
                ("active", fields.BooleanField(default=True)),
                ("created_by_id", fields.BigIntField()),
                ("created_at", fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={
                "table": "registration_agent",
                "app": "models",
                "pk_attr": "id",
                "table_description": "An agent organisation, created (and so approved) by the operator. Its staff log in with their own accounts.",
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="AgentFiling",
            fields=[
                ("id", fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                (
                    "agent",
                    fields.ForeignKeyField(
                        "models.RegistrationAgent",
                        source_field="agent_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="filings",
                        on_delete=OnDelete.RESTRICT,
                    ),
                ),
                ("staff_account_id", fields.BigIntField()),
                (
                    "application",
                    fields.OneToOneField(
                        "models.Application",
                        source_field="application_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="agent_filing",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                (
                    "technician",
                    fields.ForeignKeyField(
                        "models.Technician",
                        source_field="technician_id",
                        null=True,
                        db_constraint=True,
                        to_field="id",
                        related_name=False,
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                (
                    "business",
                    fields.ForeignKeyField(
                        "models.Business",
                        source_field="business_id",
                        null=True,
                        db_constraint=True,
                        to_field="id",
                        related_name=False,
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                (
                    "channel",
                    fields.CharEnumField(
                        description="counter: counter\npaper: paper", enum_type=FilingChannel, max_length=10
                    ),
                ),
                ("consent_on", fields.DateField()),
                ("created_at", fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={
                "table": "agent_filing",
                "app": "models",
                "pk_attr": "id",
                "table_description": "One application an agent filed, with the consent of the applicant. The application itself is the ordinary one",
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="AgentDocument",
            fields=[
                ("id", fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                (
                    "filing",
                    fields.ForeignKeyField(
                        "models.AgentFiling",
                        source_field="filing_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="documents",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                (
                    "kind",
                    fields.CharEnumField(
                        description="consent: consent\nscan: scan", enum_type=DocumentKind, max_length=10
                    ),
                ),
                ("page", fields.SmallIntField(default=1)),
                ("content_type", fields.CharField(max_length=40)),
                ("width", fields.IntField()),
                ("height", fields.IntField()),
                ("sha256", fields.CharField(max_length=64)),
                ("sealed", fields.BinaryField()),
                ("created_at", fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={
                "table": "agent_document",
                "app": "models",
                "pk_attr": "id",
                "table_description": "A normalised JPEG of a filing, encrypted at rest like every stored image (api.crypto.Vault).",
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="AgentStaff",
            fields=[
                ("id", fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                (
                    "agent",
                    fields.ForeignKeyField(
                        "models.RegistrationAgent",
                        source_field="agent_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="staff",
                        on_delete=OnDelete.RESTRICT,
                    ),
                ),
                (
                    "account",
                    fields.OneToOneField(
                        "models.Account",
                        source_field="account_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="agent_staff",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                ("created_at", fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={
                "table": "agent_staff",
                "app": "models",
                "pk_attr": "id",
                "table_description": "A 代行登録担当者: one account (role registration_agent) of one agent. A table of its own rather than a column on",
            },
            bases=["Model"],
        ),
        ops.AlterField(
            model_name="Account",
            name="role",
            field=fields.CharEnumField(
                description="technician: technician\nbusiness_admin: business_admin\nsite_manager: site_manager\noperator: operator\ndevice: device\napi_client: api_client\nassessment_body: assessment_body\nregistration_agent: registration_agent",
                enum_type=Role,
                max_length=20,
            ),
        ),
    ]
