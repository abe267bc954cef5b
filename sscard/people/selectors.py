from __future__ import annotations

from sscard.common import clock
from sscard.common.errors import FieldError, Forbidden, NotFound, ValidationError
from sscard.people.ids import age_on, parse_citizen_id
from sscard.people.models import Guardianship, Person, Relation
from sscard.policy.selectors import policy_for_region


def get_person(social_security_number: str, *, field: str = "social_security_number") -> Person:
    number = parse_citizen_id(social_security_number, field=field).number
    person = Person.objects.filter(social_security_number=number).first()
    if person is None:
        raise NotFound("No person with this social security number.", code="person_not_found")
    return person


def acts_alone(person: Person) -> bool:
    """From the policy's age (16 by default) a holder may act without a guardian.

    The policy is the one of the region that issued the person's newest card (people move
    away from the region in their ID number); without a card, the ID number's region.
    """
    from sscard.cards.models import Card

    region = (
        Card.objects.filter(person=person)
        .order_by("-generation", "-pk")
        .values_list("issuing_region_code", flat=True)
        .first()
    )
    policy = policy_for_region(region or person.region_code)
    return age_on(person.birth_date, clock.today()) >= policy.age_acting_alone


def guardianship(guardian: Person, ward: Person) -> Guardianship | None:
    return Guardianship.objects.filter(guardian=guardian, ward=ward).first()


def guardians_of(person: Person) -> list[Person]:
    return [
        g.guardian
        for g in Guardianship.objects.filter(ward=person).select_related("guardian").order_by("pk")
    ]


def notification_recipients(person: Person) -> list[Person]:
    """Who is told about a person's card: the holder, or the guardians of a minor."""
    if acts_alone(person):
        return [person]
    return guardians_of(person) or [person]


def check_acting_party(*, subject: Person, actor: Person, relation: str) -> Guardianship | None:
    """Whoever acts for another person must be that person's recorded guardian.

    Returns the guardianship when a guardian acts, None when the holder acts alone.
    """
    if actor.pk == subject.pk:
        if relation not in ("self", ""):
            raise ValidationError(
                "A person acting for themselves has the relation 'self'.",
                code="invalid_relation",
                errors=[FieldError("relation", "must be 'self' for one's own card")],
            )
        if not acts_alone(subject):
            raise Forbidden(
                "This holder is under the age at which a holder acts alone; a guardian must act.",
                code="guardian_required",
            )
        return None
    if relation == "self":
        raise ValidationError(
            "Someone acting for another person is their guardian, not 'self'.",
            code="invalid_relation",
            errors=[FieldError("relation", "must be guardian when acting for another person")],
        )
    found = guardianship(actor, subject)
    if found is None:
        raise Forbidden("Only a recorded guardian may act for another person.", code="not_guardian")
    return found


def missing_documents(
    *, subject: Person, guardian: Guardianship | None, documents: list[str]
) -> list[str]:
    """The counter documents rules of DOMAIN.md section 6.

    An adult brings the ID card. A guardian brings the ward's ID card or the household register,
    the guardian's own ID card, and proof of guardianship where the register does not show it
    (any guardian other than a parent).
    """
    given = set(documents)
    if guardian is None:
        return [] if "id_card" in given else ["id_card"]
    missing = []
    if not given & {"id_card", "household_register"}:
        missing.append("id_card")
    if "guardian_id_card" not in given:
        missing.append("guardian_id_card")
    if guardian.relation != Relation.PARENT and "guardianship_proof" not in given:
        missing.append("guardianship_proof")
    return missing
