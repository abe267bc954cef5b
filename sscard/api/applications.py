"""Card applications: apply, read, find by receipt number, and production events."""

from __future__ import annotations

import dataclasses
from typing import Any

from django.db import transaction
from django.http import HttpRequest
from ninja import Query, Router, Schema, Status
from ninja.decorators import decorate_view
from pydantic import ConfigDict, Field

from sscard.api.auth import Principal, principal_of
from sscard.api.idempotency import idempotent
from sscard.api.render import application, seen_by
from sscard.api.schemas import (
    ERRORS,
    ApplicationIn,
    ApplicationOut,
    ApplicationStatusName,
    ProductionEventIn,
)
from sscard.applications.models import CardApplication, Production
from sscard.applications.selectors import applications, check_receipt_number, get_application
from sscard.applications.services.applying import apply_for_card
from sscard.applications.services.production import issue_instantly, record_production_event
from sscard.applications.services.renewal import renew_card
from sscard.common.context import Actor, Channel
from sscard.common.errors import ErrorCode, FieldError, Forbidden, NotFound, ValidationError
from sscard.outlets.models import Outlet
from sscard.outlets.selectors import get_outlet
from sscard.partners.models import Bank, Scope
from sscard.partners.selectors import of_own_bank
from sscard.people.ids import parse_citizen_id
from sscard.people.selectors import get_person, get_person_among

router = Router(tags=["card applications"])


def _visible(principal: Principal, number: str) -> CardApplication:
    app = get_application(number)
    if not principal.may_see(person_id=app.person_id, bank_id=app.bank_id):
        raise NotFound("No application with this number.", code=ErrorCode.APPLICATION_NOT_FOUND)
    return app


def _actor_at(principal: Principal, outlet: Outlet | None) -> Actor:
    """The actor of business done at `outlet`: a token bound to no outlet (a central system, a
    bank's head office) names the outlet, and the timeline and audit trail must say which."""
    if outlet is None:
        return principal.actor()
    actor = principal.actor(principal.counter_channel(outlet))
    return dataclasses.replace(actor, outlet_code=outlet.code)


def _bank(principal: Principal, code: str | None) -> Bank | None:
    if not code:
        return principal.client.bank if principal.client else None
    bank = Bank.objects.filter(code=code.strip().upper()).first()
    if bank is None:
        raise ValidationError(
            f"No bank {code}.",
            code=ErrorCode.BANK_NOT_FOUND,
            errors=[FieldError("bank_code", "unknown")],
        )
    return bank


@router.post(
    "/card-applications",
    response={201: ApplicationOut, **ERRORS},
    summary="Apply for a new card, a reissue or a replacement; the receipt is issued at once",
    operation_id="createCardApplication",
)
@decorate_view(idempotent)
def create(request: HttpRequest, payload: ApplicationIn) -> Status[dict[str, Any]]:
    principal = principal_of(request)
    if principal.is_citizen and (payload.type, payload.reason) == ("replacement", "expired"):
        return Status(201, _renewal(principal, payload))
    principal.require(Scope.APPLICATIONS_WRITE)
    person = get_person(payload.social_security_number)
    applicant = get_person(
        payload.applicant.social_security_number, field="applicant.social_security_number"
    )
    if payload.applicant.name.strip() != applicant.name:
        raise ValidationError(
            "The applicant's name does not match the ID number.",
            code=ErrorCode.APPLICANT_NOT_MATCHED,
            errors=[FieldError("applicant.name", "does not match the ID number")],
        )
    outlet = principal.outlet_for(payload.outlet_code)
    assert outlet is not None
    actor = _actor_at(principal, outlet)
    with transaction.atomic():
        app = apply_for_card(
            actor=actor,
            type=payload.type,
            person=person,
            applicant=applicant,
            relation=payload.applicant.relation,
            documents=list(payload.documents),
            outlet=outlet,
            bank=_bank(principal, payload.bank_code),
            production=payload.production,
            delivery=payload.delivery,
            mail_address=payload.mail_address or "",
            fee_waiver=payload.fee_waiver or "",
            reason=payload.reason or "",
        )
        if app.production == Production.INSTANT:
            app = issue_instantly(actor=actor, application=app, outlet=outlet)
    app = get_application(app.number)
    return Status(201, application(app, seen_by(principal)))


def _renewal(principal: Principal, payload: ApplicationIn) -> dict[str, Any]:
    """A signed-in citizen renews their card, or a ward's, before it expires (the app): as
    themselves, for a person in their reach."""
    assert principal.person is not None
    field = "applicant.social_security_number"
    number = parse_citizen_id(payload.applicant.social_security_number, field=field).number
    if number != principal.person.social_security_number:
        raise Forbidden(
            "A signed-in citizen applies as themselves.",
            code=ErrorCode.REPORTER_NOT_SIGNED_IN,
            errors=[FieldError(field, "is not the signed-in person")],
        )
    person = get_person_among(payload.social_security_number, among=principal.reach())
    with transaction.atomic():
        app = renew_card(
            actor=principal.actor(Channel.APP),
            person=person,
            applicant=principal.person,
            relation=payload.applicant.relation,
            outlet=get_outlet(payload.outlet_code),
            delivery=payload.delivery,
            mail_address=payload.mail_address or "",
        )
    return application(get_application(app.number), seen_by(principal))


@router.get(
    "/card-applications/{number}",
    response={200: ApplicationOut, **ERRORS},
    summary="Read an application with its timeline",
    operation_id="getCardApplication",
)
def read(request: HttpRequest, number: str) -> dict[str, Any]:
    principal = principal_of(request)
    principal.require(Scope.APPLICATIONS_READ, citizen_ok=True)
    return application(_visible(principal, number), seen_by(principal))


class ApplicationFilter(Schema):
    model_config = ConfigDict(extra="forbid")

    receipt_number: str | None = Field(None, max_length=32)
    status: ApplicationStatusName | None = None
    limit: int = Field(50, ge=1, le=200)
    offset: int = Field(0, ge=0, le=1_000_000)


@router.get(
    "/card-applications",
    response={200: list[ApplicationOut], **ERRORS},
    summary="Find applications: by receipt number (how a bank finds a receipt), or a queue",
    operation_id="findCardApplications",
)
def find(request: HttpRequest, filters: Query[ApplicationFilter]) -> list[dict[str, Any]]:
    principal = principal_of(request)
    principal.require(Scope.APPLICATIONS_READ)
    rows = applications().order_by("created_at", "pk")
    if filters.receipt_number is not None:
        rows = rows.filter(receipt_number=check_receipt_number(filters.receipt_number))
    if filters.status is not None:
        rows = rows.filter(status=filters.status)
    rows = of_own_bank(rows, principal.bank_id)
    page = rows[filters.offset : filters.offset + filters.limit]
    mask = seen_by(principal)
    return [application(app, mask) for app in page]


@router.post(
    "/card-applications/{number}/events",
    response={200: ApplicationOut, **ERRORS},
    summary="Record a production event (bank-bound tokens: their own bank's applications only)",
    operation_id="recordProductionEvent",
)
@decorate_view(idempotent)
def event(request: HttpRequest, number: str, payload: ProductionEventIn) -> dict[str, Any]:
    principal = principal_of(request)
    principal.require(Scope.PRODUCTION_WRITE)
    app = _visible(principal, number)
    outlet = principal.outlet_for(payload.outlet_code)
    record_production_event(
        actor=_actor_at(principal, outlet),
        application=app,
        type=payload.type,
        outlet=outlet,
        tracking_number=payload.tracking_number or "",
        note=payload.note or "",
    )
    return application(get_application(number), seen_by(principal))
