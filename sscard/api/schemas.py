"""Request and response shapes of API v1 (API.md). Requests refuse unknown fields."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

from django.utils import timezone
from ninja import Schema
from pydantic import ConfigDict, Field, PlainSerializer

from sscard.api.problems import ALL_CODES

# Every time in an answer is in the service's local time with its offset ("+08:00"), whether it
# was just computed or read back from the database (which returns UTC).
Moment = Annotated[dt.datetime, PlainSerializer(timezone.localtime, return_type=dt.datetime)]

DocumentCode = Literal[
    "id_card", "household_register", "guardian_id_card", "guardianship_proof", "receipt"
]
ChannelName = Literal["hotline", "web", "app", "window", "bank", "kiosk"]
CardStatusName = Literal[
    "in_production",
    "awaiting_collection",
    "sealed",
    "normal",
    "temporarily_lost",
    "formally_lost",
    "pin_locked",
    "cancelled",
    "expired",
]
BankStatusName = Literal["not_opened", "normal", "frozen", "closed"]
ApplicationStatusName = Literal[
    "submitted",
    "receipt_issued",
    "bank_accepted",
    "in_production",
    "production_failed",
    "ready_for_collection",
    "mailed",
    "collected",
    "lapsed",
    "cancelled",
]
OutletTypeName = Literal[
    "community_committee",
    "subdistrict_office",
    "social_insurance_agency",
    "hrss_bureau",
    "bank_outlet",
    "self_service_terminal",
]
ServiceName = Literal[
    "intake",
    "temporary_loss_report",
    "formal_loss_report",
    "lift",
    "reissue",
    "instant_issuance",
    "collection",
    "activation",
    "pin_reset",
    "inquiry",
]
Ssn = Annotated[str, Field(min_length=1, max_length=32, examples=["440106199001011234"])]
CardNumber = Annotated[str, Field(min_length=1, max_length=16, examples=["A12345678"])]
ShortText = Annotated[str, Field(max_length=200)]
Documents = Annotated[list[DocumentCode], Field(max_length=10)]


class In(Schema):
    model_config = ConfigDict(extra="forbid")


class Money(Schema):
    amount: str = Field(examples=["20.00"])
    currency: Literal["CNY"] = "CNY"


# ------------------------------------------------------------------ persons


class GuardianIn(In):
    social_security_number: Ssn
    relation: Literal["parent", "legal_guardian"]
    basis: Literal["minor", "court_finding", "designation"] = Field(
        "minor",
        description=(
            "Why the guardian acts: `minor` ends when the ward turns 18; an adult is a ward only "
            "on a court's finding (`court_finding`) or a designation (`designation`), with "
            "`document`."
        ),
    )
    document: Annotated[str, Field(max_length=100)] | None = Field(
        None,
        description="The reference of the court's judgment or the designation.",
        examples=["(2024)粤0106民特123号"],
    )
    ends_on: dt.date | None = Field(
        None, description="The first day the guardianship no longer holds, if it has an end."
    )


class PersonIn(In):
    social_security_number: Ssn
    name: Annotated[str, Field(min_length=1, max_length=60)]
    phone: Annotated[str, Field(max_length=20)]
    email: Annotated[str, Field(max_length=254)] | None = None
    address: ShortText | None = None
    language: Literal["zh-hans", "en"] | None = None
    guardians: Annotated[list[GuardianIn], Field(max_length=4)] | None = None


class PersonRef(Schema):
    social_security_number: str
    name: str
    relation: str | None = None


class CardBrief(Schema):
    card_number: str
    status: CardStatusName
    usable: bool
    bank_status: BankStatusName
    bank_code: str | None
    issuing_region_code: str
    issued_on: dt.date | None
    expires_on: dt.date | None
    blocked_until: Moment | None
    generation: int


class PersonOut(Schema):
    social_security_number: str
    name: str
    # Null in an answer masked for a token without `persons:read` (as the ID number is masked).
    sex: Literal["M", "F"] | None
    birth_date: dt.date | None
    region_code: str
    phone: str
    email: str
    language: str
    guardians: list[PersonRef]
    wards: list[PersonRef]
    cards: list[CardBrief]


class WardOut(Schema):
    social_security_number: str
    name: str
    relation: str
    cards: list[CardBrief]


class MeOut(PersonOut):
    wards_cards: list[WardOut]


# ------------------------------------------------------------------ cards


class CardStatusOut(Schema):
    card_number: str
    status: CardStatusName
    usable: bool
    bank_status: BankStatusName
    expires_on: dt.date | None
    blocked_until: Moment | None


class LossReportOut(Schema):
    reference: str
    card_number: str
    kind: Literal["temporary", "formal"]
    status: Literal["effective", "lifted", "lapsed", "closed"] | str
    channel: str
    sides: str
    effective_at: Moment
    expires_at: Moment | None
    renewals: int
    converted_at: Moment | None
    ended_at: Moment | None
    reissue_applied: bool
    card_status: CardStatusName
    bank_status: BankStatusName


class TimelineEntry(Schema):
    status: ApplicationStatusName
    at: Moment
    channel: str
    outlet_code: str
    note: str


class ApplicationOut(Schema):
    number: str
    type: Literal["new", "reissue", "replacement"]
    reason: str | None
    status: ApplicationStatusName
    receipt_number: str | None
    fee: Money
    fee_waived: bool
    fee_waiver: str | None
    old_card_number: str | None
    new_card_number: str | None
    outlet_code: str
    bank_code: str | None
    production: Literal["batch", "instant"]
    delivery: Literal["pickup", "mail"]
    collection_outlet_code: str | None
    tracking_number: str | None
    expected_ready_on: dt.date | None
    collect_by: dt.date | None
    holder: PersonRef
    created_at: Moment
    timeline: list[TimelineEntry]


class CardOut(CardBrief):
    identification_code: str | None  # null in an answer masked for a token without persons:read
    holder: PersonRef
    bank_name: str | None
    account_number: str | None
    loss_reports: list[LossReportOut]
    applications: list[ApplicationOut]


class PresenterIn(In):
    social_security_number: Ssn
    relation: Literal["self", "guardian"] = "self"


class ActivationIn(In):
    pin: Annotated[str, Field(min_length=1, max_length=12)]
    documents: Documents = []
    presenter: PresenterIn | None = None


class PinIn(In):
    pin: Annotated[str, Field(min_length=1, max_length=12)]


class PinOut(Schema):
    valid: bool
    attempts_left: int


class PinResetIn(In):
    new_pin: Annotated[str, Field(min_length=1, max_length=12)]
    documents: Documents = []
    presenter: PresenterIn | None = None


class PinResetOut(Schema):
    card_number: str
    status: CardStatusName
    usable: bool


# ------------------------------------------------------------------ loss reports


class ReporterIn(In):
    social_security_number: Ssn
    name: Annotated[str, Field(min_length=1, max_length=60)]
    relation: Literal["self", "guardian", "agent"]


class LossReportIn(In):
    card_number: CardNumber | None = None
    social_security_number: Ssn | None = None
    kind: Literal["temporary", "formal"]
    channel: ChannelName
    reporter: ReporterIn
    documents: Documents = []


class LossReportCreated(Schema):
    reference: str
    card_number: str
    kind: Literal["temporary", "formal"]
    status: str
    channel: str
    effective_at: Moment
    expires_at: Moment | None
    card_status: CardStatusName
    bank_status: BankStatusName
    action: Literal["created", "renewed", "converted", "extended"] | str


class LiftIn(In):
    documents: Documents = []
    reason: ShortText = ""
    lifter: PresenterIn | None = None


# ------------------------------------------------------------------ applications


class ApplicantIn(In):
    social_security_number: Ssn
    name: Annotated[str, Field(min_length=1, max_length=60)]
    relation: Literal["self", "guardian", "agent"]


class ApplicationIn(In):
    type: Literal["new", "reissue", "replacement"]
    social_security_number: Ssn
    reason: Literal["damaged", "expired", "info_change", "quality_fault"] | None = None
    applicant: ApplicantIn
    documents: Documents = []
    outlet_code: Annotated[str, Field(min_length=1, max_length=16)]
    bank_code: Annotated[str, Field(max_length=16)] | None = None
    production: Literal["batch", "instant"] = "batch"
    delivery: Literal["pickup", "mail"] = "pickup"
    mail_address: ShortText | None = None
    fee_waiver: Annotated[str, Field(max_length=32)] | None = None


class ProductionEventIn(In):
    type: Literal[
        "bank_accepted",
        "in_production",
        "production_failed",
        "ready_for_collection",
        "mailed",
        "collected",
        "cancelled",
    ]
    outlet_code: Annotated[str, Field(max_length=16)] | None = None
    tracking_number: Annotated[str, Field(max_length=40)] | None = None
    note: ShortText | None = None


# ------------------------------------------------------------------ outlets


class OutletOut(Schema):
    code: str
    name: str
    type: OutletTypeName
    address: str
    region_code: str
    lat: float
    lon: float
    phone: str
    hours: dict[str, list[list[str]]]
    services: list[ServiceName]
    open_now: bool
    bank_code: str | None = None
    distance_km: float | None = None


# ------------------------------------------------------------------ citizen sign-in


class OtpIn(In):
    social_security_number: Ssn
    phone: Annotated[str, Field(min_length=1, max_length=20)]


class OtpOut(Schema):
    detail: str


class TokenIn(In):
    social_security_number: Ssn
    code: Annotated[str, Field(min_length=1, max_length=12)]


class TokenOut(Schema):
    access_token: str
    token_type: Literal["Bearer"] = "Bearer"
    expires_in: int


class ProblemMembers(Schema):
    """A problem without field errors: as a batch's item carries it."""

    type: str
    title: str
    status: int
    detail: str
    code: str = Field(
        description="A stable snake_case code (API.md). Codes may be added: expect new ones.",
        json_schema_extra={"x-extensible-enum": list(ALL_CODES)},
    )


class Problem(ProblemMembers):
    errors: list[dict[str, str]] | None = None


# The problems an operation on a person, a card or an application may answer with; 503
# `policy_missing`: no regional policy applies and no default one is set up.
ERRORS: dict[int, Any] = {
    401: Problem,
    403: Problem,
    404: Problem,
    409: Problem,
    422: Problem,
    503: Problem,
}


# ------------------------------------------------------------------ the batch status lookup


class CardStatusBatchIn(In):
    card_numbers: list[Annotated[str, Field(max_length=32)]] = Field(
        min_length=1,
        max_length=100,
        description=(
            "1 to 100 card numbers, in any case, spaces around allowed; a number may be asked "
            "more than once."
        ),
        examples=[["A00000118", "A0000002X", "B23456705"]],
    )


class CardStatusMissing(Schema):
    card_number: str = Field(description="The number as it was asked.")
    error: ProblemMembers = Field(
        description="The problem `GET /cards/{card_number}/status` answers: `card_not_found`."
    )


class CardStatusBatchOut(Schema):
    items: list[CardStatusOut | CardStatusMissing] = Field(
        description="One item per number asked, in the order asked.",
        examples=[
            [
                {
                    "card_number": "A00000118",
                    "status": "normal",
                    "usable": True,
                    "bank_status": "normal",
                    "expires_on": "2034-03-01",
                    "blocked_until": None,
                },
                {
                    "card_number": "A0000002X",
                    "status": "temporarily_lost",
                    "usable": False,
                    "bank_status": "frozen",
                    "expires_on": "2033-05-01",
                    "blocked_until": "2026-03-17T10:00:00+08:00",
                },
                {
                    "card_number": "B23456705",
                    "error": {
                        "type": "https://sscard.example/problems/card_not_found",
                        "title": "Not found",
                        "status": 404,
                        "detail": "No card with this number.",
                        "code": "card_not_found",
                    },
                },
            ]
        ],
    )


class Ping(Schema):
    ok: bool
    client: str


# ------------------------------------------------------------------ records

InsuranceName = Literal["pension", "medical", "unemployment", "work_injury", "maternity"]
RecordStatusName = Literal["paid", "owed", "back_paid"]


class RecordErrorOut(Schema):
    field: str
    message: str
    code: str


class RejectedRecord(Schema):
    index: int
    errors: list[RecordErrorOut]


class ContributionsBooked(Schema):
    created: int
    replaced: int
    unchanged: int
    rejected: list[RejectedRecord]


class ContributionsFilter(Schema):
    insurance: InsuranceName | None = None
    from_: str | None = Field(default=None, alias="from", max_length=7, examples=["2020-01"])
    to: str | None = Field(default=None, max_length=7, examples=["2024-12"])
    page: int = Field(default=1, ge=1, le=100_000)


class EmployerOut(Schema):
    name: str
    credit_code: str


class ContributionOut(Schema):
    insurance: InsuranceName
    month: str
    employer: EmployerOut
    base: Money
    employer_amount: Money
    individual_amount: Money
    status: RecordStatusName
    paid_on: dt.date | None
    version: int


class ContributionTotals(Schema):
    insurance: InsuranceName
    months: int
    owed_months: int
    base: Money
    employer_amount: Money
    individual_amount: Money


class ContributionsOut(Schema):
    social_security_number: str
    count: int
    page: int
    page_size: int
    records: list[ContributionOut]
    totals: list[ContributionTotals]


class MonthsPaidOut(Schema):
    insurance: InsuranceName
    total: int
    longest_continuous: int
    current_continuous: int
    first: str | None
    last: str | None


class AccountYearOut(Schema):
    year: int
    opening: Money
    credits: Money
    rate: str | None
    interest: Money
    closing: Money


class AccountOut(Schema):
    balance: Money
    interest: Money
    years: list[AccountYearOut]


class RightsOut(Schema):
    social_security_number: str
    months: list[MonthsPaidOut]
    pension_account: AccountOut | None
    medical_account: AccountOut | None


class DisputeIn(In):
    insurance: InsuranceName
    month: str = Field(min_length=7, max_length=7, examples=["2024-03"])
    employer_credit_code: str | None = Field(default=None, max_length=18)
    reason: str = Field(min_length=1, max_length=500)
    social_security_number: Ssn | None = Field(
        default=None, description="a ward's, when a guardian disputes for them"
    )


class DisputeOut(Schema):
    reference: str
    status: Literal["open", "corrected", "confirmed"]
    answer_due: dt.date
