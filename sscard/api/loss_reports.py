"""Loss reports: report a card lost (temporary or formal), read a report, lift it."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from ninja import Router, Status
from ninja.decorators import decorate_view

from sscard.api.auth import Principal, principal_of
from sscard.api.cards import card_for
from sscard.api.idempotency import idempotent
from sscard.api.render import loss_report
from sscard.api.schemas import (
    ERRORS,
    LiftIn,
    LossReportCreated,
    LossReportIn,
    LossReportOut,
)
from sscard.cards.models import Card, LossReport
from sscard.cards.selectors import current_card, get_loss_report
from sscard.cards.services import lift_loss_report, report_loss
from sscard.common.errors import ErrorCode, FieldError, Forbidden, NotFound, ValidationError
from sscard.partners.models import Scope
from sscard.people.ids import parse_citizen_id
from sscard.people.models import Person
from sscard.people.selectors import get_person, get_person_among

router = Router(tags=["loss reports"])


def _person_named(principal: Principal, social_security_number: str) -> Person:
    """A citizen finds only the people in their reach: any other number, recorded or not, is
    the same `person_not_found`, so the answer never tells whether a number exists."""
    if principal.is_citizen:
        return get_person_among(social_security_number, among=principal.reach())
    return get_person(social_security_number)


def _reporter_of(principal: Principal, payload: LossReportIn) -> Person:
    """A citizen reports as themselves: the number is compared with theirs before any lookup."""
    field = "reporter.social_security_number"
    if principal.person is None:
        return get_person(payload.reporter.social_security_number, field=field)
    number = parse_citizen_id(payload.reporter.social_security_number, field=field).number
    if number != principal.person.social_security_number:
        raise Forbidden(
            "A signed-in citizen reports as themselves.",
            code=ErrorCode.REPORTER_NOT_SIGNED_IN,
            errors=[FieldError(field, "is not the signed-in person")],
        )
    return principal.person


def _card_of_request(principal: Principal, payload: LossReportIn) -> Card:
    if payload.card_number:
        card = card_for(principal, payload.card_number)
        if payload.social_security_number:
            person = _person_named(principal, payload.social_security_number)
            if person.pk != card.person_id:
                raise ValidationError(
                    "The card does not belong to this social security number.",
                    code=ErrorCode.CARD_PERSON_MISMATCH,
                    errors=[FieldError("social_security_number", "is not the card's holder")],
                )
        return card
    if not payload.social_security_number:
        raise ValidationError(
            "Name the card by card_number or by the holder's social_security_number.",
            code=ErrorCode.VALIDATION_ERROR,
            errors=[FieldError("card_number", "card_number or social_security_number is required")],
        )
    person = _person_named(principal, payload.social_security_number)
    card = current_card(person)
    principal.check_card(
        person_id=card.person_id,
        bank_id=card.bank_id,
        not_found=NotFound("No card with this number.", code=ErrorCode.CARD_NOT_FOUND),
    )
    return card


def _report_for(principal: Principal, reference: str) -> LossReport:
    report = get_loss_report(reference)
    principal.check_card(
        person_id=report.card.person_id,
        bank_id=report.card.bank_id,
        not_found=NotFound(
            "No loss report with this reference.", code=ErrorCode.LOSS_REPORT_NOT_FOUND
        ),
    )
    return report


@router.post(
    "/loss-reports",
    response={201: LossReportCreated, 200: LossReportCreated, **ERRORS},
    summary="Report a card lost; a repeat renews, a formal one converts",
    operation_id="createLossReport",
)
@decorate_view(idempotent)
def create(request: HttpRequest, payload: LossReportIn) -> Status[dict[str, Any]]:
    principal = principal_of(request)
    principal.require(Scope.LOSS_REPORT, citizen_ok=True)
    channel = principal.channel_for(payload.channel)
    reporter = _reporter_of(principal, payload)
    if payload.reporter.name.strip() != reporter.name:
        raise ValidationError(
            "The reporter's name does not match the ID number.",
            code=ErrorCode.REPORTER_NOT_MATCHED,
            errors=[FieldError("reporter.name", "does not match the ID number")],
        )
    card = _card_of_request(principal, payload)
    outcome = report_loss(
        actor=principal.actor(channel),
        card=card,
        kind=payload.kind,
        reporter=reporter,
        relation=payload.reporter.relation,
        documents=list(payload.documents),
        outlet=principal.outlet,
    )
    shown = loss_report(outcome.report, outcome.card)
    body = {
        key: shown[key]
        for key in (
            "reference",
            "card_number",
            "kind",
            "status",
            "channel",
            "effective_at",
            "expires_at",
            "card_status",
            "bank_status",
        )
    }
    body["action"] = outcome.action
    return Status(201 if outcome.created else 200, body)


@router.get(
    "/loss-reports/{reference}",
    response={200: LossReportOut, **ERRORS},
    summary="Read a loss report",
    operation_id="getLossReport",
)
def read(request: HttpRequest, reference: str) -> dict[str, Any]:
    principal = principal_of(request)
    principal.require(Scope.LOSS_REPORT, citizen_ok=True)
    return loss_report(_report_for(principal, reference))


@router.post(
    "/loss-reports/{reference}/lift",
    response={200: LossReportOut, **ERRORS},
    summary="Lift a loss report when the card is found",
    operation_id="liftLossReport",
)
@decorate_view(idempotent)
def lift(request: HttpRequest, reference: str, payload: LiftIn) -> dict[str, Any] | HttpResponse:
    principal = principal_of(request)
    principal.require(Scope.LOSS_LIFT)
    report = _report_for(principal, reference)
    if payload.lifter is None:
        lifter, relation = report.card.person, "self"
    else:
        lifter = get_person(payload.lifter.social_security_number, field="lifter")
        relation = payload.lifter.relation
    report = lift_loss_report(
        actor=principal.actor(),
        report=report,
        lifter=lifter,
        relation=relation,
        documents=list(payload.documents),
        reason=payload.reason,
        outlet=principal.outlet,
    )
    return loss_report(report, report.card)
