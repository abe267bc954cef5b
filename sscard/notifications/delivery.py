"""Delivering outbox messages: claim with a lease, send, record the outcome, retry or bury.

At least once, never lost: a message is `pending` until a try succeeds. A try claims the row
for OUTBOX_LEASE_SECONDS; a worker killed mid-try leaves a lease that runs out, and the
worker's recovery pass claims the row again. A failed try is retried with exponential backoff
and jitter; after WEBHOOK_MAX_ATTEMPTS tries the message is `dead` until replayed.
Each try writes one DeliveryAttempt row per channel.
"""

from __future__ import annotations

import datetime as dt
import logging
import random
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from uuid import UUID

from django.conf import settings
from django.db import transaction
from django.db.models import Max, Q, QuerySet

from sscard.common import clock, logs
from sscard.notifications.channels import ChannelError, describe, post_sms, send_email
from sscard.notifications.messages import render
from sscard.notifications.models import (
    DeliveryAttempt,
    DeliveryChannel,
    DeliveryOutcome,
    OutboxKind,
    OutboxMessage,
    OutboxStatus,
)
from sscard.notifications.tasks import deliver_after_commit, enqueue_delivery
from sscard.notifications.webhooks import post_event

logger = logging.getLogger(__name__)

INTERRUPTED = "the worker stopped before it recorded the outcome; its lease ran out"


@dataclass(frozen=True)
class Claim:
    message: OutboxMessage
    number: int
    lease: dt.datetime


@dataclass
class Try:
    channel: str
    outcome: str
    at: dt.datetime = field(default_factory=clock.now)
    http_status: int | None = None
    error: str = ""
    duration_ms: int = 0


def retry_delay(attempts: int) -> dt.timedelta:
    """Exponential from the base, capped, with "equal jitter": between half and all of it."""
    ceiling = min(
        settings.WEBHOOK_BACKOFF_CAP_SECONDS,
        settings.WEBHOOK_BACKOFF_SECONDS * 2 ** min(max(attempts - 1, 0), 32),
    )
    return dt.timedelta(seconds=random.uniform(ceiling / 2, ceiling))


def deliver(message_id: UUID | str) -> str:
    """One try at one message, if it is due and nobody else holds it. Returns what happened.

    What it logs carries the request id of the request that wrote the message."""
    with logs.scope(actor="sscard", channel="system"):
        claim = claim_message(message_id)
        if isinstance(claim, str):
            return claim
        logs.bind(request_id=claim.message.request_id)
        if claim.message.kind == OutboxKind.WEBHOOK:
            tries = _send_webhook(claim.message)
        else:
            tries = _send_notification(claim.message)
        return _record(claim, tries)


def claim_message(message_id: UUID | str) -> Claim | str:
    now = clock.now()
    with transaction.atomic():
        message = OutboxMessage.objects.select_for_update().filter(pk=message_id).first()
        if message is None:
            return "not found"
        if message.status != OutboxStatus.PENDING:
            return f"already {message.status}"
        if message.next_attempt_at > now:
            return "not due yet"
        if message.locked_until is not None and message.locked_until > now:
            return "held by another worker"
        last = message.tries.aggregate(last=Max("number"))["last"] or 0
        number = last + 1
        if message.locked_until is not None:
            DeliveryAttempt.objects.create(
                message=message,
                number=number,
                channel=_main_channel(message),
                at=now,
                outcome=DeliveryOutcome.INTERRUPTED,
                error=INTERRUPTED,
            )
            number += 1
            if message.attempts >= settings.WEBHOOK_MAX_ATTEMPTS:
                message.status, message.locked_until = OutboxStatus.DEAD, None
                message.last_error = INTERRUPTED
                message.save(update_fields=["status", "locked_until", "last_error"])
                logger.error(
                    "outbox %s %s: dead letter after %s tries",
                    message.pk,
                    message.topic,
                    message.attempts,
                    extra=_fields(message, number, "dead"),
                )
                return "dead"
        message.attempts += 1
        message.locked_until = now + dt.timedelta(seconds=settings.OUTBOX_LEASE_SECONDS)
        message.save(update_fields=["attempts", "locked_until"])
    return Claim(message=message, number=number, lease=message.locked_until)


def _main_channel(message: OutboxMessage) -> str:
    return DeliveryChannel.WEBHOOK if message.kind == OutboxKind.WEBHOOK else DeliveryChannel.NONE


def _send_webhook(message: OutboxMessage) -> list[Try]:
    bank = message.bank
    assert bank is not None
    if not bank.webhook_url:
        return [
            Try(
                DeliveryChannel.WEBHOOK,
                DeliveryOutcome.SKIPPED,
                error="the bank has no webhook URL: nothing was sent",
            )
        ]
    started = time.monotonic()
    attempt = Try(DeliveryChannel.WEBHOOK, DeliveryOutcome.OK)
    try:
        attempt.http_status = post_event(bank=bank, payload=message.payload)
    except ChannelError as exc:
        attempt.outcome, attempt.error, attempt.http_status = (
            DeliveryOutcome.FAILED,
            exc.error,
            exc.http_status,
        )
    attempt.duration_ms = _since(started)
    return [attempt]


def _send_notification(message: OutboxMessage) -> list[Try]:
    person = message.recipient
    assert person is not None
    if not person.phone and not person.email:
        return [
            Try(
                DeliveryChannel.NONE,
                DeliveryOutcome.SKIPPED,
                error="the recipient has no phone number and no e-mail address",
            )
        ]
    channels = []
    if person.phone and message.sms_sent_at is None:
        channels.append(DeliveryChannel.SMS)
    if person.email and message.email_sent_at is None:
        channels.append(DeliveryChannel.EMAIL)
    if not channels:
        return []
    try:
        rendered = render(message.topic, message.payload, person.language)
    except (KeyError, ValueError, TypeError) as exc:
        return [
            Try(channel, DeliveryOutcome.FAILED, error=f"cannot render: {type(exc).__name__}")
            for channel in channels
        ]
    tries = []
    for channel in channels:
        started = time.monotonic()
        attempt = Try(channel, DeliveryOutcome.OK)
        try:
            if channel == DeliveryChannel.SMS:
                attempt.http_status = post_sms(phone=person.phone, text=rendered.text)
            else:
                send_email(to=person.email, message=rendered, language=person.language)
        except ChannelError as exc:
            attempt.outcome, attempt.error, attempt.http_status = (
                DeliveryOutcome.FAILED,
                exc.error,
                exc.http_status,
            )
        except Exception as exc:  # a misconfigured backend must not strand the row
            attempt.outcome, attempt.error = DeliveryOutcome.FAILED, describe(exc)
        attempt.duration_ms = _since(started)
        if attempt.outcome == DeliveryOutcome.OK:
            # Recorded at once, so a worker killed before the outcome does not send it twice.
            sent = {f"{channel}_sent_at": attempt.at}
            OutboxMessage.objects.filter(pk=message.pk).update(**sent)
        tries.append(attempt)
    return tries


def _since(started: float) -> int:
    return round((time.monotonic() - started) * 1000)


def _record(claim: Claim, tries: list[Try]) -> str:
    now = clock.now()
    with transaction.atomic():
        message = OutboxMessage.objects.select_for_update().get(pk=claim.message.pk)
        # Our lease may have run out and another worker logged this try as interrupted.
        message.tries.filter(number=claim.number, outcome=DeliveryOutcome.INTERRUPTED).delete()
        DeliveryAttempt.objects.bulk_create(
            DeliveryAttempt(
                message=message,
                number=claim.number,
                channel=t.channel,
                at=t.at,
                outcome=t.outcome,
                http_status=t.http_status,
                error=t.error[:300],
                duration_ms=t.duration_ms,
            )
            for t in tries
        )
        if message.status != OutboxStatus.PENDING or message.locked_until != claim.lease:
            return "taken over by another worker"
        failed = [t for t in tries if t.outcome == DeliveryOutcome.FAILED]
        message.locked_until = None
        fields = ["locked_until", "status", "last_error"]
        if failed:
            message.last_error = "; ".join(f"{t.channel}: {t.error}" for t in failed)[:300]
            if message.attempts >= settings.WEBHOOK_MAX_ATTEMPTS:
                message.status = OutboxStatus.DEAD
                outcome = "dead"
            else:
                message.next_attempt_at = now + retry_delay(message.attempts)
                fields.append("next_attempt_at")
                run_after, pk = message.next_attempt_at, message.pk
                transaction.on_commit(
                    lambda: enqueue_delivery(pk, run_after=run_after), robust=True
                )
                outcome = "retry"
        elif tries and all(t.outcome == DeliveryOutcome.SKIPPED for t in tries):
            message.status, message.last_error = OutboxStatus.SKIPPED, tries[0].error
            outcome = "skipped"
        else:
            message.status, message.last_error = OutboxStatus.DELIVERED, ""
            message.delivered_at = now
            fields.append("delivered_at")
            outcome = "delivered"
        message.save(update_fields=fields)
    _log(message, claim.number, outcome)
    return outcome


def _log(message: OutboxMessage, number: int, outcome: str) -> None:
    where = (
        f"bank {message.bank_id}"
        if message.kind == OutboxKind.WEBHOOK
        else (f"person {message.recipient_id}")
    )
    line = f"outbox {message.pk} {message.topic} to {where}: try {number} {outcome}"
    extra = _fields(message, number, outcome)
    if outcome == "dead":
        logger.error("%s (%s)", line, message.last_error, extra=extra)
    elif outcome == "retry":
        logger.warning(
            "%s (%s); next at %s", line, message.last_error, message.next_attempt_at, extra=extra
        )
    else:
        logger.info(line, extra=extra)


def _fields(message: OutboxMessage, number: int, outcome: str) -> dict[str, object]:
    """The delivery's fields of a structured log line (sscard.common.logs)."""
    return {
        "outbox_id": str(message.pk),
        "topic": message.topic,
        "attempt": number,
        "outcome": outcome,
        "request_id": message.request_id,
    }


# ---------------------------------------------------------------- recovery and replay


def stranded(*, older_than: float, limit: int) -> list[UUID]:
    """Pending messages due for `older_than` seconds that no live worker holds."""
    now = clock.now()
    return list(
        OutboxMessage.objects.filter(
            status=OutboxStatus.PENDING,
            next_attempt_at__lte=now - dt.timedelta(seconds=older_than),
        )
        .filter(Q(locked_until__isnull=True) | Q(locked_until__lte=now))
        .order_by("next_attempt_at")
        .values_list("pk", flat=True)[:limit]
    )


def deliver_stranded(*, older_than: float, limit: int = 100) -> int:
    """Deliver messages whose task was lost (a killed worker, a failed enqueue)."""
    ids = stranded(older_than=older_than, limit=limit)
    for pk in ids:
        deliver(pk)
    return len(ids)


@dataclass(frozen=True)
class Replayed:
    message_id: UUID
    topic: str
    bank_code: str
    created_at: dt.datetime
    was: str
    replayed: bool


def _webhooks_to_replay(
    *,
    ids: list[UUID],
    bank_code: str | None,
    since: dt.datetime | None,
    until: dt.datetime | None,
    dead_only: bool,
) -> QuerySet[OutboxMessage]:
    wanted = OutboxMessage.objects.filter(kind=OutboxKind.WEBHOOK)
    if ids:
        wanted = wanted.filter(pk__in=ids)
    if bank_code:
        wanted = wanted.filter(bank__code=bank_code)
    if since is not None:
        wanted = wanted.filter(created_at__gte=since)
    if until is not None:
        wanted = wanted.filter(created_at__lt=until)
    if dead_only:
        wanted = wanted.filter(status=OutboxStatus.DEAD)
    return wanted


def _send_again(message: OutboxMessage, now: dt.datetime) -> None:
    """Back to pending with a fresh set of tries, due now."""
    message.status, message.attempts = OutboxStatus.PENDING, 0
    message.next_attempt_at, message.locked_until = now, None
    message.delivered_at, message.last_error = None, ""
    message.save(
        update_fields=[
            "status",
            "attempts",
            "next_attempt_at",
            "locked_until",
            "delivered_at",
            "last_error",
        ]
    )


def replay_webhooks(
    *,
    ids: Iterable[UUID] = (),
    bank_code: str | None = None,
    since: dt.datetime | None = None,
    until: dt.datetime | None = None,
    dead_only: bool = False,
    dry_run: bool = False,
) -> list[Replayed]:
    """Send webhooks again: back to pending with a fresh set of tries, queued after commit.

    A message being delivered right now (a live lease) is left to that delivery.
    """
    wanted = _webhooks_to_replay(
        ids=list(ids), bank_code=bank_code, since=since, until=until, dead_only=dead_only
    )
    now = clock.now()
    done: list[Replayed] = []
    with transaction.atomic():
        rows = (
            wanted.select_for_update(of=("self",))
            .select_related("bank")
            .order_by("created_at", "pk")
        )
        for message in rows:
            assert message.bank is not None
            in_flight = (
                message.status == OutboxStatus.PENDING
                and message.locked_until is not None
                and message.locked_until > now
            )
            done.append(
                Replayed(
                    message_id=message.pk,
                    topic=message.topic,
                    bank_code=message.bank.code,
                    created_at=message.created_at,
                    was=message.status,
                    replayed=not in_flight,
                )
            )
            if not (in_flight or dry_run):
                _send_again(message, now)
        if not dry_run:
            deliver_after_commit(r.message_id for r in done if r.replayed)
    return done
