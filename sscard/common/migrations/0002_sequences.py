from django.db import migrations

NAMES = ("card_number", "receipt", "card_application", "loss_report")


def create(apps, schema_editor):
    Sequence = apps.get_model("common", "Sequence")
    for name in NAMES:
        Sequence.objects.get_or_create(name=name)


def remove(apps, schema_editor):
    apps.get_model("common", "Sequence").objects.filter(name__in=NAMES).delete()


class Migration(migrations.Migration):
    dependencies = [("common", "0001_initial")]
    operations = [migrations.RunPython(create, remove)]
