"""The one family of domain errors. Each carries a stable `code` from API.md."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum
from typing import Any


class ErrorCode(StrEnum):
    """Every code a DomainError carries: API.md fixes them, so a value is never renamed.

    Clerks read each one in the console's words (`sscard.console.errors`), citizens the ones they
    can meet in the portal's (`sscard.portal.errors`); the API lists them in its OpenAPI document.
    """

    # The family's defaults: a subclass raised without a code of its own.
    DOMAIN_ERROR = "domain_error"
    VALIDATION_ERROR = "validation_error"
    NOT_FOUND = "not_found"
    FORBIDDEN = "forbidden"
    CONFLICT = "conflict"
    UNAVAILABLE = "unavailable"

    # People and their guardians (DOMAIN.md sections 1 and 6).
    INVALID_SOCIAL_SECURITY_NUMBER = "invalid_social_security_number"
    PERSON_NOT_FOUND = "person_not_found"
    PERSON_EXISTS = "person_exists"
    INVALID_LANGUAGE = "invalid_language"
    REVEAL_REASON_REQUIRED = "reveal_reason_required"
    INVALID_GUARDIAN = "invalid_guardian"
    GUARDIAN_NOT_FOUND = "guardian_not_found"
    GUARDIAN_EXISTS = "guardian_exists"
    GUARDIAN_NOT_ADULT = "guardian_not_adult"
    GUARDIANSHIP_BASIS_REQUIRED = "guardianship_basis_required"
    GUARDIANSHIP_DOCUMENT_REQUIRED = "guardianship_document_required"
    INVALID_GUARDIANSHIP_END = "invalid_guardianship_end"
    GUARDIANSHIP_ENDED = "guardianship_ended"
    GUARDIANSHIP_END_REASON_REQUIRED = "guardianship_end_reason_required"

    # Who presents, with what, through which channel.
    DOCUMENTS_REQUIRED = "documents_required"
    INVALID_DOCUMENTS = "invalid_documents"
    INVALID_RELATION = "invalid_relation"
    GUARDIAN_REQUIRED = "guardian_required"
    NOT_GUARDIAN = "not_guardian"
    CHANNEL_NOT_ALLOWED = "channel_not_allowed"
    SERVICE_NOT_OFFERED = "service_not_offered"
    IDENTITY_CHECKS_EXHAUSTED = "identity_checks_exhausted"
    IDENTITY_NOT_CHECKED = "identity_not_checked"
    APPLICANT_NOT_MATCHED = "applicant_not_matched"
    REPORTER_NOT_MATCHED = "reporter_not_matched"
    REPORTER_NOT_SIGNED_IN = "reporter_not_signed_in"
    CARD_PERSON_MISMATCH = "card_person_mismatch"

    # Cards, loss reports and PINs (DOMAIN.md sections 2 to 4).
    CARD_NOT_FOUND = "card_not_found"
    LOSS_REPORT_NOT_FOUND = "loss_report_not_found"
    CARD_NOT_REPORTABLE = "card_not_reportable"
    REPORT_NOT_EFFECTIVE = "report_not_effective"
    REISSUE_IN_PROGRESS = "reissue_in_progress"
    CARD_NOT_COLLECTED = "card_not_collected"
    CARD_NOT_ACTIVATABLE = "card_not_activatable"
    CARD_NOT_USABLE = "card_not_usable"
    WEAK_PIN = "weak_pin"
    INVALID_PIN = "invalid_pin"
    WRONG_PIN = "wrong_pin"
    PIN_LOCKED = "pin_locked"
    PIN_PAD_NOT_FOUND = "pin_pad_not_found"
    PIN_PAD_CLOSED = "pin_pad_closed"
    PINS_DIFFER = "pins_differ"

    # Applications, receipts and production (DOMAIN.md section 5).
    APPLICATION_NOT_FOUND = "application_not_found"
    APPLICATION_OPEN = "application_open"
    CARD_EXISTS = "card_exists"
    NO_CARD = "no_card"
    FORMAL_LOSS_REPORT_REQUIRED = "formal_loss_report_required"
    CARD_NOT_REPLACEABLE = "card_not_replaceable"
    CARD_NOT_RENEWABLE = "card_not_renewable"
    RENEWAL_NOT_OPEN = "renewal_not_open"
    BANK_REQUIRED = "bank_required"
    INVALID_TRANSITION = "invalid_transition"
    TRACKING_NUMBER_REQUIRED = "tracking_number_required"
    INVALID_RECEIPT_NUMBER = "invalid_receipt_number"
    NO_RECEIPT = "no_receipt"
    RECEIPT_ELSEWHERE = "receipt_elsewhere"
    CARD_ELSEWHERE = "card_elsewhere"

    # Outlets and regional policy (DOMAIN.md sections 7 and 8).
    OUTLET_NOT_FOUND = "outlet_not_found"
    INVALID_FILTER = "invalid_filter"
    POLICY_MISSING = "policy_missing"
    DEFAULT_POLICY_REQUIRED = "default_policy_required"

    # Banks, API clients and staff bindings.
    BANK_NOT_FOUND = "bank_not_found"
    WRONG_BANK = "wrong_bank"
    CLIENT_EXISTS = "client_exists"
    CLIENT_NOT_FOUND = "client_not_found"
    INVALID_NAME = "invalid_name"
    INVALID_SCOPES = "invalid_scopes"
    INVALID_WEBHOOK_URL = "invalid_webhook_url"
    INVALID_ROLE = "invalid_role"
    ROLE_OUTLET_MISMATCH = "role_outlet_mismatch"
    OUTLET_INACTIVE = "outlet_inactive"
    OWN_BINDING = "own_binding"

    # Signing in with a one-time code.
    INVALID_PHONE = "invalid_phone"
    INVALID_CODE = "invalid_code"
    TOO_MANY_REQUESTS = "too_many_requests"
    SMS_NOT_SENT = "sms_not_sent"
    SERVICE_UNAVAILABLE = "service_unavailable"

    # Calls to the 12333 voice menu (DOMAIN.md section 14).
    CALL_NOT_FOUND = "call_not_found"
    CALL_ENDED = "call_ended"

    # Contribution records, rights, authorisations and disputes (DOMAIN.md section 11).
    RECORDS_NOT_ALLOWED = "records_not_allowed"
    RECORDS_NOT_READABLE = "records_not_readable"
    TOO_MANY_RECORDS = "too_many_records"
    AUTHORISATION_INVALID = "authorisation_invalid"
    AUTHORISATION_ENDED = "authorisation_ended"
    AUTHORISATION_NOT_FOUND = "authorisation_not_found"
    DISPUTE_INVALID = "dispute_invalid"
    DISPUTE_NOT_FOUND = "dispute_not_found"
    DISPUTE_ANSWERED = "dispute_answered"
    DISPUTE_NO_RECORD = "dispute_no_record"
    DISPUTE_ALREADY_OPEN = "dispute_already_open"
    UNKNOWN_FORMAT = "unknown_format"
    IMPORT_RUNNING = "import_running"
    STATEMENT_YEAR_INVALID = "statement_year_invalid"
    STATEMENT_CODE_INVALID = "statement_code_invalid"
    # A record of a feed (the API's batch or a line of an import file) rejected, with its reason.
    MALFORMED_RECORD = "malformed_record"
    UNKNOWN_PERSON = "unknown_person"
    UNKNOWN_INSURANCE = "unknown_insurance"
    INVALID_MONTH = "invalid_month"
    MONTH_IN_FUTURE = "month_in_future"
    NEGATIVE_AMOUNT = "negative_amount"
    INVALID_AMOUNT = "invalid_amount"
    BASE_OUTSIDE_LIMITS = "base_outside_limits"
    INVALID_CREDIT_CODE = "invalid_credit_code"
    NO_INDIVIDUAL_PART = "no_individual_part"
    INVALID_STATUS = "invalid_status"
    INVALID_PAID_ON = "invalid_paid_on"

    # The electronic card and its codes (DOMAIN.md section 12).
    ECARD_NOT_FOUND = "ecard_not_found"
    ECARD_EXISTS = "ecard_exists"
    ECARD_REVOKED = "ecard_revoked"
    ECARD_CARD_CANCELLED = "ecard_card_cancelled"
    INVALID_PURPOSE = "invalid_purpose"
    CODE_MALFORMED = "code_malformed"
    CODE_INVALID = "code_invalid"
    CODE_UNKNOWN_KEY = "code_unknown_key"
    CODE_NOT_YET_VALID = "code_not_yet_valid"
    CODE_EXPIRED = "code_expired"
    CODE_USED = "code_used"


@dataclass
class FieldError:
    field: str
    message: str


class DomainError(Exception):
    """A rule said no. Interfaces map `code` and `status` to their own shape."""

    code: ErrorCode = ErrorCode.DOMAIN_ERROR
    status: int = 409
    title: str = "The request breaks a rule"

    def __init__(
        self,
        detail: str,
        *,
        code: ErrorCode | None = None,
        status: int | None = None,
        errors: list[FieldError] | None = None,
        **extra: Any,
    ) -> None:
        super().__init__(detail)
        self.detail = detail
        if code is not None:
            self.code = code
        if status is not None:
            self.status = status
        self.errors: list[FieldError] = errors or []
        self.extra: dict[str, Any] = extra

    def __str__(self) -> str:
        return f"{self.code}: {self.detail}"


class ValidationError(DomainError):
    code = ErrorCode.VALIDATION_ERROR
    status = 422
    title = "The request is not valid"


class NotFound(DomainError):
    code = ErrorCode.NOT_FOUND
    status = 404
    title = "Not found"


class Forbidden(DomainError):
    code = ErrorCode.FORBIDDEN
    status = 403
    title = "Not allowed"


class Unavailable(DomainError):
    """The service is not set up to do this yet (e.g. no regional policy): the request may be
    right, and nothing was changed. Operators are told by the 503 in the request log."""

    code = ErrorCode.UNAVAILABLE
    status = 503
    title = "Not available"


class Conflict(DomainError):
    code = ErrorCode.CONFLICT
    status = 409
    title = "Conflicts with the current state"


def documents_required(missing: list[str], detail: str) -> ValidationError:
    return ValidationError(
        detail,
        code=ErrorCode.DOCUMENTS_REQUIRED,
        errors=[FieldError("documents", f"missing: {code}") for code in missing],
        missing=missing,
    )


def not_one_of(
    value: str | None,
    choices: Iterable[str],
    *,
    field: str,
    detail: str,
    code: ErrorCode | None = None,
) -> ValidationError | None:
    """The refusal of a value outside its vocabulary, naming the values allowed in the field's
    error (in the order given), or None when the value is one of them."""
    allowed = list(choices)
    if value in allowed:
        return None
    return ValidationError(
        detail, code=code, errors=[FieldError(field, "must be one of: " + ", ".join(allowed))]
    )


def check_one_of(
    value: str | None,
    choices: Iterable[str],
    *,
    field: str,
    detail: str,
    code: ErrorCode | None = None,
) -> None:
    """Raise the refusal of `not_one_of`, if any."""
    refusal = not_one_of(value, choices, field=field, detail=detail, code=code)
    if refusal is not None:
        raise refusal
