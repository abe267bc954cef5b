"""The address a request came from (rate limits, sign-in lock-outs), and the scheme it used.

Behind reverse proxies every request comes from the last proxy, so `SSCARD_TRUSTED_PROXIES`
says how many of ours stand in front. Each appends the address it received the request from to
`X-Forwarded-For`, so the client is that many entries from the right; whatever a client wrote
further left is its own claim and is ignored. With no proxies (the default) the header is
ignored altogether. The scheme the client used (X-Forwarded-Proto, set by the proxy that
ends TLS) is believed by the same rule.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponseBase

# Where the believed scheme goes: settings.SECURE_PROXY_SSL_HEADER names this key. Headers
# reach request.META as HTTP_*, so no client can set it.
FORWARDED_PROTO_KEY = "SSCARD_FORWARDED_PROTO"


def client_address(request: HttpRequest) -> str:
    proxies = settings.TRUSTED_PROXIES
    remote = str(request.META.get("REMOTE_ADDR", ""))
    if proxies <= 0:
        return remote
    hops = [h.strip() for h in str(request.META.get("HTTP_X_FORWARDED_FOR", "")).split(",")]
    hops = [h for h in hops if h]
    if len(hops) < proxies:
        return remote  # not through all of our proxies: the last hop is the best we know
    candidate = hops[-proxies]
    try:
        return str(ipaddress.ip_address(candidate))
    except ValueError:
        return remote


def forwarded_proto(request: HttpRequest) -> str | None:
    """The scheme our outermost proxy received ("http" or "https"), or None when no proxy of
    ours stands in front or it said nothing.

    Each of our proxies sets or appends X-Forwarded-Proto; a client's own value can only stand
    further left than theirs, so it is read, like X-Forwarded-For, from the right.
    """
    proxies = settings.TRUSTED_PROXIES
    if proxies <= 0:
        return None
    header = str(request.META.get("HTTP_X_FORWARDED_PROTO", ""))
    values = [v.strip().lower() for v in header.split(",") if v.strip()]
    if not values:
        return None
    value = values[max(len(values) - proxies, 0)]
    return value if value in ("http", "https") else None


class ForwardedProtoMiddleware:
    """First of all middleware: HTTPS redirects, secure cookies and the CSRF origin check all
    ask `request.is_secure()`, which reads what this sets."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        request.META.pop(FORWARDED_PROTO_KEY, None)
        proto = forwarded_proto(request)
        if proto is not None:
            request.META[FORWARDED_PROTO_KEY] = proto
        return self.get_response(request)
