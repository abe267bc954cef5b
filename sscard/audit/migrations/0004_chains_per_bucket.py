"""The audit log gets a chain per bucket: `bucket` on the events and the heads (the head's key),
`seq` unique within its bucket, and the signed checkpoints. The events written so far are bucket
0's chain, their hashes unchanged; the one head there was (id 1) becomes bucket 0's."""

from django.db import migrations, models


def head_to_bucket_zero(apps, schema_editor):
    AuditHead = apps.get_model("audit", "AuditHead")
    AuditHead.objects.filter(bucket=1).update(bucket=0)


def head_to_id_one(apps, schema_editor):
    AuditHead = apps.get_model("audit", "AuditHead")
    AuditHead.objects.exclude(bucket=0).delete()
    AuditHead.objects.filter(bucket=0).update(bucket=1)


class Migration(migrations.Migration):
    dependencies = [("audit", "0003_request_id")]

    operations = [
        migrations.AddField(
            model_name="auditevent",
            name="bucket",
            field=models.PositiveSmallIntegerField(default=0),
        ),
        migrations.AlterField(
            model_name="auditevent",
            name="seq",
            field=models.BigIntegerField(),
        ),
        migrations.AddConstraint(
            model_name="auditevent",
            constraint=models.UniqueConstraint(
                fields=("bucket", "seq"), name="audit_one_seq_per_bucket"
            ),
        ),
        migrations.AddConstraint(
            model_name="auditevent",
            constraint=models.CheckConstraint(
                condition=models.Q(bucket__lt=4096), name="audit_event_bucket_in_range"
            ),
        ),
        migrations.AddIndex(
            model_name="auditevent",
            index=models.Index(fields=["at", "id"], name="audit_at"),
        ),
        migrations.RenameField(model_name="audithead", old_name="id", new_name="bucket"),
        migrations.AlterField(
            model_name="audithead",
            name="bucket",
            field=models.PositiveSmallIntegerField(primary_key=True, serialize=False),
        ),
        migrations.RunPython(head_to_bucket_zero, head_to_id_one),
        migrations.AddConstraint(
            model_name="audithead",
            constraint=models.CheckConstraint(
                condition=models.Q(bucket__lt=4096), name="audit_head_bucket_in_range"
            ),
        ),
        migrations.CreateModel(
            name="AuditCheckpoint",
            fields=[
                ("number", models.BigIntegerField(primary_key=True, serialize=False)),
                ("at", models.DateTimeField()),
                ("heads", models.JSONField(default=list)),
                ("root", models.CharField(max_length=64)),
                ("prev_hash", models.CharField(max_length=64)),
                ("hash", models.CharField(max_length=64)),
                ("key_id", models.CharField(max_length=16)),
                ("signature", models.CharField(max_length=128)),
            ],
        ),
    ]
