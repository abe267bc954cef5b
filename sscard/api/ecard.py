"""The electronic card (API.md "The electronic card"): a citizen's electronic card and its codes,
the online verification at a point of use, and the public keys that verify codes offline."""

from __future__ import annotations

from typing import Any, Literal

from django.http import HttpRequest
from ninja import Router, Schema, Status
from pydantic import Field

from sscard.api.auth import Principal, principal_of, refused
from sscard.api.problems import ProtocolCode
from sscard.api.schemas import ERRORS, CardStatusName, In, Moment, Problem, Ssn
from sscard.ecard.keys import jwks
from sscard.ecard.models import ElectronicCard
from sscard.ecard.services import issue_ecard, make_code, revoke_ecard, verify_code
from sscard.partners.models import Scope
from sscard.people.models import Person
from sscard.people.selectors import get_person_among

router = Router(tags=["electronic card"])


class EcardIn(In):
    social_security_number: Ssn | None = Field(
        default=None, description="A ward's, when a guardian acts for them; else oneself."
    )


class CodeIn(EcardIn):
    purpose: Literal["identify", "payment"] = Field(
        default="identify", description="A payment code is accepted once."
    )


class EcardOut(Schema):
    card_number: str
    issued_at: Moment
    in_force: bool


class CodeOut(Schema):
    code: str
    expires_at: Moment


class VerifyIn(In):
    code: str = Field(max_length=400)


class HolderOut(Schema):
    name: str = Field(description="Masked: the first character only.")


class VerifyOut(Schema):
    card_number: str
    status: CardStatusName
    usable: bool
    holder: HolderOut
    expires_at: Moment
    purpose: Literal["identify", "payment"]


class JwkOut(Schema):
    kty: Literal["OKP"]
    crv: Literal["Ed25519"]
    x: str
    kid: str
    use: Literal["sig"]
    alg: Literal["EdDSA"]


class JwksOut(Schema):
    keys: list[JwkOut]


def _citizen(request: HttpRequest) -> tuple[Principal, Person]:
    principal = principal_of(request)
    if principal.person is None:
        raise refused(
            "Only a signed-in citizen has an electronic card.",
            ProtocolCode.CITIZEN_TOKEN_REQUIRED,
        )
    return principal, principal.person


def _holder(principal: Principal, acting: Person, number: str | None) -> Person:
    if not number:
        return acting
    return get_person_among(number, among=principal.reach())


def _out(ecard: ElectronicCard) -> dict[str, Any]:
    return {
        "card_number": ecard.card.number,
        "issued_at": ecard.issued_at,
        "in_force": ecard.in_force,
    }


@router.post(
    "/me/ecard",
    response={201: EcardOut, **ERRORS},
    summary="Issue the electronic card of the signed-in citizen (or a ward)",
    operation_id="issueEcard",
)
def issue(request: HttpRequest, payload: EcardIn | None = None) -> Status[dict[str, Any]]:
    principal, acting = _citizen(request)
    holder = _holder(principal, acting, payload.social_security_number if payload else None)
    ecard = issue_ecard(actor=principal.actor(), holder=holder, acting=acting)
    return Status(201, _out(ecard))


@router.delete(
    "/me/ecard",
    response={204: None, **ERRORS},
    summary="Revoke the electronic card of the signed-in citizen (or a ward)",
    operation_id="revokeEcard",
)
def revoke(request: HttpRequest, social_security_number: str | None = None) -> Status[None]:
    principal, acting = _citizen(request)
    holder = _holder(principal, acting, social_security_number)
    revoke_ecard(actor=principal.actor(), holder=holder, acting=acting)
    return Status(204, None)


@router.post(
    "/me/ecard/codes",
    response={200: CodeOut, **ERRORS},
    summary="A signed, short-lived code to show as a QR code",
    operation_id="createEcardCode",
)
def codes(request: HttpRequest, payload: CodeIn | None = None) -> dict[str, Any]:
    principal, acting = _citizen(request)
    payload = payload or CodeIn()
    holder = _holder(principal, acting, payload.social_security_number)
    issued = make_code(
        actor=principal.actor(), holder=holder, acting=acting, purpose=payload.purpose
    )
    return {"code": issued.code, "expires_at": issued.expires_at}


@router.post(
    "/ecard/verify",
    response={200: VerifyOut, 401: Problem, 403: Problem, 409: Problem, 410: Problem, 422: Problem},
    summary="Verify a code online: signature, expiry, then the card's live status",
    operation_id="verifyEcardCode",
)
def verify(request: HttpRequest, payload: VerifyIn) -> VerifyOut:
    principal_of(request).require(Scope.CARDS_VERIFY)
    result = verify_code(payload.code)
    # Every value comes typed from the verification (a card status, a bool, an aware time, a
    # purpose of the code's own two): the answer is built as it is, without validating it
    # again, and serialised by the schema like any other (asked at every point of use).
    return VerifyOut.model_construct(
        card_number=result.card_number,
        status=result.status,
        usable=result.usable,
        holder=HolderOut.model_construct(name=result.masked_name),
        expires_at=result.expires_at,
        purpose=result.purpose,
    )


@router.get(
    "/ecard/keys",
    response={200: JwksOut},
    auth=None,
    summary="The public keys (JWKS, OKP/Ed25519) that verify codes offline",
    operation_id="getEcardKeys",
)
def keys(request: HttpRequest) -> dict[str, Any]:
    return jwks()
