"""RFC 9457 problem details for every failure of the API, whatever raised it."""

from __future__ import annotations

import json
import logging
from enum import StrEnum
from http import HTTPStatus
from typing import Any

from django.core.exceptions import RequestDataTooBig
from django.http import Http404, HttpRequest, HttpResponse
from ninja.errors import AuthenticationError, AuthorizationError, HttpError, Throttled
from ninja.errors import ValidationError as NinjaValidationError

from sscard.common.errors import DomainError, ErrorCode
from sscard.common.outages import RETRY_AFTER_SECONDS, database_unavailable

log = logging.getLogger(__name__)

PROBLEM_TYPE = "https://sscard.example/problems/"
CONTENT_TYPE = "application/problem+json"


class ProtocolCode(StrEnum):
    """The codes of the HTTP contract itself: the token, its scopes and bindings, the body, the
    route, idempotency keys. Only the API answers them; a rule of the domain says no with an
    `ErrorCode`. Where the API answers with a code the domain has too (`not_found`, `forbidden`,
    `validation_error`, `too_many_requests`), it uses the ErrorCode: no value is in both."""

    UNAUTHORIZED = "unauthorized"
    INSUFFICIENT_SCOPE = "insufficient_scope"
    WRONG_OUTLET = "wrong_outlet"
    CITIZEN_TOKEN_REQUIRED = "citizen_token_required"
    BAD_REQUEST = "bad_request"
    MALFORMED_JSON = "malformed_json"
    UNSUPPORTED_MEDIA_TYPE = "unsupported_media_type"
    PAYLOAD_TOO_LARGE = "payload_too_large"
    METHOD_NOT_ALLOWED = "method_not_allowed"
    INVALID_IDEMPOTENCY_KEY = "invalid_idempotency_key"
    IDEMPOTENCY_KEY_REUSED = "idempotency_key_reused"
    IDEMPOTENCY_KEY_IN_USE = "idempotency_key_in_use"
    HTTP_ERROR = "http_error"
    INTERNAL_ERROR = "internal_error"


Code = ErrorCode | ProtocolCode

# Every code a problem may carry, for the OpenAPI document: clients must expect new ones.
ALL_CODES: tuple[str, ...] = tuple(sorted({*ErrorCode, *ProtocolCode}))


class ProtocolError(Exception):
    """The token or the request may not do this (401, 403): said before any rule is asked."""

    def __init__(
        self, status: int, code: ProtocolCode, detail: str, *, title: str, **extra: Any
    ) -> None:
        super().__init__(detail)
        self.status = status
        self.code = code
        self.detail = detail
        self.title = title
        self.extra: dict[str, Any] = extra


class MalformedBody(Exception):
    """The body is not JSON (or not UTF-8)."""


def problem_body(
    status: int,
    code: Code,
    detail: str,
    *,
    title: str | None = None,
    errors: list[dict[str, str]] | None = None,
    extra: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """A problem's members (RFC 9457), as answered alone or inside an answer (a batch's item)."""
    body: dict[str, Any] = {
        "type": PROBLEM_TYPE + code,
        "title": title or HTTPStatus(status).phrase,
        "status": status,
        "detail": detail,
        "code": code,
    }
    if errors:
        body["errors"] = errors
    for key, value in (extra or {}).items():
        body.setdefault(key, value)
    return body


def problem(
    status: int,
    code: Code,
    detail: str,
    *,
    title: str | None = None,
    errors: list[dict[str, str]] | None = None,
    extra: dict[str, Any] | None = None,
) -> HttpResponse:
    body = problem_body(status, code, detail, title=title, errors=errors, extra=extra)
    response = HttpResponse(
        json.dumps(body, ensure_ascii=False, default=str),
        status=status,
        content_type=CONTENT_TYPE,
    )
    if status == 401:
        response["WWW-Authenticate"] = 'Bearer realm="sscard"'
    return response


def _field(loc: list[Any] | tuple[Any, ...]) -> str:
    parts = list(loc)
    if parts and parts[0] == "body":
        # ("body", <the view's parameter name>, field...): the parameter name is ours, not the
        # caller's; a body that is not an object at all is reported as "body".
        parts = parts[2:]
    elif parts and parts[0] in ("query", "path", "header"):
        parts = parts[1:]
    out = ""
    for part in parts:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += ("." if out else "") + str(part)
    return out or "body"


def domain_problem_body(exc: DomainError) -> dict[str, Any]:
    """The problem's members a rule's refusal is answered with."""
    return problem_body(
        exc.status,
        exc.code,
        exc.detail,
        title=exc.title,
        errors=[{"field": e.field, "message": e.message} for e in exc.errors],
        extra={k: v for k, v in exc.extra.items() if k not in ("missing",)},
    )


def from_domain(exc: DomainError) -> HttpResponse:
    return problem(
        exc.status,
        exc.code,
        exc.detail,
        title=exc.title,
        errors=[{"field": e.field, "message": e.message} for e in exc.errors],
        extra={k: v for k, v in exc.extra.items() if k not in ("missing",)},
    )


def from_validation(exc: NinjaValidationError) -> HttpResponse:
    errors = []
    for item in exc.errors:
        message = str(item.get("msg", "is not valid"))
        if item.get("type") == "extra_forbidden":
            message = "is not a field of this request"
        errors.append({"field": _field(item.get("loc", ())), "message": message})
    return problem(
        422,
        ErrorCode.VALIDATION_ERROR,
        "The request is not valid.",
        title="Invalid request",
        errors=errors,
    )


def from_exception(request: HttpRequest, exc: Exception) -> HttpResponse:
    """One place that turns anything raised in an API view into a problem."""
    if isinstance(exc, DomainError):
        return from_domain(exc)
    if isinstance(exc, ProtocolError):
        return problem(exc.status, exc.code, exc.detail, title=exc.title, extra=exc.extra)
    if isinstance(exc, NinjaValidationError):
        return from_validation(exc)
    if isinstance(exc, MalformedBody) or (
        isinstance(exc, HttpError)
        and exc.status_code == 400
        and isinstance(exc.__cause__, Exception)
    ):
        cause = exc.__cause__ if isinstance(exc, HttpError) else exc
        if isinstance(cause, RequestDataTooBig):
            return too_large()
        return problem(400, ProtocolCode.MALFORMED_JSON, "The request body is not valid JSON.")
    if isinstance(exc, AuthenticationError):
        return problem(401, ProtocolCode.UNAUTHORIZED, "A valid bearer token is required.")
    if isinstance(exc, AuthorizationError):
        return problem(403, ErrorCode.FORBIDDEN, "This token may not do this.")
    if isinstance(exc, Throttled):
        return problem(429, ErrorCode.TOO_MANY_REQUESTS, "Too many requests. Please slow down.")
    if isinstance(exc, HttpError):
        return problem(exc.status_code, ProtocolCode.HTTP_ERROR, str(exc))
    if isinstance(exc, RequestDataTooBig):
        return too_large()
    if isinstance(exc, Http404):
        return problem(404, ErrorCode.NOT_FOUND, "Nothing here.")
    if database_unavailable(request, exc):
        return unavailable()
    log.exception("unexpected error in %s %s", request.method, request.path)
    return problem(
        500, ProtocolCode.INTERNAL_ERROR, "Something went wrong on our side; nothing was changed."
    )


def unavailable() -> HttpResponse:
    """The database cannot serve just now (sscard.common.outages): a short outage, not a
    failure of ours."""
    response = problem(
        503,
        ErrorCode.UNAVAILABLE,
        "The service cannot complete this request just now. Please try again shortly.",
        title="Service unavailable",
    )
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response


def too_large() -> HttpResponse:
    return problem(413, ProtocolCode.PAYLOAD_TOO_LARGE, "The request body is too large.")
