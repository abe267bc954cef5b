"""The demo's enrolled self-service terminal: a device credential for the 天河 24-hour terminal,
which makes cards on the spot (instant issuance). `make run` prints its one-time enrolment
address (`sscard kiosk enrol --client demo-terminal`)."""

from __future__ import annotations

from sscard.common.context import Actor
from sscard.partners.models import ApiClient, Scope
from sscard.partners.services import create_api_client

DEMO_TERMINAL = "demo-terminal"
DEMO_TERMINAL_OUTLET = "SS44010601"


def ensure_demo_terminal() -> ApiClient:
    """The demo terminal's credential, made if missing."""
    found = ApiClient.objects.filter(name=DEMO_TERMINAL, revoked_at__isnull=True).first()
    if found is not None:
        return found
    return create_api_client(
        actor=Actor.system(),
        name=DEMO_TERMINAL,
        scopes=[Scope.OUTLETS_READ],
        outlet_code=DEMO_TERMINAL_OUTLET,
    ).client
