"""A domain refusal as the clerk reads it: a plain sentence in the page's language, placed next
to the field it concerns and repeated in the summary at the top of the form."""

from __future__ import annotations

from django import forms
from django.utils.translation import pgettext_lazy

from sscard.common.errors import DomainError
from sscard.console.labels import DOCUMENT, label

MESSAGES = {
    "documents_required": pgettext_lazy("console", "Original documents are missing: %(missing)s."),
    "invalid_documents": pgettext_lazy("console", "Unknown documents were ticked."),
    "guardian_required": pgettext_lazy(
        "console",
        "The holder is under the age at which a holder acts alone: a guardian must present "
        "the documents.",
    ),
    "not_guardian": pgettext_lazy(
        "console", "The person presenting is not a recorded guardian of the holder."
    ),
    "invalid_relation": pgettext_lazy(
        "console", "Choose who is presenting: the holder or a guardian."
    ),
    "channel_not_allowed": pgettext_lazy(
        "console",
        "This cannot be done through your channel: it needs a service window or a bank counter.",
    ),
    "service_not_offered": pgettext_lazy("console", "Your outlet does not offer this service."),
    "card_not_reportable": pgettext_lazy(
        "console", "This card cannot be reported lost: it is %(status)s."
    ),
    "report_not_effective": pgettext_lazy("console", "This loss report is no longer effective."),
    "reissue_in_progress": pgettext_lazy(
        "console",
        "A reissue has been applied for: the old card is on its way to cancellation, and the "
        "report can no longer be lifted.",
    ),
    "formal_loss_report_required": pgettext_lazy(
        "console", "A reissue after loss needs a formal (written) loss report on the card first."
    ),
    "application_open": pgettext_lazy(
        "console", "An application is already open for this person (%(number)s)."
    ),
    "card_exists": pgettext_lazy(
        "console", "This person already has a card: apply for a reissue or a replacement instead."
    ),
    "no_card": pgettext_lazy(
        "console", "This person has no card to reissue: apply for a first card."
    ),
    "card_not_replaceable": pgettext_lazy(
        "console",
        "Only a card in hand (normal, PIN locked or expired) is replaced; a lost card is reissued.",
    ),
    "bank_required": pgettext_lazy(
        "console", "Choose the co-operating bank that will make the card."
    ),
    "invalid_transition": pgettext_lazy(
        "console", "The application is %(status)s: this step does not apply now."
    ),
    "wrong_bank": pgettext_lazy("console", "This application belongs to another bank."),
    "wrong_bank:card": pgettext_lazy(
        "console",
        "This card belongs to another bank: only that bank's staff act on it. A holder who "
        "wants to move to another bank applies for a reissue at a service window.",
    ),
    "wrong_bank:old_card": pgettext_lazy(
        "console",
        "The holder's card belongs to another bank: a reissue or replacement is made by the "
        "bank that holds the card's account. A holder who wants to move to your bank chooses "
        "it at a service window.",
    ),
    "wrong_bank:bank": pgettext_lazy("console", "A bank applies for cards of its own bank only."),
    "tracking_number_required": pgettext_lazy(
        "console", "A mailed card needs its tracking number."
    ),
    "card_not_collected": pgettext_lazy("console", "The card has not been collected yet."),
    "card_not_activatable": pgettext_lazy(
        "console", "Only a collected card is activated; this one is %(status)s."
    ),
    "card_not_usable": pgettext_lazy("console", "The card is %(status)s: this cannot be done."),
    "weak_pin": pgettext_lazy("console", "This PIN is not allowed: %(why)s. Choose another."),
    "invalid_pin": pgettext_lazy("console", "The PIN must be exactly 6 digits."),
    "pins_differ": pgettext_lazy("console", "The two PINs differ. Type the same PIN twice."),
    "pin_locked": pgettext_lazy(
        "console", "The PIN is locked: reset it at a window or bank outlet."
    ),
    "invalid_receipt_number": pgettext_lazy(
        "console", "This is not a valid receipt number: check it against the receipt."
    ),
    "application_not_found": pgettext_lazy("console", "No application was found."),
    "person_not_found": pgettext_lazy("console", "No person with this ID number is on record."),
    "card_not_found": pgettext_lazy("console", "No card was found."),
    "loss_report_not_found": pgettext_lazy("console", "No loss report was found."),
    "invalid_social_security_number": pgettext_lazy("console", "The ID number %(why)s."),
    "identity_checks_exhausted": pgettext_lazy(
        "console",
        "Too many failed identity checks for this person: try again later, or ask the holder "
        "to come to a counter with the original ID.",
    ),
    "card_elsewhere": pgettext_lazy(
        "console", "The card waits at outlet %(outlet)s: it is handed over there."
    ),
    "no_receipt": pgettext_lazy("console", "This application has no receipt yet."),
    "receipt_elsewhere": pgettext_lazy(
        "console", "A receipt is printed by the outlet that issued it (%(outlet)s)."
    ),
    # What an application's request lacks, by the field the domain names.
    "validation_error:reason": pgettext_lazy("console", "Choose the reason for the replacement."),
    "validation_error:mail_address": pgettext_lazy(
        "console", "A mailed card needs the address to mail it to."
    ),
    "validation_error:delivery": pgettext_lazy(
        "console",
        "A card made on the spot is handed over here: choose collection at the outlet.",
    ),
    "pin_pad_closed": pgettext_lazy(
        "console", "This PIN pad is closed: the clerk opens a new one."
    ),
    "pin_pad_not_found": pgettext_lazy("console", "No such PIN pad."),
    "reveal_reason_required": pgettext_lazy("console", "Say why the whole number is needed."),
    "identity_not_checked": pgettext_lazy(
        "console",
        "The caller's identity has not been checked (or the check is too old): check it first.",
    ),
    "role_outlet_mismatch": pgettext_lazy(
        "console", "This role does not work at this kind of outlet."
    ),
    "invalid_guardian": pgettext_lazy("console", "A person cannot be their own guardian."),
    "guardian_exists": pgettext_lazy(
        "console", "This person is already a guardian of the ward: change that guardianship."
    ),
    "guardian_not_adult": pgettext_lazy("console", "A guardian must be 18 or older."),
    "guardianship_basis_required": pgettext_lazy(
        "console",
        "The ward is an adult: a guardian is recorded only on a court's finding or a designation.",
    ),
    "guardianship_document_required": pgettext_lazy(
        "console", "Give the reference of the court's judgment or the designation."
    ),
    "invalid_guardianship_end": pgettext_lazy(
        "console", "The end must be after today: to end it now, end the guardianship."
    ),
    "guardianship_ended": pgettext_lazy(
        "console", "This guardianship has ended: record a new one instead."
    ),
    "guardianship_end_reason_required": pgettext_lazy(
        "console", "Choose why the guardianship ends."
    ),
    "policy_missing": pgettext_lazy(
        "console",
        "No regional policy applies here and no default one is set up: ask a system "
        "administrator to set one up.",
    ),
}

WHY = {
    "is required": pgettext_lazy("console", "is required"),
    "must be 18 characters": pgettext_lazy("console", "must be 18 characters"),
    "must be 17 digits followed by a digit or X": pgettext_lazy(
        "console", "must be 17 digits followed by a digit or X"
    ),
    "the check character (the last one) does not match": pgettext_lazy(
        "console", "has a check character (the last one) that does not match"
    ),
    "the birth date in it does not exist": pgettext_lazy(
        "console", "holds a birth date that does not exist"
    ),
    "the region code in it does not exist": pgettext_lazy(
        "console", "holds a region code that does not exist"
    ),
    "the region code in it was abolished before the birth year": pgettext_lazy(
        "console", "holds a region code abolished before the birth year"
    ),
    "the birth date in it is in the future": pgettext_lazy(
        "console", "holds a birth date in the future"
    ),
    "is not valid": pgettext_lazy("console", "is not valid"),
    "all six digits are the same": pgettext_lazy("console", "all six digits are the same"),
    "the digits run up or down": pgettext_lazy("console", "the digits run up or down"),
    "it is the holder's birth date": pgettext_lazy("console", "it is the holder's birth date"),
    "it is the end of the holder's ID number": pgettext_lazy(
        "console", "it is the end of the holder's ID number"
    ),
}

# Where a domain field's message goes on a console form.
FIELDS = {
    "documents": "documents",
    "relation": "presenter",
    "reporter.relation": "presenter",
    "pin": "pin",
    "pin_again": "pin_again",
    "bank_code": "bank",
    "social_security_number": "id_number",
    "receipt_number": "receipt_number",
    "tracking_number": "tracking_number",
    "mail_address": "mail_address",
    "delivery": "delivery",
    "production": "production",
    "reason": "reason",
    "fee_waiver": "fee_waiver",
    "type": "type",
    "guardian": "guardian_id_number",
    "basis": "basis",
    "document": "document",
    "ends_on": "ends_on",
}


def refusal_message(error: DomainError) -> str:
    """The sentence for a refusal; the domain's own words where the console has none."""
    # A code's message may vary by what it is about (e.g. `wrong_bank` for a card), or by the
    # field it names.
    subject = error.extra.get("subject") or (error.errors[0].field if error.errors else None)
    template = MESSAGES.get(f"{error.code}:{subject}") if subject else None
    template = template or MESSAGES.get(error.code)
    if template is None:
        return error.detail
    why = error.errors[0].message if error.errors else ""
    params = {
        "missing": ", ".join(
            str(DOCUMENT.get(code, code)) for code in error.extra.get("missing", [])
        ),
        "status": label(
            "application_status" if error.code == "invalid_transition" else "card_status",
            error.extra.get("current_status") or error.extra.get("card_status") or "",
        ),
        "number": error.extra.get("open_application", ""),
        "outlet": error.extra.get("collection_outlet") or error.extra.get("outlet", ""),
        "why": str(WHY.get(why, why)),
    }
    return str(template) % params


def field_of(error: DomainError, form: forms.Form | None) -> str | None:
    """The form field a refusal belongs next to, if the form has it."""
    if form is None:
        return None
    for field_error in error.errors:
        name = FIELDS.get(field_error.field)
        if name and name in form.fields:
            return name
    if error.code in ("documents_required", "invalid_documents") and "documents" in form.fields:
        return "documents"
    if error.code in ("not_guardian", "guardian_required", "invalid_relation") and (
        "presenter" in form.fields
    ):
        return "presenter"
    if error.code == "wrong_bank" and "receipt_number" in form.fields:
        return "receipt_number"  # the receipt typed in is another bank's
    return None


def add_refusal(form: forms.Form, error: DomainError) -> str:
    """Put the refusal next to its field (or on the form) and return the sentence."""
    message = refusal_message(error)
    form.add_error(field_of(error, form), message)
    return message
