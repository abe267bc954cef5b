"""The person's bucket on every row of a person's data in records (docs/scale-out.md
section 2): added empty, filled from the owner in batches, then required; the unique keys
take it last."""

import django.core.validators
from django.db import migrations, models

import sscard.records.models
from sscard.people import buckets


class Migration(migrations.Migration):
    dependencies = [
        ("records", "0006_record_person_in_key_index"),
        ("people", "0005_person_bucket"),
    ]

    operations = [
        migrations.AddField(
            model_name="contributionrecord",
            name="bucket",
            field=models.SmallIntegerField(editable=False, null=True),
        ),
        migrations.AddField(
            model_name="contributionversion",
            name="bucket",
            field=models.SmallIntegerField(editable=False, null=True),
        ),
        migrations.AddField(
            model_name="authorisation",
            name="bucket",
            field=models.SmallIntegerField(editable=False, null=True),
        ),
        migrations.AddField(
            model_name="dispute",
            name="bucket",
            field=models.SmallIntegerField(editable=False, null=True),
        ),
        migrations.AddField(
            model_name="yearlystatement",
            name="bucket",
            field=models.SmallIntegerField(editable=False, null=True),
        ),
        migrations.RunPython(
            buckets.fill_from_owner("records", "contributionrecord", "person"),
            migrations.RunPython.noop,
        ),
        migrations.RunPython(
            buckets.fill_from_owner("records", "contributionversion", "record"),
            migrations.RunPython.noop,
        ),
        migrations.RunPython(
            buckets.fill_from_owner("records", "authorisation", "person"), migrations.RunPython.noop
        ),
        migrations.RunPython(
            buckets.fill_from_owner("records", "dispute", "person"), migrations.RunPython.noop
        ),
        migrations.RunPython(
            buckets.fill_from_owner("records", "yearlystatement", "person"),
            migrations.RunPython.noop,
        ),
        migrations.AlterField(
            model_name="contributionrecord",
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
            model_name="contributionversion",
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
            model_name="authorisation",
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
            model_name="dispute",
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
            model_name="yearlystatement",
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
            model_name="contributionrecord", name="one_contribution_per_key"
        ),
        migrations.AddConstraint(
            model_name="contributionrecord",
            constraint=models.UniqueConstraint(
                fields=("person", "month", "bucket", "insurance", "employer"),
                name="one_contribution_per_key",
            ),
        ),
        migrations.RemoveConstraint(model_name="contributionversion", name="one_row_per_version"),
        migrations.AddConstraint(
            model_name="contributionversion",
            constraint=models.UniqueConstraint(
                fields=("record", "version", "bucket"), name="one_row_per_version"
            ),
        ),
        migrations.AddConstraint(
            model_name="authorisation",
            constraint=models.UniqueConstraint(
                fields=("reference", "bucket"), name="authorisation_reference_unique"
            ),
        ),
        migrations.AlterField(
            model_name="authorisation",
            name="reference",
            field=models.CharField(
                default=sscard.records.models.new_authorisation_reference, max_length=16
            ),
        ),
        migrations.AddConstraint(
            model_name="dispute",
            constraint=models.UniqueConstraint(
                fields=("reference", "bucket"), name="dispute_reference_unique"
            ),
        ),
        migrations.AlterField(
            model_name="dispute",
            name="reference",
            field=models.CharField(
                default=sscard.records.models.new_dispute_reference, max_length=16
            ),
        ),
        migrations.RemoveConstraint(model_name="yearlystatement", name="one_statement_per_year"),
        migrations.AddConstraint(
            model_name="yearlystatement",
            constraint=models.UniqueConstraint(
                fields=("person", "year", "bucket"), name="one_statement_per_year"
            ),
        ),
    ]
