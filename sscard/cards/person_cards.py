"""A person's cards: all of them newest first, the newest, and the one in their hand. Every
read of "this person's cards" asks here, so that "newest" means one thing everywhere.

`related` names the relations to load with the cards (`select_related`), for a caller that
reads them on each card.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import QuerySet

from sscard.cards.models import LIVE_STATUSES, Card
from sscard.people.models import Person

# Newest first: the highest generation, and of one generation the last made.
NEWEST_FIRST = ("-generation", "-pk")


def _of(person: Person, related: Iterable[str]) -> QuerySet[Card]:
    rows = Card.objects.filter(person=person)
    related = tuple(related)
    return rows.select_related(*related) if related else rows


def cards_of(person: Person, *, related: Iterable[str] = ()) -> QuerySet[Card]:
    """The person's cards, newest first."""
    return _of(person, related).order_by(*NEWEST_FIRST)


def newest_card(person: Person, *, related: Iterable[str] = ()) -> Card | None:
    """The person's newest card, whatever its status; None if they never had one."""
    return cards_of(person, related=related).first()


def card_in_hand(person: Person, *, related: Iterable[str] = ()) -> Card | None:
    """The card in the person's hand: the live one (at most one is), else the newest."""
    live = _of(person, related).filter(status__in=[s.value for s in LIVE_STATUSES]).first()
    return live or newest_card(person, related=related)
