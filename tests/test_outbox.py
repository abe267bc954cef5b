"""Outbox rows are written with the change, for later delivery to banks and holders."""

from __future__ import annotations

import json

import pytest

from sscard.cards.services import report_loss
from sscard.common.errors import DomainError
from sscard.notifications.models import OutboxKind, OutboxMessage, OutboxStatus
from tests.factories import BankFactory, CardFactory, GuardianshipFactory, PersonFactory

pytestmark = pytest.mark.django_db


def test_a_loss_report_writes_a_signed_for_webhook_and_a_notification(hotline):
    holder = PersonFactory.create(age=30, phone="13912345678")
    card = CardFactory.create(
        person=holder, bank=BankFactory.create(code="CCB", name="中国建设银行")
    )

    outcome = report_loss(
        actor=hotline, card=card, kind="temporary", reporter=holder, relation="self"
    )

    webhook = OutboxMessage.objects.get(kind=OutboxKind.WEBHOOK)
    assert webhook.bank is not None and webhook.bank.code == "CCB"
    assert webhook.topic == "card.blocked"
    assert webhook.status == OutboxStatus.PENDING
    assert webhook.payload["id"] == str(webhook.id)
    assert webhook.payload["type"] == "card.blocked"
    assert webhook.payload["data"]["card_number"] == card.number
    assert webhook.payload["data"]["kind"] == "temporary"
    assert webhook.payload["data"]["reference"] == outcome.report.reference

    note = OutboxMessage.objects.get(kind=OutboxKind.NOTIFICATION)
    assert note.recipient == holder and note.subject == holder
    assert note.topic == "loss_report_effective"
    assert note.payload["reference"] == outcome.report.reference

    for row in OutboxMessage.objects.all():
        text = json.dumps(row.payload, ensure_ascii=False)
        assert holder.social_security_number not in text
        assert holder.phone not in text
        assert holder.name not in text


def test_a_refused_report_writes_nothing_to_the_outbox(hotline):
    child = GuardianshipFactory.create(ward__age=7).ward
    stranger = PersonFactory.create(age=50)
    card = CardFactory.create(person=child)

    with pytest.raises(DomainError) as err:
        report_loss(
            actor=hotline, card=card, kind="temporary", reporter=stranger, relation="guardian"
        )

    assert err.value.code == "not_guardian"
    assert OutboxMessage.objects.count() == 0


def test_notifications_about_a_child_go_to_every_guardian(hotline):
    first = GuardianshipFactory.create(ward__age=6, guardian__age=35)
    second = GuardianshipFactory.create(ward=first.ward, guardian__age=36, relation="parent")
    card = CardFactory.create(person=first.ward)

    report_loss(
        actor=hotline, card=card, kind="temporary", reporter=first.guardian, relation="guardian"
    )

    recipients = set(
        OutboxMessage.objects.filter(kind=OutboxKind.NOTIFICATION).values_list(
            "recipient", flat=True
        )
    )
    assert recipients == {first.guardian.pk, second.guardian.pk}
