"""The terms a new application is made on (DOMAIN.md section 5), as reads: whether its request
is well formed, the card it replaces, the regional policy it is under, and its fee and waiver.

The services settle the terms under their locks from these same reads; an interface asks them
before the application is made (the console's checks of a request and its fee quote).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from sscard.applications.models import (
    ApplicationType,
    Delivery,
    FeeWaiver,
    Production,
    ReplacementReason,
)
from sscard.cards.holders import policy_for_card
from sscard.cards.models import Card, CardStatus
from sscard.cards.person_cards import card_in_hand, newest_card
from sscard.cards.selectors import effective_of
from sscard.common.context import Actor
from sscard.common.errors import (
    Conflict,
    DomainError,
    ErrorCode,
    FieldError,
    ValidationError,
    not_one_of,
)
from sscard.outlets.models import Outlet, Service
from sscard.partners.models import Bank
from sscard.partners.selectors import bank_refusal
from sscard.people.models import Person
from sscard.policy.models import RegionalPolicy
from sscard.policy.selectors import policy_for_region


def card_to_replace(person: Person) -> Card | None:
    """The card a reissue or replacement is for: the one in the person's hand (live), else the
    newest."""
    return card_in_hand(person, related=("bank",))


# A newest card in one of these is reissued; any other is replaced.
_REISSUED_FROM = (CardStatus.FORMALLY_LOST, CardStatus.TEMPORARILY_LOST, CardStatus.CANCELLED)


def likely_type(person: Person) -> str:
    """The application a counter offers first: a first card for one who never had a card, a
    reissue when the newest card is lost or cancelled, else a replacement."""
    newest = newest_card(person)
    if newest is None:
        return ApplicationType.NEW
    if effective_of(newest).status in _REISSUED_FROM:
        return ApplicationType.REISSUE
    return ApplicationType.REPLACEMENT


def application_policy(*, old_card: Card | None, outlet: Outlet) -> RegionalPolicy:
    """The policy an application is under: that of the region which issued the card it
    replaces, else that of the outlet where it is made."""
    return policy_for_card(old_card) if old_card else policy_for_region(outlet.region_code)


# ---------------------------------------------------------------- the bank


def terms_refusal(actor: Actor, *, old_card: Card | None, bank: Bank | None) -> DomainError | None:
    """A bank reissues or replaces only a card of its own bank (the bank that holds the card's
    account makes the new one) and names no other bank; a move to another bank is recorded at a
    window, whose actor is bound to no bank."""
    if actor.bank_code is None:
        return None
    if old_card is not None:
        refusal = bank_refusal(actor, old_card.bank, subject="old_card")
        if refusal is not None:
            return refusal
    if bank is not None:
        return bank_refusal(actor, bank, subject="bank")
    return None


def apply_refusal(
    actor: Actor, *, person: Person, type: str | None = None, bank: Bank | None = None
) -> DomainError | None:
    """Whether `actor` may apply for a card for `person`: the terms above, read before the
    application is made. Without a `type`, for any application but a first card (what a counter
    offers a holder who has a card)."""
    if actor.bank_code is None:
        return None
    old = None if type == ApplicationType.NEW else card_to_replace(person)
    return terms_refusal(actor, old_card=old, bank=bank)


# ---------------------------------------------------------------- the request


def _choice(value: str, choices: list[str], field: str) -> ValidationError | None:
    return not_one_of(value, choices, field=field, detail=f"Unknown {field}.")


def kind_refusals(*, type: str, reason: str) -> list[DomainError]:
    """What is asked for: a known type, and a reason for a replacement and for it only."""
    refusals = [_choice(type, ApplicationType.values, "type")]
    if type == ApplicationType.REPLACEMENT:
        refusals.append(_choice(reason, ReplacementReason.values, "reason"))
    elif reason:
        refusals.append(
            ValidationError(
                "A reason is given only for a replacement.",
                errors=[FieldError("reason", "only for type replacement")],
            )
        )
    return [r for r in refusals if r is not None]


def reason_of(*, type: str, reason: str) -> str:
    """The reason an application of `type` carries: a replacement's, and none for any other
    type (a form may still hold one chosen for a replacement before the type was changed)."""
    return reason if type == ApplicationType.REPLACEMENT else ""


def productions_at(outlet: Outlet) -> list[str]:
    """How a card can be made for an application taken at `outlet`: in batch, and on the spot
    where the outlet makes cards."""
    if outlet.offers(Service.INSTANT_ISSUANCE):
        return [Production.BATCH, Production.INSTANT]
    return [Production.BATCH]


def request_refusals(
    *,
    type: str,
    reason: str,
    production: str,
    delivery: str,
    mail_address: str,
    fee_waiver: str,
    outlet: Outlet | None,
) -> list[DomainError]:
    """Everything wrong with an application's request, in the order a service refuses it (it
    raises the first): its kind, production and delivery, waiver, the address of a mailed card,
    and a card made on the spot, which is made where the outlet can (`outlet`; not asked when
    None) and handed over there."""
    refusals: list[DomainError | None] = [*kind_refusals(type=type, reason=reason)]
    refusals += [
        _choice(production, Production.values, "production"),
        _choice(delivery, Delivery.values, "delivery"),
        _choice(fee_waiver, FeeWaiver.values, "fee_waiver") if fee_waiver else None,
    ]
    if delivery == Delivery.MAIL and not mail_address.strip():
        refusals.append(
            ValidationError(
                "Mail delivery needs an address.",
                errors=[FieldError("mail_address", "is required for mail")],
            )
        )
    if production == Production.INSTANT:
        if outlet is not None and production not in productions_at(outlet):
            refusals.append(
                Conflict(
                    f"Outlet {outlet.code} cannot make cards on the spot.",
                    code=ErrorCode.SERVICE_NOT_OFFERED,
                )
            )
        if delivery != Delivery.PICKUP:
            refusals.append(
                ValidationError(
                    "An instantly issued card is handed over on the spot.",
                    errors=[FieldError("delivery", "must be pickup")],
                )
            )
    return [r for r in refusals if r is not None]


def refuse_first(refusals: list[DomainError]) -> None:
    if refusals:
        raise refusals[0]


# ---------------------------------------------------------------- fees


def fee_terms(
    policy: RegionalPolicy, *, type: str, reason: str, fee_waiver: str
) -> tuple[Decimal, str]:
    """The fee and the waiver that applies (DOMAIN.md section 5): a first card is free, a reissue
    costs the policy's reissue fee and a replacement its replacement fee, free for a quality
    fault; a waiver (hardship) makes it free."""
    if type == ApplicationType.NEW:
        return Decimal("0.00"), FeeWaiver.FIRST_CARD
    if type == ApplicationType.REISSUE:
        fee, waiver = policy.reissue_fee, fee_waiver
    else:
        fee = policy.replacement_fee
        waiver = (
            FeeWaiver.QUALITY_FAULT if reason == ReplacementReason.QUALITY_FAULT else fee_waiver
        )
    return (Decimal("0.00") if waiver else fee), waiver


@dataclass(frozen=True)
class FeeQuote:
    amount: Decimal
    waiver: str


def quote_fee(
    *, type: str, reason: str, person: Person, outlet: Outlet, fee_waiver: str
) -> FeeQuote:
    """The fee an application would cost, to tell the applicant before it is made. The
    application itself settles the fee under lock; this reads the same rule."""
    policy = application_policy(old_card=card_to_replace(person), outlet=outlet)
    fee, waiver = fee_terms(policy, type=type, reason=reason, fee_waiver=fee_waiver)
    return FeeQuote(fee, waiver)
