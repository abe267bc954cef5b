"""API v1: one NinjaAPI, one router per resource, every failure as problem+json."""

from __future__ import annotations

import json
from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from ninja import NinjaAPI
from ninja.errors import HttpError
from ninja.errors import ValidationError as NinjaValidationError
from ninja.openapi.schema import OpenAPISchema
from ninja.parser import Parser

from sscard.api import (
    applications,
    cards,
    citizens,
    ecard,
    loss_reports,
    outlets,
    persons,
    records,
)
from sscard.api.auth import bearer, principal_of
from sscard.api.problems import CONTENT_TYPE, MalformedBody, from_exception
from sscard.api.schemas import Ping, Problem
from sscard.common.errors import DomainError


class StrictJsonParser(Parser):
    def parse_body(self, request: HttpRequest) -> Any:
        try:
            return json.loads(request.body.decode("utf-8"))
        except (UnicodeDecodeError, ValueError) as exc:
            raise MalformedBody(str(exc)) from None


DESCRIPTION = """\
The contract for banks, self-service terminals, the 12333 hotline, the mobile app and points of
use. Send `Authorization: Bearer <token>`. Errors are RFC 9457 `application/problem+json` with a
stable `code`. Creating POSTs accept `Idempotency-Key`. A card's status is read live at every
lookup: a card blocked a moment ago reads blocked at the very next one. A revoked or replaced API
client token is refused within 1 second of its revocation (docs/partners.md).
"""

# What the middleware and the parser answer for any request with a body, before the view runs.
BODY_PROBLEMS = {
    400: "The body is not JSON (`malformed_json`).",
    413: "The body is too large (`payload_too_large`).",
    415: "The body is not `application/json` (`unsupported_media_type`).",
}


def _examples_as_example_objects(parameter: dict[str, Any]) -> None:
    """Ninja copies a field's JSON Schema `examples` (a list) onto the parameter, where OpenAPI
    wants a map of Example Objects: independent validators refuse the list, and client
    generators then make no client at all."""
    examples = parameter.get("examples")
    if isinstance(examples, list):
        parameter["examples"] = {
            f"example{i}" if i else "example": {"value": value} for i, value in enumerate(examples)
        }


class SscardApi(NinjaAPI):
    def get_openapi_schema(
        self, *, path_prefix: str | None = None, path_params: dict[str, Any] | None = None
    ) -> OpenAPISchema:
        """Ninja's document, plus what it cannot know: errors are `application/problem+json`,
        and every operation with a body may be refused before its view runs."""
        schema = super().get_openapi_schema(path_prefix=path_prefix, path_params=path_params)
        problem_schema = {"$ref": "#/components/schemas/Problem"}
        for operations in schema.get("paths", {}).values():
            for operation in operations.values():
                for parameter in operation.get("parameters", []):
                    _examples_as_example_objects(parameter)
                responses = operation.setdefault("responses", {})
                if "requestBody" in operation:
                    for status, description in BODY_PROBLEMS.items():
                        responses.setdefault(
                            status,
                            {
                                "description": description,
                                "content": {CONTENT_TYPE: {"schema": problem_schema}},
                            },
                        )
                for status, response in responses.items():
                    content = response.get("content")
                    if int(status) >= 400 and content and CONTENT_TYPE not in content:
                        response["content"] = {CONTENT_TYPE: next(iter(content.values()))}
        return schema


api = SscardApi(
    title="sscard API",
    version="1",
    description=DESCRIPTION,
    urls_namespace="api-v1",
    auth=bearer,
    parser=StrictJsonParser(),
    docs_url="/docs",
    openapi_url="/openapi.json",
)


def _problem(request: HttpRequest, exc: Exception | type[Exception]) -> HttpResponse:
    return from_exception(request, exc if isinstance(exc, Exception) else exc())


# Ninja registers its own handlers for these; each is replaced so that all answers are problems.
for _kind in (Exception, Http404, HttpError, NinjaValidationError, DomainError):
    api.add_exception_handler(_kind, _problem)


@api.get(
    "/ping",
    response={200: Ping, 401: Problem},
    tags=["meta"],
    summary="Check a token",
    operation_id="ping",
)
def ping(request: HttpRequest) -> dict[str, Any]:
    principal = principal_of(request)
    name = principal.client.name if principal.client else "citizen"
    return {"ok": True, "client": name}


# The status lookup and the electronic card's verification, asked at every point of use, come
# first: Django tries the API's paths in this order.
for module in (cards, ecard, persons, loss_reports, applications, outlets, citizens, records):
    api.add_router("", module.router)
