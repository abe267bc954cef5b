"""On PostgreSQL the loss-report counter becomes a database sequence (no row lock), going on
from the row's value; the row stays for SQLite. Back: the row takes the sequence's last value."""

from django.db import migrations

NAMES = ("loss_report",)


def forward(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    Sequence = apps.get_model("common", "Sequence")
    with schema_editor.connection.cursor() as cursor:
        for name in NAMES:
            row = Sequence.objects.filter(name=name).first()
            value = row.value if row else 0
            cursor.execute(f"CREATE SEQUENCE IF NOT EXISTS common_seq_{name} AS bigint")
            if value:
                cursor.execute("SELECT setval(%s, %s, true)", [f"common_seq_{name}", value])


def backward(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    Sequence = apps.get_model("common", "Sequence")
    with schema_editor.connection.cursor() as cursor:
        for name in NAMES:
            cursor.execute(
                f"SELECT CASE WHEN is_called THEN last_value ELSE 0 END FROM common_seq_{name}"
            )
            (value,) = cursor.fetchone()
            Sequence.objects.update_or_create(name=name, defaults={"value": value})
            cursor.execute(f"DROP SEQUENCE common_seq_{name}")


class Migration(migrations.Migration):
    dependencies = [("common", "0002_sequences")]
    operations = [migrations.RunPython(forward, backward)]
