"""The person's bucket on every row of a person's data in ecard (docs/scale-out.md
section 2): added empty, filled from the owner in batches, then required; the unique keys
take it last."""

import django.core.validators
from django.db import migrations, models

from sscard.people import buckets


class Migration(migrations.Migration):
    dependencies = [
        ("ecard", "0001_initial"),
        ("people", "0005_person_bucket"),
    ]

    operations = [
        migrations.AddField(
            model_name="electroniccard",
            name="bucket",
            field=models.SmallIntegerField(editable=False, null=True),
        ),
        migrations.RunPython(
            buckets.fill_from_owner("ecard", "electroniccard", "person"), migrations.RunPython.noop
        ),
        migrations.AlterField(
            model_name="electroniccard",
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
            model_name="electroniccard",
            constraint=models.UniqueConstraint(
                fields=("serial", "bucket"), name="ecard_serial_unique"
            ),
        ),
        migrations.AlterField(
            model_name="electroniccard", name="serial", field=models.CharField(max_length=12)
        ),
        migrations.RemoveConstraint(model_name="electroniccard", name="ecard_one_in_force"),
        migrations.AddConstraint(
            model_name="electroniccard",
            constraint=models.UniqueConstraint(
                condition=models.Q(("revoked_at__isnull", True)),
                fields=("person", "bucket"),
                name="ecard_one_in_force",
            ),
        ),
    ]
