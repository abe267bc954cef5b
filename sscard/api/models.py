"""The API's one table: the first answer to a creating POST, kept for its idempotency key."""

from __future__ import annotations

from django.db import models


class IdempotencyRecord(models.Model):
    """The first answer to a creating POST, kept so that a retry with the same key gets it again.

    `owner` is the SHA-256 of the caller's bearer token: keys are per caller.
    `status_code` stays empty while the first request is still running.
    """

    owner = models.CharField(max_length=64)
    key = models.CharField(max_length=255)
    fingerprint = models.CharField(max_length=64)
    status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    content_type = models.CharField(max_length=100, blank=True)
    body = models.TextField(blank=True)
    created_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["owner", "key"], name="one_record_per_key"),
        ]
        indexes = [models.Index(fields=["created_at"], name="idempotency_age")]

    def __str__(self) -> str:
        return f"idempotency {self.pk}"
