"""Who is at the terminal: a person's key in the session, how they identified, and when they
last touched the screen; nothing else.

A session ends by itself after `KIOSK_IDLE_SECONDS` without a touch (the page warns first, then
goes to the end address, which flushes the session); the server ends it too when a request
comes after the idle time and the warning, so a page left open cannot be taken over. Personal
pages are sent with Cache-Control no-store, so that the back button shows nothing of them.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from functools import wraps
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponseBase, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.cache import add_never_cache_headers

from sscard.common import logs
from sscard.common.context import Actor, Channel
from sscard.kiosk.terminal import Terminal, terminal_of
from sscard.people.models import Person

PERSON_KEY = "kiosk.person"
BY_KEY = "kiosk.by"  # how the person identified: one of the BY_ values below
SEEN_KEY = "kiosk.seen"
BY_ID_CARD, BY_TYPED, BY_CARD_PIN = "id_card", "typed_id_number", "card_pin"


def idle_seconds() -> int:
    return int(settings.KIOSK_IDLE_SECONDS)


def warning_seconds() -> int:
    return int(settings.KIOSK_WARNING_SECONDS)


def start(request: HttpRequest, person: Person, by: str) -> None:
    request.session.cycle_key()
    request.session[PERSON_KEY] = person.pk
    request.session[BY_KEY] = by
    request.session[SEEN_KEY] = time.time()


def end(request: HttpRequest) -> None:
    request.session.flush()


def holder(request: HttpRequest) -> Person | None:
    """The person at the terminal, if a session runs and has not gone idle."""
    pk = request.session.get(PERSON_KEY)
    if pk is None:
        return None
    seen = float(request.session.get(SEEN_KEY, 0))
    if time.time() - seen > idle_seconds() + warning_seconds():
        end(request)
        return None
    request.session[SEEN_KEY] = time.time()
    return Person.objects.filter(pk=pk).first()


def identified_by(request: HttpRequest) -> str:
    return str(request.session.get(BY_KEY, ""))


def actor(terminal: Terminal, person: Person) -> Actor:
    return Actor.citizen(person.pk, Channel.KIOSK, outlet_code=terminal.outlet.code)


def not_set_up(request: HttpRequest) -> HttpResponseBase:
    return render(request, "kiosk/not_set_up.html", status=403)


def terminal_required(view: Callable[..., HttpResponseBase]) -> Callable[..., HttpResponseBase]:
    """Every page of the terminal: an enrolled terminal only."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        terminal = terminal_of(request)
        if terminal is None:
            return not_set_up(request)
        request.terminal = terminal  # type: ignore[attr-defined]
        response = view(request, *args, **kwargs)
        add_never_cache_headers(response)
        return response

    return wrapper


def holder_required(view: Callable[..., HttpResponseBase]) -> Callable[..., HttpResponseBase]:
    """Pages of the person at the terminal; without one, the start screen."""

    @terminal_required
    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        person = holder(request)
        if person is None:
            return HttpResponseRedirect(reverse("kiosk:start"))
        request.person = person  # type: ignore[attr-defined]
        request.actor = actor(request.terminal, person)  # type: ignore[attr-defined]
        logs.note_actor(request.actor)  # type: ignore[attr-defined]
        return view(request, *args, **kwargs)

    return wrapper
