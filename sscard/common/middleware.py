"""Middleware of the pages (portal, console, admin).

Pages speak Simplified Chinese unless the person picked English (DOMAIN: zh-Hans by default).
The browser's Accept-Language is not followed: the choice is the language cookie set by the
switch on every page (Django's set_language view), so the same link shows the same page.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from django.core.exceptions import BadRequest
from django.http import Http404, HttpRequest, HttpResponseBase


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
