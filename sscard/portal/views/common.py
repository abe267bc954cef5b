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
from sscard.people.selectors import wards_of


class OutOfReach(Exception):
    """Someone else's card or application, or none at all: both read as not found."""


def reach(person: Person) -> set[int]:
    """The people a signed-in person may see and act for: themselves and their wards."""
    return {person.pk, *(ward.pk for ward in wards_of(person))}


def card_in_reach(person: Person, number: str) -> Card:
    try:
        card = get_card(number)
    except NotFound:
        raise OutOfReach from None
    if card.person_id not in reach(person):
        raise OutOfReach
    return card


def application_in_reach(person: Person, number: str) -> CardApplication:
    try:
        app = get_application(number)
    except NotFound:
        raise OutOfReach from None
    if app.person_id not in reach(person):
        raise OutOfReach
    return app


def not_found(request: HttpRequest, **context: Any) -> HttpResponse:
    return render(request, "portal/not_found.html", context, status=404)


def posted(request: HttpRequest) -> QueryDict | None:
    """The form data of a POST, even an empty one (an unticked box sends nothing), else None."""
    return request.POST if request.method == "POST" else None
