"""Which terminal a browser is: the device credential kept in the terminal's browser.

A terminal is an API client bound to a self-service-terminal outlet (`sscard kiosk enrol`, or
`sscard token create --outlet` and then `sscard kiosk enrol --client`). Staff open the
enrolment address once on the terminal: its code names the client and the start of the hash of
its current token, and is good for `ENROL_SECONDS`. Enrolling gives the client a new token
(`partners.services.replace_api_token`), so the code works once, and keeps that token in a
long-lived signed, HttpOnly cookie. Revoking the client (`sscard token revoke`) un-enrols the
terminal at once. A browser without a valid cookie sees only "this terminal is not set up".
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core import signing
from django.http import HttpRequest, HttpResponseBase

from sscard.common.context import Actor, Channel, Role
from sscard.common.errors import ErrorCode, FieldError, ValidationError
from sscard.outlets.models import Outlet, OutletType
from sscard.partners.models import ApiClient
from sscard.partners.services import replace_api_token
from sscard.partners.tokens import client_for_token

COOKIE = "sscard_terminal"
COOKIE_SALT = "sscard.kiosk.terminal"
ENROL_SALT = "sscard.kiosk.enrol"
ENROL_SECONDS = 24 * 3600
COOKIE_SECONDS = 5 * 365 * 24 * 3600


@dataclass(frozen=True)
class Terminal:
    client: ApiClient
    outlet: Outlet


def _invalid(detail: str) -> ValidationError:
    return ValidationError(detail, code=ErrorCode.INVALID_CODE, errors=[FieldError("code", detail)])


def check_terminal_client(client: ApiClient | None) -> Terminal:
    """A client that may be a terminal: not revoked, bound to a self-service terminal."""
    outlet = client.outlet if client is not None else None
    if client is None or client.revoked_at is not None or outlet is None:
        raise _invalid("This client is not bound to an outlet.")
    if outlet.type != OutletType.SELF_SERVICE_TERMINAL or not outlet.active:
        raise _invalid(f"Outlet {outlet.code} is not a self-service terminal in service.")
    return Terminal(client, outlet)


def enrolment_code(client: ApiClient) -> str:
    """The one-time code of the enrolment address for `client`."""
    check_terminal_client(client)
    return signing.dumps({"c": client.name, "h": client.token_hash[:20]}, salt=ENROL_SALT)


def enrol(code: str) -> str:
    """Spend an enrolment code: the terminal's new token, to keep in its cookie."""
    try:
        data: Any = signing.loads(code, salt=ENROL_SALT, max_age=ENROL_SECONDS)
        name, start = str(data["c"]), str(data["h"])
    except (signing.BadSignature, KeyError, TypeError):
        raise _invalid("This enrolment code is not valid or has expired.") from None
    check_terminal_client(ApiClient.objects.filter(name=name).first())
    actor = Actor(kind="operator", id=f"enrolment:{name}", role=Role.ADMIN, channel=Channel.SYSTEM)
    return replace_api_token(actor=actor, name=name, token_hash_start=start).token


def keep(response: HttpResponseBase, token: str) -> None:
    response.set_signed_cookie(
        COOKIE,
        token,
        salt=COOKIE_SALT,
        max_age=COOKIE_SECONDS,
        httponly=True,
        samesite="Strict",
        secure=settings.SESSION_COOKIE_SECURE,
    )


def terminal_of(request: HttpRequest) -> Terminal | None:
    """The terminal this browser is, from its cookie; None when it is not set up."""
    token = request.get_signed_cookie(COOKIE, default=None, salt=COOKIE_SALT)
    if not token or len(token) > 200:
        return None
    client = client_for_token(token)
    if client is None:
        return None
    try:
        return check_terminal_client(client)
    except ValidationError:
        return None
