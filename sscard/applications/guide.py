"""How to get a new card after a loss (or for a damaged one), by the rules of a region.

The seeds' two guides made into data: the steps, documents, fee, time and places depend on the
regional policy, the documents rules and the outlets, never on fixed text. The portal (and any
other interface) puts the words around it. Also the path an application takes, for a timeline.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from sscard.applications.models import (
    ApplicationStatus,
    ApplicationType,
    CardApplication,
    Delivery,
    FeeWaiver,
    ReplacementReason,
)
from sscard.applications.selectors import applications, fee_terms
from sscard.common import clock
from sscard.outlets.models import Service
from sscard.outlets.selectors import FoundOutlet, find_outlets
from sscard.people.models import Guardianship, Person, Relation
from sscard.people.selectors import documents_needed
from sscard.policy.models import RegionalPolicy
from sscard.policy.selectors import add_working_days, policy_for_region, temporary_report_expiry

S = ApplicationStatus


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


# ---------------------------------------------------------------- an application's path


def applications_of(person: Person) -> list[CardApplication]:
    """A person's applications, the newest first."""
    return list(applications().filter(person=person).order_by("-created_at", "-pk"))


def expected_path(app: CardApplication) -> list[str]:
    """The steps of an application when all goes well (the status machine in services), so a
    timeline can show which are done and which are still to come."""
    handover = S.MAILED if app.delivery == Delivery.MAIL else S.READY_FOR_COLLECTION
    return [S.SUBMITTED, S.RECEIPT_ISSUED, S.BANK_ACCEPTED, S.IN_PRODUCTION, handover, S.COLLECTED]
