"""Writing outbox rows: webhooks to banks and notifications to people (DOMAIN.md section 9).

Rows are written in the caller's transaction; their delivery is queued when it commits
(`delivery.py` does the sending, `sscard worker` runs it).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sscard.common import clock, logs
from sscard.notifications.models import OutboxKind, OutboxMessage
from sscard.notifications.tasks import deliver_after_commit
from sscard.partners.models import Bank
from sscard.people.models import Person

WEBHOOK_TOPICS = frozenset(
    {
        "card.blocked",
        "card.unblocked",
        "card.cancelled",
        "application.receipt_issued",
        "application.cancelled",
    }
)

NOTIFICATION_TOPICS = frozenset(
    {
        "loss_report_effective",
        "temporary_report_lapsing",
        "temporary_report_lapsed",
        "loss_report_lifted",
        "receipt_issued",
        "bank_accepted",
        "production_failed",
        "ready_for_collection",
        "mailed",
        "collected",
        "activated",
        "pin_locked",
        "dispute_answered",
        "statement_ready",
        "card_expiring",
    }
)


def emit_webhook(
    *, bank: Bank | None, topic: str, data: dict[str, Any], subject: Person
) -> OutboxMessage | None:
    """A webhook to the bank about the subject's card or application: the message is the
    subject's (it carries their bucket, docs/scale-out.md section 3)."""
    if topic not in WEBHOOK_TOPICS:
        raise ValueError(f"unknown webhook topic {topic}")
    if bank is None:
        return None
    now = clock.now()
    message = OutboxMessage(
        kind=OutboxKind.WEBHOOK,
        topic=topic,
        bank=bank,
        subject=subject,
        created_at=now,
        next_attempt_at=now,
        request_id=logs.request_id() or "",
    )
    message.payload = {
        "id": str(message.id),
        "type": topic,
        "created_at": now.isoformat(),
        "data": data,
    }
    message.save(force_insert=True)
    deliver_after_commit([message.pk])
    return message


def queue_notifications(
    *, subject: Person, recipients: Iterable[Person], topic: str, params: dict[str, Any]
) -> list[OutboxMessage]:
    """One message to each recipient about the subject's card (who they are is the card
    holder's rule: `sscard.cards.holders.notify`)."""
    if topic not in NOTIFICATION_TOPICS:
        raise ValueError(f"unknown notification topic {topic}")
    now, request_id = clock.now(), logs.request_id() or ""
    messages = [
        OutboxMessage(
            kind=OutboxKind.NOTIFICATION,
            topic=topic,
            recipient=recipient,
            subject=subject,
            payload=params,
            created_at=now,
            next_attempt_at=now,
            request_id=request_id,
        )
        for recipient in recipients
    ]
    OutboxMessage.objects.bulk_create(messages)
    deliver_after_commit(m.pk for m in messages)
    return messages
