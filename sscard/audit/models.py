"""The audit log: a hash chain per bucket (its events and its head row, locked by the bucket's
writers only), and the signed checkpoints that tie the chains' heads together."""

from __future__ import annotations

from django.db import models

from sscard.common.buckets import BUCKETS


class AuditEvent(models.Model):
    """Append-only, hash-chained within its bucket: each row's hash covers its content and the
    bucket's previous hash."""

    # The chain the event is in (0..4095): the person's bucket, or the keyed hash of the object
    # (sscard.audit.services.bucket_of). Events written before the chains were split are bucket 0's.
    bucket = models.PositiveSmallIntegerField(default=0)
    seq = models.BigIntegerField()
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
        indexes = [
            models.Index(fields=["object_type", "object_id"], name="audit_object"),
            models.Index(fields=["at", "id"], name="audit_at"),
        ]
        constraints = [
            models.UniqueConstraint(fields=["bucket", "seq"], name="audit_one_seq_per_bucket"),
            models.CheckConstraint(
                condition=models.Q(bucket__lt=BUCKETS), name="audit_event_bucket_in_range"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.bucket}#{self.seq} {self.action}"


class AuditHead(models.Model):
    """A bucket's chain head: locked by the writers of that bucket only, so the chain has one
    order and other buckets' writers never wait on it."""

    bucket = models.PositiveSmallIntegerField(primary_key=True)
    seq = models.BigIntegerField(default=0)
    hash = models.CharField(max_length=64, default="0" * 64)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=models.Q(bucket__lt=BUCKETS), name="audit_head_bucket_in_range"
            ),
        ]

    def __str__(self) -> str:
        return f"head {self.bucket}#{self.seq}"


class AuditCheckpoint(models.Model):
    """The heads of every chain at one moment, signed with the audit key (kept outside the
    database), each linked to the one before: a chain rewritten or cut short before it no longer
    gives its root, and only the key's holder can sign another."""

    number = models.BigIntegerField(primary_key=True)
    at = models.DateTimeField()
    # [[bucket, seq], ...] of every head with events, by bucket.
    heads = models.JSONField(default=list)
    # The Merkle root over the heads' (bucket, seq, hash), in the order of `heads`.
    root = models.CharField(max_length=64)
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64)
    # Ed25519 over `hash`, hex; `key_id` names the public key that verifies it.
    key_id = models.CharField(max_length=16)
    signature = models.CharField(max_length=128)

    def __str__(self) -> str:
        return f"checkpoint #{self.number}"
