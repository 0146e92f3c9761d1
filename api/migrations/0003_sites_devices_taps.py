from tortoise import migrations
from tortoise.migrations import operations as ops
from api.attendance.models import TapMethod, TapStatus
from api.devices.models import DeviceKind
from api.sites.models import ContractStatus, OrderType, Position
from tortoise.fields.base import OnDelete
from tortoise import fields
from tortoise.indexes import Index

class Migration(migrations.Migration):
    dependencies = [('models', '0002_audit_append_only')]

    initial = False

    operations = [
        ops.CreateModel(
            name='Revocation',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('card_serial', fields.CharField(unique=True, max_length=16)),
                ('reason', fields.CharField(max_length=20)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'revocation', 'app': 'models', 'pk_attr': 'id', 'table_description': 'Every revoked card serial, in order: the id is the revocation version readers sync against.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='Site',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('site_id', fields.CharField(unique=True, max_length=14)),
                ('prime', fields.ForeignKeyField('models.Business', source_field='prime_id', db_constraint=True, to_field='id', related_name='prime_sites', on_delete=OnDelete.RESTRICT)),
                ('name', fields.CharField(max_length=200)),
                ('address', fields.CharField(max_length=300)),
                ('order_type', fields.CharEnumField(description='public: public\nprivate: private', enum_type=OrderType, max_length=10)),
                ('window_start', fields.DateField()),
                ('window_end', fields.DateField()),
                ('cutoff_hour', fields.SmallIntField(default=0)),
                ('hazardous', fields.BooleanField(default=False)),
                ('geofence_lat', fields.FloatField(null=True)),
                ('geofence_lon', fields.FloatField(null=True)),
                ('geofence_radius_m', fields.IntField(null=True)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'site', 'app': 'models', 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='Device',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('site', fields.ForeignKeyField('models.Site', source_field='site_id', db_constraint=True, to_field='id', related_name='devices', on_delete=OnDelete.CASCADE)),
                ('account', fields.OneToOneField('models.Account', source_field='account_id', db_constraint=True, to_field='id', related_name='device', on_delete=OnDelete.RESTRICT)),
                ('kind', fields.CharEnumField(description='reader: reader\nkiosk: kiosk', enum_type=DeviceKind, max_length=10)),
                ('name', fields.CharField(max_length=100)),
                ('enrolment_code_hash', fields.CharField(null=True, unique=True, max_length=64)),
                ('enrolment_expires_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('enrolled_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('revoked_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('last_seen_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('software_version', fields.CharField(null=True, max_length=40)),
                ('outbox_depth', fields.IntField(null=True)),
                ('reader_name', fields.CharField(null=True, max_length=200)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'device', 'app': 'models', 'pk_attr': 'id', 'table_description': "A reader or kiosk on one site. It acts through its own account (role device) and that account's token,"},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='RosterEntry',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('site', fields.ForeignKeyField('models.Site', source_field='site_id', db_constraint=True, to_field='id', related_name='roster', on_delete=OnDelete.CASCADE)),
                ('technician', fields.ForeignKeyField('models.Technician', source_field='technician_id', db_constraint=True, to_field='id', related_name='roster_entries', on_delete=OnDelete.RESTRICT)),
                ('employer', fields.ForeignKeyField('models.Business', source_field='employer_id', db_constraint=True, to_field='id', related_name='roster_entries', on_delete=OnDelete.RESTRICT)),
                ('trade', fields.CharField(max_length=10)),
                ('position', fields.CharEnumField(description='foreman: foreman\nteam_leader: team_leader\nworker: worker\napprentice: apprentice', enum_type=Position, max_length=12)),
                ('work_content', fields.CharField(null=True, max_length=200)),
                ('active', fields.BooleanField(default=True)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('updated_at', fields.DatetimeField(auto_now=True, auto_now_add=False)),
            ],
            options={'table': 'roster_entry', 'app': 'models', 'unique_together': (('site', 'technician'),), 'pk_attr': 'id', 'table_description': "施工体制技能者: a technician's trade, position and work content on one site, registered by the employer."},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='SiteContract',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('site', fields.ForeignKeyField('models.Site', source_field='site_id', db_constraint=True, to_field='id', related_name='contracts', on_delete=OnDelete.CASCADE)),
                ('business', fields.ForeignKeyField('models.Business', source_field='business_id', db_constraint=True, to_field='id', related_name='site_contracts', on_delete=OnDelete.RESTRICT)),
                ('parent', fields.ForeignKeyField('models.SiteContract', source_field='parent_id', null=True, db_constraint=True, to_field='id', related_name='children', on_delete=OnDelete.RESTRICT)),
                ('tier', fields.SmallIntField()),
                ('status', fields.CharEnumField(description='invited: invited\napproved: approved\ndeclined: declined', enum_type=ContractStatus, max_length=10)),
                ('proxy', fields.BooleanField(default=False)),
                ('decided_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'site_contract', 'app': 'models', 'unique_together': (('site', 'business'),), 'pk_attr': 'id', 'table_description': "One business's place in a site's contract tree (施工体制): the prime at tier 0, its subcontractors below."},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='SiteManager',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('site', fields.ForeignKeyField('models.Site', source_field='site_id', db_constraint=True, to_field='id', related_name='managers', on_delete=OnDelete.CASCADE)),
                ('account', fields.ForeignKeyField('models.Account', source_field='account_id', db_constraint=True, to_field='id', related_name='managed_sites', on_delete=OnDelete.CASCADE)),
            ],
            options={'table': 'site_manager', 'app': 'models', 'unique_together': (('site', 'account'),), 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='Tap',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('source_key', fields.CharField(unique=True, max_length=100)),
                ('site', fields.ForeignKeyField('models.Site', source_field='site_id', db_constraint=True, to_field='id', related_name='taps', on_delete=OnDelete.RESTRICT)),
                ('device', fields.ForeignKeyField('models.Device', source_field='device_id', null=True, db_constraint=True, to_field='id', related_name='taps', on_delete=OnDelete.RESTRICT)),
                ('api_client_id', fields.BigIntField(null=True)),
                ('technician', fields.ForeignKeyField('models.Technician', source_field='technician_id', null=True, db_constraint=True, to_field='id', related_name='taps', on_delete=OnDelete.RESTRICT)),
                ('technician_code', fields.CharField(max_length=14)),
                ('employer_id', fields.BigIntField(null=True)),
                ('method', fields.CharEnumField(description='card: card\nface: face\nphone: phone\napi: api\ndirect: direct', enum_type=TapMethod, max_length=10)),
                ('direction', fields.CharField(null=True, max_length=3)),
                ('card_serial', fields.CharField(null=True, max_length=16)),
                ('challenge', fields.CharField(null=True, max_length=32)),
                ('device_time', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('device_seq', fields.BigIntField(null=True)),
                ('received_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('work_date', fields.DateField()),
                ('status', fields.CharEnumField(description='accepted: accepted\npending: pending\nrejected: rejected', enum_type=TapStatus, max_length=10)),
                ('reject_reason', fields.CharField(null=True, max_length=40)),
                ('trade', fields.CharField(null=True, max_length=10)),
                ('position', fields.CharField(null=True, max_length=12)),
                ('work_content', fields.CharField(null=True, max_length=200)),
            ],
            options={'table': 'tap', 'app': 'models', 'unique_together': (('card_serial', 'challenge'),), 'indexes': [Index(fields=['site_id', 'work_date']), Index(fields=['technician_id', 'work_date']), Index(fields=['site_id', 'status'])], 'pk_attr': 'id', 'table_description': 'An immutable attendance event. Stored even when rejected, with the reason, so nothing is silently dropped.'},
            bases=['Model'],
        ),
    ]
