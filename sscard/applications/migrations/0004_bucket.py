"""The person's bucket on every row of a person's data in applications (docs/scale-out.md
section 2): added empty, filled from the owner in batches, then required; the unique keys
take it last."""

import django.core.validators
from django.db import migrations, models

from sscard.people import buckets


class Migration(migrations.Migration):
    dependencies = [
        ("applications", "0003_expiry_reminders"),
        ("cards", "0003_bucket"),
        ("people", "0005_person_bucket"),
    ]

    operations = [
        migrations.AddField(
            model_name="cardapplication",
            name="bucket",
            field=models.SmallIntegerField(editable=False, null=True),
        ),
        migrations.AddField(
            model_name="applicationevent",
            name="bucket",
            field=models.SmallIntegerField(editable=False, null=True),
        ),
        migrations.AddField(
            model_name="expiryreminder",
            name="bucket",
            field=models.SmallIntegerField(editable=False, null=True),
        ),
        migrations.RunPython(
            buckets.fill_from_owner("applications", "cardapplication", "person"),
            migrations.RunPython.noop,
        ),
        migrations.RunPython(
            buckets.fill_from_owner("applications", "applicationevent", "application"),
            migrations.RunPython.noop,
        ),
        migrations.RunPython(
            buckets.fill_from_owner("applications", "expiryreminder", "card"),
            migrations.RunPython.noop,
        ),
        migrations.AlterField(
            model_name="cardapplication",
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
            model_name="applicationevent",
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
            model_name="expiryreminder",
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
            model_name="cardapplication",
            constraint=models.UniqueConstraint(
                fields=("number", "bucket"), name="application_number_unique"
            ),
        ),
        migrations.AddConstraint(
            model_name="cardapplication",
            constraint=models.UniqueConstraint(
                fields=("receipt_number", "bucket"), name="application_receipt_unique"
            ),
        ),
        migrations.AlterField(
            model_name="cardapplication", name="number", field=models.CharField(max_length=20)
        ),
        migrations.AlterField(
            model_name="cardapplication",
            name="receipt_number",
            field=models.CharField(blank=True, max_length=20, null=True),
        ),
        migrations.RemoveConstraint(
            model_name="cardapplication", name="one_open_application_per_person"
        ),
        migrations.AddConstraint(
            model_name="cardapplication",
            constraint=models.UniqueConstraint(
                condition=models.Q(
                    (
                        "status__in",
                        [
                            "submitted",
                            "receipt_issued",
                            "bank_accepted",
                            "in_production",
                            "production_failed",
                            "ready_for_collection",
                            "mailed",
                        ],
                    )
                ),
                fields=("person", "bucket"),
                name="one_open_application_per_person",
            ),
        ),
        migrations.RemoveConstraint(model_name="expiryreminder", name="one_expiry_reminder"),
        migrations.AddConstraint(
            model_name="expiryreminder",
            constraint=models.UniqueConstraint(
                fields=("card", "expires_on", "days_before", "bucket"), name="one_expiry_reminder"
            ),
        ),
    ]
