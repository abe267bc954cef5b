"""Cards: the status lookup at every point of use (one card, or up to 100 at once), the card
itself, activation and PINs."""

from __future__ import annotations

import json
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from ninja import Router
from ninja.decorators import decorate_view
from ninja.responses import NinjaJSONEncoder

from sscard.api.auth import Principal, principal_of
from sscard.api.idempotency import idempotent
from sscard.api.problems import domain_problem_body
from sscard.api.render import card_brief, card_full, seen_by
from sscard.api.schemas import (
    ERRORS,
    ActivationIn,
    CardOut,
    CardStatusBatchIn,
    CardStatusBatchOut,
    CardStatusOut,
    PinIn,
    PinOut,
    PinResetIn,
    PinResetOut,
    PresenterIn,
    Problem,
)
from sscard.cards.models import Card
from sscard.cards.selectors import (
    CardStatusView,
    card_not_found,
    card_status,
    card_statuses,
    get_card,
)
from sscard.cards.services import activate_card, reset_pin, verify_pin
from sscard.common.errors import ErrorCode, NotFound
from sscard.partners.models import Scope
from sscard.people.models import Person
from sscard.people.selectors import get_person

router = Router(tags=["cards"])


def card_for(principal: Principal, card_number: str) -> Card:
    card = get_card(card_number)
    principal.check_card(
        person_id=card.person_id,
        bank_id=card.bank_id,
        not_found=NotFound("No card with this number.", code=ErrorCode.CARD_NOT_FOUND),
    )
    return card


def presenter_of(card: Card, presenter: PresenterIn | None) -> tuple[Person, str]:
    if presenter is None:
        return card.person, "self"
    return get_person(presenter.social_security_number, field="presenter"), presenter.relation


def _at_desk(
    request: HttpRequest, scope: Scope, card_number: str, payload: ActivationIn | PinResetIn
) -> tuple[Principal, dict[str, Any]]:
    """What activating a card and resetting its PIN share: who acts, on which card, for whom,
    with which documents, at which outlet (the service's arguments but the PIN)."""
    principal = principal_of(request)
    principal.require(scope)
    card = card_for(principal, card_number)
    presenter, relation = presenter_of(card, payload.presenter)
    return principal, {
        "actor": principal.actor(),
        "card": card,
        "documents": list(payload.documents),
        "presenter": presenter,
        "relation": relation,
        "outlet": principal.outlet,
    }


# What ninja's JSON renderer answers with (NinjaAPI.get_content_type).
JSON_CONTENT_TYPE = "application/json; charset=utf-8"


def _status_members(view: CardStatusView) -> dict[str, Any]:
    """The members of the status lookup's answer (`CardStatusOut`), for ninja's JSON encoder; a
    moment in the service's time zone, as `Moment` serializes it."""
    blocked_until = view.blocked_until
    return {
        "card_number": view.card_number,
        "status": view.status,
        "usable": view.usable,
        "bank_status": view.bank_status,
        "expires_on": view.expires_on,
        "blocked_until": None if blocked_until is None else timezone.localtime(blocked_until),
    }


def status_json(view: CardStatusView) -> str:
    """The status lookup's answer, byte for byte as ninja renders `CardStatusOut` (its JSON
    encoder), written without the schema: validating values the selector has just computed,
    and then ninja validating the schema again, cost more than the card's query
    (BENCHMARKS.md)."""
    return json.dumps(_status_members(view), cls=NinjaJSONEncoder)


BATCH_DESCRIPTION = """\
The status lookup for up to 100 cards in one request, for tills and settlement systems. Each
item is what `GET /cards/{card_number}/status` answers for that number, in the order asked (a
number asked twice is answered twice); a number that is no card's, unknown or malformed, is an
item `{"card_number", "error"}` whose `error` is the lookup's `card_not_found` problem, not a
failure of the batch. Every card is read live, as the single lookup reads it: a card blocked a
moment ago reads not usable. No numbers, or more than 100: 422 `validation_error`.
"""


# Registered before `/cards/{card_number}`: Django tries the paths in order, and that pattern
# matches `cards/status:batch` too (answering 405 to a POST).
@router.post(
    "/cards/status:batch",
    response={200: CardStatusBatchOut, 401: Problem, 403: Problem, 422: Problem},
    summary="Are these cards usable? (up to 100 at once)",
    description=BATCH_DESCRIPTION,
    operation_id="getCardStatusBatch",
)
def status_batch(request: HttpRequest, payload: CardStatusBatchIn) -> HttpResponse:
    principal_of(request).require(Scope.CARDS_VERIFY)
    views = card_statuses(payload.card_numbers)
    missing = domain_problem_body(card_not_found())
    # Each item written as the single lookup writes its answer (`status_json`), without the
    # schema: ninja's validation of 100 items (each field read through its Django-style getter)
    # cost several times the query.
    items = [
        _status_members(view) if view is not None else {"card_number": asked, "error": missing}
        for asked, view in zip(payload.card_numbers, views, strict=True)
    ]
    return HttpResponse(
        json.dumps({"items": items}, cls=NinjaJSONEncoder), content_type=JSON_CONTENT_TYPE
    )


@router.get(
    "/cards/{card_number}/status",
    response={200: CardStatusOut, 401: Problem, 403: Problem, 404: Problem},
    summary="Is this card usable? (the hot path)",
    operation_id="getCardStatus",
)
def status(request: HttpRequest, card_number: str) -> HttpResponse:
    principal_of(request).require(Scope.CARDS_VERIFY)
    return HttpResponse(status_json(card_status(card_number)), content_type=JSON_CONTENT_TYPE)


@router.get(
    "/cards/{card_number}",
    response={200: CardOut, **ERRORS},
    summary="Read a card",
    operation_id="getCard",
)
def read(request: HttpRequest, card_number: str) -> dict[str, Any]:
    principal = principal_of(request)
    principal.require(Scope.CARDS_READ, citizen_ok=True)
    card = card_for(principal, card_number)
    return card_full(card, seen_by(principal))


@router.post(
    "/cards/{card_number}/activation",
    response={200: CardOut, **ERRORS},
    summary="Activate a collected card and set its PIN",
    operation_id="activateCard",
)
@decorate_view(idempotent)
def activation(request: HttpRequest, card_number: str, payload: ActivationIn) -> dict[str, Any]:
    principal, at_desk = _at_desk(request, Scope.CARDS_ACTIVATE, card_number, payload)
    card = activate_card(**at_desk, pin=payload.pin)
    return card_full(card, seen_by(principal))


@router.post(
    "/cards/{card_number}/pin/verify",
    response={200: PinOut, **ERRORS, 423: Problem},
    summary="Check a PIN",
    operation_id="verifyPin",
)
def pin_verify(request: HttpRequest, card_number: str, payload: PinIn) -> PinOut:
    principal = principal_of(request)
    principal.require(Scope.PINS_VERIFY)
    card = card_for(principal, card_number)
    check = verify_pin(actor=principal.actor(), card=card, pin=payload.pin)
    return PinOut(valid=check.valid, attempts_left=check.attempts_left)


@router.post(
    "/cards/{card_number}/pin/reset",
    response={200: PinResetOut, **ERRORS},
    summary="Set a new PIN; unlocks a locked card",
    operation_id="resetPin",
)
def pin_reset(request: HttpRequest, card_number: str, payload: PinResetIn) -> dict[str, Any]:
    _, at_desk = _at_desk(request, Scope.PINS_RESET, card_number, payload)
    card = reset_pin(**at_desk, new_pin=payload.new_pin)
    brief = card_brief(card)
    return {"card_number": card.number, "status": brief["status"], "usable": brief["usable"]}
