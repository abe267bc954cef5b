"""Activation of a collected card, and its PIN: verification at a point of use, a change by
the holder who knows it (at a self-service terminal), reset and unlock at a counter (DOMAIN.md
section 7). When each may be done is the read model's (`sscard.cards.permissions`)."""

from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction

from sscard.cards.holders import notify, policy_for_card
from sscard.cards.models import LIVE_STATUSES, BankStatus, Card, CardStatus
from sscard.cards.permissions import ACTIVATE, RESET_PIN, VERIFY_PIN
from sscard.cards.pins import check_pin_strength, hash_pin, pin_matches
from sscard.cards.selectors import check_before_the_lock, check_under_the_lock
from sscard.cards.services.cancellation import cancel_card
from sscard.cards.services.shared import (
    card_event,
    card_snapshot,
    check_counter_documents,
    clean_documents,
    locked_card,
    save_card,
)
from sscard.cards.signals import card_activated, pin_locked
from sscard.common.context import Actor
from sscard.common.errors import DomainError, ErrorCode, Forbidden
from sscard.common.locking import lock
from sscard.outlets.models import Outlet
from sscard.people.models import Person


def _at_the_counter(
    *,
    actor: Actor,
    card: Card,
    action: str,
    pin: str,
    documents: list[str] | None,
    presenter: Person | None,
    relation: str,
    outlet: Outlet | None,
) -> str:
    """What activation and a PIN reset check before the lock: the read model, the original
    documents on the desk, and the new PIN's strength. Returns the PIN's hash."""
    presenter = presenter or card.person
    check_before_the_lock(card, actor, action, outlet=outlet, person=presenter, relation=relation)
    docs = clean_documents(documents)
    check_counter_documents(
        subject=card.person, presenter=presenter, relation=relation, documents=docs
    )
    check_pin_strength(pin, social_security_number=card.person.social_security_number)
    return hash_pin(pin)


def _replaced_cards(card: Card) -> list[Card]:
    """The holder's other card still in use (a card renewed before its expiry works until the
    new one is activated), locked with the new card in key order: it is cancelled now."""
    others = Card.objects.filter(person_id=card.person_id, status__in=LIVE_STATUSES).exclude(
        pk=card.pk
    )
    locked = lock(Card, [card.pk, *others.values_list("pk", flat=True)])
    return [row for pk, row in locked.items() if pk != card.pk and row.status in LIVE_STATUSES]


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
    pin_hash = _at_the_counter(
        actor=actor,
        card=card,
        action=ACTIVATE,
        pin=pin,
        documents=documents,
        presenter=presenter,
        relation=relation,
        outlet=outlet,
    )
    with transaction.atomic():
        replaced = _replaced_cards(card)
        card = locked_card(card)
        check_under_the_lock(card, actor, ACTIVATE)
        for old in replaced:
            cancel_card(actor=actor, card=old, reason="replaced: the new card is activated")
        before = card_snapshot(card)
        card.status, card.pin_hash, card.wrong_pins = CardStatus.NORMAL, pin_hash, 0
        if card.account_number and card.bank_status == BankStatus.NOT_OPENED:
            card.bank_status = BankStatus.NORMAL
        save_card(card, "status", "pin_hash", "wrong_pins", "bank_status")
        card_event(actor, "card.activated", card, before)
        notify(subject=card.person, topic="activated", params={"card_number": card.number})
        card_activated.send(sender=Card, card=card, actor=actor)
        return card


@dataclass(frozen=True)
class PinCheck:
    valid: bool
    attempts_left: int


def verify_pin(*, actor: Actor, card: Card, pin: str) -> PinCheck:
    """Check a PIN at a point of use. Wrong PINs count, and the count survives the refusal."""
    check_before_the_lock(card, actor, VERIFY_PIN)
    failure: DomainError | None = None
    with transaction.atomic():
        card = locked_card(card)
        check_under_the_lock(card, actor, VERIFY_PIN)
        limit = policy_for_card(card).wrong_pins_before_lock
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
            transaction.on_commit(
                lambda: pin_locked.send(sender=Card, card=card, channel=actor.channel)
            )
            notify(subject=card.person, topic="pin_locked", params={"card_number": card.number})
            failure = DomainError(
                "Wrong PIN; the PIN is now locked.",
                code=ErrorCode.PIN_LOCKED,
                status=423,
                attempts_left=0,
            )
        else:
            save_card(card, "wrong_pins")
            card_event(actor, "card.pin_wrong", card, before)
            left = limit - card.wrong_pins
            failure = Forbidden(
                f"Wrong PIN; {left} attempts left.", code=ErrorCode.WRONG_PIN, attempts_left=left
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
    pin_hash = _at_the_counter(
        actor=actor,
        card=card,
        action=RESET_PIN,
        pin=new_pin,
        documents=documents,
        presenter=presenter,
        relation=relation,
        outlet=outlet,
    )
    with transaction.atomic():
        card = locked_card(card)
        check_under_the_lock(card, actor, RESET_PIN)
        before = card_snapshot(card)
        card.status, card.pin_hash, card.wrong_pins = CardStatus.NORMAL, pin_hash, 0
        save_card(card, "status", "pin_hash", "wrong_pins")
        card_event(actor, "card.pin_reset", card, before)
        return card


def change_pin(*, actor: Actor, card: Card, old_pin: str, new_pin: str) -> Card:
    """The holder changes the PIN: the old one first, then the new one (DOMAIN.md section 13).

    A weak or malformed new PIN is refused before anything is checked or counted. The old PIN
    is checked exactly as at a point of use (`verify_pin`): a wrong one counts toward the lock,
    and the count survives the refusal.
    """
    check_before_the_lock(card, actor, VERIFY_PIN)
    check_pin_strength(new_pin, social_security_number=card.person.social_security_number)
    pin_hash = hash_pin(new_pin)
    verify_pin(actor=actor, card=card, pin=old_pin)
    with transaction.atomic():
        card = locked_card(card)
        check_under_the_lock(card, actor, VERIFY_PIN)
        before = card_snapshot(card)
        card.pin_hash, card.wrong_pins = pin_hash, 0
        save_card(card, "pin_hash", "wrong_pins")
        card_event(actor, "card.pin_changed", card, before)
        return card
