"""Citizen sign-in for the mobile app, and what a signed-in citizen sees of themselves."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Router, Status

from sscard.api.auth import principal_of, refused
from sscard.api.problems import ProtocolCode
from sscard.api.render import Masker, card_brief, person_full
from sscard.api.schemas import MeOut, OtpIn, OtpOut, Problem, TokenIn, TokenOut
from sscard.cards.person_cards import cards_of
from sscard.common.context import Channel
from sscard.common.http import client_address
from sscard.partners.services import issue_citizen_token
from sscard.people.selectors import wardships_of
from sscard.signin.services import request_sign_in_code, revoke_citizen_token, sign_in_with_code

router = Router(tags=["citizen sign-in"])


@router.post(
    "/auth/otp",
    response={202: OtpOut, 422: Problem, 429: Problem, 503: Problem},
    auth=None,
    summary="Send a one-time code by SMS (same answer whether or not the pair exists)",
    operation_id="requestSignInCode",
)
def otp(request: HttpRequest, payload: OtpIn) -> Status[dict[str, str]]:
    request_sign_in_code(
        social_security_number=payload.social_security_number,
        phone=payload.phone,
        client_address=client_address(request),
    )
    return Status(
        202, {"detail": "If the ID number and phone match our records, a code has been sent."}
    )


@router.post(
    "/auth/token",
    response={200: TokenOut, 401: Problem, 422: Problem},
    auth=None,
    summary="Exchange the one-time code for a bearer token",
    operation_id="createCitizenToken",
)
def token(request: HttpRequest, payload: TokenIn) -> dict[str, Any]:
    person = sign_in_with_code(
        social_security_number=payload.social_security_number, code=payload.code
    )
    issued = issue_citizen_token(person=person)
    return {"access_token": issued.token, "token_type": "Bearer", "expires_in": issued.expires_in}


@router.delete(
    "/auth/token",
    response={204: None, 401: Problem, 403: Problem},
    summary="Sign out: the presented citizen token stops working at once",
    operation_id="revokeCitizenToken",
)
def sign_out(request: HttpRequest) -> Status[None]:
    principal = principal_of(request)
    if principal.person is None:
        raise refused(
            "Only a citizen's token is revoked here.", ProtocolCode.CITIZEN_TOKEN_REQUIRED
        )
    revoke_citizen_token(token=principal.token, channel=Channel.APP)
    return Status(204, None)


@router.get(
    "/me",
    response={200: MeOut, 401: Problem, 403: Problem},
    summary="The signed-in citizen, their cards and their wards' cards",
    operation_id="getMe",
)
def me(request: HttpRequest) -> dict[str, Any]:
    principal = principal_of(request)
    if principal.person is None:
        raise refused("Only a signed-in citizen has a /me.", ProtocolCode.CITIZEN_TOKEN_REQUIRED)
    person = principal.person
    mask = Masker(False)
    body = person_full(person, mask)
    wards = wardships_of(person)
    body["wards_cards"] = [
        {
            "social_security_number": mask.ssn(g.ward.social_security_number),
            "name": mask.name(g.ward.name),
            "relation": g.relation,
            "cards": [card_brief(c) for c in cards_of(g.ward, related=("bank",))],
        }
        for g in wards
    ]
    return body
