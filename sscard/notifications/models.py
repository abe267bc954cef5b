from __future__ import annotations

import uuid

from django.db import models


class OutboxKind(models.TextChoices):
    WEBHOOK = "webhook", "webhook to a bank"
    NOTIFICATION = "notification", "notification to a person"


class OutboxStatus(models.TextChoices):
    PENDING = "pending", "pending"
    DELIVERED = "delivered", "delivered"
    DEAD = "dead", "dead letter"


class OutboxMessage(models.Model):
    """An event written in the same transaction as the change, delivered later.

    `id` is the event id a bank uses to drop duplicates.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    kind = models.CharField(max_length=16, choices=OutboxKind.choices)
    topic = models.CharField(max_length=48)
    bank = models.ForeignKey("partners.Bank", null=True, blank=True, on_delete=models.PROTECT)
    recipient = models.ForeignKey(
        "people.Person", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    subject = models.ForeignKey(
        "people.Person", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    payload = models.JSONField(default=dict)
    created_at = models.DateTimeField()
    status = models.CharField(
        max_length=10, choices=OutboxStatus.choices, default=OutboxStatus.PENDING
    )
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField()
    last_error = models.CharField(max_length=300, blank=True)

    class Meta:
        indexes = [models.Index(fields=["status", "next_attempt_at"], name="outbox_due")]
        constraints = [
            models.CheckConstraint(
                condition=(
                    models.Q(kind="webhook", bank__isnull=False)
                    | models.Q(kind="notification", recipient__isnull=False)
                ),
                name="outbox_has_destination",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.topic}"
