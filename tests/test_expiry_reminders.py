"""Reminders that a card expires: the sweep, run with the clock moved, tells the holder (or a
ward's guardians) on the policy's days ahead, by SMS and e-mail in their language, once for each
card and day; an expired card, or one already being renewed, gets nothing."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from io import StringIO
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.core.management import call_command

from sscard.applications.models import ExpiryReminder
from sscard.applications.services.renewal import renew_card
from sscard.common import clock
from sscard.common.context import Actor, Channel
from sscard.notifications.models import OutboxMessage
from sscard.outlets.models import Outlet
from tests.factories import (
    BankOutletFactory,
    make_card,
    make_guardianship,
    make_person,
    make_policy,
)
from tests.receivers import HttpReceiver, Mailbox, http_receiver, plain_body, smtp_server

transactional = pytest.mark.django_db(transaction=True)

EXPIRES = dt.date(2027, 3, 1)
NINE_AM = dt.time(9, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
TOKEN = "sms-gateway-token-renewal"


def at(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, NINE_AM)


def days_before(days: int) -> dt.datetime:
    return at(EXPIRES - dt.timedelta(days=days))


@pytest.fixture
def gateway(settings: Any) -> Iterator[HttpReceiver]:
    with http_receiver() as receiver:
        settings.SMS_BACKEND, settings.SMS_URL, settings.SMS_TOKEN = "http", receiver.url, TOKEN
        yield receiver


@pytest.fixture
def mailbox(settings: Any) -> Iterator[Mailbox]:
    with smtp_server() as (box, port):
        settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
        settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", port
        settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
        yield box


def sweep_at(moment: dt.datetime) -> str:
    """The sweep, then the worker's delivery, at `moment`; the sweep's line for reminders."""
    out = StringIO()
    with clock.frozen_at(moment):
        call_command("sweep", stdout=out)
        call_command("worker", "--once", "--no-sweep")
    [line] = [part for part in out.getvalue().split("; ") if "card expiry" in part]
    return line


def texts(gateway: HttpReceiver) -> list[tuple[str, str]]:
    return [(r.json["to"], r.json["text"]) for r in gateway.received]


ZH = (
    "您的社保卡（卡号 {card}）将于 {date} 到期。请在网上（网站或手机应用）或到服务窗口、"
    "银行网点办理换卡。新卡启用前，原卡可继续使用。"
)
EN = (
    "Your social security card {card} expires on {date}. Renew it online (website or app) "
    "or at a service window or bank outlet. The card keeps working until the new one is "
    "activated."
)


@transactional
def test_the_holder_is_reminded_90_and_30_days_ahead_once_each_in_their_language(gateway, mailbox):
    holder = make_person(phone="13912340001", email="holder@example.cn", language="zh-hans")
    card = make_card(person=holder, expires_on=EXPIRES)

    assert sweep_at(days_before(91)) == "card expiry reminders: 0"
    assert sweep_at(days_before(90)) == "card expiry reminders: 1"
    assert sweep_at(days_before(90) + dt.timedelta(hours=5)) == "card expiry reminders: 0"
    assert sweep_at(days_before(60)) == "card expiry reminders: 0"
    assert sweep_at(days_before(30)) == "card expiry reminders: 1"
    assert sweep_at(days_before(1)) == "card expiry reminders: 0"

    # The year is said only when the reminder is sent in another year than the expiry's.
    words = ZH.format(card=card.number, date="2027年3月1日")
    later = ZH.format(card=card.number, date="3月1日")
    assert texts(gateway) == [("13912340001", words), ("13912340001", later)]
    assert [m["Subject"] for m in mailbox.messages] == ["您的社保卡即将到期"] * 2
    assert plain_body(mailbox.messages[0]).startswith(words)
    assert list(
        ExpiryReminder.objects.order_by("sent_at").values_list("card", "expires_on", "days_before")
    ) == [(card.pk, EXPIRES, 90), (card.pk, EXPIRES, 30)]
    for sent in (words, plain_body(mailbox.messages[0])):
        assert holder.social_security_number not in sent and holder.name not in sent


@transactional
def test_an_english_speaker_reads_it_in_english(gateway, mailbox):
    holder = make_person(phone="13912340002", email="", language="en")
    card = make_card(person=holder, expires_on=EXPIRES)

    assert sweep_at(days_before(90)) == "card expiry reminders: 1"

    assert texts(gateway) == [("13912340002", EN.format(card=card.number, date="1 Mar 2027"))]


@transactional
def test_a_childs_card_is_reminded_to_each_guardian_and_not_to_the_child(gateway, mailbox):
    mother = make_guardianship(
        ward__age=9, guardian__phone="13912340003", guardian__email="", guardian__language="en"
    )
    father = make_guardianship(
        ward=mother.ward,
        guardian__phone="13912340004",
        guardian__email="",
        guardian__language="zh-hans",
    )
    card = make_card(person=mother.ward, expires_on=EXPIRES)

    assert sweep_at(days_before(30)) == "card expiry reminders: 1"

    assert sorted(texts(gateway)) == [
        ("13912340003", EN.format(card=card.number, date="1 Mar")),
        ("13912340004", ZH.format(card=card.number, date="3月1日")),
    ]
    recipients = set(OutboxMessage.objects.values_list("recipient", flat=True))
    assert recipients == {mother.guardian.pk, father.guardian.pk}


@transactional
def test_a_card_found_late_gets_only_the_nearest_reminder_and_an_expired_card_nothing(
    gateway, mailbox
):
    late = make_card(person=make_person(phone="13912340005", email=""), expires_on=EXPIRES)
    make_card(
        person=make_person(phone="13912340006", email=""),
        expires_on=EXPIRES - dt.timedelta(days=40),
    )

    assert sweep_at(days_before(20)) == "card expiry reminders: 1"
    assert sweep_at(days_before(10)) == "card expiry reminders: 0"

    assert [to for to, _ in texts(gateway)] == ["13912340005"]
    assert list(ExpiryReminder.objects.values_list("card", "days_before")) == [(late.pk, 30)]


@transactional
def test_the_days_ahead_are_the_regions_policy(gateway, mailbox):
    make_policy(region_prefix="4401", expiry_reminder_days=[60, 7])
    make_card(person=make_person(phone="13912340007", email=""), expires_on=EXPIRES)

    assert sweep_at(days_before(90)) == "card expiry reminders: 0"
    assert sweep_at(days_before(60)) == "card expiry reminders: 1"
    assert sweep_at(days_before(30)) == "card expiry reminders: 0"
    assert sweep_at(days_before(7)) == "card expiry reminders: 1"

    assert list(
        ExpiryReminder.objects.order_by("sent_at").values_list("days_before", flat=True)
    ) == [
        60,
        7,
    ]


@transactional
def test_a_card_already_being_renewed_is_not_reminded(gateway, mailbox):
    holder = make_person(phone="13912340008", email="")
    card = make_card(person=holder, expires_on=EXPIRES)
    BankOutletFactory.create(code="BK0301", bank=card.bank)
    with clock.frozen_at(days_before(40)):
        renew_card(
            actor=Actor.citizen(holder.pk, Channel.WEB),
            person=holder,
            applicant=holder,
            relation="self",
            outlet=Outlet.objects.get(code="BK0301"),
        )

    assert sweep_at(days_before(30)) == "card expiry reminders: 0"

    assert not ExpiryReminder.objects.exists()
    assert not OutboxMessage.objects.filter(topic="card_expiring").exists()
