"""Idempotency-Key on creating POSTs (API.md): a retry gets the first answer.

While the first request runs, its key is claimed by a row with no answer yet. On PostgreSQL the
request also holds a session advisory lock on the key, which the database frees the moment the
request's connection ends: when a retry finds an unanswered claim whose lock is free, the first
request died (its process was killed, or the database went down under it) and the retry takes
the key over at once. Elsewhere an unanswered claim is given up after ABANDONED_AFTER.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.db import DatabaseError, IntegrityError, connection, transaction
from django.http import HttpRequest, HttpResponse

from sscard.api.auth import bearer
from sscard.api.models import IdempotencyRecord
from sscard.api.problems import ProtocolCode, problem, too_large
from sscard.common import clock

# A first request that never finished (the process died) frees its key after this long.
ABANDONED_AFTER = dt.timedelta(minutes=2)
# Answers not worth keeping: the request did not get through, or we failed.
NOT_KEPT = frozenset({401, 429})


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _lock_id(owner: str, key: str) -> int:
    """The key's advisory lock: 64 bits of its hash, as PostgreSQL's signed bigint."""
    digest = hashlib.sha256(f"idempotency\n{owner}\n{key}".encode()).digest()
    return int.from_bytes(digest[:8], "big", signed=True)


def _try_lock(lock_id: int) -> bool:
    """Take the key's lock without waiting: False while a live request holds it. True where the
    database has no advisory locks (the claim's age decides there)."""
    if connection.vendor != "postgresql":
        return True
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_lock(%s)", [lock_id])
        return bool(cursor.fetchone()[0])


def _unlock(lock_id: int) -> None:
    if connection.vendor != "postgresql":
        return
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_unlock(%s)", [lock_id])
    except DatabaseError:
        # The connection is gone, and the lock with it.
        pass


def _replay(record: IdempotencyRecord) -> HttpResponse:
    response = HttpResponse(
        record.body, status=record.status_code or 200, content_type=record.content_type
    )
    response["Idempotent-Replayed"] = "true"
    return response


def _reused() -> HttpResponse:
    return problem(
        409,
        ProtocolCode.IDEMPOTENCY_KEY_REUSED,
        "This Idempotency-Key was used with another request.",
    )


def _in_use() -> HttpResponse:
    return problem(
        409,
        ProtocolCode.IDEMPOTENCY_KEY_IN_USE,
        "A request with this Idempotency-Key is still being processed; retry shortly.",
    )


def _claim(
    owner: str, key: str, fingerprint: str, *, locked: bool
) -> IdempotencyRecord | HttpResponse:
    """Claim the key, or answer for it. `locked`: this request holds the key's advisory lock, so
    an unanswered claim found now belongs to a request that is no longer running."""
    now = clock.now()
    if not locked:
        # A live request holds the key right now: answer from its record, never claim beside it.
        record = IdempotencyRecord.objects.filter(owner=owner, key=key).first()
        if record is not None and record.fingerprint != fingerprint:
            return _reused()
        if record is None or record.status_code is None:
            return _in_use()
        return _replay(record)
    for _ in range(2):
        try:
            with transaction.atomic():
                return IdempotencyRecord.objects.create(
                    owner=owner, key=key, fingerprint=fingerprint, created_at=now
                )
        except IntegrityError:
            record = IdempotencyRecord.objects.filter(owner=owner, key=key).first()
            if record is None:
                continue
            ttl = dt.timedelta(hours=settings.IDEMPOTENCY_TTL_HOURS)
            abandoned = record.status_code is None and (
                connection.vendor == "postgresql" or record.created_at < now - ABANDONED_AFTER
            )
            stale = record.created_at < now - ttl or abandoned
            if stale:
                IdempotencyRecord.objects.filter(pk=record.pk).delete()
                continue
            if record.fingerprint != fingerprint:
                return _reused()
            if record.status_code is None:
                return _in_use()
            return _replay(record)
    return _in_use()


def idempotent(run: Callable[..., Any]) -> Callable[..., Any]:
    """Wraps a ninja operation's `run` (see ninja.decorators.decorate_view)."""

    @functools.wraps(run)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
        raw_key = request.headers.get("Idempotency-Key")
        if raw_key is None or bearer(request) is None:
            # Without a valid token the view answers 401 and nothing is kept: no claim is made.
            return run(request, *args, **kwargs)
        key = raw_key.strip()
        if not key or len(key) > 255 or not (key.isascii() and key.isprintable()):
            return problem(
                422,
                ProtocolCode.INVALID_IDEMPOTENCY_KEY,
                "Idempotency-Key must be 1 to 255 printable ASCII characters.",
                errors=[
                    {"field": "Idempotency-Key", "message": "1 to 255 printable ASCII characters"}
                ],
            )
        try:
            body = request.body
        except RequestDataTooBig:
            return too_large()
        owner = _sha(request.headers.get("Authorization", "").encode("utf-8", "replace"))
        method = (request.method or "").encode()
        fingerprint = _sha(method + b" " + request.path.encode() + b"\n" + body)
        lock_id = _lock_id(owner, key)
        locked = _try_lock(lock_id)
        try:
            claimed = _claim(owner, key, fingerprint, locked=locked)
            if isinstance(claimed, HttpResponse):
                return claimed
            try:
                # The change and the answer kept for the key commit together: a retry finds
                # both or neither, even when the database goes down between them.
                with transaction.atomic():
                    response = run(request, *args, **kwargs)
                    kept = IdempotencyRecord.objects.filter(pk=claimed.pk)
                    if response.status_code >= 500 or response.status_code in NOT_KEPT:
                        kept.delete()
                    else:
                        kept.update(
                            status_code=response.status_code,
                            content_type=response.get("Content-Type", "application/json"),
                            body=response.content.decode("utf-8"),
                        )
            except BaseException:
                IdempotencyRecord.objects.filter(pk=claimed.pk).delete()
                raise
            return response
        finally:
            if locked:
                _unlock(lock_id)

    return wrapper


def prune_expired_keys() -> int:
    """Forget the answers kept past IDEMPOTENCY_TTL_HOURS (the worker's sweep calls this)."""
    cutoff = clock.now() - dt.timedelta(hours=settings.IDEMPOTENCY_TTL_HOURS)
    deleted, _ = IdempotencyRecord.objects.filter(created_at__lt=cutoff).delete()
    return deleted
