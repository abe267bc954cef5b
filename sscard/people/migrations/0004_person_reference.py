"""A random reference on every person, for addresses that must not enumerate the register."""

import secrets

from django.db import migrations, models

import sscard.people.models

ALPHABET = "23456789abcdefghjkmnpqrstuvwxyz"
BATCH = 2000


def fill_references(apps, schema_editor):
    Person = apps.get_model("people", "Person")
    taken = set()
    batch = []
    for person in Person.objects.filter(reference__isnull=True).only("pk").iterator(BATCH):
        reference = ""
        while not reference or reference in taken:
            reference = "".join(secrets.choice(ALPHABET) for _ in range(12))
        taken.add(reference)
        person.reference = reference
        batch.append(person)
        if len(batch) >= BATCH:
            Person.objects.bulk_update(batch, ["reference"])
            batch = []
    if batch:
        Person.objects.bulk_update(batch, ["reference"])


class Migration(migrations.Migration):
    dependencies = [("people", "0003_guardianship_legal_basis")]

    operations = [
        migrations.AddField(
            model_name="person",
            name="reference",
            field=models.CharField(editable=False, max_length=16, null=True),
        ),
        # The reverse has nothing to undo: the field goes with the AddField's reverse.
        migrations.RunPython(fill_references, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="person",
            name="reference",
            field=models.CharField(
                default=sscard.people.models.new_person_reference,
                editable=False,
                max_length=16,
                unique=True,
            ),
        ),
    ]
