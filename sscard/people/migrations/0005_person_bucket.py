"""The person's bucket on every row of a person's data in people (docs/scale-out.md
section 2): added empty, filled from the owner in batches, then required; the unique keys
take it last."""

import django.core.validators
from django.db import migrations, models

import sscard.people.models
from sscard.people import buckets


class Migration(migrations.Migration):
    dependencies = [
        ("people", "0004_person_reference"),
    ]

    operations = [
        migrations.AddField(
            model_name="person",
            name="bucket",
            field=models.SmallIntegerField(editable=False, null=True),
        ),
        migrations.AddField(
            model_name="guardianship",
            name="bucket",
            field=models.SmallIntegerField(editable=False, null=True),
        ),
        migrations.AddField(
            model_name="onetimecode",
            name="bucket",
            field=models.SmallIntegerField(editable=False, null=True),
        ),
        migrations.RunPython(buckets.fill_people, migrations.RunPython.noop),
        migrations.RunPython(
            buckets.fill_from_owner("people", "guardianship", "ward"), migrations.RunPython.noop
        ),
        migrations.RunPython(
            buckets.fill_from_owner("people", "onetimecode", "person"), migrations.RunPython.noop
        ),
        migrations.AlterField(
            model_name="person",
            name="bucket",
            field=models.SmallIntegerField(
                editable=False,
                validators=[
                    django.core.validators.MinValueValidator(0),
                    django.core.validators.MaxValueValidator(4095),
                ],
            ),
        ),
        migrations.AlterField(
            model_name="guardianship",
            name="bucket",
            field=models.SmallIntegerField(
                editable=False,
                validators=[
                    django.core.validators.MinValueValidator(0),
                    django.core.validators.MaxValueValidator(4095),
                ],
            ),
        ),
        migrations.AlterField(
            model_name="onetimecode",
            name="bucket",
            field=models.SmallIntegerField(
                editable=False,
                validators=[
                    django.core.validators.MinValueValidator(0),
                    django.core.validators.MaxValueValidator(4095),
                ],
            ),
        ),
        migrations.RemoveConstraint(
            model_name="guardianship", name="one_open_guardianship_per_pair"
        ),
        migrations.AddConstraint(
            model_name="guardianship",
            constraint=models.UniqueConstraint(
                condition=models.Q(("ended_at__isnull", True)),
                fields=("guardian", "ward", "bucket"),
                name="one_open_guardianship_per_pair",
            ),
        ),
        migrations.AddConstraint(
            model_name="person",
            constraint=models.UniqueConstraint(
                fields=("reference", "bucket"), name="person_reference_unique"
            ),
        ),
        migrations.AddConstraint(
            model_name="person",
            constraint=models.UniqueConstraint(
                fields=("social_security_number", "bucket"), name="person_number_unique"
            ),
        ),
        migrations.AlterField(
            model_name="person",
            name="reference",
            field=models.CharField(
                default=sscard.people.models.new_person_reference, editable=False, max_length=16
            ),
        ),
        migrations.AlterField(
            model_name="person",
            name="social_security_number",
            field=models.CharField(max_length=18),
        ),
        migrations.AddConstraint(
            model_name="person",
            constraint=models.CheckConstraint(
                condition=models.Q(("bucket__gte", 0), ("bucket__lt", 4096)),
                name="person_bucket_in_range",
            ),
        ),
    ]
