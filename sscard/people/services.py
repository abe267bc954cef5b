from __future__ import annotations

import datetime as dt
import hmac
import re
from dataclasses import dataclass

from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, models, transaction

from sscard.audit.models import AuditEvent
from sscard.audit.services import record_event
from sscard.common import clock
from sscard.common.context import Actor
from sscard.common.errors import Conflict, FieldError, Forbidden, NotFound, ValidationError
from sscard.people.ids import parse_citizen_id
from sscard.people.models import Guardianship, Language, Person, Relation
from sscard.people.selectors import expected_answers

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
    language: str = Language.ZH_HANS,
) -> Person:
    """Record a person; birth date, sex and region come from the ID number."""
    cid = parse_citizen_id(social_security_number)
    name, phone, email = _clean_contact(name, phone, email)
    if language not in Language.values:
        raise ValidationError(
            "Unknown language.",
            errors=[FieldError("language", "must be one of: " + ", ".join(Language.values))],
        )
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
                    language=language,
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


# ---------------------------------------------------------------- staff reading personal data


class RevealReason(models.TextChoices):
    """Why a staff member needs a whole ID number on screen (DOMAIN.md section 10)."""

    COMPARE_DOCUMENT = "compare_document", "compare with the document on the desk"
    CORRECT_RECORD = "correct_record", "correct or complete a record"
    HOLDER_REQUEST = "holder_request", "the holder asks to see it"


def set_language(*, actor: Actor, person: Person, language: str) -> bool:
    """The language of the person's notifications. True when it changed."""
    if language not in Language.values:
        raise ValidationError(
            "Choose a language sscard speaks.",
            code="invalid_language",
            errors=[FieldError("language", "must be one of: " + ", ".join(Language.values))],
        )
    with transaction.atomic():
        locked = Person.objects.select_for_update().get(pk=person.pk)
        if locked.language == language:
            return False
        record_event(
            actor=actor,
            action="person.language_changed",
            object_type="person",
            object_id=person.pk,
            before={"language": locked.language},
            after={"language": language},
        )
        Person.objects.filter(pk=person.pk).update(language=language)
    person.language = language
    return True


def reveal_social_security_number(*, actor: Actor, person: Person, reason: str) -> str:
    """The whole ID number, for a deliberate reason, written to the audit log first."""
    if reason not in RevealReason.values:
        raise ValidationError(
            "Say why the whole number is needed.",
            code="reveal_reason_required",
            errors=[FieldError("reason", "must be one of: " + ", ".join(RevealReason.values))],
        )
    with transaction.atomic():
        record_event(
            actor=actor,
            action="person.id_number_revealed",
            object_type="person",
            object_id=person.pk,
            before={},
            after={"reason": reason},
        )
    return person.social_security_number


IDENTITY_CHECK_WINDOW = dt.timedelta(minutes=30)
IDENTITY_CHECK_FAILURES = 3


def check_caller_identity(
    *, actor: Actor, person: Person, name: str, answers: dict[str, str]
) -> bool:
    """A light identity check over the phone (DOMAIN.md section 4): the caller gave the ID
    number; the name and the security questions must match the record.

    Every check is audited (never the answers). After three failed checks in half an hour the
    person cannot be checked again for a while: answers are not to be guessed by calling back.
    """
    since = clock.now() - IDENTITY_CHECK_WINDOW
    failures = AuditEvent.objects.filter(
        object_type="person",
        object_id=str(person.pk),
        action="person.identity_check_failed",
        at__gte=since,
    ).count()
    if failures >= IDENTITY_CHECK_FAILURES:
        raise Forbidden(
            "Too many failed identity checks for this person; try again later or ask the "
            "holder to come to a counter with the original ID.",
            code="identity_checks_exhausted",
        )
    expected = expected_answers(person)
    given = {code: str(answers.get(code, "")).strip().upper() for code in expected}
    passed = (name or "").strip() == person.name and all(
        hmac.compare_digest(given[code].encode(), value.upper().encode())
        for code, value in expected.items()
    )
    with transaction.atomic():
        record_event(
            actor=actor,
            action="person.identity_checked" if passed else "person.identity_check_failed",
            object_type="person",
            object_id=person.pk,
            before={},
            after={"questions": sorted(expected), "passed": passed},
        )
    return passed
