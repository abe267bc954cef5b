"""The worker's heartbeat: written by `sscard worker`, read by `/readyz`. Nothing personal."""

from __future__ import annotations

import datetime as dt

from sscard.background.models import WorkerHeartbeat
from sscard.common import clock

# How often a running worker writes its beat, at most.
BEAT_EVERY_SECONDS = 5.0
# A dead worker's row is removed once it is this old (by the next worker that starts).
FORGET_AFTER = dt.timedelta(days=1)


def beat(worker_id: str, *, started_at: dt.datetime) -> None:
    """This worker is alive now."""
    WorkerHeartbeat.objects.update_or_create(
        worker_id=worker_id, defaults={"started_at": started_at, "beat_at": clock.now()}
    )


def forget_dead() -> int:
    """Remove the rows of workers silent for a day (a killed worker cannot remove its own)."""
    deleted, _ = WorkerHeartbeat.objects.filter(beat_at__lt=clock.now() - FORGET_AFTER).delete()
    return deleted


def stopped(worker_id: str) -> None:
    """This worker stops cleanly: it is no longer counted."""
    WorkerHeartbeat.objects.filter(worker_id=worker_id).delete()


def alive(worker_id: str) -> bool:
    """This worker has beaten and not stopped."""
    return WorkerHeartbeat.objects.filter(worker_id=worker_id).exists()


def last_beat() -> dt.datetime | None:
    """The newest beat of any worker."""
    return WorkerHeartbeat.objects.order_by("-beat_at").values_list("beat_at", flat=True).first()
