"""Pages speak Simplified Chinese unless the person picked English (DOMAIN: zh-Hans by default).

The browser's Accept-Language is not followed: the choice is the language cookie set by the
switch on every page (Django's set_language view), so the same link shows the same page.
"""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponseBase


class DefaultLanguageMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        request.META.pop("HTTP_ACCEPT_LANGUAGE", None)
        return self.get_response(request)
