"""A card's holder and who stands for them: the regional policy that applies to a person,
whether they act alone, who may act for them, and who is told about their card.

These reads need the person's newest card (its issuing region names their policy), so they
live here, above people: cards, applications and the interfaces ask them.
"""

from __future__ import annotations

from typing import Any

from sscard.cards.models import Card
from sscard.cards.person_cards import cards_of
from sscard.common import clock
from sscard.common.errors import ErrorCode, FieldError, Forbidden, ValidationError
from sscard.notifications.models import OutboxMessage
from sscard.notifications.services import queue_notifications
from sscard.people.ids import age_on
from sscard.people.models import Guardianship, Person
from sscard.people.selectors import guardians_of, guardianship, is_ward_of_full_age
from sscard.policy.models import RegionalPolicy
from sscard.policy.selectors import policy_for_region


def policy_for_card(card: Card) -> RegionalPolicy:
    """The policy of the region that issued the card (DOMAIN.md section 8: a policy belongs to
    an issuing region)."""
    return policy_for_region(card.issuing_region_code)


def policy_for_person(person: Person) -> RegionalPolicy:
    """The policy of the region that issued the person's newest card (people move away from
    the region in their ID number); without a card, the ID number's region."""
    region = cards_of(person).values_list("issuing_region_code", flat=True).first()
    return policy_for_region(region or person.region_code)


def acts_alone(person: Person) -> bool:
    """From the policy's age (16 by default; the person's policy, `policy_for_person`) a holder
    may act without a guardian, unless a guardian acts for them on a court's finding or a
    designation."""
    if age_on(person.birth_date, clock.today()) < policy_for_person(person).age_acting_alone:
        return False
    return not is_ward_of_full_age(person)


def check_acting_party(*, subject: Person, actor: Person, relation: str) -> Guardianship | None:
    """Whoever acts for another person must be that person's recorded guardian.

    Returns the guardianship when a guardian acts, None when the holder acts alone.
    """
    if actor.pk == subject.pk:
        if relation not in ("self", ""):
            raise ValidationError(
                "A person acting for themselves has the relation 'self'.",
                code=ErrorCode.INVALID_RELATION,
                errors=[FieldError("relation", "must be 'self' for one's own card")],
            )
        if not acts_alone(subject):
            raise Forbidden(
                "This holder is under the age at which a holder acts alone; a guardian must act.",
                code=ErrorCode.GUARDIAN_REQUIRED,
            )
        return None
    if relation == "self":
        raise ValidationError(
            "Someone acting for another person is their guardian, not 'self'.",
            code=ErrorCode.INVALID_RELATION,
            errors=[FieldError("relation", "must be guardian when acting for another person")],
        )
    found = guardianship(actor, subject)
    if found is None:
        raise Forbidden(
            "Only a recorded guardian may act for another person.", code=ErrorCode.NOT_GUARDIAN
        )
    return found


def notification_recipients(person: Person) -> list[Person]:
    """Who is told about a person's card: the holder, or the guardians of one who does not act
    alone (a minor, or a ward on a court's finding or a designation)."""
    if acts_alone(person):
        return [person]
    return guardians_of(person) or [person]


def notify(*, subject: Person, topic: str, params: dict[str, Any]) -> list[OutboxMessage]:
    """Tell the holder, or the guardians where the holder does not act alone."""
    return queue_notifications(
        subject=subject, recipients=notification_recipients(subject), topic=topic, params=params
    )
