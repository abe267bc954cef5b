"""The new card's row through its making (cards.making): numbered when production starts, made,
collected; each step audited as the card's own event, written by the cards module while the
application's services record the bank's events."""

from __future__ import annotations

import datetime as dt

import pytest

from sscard.applications.services.applying import apply_for_card
from sscard.applications.services.collection import hand_over_card
from sscard.applications.services.production import record_production_event
from sscard.audit.models import AuditEvent
from sscard.cards.models import Card
from sscard.common import clock
from sscard.policy.models import RegionalPolicy
from tests.factories import make_card, make_person

pytestmark = pytest.mark.django_db


def _years_after(day: dt.date, years: int) -> dt.date:
    """The same day `years` on; a 29 February falls on the 28th."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)


def test_a_new_card_is_numbered_made_and_collected_with_its_audit_events(
    window, bank_clerk, agency, bank, bank_outlet
):
    holder = make_person(age=40)
    old = make_card(person=holder, bank=bank, account_number="6222020200112233445")
    app = apply_for_card(
        actor=window,
        type="replacement",
        reason="damaged",
        person=holder,
        applicant=holder,
        relation="self",
        documents=["id_card"],
        outlet=agency,
    )
    for event in ("bank_accepted", "in_production", "ready_for_collection"):
        app = record_production_event(
            actor=bank_clerk, application=app, type=event, outlet=bank_outlet
        )
    app = hand_over_card(
        actor=bank_clerk,
        application=app,
        outlet=bank_outlet,
        presenter=holder,
        relation="self",
        documents=["id_card"],
    )

    assert app.new_card_id is not None
    new = Card.objects.get(pk=app.new_card_id)
    today = clock.today()
    assert (new.person, new.bank, new.generation, new.status) == (holder, bank, 2, "sealed")
    assert (new.issuing_region_code, new.issued_on) == (old.issuing_region_code, today)
    validity = RegionalPolicy.objects.get(region_prefix="").card_validity_years
    assert new.expires_on == _years_after(today, validity)
    assert (new.account_number, new.bank_status) == ("6222020200112233445", "not_opened")
    steps = [
        (e.action, e.actor_role, e.before.get("status"), e.after["status"])
        for e in AuditEvent.objects.filter(object_type="card", object_id=new.number).order_by("seq")
    ]
    assert steps == [
        ("card.numbered", "system", None, "in_production"),
        ("card.made", "bank_clerk", "in_production", "awaiting_collection"),
        ("card.collected", "bank_clerk", "awaiting_collection", "sealed"),
    ]
