"""Changes to outlets (made in the admin): audited like every other change."""

from __future__ import annotations

from sscard.audit.services import save_recording_change
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
    save_recording_change(actor=actor, instance=outlet, object_type="outlet", fields=OUTLET_FIELDS)
    return outlet
