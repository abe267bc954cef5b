"""The background task that delivers one outbox message (Django's Tasks API, django-tasks).

A task only names the message: the row holds the state, so a duplicate or late task is harmless.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable
from uuid import UUID

from django.db import transaction
from django.utils import timezone
from django_tasks import task

logger = logging.getLogger(__name__)


@task()
def deliver_outbox_message(message_id: str) -> str:
    from sscard.notifications.delivery import deliver

    return deliver(message_id)


def enqueue_delivery(message_id: UUID | str, *, run_after: dt.datetime | None = None) -> None:
    """Queue a delivery; a retry waits until `run_after` where the backend can wait.

    A backend that cannot (the immediate one) gets no retry task: the worker's recovery pass
    delivers the message once it is due.
    """
    queued = deliver_outbox_message
    if run_after is not None:
        if not queued.get_backend().supports_defer:
            return
        queued = queued.using(run_after=run_after)
    queued.enqueue(message_id=str(message_id))


def deliver_after_commit(message_ids: Iterable[UUID | str]) -> None:
    """Queue deliveries once the caller's transaction commits (at once outside a transaction).

    `robust`: a queue that fails after the commit must not fail the request that committed;
    the message is still pending and the worker's recovery pass delivers it.
    """
    ids = [str(pk) for pk in message_ids]
    if not ids:
        return

    def enqueue_all() -> None:
        for pk in ids:
            enqueue_delivery(pk)

    transaction.on_commit(enqueue_all, robust=True)


# Finished task results are only a trace (each delivery has its own log): kept two weeks.
FINISHED_TASKS_KEPT = dt.timedelta(days=14)


def prune_finished_tasks() -> int:
    from django_tasks_db.models import DBTaskResult

    cutoff = timezone.now() - FINISHED_TASKS_KEPT
    deleted, _ = DBTaskResult.objects.finished().filter(finished_at__lt=cutoff).delete()
    return deleted
