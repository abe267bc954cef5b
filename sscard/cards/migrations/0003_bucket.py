"""The person's bucket on every row of a person's data in cards (docs/scale-out.md
section 2): added empty, filled from the owner in batches, then required; the unique keys
take it last."""

import django.core.validators
from django.db import migrations, models

from sscard.people import buckets


class Migration(migrations.Migration):
    dependencies = [
        ("cards", "0002_report_counts_index"),
        ("people", "0005_person_bucket"),
    ]

    operations = [
        migrations.AddField(
            model_name="card",
            name="bucket",
            field=models.SmallIntegerField(editable=False, null=True),
        ),
        migrations.AddField(
            model_name="lossreport",
            name="bucket",
            field=models.SmallIntegerField(editable=False, null=True),
        ),
        migrations.RunPython(
            buckets.fill_from_owner("cards", "card", "person"), migrations.RunPython.noop
        ),
        migrations.RunPython(
            buckets.fill_from_owner("cards", "lossreport", "card"), migrations.RunPython.noop
        ),
        migrations.AlterField(
            model_name="card",
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
            model_name="lossreport",
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
            model_name="card",
            constraint=models.UniqueConstraint(
                fields=("number", "bucket"), name="card_number_unique"
            ),
        ),
        migrations.AddConstraint(
            model_name="card",
            constraint=models.UniqueConstraint(
                fields=("identification_code", "bucket"), name="card_identification_code_unique"
            ),
        ),
        migrations.AlterField(
            model_name="card", name="number", field=models.CharField(max_length=9)
        ),
        migrations.AlterField(
            model_name="card", name="identification_code", field=models.CharField(max_length=32)
        ),
        migrations.RemoveConstraint(model_name="card", name="one_live_card_per_person"),
        migrations.AddConstraint(
            model_name="card",
            constraint=models.UniqueConstraint(
                condition=models.Q(
                    ("status__in", ["normal", "temporarily_lost", "formally_lost", "pin_locked"])
                ),
                fields=("person", "bucket"),
                name="one_live_card_per_person",
            ),
        ),
        migrations.AddConstraint(
            model_name="lossreport",
            constraint=models.UniqueConstraint(
                fields=("reference", "bucket"), name="loss_report_reference_unique"
            ),
        ),
        migrations.AlterField(
            model_name="lossreport", name="reference", field=models.CharField(max_length=20)
        ),
        migrations.RemoveConstraint(model_name="lossreport", name="one_effective_report_per_card"),
        migrations.AddConstraint(
            model_name="lossreport",
            constraint=models.UniqueConstraint(
                condition=models.Q(("status", "effective")),
                fields=("card", "bucket"),
                name="one_effective_report_per_card",
            ),
        ),
    ]
