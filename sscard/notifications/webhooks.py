"""Webhooks to banks (API.md, "Webhooks to banks"): a signed POST of the event.

The signature is `SSCard-Signature: t=<unix>,v1=<hex HMAC-SHA256 of "<t>.<body>">` with the
bank's webhook secret; a new `t` is signed on every try, so a bank can refuse old replays.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from typing import Any

import httpx
from django.conf import settings

from sscard.notifications.channels import ChannelError, describe
from sscard.partners.models import Bank

SIGNATURE_HEADER = "SSCard-Signature"


def event_body(payload: dict[str, Any]) -> bytes:
    return json.dumps(payload, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode()


def signature(*, secret: str, body: bytes, timestamp: int) -> str:
    digest = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    return f"t={timestamp},v1={digest.hexdigest()}"


def post_event(*, bank: Bank, payload: dict[str, Any]) -> int:
    """POST one event; returns the HTTP status of a 2xx, raises ChannelError otherwise."""
    if not bank.webhook_secret:
        raise ChannelError("the bank has no webhook secret: nothing was sent")
    body = event_body(payload)
    headers = {
        "Content-Type": "application/json",
        "User-Agent": "sscard-webhooks/1",
        "SSCard-Event-Id": str(payload["id"]),
        "SSCard-Event-Type": str(payload["type"]),
        SIGNATURE_HEADER: signature(
            secret=bank.webhook_secret, body=body, timestamp=int(time.time())
        ),
    }
    try:
        response = httpx.post(
            bank.webhook_url,
            content=body,
            headers=headers,
            timeout=settings.WEBHOOK_TIMEOUT_SECONDS,
            follow_redirects=False,
        )
    except httpx.HTTPError as exc:
        raise ChannelError(describe(exc)) from None
    if not response.is_success:
        raise ChannelError(f"HTTP {response.status_code}", http_status=response.status_code)
    return response.status_code
