"""Webhooks to banks (API.md, "Webhooks to banks"): a signed POST of the event.

The request goes only to addresses the rules of sscard.partners.webhook_urls allow: the host is
resolved when the connection is made and every address it has is checked, so a name that
changes its address between the check and the connection cannot lead elsewhere.

The signature is `SSCard-Signature: t=<unix>,v1=<hex HMAC-SHA256 of "<t>.<body>">` with the
bank's webhook secret; a new `t` is signed on every try, so a bank can refuse old replays.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from typing import Any

import httpcore
import httpx
from django.conf import settings

from sscard.notifications.channels import ChannelError, describe
from sscard.partners.models import Bank
from sscard.partners.webhook_urls import WebhookUrlRefused, checked_addresses, delivery_target

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
        scheme, _host, _port = delivery_target(bank.webhook_url)
        with httpx.Client(
            transport=CheckedTransport(scheme),
            timeout=settings.WEBHOOK_TIMEOUT_SECONDS,
            follow_redirects=False,
            trust_env=False,
        ) as client:
            response = client.post(bank.webhook_url, content=body, headers=headers)
    except WebhookUrlRefused as refused:
        raise ChannelError(f"not sent: {refused.detail}") from None
    except httpx.HTTPError as exc:
        raise ChannelError(describe(exc)) from None
    if not response.is_success:
        raise ChannelError(f"HTTP {response.status_code}", http_status=response.status_code)
    return response.status_code


class CheckedBackend(httpcore.SyncBackend):
    """Connects only to addresses a webhook may reach, and to the very addresses checked."""

    def __init__(self, scheme: str) -> None:
        self.scheme = scheme

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Any = None,
    ) -> httpcore.NetworkStream:
        addresses = checked_addresses(host, port, scheme=self.scheme)
        failure: httpcore.ConnectError | httpcore.ConnectTimeout | None = None
        for address in addresses:
            try:
                return super().connect_tcp(
                    str(address), port, timeout, local_address, socket_options
                )
            except (httpcore.ConnectError, httpcore.ConnectTimeout) as exc:
                failure = exc
        assert failure is not None
        raise failure


class CheckedTransport(httpx.HTTPTransport):
    """httpx's transport on a connection pool whose connections go through CheckedBackend;
    TLS still verifies the certificate for the host name in the URL."""

    def __init__(self, scheme: str) -> None:
        super().__init__()
        self._pool = httpcore.ConnectionPool(
            ssl_context=httpx.create_ssl_context(), network_backend=CheckedBackend(scheme)
        )
