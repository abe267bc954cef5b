"""The outbox: events written with the change and delivered later (webhooks to banks,
notifications to people), and the log of each delivery attempt."""

from __future__ import annotations

import uuid

from django.db import models

from sscard.people.buckets import PersonOwned


class OutboxKind(models.TextChoices):
    WEBHOOK = "webhook", "webhook to a bank"
    NOTIFICATION = "notification", "notification to a person"


class OutboxStatus(models.TextChoices):
    PENDING = "pending", "pending"
    DELIVERED = "delivered", "delivered"
    SKIPPED = "skipped", "not sent: nowhere to send it"
    DEAD = "dead", "dead letter"


class OutboxMessage(PersonOwned):
    """An event written in the same transaction as the change, delivered later.

    `id` is the event id a bank uses to drop duplicates. A worker claims a row by setting
    `locked_until` (a lease): a worker killed mid-delivery leaves a lease that runs out, and the
    row is claimed again. `attempts` counts the tries since the row was written or replayed.
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
    locked_until = models.DateTimeField(null=True, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)
    # A notification goes out by SMS and by e-mail; a retry sends only what has not gone yet.
    sms_sent_at = models.DateTimeField(null=True, blank=True)
    email_sent_at = models.DateTimeField(null=True, blank=True)
    # The request whose change wrote the message (X-Request-ID): the worker's log lines of its
    # delivery carry it too. Empty for messages written outside a request (the sweep).
    request_id = models.CharField(max_length=64, blank=True, default="")

    # Whose message it is: the person the change was about (a webhook's card holder too).
    bucket_owner = "subject"

    class Meta:
        indexes = [
            models.Index(fields=["status", "next_attempt_at"], name="outbox_due"),
            # What went out lately (the metrics' delivery times).
            models.Index(fields=["delivered_at"], name="outbox_delivered"),
            # The oldest pending message of each kind (worker lag), whatever the planner guesses
            # of how many messages a status has: only pending rows are in it.
            models.Index(
                fields=["kind", "created_at"],
                condition=models.Q(status="pending"),
                name="outbox_pending",
            ),
        ]
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


class DeliveryChannel(models.TextChoices):
    WEBHOOK = "webhook", "webhook"
    SMS = "sms", "SMS"
    EMAIL = "email", "e-mail"
    NONE = "", "none"


class DeliveryOutcome(models.TextChoices):
    OK = "ok", "delivered"
    FAILED = "failed", "failed"
    SKIPPED = "skipped", "not sent"
    INTERRUPTED = "interrupted", "interrupted: the worker stopped mid-try"


class DeliveryAttempt(PersonOwned):
    """One try to deliver an outbox message through one channel. Never holds personal data."""

    message = models.ForeignKey(OutboxMessage, on_delete=models.CASCADE, related_name="tries")
    number = models.PositiveIntegerField()
    channel = models.CharField(max_length=8, choices=DeliveryChannel.choices, blank=True)
    at = models.DateTimeField()
    outcome = models.CharField(max_length=12, choices=DeliveryOutcome.choices)
    http_status = models.PositiveSmallIntegerField(null=True, blank=True)
    error = models.CharField(max_length=300, blank=True)
    duration_ms = models.PositiveIntegerField(default=0)

    bucket_owner = "message"

    class Meta:
        ordering = ["message", "number", "channel"]
        constraints = [
            models.UniqueConstraint(
                fields=["message", "number", "channel", "bucket"],
                name="one_log_row_per_try_and_channel",
            ),
        ]

    def __str__(self) -> str:
        return f"try {self.number} {self.channel or '-'} {self.outcome}"
