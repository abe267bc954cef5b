"""The person's bucket on every row of a person's data in partners (docs/scale-out.md
section 2): added empty, filled from the owner in batches, then required; the unique keys
take it last."""

import django.core.validators
from django.db import migrations, models

from sscard.people import buckets


class Migration(migrations.Migration):
    dependencies = [
        ("partners", "0002_api_clients_and_citizen_tokens"),
        ("people", "0005_person_bucket"),
    ]

    operations = [
        migrations.AddField(
            model_name="citizentoken",
            name="bucket",
            field=models.SmallIntegerField(editable=False, null=True),
        ),
        migrations.RunPython(
            buckets.fill_from_owner("partners", "citizentoken", "person"), migrations.RunPython.noop
        ),
        migrations.AlterField(
            model_name="citizentoken",
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
            model_name="citizentoken",
            constraint=models.UniqueConstraint(
                fields=("token_hash", "bucket"), name="citizen_token_unique"
            ),
        ),
        migrations.AlterField(
            model_name="citizentoken", name="token_hash", field=models.CharField(max_length=64)
        ),
    ]
