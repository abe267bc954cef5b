"""Is this instance ready to serve (`GET /readyz`)? The database answers, every migration of
this code is applied, Redis answers when one is configured, a worker has beaten lately, and no
outbox message has waited too long past its time. Each check reads counts and times only:
nothing personal."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

import redis
from django.conf import settings
from django.core.cache import caches
from django.db import DatabaseError, connection
from django.db.migrations.loader import MigrationLoader
from django.db.migrations.recorder import MigrationRecorder

from sscard.background.heartbeat import last_beat
from sscard.common import clock
from sscard.notifications.selectors import oldest_due


@dataclass(frozen=True)
class Check:
    name: str
    ok: bool
    facts: dict[str, Any] = field(default_factory=dict)


@lru_cache(maxsize=1)
def _leaves() -> frozenset[tuple[str, str]]:
    """The last migration of each app in this code (read from disk once per process)."""
    return frozenset(MigrationLoader(None, ignore_no_migrations=True).graph.leaf_nodes())


def _database() -> Check:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return Check("database", True, {"vendor": connection.vendor})


def _migrations() -> Check:
    """Each app's last migration is recorded as applied. Read as bare pairs in one statement:
    Django's MigrationRecorder looks the table up first and makes a model of every row, five
    to eight times the CPU (a database without the table fails the check with its error)."""
    leaves = _leaves()
    table = connection.ops.quote_name(MigrationRecorder.Migration._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT app, name FROM {table}")
        applied = set(cursor.fetchall())
    missing = sorted(f"{app}.{name}" for app, name in leaves - applied)
    return Check("migrations", not missing, {"missing": missing} if missing else {})


def _redis() -> Check:
    caches["default"].get("sscard-readyz")  # raises when Redis does not answer in time
    return Check("redis", True)


def _worker() -> Check:
    beat = last_beat()
    if beat is None:
        return Check("worker", False, {"last_beat_seconds": None})
    age = (clock.now() - beat).total_seconds()
    return Check(
        "worker", age <= settings.READY_WORKER_SECONDS, {"last_beat_seconds": round(age, 1)}
    )


def _outbox() -> Check:
    now = clock.now()
    oldest = oldest_due(now)
    waited = (now - oldest).total_seconds() if oldest is not None else 0.0
    return Check(
        "outbox",
        waited <= settings.READY_OUTBOX_SECONDS,
        {"oldest_due_seconds": round(waited, 1)},
    )


def readiness() -> list[Check]:
    """Every check, in order; one that raises is a failed check with the kind of error."""
    checks = [_database, _migrations, _worker, _outbox]
    if settings.REDIS_URL:
        checks.insert(2, _redis)
    results = []
    for check in checks:
        name = check.__name__.lstrip("_")
        try:
            results.append(check())
        except (DatabaseError, redis.RedisError, OSError) as error:
            results.append(Check(name, False, {"error": type(error).__name__}))
            if name == "database":
                connection.close_if_unusable_or_obsolete()
    return results
