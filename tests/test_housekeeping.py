"""The worker's sweep forgets what is kept only for a while: Idempotency-Key answers past their
24 hours, finished task results past two weeks, citizen tokens that no longer work, one-time
codes past their life and expired sessions; nothing younger, nothing still to run or live."""

from __future__ import annotations

import datetime as dt
import uuid
from io import StringIO

import pytest
from django.conf import settings
from django.contrib.sessions.backends.db import SessionStore
from django.contrib.sessions.models import Session
from django.core.management import call_command
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from sscard.api.models import IdempotencyRecord
from sscard.common import clock
from sscard.notifications.tasks import deliver_outbox_message
from sscard.partners.models import CitizenToken
from sscard.partners.services import issue_citizen_token, person_for_token
from sscard.people.models import OneTimeCode
from sscard.signin.services import revoke_citizen_token
from tests.factories import make_person

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


def test_the_sweep_forgets_dead_tokens_spent_codes_and_expired_sessions() -> None:
    person = make_person()
    now = clock.now()
    live = issue_citizen_token(person=person).token
    revoked = issue_citizen_token(person=person).token
    revoke_citizen_token(token=revoked, channel="app")
    with clock.frozen_at(now - dt.timedelta(seconds=settings.CITIZEN_TOKEN_TTL_SECONDS + 1)):
        issue_citizen_token(person=person)  # expired a second ago
    for purpose, age in (("sign_in", 301), ("confirm", 299), ("sign_in", 3600)):
        OneTimeCode.objects.create(
            person=person,
            purpose=purpose,
            code_hash="0" * 64,
            created_at=now - dt.timedelta(seconds=age),
            expires_at=now - dt.timedelta(seconds=age - 300),
        )
    abandoned = SessionStore()
    abandoned["portal.pending"] = {"reference": person.reference}
    abandoned.create()
    current = SessionStore()
    current["portal.person"] = person.pk
    current.create()
    Session.objects.filter(session_key=abandoned.session_key).update(
        expire_date=timezone.now() - dt.timedelta(seconds=1)
    )

    out = StringIO()
    call_command("sweep", stdout=out)

    assert person_for_token(live) == person
    assert CitizenToken.objects.count() == 1
    assert list(OneTimeCode.objects.values_list("purpose", flat=True)) == ["confirm"]
    assert list(Session.objects.values_list("session_key", flat=True)) == [current.session_key]
    assert (
        "citizen tokens pruned: 2; one-time codes pruned: 2; sessions pruned: 1" in out.getvalue()
    )
