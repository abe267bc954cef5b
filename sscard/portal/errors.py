"""A refusal from the domain (DomainError with its stable code), said in plain words next to the
field it is about and in the summary at the top of the form."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy

from sscard.common.errors import DomainError
from sscard.portal import labels

MESSAGES = {
    "invalid_phone": gettext_lazy(
        "Enter the mobile number you gave us: 11 digits, e.g. 13812345678."
    ),
    "too_many_requests": gettext_lazy(
        "You have asked for too many codes. Please wait a few minutes and try again."
    ),
    "sms_not_sent": gettext_lazy(
        "We could not send the text message just now. Please try again in a few minutes, "
        "or call 12333."
    ),
    "invalid_code": gettext_lazy(
        "This code is wrong or has expired. Check the text message, or ask for a new code."
    ),
    "guardian_required": gettext_lazy(
        "A parent or guardian has to do this for a young card holder. They can sign in with "
        "their own ID number, or call 12333."
    ),
    "not_guardian": gettext_lazy(
        "You can do this only for yourself or for a child you are the registered guardian of."
    ),
    "report_not_effective": gettext_lazy("This loss report has already ended."),
    "reissue_in_progress": gettext_lazy(
        "A new card has been applied for, so this report can no longer be cancelled: the old "
        "card will not work again."
    ),
    "channel_not_allowed": gettext_lazy(
        "This can only be done at a service window or bank outlet, with your original ID card."
    ),
    "card_not_found": gettext_lazy("We could not find this card."),
    "application_not_found": gettext_lazy("We could not find this application."),
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
    if exc.code == "invalid_social_security_number":
        detail = exc.errors[0].message if exc.errors else ""
        return field, str(ID_MESSAGES.get(detail, ID_MESSAGES["must be 18 characters"]))
    if exc.code == "invalid_filter" and field:
        return field, str(FILTER_MESSAGES.get(field, gettext_lazy("Please choose from the list.")))
    if exc.code == "card_not_reportable":
        status = exc.extra.get("card_status", "")
        return None, str(
            gettext_lazy("This card cannot be reported lost now: its status is “%(status)s”.")
            % {"status": labels.label(labels.CARD_STATUS, status)}
        )
    return field, str(MESSAGES.get(exc.code, GENERIC))


def add_domain_error(
    form: forms.Form, exc: DomainError, fields: dict[str, str] | None = None
) -> None:
    """Put the refusal on the form: on the field named by the domain (through `fields`, the
    domain's field name -> the form's), else at the top."""
    domain_field, text = message_for(exc)
    target = (fields or {}).get(domain_field or "", domain_field)
    form.add_error(target if target in form.fields else None, text)
