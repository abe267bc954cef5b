"""The client address used by rate limits and lock-outs, with and without proxies in front."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import RequestFactory

from sscard.common.http import client_address


def _request(remote: str, forwarded: str | None = None) -> Any:
    request = RequestFactory().get("/", REMOTE_ADDR=remote)
    if forwarded is not None:
        request.META["HTTP_X_FORWARDED_FOR"] = forwarded
    return request


def test_with_no_proxy_the_header_is_the_clients_claim_and_ignored(settings: Any) -> None:
    settings.TRUSTED_PROXIES = 0
    assert client_address(_request("203.0.113.9", "198.51.100.1")) == "203.0.113.9"


@pytest.mark.parametrize(
    ("proxies", "forwarded", "expected"),
    [
        (1, "198.51.100.1", "198.51.100.1"),
        (1, "192.0.2.66, 198.51.100.1", "198.51.100.1"),  # the left entry is made up
        (2, "192.0.2.66, 198.51.100.1, 10.0.0.2", "198.51.100.1"),
        (1, " 2001:db8::1 ", "2001:db8::1"),
        (2, "198.51.100.1", "10.0.0.5"),  # fewer hops than proxies: the last hop
        (1, "", "10.0.0.5"),
        (1, "not-an-address", "10.0.0.5"),
    ],
)
def test_behind_proxies_the_client_is_counted_from_the_right(
    settings: Any, proxies: int, forwarded: str, expected: str
) -> None:
    settings.TRUSTED_PROXIES = proxies
    assert client_address(_request("10.0.0.5", forwarded)) == expected
