"""Where sscard may send a bank's webhooks.

A webhook carries card events and is signed with the bank's secret, and sscard makes the request
from inside the agency's network: a URL must be https, and must not lead to a private, loopback,
link-local or otherwise non-public address (the agency's own services) unless
settings.WEBHOOK_ALLOWED_NETWORKS lists its network. Plain http is accepted only to a loopback
address that is allowed (in debug, loopback is allowed; a test's receiver on localhost).

Checked when a bank's URL is saved, and again at every delivery on the addresses the name
resolves to at that moment, which are the ones connected to (a name may change its address).
"""

from __future__ import annotations

import ipaddress
import socket
from functools import lru_cache
from urllib.parse import urlsplit

from django.conf import settings

from sscard.common.errors import ErrorCode, FieldError, ValidationError

Address = ipaddress.IPv4Address | ipaddress.IPv6Address


class WebhookUrlRefused(ValidationError):
    code = ErrorCode.INVALID_WEBHOOK_URL


def _refused(detail: str) -> WebhookUrlRefused:
    return WebhookUrlRefused(detail, errors=[FieldError("webhook_url", detail)])


@lru_cache(maxsize=8)
def _networks(spec: tuple[str, ...]) -> tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]:
    return tuple(ipaddress.ip_network(n, strict=False) for n in spec)


def allowed_networks() -> tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]:
    return _networks(tuple(settings.WEBHOOK_ALLOWED_NETWORKS))


def _plain(address: Address) -> Address:
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped
    return address


def check_address(address: Address, *, scheme: str) -> None:
    """Refuse an address sscard may not connect to for a webhook with this scheme."""
    address = _plain(address)
    allowed = any(address in network for network in allowed_networks())
    public = address.is_global and not address.is_multicast
    if not (public or allowed):
        raise _refused(
            f"The webhook URL leads to {address}, a private, loopback, link-local or reserved "
            "address."
        )
    if scheme == "http" and not (address.is_loopback and allowed):
        raise _refused("The webhook URL must use https.")


def _split(url: str) -> tuple[str, str, int]:
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError:
        raise _refused("The webhook URL is not a valid URL.") from None
    scheme, host = parts.scheme.lower(), (parts.hostname or "")
    if scheme not in ("https", "http") or not host:
        raise _refused("The webhook URL must be an https URL with a host.")
    if parts.username is not None or parts.password is not None:
        raise _refused("The webhook URL must not hold a user name or password.")
    return scheme, host, port or (443 if scheme == "https" else 80)


def resolve(host: str, port: int) -> list[Address]:
    """The addresses `host` has now (an address literal is itself)."""
    try:
        return [ipaddress.ip_address(host)]
    except ValueError:
        pass
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    found: list[Address] = []
    for info in infos:
        address = ipaddress.ip_address(str(info[4][0]).split("%", 1)[0])
        if address not in found:
            found.append(address)
    return found


def checked_addresses(host: str, port: int, *, scheme: str) -> list[Address]:
    """The addresses to connect to, every one of them allowed; raises WebhookUrlRefused."""
    try:
        addresses = resolve(host, port)
    except OSError:
        raise _refused(f"The webhook host {host} does not resolve.") from None
    if not addresses:
        raise _refused(f"The webhook host {host} has no address.")
    for address in addresses:
        check_address(address, scheme=scheme)
    return addresses


def check_webhook_url(url: str) -> str:
    """A bank's webhook URL as saved: https, a public host (or an allowed network). A name that
    does not resolve yet is accepted; delivery checks it again. Returns the URL, stripped."""
    url = url.strip()
    if not url:
        return ""
    scheme, host, port = _split(url)
    try:
        addresses = resolve(host, port)
    except OSError:
        addresses = []
    if not addresses and scheme == "http":
        raise _refused("The webhook URL must use https.")
    for address in addresses:
        check_address(address, scheme=scheme)
    return url


def delivery_target(url: str) -> tuple[str, str, int]:
    """The scheme, host and port of a URL about to be used; its addresses are checked when
    the connection is made."""
    return _split(url)
