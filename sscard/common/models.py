"""Named counters (card numbers, receipts, application numbers, report references) and the
one way to take the next number of one."""

from __future__ import annotations

from django.db import models
from django.db.models import F


class Sequence(models.Model):
    """Named counters for card numbers, receipts, application numbers and report references."""

    name = models.CharField(max_length=40, primary_key=True)
    value = models.BigIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.name}={self.value}"


def next_value(name: str) -> int:
    """Take the next number of a sequence inside the caller's transaction.

    The UPDATE holds the row lock until commit, so two transactions never get the same value.
    """
    updated = Sequence.objects.filter(name=name).update(value=F("value") + 1)
    if not updated:
        Sequence.objects.get_or_create(name=name)
        Sequence.objects.filter(name=name).update(value=F("value") + 1)
    return Sequence.objects.values_list("value", flat=True).get(name=name)
