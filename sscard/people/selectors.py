from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

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


def get_person_among(
    social_security_number: str, *, among: Iterable[int], field: str = "social_security_number"
) -> Person:
    """The person with this number if they are among the given people, else the same
    `person_not_found` whether or not the number exists: for a caller who may reach only a
    few people (a citizen: themselves and their wards), the register stays closed."""
    number = parse_citizen_id(social_security_number, field=field).number
    person = Person.objects.filter(pk__in=list(among), social_security_number=number).first()
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


# The counter documents of DOMAIN.md section 6: each entry is one need, met by any of its codes.
ADULT_DOCUMENTS: tuple[tuple[str, ...], ...] = (("id_card",),)
WARD_DOCUMENTS: tuple[tuple[str, ...], ...] = (
    ("id_card", "household_register"),
    ("guardian_id_card",),
)
GUARDIANSHIP_PROOF: tuple[str, ...] = ("guardianship_proof",)


def documents_needed(*, guardian: Guardianship | None) -> list[tuple[str, ...]]:
    """What must be on the desk: an adult brings the ID card; a guardian brings the ward's ID
    card or the household register, the guardian's own ID card, and proof of guardianship where
    the register does not show it (any guardian other than a parent)."""
    if guardian is None:
        return list(ADULT_DOCUMENTS)
    needs = list(WARD_DOCUMENTS)
    if guardian.relation != Relation.PARENT:
        needs.append(GUARDIANSHIP_PROOF)
    return needs


def missing_documents(
    *, subject: Person, guardian: Guardianship | None, documents: list[str]
) -> list[str]:
    """The needs of `documents_needed` that the documents given do not meet, each named by its
    first code."""
    given = set(documents)
    return [need[0] for need in documents_needed(guardian=guardian) if not given & set(need)]


def guardianships_of(ward: Person) -> list[Guardianship]:
    """The recorded guardians of a person, with their relation: who may present for them."""
    return list(Guardianship.objects.filter(ward=ward).select_related("guardian").order_by("pk"))


def wards_of(guardian: Person) -> list[Person]:
    """The people a guardian may act for."""
    return [
        g.ward
        for g in Guardianship.objects.filter(guardian=guardian)
        .select_related("ward")
        .order_by("pk")
    ]


# ---------------------------------------------------------------- identity checks by phone

PHONE_LAST4 = "phone_last4"
CARD_BANK = "card_bank"


@dataclass(frozen=True)
class SecurityQuestion:
    """A question a caller must answer from what only the holder is likely to know.

    `choices` lists the possible answers where the answer is picked rather than typed.
    """

    code: str
    choices: tuple[tuple[str, str], ...] = ()


def _card_bank_code(person: Person) -> str:
    from sscard.cards.models import Card

    return (
        Card.objects.filter(person=person, bank__isnull=False)
        .order_by("-generation", "-pk")
        .values_list("bank__code", flat=True)
        .first()
        or ""
    )


def expected_answers(person: Person) -> dict[str, str]:
    """The answers on record, by question code. Never shown: only compared."""
    answers = {}
    if len(person.phone) >= 4:
        answers[PHONE_LAST4] = person.phone[-4:]
    bank = _card_bank_code(person)
    if bank:
        answers[CARD_BANK] = bank
    return answers


def security_questions(person: Person) -> list[SecurityQuestion]:
    """The questions a hotline agent asks this caller (DOMAIN.md section 4: ID number, name and
    security questions): the last four digits of the mobile number on record, and the bank of
    the card."""
    from sscard.partners.models import Bank

    questions = []
    for code in expected_answers(person):
        if code == CARD_BANK:
            banks = tuple(Bank.objects.order_by("code").values_list("code", "name"))
            questions.append(SecurityQuestion(code, banks))
        else:
            questions.append(SecurityQuestion(code))
    return questions
