"""The database cannot serve a request just now: it is restarting or out of reach, it cut the
session, or its disk is full (SQLite's SQLITE_FULL, PostgreSQL's disk_full). Django raises these
as OperationalError, or InterfaceError for a connection already closed under it; the request's
transaction did not commit. Every interface answers them as a short outage (503, try again
shortly), never as a failure of ours (500); the service recovers by itself once the database
answers again (each request opens or health-checks its connection).
"""

from __future__ import annotations

import logging

from django.db import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse
from django.template import loader
from django.utils.cache import add_never_cache_headers

log = logging.getLogger(__name__)

# What a 503 for an outage tells the client in Retry-After.
RETRY_AFTER_SECONDS = 5


def database_unavailable(request: HttpRequest, exc: BaseException) -> bool:
    """Whether `exc` says the database cannot serve now; if so, logged once, without the
    traceback (an outage raises it on every request) and without the query's values."""
    if not isinstance(exc, OperationalError | InterfaceError):
        return False
    first_line = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
    log.error(
        "database unavailable in %s %s: %s: %s",
        request.method,
        request.path,
        type(exc).__name__,
        first_line[:200],
    )
    return True


def outage_page() -> HttpResponse:
    """The "try again shortly" page (503, Retry-After), drawn without the request: the session
    or the user behind it may be what the database cannot read or write just now."""
    response = HttpResponse(loader.render_to_string("503_outage.html"), status=503)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    add_never_cache_headers(response)
    return response
