"""Changes to outlets (made in the admin): audited like every other change."""

from __future__ import annotations

from django.db import transaction

from sscard.audit.services import record_change, snapshot
from sscard.common.context import Actor
from sscard.outlets.models import Outlet

OUTLET_FIELDS = (
    "code",
    "name",
    "type",
    "address",
    "region_code",
    "lat",
    "lon",
    "phone",
    "hours",
    "services",
    "bank",
    "active",
)


def save_outlet(*, actor: Actor, outlet: Outlet) -> Outlet:
    """Create or change an outlet (closing one is unticking `active`: the records name it)."""
    with transaction.atomic():
        before = None
        if outlet.pk is not None:
            before = snapshot(Outlet.objects.select_for_update().get(pk=outlet.pk), OUTLET_FIELDS)
        outlet.save()
        record_change(
            actor=actor,
            object_type="outlet",
            object_id=outlet.code,
            before=before,
            after=snapshot(outlet, OUTLET_FIELDS),
        )
    return outlet
