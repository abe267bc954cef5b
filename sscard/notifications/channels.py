"""The channels to people: SMS through an HTTP gateway, e-mail through Django's mail (SMTP).

`send_sms` and `render` (re-exported from `messages`) are also what the sign-in service calls
synchronously for a one-time code, so the code never sits in the outbox in clear.
Errors carry no personal data: never a phone number, an address or the message text.
"""

from __future__ import annotations

import logging
import smtplib
import sys

import httpx
from django.conf import settings
from django.core.mail import EmailMessage, get_connection

from sscard.notifications.messages import Rendered, email_footer, render
from sscard.people.masking import mask_email, mask_phone

__all__ = ["ChannelError", "Rendered", "render", "send_email", "send_sms"]

logger = logging.getLogger(__name__)


class ChannelError(Exception):
    """A message did not go out. `error` is safe to log: no personal data."""

    def __init__(self, error: str, *, http_status: int | None = None) -> None:
        super().__init__(error)
        self.error = error
        self.http_status = http_status


def describe(exc: BaseException) -> str:
    """What went wrong, without the message, the address or the number that were sent."""
    if isinstance(exc, httpx.TimeoutException):
        return f"timeout ({type(exc).__name__})"
    if isinstance(exc, smtplib.SMTPResponseException):
        return f"SMTP {exc.smtp_code} ({type(exc).__name__})"
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        codes = sorted({code for code, _reply in exc.recipients.values()})
        return f"SMTP {','.join(map(str, codes))} (recipient refused)"
    if isinstance(exc, OSError) and exc.strerror:
        return f"{type(exc).__name__}: {exc.strerror}"
    return type(exc).__name__


def send_sms(*, phone: str, text: str) -> None:
    """Send one SMS now. Raises ChannelError when the gateway does not take it.

    SSCARD_SMS_BACKEND "console" writes it to standard output (like Django's console e-mail
    backend: for development only); "http" posts {"to", "text"} to SSCARD_SMS_URL.
    """
    post_sms(phone=phone, text=text)


def post_sms(*, phone: str, text: str) -> int | None:
    """`send_sms`, returning the gateway's HTTP status (None from the console backend)."""
    if not phone:
        raise ChannelError("no phone number")
    backend = settings.SMS_BACKEND
    if backend == "console":
        sys.stdout.write(f"SMS to {mask_phone(phone)}:\n{text}\n\n")
        sys.stdout.flush()
        return None
    if backend != "http":
        raise ChannelError(f"unknown SMS backend {backend!r}")
    if not settings.SMS_URL:
        raise ChannelError("SSCARD_SMS_URL is not set")
    headers = {"Accept": "application/json"}
    if settings.SMS_TOKEN:
        headers["Authorization"] = f"Bearer {settings.SMS_TOKEN}"
    try:
        response = httpx.post(
            settings.SMS_URL,
            json={"to": phone, "text": text},
            headers=headers,
            timeout=settings.SMS_TIMEOUT_SECONDS,
        )
    except httpx.HTTPError as exc:
        raise ChannelError(describe(exc)) from None
    if not response.is_success:
        raise ChannelError(f"HTTP {response.status_code}", http_status=response.status_code)
    logger.info("SMS to %s taken by the gateway (HTTP %s)", mask_phone(phone), response.status_code)
    return response.status_code


def send_email(*, to: str, message: Rendered, language: str) -> None:
    """Send one e-mail now through EMAIL_BACKEND. Raises ChannelError when it does not go."""
    if not to:
        raise ChannelError("no e-mail address")
    body = f"{message.text}\n\n--\n{email_footer(language)}\n"
    try:
        connection = get_connection(fail_silently=False, timeout=settings.EMAIL_TIMEOUT)
        EmailMessage(
            subject=message.subject,
            body=body,
            from_email=settings.DEFAULT_FROM_EMAIL,
            to=[to],
            connection=connection,
        ).send()
    except (smtplib.SMTPException, OSError) as exc:
        raise ChannelError(describe(exc)) from None
    logger.info("e-mail to %s sent", mask_email(to))
