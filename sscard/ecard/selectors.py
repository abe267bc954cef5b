"""Reading electronic cards: the one in force of a person, the card it may be bound to, and what
an online verification needs to know of a code's electronic card in one read."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sscard.cards.models import IN_HAND_STATUSES, Card
from sscard.cards.person_cards import card_in_hand
from sscard.cards.selectors import (
    STATUS_FIELDS,
    Effective,
    aware,
    effective_of_row,
    status_columns,
)
from sscard.common.database import hot_row
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


@dataclass(frozen=True)
class CodeHolder:
    """An electronic card as an online verification reads it: whether it is in force, its
    card's live (effective) status, and the holder's name (masked before it is shown)."""

    ecard_id: int
    in_force: bool
    last_used_at: dt.datetime | None
    card_number: str
    issuing_region_code: str
    holder_name: str
    effective: Effective


def _column(model: type, name: str) -> str:
    return str(model._meta.get_field(name).column)  # type: ignore[attr-defined]


# One indexed row (the serial is unique) joined to its card and holder: the card's status is read
# live in the same statement, never from a copy.
_HOLDER_SQL = (
    "SELECT e.{id}, e.{revoked}, e.{last_used}, c.{number}, c.{region}, p.{name}, {status} "
    "FROM {ecards} e JOIN {cards} c ON c.{card_pk} = e.{card} "
    "JOIN {people} p ON p.{person_pk} = e.{person} WHERE e.{serial} = %s"
).format(
    id=_column(ElectronicCard, "id"),
    revoked=_column(ElectronicCard, "revoked_at"),
    last_used=_column(ElectronicCard, "last_used_at"),
    card=_column(ElectronicCard, "card"),
    person=_column(ElectronicCard, "person"),
    serial=_column(ElectronicCard, "serial"),
    number=_column(Card, "number"),
    region=_column(Card, "issuing_region_code"),
    card_pk=_column(Card, "id"),
    name=_column(Person, "name"),
    person_pk=_column(Person, "id"),
    status=status_columns("c"),
    ecards=ElectronicCard._meta.db_table,
    cards=Card._meta.db_table,
    people=Person._meta.db_table,
)


def code_holder(serial: str, *, now: dt.datetime) -> CodeHolder | None:
    """The electronic card with this serial, its card's status at `now` and its holder; None if
    there is none."""
    row = hot_row(_HOLDER_SQL, [serial])
    if row is None:
        return None
    ecard_id, revoked_at, last_used_at, number, region, name, *status = row
    assert len(status) == len(STATUS_FIELDS)
    return CodeHolder(
        ecard_id=ecard_id,
        in_force=revoked_at is None,
        last_used_at=aware(last_used_at),
        card_number=number,
        issuing_region_code=region,
        holder_name=name,
        effective=effective_of_row(status, now),
    )
