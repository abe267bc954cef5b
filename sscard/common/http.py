"""The address a request came from, for rate limits and sign-in lock-outs.

Behind reverse proxies every request comes from the last proxy, so `SSCARD_TRUSTED_PROXIES`
says how many of ours stand in front. Each appends the address it received the request from to
`X-Forwarded-For`, so the client is that many entries from the right; whatever a client wrote
further left is its own claim and is ignored. With no proxies (the default) the header is
ignored altogether.
"""

from __future__ import annotations

import ipaddress

from django.conf import settings
from django.http import HttpRequest


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
