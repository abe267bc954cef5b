"""Middleware every interface shares: the default language, control characters in page
addresses, the Content-Security-Policy, and a page for what the service is not set up to do yet.

Pages speak Simplified Chinese unless the person picked English (DOMAIN: zh-Hans by default).
The browser's Accept-Language is not followed: the choice is the language cookie set by the
switch on every page (Django's set_language view), so the same link shows the same page.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from django.conf import settings
from django.core.exceptions import BadRequest
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import render
from django.utils.cache import add_never_cache_headers

from sscard.common.errors import DomainError
from sscard.common.outages import database_unavailable, outage_page


class DefaultLanguageMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        request.META.pop("HTTP_ACCEPT_LANGUAGE", None)
        return self.get_response(request)


# C0 control characters and DEL: no address or search of ours has a use for them, and
# PostgreSQL refuses NUL in any text it is given (a 500 if one reached a query).
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


class ControlCharactersMiddleware:
    """Pages (not the API, which answers with its own problems) refuse control characters
    before any view: in the address a 404, in the query string a 400."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        if not request.path.startswith("/api/"):
            if _CONTROL.search(request.path):
                raise Http404("There is nothing at this address.")
            for name, values in request.GET.lists():
                if _CONTROL.search(name) or any(_CONTROL.search(v) for v in values):
                    raise BadRequest("The query string holds control characters.")
        return self.get_response(request)


class ContentSecurityPolicyMiddleware:
    """The Content-Security-Policy header (settings.CONTENT_SECURITY_POLICY) on every answer
    that has none: no inline script, no script from elsewhere, no framing. One fixed policy
    needs no nonces, so a few lines do what a library would."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response
        self.policy = "; ".join(
            f"{directive} {' '.join(sources)}".strip()
            for directive, sources in settings.CONTENT_SECURITY_POLICY.items()
        )

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        response = self.get_response(request)
        if self.policy and "Content-Security-Policy" not in response:
            response["Content-Security-Policy"] = self.policy
        return response


class UnavailableMiddleware:
    """A page for what the service is not set up to do yet (a DomainError with status 503,
    such as a missing regional policy), and one for a database that cannot serve just now
    (sscard.common.outages), in place of the error page: the person is told to try later. The
    API answers its own problem first."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if isinstance(exception, DomainError) and exception.status == 503:
            response = render(request, "503.html", status=503)
            add_never_cache_headers(response)
            return response
        if database_unavailable(request, exception):
            return outage_page()
        return None
