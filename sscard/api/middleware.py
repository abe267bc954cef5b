"""Problems for what happens around the API's views: unknown paths, wrong methods, big or
non-JSON bodies, NUL characters, and anything that escaped."""

from __future__ import annotations

import io
import json
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.http import HttpRequest, HttpResponse, HttpResponseBase

from sscard.api.problems import CONTENT_TYPE, ProtocolCode, from_exception, problem, too_large
from sscard.common.errors import ErrorCode

API_PREFIX = "/api/v1/"
BODY_METHODS = frozenset({"POST", "PUT", "PATCH"})
NUL = "\x00"
# Bodies allowed to be larger than DATA_UPLOAD_MAX_MEMORY_SIZE: the core system's batches of up
# to 10,000 contribution records (API.md).
LARGE_BODIES: dict[tuple[str, str], str] = {
    ("PUT", API_PREFIX + "contributions"): "RECORDS_MAX_BODY_BYTES",
}
NUL_MESSAGE = "must not contain NUL characters"


def _nul_in(value: Any, where: str) -> str | None:
    """The field of a parsed JSON body that holds a NUL character, if any."""
    if isinstance(value, str):
        return (where or "body") if NUL in value else None
    if isinstance(value, dict):
        for key, item in value.items():
            name = f"{where}.{key}" if where else str(key)
            if NUL in key:
                return where or "body"
            found = _nul_in(item, name)
            if found:
                return found
    elif isinstance(value, list):
        for index, item in enumerate(value):
            found = _nul_in(item, f"{where}[{index}]")
            if found:
                return found
    return None


def _nul_problem(request: HttpRequest) -> HttpResponse | None:
    """PostgreSQL cannot store NUL in text, and no field of ours has a use for it: refused
    here, before it reaches a query (where it would be a 500)."""
    if NUL in request.path:
        return problem(404, ErrorCode.NOT_FOUND, "There is nothing at this address.")
    for name, values in request.GET.lists():
        if NUL in name or any(NUL in v for v in values):
            return _nul_validation(name.replace(NUL, "") or "query")
    if request.method not in BODY_METHODS:
        return None
    try:
        body = request.body
    except RequestDataTooBig:
        return too_large()
    # A NUL inside a JSON string can only be written as this escape (a raw one is malformed).
    if b"\\u0000" not in body:
        return None
    try:
        data = json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError):
        return None  # the parser answers malformed_json
    found = _nul_in(data, "")
    return _nul_validation(found) if found else None


def _nul_validation(field: str) -> HttpResponse:
    return problem(
        422,
        ErrorCode.VALIDATION_ERROR,
        "The request is not valid.",
        title="Invalid request",
        errors=[{"field": field, "message": NUL_MESSAGE}],
    )


def _is_json(content_type: str) -> bool:
    media = content_type.split(";", 1)[0].strip().lower()
    return media == "application/json" or (
        media.startswith("application/") and media.endswith("+json")
    )


class ApiProblemsMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        if not request.path.startswith(API_PREFIX):
            return self.get_response(request)
        response = self._answer(request)
        # Answers carry personal data and tokens: no cache, shared or the client's, keeps one.
        if not response.has_header("Cache-Control"):
            response["Cache-Control"] = "no-store"
        return response

    def _answer(self, request: HttpRequest) -> HttpResponseBase:
        if request.method == "HEAD":
            # HEAD is GET without the body (RFC 9110 9.3.2): same status and headers.
            request.method = "GET"
            response = self(request)
            if isinstance(response, HttpResponse):
                length = len(response.content)
                response.content = b""
                response["Content-Length"] = str(length)
            return response
        if request.method in BODY_METHODS:
            try:
                length = int(request.headers.get("Content-Length") or 0)
            except ValueError:
                return problem(400, ProtocolCode.BAD_REQUEST, "Content-Length is not a number.")
            limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
            large = LARGE_BODIES.get((request.method, request.path))
            if large is not None:
                limit = getattr(settings, large)
            if limit is not None and length > limit:
                return too_large()
            if large is not None and length > (settings.DATA_UPLOAD_MAX_MEMORY_SIZE or 0):
                # Read here within this path's own limit: Django's `request.body` would
                # refuse anything above the general one.
                request._body = request.read(length)
                request._stream = io.BytesIO(request._body)
            if length > 0 and not _is_json(request.headers.get("Content-Type", "")):
                return problem(
                    415, ProtocolCode.UNSUPPORTED_MEDIA_TYPE, "Send the body as application/json."
                )
        refused = _nul_problem(request)
        if refused is not None:
            return refused
        response = self.get_response(request)
        if response.status_code >= 400 and not response.get("Content-Type", "").startswith(
            (CONTENT_TYPE, "application/json")
        ):
            return self._as_problem(response)
        return response

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if request.path.startswith(API_PREFIX):
            return from_exception(request, exception)
        return None

    @staticmethod
    def _as_problem(response: HttpResponseBase) -> HttpResponse:
        status = response.status_code
        if status == 404:
            return problem(404, ErrorCode.NOT_FOUND, "There is no such endpoint.")
        if status == 405:
            converted = problem(
                405, ProtocolCode.METHOD_NOT_ALLOWED, "This method is not allowed here."
            )
            if response.has_header("Allow"):
                converted["Allow"] = response["Allow"]
            return converted
        if status == 413:
            return too_large()
        if status >= 500:
            return problem(500, ProtocolCode.INTERNAL_ERROR, "Something went wrong on our side.")
        return problem(status, ProtocolCode.BAD_REQUEST, "The request could not be handled.")
