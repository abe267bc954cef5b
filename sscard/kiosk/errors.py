"""A refusal from the domain, said on the terminal's screen in plain words (zh-Hans, or English
on the button), by its stable code."""

from __future__ import annotations

from django.utils.functional import Promise
from django.utils.translation import pgettext_lazy

from sscard.common.errors import DomainError, ErrorCode

# The codes a person at a terminal can meet: identifying, reporting a loss for themselves or a
# ward, changing the PIN, a card made on the spot, records and statements, enrolment.
KIOSK_CODES = frozenset(
    {
        ErrorCode.INVALID_SOCIAL_SECURITY_NUMBER,
        ErrorCode.PERSON_NOT_FOUND,
        ErrorCode.IDENTITY_NOT_CHECKED,
        ErrorCode.IDENTITY_CHECKS_EXHAUSTED,
        ErrorCode.CARD_NOT_FOUND,
        ErrorCode.WRONG_PIN,
        ErrorCode.PIN_LOCKED,
        ErrorCode.INVALID_PIN,
        ErrorCode.WEAK_PIN,
        ErrorCode.PINS_DIFFER,
        ErrorCode.CARD_NOT_USABLE,
        ErrorCode.CARD_NOT_REPORTABLE,
        ErrorCode.GUARDIAN_REQUIRED,
        ErrorCode.NOT_GUARDIAN,
        ErrorCode.CHANNEL_NOT_ALLOWED,
        ErrorCode.SERVICE_NOT_OFFERED,
        ErrorCode.POLICY_MISSING,
        ErrorCode.APPLICATION_OPEN,
        ErrorCode.FORMAL_LOSS_REPORT_REQUIRED,
        ErrorCode.NO_CARD,
        ErrorCode.CARD_NOT_REPLACEABLE,
        ErrorCode.DOCUMENTS_REQUIRED,
        ErrorCode.BANK_REQUIRED,
        ErrorCode.INVALID_TRANSITION,
        ErrorCode.REISSUE_IN_PROGRESS,
        ErrorCode.RECORDS_NOT_READABLE,
        ErrorCode.STATEMENT_YEAR_INVALID,
        ErrorCode.INVALID_CODE,
    }
)


MESSAGES: dict[str, Promise] = {
    ErrorCode.INVALID_SOCIAL_SECURITY_NUMBER: pgettext_lazy(
        "kiosk", "This ID number is not right. Put your ID card on the reader again."
    ),
    ErrorCode.PERSON_NOT_FOUND: pgettext_lazy(
        "kiosk", "We have no record of this ID number. Ask at the service window, or call 12333."
    ),
    ErrorCode.IDENTITY_NOT_CHECKED: pgettext_lazy(
        "kiosk",
        "The ID card could not be read, or it does not match our record. Put it on the reader "
        "again, or use your social security card and its PIN.",
    ),
    ErrorCode.IDENTITY_CHECKS_EXHAUSTED: pgettext_lazy(
        "kiosk",
        "Too many failed attempts. Try again later, or go to a service window with your ID card.",
    ),
    ErrorCode.CARD_NOT_FOUND: pgettext_lazy(
        "kiosk", "We find no card with this number. Check the number on the card."
    ),
    ErrorCode.WRONG_PIN: pgettext_lazy(
        "kiosk", "The PIN is wrong. Attempts left before the PIN locks: %(left)s."
    ),
    ErrorCode.PIN_LOCKED: pgettext_lazy(
        "kiosk",
        "The PIN is locked. Unlock it at a service window or bank outlet with your ID card.",
    ),
    ErrorCode.INVALID_PIN: pgettext_lazy("kiosk", "A PIN has exactly 6 digits."),
    ErrorCode.WEAK_PIN: pgettext_lazy(
        "kiosk",
        "This PIN is too easy to guess (same digits, a run, your birth date or the end of your "
        "ID number). Choose another.",
    ),
    ErrorCode.PINS_DIFFER: pgettext_lazy(
        "kiosk", "The two new PINs are not the same. Enter the new PIN twice."
    ),
    ErrorCode.CARD_NOT_USABLE: pgettext_lazy(
        "kiosk", "This card cannot be used now. Ask at a service window, or call 12333."
    ),
    ErrorCode.CARD_NOT_REPORTABLE: pgettext_lazy("kiosk", "This card cannot be reported lost now."),
    ErrorCode.GUARDIAN_REQUIRED: pgettext_lazy(
        "kiosk",
        "A guardian acts for this card. The guardian can report it here with their own ID card.",
    ),
    ErrorCode.NOT_GUARDIAN: pgettext_lazy(
        "kiosk", "You are not recorded as this person's guardian."
    ),
    ErrorCode.CHANNEL_NOT_ALLOWED: pgettext_lazy(
        "kiosk",
        "This is not done at a self-service terminal. Go to a service window or bank outlet.",
    ),
    ErrorCode.SERVICE_NOT_OFFERED: pgettext_lazy(
        "kiosk", "This terminal does not offer this service."
    ),
    ErrorCode.POLICY_MISSING: pgettext_lazy(
        "kiosk", "This service is not available just now. Please call 12333."
    ),
    ErrorCode.APPLICATION_OPEN: pgettext_lazy(
        "kiosk", "You already have an application in progress. Follow it under Card status."
    ),
    ErrorCode.FORMAL_LOSS_REPORT_REQUIRED: pgettext_lazy(
        "kiosk",
        "A new card after a loss needs a written loss report first, at a service window or bank "
        "outlet with your ID card.",
    ),
    ErrorCode.NO_CARD: pgettext_lazy("kiosk", "You have no card to replace."),
    ErrorCode.CARD_NOT_REPLACEABLE: pgettext_lazy("kiosk", "This card cannot be replaced here."),
    ErrorCode.DOCUMENTS_REQUIRED: pgettext_lazy(
        "kiosk",
        "A card is made here only after your ID card is read. End, and start again with your "
        "ID card on the reader.",
    ),
    ErrorCode.BANK_REQUIRED: pgettext_lazy("kiosk", "Choose a bank at a service window first."),
    ErrorCode.INVALID_TRANSITION: pgettext_lazy(
        "kiosk", "The card could not be made here. Ask at a service window."
    ),
    ErrorCode.REISSUE_IN_PROGRESS: pgettext_lazy(
        "kiosk", "A new card has already been applied for."
    ),
    ErrorCode.RECORDS_NOT_READABLE: pgettext_lazy("kiosk", "There are no records to show."),
    ErrorCode.STATEMENT_YEAR_INVALID: pgettext_lazy(
        "kiosk", "There is no statement for this year."
    ),
    ErrorCode.INVALID_CODE: pgettext_lazy(
        "kiosk", "This code has been used already, or it is not valid."
    ),
}
GENERIC = pgettext_lazy(
    "kiosk", "This could not be done just now. Please try again, or call 12333."
)


def message_for(code: str, exc: DomainError | None = None) -> str:
    """The words for a refusal's code (and what it carries, such as the attempts left)."""
    words = MESSAGES.get(code, GENERIC)
    if code == ErrorCode.WRONG_PIN:
        left = exc.extra.get("attempts_left", "") if exc is not None else ""
        return str(words) % {"left": left}
    return str(words)
