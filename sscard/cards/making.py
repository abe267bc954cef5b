"""The card being made (DOMAIN.md section 3): numbered when production starts, made, and
collected. The writes on a new card's row, each with its audit event.

The application services call these as the bank reports each step; the card's own rows are
written only here and in the other card services. The caller holds the locks.
"""

from __future__ import annotations

import datetime as dt

from sscard.cards.models import BankStatus, Card, CardStatus
from sscard.cards.numbers import card_number_for, new_account_number, new_identification_code
from sscard.cards.services import card_event, card_snapshot
from sscard.common import clock
from sscard.common.context import Actor
from sscard.common.models import next_value
from sscard.partners.models import Bank
from sscard.people.models import Person
from sscard.policy.selectors import policy_for_region


def _add_years(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)


def number_new_card(
    *, person: Person, bank: Bank | None, replaces: Card | None, region_code: str
) -> Card:
    """sscard numbers the new card when production starts. It is issued by the region of the
    card it replaces, else by `region_code` (where it was applied for), and valid for that
    region's policy's years. The account moves to the new card at the same bank; another bank
    opens a new one. A retry after a failed production makes the same generation again."""
    now, today = clock.now(), clock.today()
    region = replaces.issuing_region_code if replaces is not None else region_code
    bank_id = bank.pk if bank is not None else None
    keeps_account = replaces is not None and replaces.account_number and replaces.bank_id == bank_id
    card = Card(
        number=card_number_for(next_value("card_number")),
        identification_code=new_identification_code(),
        person=person,
        issuing_region_code=region,
        issued_on=today,
        expires_on=_add_years(today, policy_for_region(region).card_validity_years),
        bank=bank,
        account_number=(
            replaces.account_number
            if replaces is not None and keeps_account
            else new_account_number()
        ),
        generation=(replaces.generation + 1) if replaces is not None else 1,
        status=CardStatus.IN_PRODUCTION,
        bank_status=BankStatus.NOT_OPENED,
        created_at=now,
        updated_at=now,
    )
    card.save(force_insert=True)
    card_event(Actor.system(), "card.numbered", card, {})
    return card


def _move(*, actor: Actor, card: Card, status: str, action: str) -> Card:
    before = card_snapshot(card)
    card.status = status
    card.updated_at = clock.now()
    card.save(update_fields=["status", "updated_at"])
    card_event(actor, action, card, before)
    return card


def mark_card_made(*, actor: Actor, card: Card) -> Card:
    """The card is made: it waits for its holder, at an outlet or in the post."""
    return _move(actor=actor, card=card, status=CardStatus.AWAITING_COLLECTION, action="card.made")


def mark_card_collected(*, actor: Actor, card: Card) -> Card:
    """The holder has the card: it is sealed until activated with a PIN."""
    return _move(actor=actor, card=card, status=CardStatus.SEALED, action="card.collected")
