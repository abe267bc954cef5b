"""Per request: a count by route, method and status class, the time to answer, and the time
spent in database queries (through `connection.execute_wrapper`).

`RequestMetricsMiddleware` stands alone (it needs no other middleware, no session, no user), so
it can be the first of any middleware stack, the API's included. The route is the URL pattern
that matched (`/api/v1/cards/<card_number>/status`), never the path itself, which may hold a
card or ID number; a request no pattern matched is `unmatched`.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from django.db import connection
from django.http import HttpRequest, HttpResponseBase

from sscard.metrics import instruments

METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
UNMATCHED = "unmatched"


class _DatabaseTime:
    """An execute wrapper: adds up the time and number of the queries run inside it."""

    __slots__ = ("queries", "seconds")

    def __init__(self) -> None:
        self.seconds = 0.0
        self.queries = 0

    def __call__(
        self, execute: Callable[..., Any], sql: str, params: Any, many: bool, context: Any
    ) -> Any:
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            self.seconds += time.perf_counter() - started
            self.queries += 1


def route_of(request: HttpRequest) -> str:
    """The pattern of the route that matched the request, or `unmatched`."""
    match = getattr(request, "resolver_match", None)
    if match is None or not match.route:
        return UNMATCHED
    return "/" + match.route


class RequestMetricsMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response
        instruments.start()

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        database = _DatabaseTime()
        started = time.perf_counter()
        with connection.execute_wrapper(database):
            response = self.get_response(request)
        elapsed = time.perf_counter() - started
        route = route_of(request)
        method = str(request.method) if request.method in METHODS else "other"
        instruments.REQUESTS.labels(route, method, f"{response.status_code // 100}xx").inc()
        instruments.REQUEST_SECONDS.labels(route, method).observe(elapsed)
        instruments.REQUEST_DB_SECONDS.labels(route, method).observe(database.seconds)
        instruments.REQUEST_DB_QUERIES.labels(route, method).observe(database.queries)
        return response
