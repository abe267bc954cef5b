"""The background worker's sign of life, read by the readiness check (`/readyz`)."""

from __future__ import annotations

from django.db import models


class WorkerHeartbeat(models.Model):
    """A running worker's last beat. A worker writes its row every few seconds while it runs
    (between batches and after each task) and removes it when it stops cleanly; a row of a
    worker that died stays until it is a day old."""

    worker_id = models.CharField(max_length=64, primary_key=True)
    started_at = models.DateTimeField()
    beat_at = models.DateTimeField(db_index=True)

    def __str__(self) -> str:
        return self.worker_id
