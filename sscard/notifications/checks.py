"""A lease shorter than a try lets a second worker take a message still being sent."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core import checks


def check_lease(**kwargs: Any) -> list[checks.CheckMessage]:
    longest = max(
        settings.WEBHOOK_TIMEOUT_SECONDS, settings.SMS_TIMEOUT_SECONDS + settings.EMAIL_TIMEOUT
    )
    if longest < settings.OUTBOX_LEASE_SECONDS:
        return []
    return [
        checks.Warning(
            f"SSCARD_OUTBOX_LEASE_SECONDS ({settings.OUTBOX_LEASE_SECONDS:g}) is not longer "
            f"than the slowest delivery try ({longest:g} s): a message may be sent twice at once.",
            hint="Raise SSCARD_OUTBOX_LEASE_SECONDS or lower the webhook, SMS or e-mail timeouts.",
            id="sscard.notifications.W001",
        )
    ]
