"""Issuing and revoking electronic cards, making their codes and verifying them online; the
electronic card follows a new card once it is activated. Every rule of section 12 is here or
in `sscard.ecard.codes` (the code itself) and `sscard.ecard.keys` (the signing keys)."""

from __future__ import annotations

import datetime as dt
import secrets
from dataclasses import dataclass
from typing import Any

from django.db import IntegrityError, transaction

from sscard.audit.services import record_event
from sscard.cards.models import Card, CardStatus
from sscard.common import clock
from sscard.common.context import Actor
from sscard.common.errors import (
    Conflict,
    DomainError,
    ErrorCode,
    Forbidden,
    NotFound,
    check_one_of,
)
from sscard.ecard.codes import CLOCK_SKEW_SECONDS, PURPOSES, sign_code, verify_signed
from sscard.ecard.keys import code_seconds, public_keys, signing_key
from sscard.ecard.models import ElectronicCard, UsedCode
from sscard.ecard.selectors import code_holder, collected_card, ecard_in_force
from sscard.ecard.uses import note_use
from sscard.people.masking import mask_name
from sscard.people.models import Person
from sscard.people.selectors import in_reach
from sscard.policy.selectors import policy_for_region

# The card statuses under which an electronic card serves, whatever the policy says.
SERVES = frozenset({CardStatus.NORMAL, CardStatus.PIN_LOCKED})
# A loss report on the plastic card blocks the electronic one where the policy says so.
LOST = frozenset({CardStatus.TEMPORARILY_LOST, CardStatus.FORMALLY_LOST})
# How precisely the last use is kept (the console shows it to the minute).
LAST_USED_GRAIN = dt.timedelta(minutes=1)


def _check_reach(acting: Person | None, holder: Person) -> None:
    """A citizen acts for themselves or a ward in force (a guardian for a minor)."""
    if acting is not None and not in_reach(acting, holder.pk):
        raise Forbidden(
            "You may act only for yourself and your wards.", code=ErrorCode.NOT_GUARDIAN
        )


def _event(actor: Actor, action: str, ecard: ElectronicCard, before: dict[str, Any]) -> None:
    record_event(
        actor=actor,
        action=action,
        object_type="ecard",
        object_id=ecard.serial,
        bucket=ecard.bucket,
        before=before,
        after={"card": ecard.card.number, "in_force": ecard.in_force},
    )


def _new_serial() -> str:
    """A random serial not yet taken: the database checks a serial unique only with its bucket
    (docs/scale-out.md section 9), and 2^48 serials are not so many for a country."""
    serial = secrets.token_hex(6)
    while ElectronicCard.objects.filter(serial=serial).exists():
        serial = secrets.token_hex(6)
    return serial


def issue_ecard(*, actor: Actor, holder: Person, acting: Person | None = None) -> ElectronicCard:
    """Issue the holder's electronic card, bound to their collected card."""
    _check_reach(acting, holder)
    with transaction.atomic():
        Person.objects.select_for_update().filter(pk=holder.pk).first()
        card = collected_card(holder)
        if card is None:
            raise Conflict(
                "An electronic card is issued only for a card that has been collected.",
                code=ErrorCode.NO_CARD,
            )
        if ecard_in_force(holder) is not None:
            raise Conflict(
                "This person already has an electronic card.", code=ErrorCode.ECARD_EXISTS
            )
        ecard = ElectronicCard.objects.create(
            serial=_new_serial(), person=holder, card=card, issued_at=clock.now()
        )
        _event(actor, "ecard.issued", ecard, {})
        return ecard


def revoke_ecard(*, actor: Actor, holder: Person, acting: Person | None = None) -> ElectronicCard:
    """Revoke the holder's electronic card at once: its codes stop verifying."""
    _check_reach(acting, holder)
    with transaction.atomic():
        ecard = (
            ElectronicCard.objects.select_for_update()
            .select_related("card")
            .filter(person=holder, revoked_at__isnull=True)
            .first()
        )
        if ecard is None:
            raise NotFound("This person has no electronic card.", code=ErrorCode.ECARD_NOT_FOUND)
        ecard.revoked_at = clock.now()
        ecard.save(update_fields=["revoked_at"])
        _event(actor, "ecard.revoked", ecard, {"card": ecard.card.number, "in_force": True})
        return ecard


@dataclass(frozen=True)
class IssuedCode:
    code: str
    expires_at: dt.datetime
    card_number: str


def make_code(
    *, actor: Actor, holder: Person, acting: Person | None = None, purpose: str = "identify"
) -> IssuedCode:
    """A fresh signed code of the holder's electronic card, living `ECARD_CODE_SECONDS`."""
    _check_reach(acting, holder)
    check_one_of(
        purpose,
        PURPOSES,
        field="purpose",
        detail="The purpose is not one of the known ones.",
        code=ErrorCode.INVALID_PURPOSE,
    )
    ecard = ecard_in_force(holder)
    if ecard is None:
        raise NotFound("This person has no electronic card.", code=ErrorCode.ECARD_NOT_FOUND)
    kid, private = signing_key()
    code, expires_at = sign_code(
        private_key=private,
        kid=kid,
        serial=ecard.serial,
        card_number=ecard.card.number,
        issued_at=clock.now(),
        lifetime_seconds=code_seconds(),
        purpose=PURPOSES[purpose],
    )
    return IssuedCode(code=code, expires_at=expires_at, card_number=ecard.card.number)


@dataclass(frozen=True)
class Verification:
    card_number: str
    status: str
    usable: bool
    masked_name: str
    expires_at: dt.datetime
    purpose: str


def ecard_usable(status: str, *, issuing_region_code: str) -> bool:
    """Whether the electronic card serves while its card (issued in that region) has this
    effective status."""
    if status in SERVES:
        return True
    if status in LOST:
        return not policy_for_region(issuing_region_code).ecard_blocked_by_loss
    return False


def verify_code(code: Any) -> Verification:
    """Verify a code online: its signature and times, then the electronic card and the live
    status of its card, read in the same statement (the rules of `GET /cards/{n}/status`:
    `cards.selectors.effective_of_row`). A payment code is accepted once; an identifying one
    as often as it is shown while it lives."""
    now = clock.now()
    claims = verify_signed(code, public_keys(now), now=now, max_lifetime=code_seconds())
    found = code_holder(claims.serial, now=now)
    if found is None or not found.in_force:
        raise DomainError(
            "This electronic card has been revoked.", code=ErrorCode.ECARD_REVOKED, status=410
        )
    status = found.effective.status
    if status == CardStatus.CANCELLED:
        raise DomainError(
            "The card this electronic card belongs to is cancelled.",
            code=ErrorCode.ECARD_CARD_CANCELLED,
            status=410,
        )
    if claims.single_use:
        try:
            with transaction.atomic():
                UsedCode.objects.create(
                    nonce=claims.nonce,
                    expires_at=claims.expires_at + dt.timedelta(seconds=CLOCK_SKEW_SECONDS),
                )
        except IntegrityError:
            raise Conflict(
                "This payment code has already been used.", code=ErrorCode.CODE_USED
            ) from None
    if found.last_used_at is None or found.last_used_at < now - LAST_USED_GRAIN:
        # Kept at most once a minute per card: a code shown many times costs nothing, and
        # the first use of the minute is written with others' a moment later (ecard.uses).
        note_use(found.ecard_id, now)
    return Verification(
        card_number=found.card_number,
        status=status,
        usable=ecard_usable(status, issuing_region_code=found.issuing_region_code),
        masked_name=mask_name(found.holder_name),
        expires_at=claims.expires_at,
        purpose=claims.purpose_name,
    )


def follow_activated_card(sender: Any, *, card: Card, actor: Actor, **_: Any) -> None:
    """After a reissue or replacement, the electronic card follows the new card once it is
    activated, in the activation's transaction."""
    ecard = (
        ElectronicCard.objects.select_for_update()
        .select_related("card")
        .filter(person_id=card.person_id, revoked_at__isnull=True)
        .exclude(card=card)
        .first()
    )
    if ecard is None:
        return
    before = {"card": ecard.card.number, "in_force": True}
    ecard.card = card
    ecard.save(update_fields=["card"])
    _event(actor, "ecard.rebound", ecard, before)


def sweep_used_codes() -> int:
    """Forget the payment codes that have expired (they cannot be shown again anyway)."""
    deleted, _ = UsedCode.objects.filter(expires_at__lt=clock.now()).delete()
    return deleted
