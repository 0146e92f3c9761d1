from tortoise import migrations
from tortoise.migrations import operations as ops
from api.media.models import ImageKind
from tortoise import fields

class Migration(migrations.Migration):
    dependencies = [('models', '0007_billing')]

    initial = False

    operations = [
        ops.AddField(
            model_name='FaceCheckin',
            name='approved',
            field=fields.BooleanField(null=True),
        ),
        ops.AlterField(
            model_name='StoredImage',
            name='kind',
            field=fields.CharEnumField(description='face_photo: face_photo\nid_document: id_document\ncertificate: certificate\nface_extra: face_extra', enum_type=ImageKind, max_length=20),
        ),
        ops.AddField(
            model_name='Technician',
            name='face_consent_at',
            field=fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
        ),
        ops.AddField(
            model_name='Technician',
            name='face_error',
            field=fields.CharField(null=True, max_length=200),
        ),
    ]
