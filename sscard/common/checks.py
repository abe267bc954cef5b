"""Deployment checks (`sscard check --deploy`) for what Django's own checks cannot know."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core import checks

from sscard.common.keys import PUBLISHED_SECRET_KEYS


def check_secret_key(**kwargs: Any) -> list[checks.CheckMessage]:
    if settings.SECRET_KEY in PUBLISHED_SECRET_KEYS:
        return [
            checks.Error(
                "SECRET_KEY is the key published in sscard's repository: anyone can sign "
                "sessions and forge one-time codes and receipt numbers with it.",
                hint="Set SECRET_KEY in the environment to a long random value of your own.",
                id="sscard.E001",
            )
        ]
    if getattr(settings, "SECRET_KEY_SOURCE", "") == "generated":
        return [
            checks.Warning(
                "SECRET_KEY was generated on this machine (in SSCARD_VAR_DIR): other machines "
                "and a new var directory get another one, and sessions, one-time codes and "
                "receipt numbers stop matching.",
                hint="Set SECRET_KEY in the environment, the same for the web server and the "
                "worker on every machine.",
                id="sscard.W001",
            )
        ]
    return []
