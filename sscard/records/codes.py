"""The stable error codes of the records app (DOMAIN.md section 11, API.md "Records and
statements"), in one place: the codes of a rejected record and the refusals of the services."""

from __future__ import annotations

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

# Refusals of the services.
TOO_MANY_RECORDS = "too_many_records"
RECORDS_NOT_READABLE = "records_not_readable"
AUTHORISATION_INVALID = "authorisation_invalid"
AUTHORISATION_ENDED = "authorisation_ended"
AUTHORISATION_NOT_FOUND = "authorisation_not_found"
DISPUTE_INVALID = "dispute_invalid"
DISPUTE_NOT_FOUND = "dispute_not_found"
DISPUTE_ANSWERED = "dispute_answered"
NOT_ALLOWED = "records_not_allowed"
# The import of batch files.
UNKNOWN_FORMAT = "unknown_format"
IMPORT_RUNNING = "import_running"
