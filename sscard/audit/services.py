"""Writing and verifying the hash-chained audit log: a chain per bucket.

An event goes into the chain of its bucket (0..4095): the caller's (the person's bucket), or
else the keyed hash of `object_type:object_id`, so every event about one object is in one chain,
in order. Only that bucket's head row is locked, so writers of different buckets never wait on
each other. Signed checkpoints tie the heads together (`sscard.audit.checkpoints`).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db import transaction

from sscard.audit.models import BUCKETS, AuditEvent, AuditHead
from sscard.common import clock, logs
from sscard.common.buckets import keyed_bucket
from sscard.common.context import Actor

GENESIS = "0" * 64


def _plain(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        return value.astimezone(dt.UTC).isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return f"{value:.2f}"
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value


def _digest(prev_hash: str, fields: dict[str, Any]) -> str:
    body = json.dumps(fields, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(f"{prev_hash}\n{body}".encode()).hexdigest()


def _fields(event: AuditEvent) -> dict[str, Any]:
    fields: dict[str, Any] = {
        "seq": event.seq,
        "at": _plain(event.at),
        "actor_kind": event.actor_kind,
        "actor_id": event.actor_id,
        "actor_role": event.actor_role,
        "outlet_code": event.outlet_code,
        "channel": event.channel,
        "action": event.action,
        "object_type": event.object_type,
        "object_id": event.object_id,
        "before": event.before,
        "after": event.after,
    }
    # Only when set: the events written before the request id was kept verify as they did.
    if event.request_id:
        fields["request_id"] = event.request_id
    # Only when not 0: the events of the one chain there was (bucket 0's) verify as they did.
    if event.bucket:
        fields["bucket"] = event.bucket
    return fields


def bucket_of(object_type: str, object_id: str | int) -> int:
    """The chain of the events about an object that belongs to no person: a keyed hash, so the
    bucket tells nothing about the object to whoever sees it."""
    return keyed_bucket(f"{object_type}:{object_id}")


def _locked_head(bucket: int) -> AuditHead:
    """The bucket's head, locked until the caller's transaction ends; made on first use.

    Two writers making the same head at once: the insert that does nothing on a conflict waits
    for the other's commit (or rollback) on the primary key, and neither fails."""
    head = AuditHead.objects.select_for_update().filter(bucket=bucket).first()
    if head is None:
        AuditHead.objects.bulk_create(
            [AuditHead(bucket=bucket, seq=0, hash=GENESIS)], ignore_conflicts=True
        )
        head = AuditHead.objects.select_for_update().get(bucket=bucket)
    return head


def record_event(
    *,
    actor: Actor,
    action: str,
    object_type: str,
    object_id: str | int,
    before: dict[str, Any],
    after: dict[str, Any],
    bucket: int | None = None,
) -> AuditEvent:
    """Append one event to its bucket's chain inside the caller's transaction: `bucket` (the
    person's), else the keyed hash of `object_type:object_id`.

    Personal data never goes into `before`/`after`: keys and statuses only.
    """
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("audit events are written inside the change's transaction")
    if bucket is None:
        bucket = bucket_of(object_type, object_id)
    elif not 0 <= bucket < BUCKETS:
        raise ValueError(f"an audit bucket is from 0 to {BUCKETS - 1}, not {bucket}")
    logs.note_actor(actor)
    head = _locked_head(bucket)
    event = AuditEvent(
        bucket=bucket,
        seq=head.seq + 1,
        at=clock.now(),
        actor_kind=actor.kind,
        actor_id=actor.id,
        actor_role=actor.role,
        outlet_code=actor.outlet_code or "",
        channel=actor.channel,
        action=action,
        object_type=object_type,
        object_id=str(object_id),
        before=_plain(before),
        after=_plain(after),
        prev_hash=head.hash,
        request_id=logs.request_id() or "",
    )
    event.hash = _digest(head.hash, _fields(event))
    event.save(force_insert=True)
    head.seq, head.hash = event.seq, event.hash
    head.save(update_fields=["seq", "hash"])
    return event


@dataclass(frozen=True)
class ChainReport:
    ok: bool
    checked: int
    broken_at: int | None = None
    reason: str = ""
    # The chain that does not hold.
    bucket: int | None = None
    # When every chain holds: the root over the heads (sscard.audit.checkpoints.heads_root), so
    # two copies that agree on it hold the same log; and how many chains have events.
    last_hash: str = field(default="", compare=False)
    chains: int = field(default=0, compare=False)


def _broken(bucket: int, checked: int, seq: int, what: str) -> ChainReport:
    return ChainReport(False, checked, seq, f"event #{seq} of bucket {bucket} {what}", bucket)


def verify_chain(events: Iterable[AuditEvent] | None = None) -> ChainReport:
    """Walk every bucket's chain in order and report the first link that does not hold: seq
    without gaps from 1, each prev_hash, each hash recomputed, the head at the last event."""
    from sscard.audit.checkpoints import heads_root

    rows = (
        events
        if events is not None
        else AuditEvent.objects.order_by("bucket", "seq").iterator(2000)
    )
    heads = {h.bucket: h for h in AuditHead.objects.all()}
    ends: dict[int, tuple[int, str]] = {}
    bucket, prev_hash, expected_seq, checked = -1, GENESIS, 1, 0

    def head_holds() -> ChainReport | None:
        head = heads.get(bucket)
        if bucket < 0:
            return None
        if head is None:
            return ChainReport(False, checked, 1, f"the head of bucket {bucket} is missing", bucket)
        if head.seq != expected_seq - 1 or head.hash != prev_hash:
            return _broken(bucket, checked, expected_seq, "onwards has been removed")
        ends[bucket] = (head.seq, head.hash)
        return None

    for event in rows:
        if event.bucket != bucket:
            broken = head_holds()
            if broken:
                return broken
            bucket, prev_hash, expected_seq = event.bucket, GENESIS, 1
        if event.seq != expected_seq:
            return _broken(bucket, checked, expected_seq, "is missing")
        if event.prev_hash != prev_hash:
            return _broken(bucket, checked, event.seq, "does not follow the one before")
        if _digest(prev_hash, _fields(event)) != event.hash:
            return _broken(bucket, checked, event.seq, "has been altered")
        prev_hash, expected_seq, checked = event.hash, expected_seq + 1, checked + 1
    broken = head_holds()
    if broken:
        return broken
    # A head ahead of a chain with no event left at all: the whole chain was removed.
    for head in sorted(heads.values(), key=lambda h: h.bucket):
        if head.seq and head.bucket not in ends:
            return _broken(head.bucket, checked, 1, "onwards has been removed")
    root = heads_root([(b, s, h) for b, (s, h) in sorted(ends.items())]) if ends else ""
    return ChainReport(True, checked, last_hash=root, chains=len(ends))


def snapshot(instance: Any, fields: Iterable[str]) -> dict[str, Any]:
    """The values of `fields` of a model instance, a related row by its code (or key)."""
    values: dict[str, Any] = {}
    for name in fields:
        field = instance._meta.get_field(name)
        if field.is_relation:
            related = getattr(instance, name)
            values[name] = getattr(related, "code", related.pk) if related is not None else None
        else:
            values[name] = getattr(instance, name)
    return values


def record_change(
    *,
    actor: Actor,
    object_type: str,
    object_id: str | int,
    before: dict[str, Any] | None,
    after: dict[str, Any],
    secret: Iterable[str] = (),
) -> AuditEvent | None:
    """`<object_type>.created` (before is None) or `.changed` with only the fields that
    differ; nothing when nothing did. A secret field is recorded as set, changed or unset,
    never with its value."""
    hidden = set(secret)
    old = before or {}
    keys = sorted(k for k in set(old) | set(after) if before is None or old.get(k) != after.get(k))
    if not keys:
        return None

    def shown(key: str, value: Any, *, changed: bool) -> Any:
        if key not in hidden:
            return value
        if not value:
            return "unset"
        return "changed" if changed else "set"

    return record_event(
        actor=actor,
        action=f"{object_type}.{'created' if before is None else 'changed'}",
        object_type=object_type,
        object_id=object_id,
        before={k: shown(k, old.get(k), changed=False) for k in keys} if before else {},
        after={k: shown(k, after.get(k), changed=before is not None) for k in keys},
    )


def save_recording_change(
    *,
    actor: Actor,
    instance: Any,
    object_type: str,
    fields: Iterable[str],
    named_by: str = "code",
    secret: Iterable[str] = (),
) -> None:
    """Save a row (reference data changed in the admin) and record the change in the same
    transaction: the stored row is locked and read first, so the event shows what it was.
    The event names the row by its `named_by` attribute."""
    fields = tuple(fields)
    with transaction.atomic():
        before = None
        if instance.pk is not None:
            stored = type(instance)._default_manager.select_for_update().get(pk=instance.pk)
            before = snapshot(stored, fields)
        instance.save()
        record_change(
            actor=actor,
            object_type=object_type,
            object_id=getattr(instance, named_by),
            before=before,
            after=snapshot(instance, fields),
            secret=secret,
        )
