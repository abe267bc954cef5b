"""The person's bucket on every row of a person's data in staff (docs/scale-out.md
section 2): added empty, filled from the owner in batches, then required; the unique keys
take it last."""

import django.core.validators
from django.db import migrations, models

from sscard.people import buckets


class Migration(migrations.Migration):
    dependencies = [
        ("staff", "0004_records_permissions"),
        ("cards", "0003_bucket"),
    ]

    operations = [
        migrations.AddField(
            model_name="pinpadrequest",
            name="bucket",
            field=models.SmallIntegerField(editable=False, null=True),
        ),
        migrations.RunPython(
            buckets.fill_from_owner("staff", "pinpadrequest", "card"), migrations.RunPython.noop
        ),
        migrations.AlterField(
            model_name="pinpadrequest",
            name="bucket",
            field=models.SmallIntegerField(
                editable=False,
                validators=[
                    django.core.validators.MinValueValidator(0),
                    django.core.validators.MaxValueValidator(4095),
                ],
            ),
        ),
        migrations.AddConstraint(
            model_name="pinpadrequest",
            constraint=models.UniqueConstraint(
                fields=("token_hash", "bucket"), name="pin_pad_token_unique"
            ),
        ),
        migrations.AlterField(
            model_name="pinpadrequest", name="token_hash", field=models.CharField(max_length=64)
        ),
    ]
