"""Who is calling: an API client with scopes and bindings, or a signed-in citizen."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.http import HttpRequest
from ninja.security import HttpBearer

from sscard.api.problems import ProtocolCode, ProtocolError
from sscard.common import logs
from sscard.common.context import Actor, Channel, Role
from sscard.common.errors import DomainError, ErrorCode, Forbidden, NotFound
from sscard.outlets.models import Outlet, OutletType
from sscard.partners.models import ApiClient, Scope
from sscard.partners.selectors import is_own_bank_id
from sscard.partners.services import person_for_token
from sscard.partners.tokens import recent_client_for_token
from sscard.people.models import Person
from sscard.people.selectors import reach

OUTLET_CHANNELS: dict[str, str] = {
    OutletType.BANK_OUTLET: Channel.BANK,
    OutletType.SELF_SERVICE_TERMINAL: Channel.KIOSK,
}
# Channels a token with no outlet may name when it reports a loss.
REMOTE_CHANNELS = frozenset({Channel.HOTLINE, Channel.WEB, Channel.APP, Channel.KIOSK})


class Unauthorized(ProtocolError):
    def __init__(self, detail: str) -> None:
        super().__init__(401, ProtocolCode.UNAUTHORIZED, detail, title="Unauthorized")


def refused(detail: str, code: ProtocolCode, **extra: Any) -> ProtocolError:
    """The token may not do this: a 403 as Forbidden answers it."""
    return ProtocolError(403, code, detail, title=Forbidden.title, **extra)


@dataclass
class Principal:
    client: ApiClient | None = None
    person: Person | None = None
    _reach: set[int] | None = field(default=None, repr=False)
    token: str = field(default="", repr=False)  # a citizen's, so that signing out can revoke it

    @property
    def is_citizen(self) -> bool:
        return self.person is not None

    @property
    def scopes(self) -> frozenset[str]:
        return frozenset(self.client.scopes) if self.client else frozenset()

    @property
    def outlet(self) -> Outlet | None:
        return self.client.outlet if self.client else None

    @property
    def bank_id(self) -> int | None:
        return self.client.bank_id if self.client else None

    @property
    def sees_personal_data(self) -> bool:
        return Scope.PERSONS_READ in self.scopes

    def has(self, scope: str) -> bool:
        return scope in self.scopes

    def require(self, scope: str, *, citizen_ok: bool = False) -> None:
        if self.is_citizen and citizen_ok:
            return
        if not self.has(scope):
            raise refused(
                f"This token lacks the scope {scope}.", ProtocolCode.INSUFFICIENT_SCOPE, scope=scope
            )

    def reach(self) -> set[int]:
        """The people a citizen may act for: themselves and their wards today."""
        if self.person is None:
            return set()
        if self._reach is None:
            self._reach = reach(self.person)
        return self._reach

    def may_see_person(self, person_id: int) -> bool:
        return not self.is_citizen or person_id in self.reach()

    def may_see_bank(self, bank_id: int | None) -> bool:
        return is_own_bank_id(self.bank_id, bank_id)

    def may_see(self, *, person_id: int, bank_id: int | None) -> bool:
        """Whether a record of this person and bank is the caller's to see: a citizen's own or
        a ward's; a client's own bank's."""
        return self.may_see_person(person_id) and (
            self.client is None or self.may_see_bank(bank_id)
        )

    def check_card(self, *, person_id: int, bank_id: int | None, not_found: DomainError) -> None:
        """Someone else's card reads as missing: telling it exists would leak it."""
        if not self.may_see(person_id=person_id, bank_id=bank_id):
            raise not_found

    def default_channel(self) -> str:
        if self.is_citizen:
            return Channel.APP
        outlet = self.outlet
        if outlet is not None:
            return OUTLET_CHANNELS.get(outlet.type, Channel.WINDOW)
        if self.bank_id is not None:
            return Channel.BANK
        return Channel.SYSTEM

    def counter_channel(self, outlet: Outlet) -> str:
        """The channel of business done at an outlet."""
        return OUTLET_CHANNELS.get(outlet.type, Channel.WINDOW)

    def channel_for(self, requested: str | None) -> str:
        """The channel a request is recorded under; a token cannot claim a counter it is not."""
        default = self.default_channel()
        if not requested or requested == default:
            return default if default != Channel.SYSTEM else (requested or default)
        if self.is_citizen:
            if requested in (Channel.APP, Channel.WEB):
                return requested
        elif self.outlet is None and self.bank_id is None and requested in REMOTE_CHANNELS:
            return requested
        raise Forbidden(
            f"This token cannot act through the channel {requested}.",
            code=ErrorCode.CHANNEL_NOT_ALLOWED,
            errors=[],
        )

    def actor(self, channel: str | None = None) -> Actor:
        if self.person is not None:
            return Actor.citizen(self.person.pk, channel or Channel.APP)
        assert self.client is not None
        bank = self.client.bank
        actor = Actor(
            kind="partner",
            id=self.client.name,
            role=Role.PARTNER,
            channel=channel or self.default_channel(),
            outlet_code=self.outlet.code if self.outlet else None,
            bank_code=bank.code if bank else None,
        )
        logs.note_actor(actor)
        return actor

    def outlet_for(self, code: str | None) -> Outlet | None:
        """An outlet-bound token acts at its outlet only."""
        from sscard.outlets.selectors import get_outlet

        if self.outlet is not None:
            if code and code.strip().upper() != self.outlet.code:
                raise refused(
                    f"This token acts for outlet {self.outlet.code} only.",
                    ProtocolCode.WRONG_OUTLET,
                )
            return self.outlet
        if not code:
            return None
        outlet = get_outlet(code)
        if not is_own_bank_id(self.bank_id, outlet.bank_id):
            raise refused(
                "This token acts for its own bank's outlets only.", ProtocolCode.WRONG_OUTLET
            )
        return outlet


class BearerAuth(HttpBearer):
    """Resolves a bearer token to a Principal; tokens are never logged."""

    def __call__(self, request: HttpRequest) -> Any:
        header = request.headers.get("Authorization", "")
        scheme, _, token = header.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            return None
        return self.authenticate(request, token.strip())

    def authenticate(self, request: HttpRequest, token: str) -> Principal | None:
        if len(token) > 200:
            return None
        client = recent_client_for_token(token)
        if client is not None:
            logs.bind(actor=client.name)  # the channel once it acts (Principal.actor)
            return Principal(client=client)
        person = person_for_token(token)
        if person is not None:
            principal = Principal(person=person, token=token)
            logs.note_actor(principal.actor())
            return principal
        return None


bearer = BearerAuth()


def principal_of(request: HttpRequest) -> Principal:
    auth = getattr(request, "auth", None)
    if not isinstance(auth, Principal):
        raise Unauthorized("A valid bearer token is required.")
    return auth


__all__ = ["NotFound", "Principal", "bearer", "principal_of"]
