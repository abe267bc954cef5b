"""Reading electronic cards: the one in force of a person, and the card it may be bound to."""

from __future__ import annotations

from sscard.cards.models import IN_HAND_STATUSES, Card
from sscard.cards.person_cards import card_in_hand
from sscard.ecard.models import ElectronicCard
from sscard.people.models import Person

# A collected card in the holder's hand (sealed, activated, or with its PIN locked).
COLLECTED = IN_HAND_STATUSES


def ecard_in_force(person: Person) -> ElectronicCard | None:
    return (
        ElectronicCard.objects.select_related("card")
        .filter(person=person, revoked_at__isnull=True)
        .first()
    )


def latest_ecard(person: Person) -> ElectronicCard | None:
    """The one in force, else the last revoked: what the console shows."""
    return (
        ecard_in_force(person)
        or ElectronicCard.objects.select_related("card")
        .filter(person=person)
        .order_by("-revoked_at")
        .first()
    )


def collected_card(person: Person) -> Card | None:
    """The card an electronic card is bound to: the one in the person's hand, if collected."""
    card = card_in_hand(person)
    if card is None or card.status not in COLLECTED:
        return None
    return card
