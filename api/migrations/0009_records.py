from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise import fields
from tortoise.indexes import Index

# Work days no longer move with the site's cutoff hour: a tap keeps its own Japan date and the fold pairs shifts
# (docs/workrecords.md). Existing taps get their Japan date back and every (site, date) with accepted taps is marked
# for the next fold, which re-derives the records under the new rule.
_SQL = {
    "postgres": [
        "UPDATE tap SET work_date = CAST(device_time AT TIME ZONE 'Asia/Tokyo' AS DATE) "
        "WHERE work_date <> CAST(device_time AT TIME ZONE 'Asia/Tokyo' AS DATE)",
        "INSERT INTO fold_dirty (site_id, work_date, version) "
        "SELECT DISTINCT site_id, work_date, 1 FROM tap WHERE status = 'accepted'",
    ],
    "sqlite": [
        "UPDATE tap SET work_date = date(device_time, '+9 hours') WHERE work_date <> date(device_time, '+9 hours')",
        "INSERT INTO fold_dirty (site_id, work_date, version) "
        "SELECT DISTINCT site_id, work_date, 1 FROM tap WHERE status = 'accepted'",
    ],
}


async def _rework(apps, schema_editor):
    for statement in _SQL[schema_editor.client.capabilities.dialect]:
        await schema_editor.client.execute_script(statement)


async def _nothing(apps, schema_editor):
    pass

class Migration(migrations.Migration):
    dependencies = [('models', '0015_qualification_review')]

    initial = False

    operations = [
        ops.CreateModel(
            name='FoldDirty',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('site_id', fields.BigIntField()),
                ('work_date', fields.DateField()),
                ('version', fields.BigIntField(default=1, db_default=1)),
            ],
            options={'table': 'fold_dirty', 'app': 'models', 'unique_together': (('site_id', 'work_date'),), 'pk_attr': 'id', 'table_description': 'A (site, date) whose taps changed since it was last folded. The transaction that stores accepted taps upserts'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='LoneExit',
            fields=[
                ('tap_id', fields.BigIntField(primary_key=True, generated=False, unique=True, db_index=True)),
                ('technician_id', fields.BigIntField()),
                ('site_id', fields.BigIntField()),
                ('work_date', fields.DateField()),
                ('at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'lone_exit', 'app': 'models', 'indexes': [Index(fields=['site_id', 'work_date'])], 'pk_attr': 'tap_id', 'table_description': "An exit tap with no open entry (on the same site, within the site's shift length) and no record on its own"},
            bases=['Model'],
        ),
        ops.AddField(
            model_name='Site',
            name='shift_hours',
            field=fields.SmallIntField(default=24, db_default=24),
        ),
        ops.AddField(
            model_name='Tap',
            name='fingerprint',
            field=fields.CharField(null=True, max_length=64),
        ),
        ops.RunPython(_rework, _nothing),
    ]
