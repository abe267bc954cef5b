"""Renewing a card before it expires (DOMAIN.md sections 3, 5, 8 and 9): the reminders the sweep
sends on the policy's days ahead, and the renewal a holder (or a guardian for a ward) makes
online. A renewal is a replacement with the reason `expired`, on the policy's fee; the old card
keeps working until the new one is activated (`cards.services.activate_card` cancels it)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.db import IntegrityError, transaction

from sscard.applications.models import (
    ApplicationType,
    CardApplication,
    Delivery,
    ExpiryReminder,
    Production,
    ReplacementReason,
)
from sscard.applications.selectors import open_application
from sscard.applications.services.applying import issue_receipt, put_terms, settle_terms
from sscard.applications.services.steps import another_open, new_application, record_step
from sscard.applications.terms import card_to_replace, fee_terms, request_refusals
from sscard.cards.holders import check_acting_party, notify, policy_for_card
from sscard.cards.models import Card, CardStatus
from sscard.cards.selectors import effective_of
from sscard.cards.services import require_channel, require_outlet_service
from sscard.common import clock
from sscard.common.context import Actor, Channel
from sscard.common.errors import Conflict, DomainError, ErrorCode, FieldError, ValidationError
from sscard.common.locking import lock_one
from sscard.outlets.models import Outlet, Service
from sscard.people.models import Person
from sscard.policy.models import RegionalPolicy

# A card in use: renewed online, and reminded of its expiry.
RENEWABLE_STATUSES = (CardStatus.NORMAL, CardStatus.PIN_LOCKED)
ONLINE_CHANNELS = frozenset({Channel.WEB, Channel.APP})


@dataclass(frozen=True)
class Renewal:
    """What a renewal of a person's card would be now: the card, its expiry, the day the window
    opens, the fee and its waiver, and why it cannot be made now (None when it can)."""

    card: Card | None
    expires_on: dt.date | None
    opens_on: dt.date | None
    fee: Decimal
    fee_waiver: str
    refusal: DomainError | None


def renewal_opens_on(card: Card, policy: RegionalPolicy) -> dt.date | None:
    if card.expires_on is None:
        return None
    return card.expires_on - dt.timedelta(days=policy.renewal_window_days)


def renewal_of(person: Person, *, acting: Person | None = None) -> Renewal:
    """Whether the person's card can be renewed online now (by `acting`: the holder, or a
    guardian for a ward), and on which terms."""
    card = card_to_replace(person)
    if card is None:
        refusal: DomainError | None = Conflict(
            "There is no card to renew.", code=ErrorCode.CARD_NOT_RENEWABLE
        )
        return Renewal(None, None, None, Decimal("0.00"), "", refusal)
    policy = policy_for_card(card)
    fee, waiver = fee_terms(
        policy,
        type=ApplicationType.REPLACEMENT,
        reason=ReplacementReason.EXPIRED,
        fee_waiver="",
    )
    opens_on = renewal_opens_on(card, policy)
    status = effective_of(card).status
    today = clock.today()
    open_app = open_application(person)
    acting_refusal = None
    if acting is not None:
        relation = "self" if acting.pk == person.pk else "guardian"
        try:
            check_acting_party(subject=person, actor=acting, relation=relation)
        except DomainError as refused:
            acting_refusal = refused
    if acting_refusal is not None:
        refusal = acting_refusal
    elif status not in RENEWABLE_STATUSES or card.expires_on is None:
        refusal = Conflict(
            f"The card is {status}: only a card in use is renewed online.",
            code=ErrorCode.CARD_NOT_RENEWABLE,
            card_status=status,
        )
    elif open_app is not None:
        refusal = Conflict(
            f"Application {open_app.number} is still open ({open_app.status}).",
            code=ErrorCode.APPLICATION_OPEN,
            open_application=open_app.number,
        )
    elif opens_on is not None and not (opens_on <= today <= card.expires_on):
        refusal = Conflict(
            f"The card is renewed online from {opens_on.isoformat()} to its expiry.",
            code=ErrorCode.RENEWAL_NOT_OPEN,
            opens_on=opens_on.isoformat(),
            expires_on=card.expires_on.isoformat(),
        )
    else:
        refusal = None
    return Renewal(card, card.expires_on, opens_on, fee, waiver, refusal)


def renew_card(
    *,
    actor: Actor,
    person: Person,
    applicant: Person,
    relation: str,
    outlet: Outlet | None,
    delivery: str = Delivery.PICKUP,
    mail_address: str = "",
) -> CardApplication:
    """Renew a card online: a replacement for the reason `expired`, made by the holder or a
    guardian through the website or the app, picked up at `outlet` or mailed (then handled by
    the first outlet of the card's bank that hands over cards); the receipt is issued at once
    (the holder signed in, and the card is in their hand)."""
    require_channel(actor, ONLINE_CHANNELS, "An online renewal")
    check_acting_party(subject=person, actor=applicant, relation=relation)
    refusals = request_refusals(
        type=ApplicationType.REPLACEMENT,
        reason=ReplacementReason.EXPIRED,
        production=Production.BATCH,
        delivery=delivery,
        mail_address=mail_address,
        fee_waiver="",
        outlet=outlet,
    )
    if refusals:
        raise refusals[0]
    outlet = outlet or _mail_outlet(person, delivery)
    require_outlet_service(outlet, Service.COLLECTION)
    try:
        with transaction.atomic():
            lock_one(Person, person.pk)
            renewal = renewal_of(person, acting=applicant)
            if renewal.refusal is not None:
                raise renewal.refusal
            assert renewal.card is not None
            if outlet.bank_id not in (None, renewal.card.bank_id):
                raise Conflict(
                    f"Outlet {outlet.code} hands over only its own bank's cards.",
                    code=ErrorCode.SERVICE_NOT_OFFERED,
                )
            terms = settle_terms(
                actor=actor,
                type=ApplicationType.REPLACEMENT,
                reason=ReplacementReason.EXPIRED,
                person=person,
                outlet=outlet,
                bank=None,
                fee_waiver="",
            )
            app = new_application(
                actor,
                type=ApplicationType.REPLACEMENT,
                reason=ReplacementReason.EXPIRED,
                person=person,
                applicant=applicant,
                relation=relation or "self",
                outlet=outlet,
            )
            put_terms(
                app,
                terms,
                documents=[],
                outlet=outlet,
                production=Production.BATCH,
                delivery=delivery,
                mail_address=mail_address.strip(),
            )
            if delivery == Delivery.PICKUP:
                app.collection_outlet = outlet
            app.save(force_insert=True)
            record_step(actor, app, {})
            issue_receipt(actor, app, terms)
            return app
    except IntegrityError:
        raise another_open() from None


def _mail_outlet(person: Person, delivery: str) -> Outlet:
    card = card_to_replace(person)
    found = pickup_outlets(card) if card is not None and delivery == Delivery.MAIL else []
    own_bank = [o for o in found if card is not None and o.bank_id == card.bank_id]
    if not (own_bank or found):
        raise ValidationError(
            "Choose the outlet where the new card is picked up.",
            errors=[FieldError("outlet_code", "is required")],
        )
    return (own_bank or found)[0]


def pickup_outlets(card: Card) -> list[Outlet]:
    """Where a renewed card can be picked up: the outlets that hand over cards, of the card's
    bank or of no bank (the agencies)."""
    outlets = Outlet.objects.filter(active=True).order_by("region_code", "code")
    return [
        outlet
        for outlet in outlets
        if outlet.offers(Service.COLLECTION) and outlet.bank_id in (None, card.bank_id)
    ]


# ---------------------------------------------------------------- reminders


def reminder_due(card: Card, policy: RegionalPolicy, today: dt.date) -> int | None:
    """The policy's day ahead whose reminder is due for the card today: the nearest one not
    later than today (a card found 20 days before its expiry gets the 30-day reminder only)."""
    if card.expires_on is None or card.expires_on < today:
        return None
    days_left = (card.expires_on - today).days
    due = [days for days in policy.expiry_reminder_days if days_left <= days]
    return min(due) if due else None


def remind_expiring_cards(*, limit: int = 10_000) -> int:
    """Tell holders (or the guardians of a ward) on the policy's days ahead that their card
    expires, once for each card, expiry date and day ahead; not when a renewal is under way."""
    today = clock.today()
    furthest = max(
        (max(days, default=0) for days in _all_reminder_days()),
        default=0,
    )
    due = list(
        Card.objects.filter(
            status__in=RENEWABLE_STATUSES,
            expires_on__gte=today,
            expires_on__lte=today + dt.timedelta(days=furthest),
        )
        # By expiry date, through the index of cards in hand (card_in_hand_expiry): in pk
        # order PostgreSQL walked the whole table when few or none were due.
        .order_by("expires_on", "pk")
        .values_list("pk", flat=True)[:limit]
    )
    sent = 0
    for pk in due:
        with transaction.atomic():
            card = lock_one(Card, pk)
            if card.status not in RENEWABLE_STATUSES or card.expires_on is None:
                continue
            days = reminder_due(card, policy_for_card(card), today)
            if days is None or open_application(card.person) is not None:
                continue
            _reminder, created = ExpiryReminder.objects.get_or_create(
                card=card,
                expires_on=card.expires_on,
                days_before=days,
                defaults={"sent_at": clock.now()},
            )
            if not created:
                continue
            notify(
                subject=card.person,
                topic="card_expiring",
                params={
                    "card_number": card.number,
                    "expires_on": card.expires_on.isoformat(),
                    "days_before": days,
                },
            )
            sent += 1
    return sent


def _all_reminder_days() -> list[list[int]]:
    return list(RegionalPolicy.objects.values_list("expiry_reminder_days", flat=True))
