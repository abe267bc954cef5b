"""The health check, and the last answer to an error no view or middleware answered; the
portal (the front door), the console and the API have their own views."""

from __future__ import annotations

import sys

from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views import defaults

from sscard.common.outages import database_unavailable, outage_page


def healthz(request: HttpRequest) -> JsonResponse:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok", "database": connection.vendor})


def _outage(request: HttpRequest, exception: BaseException | None) -> HttpResponse | None:
    """The outage page when `exception`, or what it was raised from (Django turns a session
    the database could not save into a 400 "session interrupted"), says the database cannot
    serve just now; logged once, without the traceback."""
    seen = 0
    while exception is not None and seen < 5:
        if database_unavailable(request, exception):
            response = outage_page()
            response._has_been_logged = True  # type: ignore[attr-defined]  # logged just now
            return response
        exception = exception.__cause__ or exception.__context__
        seen += 1
    return None


def server_error(request: HttpRequest) -> HttpResponse:
    """`handler500`. A database that cannot serve just now, met after the view, is an outage
    like any other: the "try again shortly" page. Anything else is Django's error page."""
    return _outage(request, sys.exc_info()[1]) or defaults.server_error(request)


def bad_request(request: HttpRequest, exception: Exception) -> HttpResponse:
    """`handler400`. The session is saved on every answer (it lapses after inactivity): when
    the database cannot write it (a full disk, a database gone away after the view), Django
    says the session was interrupted, a 400; it is an outage, and gets the outage page."""
    return _outage(request, exception) or defaults.bad_request(request, exception)
