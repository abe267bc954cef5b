"""Renewing a card before it expires: online on the portal and through the app, by the holder or a
guardian for a ward, within the policy's window; a replacement with the reason `expired` on the
policy's fee. The old card works until the new one is activated, then it is cancelled. Refusals
(too early, an application already open, a card not in use) change nothing and read in the
citizen's words."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from django.test import Client
from django.utils import translation

from sscard.applications.models import CardApplication
from sscard.applications.services.production import record_production_event
from sscard.audit.models import AuditEvent
from sscard.cards.models import Card, CardStatus
from sscard.cards.selectors import is_usable
from sscard.cards.services import activate_card
from sscard.common import clock
from sscard.common.context import Actor, Channel, Role
from tests.factories import (
    BankOutletFactory,
    make_card,
    make_guardianship,
    make_person,
    make_policy,
    nothing_changes,
)
from tests.portal_support import bank_actor, reported_temporarily
from tests.test_portal_access import signed_in

pytestmark = pytest.mark.django_db

SOON = 60  # days before expiry: inside the default window of 90


def holder_with_card(*, days_left: int = SOON, **person: Any) -> tuple[Any, Any, Any]:
    """A holder whose card expires in `days_left` days, and an outlet of the card's bank that
    hands over cards."""
    holder = make_person(**person)
    card = make_card(person=holder, expires_on=clock.today() + dt.timedelta(days=days_left))
    outlet = BankOutletFactory.create(code="BK0101", bank=card.bank, name="工商银行天河支行")
    return holder, card, outlet


def body(person: Any, applicant: Any, **extra: Any) -> dict[str, Any]:
    return {
        "type": "replacement",
        "reason": "expired",
        "social_security_number": person.social_security_number,
        "applicant": {
            "social_security_number": applicant.social_security_number,
            "name": applicant.name,
            "relation": "self" if person.pk == applicant.pk else "guardian",
        },
        "outlet_code": "BK0101",
        **extra,
    }


# ---------------------------------------------------------------- the app


def test_a_holder_renews_through_the_app_and_the_old_card_keeps_working(api, citizen_token):
    holder, card, _outlet = holder_with_card()

    answer = api.post("/card-applications", body(holder, holder), token=citizen_token(holder))

    assert answer.status_code == 201, answer.content
    out = answer.json()
    assert (out["type"], out["status"], out["old_card_number"]) == (
        "replacement",
        "receipt_issued",
        card.number,
    )
    assert out["receipt_number"]
    app = CardApplication.objects.get(number=out["number"])
    assert (app.reason, app.channel, app.delivery, app.applicant_id) == (
        "expired",
        "app",
        "pickup",
        holder.pk,
    )
    assert (app.fee_amount, app.bank_id, app.collection_outlet_id) == (
        Decimal("0.00"),
        card.bank_id,
        _outlet.pk,
    )
    card.refresh_from_db()
    assert card.status == CardStatus.NORMAL and is_usable(card)


def test_the_fee_is_the_regions_replacement_fee(api, citizen_token):
    make_policy(region_prefix="4401", replacement_fee=Decimal("10.00"))
    holder, _card, _outlet = holder_with_card()

    answer = api.post("/card-applications", body(holder, holder), token=citizen_token(holder))

    assert answer.status_code == 201, answer.content
    assert (answer.json()["fee"], answer.json()["fee_waived"]) == (
        {"amount": "10.00", "currency": "CNY"},
        False,
    )


def test_a_mailed_renewal_needs_an_address_and_goes_by_post(api, citizen_token):
    holder, _card, _outlet = holder_with_card()
    token = citizen_token(holder)

    with nothing_changes(holder):
        refused = api.post("/card-applications", body(holder, holder, delivery="mail"), token=token)
    mailed = api.post(
        "/card-applications",
        body(holder, holder, delivery="mail", mail_address="广州市天河区体育西路 1 号 101 室"),
        token=token,
    )

    assert refused.status_code == 422
    assert refused.json()["errors"][0]["field"] == "mail_address"
    assert mailed.status_code == 201, mailed.content
    app = CardApplication.objects.get(number=mailed.json()["number"])
    assert (app.delivery, app.mail_address) == ("mail", "广州市天河区体育西路 1 号 101 室")


def test_too_early_an_open_application_or_a_card_not_in_use_is_refused(api, citizen_token):
    early, early_card, _outlet = holder_with_card(days_left=120)
    early_token = citizen_token(early)
    with nothing_changes(early, early_card):
        answer = api.post("/card-applications", body(early, early), token=early_token)
    assert answer.status_code == 409
    assert answer.json()["code"] == "renewal_not_open"
    assert answer.json()["opens_on"] == (early_card.expires_on - dt.timedelta(days=90)).isoformat()

    holder = make_person()
    card = make_card(person=holder, expires_on=clock.today() + dt.timedelta(days=SOON))
    token = citizen_token(holder)
    assert api.post("/card-applications", body(holder, holder), token=token).status_code == 201
    with nothing_changes(holder, card):
        again = api.post("/card-applications", body(holder, holder), token=token)
    assert again.status_code == 409 and again.json()["code"] == "application_open"

    lost = make_person()
    lost_card = make_card(person=lost, expires_on=clock.today() + dt.timedelta(days=SOON))
    reported_temporarily(lost_card)
    lost_token = citizen_token(lost)
    with nothing_changes(lost, lost_card):
        answer = api.post("/card-applications", body(lost, lost), token=lost_token)
    assert answer.status_code == 409 and answer.json()["code"] == "card_not_renewable"


def test_the_window_is_the_regions_policy(api, citizen_token):
    make_policy(region_prefix="4401", renewal_window_days=30)
    holder, _card, _outlet = holder_with_card(days_left=SOON)

    answer = api.post("/card-applications", body(holder, holder), token=citizen_token(holder))

    assert answer.status_code == 409 and answer.json()["code"] == "renewal_not_open"


def test_a_guardian_renews_a_wards_card_and_a_stranger_cannot(api, citizen_token):
    link = make_guardianship(ward__age=9)
    card = make_card(person=link.ward, expires_on=clock.today() + dt.timedelta(days=SOON))
    BankOutletFactory.create(code="BK0101", bank=card.bank)
    stranger = make_person()
    stranger_token = citizen_token(stranger)

    with nothing_changes(card):
        refused = api.post("/card-applications", body(link.ward, stranger), token=stranger_token)
    answer = api.post(
        "/card-applications", body(link.ward, link.guardian), token=citizen_token(link.guardian)
    )

    assert refused.status_code == 404 and refused.json()["code"] == "person_not_found"
    assert answer.status_code == 201, answer.content
    app = CardApplication.objects.get(number=answer.json()["number"])
    assert (app.person_id, app.applicant_id, app.applicant_relation) == (
        link.ward.pk,
        link.guardian.pk,
        "guardian",
    )


def test_a_citizen_applies_only_to_renew_and_only_as_themselves(api, citizen_token):
    holder, _card, _outlet = holder_with_card()
    other = make_person()
    token = citizen_token(holder)

    damaged = api.post(
        "/card-applications", body(holder, holder) | {"reason": "damaged"}, token=token
    )
    as_other = api.post("/card-applications", body(holder, other), token=token)

    assert damaged.status_code == 403 and damaged.json()["code"] == "insufficient_scope"
    assert as_other.status_code == 403 and as_other.json()["code"] == "reporter_not_signed_in"
    assert not CardApplication.objects.exists()


# ---------------------------------------------------------------- activation cancels the old card


def test_the_old_card_works_until_the_new_one_is_activated_then_it_is_cancelled(api, citizen_token):
    holder, old, outlet = holder_with_card()
    number = api.post(
        "/card-applications", body(holder, holder), token=citizen_token(holder)
    ).json()["number"]
    app = CardApplication.objects.get(number=number)
    bank = bank_actor(old)
    for event in ("bank_accepted", "in_production", "ready_for_collection", "collected"):
        app = record_production_event(actor=bank, application=app, type=event, outlet=outlet)

    old.refresh_from_db()
    assert old.status == CardStatus.NORMAL and is_usable(old)
    assert app.new_card_id is not None
    new = Card.objects.get(pk=app.new_card_id)
    assert new.status == CardStatus.SEALED

    clerk = Actor(
        kind="staff",
        id="clerk-1",
        role=Role.BANK_CLERK,
        channel=Channel.BANK,
        outlet_code=outlet.code,
        bank_code=old.bank.code,
    )
    activate_card(actor=clerk, card=new, pin="390721", documents=["id_card"], outlet=outlet)

    old.refresh_from_db()
    new.refresh_from_db()
    assert (old.status, new.status) == (CardStatus.CANCELLED, CardStatus.NORMAL)
    assert not is_usable(old) and is_usable(new)
    cancelled = AuditEvent.objects.filter(action="card.cancelled", object_id=old.number)
    assert cancelled.count() == 1


# ---------------------------------------------------------------- the portal


def test_the_portal_offers_the_renewal_and_makes_it(settings):
    holder, card, outlet = holder_with_card()
    client = signed_in(Client(), holder)

    with translation.override("en"):
        cards_page = client.get("/cards/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert f"/cards/{card.number}/renew/" in cards_page
    page = client.get(f"/cards/{card.number}/renew/")
    assert page.status_code == 200
    assert outlet.code in page.content.decode()

    answer = client.post(
        f"/cards/{card.number}/renew/", {"delivery": "pickup", "outlet": outlet.code}
    )

    app = CardApplication.objects.get(person=holder)
    assert answer.status_code == 302 and answer["Location"] == f"/applications/{app.number}/"
    assert (app.type, app.reason, app.channel) == ("replacement", "expired", "web")


def test_the_portal_says_why_not_in_the_citizens_words():
    holder, card, _outlet = holder_with_card(days_left=200, language="zh-hans")
    client = signed_in(Client(), holder)
    opens = (card.expires_on - dt.timedelta(days=90)).isoformat()

    html = client.get(f"/cards/{card.number}/renew/").content.decode()

    assert f"现在换卡还太早：您可以从 {opens} 起至卡到期前在网上办理换卡。" in html
    assert "/renew/" not in client.get("/cards/").content.decode()


def test_a_pickup_without_an_outlet_is_refused_next_to_the_field():
    holder, card, _outlet = holder_with_card()
    client = signed_in(Client(), holder)

    with nothing_changes(card):
        answer = client.post(f"/cards/{card.number}/renew/", {"delivery": "pickup"})

    html = answer.content.decode()
    assert answer.status_code == 200
    assert 'id="id_outlet-error"' in html
    assert not CardApplication.objects.exists()
