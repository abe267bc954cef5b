"""A domain refusal as the clerk reads it: a plain sentence in the page's language, placed next
to the field it concerns and repeated in the summary at the top of the form."""

from __future__ import annotations

from django import forms
from django.utils.functional import Promise
from django.utils.translation import pgettext_lazy

from sscard.common.errors import DomainError, ErrorCode
from sscard.console.labels import DOCUMENT, label

MESSAGES: dict[str, Promise] = {
    # The family's defaults: the domain's own words, framed in the clerk's language.
    ErrorCode.DOMAIN_ERROR: pgettext_lazy("console", "This cannot be done: %(detail)s"),
    ErrorCode.VALIDATION_ERROR: pgettext_lazy(
        "console", "What was entered is not valid: %(detail)s"
    ),
    ErrorCode.NOT_FOUND: pgettext_lazy("console", "Not found: %(detail)s"),
    ErrorCode.FORBIDDEN: pgettext_lazy("console", "You may not do this: %(detail)s"),
    ErrorCode.CONFLICT: pgettext_lazy("console", "This cannot be done now: %(detail)s"),
    ErrorCode.UNAVAILABLE: pgettext_lazy(
        "console", "This is not set up yet, and nothing was changed: %(detail)s"
    ),
    ErrorCode.DOCUMENTS_REQUIRED: pgettext_lazy(
        "console", "Original documents are missing: %(missing)s."
    ),
    ErrorCode.INVALID_DOCUMENTS: pgettext_lazy("console", "Unknown documents were ticked."),
    ErrorCode.GUARDIAN_REQUIRED: pgettext_lazy(
        "console",
        "The holder is under the age at which a holder acts alone: a guardian must present "
        "the documents.",
    ),
    ErrorCode.NOT_GUARDIAN: pgettext_lazy(
        "console", "The person presenting is not a recorded guardian of the holder."
    ),
    ErrorCode.INVALID_RELATION: pgettext_lazy(
        "console", "Choose who is presenting: the holder or a guardian."
    ),
    ErrorCode.CHANNEL_NOT_ALLOWED: pgettext_lazy(
        "console",
        "This cannot be done through your channel: it needs a service window or a bank counter.",
    ),
    ErrorCode.SERVICE_NOT_OFFERED: pgettext_lazy(
        "console", "Your outlet does not offer this service."
    ),
    ErrorCode.CARD_NOT_REPORTABLE: pgettext_lazy(
        "console", "This card cannot be reported lost: it is %(status)s."
    ),
    ErrorCode.REPORT_NOT_EFFECTIVE: pgettext_lazy(
        "console", "This loss report is no longer effective."
    ),
    ErrorCode.REISSUE_IN_PROGRESS: pgettext_lazy(
        "console",
        "A reissue has been applied for: the old card is on its way to cancellation, and the "
        "report can no longer be lifted.",
    ),
    ErrorCode.FORMAL_LOSS_REPORT_REQUIRED: pgettext_lazy(
        "console", "A reissue after loss needs a formal (written) loss report on the card first."
    ),
    ErrorCode.APPLICATION_OPEN: pgettext_lazy(
        "console", "An application is already open for this person (%(number)s)."
    ),
    ErrorCode.CARD_EXISTS: pgettext_lazy(
        "console", "This person already has a card: apply for a reissue or a replacement instead."
    ),
    ErrorCode.NO_CARD: pgettext_lazy(
        "console", "This person has no card to reissue: apply for a first card."
    ),
    ErrorCode.CARD_NOT_REPLACEABLE: pgettext_lazy(
        "console",
        "Only a card in hand (normal, PIN locked or expired) is replaced; a lost card is reissued.",
    ),
    ErrorCode.CARD_NOT_RENEWABLE: pgettext_lazy(
        "console",
        "Only a card in use is renewed online; an expired, lost or cancelled card is replaced "
        "or reissued at a counter.",
    ),
    ErrorCode.RENEWAL_NOT_OPEN: pgettext_lazy(
        "console", "The card is renewed online only in the weeks before its expiry."
    ),
    ErrorCode.BANK_REQUIRED: pgettext_lazy(
        "console", "Choose the co-operating bank that will make the card."
    ),
    ErrorCode.INVALID_TRANSITION: pgettext_lazy(
        "console", "The application is %(status)s: this step does not apply now."
    ),
    ErrorCode.WRONG_BANK: pgettext_lazy("console", "This application belongs to another bank."),
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
    ErrorCode.TRACKING_NUMBER_REQUIRED: pgettext_lazy(
        "console", "A mailed card needs its tracking number."
    ),
    ErrorCode.CARD_NOT_COLLECTED: pgettext_lazy("console", "The card has not been collected yet."),
    ErrorCode.CARD_NOT_ACTIVATABLE: pgettext_lazy(
        "console", "Only a collected card is activated; this one is %(status)s."
    ),
    ErrorCode.CARD_NOT_USABLE: pgettext_lazy(
        "console", "The card is %(status)s: this cannot be done."
    ),
    ErrorCode.WEAK_PIN: pgettext_lazy(
        "console", "This PIN is not allowed: %(why)s. Choose another."
    ),
    ErrorCode.INVALID_PIN: pgettext_lazy("console", "The PIN must be exactly 6 digits."),
    ErrorCode.PINS_DIFFER: pgettext_lazy(
        "console", "The two PINs differ. Type the same PIN twice."
    ),
    ErrorCode.PIN_LOCKED: pgettext_lazy(
        "console", "The PIN is locked: reset it at a window or bank outlet."
    ),
    ErrorCode.INVALID_RECEIPT_NUMBER: pgettext_lazy(
        "console", "This is not a valid receipt number: check it against the receipt."
    ),
    ErrorCode.APPLICATION_NOT_FOUND: pgettext_lazy("console", "No application was found."),
    ErrorCode.PERSON_NOT_FOUND: pgettext_lazy(
        "console", "No person with this ID number is on record."
    ),
    ErrorCode.CARD_NOT_FOUND: pgettext_lazy("console", "No card was found."),
    ErrorCode.LOSS_REPORT_NOT_FOUND: pgettext_lazy("console", "No loss report was found."),
    ErrorCode.INVALID_SOCIAL_SECURITY_NUMBER: pgettext_lazy("console", "The ID number %(why)s."),
    ErrorCode.IDENTITY_CHECKS_EXHAUSTED: pgettext_lazy(
        "console",
        "Too many failed identity checks for this person: try again later, or ask the holder "
        "to come to a counter with the original ID.",
    ),
    ErrorCode.CARD_ELSEWHERE: pgettext_lazy(
        "console", "The card waits at outlet %(outlet)s: it is handed over there."
    ),
    ErrorCode.NO_RECEIPT: pgettext_lazy("console", "This application has no receipt yet."),
    ErrorCode.RECEIPT_ELSEWHERE: pgettext_lazy(
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
    ErrorCode.PIN_PAD_CLOSED: pgettext_lazy(
        "console", "This PIN pad is closed: the clerk opens a new one."
    ),
    ErrorCode.PIN_PAD_NOT_FOUND: pgettext_lazy("console", "No such PIN pad."),
    ErrorCode.REVEAL_REASON_REQUIRED: pgettext_lazy(
        "console", "Say why the whole number is needed."
    ),
    ErrorCode.IDENTITY_NOT_CHECKED: pgettext_lazy(
        "console",
        "The caller's identity has not been checked (or the check is too old): check it first.",
    ),
    ErrorCode.ROLE_OUTLET_MISMATCH: pgettext_lazy(
        "console", "This role does not work at this kind of outlet."
    ),
    ErrorCode.INVALID_GUARDIAN: pgettext_lazy("console", "A person cannot be their own guardian."),
    ErrorCode.GUARDIAN_EXISTS: pgettext_lazy(
        "console", "This person is already a guardian of the ward: change that guardianship."
    ),
    ErrorCode.GUARDIAN_NOT_ADULT: pgettext_lazy("console", "A guardian must be 18 or older."),
    ErrorCode.GUARDIANSHIP_BASIS_REQUIRED: pgettext_lazy(
        "console",
        "The ward is an adult: a guardian is recorded only on a court's finding or a designation.",
    ),
    ErrorCode.GUARDIANSHIP_DOCUMENT_REQUIRED: pgettext_lazy(
        "console", "Give the reference of the court's judgment or the designation."
    ),
    ErrorCode.INVALID_GUARDIANSHIP_END: pgettext_lazy(
        "console", "The end must be after today: to end it now, end the guardianship."
    ),
    ErrorCode.GUARDIANSHIP_ENDED: pgettext_lazy(
        "console", "This guardianship has ended: record a new one instead."
    ),
    ErrorCode.GUARDIANSHIP_END_REASON_REQUIRED: pgettext_lazy(
        "console", "Choose why the guardianship ends."
    ),
    ErrorCode.POLICY_MISSING: pgettext_lazy(
        "console",
        "No regional policy applies here and no default one is set up: ask a system "
        "administrator to set one up.",
    ),
    ErrorCode.DEFAULT_POLICY_REQUIRED: pgettext_lazy(
        "console", "The default policy cannot be deleted: every region needs a policy."
    ),
    ErrorCode.PERSON_EXISTS: pgettext_lazy("console", "This person is already recorded."),
    ErrorCode.GUARDIAN_NOT_FOUND: pgettext_lazy(
        "console", "The guardian is not on record: record the guardian before the ward."
    ),
    ErrorCode.INVALID_LANGUAGE: pgettext_lazy(
        "console", "Choose the language of messages from the list."
    ),
    # The API's checks of a request against the person it names.
    ErrorCode.APPLICANT_NOT_MATCHED: pgettext_lazy(
        "console", "The applicant's name does not match the ID number."
    ),
    ErrorCode.REPORTER_NOT_MATCHED: pgettext_lazy(
        "console", "The reporter's name does not match the ID number."
    ),
    ErrorCode.REPORTER_NOT_SIGNED_IN: pgettext_lazy(
        "console", "A signed-in citizen reports a loss as themselves only."
    ),
    ErrorCode.CARD_PERSON_MISMATCH: pgettext_lazy(
        "console", "The card does not belong to the person with this ID number."
    ),
    ErrorCode.WRONG_PIN: pgettext_lazy(
        "console", "The PIN is wrong. Tries left before it locks: %(attempts)s."
    ),
    ErrorCode.OUTLET_NOT_FOUND: pgettext_lazy("console", "No open outlet has this code."),
    ErrorCode.INVALID_FILTER: pgettext_lazy(
        "console", "This search cannot be made: check what was chosen or typed."
    ),
    # Banks, API clients and staff accounts (set up by a system administrator).
    ErrorCode.BANK_NOT_FOUND: pgettext_lazy("console", "No co-operating bank has this code."),
    ErrorCode.CLIENT_EXISTS: pgettext_lazy("console", "An API client with this name exists."),
    ErrorCode.CLIENT_NOT_FOUND: pgettext_lazy("console", "No API client has this name."),
    ErrorCode.INVALID_NAME: pgettext_lazy(
        "console", "An API client needs a name of 1 to 64 characters."
    ),
    ErrorCode.INVALID_SCOPES: pgettext_lazy(
        "console", "Choose at least one scope, and only scopes from the list."
    ),
    ErrorCode.INVALID_WEBHOOK_URL: pgettext_lazy(
        "console", "The bank's webhook address is not allowed: %(detail)s"
    ),
    ErrorCode.INVALID_ROLE: pgettext_lazy("console", "Choose a role from the list."),
    ErrorCode.OUTLET_INACTIVE: pgettext_lazy(
        "console", "This outlet is closed: staff are bound to an open outlet only."
    ),
    ErrorCode.OWN_BINDING: pgettext_lazy(
        "console",
        "You cannot change your own role or outlet: ask another system administrator.",
    ),
    # Signing in with a one-time code (a citizen's; a clerk meets them when helping one).
    ErrorCode.INVALID_PHONE: pgettext_lazy(
        "console", "The mobile number is not valid: it has 11 digits."
    ),
    ErrorCode.INVALID_CODE: pgettext_lazy(
        "console", "The code is wrong or has expired: ask for a new one."
    ),
    ErrorCode.TOO_MANY_REQUESTS: pgettext_lazy(
        "console", "Too many attempts: wait a few minutes, then try again."
    ),
    ErrorCode.SMS_NOT_SENT: pgettext_lazy(
        "console", "The text message could not be sent: try again in a few minutes."
    ),
    ErrorCode.SERVICE_UNAVAILABLE: pgettext_lazy(
        "console", "This service is not available just now: try again in a few minutes."
    ),
    # Contribution records, rights, authorisations and disputes (DOMAIN.md section 11).
    ErrorCode.RECORDS_NOT_ALLOWED: pgettext_lazy(
        "console",
        "Your role does not do this with contribution records.",
    ),
    ErrorCode.RECORDS_NOT_READABLE: pgettext_lazy(
        "console",
        "These records cannot be shown: only the holder, a guardian, a person the holder "
        "authorised in writing, or staff with the inquiry duty read them.",
    ),
    ErrorCode.TOO_MANY_RECORDS: pgettext_lazy(
        "console",
        "Too many records in one batch: send at most 10,000 at a time.",
    ),
    # The records family's refusals say what to correct in the clerk's words only: the
    # domain's English detail is never appended.
    ErrorCode.AUTHORISATION_INVALID: pgettext_lazy(
        "console",
        "The authorisation cannot be recorded: check the person authorised, the insurances, "
        "the days and the document.",
    ),
    ErrorCode.AUTHORISATION_ENDED: pgettext_lazy(
        "console",
        "This authorisation has already ended.",
    ),
    ErrorCode.AUTHORISATION_NOT_FOUND: pgettext_lazy(
        "console",
        "No such authorisation.",
    ),
    ErrorCode.CALL_NOT_FOUND: pgettext_lazy(
        "console", "No call with this reference: check the reference the call came with."
    ),
    ErrorCode.CALL_ENDED: pgettext_lazy(
        "console", "The call has ended: nothing more is done in the voice menu."
    ),
    "authorisation_invalid:authorised": pgettext_lazy(
        "console", "The person authorised must be another person than the holder."
    ),
    "authorisation_invalid:ends_on": pgettext_lazy(
        "console", "The authorisation must end after its first day and after today."
    ),
    "authorisation_invalid:document": pgettext_lazy(
        "console", "Give the reference of the signed document."
    ),
    "authorisation_invalid:insurances": pgettext_lazy(
        "console", "Choose the insurances the authorisation covers."
    ),
    "dispute_invalid:record": pgettext_lazy(
        "console", "Choose one of the disputed records to correct."
    ),
    "dispute_invalid:record.base": pgettext_lazy(
        "console",
        "The corrected base is not valid: it must lie within the year's limits, and the "
        "corrected record must differ from the record as it stands.",
    ),
    "dispute_invalid:record.employer_amount": pgettext_lazy(
        "console", "The corrected employer's amount is not valid."
    ),
    "dispute_invalid:record.individual_amount": pgettext_lazy(
        "console",
        "The corrected individual amount is not valid (work injury and maternity have none).",
    ),
    "dispute_invalid:record.status": pgettext_lazy("console", "The corrected status is not valid."),
    "dispute_invalid:record.paid_on": pgettext_lazy(
        "console", "The corrected paid-on day is not valid (an owed month has none)."
    ),
    ErrorCode.DISPUTE_INVALID: pgettext_lazy(
        "console",
        "The dispute cannot be recorded or answered as entered: check each field.",
    ),
    "dispute_invalid:insurance": pgettext_lazy("console", "Choose one of the insurances."),
    "dispute_invalid:month": pgettext_lazy(
        "console", "Give a past month or this month, as YYYY-MM."
    ),
    "dispute_invalid:reason": pgettext_lazy(
        "console", "Say what the person says is wrong, in at most 500 characters."
    ),
    "dispute_invalid:employer_credit_code": pgettext_lazy(
        "console", "No employer with this unified social credit code has records here."
    ),
    "dispute_invalid:status": pgettext_lazy(
        "console",
        "Say whether the record was corrected or stands as recorded, with an answer to the "
        "person; a corrected record goes only with the outcome that the record was wrong.",
    ),
    ErrorCode.DISPUTE_NOT_FOUND: pgettext_lazy(
        "console",
        "No such dispute.",
    ),
    ErrorCode.DISPUTE_ANSWERED: pgettext_lazy(
        "console",
        "This dispute has already been answered.",
    ),
    ErrorCode.DISPUTE_NO_RECORD: pgettext_lazy(
        "console",
        "The person has no record of this insurance in this month: choose a month shown on "
        "the records page.",
    ),
    ErrorCode.DISPUTE_ALREADY_OPEN: pgettext_lazy(
        "console",
        "This month's record is already disputed (%(dispute)s) and waits for its answer.",
    ),
    ErrorCode.UNKNOWN_FORMAT: pgettext_lazy(
        "console",
        "Say whether the file is CSV or JSON lines.",
    ),
    ErrorCode.IMPORT_RUNNING: pgettext_lazy(
        "console",
        "Another import of this file is running: wait until it ends.",
    ),
    ErrorCode.STATEMENT_YEAR_INVALID: pgettext_lazy(
        "console",
        "A statement is made for a year from 1990 to this year.",
    ),
    ErrorCode.STATEMENT_CODE_INVALID: pgettext_lazy(
        "console",
        "This verification code was not made by the agency: the statement is not genuine, "
        "or the code was mistyped.",
    ),
    ErrorCode.ECARD_NOT_FOUND: pgettext_lazy("console", "This person has no electronic card."),
    ErrorCode.ECARD_EXISTS: pgettext_lazy("console", "This person already has an electronic card."),
    ErrorCode.ECARD_REVOKED: pgettext_lazy(
        "console", "This electronic card has been revoked: its codes are no longer accepted."
    ),
    ErrorCode.ECARD_CARD_CANCELLED: pgettext_lazy(
        "console", "The card this electronic card belongs to is cancelled."
    ),
    ErrorCode.INVALID_PURPOSE: pgettext_lazy(
        "console", "The purpose of the code is not one of the known ones."
    ),
    ErrorCode.CODE_MALFORMED: pgettext_lazy(
        "console", "This is not an electronic card's code, or only part of one."
    ),
    ErrorCode.CODE_INVALID: pgettext_lazy(
        "console", "The code's signature does not match: it was altered or forged."
    ),
    ErrorCode.CODE_UNKNOWN_KEY: pgettext_lazy(
        "console", "The code is signed with a key that is not known here."
    ),
    ErrorCode.CODE_NOT_YET_VALID: pgettext_lazy(
        "console", "The code claims a time that has not come yet."
    ),
    ErrorCode.CODE_EXPIRED: pgettext_lazy(
        "console", "The code has expired: ask the holder to show a fresh one."
    ),
    ErrorCode.CODE_USED: pgettext_lazy("console", "This payment code has already been used."),
    ErrorCode.MALFORMED_RECORD: pgettext_lazy(
        "console",
        "The record is not complete or not well formed.",
    ),
    ErrorCode.UNKNOWN_PERSON: pgettext_lazy(
        "console",
        "No person with this ID number is recorded.",
    ),
    ErrorCode.UNKNOWN_INSURANCE: pgettext_lazy(
        "console",
        "Unknown insurance: pension, medical, unemployment, work injury or maternity.",
    ),
    ErrorCode.INVALID_MONTH: pgettext_lazy(
        "console",
        "The month is not valid: write it as YYYY-MM.",
    ),
    ErrorCode.MONTH_IN_FUTURE: pgettext_lazy(
        "console",
        "The month is in the future.",
    ),
    ErrorCode.NEGATIVE_AMOUNT: pgettext_lazy(
        "console",
        "An amount cannot be negative.",
    ),
    ErrorCode.INVALID_AMOUNT: pgettext_lazy(
        "console",
        "An amount has at most two decimals.",
    ),
    ErrorCode.BASE_OUTSIDE_LIMITS: pgettext_lazy(
        "console",
        "The contribution base is outside the region's limits for that year.",
    ),
    ErrorCode.INVALID_CREDIT_CODE: pgettext_lazy(
        "console",
        "The employer's unified social credit code is not valid.",
    ),
    ErrorCode.NO_INDIVIDUAL_PART: pgettext_lazy(
        "console",
        "Work injury and maternity insurance have no individual part.",
    ),
    ErrorCode.INVALID_STATUS: pgettext_lazy(
        "console",
        "The status is paid, owed or back paid.",
    ),
    ErrorCode.INVALID_PAID_ON: pgettext_lazy(
        "console",
        "The paid date is not valid for this record.",
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

# Refusals about the documents on the desk, and about who presents them.
DOCUMENT_CODES = frozenset({ErrorCode.DOCUMENTS_REQUIRED, ErrorCode.INVALID_DOCUMENTS})
PRESENTER_CODES = frozenset(
    {ErrorCode.NOT_GUARDIAN, ErrorCode.GUARDIAN_REQUIRED, ErrorCode.INVALID_RELATION}
)

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
    "authorised": "authorised_id_number",
    "insurances": "insurances",
    "record": "record",
    "record.base": "base",
    "record.employer_amount": "employer_amount",
    "record.individual_amount": "individual_amount",
    "record.status": "record_status",
    "record.paid_on": "paid_on",
    "status": "status",
    "insurance": "insurance",
    "month": "month",
    "employer_credit_code": "employer",
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
            "application_status" if error.code == ErrorCode.INVALID_TRANSITION else "card_status",
            error.extra.get("current_status") or error.extra.get("card_status") or "",
        ),
        "number": error.extra.get("open_application", ""),
        "outlet": error.extra.get("collection_outlet") or error.extra.get("outlet", ""),
        "why": str(WHY.get(why, why)),
        "attempts": error.extra.get("attempts_left", ""),
        "dispute": error.extra.get("dispute", ""),
        "detail": error.detail,
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
    if error.code in DOCUMENT_CODES and "documents" in form.fields:
        return "documents"
    if error.code in PRESENTER_CODES and "presenter" in form.fields:
        return "presenter"
    if error.code == ErrorCode.WRONG_BANK and "receipt_number" in form.fields:
        return "receipt_number"  # the receipt typed in is another bank's
    return None


def add_refusal(form: forms.Form, error: DomainError) -> str:
    """Put the refusal next to its field (or on the form) and return the sentence."""
    message = refusal_message(error)
    form.add_error(field_of(error, form), message)
    return message
