"""Who is signed in to the portal: a person's key in the session, nothing else.

Sessions are Django's (database-backed, HttpOnly, SameSite=Lax, Secure when deployed); they
end after SESSION_COOKIE_AGE without activity, because every request renews them. The key is
cycled at sign-in (no session fixation) and the whole session flushed at sign-out.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any
from urllib.parse import urlencode

from django.http import HttpRequest, HttpResponseBase, HttpResponseRedirect
from django.urls import reverse
from django.utils.cache import add_never_cache_headers
from django.utils.http import url_has_allowed_host_and_scheme

from sscard.common import logs
from sscard.common.context import Actor, Channel
from sscard.people.models import Person

PERSON_KEY = "portal.person"
PENDING_KEY = "portal.pending"  # between the two sign-in steps: no whole ID number or phone
NEXT_KEY = "portal.next"


def signed_in_person(request: HttpRequest) -> Person | None:
    pk = request.session.get(PERSON_KEY)
    if pk is None:
        return None
    return Person.objects.filter(pk=pk).first()


def sign_in(request: HttpRequest, person: Person) -> None:
    nxt = request.session.get(NEXT_KEY)
    request.session.cycle_key()
    request.session.pop(PENDING_KEY, None)
    request.session[PERSON_KEY] = person.pk
    if nxt:
        request.session[NEXT_KEY] = nxt


def sign_out(request: HttpRequest) -> None:
    request.session.flush()


def actor(person: Person) -> Actor:
    return Actor.citizen(person.pk, Channel.WEB)


def safe_next(request: HttpRequest, value: str | None) -> str | None:
    if value and url_has_allowed_host_and_scheme(
        value, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return value
    return None


def after_sign_in(request: HttpRequest) -> str:
    return safe_next(request, request.session.pop(NEXT_KEY, None)) or reverse("portal:cards")


def citizen_required(
    view: Callable[..., HttpResponseBase],
) -> Callable[..., HttpResponseBase]:
    """Pages of a signed-in person; others are sent to sign in and brought back afterwards."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        person = signed_in_person(request)
        if person is None:
            target = request.get_full_path() if request.method == "GET" else ""
            url = reverse("portal:sign_in")
            if target:
                url += "?" + urlencode({"next": target})
            return HttpResponseRedirect(url)
        request.person = person  # type: ignore[attr-defined]
        logs.note_actor(actor(person))
        response = view(request, *args, **kwargs)
        # Personal pages are not kept by the browser or a shared cache (a phone passed around).
        add_never_cache_headers(response)
        return response

    return wrapper
