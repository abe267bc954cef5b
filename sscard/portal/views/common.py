"""What every view of a signed-in person needs: whose cards they may see, and a page that says
"not found" for everything else (never "not yours": that would tell the card exists)."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

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


R = TypeVar("R", Card, CardApplication)


def _in_reach(person: Person, get: Callable[[str], R], number: str) -> R:
    try:
        found = get(number)
    except NotFound:
        raise OutOfReach from None
    if not in_reach(person, found.person_id):
        raise OutOfReach
    return found


def card_in_reach(person: Person, number: str) -> Card:
    return _in_reach(person, get_card, number)


def application_in_reach(person: Person, number: str) -> CardApplication:
    return _in_reach(person, get_application, number)


def not_found(request: HttpRequest, **context: Any) -> HttpResponse:
    return render(request, "portal/not_found.html", context, status=404)


def reached(
    find: Callable[[Person, str], R],
) -> Callable[
    [Callable[[HttpRequest, R], HttpResponse]], Callable[[HttpRequest, str], HttpResponse]
]:
    """A page of one card or application (`find`: `card_in_reach`, `application_in_reach`),
    called with it when it is in the signed-in person's reach; anything else is not found."""

    def decorate(
        view: Callable[[HttpRequest, R], HttpResponse],
    ) -> Callable[[HttpRequest, str], HttpResponse]:
        @wraps(view)
        def wrapped(request: HttpRequest, number: str) -> HttpResponse:
            try:
                found = find(request.person, number)  # type: ignore[attr-defined]
            except OutOfReach:
                return not_found(request)
            return view(request, found)

        return wrapped

    return decorate


def posted(request: HttpRequest) -> QueryDict | None:
    """The form data of a POST, even an empty one (an unticked box sends nothing), else None."""
    return request.POST if request.method == "POST" else None
