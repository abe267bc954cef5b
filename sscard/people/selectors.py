"""Reading people and guardianships: a person by ID number, the guardianships in force, a
person's guardians and wards, and the documents a guardian brings to the desk."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import Q, QuerySet
from django.utils import timezone

from sscard.common import clock
from sscard.common.errors import Conflict, ErrorCode, FieldError, NotFound, ValidationError
from sscard.people.ids import age_on, birthday, born_by, parse_citizen_id
from sscard.people.models import Guardianship, GuardianshipBasis, Person, Relation

# Full civil capacity, and the end of a guardianship of a minor (Civil Code art. 17, 39): law,
# not regional policy.
ADULT_AGE = 18


def get_person(social_security_number: str, *, field: str = "social_security_number") -> Person:
    number = parse_citizen_id(social_security_number, field=field).number
    person = Person.objects.filter(social_security_number=number).first()
    if person is None:
        raise NotFound(
            "No person with this social security number.", code=ErrorCode.PERSON_NOT_FOUND
        )
    return person


def guardianships_in_force(*, on: dt.date | None = None) -> QuerySet[Guardianship]:
    """The guardianships in force on a day (today by default): every read of guardians and
    wards goes through here (DOMAIN.md section 6).

    One is in force until the first of: the ward's 18th birthday for a guardianship of a minor
    (Civil Code art. 17: from that day the parent no longer acts, and notices go to the holder);
    its `ends_on`, the first day it no longer holds; the day it was ended at a window. A ward
    who is an adult is one only on a recorded legal basis (a court's finding or a designation).
    """
    day = on or clock.today()
    next_day = timezone.make_aware(dt.datetime.combine(day + dt.timedelta(days=1), dt.time()))
    return Guardianship.objects.filter(
        Q(ended_at__isnull=True) | Q(ended_at__gte=next_day),
        Q(ends_on__isnull=True) | Q(ends_on__gt=day),
        ~Q(basis=GuardianshipBasis.MINOR) | Q(ward__birth_date__gt=born_by(ADULT_AGE, day)),
    )


def guardianship_ends(link: Guardianship) -> tuple[str, dt.date] | None:
    """How and on which day a guardianship stops holding, by the rule of
    `guardianships_in_force`: ("ended", the day it was ended at a window), ("ends_on", its end
    date) or ("came_of_age", the minor ward's 18th birthday), whichever comes first; None when
    nothing ends it."""
    ends: list[tuple[dt.date, str]] = []
    if link.ended_at is not None:
        ends.append((timezone.localdate(link.ended_at), "ended"))
    if link.ends_on is not None:
        ends.append((link.ends_on, "ends_on"))
    if link.basis == GuardianshipBasis.MINOR:
        ends.append((birthday(ADULT_AGE, link.ward.birth_date), "came_of_age"))
    if not ends:
        return None
    day, kind = min(ends)
    return kind, day


def check_guardianship_open(link: Guardianship) -> None:
    """A guardianship ended at a window is a record only: it is neither changed nor ended again
    (a new one is recorded instead)."""
    if link.ended_at is not None:
        raise Conflict(
            "This guardianship was ended; record a new one instead.",
            code=ErrorCode.GUARDIANSHIP_ENDED,
        )


def is_ward_of_full_age(person: Person) -> bool:
    """Under a guardianship that does not end at 18: a court's finding or a designation."""
    return (
        guardianships_in_force().filter(ward=person).exclude(basis=GuardianshipBasis.MINOR).exists()
    )


def get_person_among(
    social_security_number: str, *, among: Iterable[int], field: str = "social_security_number"
) -> Person:
    """The person with this number if they are among the given people, else the same
    `person_not_found` whether or not the number exists: for a caller who may reach only a
    few people (a citizen: themselves and their wards), the register stays closed."""
    number = parse_citizen_id(social_security_number, field=field).number
    person = Person.objects.filter(pk__in=list(among), social_security_number=number).first()
    if person is None:
        raise NotFound(
            "No person with this social security number.", code=ErrorCode.PERSON_NOT_FOUND
        )
    return person


def guardianship(guardian: Person, ward: Person) -> Guardianship | None:
    """The guardianship in force by which `guardian` acts for `ward`, if any."""
    return guardianships_in_force().filter(guardian=guardian, ward=ward).first()


def guardianships_of(ward: Person) -> list[Guardianship]:
    """The guardians in force of a person, with their relation: who may present for them."""
    return list(
        guardianships_in_force().filter(ward=ward).select_related("guardian").order_by("pk")
    )


def guardians_of(person: Person) -> list[Person]:
    return [link.guardian for link in guardianships_of(person)]


def wardships_of(guardian: Person) -> list[Guardianship]:
    """The guardianships in force in which a person is the guardian, with their wards."""
    return list(
        guardianships_in_force().filter(guardian=guardian).select_related("ward").order_by("pk")
    )


def wards_of(guardian: Person) -> list[Person]:
    """The people a guardian may act for today."""
    return [link.ward for link in wardships_of(guardian)]


def people_in_reach(person: Person) -> list[Person]:
    """The people a signed-in citizen may see and act for: themselves first, then their wards
    today."""
    return [person, *wards_of(person)]


def reach(person: Person) -> set[int]:
    """The keys of `people_in_reach`."""
    return {p.pk for p in people_in_reach(person)}


def in_reach(person: Person, person_id: int) -> bool:
    """Whether the person keyed `person_id` is in `person`'s reach (oneself needs no read)."""
    return person_id == person.pk or person_id in reach(person)


def relation_to(acting: Person, holder_id: int) -> str:
    """How a person in reach acts for the holder keyed `holder_id`: "self" for their own card,
    else "guardian"."""
    return "self" if acting.pk == holder_id else "guardian"


def former_guardianships_of(ward: Person) -> list[Guardianship]:
    """A person's guardianships no longer in force (ended, past their end, or of a minor who has
    come of age): the record a window clerk reads before recording a new one."""
    current = guardianships_in_force().filter(ward=ward).values("pk")
    return list(
        Guardianship.objects.filter(ward=ward)
        .exclude(pk__in=current)
        .select_related("guardian")
        .order_by("-pk")
    )


@dataclass(frozen=True)
class GuardianshipTerms:
    """What a window clerk records of a guardianship, checked by `check_guardianship_terms`."""

    relation: str
    basis: str = GuardianshipBasis.MINOR
    document: str = ""
    ends_on: dt.date | None = None


def check_guardianship_terms(
    terms: GuardianshipTerms,
    *,
    ward_birth_date: dt.date,
    guardian_birth_date: dt.date,
    prefix: str = "",
) -> GuardianshipTerms:
    """The terms of a guardianship the law allows (DOMAIN.md section 6), cleaned; refused with a
    field error otherwise. A minor's parent or legal guardian acts until the ward turns 18; an
    adult is a ward only on a court's finding or a designation, with its document."""
    today = clock.today()
    document = (terms.document or "").strip()

    def refuse(code: ErrorCode, field: str, message: str) -> ValidationError:
        name = ".".join(part for part in (prefix, field) if part) or "guardian"
        return ValidationError(
            f"The guardianship cannot be recorded: {field or 'the guardian'} {message}.",
            code=code,
            errors=[FieldError(name, message)],
        )

    if terms.relation not in Relation.values:
        raise refuse(ErrorCode.VALIDATION_ERROR, "relation", "must be parent or legal_guardian")
    if terms.basis not in GuardianshipBasis.values:
        choices = ", ".join(GuardianshipBasis.values)
        raise refuse(ErrorCode.VALIDATION_ERROR, "basis", f"must be one of: {choices}")
    if len(document) > 100:
        raise refuse(ErrorCode.VALIDATION_ERROR, "document", "must be at most 100 characters")
    if age_on(guardian_birth_date, today) < ADULT_AGE:
        raise refuse(ErrorCode.GUARDIAN_NOT_ADULT, "", "must be 18 or older")
    if terms.ends_on is not None and terms.ends_on <= today:
        raise refuse(ErrorCode.INVALID_GUARDIANSHIP_END, "ends_on", "must be after today")
    if terms.basis == GuardianshipBasis.MINOR and age_on(ward_birth_date, today) >= ADULT_AGE:
        raise refuse(
            ErrorCode.GUARDIANSHIP_BASIS_REQUIRED,
            "basis",
            "an adult is a ward only on a court's finding or a designation",
        )
    if terms.basis != GuardianshipBasis.MINOR and not document:
        raise refuse(
            ErrorCode.GUARDIANSHIP_DOCUMENT_REQUIRED,
            "document",
            "is required for a court's finding or a designation",
        )
    return GuardianshipTerms(terms.relation, terms.basis, document, terms.ends_on)


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
    the register does not show it (any guardian other than a parent of a minor: a court's
    finding or a designation is never in the register)."""
    if guardian is None:
        return list(ADULT_DOCUMENTS)
    needs = list(WARD_DOCUMENTS)
    if guardian.relation != Relation.PARENT or guardian.basis != GuardianshipBasis.MINOR:
        needs.append(GUARDIANSHIP_PROOF)
    return needs


def missing_documents(
    *, subject: Person, guardian: Guardianship | None, documents: list[str]
) -> list[str]:
    """The needs of `documents_needed` that the documents given do not meet, each named by its
    first code."""
    given = set(documents)
    return [need[0] for need in documents_needed(guardian=guardian) if not given & set(need)]
