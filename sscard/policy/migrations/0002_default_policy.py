from django.db import migrations


def create_default(apps, schema_editor):
    RegionalPolicy = apps.get_model("policy", "RegionalPolicy")
    RegionalPolicy.objects.get_or_create(
        region_prefix="", defaults={"name": "National default (DOMAIN.md section 8)"}
    )


def remove_default(apps, schema_editor):
    apps.get_model("policy", "RegionalPolicy").objects.filter(region_prefix="").delete()


class Migration(migrations.Migration):
    dependencies = [("policy", "0001_initial")]
    operations = [migrations.RunPython(create_default, remove_default)]
