"""What the application services share: an application's number, its locks, its audit snapshot,
and a step of its timeline written with its audit event."""

from __future__ import annotations

from typing import Any

from sscard.applications.models import (
    ApplicationEvent,
    ApplicationStatus,
    CardApplication,
    Delivery,
    Production,
)
from sscard.audit.services import record_event
from sscard.cards.models import Card
from sscard.common import clock
from sscard.common.context import Actor
from sscard.common.errors import Conflict, DomainError, ErrorCode
from sscard.common.locking import lock, lock_one
from sscard.common.models import next_value
from sscard.outlets.models import Outlet
from sscard.people.models import Person


def new_application_number() -> str:
    return f"CA{clock.today():%y%m%d}{next_value('card_application'):06d}"


def new_application(
    actor: Actor,
    *,
    type: str,
    reason: str,
    person: Person,
    applicant: Person,
    relation: str,
    outlet: Outlet,
) -> CardApplication:
    """A new application, `submitted` and not yet saved: who applies for whom, where, and
    through which channel; no documents yet, a batch card picked up at an outlet."""
    now = clock.now()
    return CardApplication(
        number=new_application_number(),
        type=type,
        reason=reason,
        person=person,
        applicant=applicant,
        applicant_relation=relation,
        documents=[],
        channel=actor.channel,
        outlet=outlet,
        production=Production.BATCH,
        delivery=Delivery.PICKUP,
        status=ApplicationStatus.SUBMITTED,
        created_at=now,
        updated_at=now,
    )


def application_snapshot(app: CardApplication) -> dict[str, Any]:
    return {
        "status": app.status,
        "new_card": app.new_card.number if app.new_card_id and app.new_card else None,
    }


def lock_application(app: CardApplication) -> tuple[CardApplication, dict[int, Card]]:
    """Lock the person, the cards the application touches, then the application."""
    lock_one(Person, app.person_id)
    fresh = CardApplication.objects.get(pk=app.pk)
    cards = lock(Card, [pk for pk in (fresh.old_card_id, fresh.new_card_id) if pk])
    return lock_one(CardApplication, app.pk), cards


def save(app: CardApplication, *fields: str) -> None:
    app.updated_at = clock.now()
    app.save(update_fields=[*fields, "updated_at"])


def record_step(
    actor: Actor,
    app: CardApplication,
    before: dict[str, Any],
    note: str = "",
    outlet_code: str = "",
) -> None:
    """The application's new status on its timeline, and in the audit log."""
    ApplicationEvent.objects.create(
        application=app,
        status=app.status,
        at=clock.now(),
        channel=actor.channel,
        outlet_code=outlet_code or actor.outlet_code or "",
        note=note[:200],
    )
    record_event(
        actor=actor,
        action=f"application.{app.status}",
        object_type="card_application",
        object_id=app.number,
        bucket=app.bucket,
        before=before,
        after=application_snapshot(app),
    )


def refuse(refusal: DomainError | None) -> None:
    if refusal is not None:
        raise refusal


def another_open() -> Conflict:
    """The index on open applications caught a race that the lock could not see."""
    return Conflict(
        "Another application for this person is already open.", code=ErrorCode.APPLICATION_OPEN
    )
