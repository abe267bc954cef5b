"""The audit log's rows and the head that every writer locks, so the chain has one order."""

from __future__ import annotations

from django.db import models


class AuditEvent(models.Model):
    """Append-only, hash-chained: each row's hash covers its content and the previous hash."""

    seq = models.BigIntegerField(unique=True)
    at = models.DateTimeField()
    actor_kind = models.CharField(max_length=16)
    actor_id = models.CharField(max_length=64)
    actor_role = models.CharField(max_length=24)
    outlet_code = models.CharField(max_length=16, blank=True)
    channel = models.CharField(max_length=10)
    action = models.CharField(max_length=48)
    object_type = models.CharField(max_length=32)
    object_id = models.CharField(max_length=32)
    before = models.JSONField(default=dict)
    after = models.JSONField(default=dict)
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64)
    # The request that made the change (X-Request-ID), to find its log lines; empty outside a
    # request. Covered by the hash when set (events written before it existed have none).
    request_id = models.CharField(max_length=64, blank=True, default="")

    class Meta:
        indexes = [models.Index(fields=["object_type", "object_id"], name="audit_object")]

    def __str__(self) -> str:
        return f"#{self.seq} {self.action}"


class AuditHead(models.Model):
    """The chain's head: locked by every writer, so the chain has one order."""

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    seq = models.BigIntegerField(default=0)
    hash = models.CharField(max_length=64, default="0" * 64)

    def __str__(self) -> str:
        return f"head #{self.seq}"
