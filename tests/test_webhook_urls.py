"""Where webhooks may go: https to public addresses; private, loopback and link-local addresses
only from the networks a setting allows (the test settings allow loopback, for the real
receivers on localhost). Checked when a bank is saved and again when a webhook is sent, on the
address the connection is made to."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from django.core.management import call_command

from sscard.audit.models import AuditEvent
from sscard.common.context import Actor
from sscard.common.errors import DomainError
from sscard.notifications.models import DeliveryAttempt, OutboxMessage, OutboxStatus
from sscard.notifications.services import emit_webhook
from sscard.partners.models import Bank
from sscard.partners.services import save_bank
from sscard.partners.webhook_urls import WebhookUrlRefused, check_webhook_url
from tests.factories import BankFactory, db_state, make_person
from tests.receivers import HttpReceiver, http_receiver

SECRET = "whsec_4f1c2a9e8b7d6c5b4a39281706f5e4d3"

transactional = pytest.mark.django_db(transaction=True)


@pytest.fixture
def receiver() -> Iterator[HttpReceiver]:
    with http_receiver() as r:
        yield r


@pytest.fixture
def production_networks(settings: Any) -> None:
    """No allowance: what production has unless the operator lists networks."""
    settings.WEBHOOK_ALLOWED_NETWORKS = []


REFUSED = [
    ("http://8.8.8.8/hooks", "must use https"),
    ("ftp://8.8.8.8/hooks", "must be an https URL with a host"),
    ("https:///hooks", "must be an https URL with a host"),
    ("https://user:secret@8.8.8.8/hooks", "must not hold a user name or password"),
    ("https://8.8.8.8:99999/hooks", "not a valid URL"),
    ("https://10.1.2.3/hooks", "leads to 10.1.2.3, a private"),
    ("https://172.16.0.9/hooks", "leads to 172.16.0.9, a private"),
    ("https://192.168.1.1/hooks", "leads to 192.168.1.1, a private"),
    ("https://100.64.0.1/hooks", "leads to 100.64.0.1, a private"),
    ("https://127.0.0.1/hooks", "leads to 127.0.0.1, a private"),
    ("https://localhost:8443/hooks", "leads to 127.0.0.1, a private"),
    ("https://169.254.169.254/latest/meta-data", "leads to 169.254.169.254, a private"),
    ("https://0.0.0.0/hooks", "leads to 0.0.0.0, a private"),
    ("https://[::1]/hooks", "leads to ::1, a private"),
    ("https://[fe80::1]/hooks", "leads to fe80::1, a private"),
    ("https://[fd00::1]/hooks", "leads to fd00::1, a private"),
    ("https://[::ffff:127.0.0.1]/hooks", "leads to 127.0.0.1, a private"),
    ("https://224.0.0.1/hooks", "leads to 224.0.0.1, a private"),
]


@pytest.mark.parametrize(("url", "message"), REFUSED)
def test_urls_that_are_not_https_to_a_public_address_are_refused(production_networks, url, message):
    with pytest.raises(WebhookUrlRefused) as refused:
        check_webhook_url(url)

    assert refused.value.code == "invalid_webhook_url"
    assert message in refused.value.detail
    assert [e.field for e in refused.value.errors] == ["webhook_url"]


@pytest.mark.parametrize(
    "url",
    [
        "https://8.8.8.8/hooks",
        "https://[2001:4860:4860::8888]:8443/hooks",
        "https://bank-hooks.invalid/sscard",  # does not resolve yet: checked again at delivery
        "",
    ],
)
def test_https_to_a_public_or_not_yet_resolvable_host_is_accepted(production_networks, url):
    assert check_webhook_url(f"  {url} ") == url


def test_plain_http_is_refused_even_to_a_host_that_does_not_resolve(production_networks):
    with pytest.raises(WebhookUrlRefused, match="must use https"):
        check_webhook_url("http://bank-hooks.invalid/sscard")


def test_an_allowed_network_may_be_reached_but_http_only_on_loopback(settings):
    settings.WEBHOOK_ALLOWED_NETWORKS = ["10.20.0.0/16", "127.0.0.0/8"]

    assert check_webhook_url("https://10.20.3.4/hooks") == "https://10.20.3.4/hooks"
    assert check_webhook_url("http://127.0.0.1:8080/hooks") == "http://127.0.0.1:8080/hooks"
    with pytest.raises(WebhookUrlRefused, match="must use https"):
        check_webhook_url("http://10.20.3.4/hooks")
    with pytest.raises(WebhookUrlRefused, match=r"10\.21\.0\.1"):
        check_webhook_url("https://10.21.0.1/hooks")


@pytest.mark.django_db
@pytest.mark.parametrize(("url", "message"), REFUSED[:3] + REFUSED[5:8])
def test_saving_a_bank_with_a_refused_url_changes_nothing(production_networks, url, message):
    bank = BankFactory.create(code="ICBC")
    bank.webhook_url, bank.webhook_secret = "https://8.8.8.8/hooks", SECRET
    bank.save()
    before, events = db_state(bank), AuditEvent.objects.count()
    changed = Bank.objects.get(pk=bank.pk)
    changed.webhook_url, changed.webhook_secret = url, "whsec_other"

    with pytest.raises(DomainError, match=message):
        save_bank(actor=Actor.system(), bank=changed)

    bank.refresh_from_db()
    assert db_state(bank) == before
    assert AuditEvent.objects.count() == events


@pytest.mark.django_db
def test_saving_a_bank_records_that_the_webhook_changed(production_networks):
    bank = save_bank(actor=Actor.system(), bank=Bank(code="CCB", name="中国建设银行"))
    bank.webhook_url, bank.webhook_secret = "https://8.8.4.4/hooks", SECRET
    save_bank(actor=Actor.system(), bank=bank)

    events = list(AuditEvent.objects.filter(object_type="bank").order_by("seq"))
    assert [(e.action, e.object_id, e.before, e.after) for e in events] == [
        (
            "bank.created",
            "CCB",
            {},
            {
                "code": "CCB",
                "name": "中国建设银行",
                "webhook_secret": "unset",
                "webhook_url": "unset",
            },
        ),
        (
            "bank.changed",
            "CCB",
            {"webhook_secret": "unset", "webhook_url": "unset"},
            {"webhook_secret": "changed", "webhook_url": "changed"},
        ),
    ]


# ---------------------------------------------------------------- at delivery


def a_bank_saved_earlier(url: str) -> Bank:
    """A bank whose URL was stored before the rules (or while a network was allowed)."""
    bank = BankFactory.create(code="ICBC")
    Bank.objects.filter(pk=bank.pk).update(webhook_url=url, webhook_secret=SECRET)
    bank.refresh_from_db()
    return bank


def send_one(bank: Bank) -> OutboxMessage:
    message = emit_webhook(
        bank=bank, topic="card.cancelled", data={"card_number": "A1"}, subject=make_person()
    )
    assert message is not None
    call_command("worker", "--once", "--no-sweep")
    message.refresh_from_db()
    return message


def attempts(message: OutboxMessage) -> list[tuple[Any, ...]]:
    return list(
        DeliveryAttempt.objects.filter(message=message).values_list(
            "outcome", "http_status", "error"
        )
    )


@transactional
def test_with_the_allowance_the_webhook_reaches_the_receiver_on_localhost(receiver):
    message = send_one(a_bank_saved_earlier(receiver.url))

    assert message.status == OutboxStatus.DELIVERED
    assert [r.json["type"] for r in receiver.received] == ["card.cancelled"]
    assert receiver.signatures_valid(SECRET) == [True]


@transactional
def test_without_the_allowance_nothing_is_sent_to_a_loopback_address(
    receiver, production_networks, settings
):
    settings.WEBHOOK_MAX_ATTEMPTS = 1
    message = send_one(a_bank_saved_earlier(receiver.url))

    assert receiver.received == []
    assert message.status == OutboxStatus.DEAD
    assert attempts(message) == [
        (
            "failed",
            None,
            "not sent: The webhook URL leads to 127.0.0.1, a private, loopback, link-local or "
            "reserved address.",
        )
    ]


@transactional
def test_a_name_is_checked_on_the_address_it_resolves_to_when_sending(
    receiver, production_networks, settings
):
    """https://localhost:<port> passes no check at delivery (it resolves to loopback), and is
    never connected to."""
    settings.WEBHOOK_MAX_ATTEMPTS = 1
    url = receiver.url.replace("http://127.0.0.1", "https://localhost")
    message = send_one(a_bank_saved_earlier(url))

    assert receiver.requests == 0
    assert message.status == OutboxStatus.DEAD
    [(outcome, status, error)] = attempts(message)
    assert (outcome, status) == ("failed", None)
    assert error.startswith("not sent: The webhook URL leads to ")
    assert "a private, loopback, link-local or reserved address" in error


@transactional
def test_a_private_address_allowed_at_saving_is_refused_once_the_allowance_is_gone(
    receiver, settings
):
    settings.WEBHOOK_MAX_ATTEMPTS = 1
    bank = BankFactory.create(code="ICBC")
    bank.webhook_url, bank.webhook_secret = receiver.url, SECRET
    save_bank(actor=Actor.system(), bank=bank)
    settings.WEBHOOK_ALLOWED_NETWORKS = []

    message = send_one(bank)

    assert receiver.received == []
    assert message.status == OutboxStatus.DEAD
