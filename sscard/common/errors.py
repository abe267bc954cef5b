"""The one family of domain errors. Each carries a stable `code` from API.md."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass
class FieldError:
    field: str
    message: str


class DomainError(Exception):
    """A rule said no. Interfaces map `code` and `status` to their own shape."""

    code: str = "domain_error"
    status: int = 409
    title: str = "The request breaks a rule"

    def __init__(
        self,
        detail: str,
        *,
        code: str | None = None,
        status: int | None = None,
        errors: list[FieldError] | None = None,
        **extra: Any,
    ) -> None:
        super().__init__(detail)
        self.detail = detail
        if code is not None:
            self.code = code
        if status is not None:
            self.status = status
        self.errors: list[FieldError] = errors or []
        self.extra: dict[str, Any] = extra

    def __str__(self) -> str:
        return f"{self.code}: {self.detail}"


class ValidationError(DomainError):
    code = "validation_error"
    status = 422
    title = "The request is not valid"


class NotFound(DomainError):
    code = "not_found"
    status = 404
    title = "Not found"


class Forbidden(DomainError):
    code = "forbidden"
    status = 403
    title = "Not allowed"


class Unavailable(DomainError):
    """The service is not set up to do this yet (e.g. no regional policy): the request may be
    right, and nothing was changed. Operators are told by the 503 in the request log."""

    code = "unavailable"
    status = 503
    title = "Not available"


class Conflict(DomainError):
    code = "conflict"
    status = 409
    title = "Conflicts with the current state"


def documents_required(missing: list[str], detail: str) -> ValidationError:
    return ValidationError(
        detail,
        code="documents_required",
        errors=[FieldError("documents", f"missing: {code}") for code in missing],
        missing=missing,
    )
