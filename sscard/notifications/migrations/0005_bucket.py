"""The person's bucket on every row of a person's data in notifications (docs/scale-out.md
section 2): added empty, filled from the owner in batches, then required; the unique keys
take it last."""

import django.core.validators
from django.db import migrations, models

from sscard.people import buckets


def fill_webhooks(apps, schema_editor):
    """Webhooks written before they named their card's holder: the bucket of the card or
    application the payload names; none found (a card since gone): bucket 0."""
    message_model = apps.get_model("notifications", "OutboxMessage")
    card_model = apps.get_model("cards", "Card")
    application_model = apps.get_model("applications", "CardApplication")
    rows = message_model._base_manager.filter(bucket__isnull=True).order_by("pk")
    while batch := list(rows.only("pk", "payload")[: buckets.BATCH]):
        for message in batch:
            data = (message.payload or {}).get("data") or {}
            found = card_model._base_manager.filter(number=data.get("card_number", ""))
            if not found.exists() and data.get("number"):
                found = application_model._base_manager.filter(number=data["number"])
            message.bucket = found.values_list("bucket", flat=True).first() or 0
        message_model._base_manager.bulk_update(batch, ["bucket"])


class Migration(migrations.Migration):
    dependencies = [
        ("notifications", "0004_outbox_metrics_indexes"),
        ("people", "0005_person_bucket"),
        ("cards", "0003_bucket"),
        ("applications", "0004_bucket"),
    ]

    operations = [
        migrations.AddField(
            model_name="outboxmessage",
            name="bucket",
            field=models.SmallIntegerField(editable=False, null=True),
        ),
        migrations.AddField(
            model_name="deliveryattempt",
            name="bucket",
            field=models.SmallIntegerField(editable=False, null=True),
        ),
        migrations.RunPython(
            buckets.fill_from_owner("notifications", "outboxmessage", "subject"),
            migrations.RunPython.noop,
        ),
        migrations.RunPython(fill_webhooks, migrations.RunPython.noop),
        migrations.RunPython(
            buckets.fill_from_owner("notifications", "deliveryattempt", "message"),
            migrations.RunPython.noop,
        ),
        migrations.AlterField(
            model_name="outboxmessage",
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
            model_name="deliveryattempt",
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
            model_name="deliveryattempt", name="one_log_row_per_try_and_channel"
        ),
        migrations.AddConstraint(
            model_name="deliveryattempt",
            constraint=models.UniqueConstraint(
                fields=("message", "number", "channel", "bucket"),
                name="one_log_row_per_try_and_channel",
            ),
        ),
    ]
