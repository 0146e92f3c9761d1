from tortoise import migrations
from tortoise.migrations import operations as ops
from api.attendance.models import TapMethod
from tortoise import fields

# The virtual card's tap method (docs/virtual-card.md) is 12 characters: tap.method and work_record.method widen from
# 10 to 12.


class _AlterOnPostgres(ops.AlterField):
    """The column is widened on PostgreSQL only. SQLite does not enforce VARCHAR lengths, and its AlterField rebuilds
    the table without the unique constraints and indexes (tap's (card_serial, challenge), work_record's one record per
    technician, site and day), which the ingest and the fold rely on."""

    async def database_forward(self, app_label, old_state, new_state, state_editor=None) -> None:
        if state_editor is not None and state_editor.client.capabilities.dialect == "postgres":
            await super().database_forward(app_label, old_state, new_state, state_editor)

    async def database_backward(self, app_label, old_state, new_state, state_editor=None) -> None:
        if state_editor is not None and state_editor.client.capabilities.dialect == "postgres":
            await super().database_backward(app_label, old_state, new_state, state_editor)


class Migration(migrations.Migration):
    dependencies = [("models", "0022_training")]

    initial = False

    operations = [
        _AlterOnPostgres(
            model_name="Tap",
            name="method",
            field=fields.CharEnumField(
                description="card: card\nface: face\nphone: phone\napi: api\ndirect: direct\nvirtual_card: virtual_card",
                enum_type=TapMethod,
                max_length=12,
            ),
        ),
        _AlterOnPostgres(
            model_name="WorkRecord",
            name="method",
            field=fields.CharField(max_length=12),
        ),
    ]
