"""The bank's part (DOMAIN.md section 5, steps 3-6): the events it records on an application, and
instant issuance at an outlet that makes cards on the spot.

Each event is one handler in `HANDLERS`: what it does to the application and its cards. The
status machine that decides whether an event applies now is in `permissions`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction

from sscard.applications.models import (
    ApplicationStatus,
    ApplicationType,
    CardApplication,
    Production,
    ReplacementReason,
)
from sscard.applications.permissions import (
    BANK_EVENTS,
    ISSUE_INSTANTLY,
    RECORD_PRODUCTION_EVENT,
    check_application_action,
)
from sscard.applications.services.steps import (
    application_snapshot,
    lock_application,
    record_step,
    save,
)
from sscard.applications.terms import application_policy
from sscard.cards.holders import notify
from sscard.cards.making import mark_card_collected, mark_card_made, number_new_card
from sscard.cards.models import Card
from sscard.cards.services import cancel_card, release_reissue_hold
from sscard.common import clock
from sscard.common.context import Actor
from sscard.common.errors import ErrorCode, FieldError, ValidationError, check_one_of
from sscard.notifications.services import emit_webhook
from sscard.outlets.models import Outlet
from sscard.policy.models import RegionalPolicy
from sscard.policy.selectors import add_working_days

S = ApplicationStatus

# The events the holder is told of, and the message's topic.
NOTIFIED_EVENTS: dict[str, str] = {
    S.BANK_ACCEPTED: "bank_accepted",
    S.PRODUCTION_FAILED: "production_failed",
    S.READY_FOR_COLLECTION: "ready_for_collection",
    S.MAILED: "mailed",
    S.COLLECTED: "collected",
}


@dataclass
class Event:
    """One event being applied to a locked application: who records it, the cards it touches,
    the policy it is under, and what it writes and tells (`fields`, `params`)."""

    actor: Actor
    app: CardApplication
    old: Card | None
    new: Card | None
    policy: RegionalPolicy
    today: dt.date
    outlet: Outlet | None
    tracking_number: str
    fields: list[str] = field(default_factory=list)
    params: dict[str, Any] = field(default_factory=dict)


def _accepted(e: Event) -> None:
    """The bank accepts the receipt: a reissued card's old card is cancelled for good."""
    app = e.app
    if app.type == ApplicationType.REISSUE and e.old is not None:
        cancel_card(actor=e.actor, card=e.old, reason="reissued after loss")
    app.expected_ready_on = (
        e.today
        if app.production == Production.INSTANT
        else add_working_days(e.today, e.policy.batch_production_working_days)
    )
    e.fields.append("expected_ready_on")
    e.params["expected_ready_on"] = app.expected_ready_on.isoformat()


def _in_production(e: Event) -> None:
    app = e.app
    app.new_card = number_new_card(
        person=app.person, bank=app.bank, replaces=e.old, region_code=app.outlet.region_code
    )
    e.fields.append("new_card")
    e.params["new_card_number"] = app.new_card.number


def _failed(e: Event) -> None:
    if e.new is not None:
        cancel_card(actor=e.actor, card=e.new, reason="production failed")


def _made(e: Event) -> None:
    """Made: collected at the outlet, or brought with the ID to a counter after the post, by
    the policy's day."""
    assert e.new is not None
    mark_card_made(actor=e.actor, card=e.new)
    e.app.collect_by = e.today + dt.timedelta(days=e.policy.uncollected_lapse_days)
    e.fields.append("collect_by")
    e.params["collect_by"] = e.app.collect_by.isoformat()


def _ready(e: Event) -> None:
    _made(e)
    app = e.app
    app.collection_outlet = e.outlet or app.collection_outlet or app.outlet
    e.fields.append("collection_outlet")
    e.params.update(
        outlet_code=app.collection_outlet.code,
        outlet_name=app.collection_outlet.name,
        address=app.collection_outlet.address,
    )


def _mailed(e: Event) -> None:
    _made(e)
    e.app.tracking_number = e.tracking_number.strip()[:40]
    e.fields.append("tracking_number")
    e.params["tracking_number"] = e.app.tracking_number


def _collected(e: Event) -> None:
    """The holder has the new card: a replaced card is cancelled only now, but an expiring
    card renewed keeps working until the new one is activated (`activate_card`)."""
    assert e.new is not None
    app = e.app
    renewed = app.reason == ReplacementReason.EXPIRED
    if app.type == ApplicationType.REPLACEMENT and e.old is not None and not renewed:
        cancel_card(actor=e.actor, card=e.old, reason=f"replaced ({app.reason})")
    mark_card_collected(actor=e.actor, card=e.new)


def _cancelled(e: Event) -> None:
    """Withdrawn: a card in the making is cancelled, and a lost card's reissue hold released."""
    app = e.app
    if e.new is not None:
        cancel_card(actor=e.actor, card=e.new, reason="application cancelled")
    if e.old is not None and app.type == ApplicationType.REISSUE:
        release_reissue_hold(actor=e.actor, card=e.old)
    emit_webhook(
        bank=app.bank,
        topic="application.cancelled",
        data={"number": app.number, "receipt_number": app.receipt_number},
        subject=app.person,
    )


def _lapsed(e: Event) -> None:
    if e.new is not None:
        cancel_card(actor=e.actor, card=e.new, reason="not collected in time: sealed off")


HANDLERS: dict[str, Callable[[Event], None]] = {
    S.BANK_ACCEPTED: _accepted,
    S.IN_PRODUCTION: _in_production,
    S.PRODUCTION_FAILED: _failed,
    S.READY_FOR_COLLECTION: _ready,
    S.MAILED: _mailed,
    S.COLLECTED: _collected,
    S.CANCELLED: _cancelled,
    S.LAPSED: _lapsed,
}


def apply_event(
    actor: Actor,
    app: CardApplication,
    cards: dict[int, Card],
    type: str,
    *,
    outlet: Outlet | None,
    tracking_number: str = "",
    note: str = "",
) -> None:
    """Apply an event the rules allow to a locked application: its handler, the new status on
    the timeline and in the audit log, and the holder told."""
    before = application_snapshot(app)
    old = cards.get(app.old_card_id) if app.old_card_id else None
    event = Event(
        actor=actor,
        app=app,
        old=old,
        new=cards.get(app.new_card_id) if app.new_card_id else None,
        policy=application_policy(old_card=old, outlet=app.outlet),
        today=clock.today(),
        outlet=outlet,
        tracking_number=tracking_number,
        params={"number": app.number},
    )
    HANDLERS[type](event)
    app.status = type
    save(app, "status", *event.fields)
    record_step(actor, app, before, note=note, outlet_code=outlet.code if outlet else "")
    topic = NOTIFIED_EVENTS.get(type)
    if topic:
        notify(subject=app.person, topic=topic, params=event.params)


def record_production_event(
    *,
    actor: Actor,
    application: CardApplication,
    type: str,
    outlet: Outlet | None = None,
    tracking_number: str = "",
    note: str = "",
) -> CardApplication:
    """A step reported by the bank: acceptance, production, failure, readiness, mailing,
    collection or cancellation. A bank-bound actor moves only its own bank's applications."""
    check_application_action(actor, application, RECORD_PRODUCTION_EVENT, upto="where")
    check_one_of(type, sorted(BANK_EVENTS), field="type", detail="Unknown production event.")
    if type == S.MAILED and not tracking_number.strip():
        raise ValidationError(
            "A mailed card needs its tracking number.",
            code=ErrorCode.TRACKING_NUMBER_REQUIRED,
            errors=[FieldError("tracking_number", "is required")],
        )
    with transaction.atomic():
        app, cards = lock_application(application)
        check_application_action(actor, app, type, outlet=outlet)
        apply_event(
            actor, app, cards, type, outlet=outlet, tracking_number=tracking_number, note=note
        )
        return app


def issue_instantly(
    *, actor: Actor, application: CardApplication, outlet: Outlet
) -> CardApplication:
    """Instant issuance at an equipped outlet: accepted, made and ready in one step."""
    check_application_action(actor, application, ISSUE_INSTANTLY, outlet=outlet, upto="where")
    with transaction.atomic():
        app, cards = lock_application(application)
        check_application_action(actor, app, ISSUE_INSTANTLY, outlet=outlet)
        steps = [S.IN_PRODUCTION, S.READY_FOR_COLLECTION]
        if app.status == S.RECEIPT_ISSUED:
            steps.insert(0, S.BANK_ACCEPTED)
        for step in steps:
            apply_event(actor, app, cards, step, outlet=outlet, note="instant issuance")
            if step == S.IN_PRODUCTION and app.new_card is not None:
                cards[app.new_card.pk] = app.new_card
        return app
