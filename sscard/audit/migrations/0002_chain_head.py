from django.db import migrations


def create(apps, schema_editor):
    apps.get_model("audit", "AuditHead").objects.get_or_create(id=1)


def remove(apps, schema_editor):
    apps.get_model("audit", "AuditHead").objects.filter(id=1).delete()


class Migration(migrations.Migration):
    dependencies = [("audit", "0001_initial")]
    operations = [migrations.RunPython(create, remove)]
