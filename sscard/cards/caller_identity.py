"""A caller's identity, checked over the phone before the hotline acts (DOMAIN.md section 4):
the caller gives the ID number, then the name and the answers to security questions drawn from
the record: the last four digits of the mobile number, and the bank of their newest card.
Where only a keypad answers (the 12333 voice menu, a self-service terminal whose card reader
could not read the ID card) the last four digits of the mobile number are asked alone
(`check_caller_by_keypad`); a terminal's card reader gives the name (`check_id_card_reading`).
Every check counts against the same budget of failures."""

from __future__ import annotations

import datetime as dt
import hmac
from collections.abc import Callable
from dataclasses import dataclass

from django.db import transaction

from sscard.audit.models import AuditEvent
from sscard.audit.services import record_event
from sscard.cards.person_cards import cards_of
from sscard.common import clock
from sscard.common.context import Actor
from sscard.common.errors import ErrorCode, Forbidden
from sscard.partners.models import Bank
from sscard.people.models import Person

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
    return (
        cards_of(person).filter(bank__isnull=False).values_list("bank__code", flat=True).first()
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
    questions = []
    for code in expected_answers(person):
        if code == CARD_BANK:
            banks = tuple(Bank.objects.order_by("code").values_list("code", "name"))
            questions.append(SecurityQuestion(code, banks))
        else:
            questions.append(SecurityQuestion(code))
    return questions


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
    expected = expected_answers(person)
    given = {code: str(answers.get(code, "")).strip().upper() for code in expected}
    return _checked(
        actor=actor,
        person=person,
        questions=sorted(expected),
        passed=lambda: (
            _same_name(person, name)
            and all(
                hmac.compare_digest(given[code].encode(), value.upper().encode())
                for code, value in expected.items()
            )
        ),
    )


def check_id_card_reading(*, actor: Actor, person: Person, name: str) -> bool:
    """The holder's ID card read by a terminal's card reader (DOMAIN.md section 13): the chip
    gives the ID number and the name, and the name must match the record. Counted and audited
    like a caller's check, so that readings are not to be guessed either."""
    return _checked(
        actor=actor, person=person, questions=[], passed=lambda: _same_name(person, name)
    )


def check_caller_by_keypad(*, actor: Actor, person: Person, phone_last4: str) -> bool:
    """The check where only a keypad answers (DOMAIN.md sections 4, 13 and 14): the ID number
    was keyed in and confirmed (the voice menu reads it back; a terminal's pad shows it), and
    the last four digits of the mobile number on record, keyed in, must match. (The birth date
    is no question: it is part of the ID number; a name cannot be keyed on a number pad.) A
    person with no mobile number on record cannot pass: an agent or a window checks them.

    Audited and counted exactly as the agent's check, never with the answer.
    """
    expected = expected_answers(person).get(PHONE_LAST4, "")
    given = str(phone_last4 or "").strip()
    return _checked(
        actor=actor,
        person=person,
        questions=[PHONE_LAST4],
        passed=lambda: bool(expected) and hmac.compare_digest(given.encode(), expected.encode()),
    )


def _same_name(person: Person, name: str) -> bool:
    return (name or "").strip() == person.name


def _checked(
    *, actor: Actor, person: Person, questions: list[str], passed: Callable[[], bool]
) -> bool:
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
            code=ErrorCode.IDENTITY_CHECKS_EXHAUSTED,
        )
    ok = passed()
    with transaction.atomic():
        record_event(
            actor=actor,
            action="person.identity_checked" if ok else "person.identity_check_failed",
            object_type="person",
            object_id=person.pk,
            bucket=person.bucket,
            before={},
            after={"questions": questions, "passed": ok},
        )
    return ok
