"""The API's own middleware stack.

The portal, the console and the admin need sessions, the language cookie, CSRF, the signed-in
user, messages, htmx and django-axes; the API uses none of them (bearer tokens, no cookies, no
forms) and paid for them on every request (BENCHMARKS.md: 10–12 % of a status lookup).
`ApiStackMiddleware` stands in `settings.MIDDLEWARE` after the middleware every answer needs
(the forwarded scheme, the security headers, the Content-Security-Policy, and whatever measures
or labels every request); a request under `/api/v1/` leaves the shared stack there and goes on
through `settings.API_MIDDLEWARE` only, then to its view. Everything else goes on down
`settings.MIDDLEWARE` as before.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.core.exceptions import MiddlewareNotUsed
from django.core.handlers.base import BaseHandler
from django.core.handlers.exception import convert_exception_to_response
from django.http import HttpRequest, HttpResponseBase, HttpResponseNotFound
from django.urls import Resolver404
from django.utils import translation
from django.utils.module_loading import import_string

from sscard.api.middleware import API_PREFIX

Handler = Callable[[HttpRequest], HttpResponseBase]


class _Stack(BaseHandler):
    """Django's request handling (URL resolution, view middleware, exceptions turned into
    responses) behind a middleware list of its own. Synchronous, as the service is served
    (WSGI under gunicorn)."""

    def __init__(self, middleware: list[str]) -> None:
        super().__init__()
        self._view_middleware: list[Any] = []
        self._template_response_middleware: list[Any] = []
        self._exception_middleware: list[Any] = []
        handler: Any = convert_exception_to_response(self._resolved)
        for path in reversed(middleware):
            try:
                instance = import_string(path)(handler)
            except MiddlewareNotUsed:
                continue
            if hasattr(instance, "process_view"):
                self._view_middleware.insert(0, instance.process_view)
            if hasattr(instance, "process_template_response"):
                self._template_response_middleware.append(instance.process_template_response)
            if hasattr(instance, "process_exception"):
                self._exception_middleware.append(instance.process_exception)
            handler = convert_exception_to_response(instance)
        self._middleware_chain = handler

    def _resolved(self, request: HttpRequest) -> HttpResponseBase:
        """An address the API does not have is a bare 404, which ApiProblemsMiddleware words
        as a problem: Django's own 404 page is the portal's, drawn for a signed-in session."""
        try:
            response: HttpResponseBase = self._get_response(request)  # type: ignore[attr-defined]
            return response
        except Resolver404:
            return HttpResponseNotFound()


class ApiStackMiddleware:
    """Sends `/api/v1/` down the API's own stack (settings.API_MIDDLEWARE)."""

    def __init__(self, get_response: Handler) -> None:
        self.get_response = get_response
        self.api = _Stack(list(settings.API_MIDDLEWARE))

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        if request.path_info.startswith(API_PREFIX):
            return self.api._middleware_chain(request)
        return self.get_response(request)


class ApiLanguageMiddleware:
    """The API speaks the service's default language whatever page the same server thread
    answered before (the portal's language choice is a cookie the API has no use for, and
    Django keeps the last language activated in a thread)."""

    def __init__(self, get_response: Handler) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        translation.activate(settings.LANGUAGE_CODE)
        request.LANGUAGE_CODE = settings.LANGUAGE_CODE
        return self.get_response(request)
