"""API clients and their bearer tokens; citizens' app tokens.

A token is shown once, when it is made; only its SHA-256 is stored.
"""

from __future__ import annotations

import datetime as dt
import hmac
import secrets
from dataclasses import dataclass

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Q

from sscard.audit.services import record_event, save_recording_change
from sscard.common import clock
from sscard.common.context import Actor
from sscard.common.errors import Conflict, ErrorCode, FieldError, NotFound, ValidationError
from sscard.outlets.models import Outlet, OutletType
from sscard.partners.models import ApiClient, Bank, CitizenToken, Scope
from sscard.partners.tokens import (
    CLIENT_TOKEN_PREFIX,
    forget_clients,
    hash_token,
)
from sscard.partners.webhook_urls import check_webhook_url
from sscard.people.models import Person

CITIZEN_TOKEN_PREFIX = "ssc_"


def _new_token(prefix: str) -> str:
    return prefix + secrets.token_urlsafe(32)


@dataclass(frozen=True)
class IssuedClient:
    client: ApiClient
    token: str


def parse_scopes(raw: str | list[str]) -> list[str]:
    items = raw.split(",") if isinstance(raw, str) else list(raw)
    scopes = [s.strip() for s in items if s.strip()]
    unknown = sorted({s for s in scopes if s not in Scope.values})
    if not scopes or unknown:
        raise ValidationError(
            "Unknown scopes: " + ", ".join(unknown) if unknown else "At least one scope is needed.",
            code=ErrorCode.INVALID_SCOPES,
            errors=[FieldError("scopes", f"must be among {', '.join(Scope.values)}")],
        )
    return sorted(set(scopes))


def _binding(outlet_code: str | None, bank_code: str | None) -> tuple[Outlet | None, Bank | None]:
    """The outlet and the bank a new client is bound to; a bank outlet binds its own bank."""
    outlet = None
    if outlet_code:
        outlet = Outlet.objects.filter(code=outlet_code.strip().upper()).first()
        if outlet is None:
            raise NotFound(f"No outlet {outlet_code}.", code=ErrorCode.OUTLET_NOT_FOUND)
    bank = None
    if bank_code:
        bank = Bank.objects.filter(code=bank_code.strip().upper()).first()
        if bank is None:
            raise NotFound(f"No bank {bank_code}.", code=ErrorCode.BANK_NOT_FOUND)
    if outlet is not None and outlet.type == OutletType.BANK_OUTLET:
        if bank is not None and bank.pk != outlet.bank_id:
            raise ValidationError(
                f"Outlet {outlet.code} belongs to another bank.",
                code=ErrorCode.WRONG_BANK,
                errors=[FieldError("bank", "is not the outlet's bank")],
            )
        bank = outlet.bank
    return outlet, bank


def create_api_client(
    *,
    actor: Actor,
    name: str,
    scopes: str | list[str],
    outlet_code: str | None = None,
    bank_code: str | None = None,
) -> IssuedClient:
    """Make a client and its token. A bank outlet binds the client to that outlet's bank too."""
    name = (name or "").strip()
    if not name or len(name) > 64:
        raise ValidationError(
            "A client needs a name of 1 to 64 characters.",
            code=ErrorCode.INVALID_NAME,
            errors=[FieldError("name", "1 to 64 characters")],
        )
    clean_scopes = parse_scopes(scopes)
    outlet, bank = _binding(outlet_code, bank_code)
    token = _new_token(CLIENT_TOKEN_PREFIX)
    with transaction.atomic():
        if ApiClient.objects.filter(name=name).exists():
            raise Conflict(f"A client named {name} exists.", code=ErrorCode.CLIENT_EXISTS)
        try:
            with transaction.atomic():
                client = ApiClient.objects.create(
                    name=name,
                    scopes=clean_scopes,
                    outlet=outlet,
                    bank=bank,
                    token_hash=hash_token(token),
                    token_prefix=token[:8],
                    created_at=clock.now(),
                )
        except IntegrityError:
            raise Conflict(f"A client named {name} exists.", code=ErrorCode.CLIENT_EXISTS) from None
        record_event(
            actor=actor,
            action="api_client.created",
            object_type="api_client",
            object_id=client.pk,
            before={},
            after={
                "name": name,
                "scopes": clean_scopes,
                "outlet": outlet.code if outlet else None,
                "bank": bank.code if bank else None,
            },
        )
    return IssuedClient(client, token)


def replace_api_token(*, actor: Actor, name: str, token_hash_start: str) -> IssuedClient:
    """Give a client a new token in place of its current one, named by the start of that
    token's hash (how a terminal's enrolment code names it). The code works once: the token it
    names is gone afterwards."""
    with transaction.atomic():
        client = (
            ApiClient.objects.select_for_update()
            .filter(name=(name or "").strip(), revoked_at__isnull=True)
            .first()
        )
        if (
            client is None
            or len(token_hash_start) < 16
            or not hmac.compare_digest(
                client.token_hash[: len(token_hash_start)].encode(), token_hash_start.encode()
            )
        ):
            raise ValidationError(
                "This code has been used already, or it is not valid.",
                code=ErrorCode.INVALID_CODE,
                errors=[FieldError("code", "used or not valid")],
            )
        token = _new_token(CLIENT_TOKEN_PREFIX)
        before = {"token_prefix": client.token_prefix}
        client.token_hash, client.token_prefix = hash_token(token), token[:8]
        client.save(update_fields=["token_hash", "token_prefix"])
        _forget_clients_now_and_on_commit()
        record_event(
            actor=actor,
            action="api_client.token_replaced",
            object_type="api_client",
            object_id=client.pk,
            before=before,
            after={"token_prefix": client.token_prefix},
        )
    return IssuedClient(client, token)


def _forget_clients_now_and_on_commit() -> None:
    """This process takes the old token no more from the next request on (partners.tokens):
    forgotten now, and again once the change is committed, in case a request of another
    thread read the client in between."""
    forget_clients()
    transaction.on_commit(forget_clients)


def revoke_api_client(*, actor: Actor, name: str) -> ApiClient:
    with transaction.atomic():
        client = ApiClient.objects.select_for_update().filter(name=name.strip()).first()
        if client is None:
            raise NotFound(f"No client named {name}.", code=ErrorCode.CLIENT_NOT_FOUND)
        if client.revoked_at is None:
            client.revoked_at = clock.now()
            client.save(update_fields=["revoked_at"])
            _forget_clients_now_and_on_commit()
            record_event(
                actor=actor,
                action="api_client.revoked",
                object_type="api_client",
                object_id=client.pk,
                before={"revoked": False},
                after={"revoked": True},
            )
    return client


BANK_FIELDS = ("code", "name", "webhook_url", "webhook_secret")
# Recorded as set, changed or unset, never with their values.
BANK_SECRET_FIELDS = ("webhook_url", "webhook_secret")


def save_bank(*, actor: Actor, bank: Bank) -> Bank:
    """Create or change a co-operating bank (the admin's form and any other caller). The
    webhook URL must be one sscard may send to (webhook_urls). Audited."""
    bank.webhook_url = check_webhook_url(bank.webhook_url)
    save_recording_change(
        actor=actor,
        instance=bank,
        object_type="bank",
        fields=BANK_FIELDS,
        secret=BANK_SECRET_FIELDS,
    )
    return bank


@dataclass(frozen=True)
class IssuedCitizenToken:
    token: str
    expires_in: int


def issue_citizen_token(*, person: Person) -> IssuedCitizenToken:
    ttl = settings.CITIZEN_TOKEN_TTL_SECONDS
    token = _new_token(CITIZEN_TOKEN_PREFIX)
    now = clock.now()
    CitizenToken.objects.create(
        person=person,
        token_hash=hash_token(token),
        created_at=now,
        expires_at=now + dt.timedelta(seconds=ttl),
    )
    return IssuedCitizenToken(token, ttl)


def prune_citizen_tokens() -> int:
    """Forget tokens that no longer work, expired or revoked (the sweep calls this)."""
    deleted, _ = CitizenToken.objects.filter(
        Q(expires_at__lte=clock.now()) | Q(revoked_at__isnull=False)
    ).delete()
    return deleted


def person_for_token(token: str) -> Person | None:
    if not token.startswith(CITIZEN_TOKEN_PREFIX):
        return None
    row = (
        CitizenToken.objects.select_related("person")
        .filter(token_hash=hash_token(token), revoked_at__isnull=True, expires_at__gt=clock.now())
        .first()
    )
    return row.person if row else None
