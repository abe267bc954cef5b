"""Persons: recording people and reading them whole (API.md "Persons")."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Router, Status
from ninja.decorators import decorate_view

from sscard.api.auth import Principal, principal_of
from sscard.api.idempotency import idempotent
from sscard.api.render import person_full, seen_by
from sscard.api.schemas import ERRORS, PersonIn, PersonOut
from sscard.partners.models import Scope
from sscard.people.models import Language, Person
from sscard.people.selectors import get_person
from sscard.people.services import GuardianLink, create_person

router = Router(tags=["persons"])


@router.post(
    "/persons",
    response={201: PersonOut, **ERRORS},
    summary="Record a person",
    operation_id="createPerson",
)
@decorate_view(idempotent)
def create(request: HttpRequest, payload: PersonIn) -> Status[dict[str, Any]]:
    principal = principal_of(request)
    principal.require(Scope.PERSONS_WRITE)
    person = create_person(
        actor=principal.actor(),
        social_security_number=payload.social_security_number,
        name=payload.name,
        phone=payload.phone,
        email=payload.email or "",
        address=payload.address or "",
        guardians=[
            GuardianLink(g.social_security_number, g.relation, g.basis, g.document or "", g.ends_on)
            for g in payload.guardians or []
        ],
        language=payload.language or Language.ZH_HANS,
    )
    return Status(201, person_seen_by(principal, person))


@router.get(
    "/persons/{ssn}",
    response={200: PersonOut, **ERRORS},
    summary="Read a person",
    operation_id="getPerson",
)
def read(request: HttpRequest, ssn: str) -> dict[str, Any]:
    principal = principal_of(request)
    principal.require(Scope.PERSONS_READ)
    person = get_person(ssn)
    return person_seen_by(principal, person)


def person_seen_by(principal: Principal, person: Person) -> dict[str, Any]:
    """A bank's token sees only the cards of its own bank (DOMAIN.md section 10)."""
    return person_full(person, seen_by(principal))
