"""A mailed card now has a day to be brought to a counter by, like a card waiting at an outlet:
the day it was mailed plus the policy's uncollected period. Mailed cards of before get theirs."""

import datetime as dt

from django.db import migrations
from django.utils import timezone


def _lapse_days(policies: dict[str, int], region: str) -> int | None:
    """The uncollected period of the policy with the longest prefix of `region`."""
    for n in range(len(region), -1, -1):
        if region[:n] in policies:
            return policies[region[:n]]
    return None


def set_collect_by(apps, schema_editor):
    CardApplication = apps.get_model("applications", "CardApplication")
    ApplicationEvent = apps.get_model("applications", "ApplicationEvent")
    RegionalPolicy = apps.get_model("policy", "RegionalPolicy")
    policies = dict(RegionalPolicy.objects.values_list("region_prefix", "uncollected_lapse_days"))
    mailed = CardApplication.objects.filter(status="mailed", collect_by__isnull=True)
    for app in mailed.select_related("old_card", "outlet").iterator():
        region = app.old_card.issuing_region_code if app.old_card_id else app.outlet.region_code
        days = _lapse_days(policies, region)
        sent = (
            ApplicationEvent.objects.filter(application=app, status="mailed")
            .order_by("-at")
            .values_list("at", flat=True)
            .first()
        )
        if days is None or sent is None:
            continue
        app.collect_by = timezone.localdate(sent) + dt.timedelta(days=days)
        app.save(update_fields=["collect_by"])


def clear_collect_by(apps, schema_editor):
    CardApplication = apps.get_model("applications", "CardApplication")
    CardApplication.objects.filter(status="mailed").update(collect_by=None)


class Migration(migrations.Migration):
    dependencies = [
        ("applications", "0001_initial"),
        ("policy", "0002_default_policy"),
    ]
    operations = [migrations.RunPython(set_collect_by, clear_collect_by)]
