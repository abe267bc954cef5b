"""The worker's sweep forgets what is kept only for a while: Idempotency-Key answers past their
24 hours and finished task results past two weeks; nothing younger, nothing still to run."""

from __future__ import annotations

import datetime as dt
import uuid
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from sscard.api.models import IdempotencyRecord
from sscard.common import clock
from sscard.notifications.tasks import deliver_outbox_message

pytestmark = pytest.mark.django_db(transaction=True)  # the worker closes its connections


def _key(key: str, age: dt.timedelta) -> None:
    IdempotencyRecord.objects.create(
        owner="0" * 64,
        key=key,
        fingerprint="f" * 64,
        status_code=201,
        content_type="application/json",
        body="{}",
        created_at=clock.now() - age,
    )


def _task(status: str, finished_days_ago: int | None) -> uuid.UUID:
    result = deliver_outbox_message.enqueue(message_id=str(uuid.uuid4()))
    finished = (
        None if finished_days_ago is None else timezone.now() - dt.timedelta(days=finished_days_ago)
    )
    DBTaskResult.objects.filter(id=result.id).update(status=status, finished_at=finished)
    return uuid.UUID(str(result.id))


def test_the_sweep_prunes_expired_keys_and_old_finished_tasks() -> None:
    _key("expired", dt.timedelta(hours=25))
    _key("fresh", dt.timedelta(hours=23))
    old_done = _task("SUCCESSFUL", 15)
    old_failed = _task("FAILED", 20)
    recent_done = _task("SUCCESSFUL", 3)
    # Still to run: never pruned, whatever its age.
    waiting = _task("READY", None)
    DBTaskResult.objects.filter(id=waiting).update(
        enqueued_at=timezone.now() - dt.timedelta(days=30),
        run_after=timezone.now() + dt.timedelta(days=1),
    )

    out = StringIO()
    call_command("worker", "--once", stdout=out, stderr=StringIO())

    assert list(IdempotencyRecord.objects.values_list("key", flat=True)) == ["fresh"]
    left = set(DBTaskResult.objects.values_list("id", flat=True))
    assert recent_done in left and waiting in left
    assert old_done not in left and old_failed not in left
