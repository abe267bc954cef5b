"""How a portal page answers htmx: a part of the page, or, when the errors must stand next to
the fields and in the summary, the whole page body swapped in its place."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render


def whole_page(request: HttpRequest, template: str, context: dict[str, Any]) -> HttpResponse:
    """The whole page, told to htmx to replace the page body (`#main`) rather than the part it
    asked for."""
    response = render(request, template, context)
    response["HX-Retarget"], response["HX-Reswap"], response["HX-Reselect"] = (
        "#main",
        "outerHTML",
        "#main",
    )
    return response
