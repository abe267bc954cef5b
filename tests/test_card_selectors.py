"""Reads the interfaces build on: a person's current card, a card, a loss report."""

from __future__ import annotations

import pytest

from sscard.cards.models import CardStatus
from sscard.cards.selectors import current_card, get_card, get_loss_report
from sscard.cards.services import report_loss
from sscard.common.errors import NotFound
from tests.factories import CardFactory, PersonFactory

pytestmark = pytest.mark.django_db


def test_the_current_card_is_the_live_one_else_the_newest():
    holder = PersonFactory.create()
    CardFactory.create(person=holder, status=CardStatus.CANCELLED, generation=1)
    live = CardFactory.create(person=holder, generation=2)
    CardFactory.create(person=holder, status=CardStatus.IN_PRODUCTION, generation=3)

    assert current_card(holder) == live

    live.status = CardStatus.CANCELLED
    live.save(update_fields=["status"])
    assert current_card(holder).generation == 3


def test_a_person_without_a_card_has_no_current_card():
    with pytest.raises(NotFound) as err:
        current_card(PersonFactory.create())
    assert err.value.code == "card_not_found"


def test_cards_and_reports_are_found_by_their_numbers(hotline):
    card = CardFactory.create()
    outcome = report_loss(
        actor=hotline, card=card, kind="temporary", reporter=card.person, relation="self"
    )

    assert get_card(card.number.lower()) == card
    assert get_loss_report(outcome.report.reference.lower()) == outcome.report
    with pytest.raises(NotFound) as err:
        get_card("A00000000")
    assert err.value.code == "card_not_found"
    with pytest.raises(NotFound) as err:
        get_loss_report("LR000000000000")
    assert err.value.code == "loss_report_not_found"
