from __future__ import annotations

import re
from dataclasses import dataclass

from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction

from sscard.audit.services import record_event
from sscard.common import clock
from sscard.common.context import Actor
from sscard.common.errors import Conflict, FieldError, NotFound, ValidationError
from sscard.people.ids import parse_citizen_id
from sscard.people.models import Guardianship, Person, Relation

MOBILE = re.compile(r"^1[3-9]\d{9}$")


@dataclass(frozen=True)
class GuardianLink:
    social_security_number: str
    relation: str


def _clean_contact(name: str, phone: str, email: str) -> tuple[str, str, str]:
    errors = []
    name = (name or "").strip()
    if not name or len(name) > 60:
        errors.append(FieldError("name", "is required, at most 60 characters"))
    phone = (phone or "").replace(" ", "").replace("-", "")
    if phone.startswith("+86"):
        phone = phone[3:]
    if not MOBILE.match(phone):
        errors.append(FieldError("phone", "must be an 11-digit mainland mobile number"))
    email = (email or "").strip()
    if email:
        try:
            validate_email(email)
        except DjangoValidationError:
            errors.append(FieldError("email", "is not an e-mail address"))
    if errors:
        raise ValidationError("Some details are not valid.", errors=errors)
    return name, phone, email


def create_person(
    *,
    actor: Actor,
    social_security_number: str,
    name: str,
    phone: str,
    email: str = "",
    address: str = "",
    guardians: list[GuardianLink] | None = None,
) -> Person:
    """Record a person; birth date, sex and region come from the ID number."""
    cid = parse_citizen_id(social_security_number)
    name, phone, email = _clean_contact(name, phone, email)
    links = guardians or []
    seen = {cid.number}
    for index, link in enumerate(links):
        if link.relation not in Relation.values:
            raise ValidationError(
                "Unknown guardian relation.",
                errors=[
                    FieldError(f"guardians[{index}].relation", "must be parent or legal_guardian")
                ],
            )
        number = parse_citizen_id(link.social_security_number, field=f"guardians[{index}]").number
        if number in seen:
            # Caught here: the unique and check constraints would otherwise fail as a 500.
            raise ValidationError(
                "A guardian is another person, listed once.",
                code="invalid_guardian",
                errors=[
                    FieldError(
                        f"guardians[{index}]",
                        "is the person themselves"
                        if number == cid.number
                        else "is listed more than once",
                    )
                ],
            )
        seen.add(number)
    with transaction.atomic():
        guardian_people = []
        for index, link in enumerate(links):
            number = parse_citizen_id(link.social_security_number).number
            guardian = Person.objects.filter(social_security_number=number).first()
            if guardian is None:
                raise NotFound(
                    "A guardian must be recorded before the ward.",
                    code="guardian_not_found",
                    errors=[FieldError(f"guardians[{index}]", "no such person")],
                )
            guardian_people.append((guardian, link.relation))
        if Person.objects.filter(social_security_number=cid.number).exists():
            raise Conflict("This person is already recorded.", code="person_exists")
        try:
            with transaction.atomic():
                person = Person.objects.create(
                    social_security_number=cid.number,
                    name=name,
                    sex=cid.sex,
                    birth_date=cid.birth_date,
                    region_code=cid.region_code,
                    phone=phone,
                    email=email,
                    address=(address or "").strip()[:200],
                    created_at=clock.now(),
                )
        except IntegrityError:
            raise Conflict("This person is already recorded.", code="person_exists") from None
        record_event(
            actor=actor,
            action="person.created",
            object_type="person",
            object_id=person.pk,
            before={},
            after={"region_code": person.region_code},
        )
        for guardian, relation in guardian_people:
            _link(actor=actor, guardian=guardian, ward=person, relation=relation)
    return person


def add_guardian(*, actor: Actor, guardian: Person, ward: Person, relation: str) -> Guardianship:
    if relation not in Relation.values:
        raise ValidationError(
            "Unknown guardian relation.",
            errors=[FieldError("relation", "must be parent or legal_guardian")],
        )
    if guardian.pk == ward.pk:
        raise ValidationError("A person cannot be their own guardian.", code="invalid_guardian")
    with transaction.atomic():
        if Guardianship.objects.filter(guardian=guardian, ward=ward).exists():
            raise Conflict("This guardianship is already recorded.", code="guardian_exists")
        return _link(actor=actor, guardian=guardian, ward=ward, relation=relation)


def _link(*, actor: Actor, guardian: Person, ward: Person, relation: str) -> Guardianship:
    link = Guardianship.objects.create(
        guardian=guardian, ward=ward, relation=relation, created_at=clock.now()
    )
    record_event(
        actor=actor,
        action="guardianship.created",
        object_type="guardianship",
        object_id=link.pk,
        before={},
        after={"guardian": guardian.pk, "ward": ward.pk, "relation": relation},
    )
    return link
