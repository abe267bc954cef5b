"""The request id and the access line: one middleware, self-contained, for any stack.

`RequestIdMiddleware` takes the caller's `X-Request-ID` when it is sane (1 to 64 letters,
digits, `.`, `_`, `:` or `-`, and nothing that reads as an ID number or a phone), else makes
one (uuid4 hex). It serves the request inside a log context holding the id (`sscard.common.logs`),
so every record of the request carries it, as do the outbox and audit rows the request writes;
the answer carries it back in `X-Request-ID`. Then one INFO line on the `sscard.access`
logger: method, route pattern (the masked path where no route matched), status, duration,
request id, actor, channel and outcome, with the problem's `code` when the API refused
(settings.ACCESS_LOG, `SSCARD_ACCESS_LOG=0` turns it off). Django's own line about a refused
or failed request (`django.request`, "Not Found: …") is written inside the request's context
too, with the request id.
"""

from __future__ import annotations

import json
import logging
import re
import time
import uuid
from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponseBase
from django.utils.log import log_response

from sscard.common import logs
from sscard.common.masking import mask_text

access_logger = logging.getLogger("sscard.access")

HEADER = "X-Request-ID"
_SANE = re.compile(r"[A-Za-z0-9._:-]{1,64}")
_PROBLEM = "application/problem+json"
_PATH_LIMIT = 200


def sane_request_id(value: str | None) -> str | None:
    """The caller's id if it may go into logs and rows as it is."""
    if not value or not _SANE.fullmatch(value):
        return None
    if mask_text(value) != value:  # an ID number or a phone is personal data, not an id
        return None
    return value


def new_request_id() -> str:
    """uuid4 in hex; one whose digits happen to read as a phone number is drawn again, so that
    ours pass the same rule as the callers' (and can be sent back by them)."""
    while True:
        value = uuid.uuid4().hex
        if mask_text(value) == value:
            return value


def _route(request: HttpRequest) -> str:
    match = getattr(request, "resolver_match", None)
    route = getattr(match, "route", None)
    if route:
        return "/" + route.lstrip("^")
    return mask_text(request.path[:_PATH_LIMIT])


def _problem_code(response: HttpResponseBase) -> str | None:
    if response.streaming or not response.get("Content-Type", "").startswith(_PROBLEM):
        return None
    try:
        code = json.loads(response.content).get("code")  # type: ignore[attr-defined]
    except (ValueError, AttributeError):
        return None
    return str(code) if code else None


def _outcome(status: int) -> str:
    if status < 400:
        return "ok"
    return "refused" if status < 500 else "failed"


class RequestIdMiddleware:
    """Place it first (or first after what only rewrites the request): the request id should
    cover everything the other middleware log."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response
        self.access_log = bool(getattr(settings, "ACCESS_LOG", True))

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        rid = sane_request_id(request.headers.get(HEADER)) or new_request_id()
        request.request_id = rid  # type: ignore[attr-defined]
        with logs.scope(request_id=rid) as context:
            started = time.perf_counter()
            response = self.get_response(request)
            response[HEADER] = rid
            if response.status_code >= 400:
                # Django's own line of a refused or failed request ("Not Found: …"), written
                # here so that it carries the request id (Django then does not write it again).
                log_response(
                    "%s: %s",
                    response.reason_phrase,
                    request.path,
                    response=response,  # type: ignore[arg-type]
                    request=request,
                )
            if self.access_log and access_logger.isEnabledFor(logging.INFO):
                self._log(request, response, started, context)
        return response

    @staticmethod
    def _log(
        request: HttpRequest,
        response: HttpResponseBase,
        started: float,
        context: dict[str, str],
    ) -> None:
        duration_ms = round((time.perf_counter() - started) * 1000, 1)
        status = response.status_code
        route = _route(request)
        code = _problem_code(response) if status >= 400 else None
        access_logger.info(
            "%s %s %s %sms%s",
            request.method,
            route,
            status,
            duration_ms,
            f" {code}" if code else "",
            extra={
                "method": request.method,
                "route": route,
                "status": status,
                "duration_ms": duration_ms,
                "outcome": _outcome(status),
                "error_code": code,
                # the record is made inside the context: the filter adds these too
                "request_id": context.get("request_id"),
            },
        )
