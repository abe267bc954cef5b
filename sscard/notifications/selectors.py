"""Reads of the outbox for those who watch it (readiness, metrics): counts and ages, never a
message's content. Each read is one aggregate over an index: `outbox_due` (status, next try)
for what waits, `outbox_pending` (pending messages by kind and age) for the oldest,
`outbox_delivered` (delivery time) for what went out lately."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from django.db import connection
from django.db.models import Count, FloatField, Min, Q, Sum
from django.db.models.expressions import RawSQL

from sscard.common import clock
from sscard.notifications.models import OutboxMessage, OutboxStatus

# What still needs someone: waiting for a try, or dead after the last one (until replayed).
WAITING_STATUSES = (OutboxStatus.PENDING, OutboxStatus.DEAD)


def waiting_by_kind() -> dict[tuple[str, str], int]:
    """Messages pending or dead, by (kind, status)."""
    rows = (
        OutboxMessage.objects.filter(status__in=WAITING_STATUSES)
        .values_list("kind", "status")
        .annotate(n=Count("pk"))
        .order_by()
    )
    return {(kind, status): n for kind, status, n in rows}


def oldest_pending_by_kind() -> dict[str, dt.datetime]:
    """When the oldest pending message of each kind was written (not yet delivered)."""
    rows = (
        OutboxMessage.objects.filter(status=OutboxStatus.PENDING)
        .values_list("kind")
        .annotate(oldest=Min("created_at"))
        .order_by()
    )
    return {kind: oldest for kind, oldest in rows}


def oldest_due(now: dt.datetime | None = None) -> dt.datetime | None:
    """The time of the pending message that has been due the longest (None: nothing is due)."""
    return (
        OutboxMessage.objects.filter(
            status=OutboxStatus.PENDING, next_attempt_at__lte=now or clock.now()
        )
        .order_by("next_attempt_at")
        .values_list("next_attempt_at", flat=True)
        .first()
    )


def _seconds_taken() -> RawSQL:
    """Seconds from a message's creation to its delivery, in the database's own arithmetic:
    Django's portable subtraction of two times calls a Python function per row on SQLite,
    which costs a scrape more than everything else together once thousands went out."""
    if connection.vendor == "sqlite":
        sql = '(julianday("delivered_at") - julianday("created_at")) * 86400.0'
    else:  # PostgreSQL
        sql = 'EXTRACT(EPOCH FROM ("delivered_at" - "created_at"))'
    return RawSQL(sql, [], output_field=FloatField())


@dataclass(frozen=True)
class DeliveryTimes:
    """How long the messages of one kind delivered lately took from being written to being
    delivered: how many took at most each bound (cumulative, as a histogram's buckets), how
    many in all, and their total time in seconds."""

    within: tuple[int, ...]
    count: int
    total_seconds: float


def delivery_times(*, since: dt.datetime, bounds: Sequence[float]) -> dict[str, DeliveryTimes]:
    """The delivery times of messages delivered at or after `since`, by kind, in one query.

    A replayed message counts by its last delivery (its time from being written, replays
    included)."""
    took = _seconds_taken()
    within = {f"le_{i}": Count("pk", filter=Q(took__lte=bound)) for i, bound in enumerate(bounds)}
    rows = (
        # Only a delivered message has a delivery time (a replay clears it): the index on it
        # alone finds the window's rows.
        OutboxMessage.objects.filter(delivered_at__gte=since)
        .annotate(took=took)
        .values("kind")
        .annotate(n=Count("pk"), total=Sum("took"), **within)
        .order_by()
    )
    return {
        row["kind"]: DeliveryTimes(
            within=tuple(row[f"le_{i}"] for i in range(len(bounds))),
            count=row["n"],
            total_seconds=float(row["total"] or 0.0),
        )
        for row in rows
    }
