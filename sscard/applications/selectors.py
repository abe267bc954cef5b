"""Reads of card applications: finding one (by number, by receipt), a person's, the queues of a
bank and of the agency, the supervisor's figures, the path an application takes, and the reissue
guide. What may be done with an application now is in `permissions`; its terms in `terms`."""

from __future__ import annotations

import datetime as dt
import statistics
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Count, QuerySet
from django.utils import timezone

from sscard.applications.models import (
    OPEN_STATUSES,
    ApplicationEvent,
    ApplicationStatus,
    ApplicationType,
    CardApplication,
    Delivery,
    FeeWaiver,
    ReplacementReason,
)
from sscard.applications.receipts import is_valid_receipt_number
from sscard.applications.terms import fee_terms
from sscard.common import clock
from sscard.common.errors import ErrorCode, FieldError, NotFound, ValidationError
from sscard.outlets.models import Outlet, Service
from sscard.outlets.selectors import FoundOutlet, find_outlets
from sscard.partners.models import Bank
from sscard.people.models import Guardianship, Person, Relation
from sscard.people.selectors import documents_needed
from sscard.policy.models import RegionalPolicy
from sscard.policy.selectors import add_working_days, policy_for_region, temporary_report_expiry

_RELATED = ("person", "outlet", "bank", "old_card", "new_card", "collection_outlet")
S = ApplicationStatus


def applications() -> QuerySet[CardApplication]:
    return CardApplication.objects.select_related(*_RELATED)


def applications_of(person: Person) -> list[CardApplication]:
    """A person's applications, the newest first."""
    return list(applications().filter(person=person).order_by("-created_at", "-pk"))


def open_application(person: Person) -> CardApplication | None:
    """The person's open application, if any: one at a time (DOMAIN.md section 5)."""
    return CardApplication.objects.filter(
        person=person, status__in=[s.value for s in OPEN_STATUSES]
    ).first()


def get_application(number: str) -> CardApplication:
    app = applications().filter(number=str(number).strip().upper()).first()
    if app is None:
        raise NotFound("No application with this number.", code=ErrorCode.APPLICATION_NOT_FOUND)
    return app


def check_receipt_number(receipt_number: str) -> str:
    """A receipt number carries check digits: a mistyped one is refused, not just not found."""
    value = str(receipt_number).strip().upper()
    if not is_valid_receipt_number(value):
        raise ValidationError(
            "This is not a valid receipt number; check it against the receipt.",
            code=ErrorCode.INVALID_RECEIPT_NUMBER,
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
            code=ErrorCode.APPLICATION_NOT_FOUND,
            errors=[FieldError("receipt_number", "no such receipt")],
        )
    return app


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


# ---------------------------------------------------------------- an application's path


def expected_path(app: CardApplication) -> list[str]:
    """The steps of an application when all goes well (the status machine in `permissions`),
    so a timeline can show which are done and which are still to come."""
    handover = S.MAILED if app.delivery == Delivery.MAIL else S.READY_FOR_COLLECTION
    return [S.SUBMITTED, S.RECEIPT_ISSUED, S.BANK_ACCEPTED, S.IN_PRODUCTION, handover, S.COLLECTED]


def steps_to_come(app: CardApplication) -> list[str]:
    """The steps of `expected_path` after the application's status. A card that could not be
    made is made again: production and what follows are to come."""
    path = expected_path(app)
    resume = S.BANK_ACCEPTED if app.status == S.PRODUCTION_FAILED else app.status
    return path[path.index(resume) + 1 :] if resume in path else []


# ---------------------------------------------------------------- the reissue guide
#
# How to get a new card after a loss (or for a damaged one), by the rules of a region: the
# seeds' two guides made into data. The steps, documents, fee, time and places depend on the
# regional policy, the documents rules and the outlets, never on fixed text; the portal (and any
# other interface) puts the words around it.


@dataclass(frozen=True)
class ReissueGuide:
    """What a person who lost (or damaged) a card needs to know (DOMAIN.md sections 4-6, 8)."""

    type: str  # reissue (the card is lost) or replacement (damaged)
    for_child: bool
    region: str  # the region code whose policy applies ("" for the default policy)
    policy: RegionalPolicy
    documents: list[tuple[str, ...]]  # each entry: alternatives (a parent's, for a child)
    documents_other_guardian: list[tuple[str, ...]]  # what a guardian other than a parent adds
    fee: Decimal
    fee_waivers: list[str]  # waivers that make it free
    temporary_until: dt.datetime | None  # a temporary loss report made now lapses then
    expected_ready_on: dt.date  # batch production, applying today
    collect_by: dt.date  # the last day to collect a card ready on expected_ready_on
    apply_at: list[FoundOutlet]  # nearest outlets that take the formal report and application
    instant_at: list[FoundOutlet]  # the nearest outlet that makes the card on the spot
    report_at: list[FoundOutlet]  # nearest outlets that take a temporary loss report


def reissue_guide(
    *,
    damaged: bool,
    for_child: bool,
    region: str = "",
    near: tuple[float, float] | None = None,
    outlets: int = 3,
) -> ReissueGuide:
    """`region`: where the card was issued (a district's code), "" when not known; `near`: where
    the person is, for the nearest outlets (none are listed without region or location)."""
    policy = policy_for_region(region)
    kind = ApplicationType.REPLACEMENT if damaged else ApplicationType.REISSUE
    reason = ReplacementReason.DAMAGED if damaged else ""
    fee, _waiver = fee_terms(policy, type=kind, reason=reason, fee_waiver="")
    parent = documents_needed(
        guardian=Guardianship(relation=Relation.PARENT) if for_child else None
    )
    other = documents_needed(guardian=Guardianship(relation=Relation.LEGAL_GUARDIAN))
    ready = add_working_days(clock.today(), policy.batch_production_working_days)

    def nearest(*services: str) -> list[FoundOutlet]:
        if near is None and not region:
            return []
        found = find_outlets(service=services[0], near=near, region=None if near else region)
        return [f for f in found if all(f.outlet.offers(s) for s in services)][:outlets]

    waivers: list[str] = [FeeWaiver.HARDSHIP]
    if damaged:
        waivers.insert(0, FeeWaiver.QUALITY_FAULT)
    return ReissueGuide(
        type=kind,
        for_child=for_child,
        region=region,
        policy=policy,
        documents=parent,
        documents_other_guardian=[d for d in other if d not in parent] if for_child else [],
        fee=fee,
        fee_waivers=waivers,
        temporary_until=None if damaged else temporary_report_expiry(policy, clock.now()),
        expected_ready_on=ready,
        collect_by=ready + dt.timedelta(days=policy.uncollected_lapse_days),
        apply_at=(
            nearest(Service.REISSUE)
            if damaged
            else nearest(Service.FORMAL_LOSS_REPORT, Service.REISSUE)
        ),
        instant_at=nearest(Service.INSTANT_ISSUANCE, Service.REISSUE)[:1],
        report_at=[] if damaged else nearest(Service.TEMPORARY_LOSS_REPORT),
    )
