from tortoise import migrations
from tortoise.migrations import operations as ops
import functools
from api.kentaikyo.models import CandidateStatus, MonthStatus
from json import dumps, loads
from tortoise.fields.base import OnDelete
from tortoise import fields
from tortoise.indexes import Index


class Migration(migrations.Migration):
    dependencies = [("models", "0019_fees")]

    initial = False

    operations = [
        ops.CreateModel(
            name="KentaikyoImport",
            fields=[
                ("id", fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                (
                    "business",
                    fields.ForeignKeyField(
                        "models.Business",
                        source_field="business_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="kentaikyo_imports",
                        on_delete=OnDelete.RESTRICT,
                    ),
                ),
                ("filename", fields.CharField(max_length=200)),
                ("rows", fields.IntField()),
                ("days", fields.IntField()),
                ("candidates", fields.IntField()),
                ("created_by_id", fields.BigIntField()),
                ("created_at", fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={
                "table": "kentaikyo_import",
                "app": "models",
                "pk_attr": "id",
                "table_description": "One accepted upload of the employer's 就労実績報告 (a refused file leaves no row).",
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="KentaikyoCandidate",
            fields=[
                ("id", fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                (
                    "source",
                    fields.ForeignKeyField(
                        "models.KentaikyoImport",
                        source_field="source_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="candidate_days",
                        on_delete=OnDelete.RESTRICT,
                    ),
                ),
                (
                    "business",
                    fields.ForeignKeyField(
                        "models.Business",
                        source_field="business_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="kentaikyo_candidates",
                        on_delete=OnDelete.RESTRICT,
                    ),
                ),
                (
                    "technician",
                    fields.ForeignKeyField(
                        "models.Technician",
                        source_field="technician_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="kentaikyo_candidates",
                        on_delete=OnDelete.RESTRICT,
                    ),
                ),
                (
                    "site",
                    fields.ForeignKeyField(
                        "models.Site",
                        source_field="site_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="kentaikyo_candidates",
                        on_delete=OnDelete.RESTRICT,
                    ),
                ),
                ("work_date", fields.DateField()),
                (
                    "status",
                    fields.CharEnumField(
                        default=CandidateStatus.pending,
                        description="pending: pending\napproved: approved\nrejected: rejected",
                        enum_type=CandidateStatus,
                        max_length=10,
                    ),
                ),
                ("decided_by_id", fields.BigIntField(null=True)),
                ("decided_at", fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ("note", fields.CharField(null=True, max_length=500)),
                ("created_at", fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={
                "table": "kentaikyo_candidate",
                "app": "models",
                "unique_together": (("technician", "site", "work_date"),),
                "indexes": [Index(fields=["site_id", "status"])],
                "pk_attr": "id",
                "table_description": "A day reported to 建退共 but missing in OpenCCUS: a work record once the prime's site manager approves it",
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="KentaikyoMonth",
            fields=[
                ("id", fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                (
                    "business",
                    fields.ForeignKeyField(
                        "models.Business",
                        source_field="business_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="kentaikyo_months",
                        on_delete=OnDelete.RESTRICT,
                    ),
                ),
                ("month", fields.DateField()),
                (
                    "status",
                    fields.CharEnumField(
                        default=MonthStatus.open,
                        description="open: open\nconfirmed: confirmed",
                        enum_type=MonthStatus,
                        max_length=10,
                    ),
                ),
                ("confirmed_by_id", fields.BigIntField(null=True)),
                ("confirmed_at", fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                (
                    "snapshot",
                    fields.JSONField(null=True, encoder=functools.partial(dumps, separators=(",", ":")), decoder=loads),
                ),
                ("created_at", fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={
                "table": "kentaikyo_month",
                "app": "models",
                "unique_together": (("business", "month"),),
                "pk_attr": "id",
                "table_description": "One employer's 建退共 month. Created on the first adjustment or confirmation (INSERT … ON CONFLICT DO NOTHING),",
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="KentaikyoAdjustment",
            fields=[
                ("id", fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                (
                    "month",
                    fields.ForeignKeyField(
                        "models.KentaikyoMonth",
                        source_field="month_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="adjustments",
                        on_delete=OnDelete.RESTRICT,
                    ),
                ),
                (
                    "technician",
                    fields.ForeignKeyField(
                        "models.Technician",
                        source_field="technician_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="kentaikyo_adjustments",
                        on_delete=OnDelete.RESTRICT,
                    ),
                ),
                (
                    "site",
                    fields.ForeignKeyField(
                        "models.Site",
                        source_field="site_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="kentaikyo_adjustments",
                        on_delete=OnDelete.RESTRICT,
                    ),
                ),
                ("work_date", fields.DateField()),
                ("worked", fields.BooleanField()),
                ("reason", fields.CharField(max_length=500)),
                ("by_id", fields.BigIntField()),
                ("at", fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={
                "table": "kentaikyo_adjustment",
                "app": "models",
                "unique_together": (("month", "technician", "site", "work_date"),),
                "pk_attr": "id",
                "table_description": "The employer's change to one technician × site × day of an open month: worked (a day added) or not (a day",
            },
            bases=["Model"],
        ),
        ops.AddField(
            model_name="Business",
            name="merged_into_id",
            field=fields.BigIntField(null=True),
        ),
        ops.AddField(
            model_name="Business",
            name="placeholder",
            field=fields.BooleanField(default=False, db_default=False),
        ),
        ops.AddField(
            model_name="Business",
            name="placeholder_corporate_number",
            field=fields.CharField(null=True, unique=True, max_length=13),
        ),
    ]
