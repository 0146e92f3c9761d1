from tortoise import migrations
from tortoise.migrations import operations as ops
import functools
from api.batches.models import RunStatus
from json import dumps, loads
from tortoise import fields
from tortoise.indexes import Index

# Once means once (docs/architecture.md): at most one queued or running run per batch key, and the work records that
# closes already charged under the earlier by-difference rule marked as charged, so none is charged again.
_ONE_ACTIVE_RUN = ("CREATE UNIQUE INDEX batch_run_one_active ON batch_run (run_key) "
                   "WHERE status IN ('queued', 'running')")


def _backfill_sql(pg: bool) -> str:
    from api.fees import tariffs

    versions = sorted((r for r in tariffs.load_tariffs() if r.fee_type == "site_usage"),
                      key=lambda r: r.valid_from, reverse=True)
    lit = (lambda d: f"DATE '{d.isoformat()}'") if pg else (lambda d: f"'{d.isoformat()}'")
    vfrom = "CASE " + " ".join(f"WHEN w.work_date >= {lit(r.valid_from)} THEN {lit(r.valid_from)}"
                               for r in versions) + " END"
    price = "CASE " + " ".join(f"WHEN w.work_date >= {lit(r.valid_from)} THEN {r.amount_yen}" for r in versions) + " END"
    month = "CAST(date_trunc('month', w.work_date) AS DATE)" if pg else "strftime('%Y-%m-01', w.work_date)"
    # Closes charged a count per site × month × tariff version: mark that many records of each group (the oldest).
    return f"""
INSERT INTO charged_work_record (work_record_id, site_id, work_month, tariff_valid_from, unit_price_yen, charge_key,
                                 charge_id, charged_at)
SELECT r.id, r.site_id, r.wm, r.vfrom, r.price, g.k, g.cid, CURRENT_TIMESTAMP
FROM (SELECT w.id, w.site_id, {month} AS wm, {vfrom} AS vfrom, {price} AS price,
             ROW_NUMBER() OVER (PARTITION BY w.site_id, {month}, {vfrom} ORDER BY w.id) AS n
      FROM work_record w) r
JOIN (SELECT site_id, work_month, tariff_valid_from, SUM(quantity) AS q, MIN(id) AS cid, MIN(source_key) AS k
      FROM charge WHERE fee_type = 'site_usage' GROUP BY site_id, work_month, tariff_valid_from) g
  ON g.site_id = r.site_id AND g.work_month = r.wm AND g.tariff_valid_from = r.vfrom
WHERE r.n <= g.q"""


async def _forward(apps, schema_editor):
    client = schema_editor.client
    await client.execute_script(_ONE_ACTIVE_RUN)
    await client.execute_script(_backfill_sql(client.capabilities.dialect == "postgres"))


async def _backward(apps, schema_editor):
    await schema_editor.client.execute_script("DROP INDEX batch_run_one_active")

class Migration(migrations.Migration):
    dependencies = [('models', '0009_records')]

    initial = False

    operations = [
        ops.CreateModel(
            name='BatchRun',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('name', fields.CharField(max_length=40)),
                ('run_key', fields.CharField(max_length=80)),
                ('period', fields.CharField(null=True, max_length=7)),
                ('status', fields.CharEnumField(default=RunStatus.queued, description='queued: queued\nrunning: running\ndone: done\nfailed: failed', enum_type=RunStatus, max_length=10)),
                ('counts', fields.JSONField(default=dict, encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
                ('error', fields.CharField(null=True, max_length=500)),
                ('requested_by_id', fields.BigIntField(null=True)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('started_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('finished_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'batch_run', 'app': 'models', 'indexes': [Index(fields=['name', 'created_at'])], 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='ChargedWorkRecord',
            fields=[
                ('work_record_id', fields.BigIntField(generated=False, primary_key=True, unique=True, db_index=True)),
                ('site_id', fields.BigIntField()),
                ('work_month', fields.DateField()),
                ('tariff_valid_from', fields.DateField()),
                ('unit_price_yen', fields.IntField()),
                ('charge_key', fields.CharField(max_length=160)),
                ('charge_id', fields.BigIntField(null=True)),
                ('charged_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'charged_work_record', 'app': 'models', 'indexes': [Index(fields=['charge_id']), Index(fields=['site_id', 'work_month'])], 'pk_attr': 'work_record_id', 'table_description': "A work record whose 現場利用料 has been charged: at most once, ever, because the work record's id is the key."},
            bases=['Model'],
        ),
        ops.AddField(
            model_name='OnlinePayment',
            name='refunded_yen',
            field=fields.BigIntField(default=0),
        ),
        ops.RunPython(_forward, _backward),
    ]
