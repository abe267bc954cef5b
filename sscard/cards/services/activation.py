"""Activation of a collected card, and its PIN: verification at a point of use, reset and
unlock at a counter (DOMAIN.md section 7)."""

from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction

from sscard.cards.models import BankStatus, Card, CardStatus
from sscard.cards.permissions import check_card_action
from sscard.cards.pins import check_pin_strength, hash_pin, pin_matches
from sscard.cards.selectors import effective_of
from sscard.cards.services.shared import (
    card_event,
    card_snapshot,
    check_counter_documents,
    clean_documents,
    locked_card,
    require_channel,
    require_outlet_service,
    save_card,
)
from sscard.common.context import COUNTER_CHANNELS, Actor
from sscard.common.errors import Conflict, DomainError, Forbidden
from sscard.notifications.services import notify
from sscard.outlets.models import Outlet, Service
from sscard.people.models import Person
from sscard.policy.selectors import policy_for_region


def activate_card(
    *,
    actor: Actor,
    card: Card,
    pin: str,
    documents: list[str] | None = None,
    presenter: Person | None = None,
    relation: str = "self",
    outlet: Outlet | None = None,
) -> Card:
    """Activate a collected card and set its PIN, at a window or bank with the original ID."""
    check_card_action(actor, card, "activate_card")
    require_channel(actor, COUNTER_CHANNELS, "Activation")
    require_outlet_service(outlet, Service.ACTIVATION)
    docs = clean_documents(documents)
    check_counter_documents(
        subject=card.person, presenter=presenter or card.person, relation=relation, documents=docs
    )
    check_pin_strength(pin, social_security_number=card.person.social_security_number)
    pin_hash = hash_pin(pin)
    with transaction.atomic():
        card = locked_card(card)
        if card.status in (CardStatus.IN_PRODUCTION, CardStatus.AWAITING_COLLECTION):
            raise Conflict(
                "The card has not been collected yet.",
                code="card_not_collected",
                card_status=card.status,
            )
        if card.status != CardStatus.SEALED or effective_of(card).status == CardStatus.EXPIRED:
            raise Conflict(
                f"The card is {card.status.replace('_', ' ')}; only a collected card "
                "can be activated.",
                code="card_not_activatable",
                card_status=card.status,
            )
        before = card_snapshot(card)
        card.status, card.pin_hash, card.wrong_pins = CardStatus.NORMAL, pin_hash, 0
        if card.account_number and card.bank_status == BankStatus.NOT_OPENED:
            card.bank_status = BankStatus.NORMAL
        save_card(card, "status", "pin_hash", "wrong_pins", "bank_status")
        card_event(actor, "card.activated", card, before)
        notify(subject=card.person, topic="activated", params={"card_number": card.number})
        return card


@dataclass(frozen=True)
class PinCheck:
    valid: bool
    attempts_left: int


def verify_pin(*, actor: Actor, card: Card, pin: str) -> PinCheck:
    """Check a PIN at a point of use. Wrong PINs count, and the count survives the refusal."""
    check_card_action(actor, card, "verify_pin")
    failure: DomainError | None = None
    with transaction.atomic():
        card = locked_card(card)
        state = effective_of(card)
        if state.status == CardStatus.PIN_LOCKED:
            raise DomainError(
                "The PIN is locked; unlock it at a window or bank outlet.",
                code="pin_locked",
                status=423,
            )
        if state.status != CardStatus.NORMAL:
            raise Conflict(
                f"The card is {state.status.replace('_', ' ')}.",
                code="card_not_usable",
                card_status=state.status,
            )
        limit = policy_for_region(card.issuing_region_code).wrong_pins_before_lock
        if pin_matches(card.pin_hash, pin):
            if card.wrong_pins:
                before = card_snapshot(card)
                card.wrong_pins = 0
                save_card(card, "wrong_pins")
                card_event(actor, "card.pin_counter_reset", card, before)
            return PinCheck(True, limit)
        before = card_snapshot(card)
        card.wrong_pins += 1
        if card.wrong_pins >= limit:
            card.status = CardStatus.PIN_LOCKED
            save_card(card, "wrong_pins", "status")
            card_event(actor, "card.pin_locked", card, before)
            notify(subject=card.person, topic="pin_locked", params={"card_number": card.number})
            failure = DomainError(
                "Wrong PIN; the PIN is now locked.", code="pin_locked", status=423, attempts_left=0
            )
        else:
            save_card(card, "wrong_pins")
            card_event(actor, "card.pin_wrong", card, before)
            left = limit - card.wrong_pins
            failure = Forbidden(
                f"Wrong PIN; {left} attempts left.", code="wrong_pin", attempts_left=left
            )
    assert failure is not None
    raise failure


def reset_pin(
    *,
    actor: Actor,
    card: Card,
    new_pin: str,
    documents: list[str] | None = None,
    presenter: Person | None = None,
    relation: str = "self",
    outlet: Outlet | None = None,
) -> Card:
    """Set a new PIN and unlock, only at a window or bank with the original ID."""
    check_card_action(actor, card, "reset_pin")
    require_channel(actor, COUNTER_CHANNELS, "A PIN reset")
    require_outlet_service(outlet, Service.PIN_RESET)
    docs = clean_documents(documents)
    check_counter_documents(
        subject=card.person, presenter=presenter or card.person, relation=relation, documents=docs
    )
    check_pin_strength(new_pin, social_security_number=card.person.social_security_number)
    pin_hash = hash_pin(new_pin)
    with transaction.atomic():
        card = locked_card(card)
        state = effective_of(card)
        if state.status not in (CardStatus.NORMAL, CardStatus.PIN_LOCKED):
            raise Conflict(
                f"The card is {state.status.replace('_', ' ')}; its PIN cannot be reset.",
                code="card_not_usable",
                card_status=state.status,
            )
        before = card_snapshot(card)
        card.status, card.pin_hash, card.wrong_pins = CardStatus.NORMAL, pin_hash, 0
        save_card(card, "status", "pin_hash", "wrong_pins")
        card_event(actor, "card.pin_reset", card, before)
        return card
