"""The PIN pad at a counter: the clerk opens it for an activation or a PIN reset (the documents
are checked then), the holder types the PIN on it twice, and the card's own service checks
everything again and sets the PIN. The pad's token is shown once; only its hash is kept."""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from typing import Any

from django.db import transaction

from sscard.cards.models import Card
from sscard.cards.permissions import ACTIVATE, RESET_PIN
from sscard.cards.selectors import card_actions
from sscard.cards.services import activate_card, check_counter_documents, clean_documents, reset_pin
from sscard.common import clock
from sscard.common.errors import (
    Conflict,
    DomainError,
    ErrorCode,
    FieldError,
    NotFound,
    ValidationError,
)
from sscard.people.models import Person
from sscard.staff.models import PinPadOutcome, PinPadPurpose, PinPadRequest, StaffMember
from sscard.staff.selectors import actor_for

PIN_PAD_SECONDS = 300


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def open_pin_pad(
    *,
    member: StaffMember,
    purpose: str,
    card: Card,
    presenter: Person,
    relation: str,
    documents: list[str],
) -> tuple[PinPadRequest, str]:
    """Prepare an activation or a PIN reset whose PIN the holder types on the PIN pad.

    What the card's read model refuses, and the documents, are checked now, before the pad is
    handed over; the card's own service checks everything again when the PIN comes. Returns the
    request and the pad's one-time token.
    """
    if purpose not in PinPadPurpose.values:
        raise ValidationError("Unknown PIN pad purpose.", errors=[FieldError("purpose", "")])
    action = ACTIVATE if purpose == PinPadPurpose.ACTIVATE else RESET_PIN
    card_actions(
        card,
        actor_for(member),
        outlet=member.outlet,
        person=presenter,
        relation=relation,
        actions=(action,),
    ).check(action)
    docs = clean_documents(documents)
    check_counter_documents(
        subject=card.person, presenter=presenter, relation=relation, documents=docs
    )
    now = clock.now()
    token = secrets.token_urlsafe(24)
    with transaction.atomic():
        PinPadRequest.objects.filter(member=member, outcome=PinPadOutcome.PENDING).update(
            outcome=PinPadOutcome.CANCELLED, finished_at=now
        )
        pad = PinPadRequest.objects.create(
            token_hash=_token_hash(token),
            member=member,
            purpose=purpose,
            card=card,
            presenter=presenter,
            relation=relation,
            documents=docs,
            created_at=now,
            expires_at=now + dt.timedelta(seconds=PIN_PAD_SECONDS),
        )
    return pad, token


def pin_pad(*, member: StaffMember, token: str) -> PinPadRequest:
    """A member's own PIN pad request; another user's token reads as missing."""
    pad = (
        PinPadRequest.objects.select_related("card", "card__person", "presenter", "member")
        .filter(token_hash=_token_hash(token), member=member)
        .first()
    )
    if pad is None:
        raise NotFound("No such PIN pad request.", code=ErrorCode.PIN_PAD_NOT_FOUND)
    return pad


def pin_pad_open(pad: PinPadRequest) -> bool:
    return pad.outcome == PinPadOutcome.PENDING and pad.expires_at > clock.now()


def _finish(pad: PinPadRequest, outcome: str, failure: DomainError | None = None) -> None:
    fields: dict[str, Any] = {"outcome": outcome, "finished_at": clock.now()}
    if failure is not None:
        fields.update(refusal_code=failure.code, refusal_detail=failure.detail[:300])
    # Only a pending request finishes: a double submit cannot overwrite the first outcome.
    PinPadRequest.objects.filter(pk=pad.pk, outcome=PinPadOutcome.PENDING).update(**fields)
    pad.refresh_from_db()


RETRYABLE = frozenset({ErrorCode.WEAK_PIN, ErrorCode.INVALID_PIN, ErrorCode.PINS_DIFFER})


def enter_pin(*, pad: PinPadRequest, pin: str, pin_again: str) -> PinPadRequest:
    """The holder's PIN, typed twice on the pad, goes to the card's service. A weak or mistyped
    PIN leaves the pad open for another try; any other refusal closes it."""
    if not pin_pad_open(pad):
        raise Conflict(
            "This PIN pad is closed; the clerk opens a new one.", code=ErrorCode.PIN_PAD_CLOSED
        )
    if pin != pin_again:
        raise ValidationError(
            "The two PINs differ.",
            code=ErrorCode.PINS_DIFFER,
            errors=[FieldError("pin_again", "does not match the first PIN")],
        )
    member = pad.member
    member = StaffMember.objects.select_related("user", "outlet", "outlet__bank").get(pk=member.pk)
    actor = actor_for(member)
    service = activate_card if pad.purpose == PinPadPurpose.ACTIVATE else _reset
    try:
        service(
            actor=actor,
            card=pad.card,
            pin=pin,
            documents=list(pad.documents),
            presenter=pad.presenter,
            relation=pad.relation,
            outlet=member.outlet,
        )
    except DomainError as refused:
        if refused.code not in RETRYABLE:
            _finish(pad, PinPadOutcome.REFUSED, refused)
        raise
    _finish(pad, PinPadOutcome.DONE)
    return pad


def _reset(*, pin: str, **kwargs: Any) -> Card:
    return reset_pin(new_pin=pin, **kwargs)


def cancel_pin_pad(*, pad: PinPadRequest) -> PinPadRequest:
    _finish(pad, PinPadOutcome.CANCELLED)
    return pad
