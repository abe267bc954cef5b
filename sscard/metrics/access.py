"""Who may read `/metrics`: a client from a configured network (SSCARD_METRICS_ALLOWED_NETWORKS;
loopback by default), its address told by the trusted proxies' rule (`common.http`), or whoever
shows the bearer token SSCARD_METRICS_TOKEN (compared in constant time). Anyone else gets the
same 404 as any address that does not exist: the page does not tell that it is there."""

from __future__ import annotations

import hmac
import ipaddress
from functools import lru_cache

from django.conf import settings
from django.http import HttpRequest

from sscard.common.http import client_address

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


@lru_cache(maxsize=8)
def _networks(names: tuple[str, ...]) -> tuple[Network, ...]:
    return tuple(ipaddress.ip_network(name, strict=False) for name in names)


def _from_allowed_network(request: HttpRequest) -> bool:
    try:
        address = ipaddress.ip_address(client_address(request))
    except ValueError:
        return False
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    return any(
        address in network for network in _networks(tuple(settings.METRICS_ALLOWED_NETWORKS))
    )


def _shows_the_token(request: HttpRequest) -> bool:
    token = settings.METRICS_TOKEN
    if not token:
        return False
    scheme, _, given = str(request.headers.get("Authorization", "")).partition(" ")
    if scheme.lower() != "bearer":
        return False
    return hmac.compare_digest(given.strip().encode(), token.encode())


def may_read_metrics(request: HttpRequest) -> bool:
    return _shows_the_token(request) or _from_allowed_network(request)
