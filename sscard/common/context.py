"""Who is acting, in which role, at which outlet, through which channel."""

from __future__ import annotations

import getpass
from dataclasses import dataclass

from django.db import models


class Channel(models.TextChoices):
    HOTLINE = "hotline", "12333 hotline"
    WEB = "web", "website"
    APP = "app", "mobile app"
    WINDOW = "window", "service window"
    BANK = "bank", "bank outlet"
    KIOSK = "kiosk", "self-service terminal"
    SYSTEM = "system", "system"


COUNTER_CHANNELS = frozenset({Channel.WINDOW, Channel.BANK})


class Role(models.TextChoices):
    CITIZEN = "citizen", "citizen"
    COMMUNITY_CLERK = "community_clerk", "community intake clerk"
    WINDOW_CLERK = "window_clerk", "window clerk"
    BANK_CLERK = "bank_clerk", "bank clerk"
    HOTLINE_AGENT = "hotline_agent", "hotline agent"
    SUPERVISOR = "supervisor", "supervisor"
    ADMIN = "admin", "system administrator"
    PARTNER = "partner", "partner system"
    SYSTEM = "system", "system"


@dataclass(frozen=True)
class Actor:
    """The acting party, recorded on every audit event.

    `id` never holds personal data: a staff username, an API client name or a person's key.
    """

    kind: str
    id: str
    role: str
    channel: str
    outlet_code: str | None = None
    bank_code: str | None = None

    @classmethod
    def system(cls) -> Actor:
        return cls(kind="system", id="sscard", role=Role.SYSTEM, channel=Channel.SYSTEM)

    @classmethod
    def operator(cls) -> Actor:
        """An operator at the command line (`sscard token`, `sscard records`), recorded by the
        system user who ran it."""
        try:
            user = getpass.getuser()
        except Exception:
            user = "operator"
        return cls(kind="operator", id=f"cli:{user}", role=Role.ADMIN, channel=Channel.SYSTEM)

    @classmethod
    def citizen(cls, person_pk: int, channel: str, *, outlet_code: str | None = None) -> Actor:
        """A signed-in citizen acting for themselves or their wards (through the app, the web,
        or a terminal at `outlet_code`), recorded by their person's key."""
        return cls(
            kind="citizen",
            id=f"person:{person_pk}",
            role=Role.CITIZEN,
            channel=channel,
            outlet_code=outlet_code,
        )
