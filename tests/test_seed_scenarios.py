"""The two seeds, end to end through the services."""

from __future__ import annotations

import datetime as dt

import pytest

from sscard.applications.models import ApplicationStatus, CardApplication
from sscard.applications.receipts import is_valid_receipt_number
from sscard.applications.services.applying import apply_for_card
from sscard.applications.services.production import record_production_event
from sscard.audit.services import verify_chain
from sscard.cards.models import BankStatus, CardStatus, LossKind, LossStatus
from sscard.cards.selectors import card_status
from sscard.cards.services import activate_card, report_loss, verify_pin
from sscard.notifications.models import OutboxKind, OutboxMessage
from tests.factories import CardFactory, GuardianshipFactory, PersonFactory

pytestmark = pytest.mark.django_db


def _produce_and_collect(app, bank_clerk, bank_outlet):
    for event in ("bank_accepted", "in_production", "ready_for_collection"):
        app = record_production_event(
            actor=bank_clerk, application=app, type=event, outlet=bank_outlet
        )
    app = record_production_event(
        actor=bank_clerk, application=app, type="collected", outlet=bank_outlet
    )
    return app


def test_adult_loses_card_and_gets_a_new_one(hotline, window, agency, bank_clerk, bank_outlet):
    holder = PersonFactory.create(age=40)
    old = CardFactory.create(person=holder, bank=bank_outlet.bank)

    # 12333: temporary report by phone; the card is blocked at once.
    temp = report_loss(actor=hotline, card=old, kind="temporary", reporter=holder, relation="self")
    assert temp.created and temp.report.kind == LossKind.TEMPORARY
    status = card_status(old.number)
    assert (status.status, status.usable, status.bank_status) == (
        "temporarily_lost",
        False,
        "frozen",
    )
    assert status.blocked_until == temp.report.expires_at
    assert temp.report.expires_at is not None
    assert temp.report.expires_at - temp.report.effective_at == dt.timedelta(days=7)

    # In writing at the window: the same report becomes formal.
    formal = report_loss(
        actor=window,
        card=old,
        kind="formal",
        reporter=holder,
        relation="self",
        documents=["id_card"],
        outlet=agency,
    )
    assert formal.action == "converted" and formal.report.pk == temp.report.pk
    assert card_status(old.number).status == "formally_lost"
    assert card_status(old.number).blocked_until is None

    app = apply_for_card(
        actor=window,
        type="reissue",
        person=holder,
        applicant=holder,
        relation="self",
        documents=["id_card"],
        outlet=agency,
    )
    assert app.status == ApplicationStatus.RECEIPT_ISSUED
    assert app.receipt_number is not None and is_valid_receipt_number(app.receipt_number)
    assert app.fee_amount == 20 and not app.fee_waived
    assert app.bank == bank_outlet.bank and app.old_card == old

    app = record_production_event(actor=bank_clerk, application=app, type="bank_accepted")
    old.refresh_from_db()
    assert old.status == CardStatus.CANCELLED and old.bank_status == BankStatus.CLOSED
    assert old.loss_reports.get().status == LossStatus.CLOSED
    app = record_production_event(actor=bank_clerk, application=app, type="in_production")
    new = app.new_card
    assert new is not None
    assert card_status(new.number).status == "in_production"
    app = record_production_event(
        actor=bank_clerk, application=app, type="ready_for_collection", outlet=bank_outlet
    )
    assert app.collect_by is not None
    app = record_production_event(
        actor=bank_clerk, application=app, type="collected", outlet=bank_outlet
    )
    assert card_status(new.number).status == "sealed"

    activate_card(actor=bank_clerk, card=new, pin="802417", documents=["id_card"])
    assert card_status(new.number).usable is True
    assert card_status(old.number).status == "cancelled"
    assert verify_pin(actor=bank_clerk, card=new, pin="802417").valid

    topics = list(
        OutboxMessage.objects.filter(kind=OutboxKind.NOTIFICATION, recipient=holder).values_list(
            "topic", flat=True
        )
    )
    for topic in (
        "loss_report_effective",
        "receipt_issued",
        "bank_accepted",
        "ready_for_collection",
        "collected",
        "activated",
    ):
        assert topic in topics
    webhooks = set(
        OutboxMessage.objects.filter(kind=OutboxKind.WEBHOOK).values_list("topic", flat=True)
    )
    assert {"card.blocked", "application.receipt_issued", "card.cancelled"} <= webhooks
    assert verify_chain().ok


def test_child_loses_card_guardian_acts(hotline, window, agency, bank_clerk, bank_outlet):
    link = GuardianshipFactory.create(ward__age=9, guardian__age=38)
    child, parent = link.ward, link.guardian
    old = CardFactory.create(person=child, bank=bank_outlet.bank)

    report_loss(actor=hotline, card=old, kind="temporary", reporter=parent, relation="guardian")
    report_loss(
        actor=window,
        card=old,
        kind="formal",
        reporter=parent,
        relation="guardian",
        documents=["household_register", "guardian_id_card"],
        outlet=agency,
    )
    app = apply_for_card(
        actor=window,
        type="reissue",
        person=child,
        applicant=parent,
        relation="guardian",
        documents=["household_register", "guardian_id_card"],
        outlet=agency,
    )
    assert app.applicant == parent
    app = _produce_and_collect(app, bank_clerk, bank_outlet)
    activate_card(
        actor=bank_clerk,
        card=app.new_card,
        pin="802417",
        presenter=parent,
        relation="guardian",
        documents=["household_register", "guardian_id_card"],
    )
    assert card_status(app.new_card.number).usable
    assert card_status(old.number).status == "cancelled"

    notes = OutboxMessage.objects.filter(kind=OutboxKind.NOTIFICATION)
    assert notes.count() >= 6
    assert set(notes.values_list("recipient", flat=True)) == {parent.pk}
    assert CardApplication.objects.get().status == "collected"
    assert verify_chain().ok
