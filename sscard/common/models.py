"""Named counters (card numbers, receipts, application numbers, report references) and the
one way to take the next number of one.

On PostgreSQL the counters of UNLOCKED are database sequences (`nextval`): no row lock, so
concurrent writers never wait on each other for a number; a number taken by a transaction that
rolls back is not given again (a gap), which these references allow (their format is unchanged).
The others, and every counter on SQLite (which writes one transaction at a time anyway), are rows
of `Sequence`, whose UPDATE holds the row lock until commit."""

from __future__ import annotations

from collections.abc import Iterable

from django.db import connection, models
from django.db.models import F

# Counters that are database sequences on PostgreSQL (migration common 0003).
UNLOCKED: tuple[str, ...] = ("loss_report",)


def sequence_name(name: str) -> str:
    return f"common_seq_{name}"


class Sequence(models.Model):
    """Named counters for card numbers, receipts, application numbers and report references."""

    name = models.CharField(max_length=40, primary_key=True)
    value = models.BigIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.name}={self.value}"


def next_value(name: str) -> int:
    """Take the next number of a sequence inside the caller's transaction.

    The UPDATE holds the row lock until commit, so two transactions never get the same value;
    on PostgreSQL a counter of UNLOCKED takes no lock at all (`nextval`).
    """
    if name in UNLOCKED and connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT nextval(%s)", [sequence_name(name)])
            return int(cursor.fetchone()[0])
    updated = Sequence.objects.filter(name=name).update(value=F("value") + 1)
    if not updated:
        Sequence.objects.get_or_create(name=name)
        Sequence.objects.filter(name=name).update(value=F("value") + 1)
    return Sequence.objects.values_list("value", flat=True).get(name=name)


def restart(names: Iterable[str]) -> None:
    """Number the counters of `names` from 1 again (the demo's wipe)."""
    names = tuple(names)
    Sequence.objects.filter(name__in=names).update(value=0)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            for name in names:
                if name in UNLOCKED:
                    cursor.execute("SELECT setval(%s, 1, false)", [sequence_name(name)])
