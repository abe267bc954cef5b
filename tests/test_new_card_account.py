"""The financial application follows the new card at the same bank, not at another."""

from __future__ import annotations

import pytest

from sscard.applications.services.applying import apply_for_card
from sscard.applications.services.production import record_production_event
from sscard.cards.services import report_loss
from tests.factories import BankFactory, CardFactory, PersonFactory

pytestmark = pytest.mark.django_db


def _reissued(window, agency, bank_clerk, card, holder, bank=None):
    report_loss(
        actor=window,
        card=card,
        kind="formal",
        reporter=holder,
        relation="self",
        documents=["id_card"],
        outlet=agency,
    )
    app = apply_for_card(
        actor=window,
        type="reissue",
        person=holder,
        applicant=holder,
        relation="self",
        documents=["id_card"],
        outlet=agency,
        bank=bank,
    )
    clerk = bank_clerk if bank is None else None
    for event in ("bank_accepted", "in_production"):
        app = record_production_event(actor=clerk or window, application=app, type=event)
    assert app.new_card is not None
    return app.new_card


def test_a_reissue_at_the_same_bank_keeps_the_account(window, agency, bank_clerk, bank):
    holder = PersonFactory.create(age=45)
    old = CardFactory.create(person=holder, bank=bank, account_number="6222020200112233445")

    new = _reissued(window, agency, bank_clerk, old, holder)

    assert new.bank == bank
    assert new.account_number == "6222020200112233445"


def test_a_reissue_at_another_bank_opens_a_new_account(window, agency, bank_clerk, bank):
    holder = PersonFactory.create(age=45)
    old = CardFactory.create(person=holder, bank=bank, account_number="6222020200112233445")
    other = BankFactory.create(code="BOC", name="中国银行")

    new = _reissued(window, agency, bank_clerk, old, holder, bank=other)

    assert new.bank == other
    assert new.account_number != old.account_number
    assert len(new.account_number) == 19 and new.account_number.isdigit()
