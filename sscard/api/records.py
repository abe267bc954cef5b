"""Records (API.md "Records and statements"): the core system's feed, and reading a person's
contribution records, rights and yearly statement (a PDF) through the records' read model
(`records.permissions`)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import HttpRequest, HttpResponse
from ninja import Body, Query, Router, Status
from ninja.decorators import decorate_view

from sscard.api.auth import Principal, principal_of, refused
from sscard.api.idempotency import idempotent
from sscard.api.problems import ProtocolCode
from sscard.api.schemas import (
    ContributionsBooked,
    ContributionsFilter,
    ContributionsOut,
    DisputeIn,
    DisputeOut,
    Problem,
    RightsOut,
)
from sscard.common.errors import FieldError, ValidationError
from sscard.common.money import Money
from sscard.people.masking import mask_id_number
from sscard.people.models import Person
from sscard.people.selectors import get_person, get_person_among
from sscard.records.feeds import parse_month
from sscard.records.permissions import RECORDS_READ, Reader, readable_people
from sscard.records.selectors import Account, records_of, rights_of, totals_of
from sscard.records.services import (
    book_contributions,
    open_dispute,
    read_records,
    read_statement,
)

router = Router(tags=["records"])
ERRORS: dict[int, Any] = {401: Problem, 403: Problem, 404: Problem, 422: Problem}
PAGE_SIZE = 120


def _reader(principal: Principal) -> Reader:
    return Reader(actor=principal.actor(), person=principal.person, scopes=principal.scopes)


@router.put(
    "/contributions",
    response={200: ContributionsBooked, **ERRORS},
    summary="Book up to 10,000 contribution records (each rejected one listed, the rest kept)",
    operation_id="bookContributions",
)
def book(request: HttpRequest, records: list[Any] = Body(...)) -> dict[str, Any]:  # noqa: B008
    principal = principal_of(request)
    principal.require("records:write")
    reader = _reader(principal)
    return book_contributions(reader=reader, records=records, source="api").as_dict()


def _month(value: str | None, name: str) -> dt.date | None:
    if not value:
        return None
    month = parse_month(value)
    if month is None:
        raise ValidationError(
            f"{name} must be a month as YYYY-MM.", errors=[FieldError(name, "must be YYYY-MM")]
        )
    return month


def _money(amount: Any) -> dict[str, str]:
    return Money(amount).as_dict()


def _contributions(reader: Reader, person: Person, filters: ContributionsFilter) -> dict[str, Any]:
    access = read_records(reader, person, what="contributions")
    insurances = access.insurances
    if filters.insurance:
        insurances = insurances & {filters.insurance}
    rows = records_of(
        person,
        insurances=insurances,
        since=_month(filters.from_, "from"),
        until=_month(filters.to, "to"),
    )
    total = rows.count()
    start = (filters.page - 1) * PAGE_SIZE
    return {
        "social_security_number": mask_id_number(person.social_security_number),
        "count": total,
        "page": filters.page,
        "page_size": PAGE_SIZE,
        "records": [
            {
                "insurance": r.insurance,
                "month": f"{r.month:%Y-%m}",
                "employer": {"name": r.employer.name, "credit_code": r.employer.credit_code},
                "base": _money(r.base),
                "employer_amount": _money(r.employer_amount),
                "individual_amount": _money(r.individual_amount),
                "status": r.status,
                "paid_on": r.paid_on,
                "version": r.version,
            }
            for r in rows[start : start + PAGE_SIZE]
        ],
        "totals": [
            {
                "insurance": t.insurance,
                "months": t.months,
                "owed_months": t.owed_months,
                "base": _money(t.base),
                "employer_amount": _money(t.employer_amount),
                "individual_amount": _money(t.individual_amount),
            }
            for t in totals_of(rows)
        ],
    }


def _account(account: Account) -> dict[str, Any]:
    return {
        "balance": _money(account.balance),
        "interest": _money(account.interest),
        "years": [
            {
                "year": y.year,
                "opening": _money(y.opening),
                "credits": _money(y.credits),
                "rate": f"{y.rate:.4f}" if y.rate is not None else None,
                "interest": _money(y.interest),
                "closing": _money(y.closing),
            }
            for y in account.years
        ],
    }


def _rights(reader: Reader, person: Person) -> dict[str, Any]:
    access = read_records(reader, person, what="rights")
    rights = rights_of(person)
    return {
        "social_security_number": mask_id_number(person.social_security_number),
        "months": [
            {
                "insurance": m.insurance,
                "total": m.total,
                "longest_continuous": m.longest,
                "current_continuous": m.current,
                "first": f"{m.first:%Y-%m}" if m.first else None,
                "last": f"{m.last:%Y-%m}" if m.last else None,
            }
            for m in rights.months
            if m.insurance in access.insurances
        ],
        "pension_account": _account(rights.pension) if "pension" in access.insurances else None,
        "medical_account": _account(rights.medical) if "medical" in access.insurances else None,
    }


def _citizen_subject(principal: Principal, ssn: str | None) -> Person:
    """A citizen reads their own records, or those of a ward or of a person whose written
    authorisation names them (`ssn`); anyone else's number reads as missing."""
    person = principal.person
    if person is None:
        raise refused("Only a signed-in citizen has a /me.", ProtocolCode.CITIZEN_TOKEN_REQUIRED)
    if not ssn:
        return person
    among = [person.pk, *(p.pk for p in readable_people(person))]
    return get_person_among(ssn, among=among, field="ssn")


@router.get(
    "/persons/{ssn}/contributions",
    response={200: ContributionsOut, **ERRORS},
    summary="A person's contribution records, newest first, with totals per insurance",
    operation_id="getPersonContributions",
)
def person_contributions(
    request: HttpRequest, ssn: str, filters: Query[ContributionsFilter]
) -> dict[str, Any]:
    principal = principal_of(request)
    principal.require(RECORDS_READ)
    return _contributions(_reader(principal), get_person(ssn, field="ssn"), filters)


@router.get(
    "/me/contributions",
    response={200: ContributionsOut, **ERRORS},
    summary="The signed-in citizen's contribution records (or a ward's: ssn)",
    operation_id="getMyContributions",
)
def my_contributions(
    request: HttpRequest, filters: Query[ContributionsFilter], ssn: str | None = None
) -> dict[str, Any]:
    principal = principal_of(request)
    subject = _citizen_subject(principal, ssn)
    return _contributions(_reader(principal), subject, filters)


@router.get(
    "/persons/{ssn}/rights",
    response={200: RightsOut, **ERRORS},
    summary="A person's rights: months paid, pension and medical personal accounts by year",
    operation_id="getPersonRights",
)
def person_rights(request: HttpRequest, ssn: str) -> dict[str, Any]:
    principal = principal_of(request)
    principal.require(RECORDS_READ)
    return _rights(_reader(principal), get_person(ssn, field="ssn"))


@router.get(
    "/me/rights",
    response={200: RightsOut, **ERRORS},
    summary="The signed-in citizen's rights (or a ward's: ssn)",
    operation_id="getMyRights",
)
def my_rights(request: HttpRequest, ssn: str | None = None) -> dict[str, Any]:
    principal = principal_of(request)
    return _rights(_reader(principal), _citizen_subject(principal, ssn))


# The statement's 200 is a PDF, not JSON: documented as such.
PDF_ANSWER: dict[str, Any] = {
    "responses": {
        200: {
            "description": "The personal rights record statement of the year (zh-Hans, CJK font "
            "embedded, masked ID number, with its verification code)",
            "content": {"application/pdf": {"schema": {"type": "string", "format": "binary"}}},
        }
    }
}


def _pdf(pdf: bytes, year: int) -> HttpResponse:
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="statement-{year}.pdf"'
    response["Cache-Control"] = "no-store"
    return response


@router.get(
    "/persons/{ssn}/statements/{year}.pdf",
    response={**ERRORS},
    summary="A person's personal rights record statement of a year, as a PDF",
    operation_id="getPersonStatement",
    openapi_extra=PDF_ANSWER,
)
def person_statement(request: HttpRequest, ssn: str, year: int) -> HttpResponse:
    principal = principal_of(request)
    principal.require(RECORDS_READ)
    return _pdf(read_statement(_reader(principal), get_person(ssn, field="ssn"), year), year)


@router.get(
    "/me/statements/{year}.pdf",
    response={**ERRORS},
    summary="The signed-in citizen's statement of a year, as a PDF (or a ward's: ssn)",
    operation_id="getMyStatement",
    openapi_extra=PDF_ANSWER,
)
def my_statement(request: HttpRequest, year: int, ssn: str | None = None) -> HttpResponse:
    principal = principal_of(request)
    subject = _citizen_subject(principal, ssn)
    return _pdf(read_statement(_reader(principal), subject, year), year)


@router.post(
    "/me/record-disputes",
    response={201: DisputeOut, **ERRORS},
    summary="Dispute a month's record (one's own, or a ward's); answered within 15 working days",
    operation_id="createRecordDispute",
)
@decorate_view(idempotent)
def dispute(request: HttpRequest, payload: DisputeIn) -> Status[dict[str, Any]]:
    principal = principal_of(request)
    subject = _citizen_subject(principal, payload.social_security_number)
    opened = open_dispute(
        reader=_reader(principal),
        person=subject,
        insurance=payload.insurance,
        month=payload.month,
        reason=payload.reason,
        employer_credit_code=payload.employer_credit_code,
    )
    return Status(
        201,
        {"reference": opened.reference, "status": opened.status, "answer_due": opened.answer_due},
    )
