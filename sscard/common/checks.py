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


CONSOLE_EMAIL = "django.core.mail.backends.console.EmailBackend"


def check_message_backends(**kwargs: Any) -> list[checks.CheckMessage]:
    """In production the development backends would print every SMS (one-time codes
    included) and e-mail to the worker's output instead of sending it, and counters kept in
    one process's memory would not limit anything across processes."""
    if not getattr(settings, "PRODUCTION", False):
        return []
    found: list[checks.CheckMessage] = []
    if settings.SMS_BACKEND == "console":
        found.append(
            checks.Warning(
                "SSCARD_SMS_BACKEND is 'console': text messages, one-time codes included, are "
                "written to the worker's output, not sent.",
                hint="Set SSCARD_SMS_BACKEND=http with SSCARD_SMS_URL and SSCARD_SMS_TOKEN.",
                id="sscard.W002",
            )
        )
    if settings.EMAIL_BACKEND == CONSOLE_EMAIL:
        found.append(
            checks.Warning(
                "EMAIL_BACKEND is 'console': e-mails to holders are written to the worker's "
                "output, not sent.",
                hint="Set EMAIL_BACKEND=smtp and EMAIL_HOST (EMAIL_PORT, EMAIL_USE_TLS, …).",
                id="sscard.W003",
            )
        )
    if not settings.REDIS_URL:
        found.append(
            checks.Warning(
                "REDIS_URL is not set: rate limits and sign-in code budgets are counted in each "
                "process's memory, so every gunicorn worker and machine allows the whole budget.",
                hint="Set REDIS_URL (e.g. redis://127.0.0.1:6379/0), the same for every process.",
                id="sscard.W004",
            )
        )
    return found
