"""Middleware of the web pages (portal and console): the default language, and a page for what
the service is not set up to do yet."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import render
from django.utils.cache import add_never_cache_headers

from sscard.common.errors import DomainError


class DefaultLanguageMiddleware:
    """Pages speak Simplified Chinese unless the person picked English (DOMAIN: zh-Hans by
    default). The browser's Accept-Language is not followed: the choice is the language cookie
    set by the switch on every page (Django's set_language view), so the same link shows the
    same page."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        request.META.pop("HTTP_ACCEPT_LANGUAGE", None)
        return self.get_response(request)


class UnavailableMiddleware:
    """A page for what the service is not set up to do yet (a DomainError with status 503,
    such as a missing regional policy), in place of the error page: nothing was changed, and
    the person is told to try later. The API answers its own problem first."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if isinstance(exception, DomainError) and exception.status == 503:
            response = render(request, "503.html", status=503)
            add_never_cache_headers(response)
            return response
        return None
