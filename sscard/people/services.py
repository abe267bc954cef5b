"""The writes on people: record a person, record, change and end a guardianship, set a person's
language, and the audited reveal of an ID number."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, models, transaction

from sscard.audit.services import record_event
from sscard.common import clock
from sscard.common.context import Actor
from sscard.common.errors import (
    Conflict,
    ErrorCode,
    FieldError,
    NotFound,
    ValidationError,
    check_one_of,
)
from sscard.common.locking import lock_one
from sscard.people.ids import CitizenId, parse_citizen_id
from sscard.people.models import Guardianship, GuardianshipBasis, GuardianshipEnd, Language, Person
from sscard.people.selectors import (
    GuardianshipTerms,
    check_guardianship_open,
    check_guardianship_terms,
    guardianships_in_force,
)

MOBILE = re.compile(r"^1[3-9]\d{9}$")


@dataclass(frozen=True)
class GuardianLink:
    social_security_number: str
    relation: str
    basis: str = GuardianshipBasis.MINOR
    document: str = ""
    ends_on: dt.date | None = None


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
    check_one_of(language, Language.values, field="language", detail="Unknown language.")
    links = guardians or []
    terms = _guardian_terms(cid, links)
    with transaction.atomic():
        guardian_people = list(zip(_recorded_guardians(links), terms, strict=True))
        if Person.objects.filter(social_security_number=cid.number).exists():
            raise Conflict("This person is already recorded.", code=ErrorCode.PERSON_EXISTS)
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
            raise Conflict(
                "This person is already recorded.", code=ErrorCode.PERSON_EXISTS
            ) from None
        record_event(
            actor=actor,
            action="person.created",
            object_type="person",
            object_id=person.pk,
            bucket=person.bucket,
            before={},
            after={"region_code": person.region_code},
        )
        for guardian, agreed in guardian_people:
            _link(actor=actor, guardian=guardian, ward=person, terms=agreed)
    return person


def _guardian_terms(cid: CitizenId, links: list[GuardianLink]) -> list[GuardianshipTerms]:
    """The terms of each guardian given for a new person, checked before anything is written:
    each another person, listed once, on terms the law allows."""
    seen = {cid.number}
    terms = []
    for index, link in enumerate(links):
        guardian_id = parse_citizen_id(link.social_security_number, field=f"guardians[{index}]")
        number = guardian_id.number
        if number in seen:
            # Caught here: the unique and check constraints would otherwise fail as a 500.
            raise ValidationError(
                "A guardian is another person, listed once.",
                code=ErrorCode.INVALID_GUARDIAN,
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
        terms.append(
            check_guardianship_terms(
                GuardianshipTerms(link.relation, link.basis, link.document, link.ends_on),
                ward_birth_date=cid.birth_date,
                guardian_birth_date=guardian_id.birth_date,
                prefix=f"guardians[{index}]",
            )
        )
    return terms


def _recorded_guardians(links: list[GuardianLink]) -> list[Person]:
    """The guardians given for a new person, each recorded before the ward."""
    found = []
    for index, link in enumerate(links):
        number = parse_citizen_id(link.social_security_number).number
        guardian = Person.objects.filter(social_security_number=number).first()
        if guardian is None:
            raise NotFound(
                "A guardian must be recorded before the ward.",
                code=ErrorCode.GUARDIAN_NOT_FOUND,
                errors=[FieldError(f"guardians[{index}]", "no such person")],
            )
        found.append(guardian)
    return found


# ---------------------------------------------------------------- guardianship at a window


def record_guardianship(
    *, actor: Actor, guardian: Person, ward: Person, terms: GuardianshipTerms
) -> Guardianship:
    """Record a guardian (DOMAIN.md section 6): a parent or legal guardian of a minor, or the
    guardian of anyone on a court's finding or a designation, with its document.

    A former guardianship of the same pair that is no longer in force (the ward came of age, or
    it passed its end) is closed as superseded by the new record.
    """
    if guardian.pk == ward.pk:
        raise ValidationError(
            "A person cannot be their own guardian.",
            code=ErrorCode.INVALID_GUARDIAN,
            errors=[FieldError("guardian", "is the ward themselves")],
        )
    agreed = check_guardianship_terms(
        terms, ward_birth_date=ward.birth_date, guardian_birth_date=guardian.birth_date
    )
    with transaction.atomic():
        lock_one(Person, ward.pk)
        earlier = (
            Guardianship.objects.select_for_update()
            .filter(guardian=guardian, ward=ward, ended_at__isnull=True)
            .first()
        )
        if earlier is not None:
            if guardianships_in_force().filter(pk=earlier.pk).exists():
                raise Conflict(
                    "This guardianship is already recorded.", code=ErrorCode.GUARDIAN_EXISTS
                )
            _close(actor=actor, link=earlier, reason=GuardianshipEnd.SUPERSEDED)
        return _link(actor=actor, guardian=guardian, ward=ward, terms=agreed)


def _link(
    *, actor: Actor, guardian: Person, ward: Person, terms: GuardianshipTerms
) -> Guardianship:
    link = Guardianship.objects.create(
        guardian=guardian,
        ward=ward,
        relation=terms.relation,
        basis=terms.basis,
        document=terms.document,
        ends_on=terms.ends_on,
        created_at=clock.now(),
    )
    record_event(
        actor=actor,
        action="guardianship.created",
        object_type="guardianship",
        object_id=link.pk,
        bucket=link.bucket,
        before={},
        after={
            "guardian": guardian.pk,
            "ward": ward.pk,
            "relation": terms.relation,
            **_audited_terms(link),
        },
    )
    return link


def _audited_terms(link: Guardianship) -> dict[str, object]:
    """The terms as the audit log keeps them: the document's reference is not copied there."""
    return {
        "basis": link.basis,
        "ends_on": link.ends_on.isoformat() if link.ends_on else None,
        "document": bool(link.document),
    }


def _open_guardianship(link: Guardianship) -> Guardianship:
    """The guardianship locked (its ward first), refused once it was ended at a window."""
    lock_one(Person, link.ward_id)
    locked = lock_one(Guardianship, link.pk)
    check_guardianship_open(locked)
    return locked


def change_guardianship(
    *, actor: Actor, link: Guardianship, terms: GuardianshipTerms
) -> Guardianship:
    """Change the basis, document or end of a guardianship not ended at a window (for example a
    parent of a ward who has come of age, now on a court's finding). The relation stays."""
    with transaction.atomic():
        locked = _open_guardianship(link)
        agreed = check_guardianship_terms(
            GuardianshipTerms(locked.relation, terms.basis, terms.document, terms.ends_on),
            ward_birth_date=locked.ward.birth_date,
            guardian_birth_date=locked.guardian.birth_date,
        )
        before = _audited_terms(locked)
        if (locked.basis, locked.document, locked.ends_on) == (
            agreed.basis,
            agreed.document,
            agreed.ends_on,
        ):
            return locked
        document_changed = locked.document != agreed.document
        locked.basis, locked.document, locked.ends_on = (
            agreed.basis,
            agreed.document,
            agreed.ends_on,
        )
        locked.save(update_fields=["basis", "document", "ends_on"])
        record_event(
            actor=actor,
            action="guardianship.changed",
            object_type="guardianship",
            object_id=locked.pk,
            bucket=locked.bucket,
            before=before,
            after={**_audited_terms(locked), "document_changed": document_changed},
        )
    return locked


ENDS_AT_A_WINDOW: tuple[str, ...] = tuple(
    reason for reason in GuardianshipEnd.values if reason != GuardianshipEnd.SUPERSEDED
)


def end_guardianship(*, actor: Actor, link: Guardianship, reason: str) -> Guardianship:
    """End a guardianship at a window, for a reason the law gives (Civil Code art. 39): from
    now on the guardian no longer sees or acts for the ward's card."""
    check_one_of(
        reason,
        ENDS_AT_A_WINDOW,
        field="reason",
        detail="Say why the guardianship ends.",
        code=ErrorCode.GUARDIANSHIP_END_REASON_REQUIRED,
    )
    with transaction.atomic():
        locked = _open_guardianship(link)
        _close(actor=actor, link=locked, reason=reason)
    return locked


def _close(*, actor: Actor, link: Guardianship, reason: str) -> None:
    link.ended_at, link.end_reason = clock.now(), reason
    link.save(update_fields=["ended_at", "end_reason"])
    record_event(
        actor=actor,
        action="guardianship.ended",
        object_type="guardianship",
        object_id=link.pk,
        bucket=link.bucket,
        before={},
        after={"reason": reason},
    )


# ---------------------------------------------------------------- staff reading personal data


class RevealReason(models.TextChoices):
    """Why a staff member needs a whole ID number on screen (DOMAIN.md section 10)."""

    COMPARE_DOCUMENT = "compare_document", "compare with the document on the desk"
    CORRECT_RECORD = "correct_record", "correct or complete a record"
    HOLDER_REQUEST = "holder_request", "the holder asks to see it"


def set_language(*, actor: Actor, person: Person, language: str) -> bool:
    """The language of the person's notifications. True when it changed."""
    check_one_of(
        language,
        Language.values,
        field="language",
        detail="Choose a language sscard speaks.",
        code=ErrorCode.INVALID_LANGUAGE,
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
            bucket=person.bucket,
            before={"language": locked.language},
            after={"language": language},
        )
        Person.objects.filter(pk=person.pk).update(language=language)
    person.language = language
    return True


def reveal_social_security_number(*, actor: Actor, person: Person, reason: str) -> str:
    """The whole ID number, for a deliberate reason, written to the audit log first."""
    check_one_of(
        reason,
        RevealReason.values,
        field="reason",
        detail="Say why the whole number is needed.",
        code=ErrorCode.REVEAL_REASON_REQUIRED,
    )
    with transaction.atomic():
        record_event(
            actor=actor,
            action="person.id_number_revealed",
            object_type="person",
            object_id=person.pk,
            bucket=person.bucket,
            before={},
            after={"reason": reason},
        )
    return person.social_security_number
