from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise.fields.base import OnDelete
from tortoise import fields


class Migration(migrations.Migration):
    dependencies = [("models", "0027_agents")]

    initial = False

    operations = [
        ops.CreateModel(
            name="KentaikyoContract",
            fields=[
                ("id", fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                (
                    "business",
                    fields.OneToOneField(
                        "models.Business",
                        source_field="business_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="kentaikyo_contract",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                ("number", fields.CharField(max_length=20)),
                ("updated_by_id", fields.BigIntField()),
                ("updated_at", fields.DatetimeField(auto_now=True, auto_now_add=False)),
            ],
            options={
                "table": "kentaikyo_contract",
                "app": "models",
                "pk_attr": "id",
                "table_description": "The 共済契約者番号 of an employer (its 建退共 contract), entered by the employer and printed in the export.",
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="KentaikyoMember",
            fields=[
                ("id", fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                (
                    "technician",
                    fields.OneToOneField(
                        "models.Technician",
                        source_field="technician_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="kentaikyo_member",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                ("number", fields.CharField(max_length=20)),
                ("updated_by_id", fields.BigIntField()),
                ("updated_at", fields.DatetimeField(auto_now=True, auto_now_add=False)),
            ],
            options={
                "table": "kentaikyo_member",
                "app": "models",
                "pk_attr": "id",
                "table_description": "The 被共済者番号 of a technician (the number of the 建退共 手帳), entered by the employer that holds the contract.",
            },
            bases=["Model"],
        ),
    ]
