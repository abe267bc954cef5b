"""One demo console user per staff role, each at an outlet where that role works. Only the demo
makes them: a real installation binds its own staff in the admin."""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.auth import get_user_model

from sscard.common.context import Actor, Role
from sscard.staff.services import create_staff_user

DEMO_STAFF_PASSWORD = "sscard-demo-2026"


@dataclass(frozen=True)
class DemoStaff:
    username: str
    role: str
    outlet_code: str


DEMO_STAFF: tuple[DemoStaff, ...] = (
    # 越秀区北京街道 community committee: preliminary intakes.
    DemoStaff("demo-community", Role.COMMUNITY_CLERK, "CC44010401"),
    # The city bureau's hall: every counter service, instant issuance included.
    DemoStaff("demo-window", Role.WINDOW_CLERK, "HR44010001"),
    # ICBC 天河 branch: the bank of most demo cards in 天河, with instant issuance.
    DemoStaff("demo-bank", Role.BANK_CLERK, "BK44010601"),
    DemoStaff("demo-hotline", Role.HOTLINE_AGENT, "HR44010001"),
    DemoStaff("demo-supervisor", Role.SUPERVISOR, "HR44010001"),
    DemoStaff("demo-admin", Role.ADMIN, "HR44010001"),
)


def ensure_demo_staff() -> list[DemoStaff]:
    """Create the demo users that are missing; existing ones (and their passwords) stay."""
    users = get_user_model().objects
    actor = Actor.system()
    for spec in DEMO_STAFF:
        if not users.filter(username=spec.username).exists():
            create_staff_user(
                actor=actor,
                username=spec.username,
                password=DEMO_STAFF_PASSWORD,
                role=spec.role,
                outlet_code=spec.outlet_code,
            )
    return list(DEMO_STAFF)
