from __future__ import annotations

import datetime as dt
import statistics
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Count, QuerySet

from sscard.applications.models import (
    OPEN_STATUSES,
    ApplicationEvent,
    ApplicationStatus,
    ApplicationType,
    CardApplication,
    FeeWaiver,
    ReplacementReason,
)
from sscard.applications.receipts import is_valid_receipt_number
from sscard.cards.models import LIVE_STATUSES, Card
from sscard.common import clock
from sscard.common.errors import FieldError, NotFound, ValidationError
from sscard.outlets.models import Outlet
from sscard.partners.models import Bank
from sscard.people.models import Person
from sscard.policy.models import RegionalPolicy
from sscard.policy.selectors import policy_for_region

_RELATED = ("person", "outlet", "bank", "old_card", "new_card", "collection_outlet")
S = ApplicationStatus


def applications() -> QuerySet[CardApplication]:
    return CardApplication.objects.select_related(*_RELATED)


def card_to_replace(person: Person) -> Card | None:
    """The card a reissue or replacement is for: the one in the person's hand (live), else the
    newest."""
    return (
        Card.objects.filter(person=person, status__in=[s.value for s in LIVE_STATUSES])
        .select_related("bank")
        .first()
        or Card.objects.filter(person=person)
        .select_related("bank")
        .order_by("-generation", "-pk")
        .first()
    )


def get_application(number: str) -> CardApplication:
    app = applications().filter(number=str(number).strip().upper()).first()
    if app is None:
        raise NotFound("No application with this number.", code="application_not_found")
    return app


def check_receipt_number(receipt_number: str) -> str:
    """A receipt number carries check digits: a mistyped one is refused, not just not found."""
    value = str(receipt_number).strip().upper()
    if not is_valid_receipt_number(value):
        raise ValidationError(
            "This is not a valid receipt number; check it against the receipt.",
            code="invalid_receipt_number",
            errors=[FieldError("receipt_number", "fails its check digits")],
        )
    return value


def get_application_by_receipt(receipt_number: str) -> CardApplication:
    """The application a Receipt for Reissuing belongs to, as a bank finds it."""
    number = check_receipt_number(receipt_number)
    app = applications().filter(receipt_number=number).first()
    if app is None:
        raise NotFound(
            "No application has this receipt number.",
            code="application_not_found",
            errors=[FieldError("receipt_number", "no such receipt")],
        )
    return app


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
    region = (
        Card.objects.filter(person=person)
        .order_by("-generation", "-pk")
        .values_list("issuing_region_code", flat=True)
        .first()
    ) or outlet.region_code
    fee, waiver = fee_terms(
        policy_for_region(region), type=type, reason=reason, fee_waiver=fee_waiver
    )
    return FeeQuote(fee, waiver)


# ---------------------------------------------------------------- queues

# What a bank works on: from the receipt (the bank was told by webhook) to collection.
BANK_QUEUE_STATUSES = tuple(s for s in OPEN_STATUSES if s != S.SUBMITTED)


def bank_queue(bank: Bank) -> QuerySet[CardApplication]:
    """A bank's open applications, oldest first."""
    return applications().filter(bank=bank, status__in=BANK_QUEUE_STATUSES).order_by("created_at")


def intake_queue(outlet: Outlet) -> QuerySet[CardApplication]:
    """Preliminary intakes (submitted, not yet checked at a counter) of the outlet's district,
    oldest first: the agency's queue."""
    return (
        applications()
        .filter(status=S.SUBMITTED, outlet__region_code=outlet.region_code)
        .order_by("created_at")
    )


def age_in_days(app: CardApplication, today: dt.date | None = None) -> int:
    from django.utils import timezone

    return ((today or clock.today()) - timezone.localdate(app.created_at)).days


# ---------------------------------------------------------------- supervision

PRODUCING = (S.BANK_ACCEPTED, S.IN_PRODUCTION, S.PRODUCTION_FAILED)


def count_by_status() -> dict[str, int]:
    rows = CardApplication.objects.values_list("status").annotate(n=Count("pk")).order_by()
    found = dict(rows)
    return {status: found.get(status, 0) for status in S.values}


def overdue_applications() -> QuerySet[CardApplication]:
    """In the making past the day the bank expected the card to be ready."""
    return (
        applications()
        .filter(status__in=PRODUCING, expected_ready_on__lt=clock.today())
        .order_by("expected_ready_on", "pk")
    )


def uncollected_applications() -> QuerySet[CardApplication]:
    """Cards made and waiting at an outlet, the ones closest to lapsing first."""
    return applications().filter(status=S.READY_FOR_COLLECTION).order_by("collect_by", "pk")


def receipt_to_collection_days(*, since: dt.datetime) -> list[float]:
    """Days from the receipt to collection, for every application collected since `since`."""
    collected = dict(
        ApplicationEvent.objects.filter(status=S.COLLECTED, at__gte=since).values_list(
            "application_id", "at"
        )
    )
    if not collected:
        return []
    receipts: dict[int, dt.datetime] = {}
    for app_id, at in (
        ApplicationEvent.objects.filter(status=S.RECEIPT_ISSUED, application_id__in=list(collected))
        .order_by("at")
        .values_list("application_id", "at")
    ):
        receipts.setdefault(app_id, at)
    return sorted(
        (collected[app_id] - at).total_seconds() / 86400 for app_id, at in receipts.items()
    )


def median_days_receipt_to_collection(*, since: dt.datetime) -> float | None:
    days = receipt_to_collection_days(since=since)
    return round(statistics.median(days), 1) if days else None
