"""A refusal from the domain (DomainError with its stable code), said in plain words next to the
field it is about and in the summary at the top of the form."""

from __future__ import annotations

from django import forms
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy

from sscard.common.errors import DomainError, ErrorCode
from sscard.portal import labels

# The codes a citizen can meet: signing in, acting for themselves or a child, reporting a card
# lost and lifting the report, finding a card, an application or an outlet (the portal's views
# and the app's calls with a citizen's token). Each has words below, in zh-Hans and English.
CITIZEN_CODES = frozenset(
    {
        ErrorCode.INVALID_SOCIAL_SECURITY_NUMBER,
        ErrorCode.INVALID_PHONE,
        ErrorCode.INVALID_CODE,
        ErrorCode.TOO_MANY_REQUESTS,
        ErrorCode.SMS_NOT_SENT,
        ErrorCode.SERVICE_UNAVAILABLE,
        ErrorCode.INVALID_LANGUAGE,
        ErrorCode.GUARDIAN_REQUIRED,
        ErrorCode.NOT_GUARDIAN,
        ErrorCode.INVALID_RELATION,
        ErrorCode.CHANNEL_NOT_ALLOWED,
        ErrorCode.CARD_NOT_REPORTABLE,
        ErrorCode.REPORT_NOT_EFFECTIVE,
        ErrorCode.REISSUE_IN_PROGRESS,
        ErrorCode.POLICY_MISSING,
        ErrorCode.CARD_NOT_FOUND,
        ErrorCode.APPLICATION_NOT_FOUND,
        ErrorCode.LOSS_REPORT_NOT_FOUND,
        ErrorCode.PERSON_NOT_FOUND,
        ErrorCode.INVALID_FILTER,
        ErrorCode.VALIDATION_ERROR,
        ErrorCode.REPORTER_NOT_SIGNED_IN,
        ErrorCode.REPORTER_NOT_MATCHED,
        ErrorCode.CARD_PERSON_MISMATCH,
        # The app's records and disputes (/me/contributions, /me/rights, /me/record-disputes).
        ErrorCode.RECORDS_NOT_READABLE,
        ErrorCode.DISPUTE_INVALID,
        ErrorCode.DISPUTE_ALREADY_OPEN,
        ErrorCode.STATEMENT_YEAR_INVALID,
        # The electronic card (/me/ecard, the portal's electronic card page).
        ErrorCode.NO_CARD,
        ErrorCode.ECARD_EXISTS,
        ErrorCode.ECARD_NOT_FOUND,
    }
)

MESSAGES: dict[str, Promise] = {
    ErrorCode.CARD_NOT_RENEWABLE: gettext_lazy(
        "This card cannot be renewed online: only a card in use can. If it has expired, is "
        "lost or is blocked, apply at a service window or bank outlet, or call 12333."
    ),
    ErrorCode.RENEWAL_NOT_OPEN: gettext_lazy(
        "It is too early to renew this card: you can renew it online from %(opens_on)s until "
        "it expires."
    ),
    ErrorCode.APPLICATION_OPEN: gettext_lazy(
        "A new card has already been applied for. You can follow it step by step from the "
        "card's page."
    ),
    ErrorCode.SERVICE_NOT_OFFERED: gettext_lazy(
        "New cards cannot be collected at this outlet: please choose another."
    ),
    ErrorCode.NO_CARD: gettext_lazy(
        "The electronic card is issued for a card you have collected: collect your card first."
    ),
    ErrorCode.ECARD_EXISTS: gettext_lazy("You already have an electronic card."),
    ErrorCode.ECARD_NOT_FOUND: gettext_lazy("You have no electronic card."),
    ErrorCode.RECORDS_NOT_READABLE: gettext_lazy(
        "These records cannot be shown to you: you see your own, those of a person in your "
        "guardianship, and those of a person who authorised you in writing."
    ),
    ErrorCode.DISPUTE_INVALID: gettext_lazy(
        "Your dispute could not be recorded: check the insurance, the month and your reason."
    ),
    ErrorCode.DISPUTE_ALREADY_OPEN: gettext_lazy(
        "This month's record is already disputed: the agency is checking it, and you will be "
        "told of its answer."
    ),
    ErrorCode.STATEMENT_YEAR_INVALID: gettext_lazy(
        "There is no statement for this year: choose a year from 1990 to this year."
    ),
    ErrorCode.INVALID_PHONE: gettext_lazy(
        "Enter the mobile number you gave us: 11 digits, e.g. 13812345678."
    ),
    ErrorCode.TOO_MANY_REQUESTS: gettext_lazy(
        "You have asked for too many codes. Please wait a few minutes and try again."
    ),
    ErrorCode.SMS_NOT_SENT: gettext_lazy(
        "We could not send the text message just now. Please try again in a few minutes, "
        "or call 12333."
    ),
    ErrorCode.INVALID_CODE: gettext_lazy(
        "This code is wrong or has expired. Check the text message, or ask for a new code."
    ),
    ErrorCode.GUARDIAN_REQUIRED: gettext_lazy(
        "A parent or guardian has to do this for a young card holder. They can sign in with "
        "their own ID number, or call 12333."
    ),
    ErrorCode.NOT_GUARDIAN: gettext_lazy(
        "You can do this only for yourself or for a child you are the registered guardian of."
    ),
    ErrorCode.REPORT_NOT_EFFECTIVE: gettext_lazy("This loss report has already ended."),
    ErrorCode.REISSUE_IN_PROGRESS: gettext_lazy(
        "A new card has been applied for, so this report can no longer be cancelled: the old "
        "card will not work again."
    ),
    ErrorCode.CHANNEL_NOT_ALLOWED: gettext_lazy(
        "This can only be done at a service window or bank outlet, with your original ID card."
    ),
    ErrorCode.CARD_NOT_FOUND: gettext_lazy("We could not find this card."),
    ErrorCode.APPLICATION_NOT_FOUND: gettext_lazy("We could not find this application."),
    ErrorCode.LOSS_REPORT_NOT_FOUND: gettext_lazy("We could not find this loss report."),
    ErrorCode.PERSON_NOT_FOUND: gettext_lazy("We could not find anyone with this ID number."),
    ErrorCode.INVALID_SOCIAL_SECURITY_NUMBER: gettext_lazy("An ID number has 18 characters."),
    ErrorCode.INVALID_FILTER: gettext_lazy("Please choose from the list."),
    ErrorCode.VALIDATION_ERROR: gettext_lazy("Please check what you entered."),
    ErrorCode.CARD_NOT_REPORTABLE: gettext_lazy(
        "This card cannot be reported lost now: its status is “%(status)s”."
    ),
    ErrorCode.INVALID_RELATION: gettext_lazy(
        "Say whether you are the card holder or the child's guardian."
    ),
    ErrorCode.INVALID_LANGUAGE: gettext_lazy("Please choose a language from the list."),
    ErrorCode.SERVICE_UNAVAILABLE: gettext_lazy(
        "We cannot do this just now. Please try again in a few minutes, or call 12333."
    ),
    ErrorCode.POLICY_MISSING: gettext_lazy(
        "This service is not set up for your area yet. Please call 12333."
    ),
    ErrorCode.REPORTER_NOT_SIGNED_IN: gettext_lazy(
        "When you are signed in, you report a loss in your own name."
    ),
    ErrorCode.REPORTER_NOT_MATCHED: gettext_lazy(
        "The name does not match the ID number: please check both."
    ),
    ErrorCode.CARD_PERSON_MISMATCH: gettext_lazy(
        "This card does not belong to the person with this ID number."
    ),
}
ID_MESSAGES = {
    "is required": gettext_lazy("Enter your ID number."),
    "must be 18 characters": gettext_lazy("An ID number has 18 characters."),
    "must be 17 digits followed by a digit or X": gettext_lazy(
        "An ID number has 17 digits, then a digit or the letter X."
    ),
    "the check character (the last one) does not match": gettext_lazy(
        "This ID number is not right: please check each digit, especially the last one."
    ),
    "the birth date in it does not exist": gettext_lazy(
        "The date of birth in this ID number is not right: please check it."
    ),
    "the birth date in it is in the future": gettext_lazy(
        "The date of birth in this ID number is not right: please check it."
    ),
    "the region code in it does not exist": gettext_lazy(
        "The first six digits of this ID number are not right: please check them."
    ),
    "the region code in it was abolished before the birth year": gettext_lazy(
        "The first six digits of this ID number are not right: please check them."
    ),
}
FILTER_MESSAGES = {
    "near": gettext_lazy("Give the location as latitude, longitude, for example 23.13, 113.32."),
}
GENERIC = gettext_lazy("This could not be done just now. Please try again, or call 12333.")


def message_for(exc: DomainError) -> tuple[str | None, str]:
    """The field the refusal is about (the domain's name for it, if any) and the words."""
    field = exc.errors[0].field if exc.errors else None
    if exc.code == ErrorCode.INVALID_SOCIAL_SECURITY_NUMBER:
        detail = exc.errors[0].message if exc.errors else ""
        return field, str(ID_MESSAGES.get(detail, MESSAGES[exc.code]))
    if exc.code == ErrorCode.INVALID_FILTER and field:
        return field, str(FILTER_MESSAGES.get(field, MESSAGES[exc.code]))
    if exc.code == ErrorCode.CARD_NOT_REPORTABLE:
        status = exc.extra.get("card_status", "")
        return None, str(MESSAGES[exc.code] % {"status": labels.label(labels.CARD_STATUS, status)})
    if exc.code == ErrorCode.RENEWAL_NOT_OPEN:
        opens_on = exc.extra.get("opens_on", "")
        return None, str(MESSAGES[exc.code] % {"opens_on": opens_on})
    return field, str(MESSAGES.get(exc.code, GENERIC))


def add_domain_error(
    form: forms.Form, exc: DomainError, fields: dict[str, str] | None = None
) -> None:
    """Put the refusal on the form: on the field named by the domain (through `fields`, the
    domain's field name -> the form's), else at the top."""
    domain_field, text = message_for(exc)
    target = (fields or {}).get(domain_field or "", domain_field)
    form.add_error(target if target in form.fields else None, text)
