"""What every view of a signed-in person needs: whose cards they may see, and a page that says
"not found" for everything else (never "not yours": that would tell the card exists)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import render

from sscard.applications.models import CardApplication
from sscard.applications.selectors import get_application
from sscard.cards.models import Card
from sscard.cards.selectors import get_card
from sscard.common.errors import NotFound
from sscard.people.models import Person
from sscard.people.selectors import in_reach


class OutOfReach(Exception):
    """Someone else's card or application, or none at all: both read as not found."""


def card_in_reach(person: Person, number: str) -> Card:
    try:
        card = get_card(number)
    except NotFound:
        raise OutOfReach from None
    if not in_reach(person, card.person_id):
        raise OutOfReach
    return card


def application_in_reach(person: Person, number: str) -> CardApplication:
    try:
        app = get_application(number)
    except NotFound:
        raise OutOfReach from None
    if not in_reach(person, app.person_id):
        raise OutOfReach
    return app


def not_found(request: HttpRequest, **context: Any) -> HttpResponse:
    return render(request, "portal/not_found.html", context, status=404)


def posted(request: HttpRequest) -> QueryDict | None:
    """The form data of a POST, even an empty one (an unticked box sends nothing), else None."""
    return request.POST if request.method == "POST" else None
