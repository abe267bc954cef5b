"""Changes to regional policies (made in the admin): audited like every other change."""

from __future__ import annotations

from django.db import transaction

from sscard.audit.services import record_event, save_recording_change, snapshot
from sscard.common.context import Actor
from sscard.common.errors import Conflict, ErrorCode
from sscard.policy.models import RegionalPolicy

POLICY_FIELDS = tuple(f.name for f in RegionalPolicy._meta.concrete_fields if f.name != "id")


def save_policy(*, actor: Actor, policy: RegionalPolicy) -> RegionalPolicy:
    save_recording_change(
        actor=actor, instance=policy, object_type="policy", fields=POLICY_FIELDS, named_by="pk"
    )
    return policy


def delete_policy(*, actor: Actor, policy: RegionalPolicy) -> None:
    """A region's own policy may go (its region then follows the next shorter prefix); the
    default policy may not: every region needs one."""
    if policy.region_prefix == "":
        raise Conflict(
            "The default policy cannot be deleted: every region needs a policy.",
            code=ErrorCode.DEFAULT_POLICY_REQUIRED,
        )
    with transaction.atomic():
        stored = RegionalPolicy.objects.select_for_update().get(pk=policy.pk)
        before = snapshot(stored, POLICY_FIELDS)
        object_id = stored.pk
        stored.delete()
        record_event(
            actor=actor,
            action="policy.deleted",
            object_type="policy",
            object_id=object_id,
            before=before,
            after={},
        )
