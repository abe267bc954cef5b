"""Idempotency-Key on creating POSTs (API.md): a retry gets the first answer."""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.db import IntegrityError, transaction
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


def _replay(record: IdempotencyRecord) -> HttpResponse:
    response = HttpResponse(
        record.body, status=record.status_code or 200, content_type=record.content_type
    )
    response["Idempotent-Replayed"] = "true"
    return response


def _claim(owner: str, key: str, fingerprint: str) -> IdempotencyRecord | HttpResponse:
    now = clock.now()
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
            stale = record.created_at < now - ttl or (
                record.status_code is None and record.created_at < now - ABANDONED_AFTER
            )
            if stale:
                IdempotencyRecord.objects.filter(pk=record.pk).delete()
                continue
            if record.fingerprint != fingerprint:
                return problem(
                    409,
                    ProtocolCode.IDEMPOTENCY_KEY_REUSED,
                    "This Idempotency-Key was used with another request.",
                )
            if record.status_code is None:
                return problem(
                    409,
                    ProtocolCode.IDEMPOTENCY_KEY_IN_USE,
                    "A request with this Idempotency-Key is still being processed; retry shortly.",
                )
            return _replay(record)
    return problem(409, ProtocolCode.IDEMPOTENCY_KEY_IN_USE, "Retry shortly.")


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
        claimed = _claim(owner, key, fingerprint)
        if isinstance(claimed, HttpResponse):
            return claimed
        try:
            response = run(request, *args, **kwargs)
        except BaseException:
            IdempotencyRecord.objects.filter(pk=claimed.pk).delete()
            raise
        if response.status_code >= 500 or response.status_code in NOT_KEPT:
            IdempotencyRecord.objects.filter(pk=claimed.pk).delete()
        else:
            IdempotencyRecord.objects.filter(pk=claimed.pk).update(
                status_code=response.status_code,
                content_type=response.get("Content-Type", "application/json"),
                body=response.content.decode("utf-8"),
            )
        return response

    return wrapper


def prune_expired_keys() -> int:
    """Forget the answers kept past IDEMPOTENCY_TTL_HOURS (the worker's sweep calls this)."""
    cutoff = clock.now() - dt.timedelta(hours=settings.IDEMPOTENCY_TTL_HOURS)
    deleted, _ = IdempotencyRecord.objects.filter(created_at__lt=cutoff).delete()
    return deleted
