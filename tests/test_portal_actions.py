"""Reporting a loss, renewing it and lifting it on the portal, for oneself and as a guardian:
each through the domain services, audited with the channel web; refusals next to the field."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

import pytest
from django.test import Client
from django.utils import translation

from sscard.applications.services.applying import apply_for_card
from sscard.applications.services.production import record_production_event
from sscard.audit.models import AuditEvent
from sscard.cards.models import BankStatus, CardStatus, LossReport, LossStatus
from sscard.cards.services import report_loss
from sscard.common import clock
from sscard.policy.models import LapseAction, ValidityUnit
from sscard.portal import formats
from tests.factories import make_outlet, make_policy, nothing_changes
from tests.portal_support import (
    SmsGateway,
    bank_actor,
    citizen,
    family,
    fresh_rate_limits,
    reissue_ready_for_collection,
    reported_temporarily,
    sms_gateway,
    window_actor,
)
from tests.test_portal_access import signed_in

pytestmark = pytest.mark.django_db


@pytest.fixture
def sms(settings: Any) -> Iterator[SmsGateway]:
    with sms_gateway(settings) as gateway:
        yield gateway


@pytest.fixture(autouse=True)
def _fresh_rate_limits() -> Iterator[None]:
    with fresh_rate_limits():
        yield


def web_events(person: Any) -> list[tuple[str, str]]:
    return list(
        AuditEvent.objects.filter(actor_id=f"person:{person.pk}")
        .order_by("seq")
        .values_list("action", "channel")
    )


def test_reporting_ones_own_card_blocks_it_and_is_audited_with_the_channel_web():
    person, card = citizen()
    client = signed_in(Client(), person)

    answer = client.post(f"/cards/{card.number}/report/", {"confirm": "on"})

    assert answer.status_code == 302 and answer["Location"] == f"/cards/#card-{card.number}"
    card.refresh_from_db()
    assert (card.status, card.bank_status) == (CardStatus.TEMPORARILY_LOST, BankStatus.FROZEN)
    report = LossReport.objects.get(card=card)
    assert (report.channel, report.reporter_relation, report.reporter_id) == (
        "web",
        "self",
        person.pk,
    )
    assert report.expires_at == card.lost_until
    assert web_events(person) == [("loss_report.created", "web"), ("card.blocked", "web")]
    page = client.get("/cards/").content.decode()
    assert report.reference in page


def test_without_the_confirmation_the_report_is_refused_next_to_the_field():
    person, card = citizen()
    client = signed_in(Client(), person)

    with nothing_changes(card):
        answer = client.post(f"/cards/{card.number}/report/", {})

    html = answer.content.decode()
    assert answer.status_code == 200
    assert 'id="id_confirm-error"' in html and 'href="#id_confirm"' in html


def test_a_second_report_renews_the_temporary_one():
    person, card = citizen()
    client = signed_in(Client(), person)
    start = clock.now()
    with clock.frozen_at(start):
        client.post(f"/cards/{card.number}/report/", {"confirm": "on"})
    first = LossReport.objects.get(card=card).expires_at
    assert first == start + dt.timedelta(days=7)

    with clock.frozen_at(start + dt.timedelta(days=2)):
        page = client.get(f"/cards/{card.number}/report/").content.decode()
        assert 'name="confirm"' not in page
        answer = client.post(f"/cards/{card.number}/report/", {})

    assert answer.status_code == 302
    report = LossReport.objects.get(card=card)
    assert report.renewals == 1 and report.expires_at == first + dt.timedelta(days=2)
    assert web_events(person)[-2:] == [("loss_report.renewed", "web"), ("card.blocked", "web")]


def test_the_page_says_when_the_report_lapses_and_what_the_lapse_does():
    make_policy(
        region_prefix="440106",
        temporary_validity=3,
        temporary_validity_unit=ValidityUnit.WORKING_DAYS,
        on_temporary_lapse=LapseAction.CANCEL,
    )
    person, card = citizen()
    client = signed_in(Client(), person)
    client.cookies["sscard_language"] = "en"

    client.post(f"/cards/{card.number}/report/", {"confirm": "on"})

    card.refresh_from_db()
    page = client.get("/cards/").content.decode()
    assert f"Blocked until {formats.moment(card.lost_until)}" in page
    assert "the card is cancelled for good" in page


def test_a_guardian_reports_the_childs_card_as_guardian():
    parent, _parent_card, _child, child_card = family()
    client = signed_in(Client(), parent)

    answer = client.post(f"/cards/{child_card.number}/report/", {"confirm": "on"})

    assert answer.status_code == 302
    report = LossReport.objects.get(card=child_card)
    assert (report.reporter_id, report.reporter_relation, report.channel) == (
        parent.pk,
        "guardian",
        "web",
    )
    assert web_events(parent) == [("loss_report.created", "web"), ("card.blocked", "web")]


def test_a_child_cannot_report_alone_and_is_told_who_can():
    _parent, _pc, child, child_card = family()
    client = signed_in(Client(), child)
    client.cookies["sscard_language"] = "en"

    with nothing_changes(child_card):
        answer = client.post(f"/cards/{child_card.number}/report/", {"confirm": "on"})

    html = answer.content.decode()
    assert answer.status_code == 200
    assert "A parent or guardian has to do this" in html


def test_lifting_needs_a_fresh_code_sent_to_the_person_signed_in(sms):
    person, card = citizen()
    reported_temporarily(card)
    client = signed_in(Client(), person)

    sent = client.post(f"/cards/{card.number}/found/", {"send": "1"})
    assert sent.status_code == 302
    code = sms.code_for(person.phone)
    answer = client.post(f"/cards/{card.number}/found/", {"lift": "1", "code": code})

    assert answer.status_code == 302
    card.refresh_from_db()
    assert (card.status, card.bank_status) == (CardStatus.NORMAL, BankStatus.NORMAL)
    report = LossReport.objects.get(card=card)
    assert report.status == LossStatus.LIFTED
    assert web_events(person) == [("loss_report.lifted", "web"), ("card.unblocked", "web")]


def test_the_confirmation_text_is_not_a_sign_in_code(sms):
    person, card = citizen()
    reported_temporarily(card)
    client = signed_in(Client(), person)
    client.post(f"/cards/{card.number}/found/", {"send": "1"})
    sms.code_for(person.phone)
    text = sms.received(person.phone)[0]
    assert "确认" in text or "confirmation" in text


def test_a_wrong_code_lifts_nothing(sms):
    person, card = citizen()
    reported_temporarily(card)
    client = signed_in(Client(), person)
    client.post(f"/cards/{card.number}/found/", {"send": "1"})
    real = sms.code_for(person.phone)
    wrong = "000000" if real != "000000" else "111111"

    answer = client.post(f"/cards/{card.number}/found/", {"lift": "1", "code": wrong})

    html = answer.content.decode()
    assert answer.status_code == 200 and 'id="id_code-error"' in html
    assert f'value="{wrong}"' in html
    card.refresh_from_db()
    assert card.status == CardStatus.TEMPORARILY_LOST


def test_a_sign_in_code_does_not_lift(sms):
    person, card = citizen()
    reported_temporarily(card)
    client = Client()
    client.post(
        "/sign-in/",
        {"social_security_number": person.social_security_number, "phone": person.phone},
    )
    client.post("/sign-in/code/", {"code": sms.code_for(person.phone)})
    Client().post(
        "/sign-in/",
        {"social_security_number": person.social_security_number, "phone": person.phone},
    )
    unused_sign_in_code = sms.code_for(person.phone, after=1)

    client.post(f"/cards/{card.number}/found/", {"send": "1"})
    client.post(f"/cards/{card.number}/found/", {"lift": "1", "code": unused_sign_in_code})

    card.refresh_from_db()
    assert card.status == CardStatus.TEMPORARILY_LOST


def test_a_guardian_lifts_the_childs_report_with_a_code_to_the_guardians_phone(sms):
    parent, _pc, child, child_card = family()
    reported_temporarily(child_card, by=parent)
    client = signed_in(Client(), parent)

    client.post(f"/cards/{child_card.number}/found/", {"send": "1"})
    code = sms.code_for(parent.phone)
    client.post(f"/cards/{child_card.number}/found/", {"lift": "1", "code": code})

    assert sms.received(child.phone) == []
    child_card.refresh_from_db()
    assert child_card.status == CardStatus.NORMAL
    report = LossReport.objects.get(card=child_card)
    assert report.status == LossStatus.LIFTED
    assert web_events(parent)[-2:] == [("loss_report.lifted", "web"), ("card.unblocked", "web")]


def test_no_code_is_sent_for_a_card_that_cannot_be_lifted_online(sms):
    person, card = citizen()
    reissue_ready_for_collection(card)
    client = signed_in(Client(), person)

    answer = client.post(f"/cards/{card.number}/found/", {"send": "1"})

    assert answer.status_code == 200
    assert sms.texts == []


# ---------------------------------------------------------------- language


def test_switching_language_signed_in_changes_the_language_of_ones_messages():
    person, _ = citizen()
    assert person.language == "zh-hans"
    client = signed_in(Client(), person)

    switched = client.post("/language/", {"language": "en", "next": "/cards/"})

    assert switched.status_code == 302 and switched["Location"] == "/cards/"
    assert client.cookies["sscard_language"].value == "en"
    person.refresh_from_db()
    assert person.language == "en"
    assert web_events(person)[-1] == ("person.language_changed", "web")
    assert "Report" in client.get("/cards/").content.decode()  # the page speaks English now

    # Choosing the same again changes nothing and writes nothing.
    with nothing_changes():
        client.post("/language/", {"language": "en", "next": "/cards/"})


def test_switching_language_signed_out_sets_only_the_cookie():
    person, _ = citizen()
    client = Client()

    with nothing_changes():
        switched = client.post("/language/", {"language": "en", "next": "/outlets/"})

    assert switched["Location"] == "/outlets/"
    assert client.cookies["sscard_language"].value == "en"
    person.refresh_from_db()
    assert person.language == "zh-hans"


def test_an_unknown_language_changes_nothing():
    person, _ = citizen()
    client = signed_in(Client(), person)

    with nothing_changes():
        client.post("/language/", {"language": "fr", "next": "/cards/"})

    person.refresh_from_db()
    assert person.language == "zh-hans"
    assert "sscard_language" not in client.cookies


def test_the_day_a_report_lapses_is_the_local_day_even_early_in_the_morning():
    # At 07:15 Beijing time (23:15 UTC the day before) a report lapses seven days later at
    # 07:15 local: the card works again on 9 Dec, not on 8 Dec (the date in UTC).
    person, card = citizen()
    other, other_card = citizen()
    client = signed_in(Client(), person)
    client.cookies["sscard_language"] = "en"
    other_client = signed_in(Client(), other)
    other_client.cookies["sscard_language"] = "en"
    beijing = dt.timezone(dt.timedelta(hours=8))
    with clock.frozen_at(dt.datetime(2026, 12, 2, 7, 15, tzinfo=beijing)):
        client.post(f"/cards/{card.number}/report/", {"confirm": "on"})
        page = client.get("/cards/").content.decode()
        form = other_client.get(f"/cards/{other_card.number}/report/").content.decode()

    assert "Blocked until 9 Dec 07:15" in page
    assert "the card works again on 9 Dec." in page and "8 Dec" not in page
    assert "It stays blocked until 9 Dec 07:15." in form
    assert "the card works again on 9 Dec." in form and "8 Dec" not in form


def test_a_card_reported_lost_in_writing_can_still_be_unblocked_at_a_counter():
    # A written report has no end date but is lifted at a window or bank when the card is found
    # (until a new card is applied for); it is not "blocked for good", and it is not to be
    # reported in writing a second time before applying for the new card.
    from sscard.cards.models import LossKind
    from sscard.cards.services import report_loss
    from tests.factories import make_outlet
    from tests.portal_support import window_actor

    person, card = citizen()
    outlet = make_outlet(code="SI4401060X", name="天河区社会保险基金管理中心")
    report_loss(
        actor=window_actor(outlet),
        card=card,
        kind=LossKind.FORMAL,
        reporter=person,
        relation="self",
        documents=["id_card"],
        outlet=outlet,
    )
    client = signed_in(Client(), person)
    client.cookies["sscard_language"] = "en"

    page = " ".join(client.get(f"/cards/{card.number}/").content.decode().split())

    assert "Blocked for good" not in page
    assert "report the loss in writing" not in page
    assert (
        "Found it? To unblock it, go to a service window or bank outlet with your ID card." in page
    )
    assert "Need a new card? Apply for it at a service window or bank outlet" in page

    chinese = signed_in(Client(), person).get(f"/cards/{card.number}/").content.decode()
    assert "这张卡不能再使用" not in chinese and "办理书面挂失并申请补卡" not in chinese
    assert "找到卡了？" in chinese and "解除挂失" in chinese


def test_where_a_report_does_not_freeze_the_bank_account_the_person_is_told_to_call_the_bank():
    # Under a "separate" policy a report blocks only the social security side: the person must
    # hear, before and after reporting, that the bank account still works and whom to tell.
    make_policy(region_prefix="440106", linked_loss_reporting=False)
    person, card = citizen()
    assert card.bank is not None and card.bank_status == BankStatus.NORMAL
    client = signed_in(Client(), person)
    client.cookies["sscard_language"] = "en"
    warning = (
        f"The bank account on the card is not frozen by this report: call {card.bank.name} "
        "or go to one of its outlets to freeze it too."
    )

    form = " ".join(client.get(f"/cards/{card.number}/report/").content.decode().split())
    client.post(f"/cards/{card.number}/report/", {"confirm": "on"})
    page = " ".join(client.get("/cards/").content.decode().split())

    card.refresh_from_db()
    assert card.bank_status == BankStatus.NORMAL
    assert warning in form and warning in page
    chinese = signed_in(Client(), person).get("/cards/").content.decode()
    assert f"这次挂失不会冻结卡上的银行账户：请致电{card.bank.name}或到其网点" in chinese


def test_a_mailed_card_page_says_where_and_by_when_to_bring_it_in():
    person, card = citizen()
    outlet = make_outlet(code="SI4401060X")
    clerk = window_actor(outlet)
    report_loss(
        actor=clerk,
        card=card,
        kind="formal",
        reporter=person,
        relation="self",
        documents=["id_card"],
        outlet=outlet,
    )
    app = apply_for_card(
        actor=clerk,
        type="reissue",
        person=person,
        applicant=person,
        relation="self",
        documents=["id_card"],
        outlet=outlet,
        delivery="mail",
        mail_address="广州市天河区体育西路1号",
    )
    for step in ("bank_accepted", "in_production", "mailed"):
        app = record_production_event(
            actor=bank_actor(card), application=app, type=step, tracking_number="SF1234567890"
        )
    client = signed_in(Client(), person)

    chinese = client.get(f"/applications/{app.number}/").content.decode()
    client.cookies["sscard_language"] = "en"
    english = client.get(f"/applications/{app.number}/").content.decode()

    assert app.collect_by is not None
    with translation.override("en"):
        by = formats.day(app.collect_by)
    assert "Tracking number: SF1234567890." in english
    assert (
        f"When it arrives, bring it with your ID card to a service window or bank outlet by "
        f"{by}: it is recorded as received there and activated."
    ) in english
    assert f"A card not brought in by {by} is sealed off" in english
    assert "办理签收并启用" in chinese and "前未办理签收的卡将被封存" in chinese
