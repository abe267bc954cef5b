"""`GET /readyz`, as a load balancer or the operator's monitoring asks it: 200 only when the
database answers, this code's migrations are applied, Redis answers (when configured), a worker
has beaten lately and no outbox message has waited too long past its time; else 503, with each
check and its figures either way, and never anything personal."""

from __future__ import annotations

import datetime as dt
import signal
from typing import Any

import pytest
from django.core.management import call_command
from django.test import Client

from sscard.background.heartbeat import beat
from sscard.background.models import WorkerHeartbeat
from sscard.common.clock import frozen_at
from sscard.notifications.services import emit_webhook
from tests.factories import BankFactory, make_person
from tests.test_worker import Workers, wait_for, workers  # noqa: F401 (a fixture)

T0 = dt.datetime(2026, 3, 10, 2, 0, tzinfo=dt.UTC)
CHECKS = {"database", "migrations", "worker", "outbox"}


def ask(client: Client, at: dt.datetime | None = None) -> tuple[int, dict[str, Any]]:
    if at is None:
        response = client.get("/readyz")
    else:
        with frozen_at(at):
            response = client.get("/readyz")
    assert response["Content-Type"] == "application/json"
    assert "no-store" in response["Cache-Control"]
    return response.status_code, response.json()


def failing(body: dict[str, Any]) -> set[str]:
    return {name for name, check in body["checks"].items() if not check["ok"]}


@pytest.mark.django_db
def test_ready_when_the_database_migrations_worker_and_outbox_are_well(client):
    with frozen_at(T0):
        beat("worker-a", started_at=T0)

    status, body = ask(client, T0 + dt.timedelta(seconds=10))

    assert status == 200
    assert body["status"] == "ready"
    assert set(body["checks"]) == CHECKS  # no Redis configured: not asked
    assert failing(body) == set()
    assert body["checks"]["worker"]["last_beat_seconds"] == 10.0
    assert body["checks"]["outbox"]["oldest_due_seconds"] == 0.0
    assert body["checks"]["migrations"] == {"ok": True}


@pytest.mark.django_db
def test_not_ready_without_a_worker_or_once_it_has_gone_silent(client):
    status, body = ask(client, T0)
    assert (status, body["status"], failing(body)) == (503, "not_ready", {"worker"})
    assert body["checks"]["worker"]["last_beat_seconds"] is None

    with frozen_at(T0):
        beat("worker-a", started_at=T0)
    assert ask(client, T0 + dt.timedelta(seconds=60))[0] == 200
    status, body = ask(client, T0 + dt.timedelta(seconds=61))
    assert (status, failing(body)) == (503, {"worker"})
    assert body["checks"]["worker"]["last_beat_seconds"] == 61.0


@pytest.mark.django_db
def test_not_ready_when_an_outbox_message_is_overdue(client, settings):
    settings.READY_OUTBOX_SECONDS = 300
    bank = BankFactory.create(webhook_url="https://bank.example/hooks")
    with frozen_at(T0):
        emit_webhook(
            bank=bank, topic="card.blocked", data={"card_number": "X"}, subject=make_person()
        )
    later = T0 + dt.timedelta(seconds=301)
    with frozen_at(later):
        beat("worker-a", started_at=T0)

    status, body = ask(client, later)

    assert (status, failing(body)) == (503, {"outbox"})
    assert body["checks"]["outbox"]["oldest_due_seconds"] == 301.0
    assert "bank.example" not in str(body) and "card_number" not in str(body)
    assert ask(client, T0 + dt.timedelta(seconds=299))[0] == 200


@pytest.mark.django_db
def test_redis_is_checked_when_configured(client, settings):
    with frozen_at(T0):
        beat("worker-a", started_at=T0)
    settings.REDIS_URL = "redis://127.0.0.1:6379/15"
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": settings.REDIS_URL,
            "KEY_PREFIX": "sscard-readyz-test",
        }
    }
    status, body = ask(client, T0)
    assert (status, set(body["checks"])) == (200, CHECKS | {"redis"})

    settings.REDIS_URL = "redis://127.0.0.1:1/0"  # nothing listens there
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": settings.REDIS_URL,
            "OPTIONS": {"socket_connect_timeout": 1.0, "socket_timeout": 1.0},
        }
    }
    status, body = ask(client, T0)
    assert (status, failing(body)) == (503, {"redis"})
    assert body["checks"]["redis"]["error"] == "ConnectionError"


@pytest.mark.django_db(transaction=True)
def test_not_ready_while_a_migration_of_this_code_is_not_applied(client):
    call_command("migrate", "background", "zero", verbosity=0)
    try:
        status, body = ask(client)
        assert status == 503
        assert body["checks"]["migrations"] == {
            "ok": False,
            "missing": ["background.0001_initial"],
        }
        assert body["checks"]["worker"]["ok"] is False  # its table is not there
        assert body["checks"]["database"]["ok"] is True
    finally:
        call_command("migrate", "background", verbosity=0)
    assert ask(client)[1]["checks"]["migrations"] == {"ok": True}


def test_a_running_worker_makes_it_ready_and_a_stopped_one_not(
    client: Client,
    workers: Workers,  # noqa: F811 (the fixture)
) -> None:
    assert ask(client)[0] == 503

    worker = workers.start("--no-sweep")
    wait_for(
        "the worker's heartbeat", lambda: ask(client)[0] == 200, lambda: workers.output(worker)
    )
    assert WorkerHeartbeat.objects.count() == 1

    worker.send_signal(signal.SIGTERM)
    assert worker.wait(30) == 0
    status, body = ask(client)
    assert (status, failing(body)) == (503, {"worker"})
    assert WorkerHeartbeat.objects.count() == 0
