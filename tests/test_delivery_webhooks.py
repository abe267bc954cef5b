"""Webhooks to banks (API.md): signed, retried with backoff, logged, dead-lettered, replayed.

The bank is a real HTTP server on localhost that checks the signature with its secret; the
worker is `sscard worker --once` in this process.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import re
from collections.abc import Iterator
from io import StringIO
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from django.db import transaction
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from sscard.applications.services.applying import apply_for_card
from sscard.applications.services.cancellation import cancel_application
from sscard.applications.services.production import record_production_event
from sscard.cards.services import lift_loss_report, report_loss
from sscard.common import clock
from sscard.notifications.delivery import INTERRUPTED, deliver, retry_delay
from sscard.notifications.models import (
    DeliveryAttempt,
    OutboxKind,
    OutboxMessage,
    OutboxStatus,
)
from sscard.notifications.services import emit_webhook
from sscard.notifications.tasks import deliver_outbox_message
from sscard.notifications.webhooks import event_body, signature
from sscard.partners.models import Bank
from tests.factories import BankFactory, make_card, make_person
from tests.receivers import HttpReceiver, free_port, http_receiver, verify_signature

SECRET = "whsec_4f1c2a9e8b7d6c5b4a39281706f5e4d3"
TASK = "sscard.notifications.tasks.deliver_outbox_message"

transactional = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def quick_retries(settings: Any) -> None:
    settings.WEBHOOK_BACKOFF_SECONDS = 0
    settings.WEBHOOK_MAX_ATTEMPTS = 8
    settings.WEBHOOK_TIMEOUT_SECONDS = 5


@pytest.fixture
def receiver() -> Iterator[HttpReceiver]:
    with http_receiver() as r:
        yield r


def a_bank(url: str, *, code: str = "ICBC", secret: str = SECRET) -> Bank:
    bank = BankFactory.create(code=code)
    bank.webhook_url, bank.webhook_secret = url, secret
    bank.save()
    return bank


def an_event(bank: Bank | None, card_number: str, topic: str = "card.cancelled") -> OutboxMessage:
    message = emit_webhook(
        bank=bank, topic=topic, data={"card_number": card_number}, subject=make_person()
    )
    assert message is not None
    return message


def work() -> None:
    call_command("worker", "--once", "--no-sweep")


def log(message: OutboxMessage) -> list[tuple[Any, ...]]:
    return list(
        DeliveryAttempt.objects.filter(message=message)
        .order_by("number", "channel")
        .values_list("number", "channel", "outcome", "http_status", "error")
    )


def block_a_card(hotline: Any, bank: Bank) -> OutboxMessage:
    holder = make_person(age=30)
    card = make_card(person=holder, bank=bank)
    report_loss(actor=hotline, card=card, kind="temporary", reporter=holder, relation="self")
    return OutboxMessage.objects.get(kind=OutboxKind.WEBHOOK, bank=bank)


# ---------------------------------------------------------------- retries, log, dead letters


@transactional
def test_an_event_refused_twice_arrives_on_the_third_try_with_the_same_id(hotline):
    with http_receiver(answers=[500, 500]) as bank_side:
        bank = a_bank(bank_side.url)
        message = block_a_card(hotline, bank)

        work()

    message.refresh_from_db()
    assert message.status == OutboxStatus.DELIVERED
    assert message.attempts == 3
    assert message.delivered_at is not None
    assert message.last_error == ""
    assert message.locked_until is None
    assert [r.answered for r in bank_side.received] == [500, 500, 200]
    # The bank drops duplicates by id: every try carries the one event id.
    assert [r.json["id"] for r in bank_side.received] == [str(message.pk)] * 3
    assert [r.headers["SSCard-Event-Id"] for r in bank_side.received] == [str(message.pk)] * 3
    assert bank_side.signatures_valid(SECRET) == [True, True, True]
    assert log(message) == [
        (1, "webhook", "failed", 500, "HTTP 500"),
        (2, "webhook", "failed", 500, "HTTP 500"),
        (3, "webhook", "ok", 200, ""),
    ]


@transactional
def test_after_the_last_try_the_event_is_a_dead_letter(hotline, settings):
    settings.WEBHOOK_MAX_ATTEMPTS = 3
    with http_receiver(then=503) as bank_side:
        message = block_a_card(hotline, a_bank(bank_side.url))

        work()
        work()  # nothing more is tried

    message.refresh_from_db()
    assert message.status == OutboxStatus.DEAD
    assert message.attempts == 3
    assert message.delivered_at is None
    assert message.last_error == "webhook: HTTP 503"
    assert len(bank_side.received) == 3
    assert log(message) == [(n, "webhook", "failed", 503, "HTTP 503") for n in (1, 2, 3)]


@transactional
def test_replay_sends_a_dead_letter_again(hotline, settings):
    settings.WEBHOOK_MAX_ATTEMPTS = 2
    with http_receiver(answers=[500, 500]) as bank_side:
        message = block_a_card(hotline, a_bank(bank_side.url))
        work()
        message.refresh_from_db()
        assert message.status == OutboxStatus.DEAD

        out = StringIO()
        call_command("webhooks", "replay", "--dead", stdout=out)
        created = timezone.localtime(message.created_at).isoformat(timespec="seconds")
        assert out.getvalue() == (
            f"{message.pk} card.blocked ICBC {created} dead: queued to send again\n"
            "replayed 1 webhook(s); 0 left alone\n"
        )
        message.refresh_from_db()
        assert (message.status, message.attempts, message.last_error) == ("pending", 0, "")

        work()

    message.refresh_from_db()
    assert message.status == OutboxStatus.DELIVERED
    assert message.attempts == 1
    assert [r.answered for r in bank_side.received] == [500, 500, 200]
    assert {r.json["id"] for r in bank_side.received} == {str(message.pk)}
    assert log(message) == [
        (1, "webhook", "failed", 500, "HTTP 500"),
        (2, "webhook", "failed", 500, "HTTP 500"),
        (3, "webhook", "ok", 200, ""),
    ]


def _days_ago(days: int, hour: int) -> dt.datetime:
    day = timezone.localdate() - dt.timedelta(days=days)
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour)))


@transactional
def test_replay_by_bank_and_time_range_and_by_id(receiver):
    icbc, ccb = a_bank(receiver.url), a_bank(receiver.url, code="CCB")
    events = {}
    for name, bank, moment in [
        ("icbc-3", icbc, _days_ago(3, 9)),
        ("icbc-2", icbc, _days_ago(2, 9)),
        ("icbc-1", icbc, _days_ago(1, 9)),
        ("ccb-2", ccb, _days_ago(2, 10)),
    ]:
        with clock.frozen_at(moment):
            events[name] = an_event(bank, name, "card.unblocked")
    work()
    assert len(receiver.received) == 4
    assert set(OutboxMessage.objects.values_list("status", flat=True)) == {"delivered"}

    out = StringIO()
    call_command(
        "webhooks",
        "replay",
        "--bank=ICBC",
        f"--since={_days_ago(2, 0).date().isoformat()}",
        f"--until={_days_ago(1, 0).date().isoformat()}",
        stdout=out,
    )
    again = events["icbc-2"]
    assert out.getvalue() == (
        f"{again.pk} card.unblocked ICBC {_days_ago(2, 9).isoformat()} delivered: "
        "queued to send again\nreplayed 1 webhook(s); 0 left alone\n"
    )
    work()
    assert [r.json["data"]["card_number"] for r in receiver.received[4:]] == ["icbc-2"]
    assert receiver.received[4].json["id"] == str(again.pk)

    call_command("webhooks", "replay", str(events["ccb-2"].pk), stdout=StringIO())
    work()
    assert [r.json["data"]["card_number"] for r in receiver.received[5:]] == ["ccb-2"]
    assert receiver.signatures_valid(SECRET) == [True] * 6


@pytest.mark.django_db
def test_replay_refuses_to_guess_and_changes_nothing_in_a_dry_run(receiver):
    message = an_event(a_bank(receiver.url), "A1")
    OutboxMessage.objects.filter(pk=message.pk).update(status=OutboxStatus.DEAD, attempts=8)

    with pytest.raises(CommandError, match="say which events"):
        call_command("webhooks", "replay")
    with pytest.raises(CommandError, match="not a UUID"):
        call_command("webhooks", "replay", "not-an-id")
    with pytest.raises(CommandError, match="no bank with code 'NOPE'"):
        call_command("webhooks", "replay", "--bank=NOPE")
    out = StringIO()
    call_command("webhooks", "replay", "--dead", "--dry-run", stdout=out)

    assert out.getvalue().endswith(
        "dead: would be sent again\nwould replay 1 webhook(s); 0 left alone\n"
    )
    message.refresh_from_db()
    assert (message.status, message.attempts) == (OutboxStatus.DEAD, 8)


@pytest.mark.django_db
def test_replay_leaves_an_event_being_delivered_alone(receiver):
    message = an_event(a_bank(receiver.url), "A1")
    lease = clock.now() + dt.timedelta(seconds=60)
    OutboxMessage.objects.filter(pk=message.pk).update(attempts=1, locked_until=lease)

    out = StringIO()
    call_command("webhooks", "replay", str(message.pk), stdout=out)

    assert "pending: left alone: being delivered now\n" in out.getvalue()
    message.refresh_from_db()
    assert (message.attempts, message.locked_until) == (1, lease)


# ---------------------------------------------------------------- backoff


def test_the_backoff_doubles_from_the_base_up_to_the_cap_with_jitter(settings):
    settings.WEBHOOK_BACKOFF_SECONDS = 30
    settings.WEBHOOK_BACKOFF_CAP_SECONDS = 6 * 3600
    for attempts, ceiling in [(1, 30), (2, 60), (8, 3840), (11, 6 * 3600), (400, 6 * 3600)]:
        delays = [retry_delay(attempts).total_seconds() for _ in range(300)]
        assert min(delays) >= ceiling / 2
        assert max(delays) <= ceiling
        assert len(set(delays)) > 1


@pytest.mark.django_db
def test_a_failed_try_is_retried_after_the_backoff_by_a_task_that_waits(
    settings, django_capture_on_commit_callbacks
):
    settings.WEBHOOK_BACKOFF_SECONDS = 30
    with http_receiver(then=502) as bank_side:
        message = an_event(a_bank(bank_side.url), "A1")
        first = timezone.now()
        with clock.frozen_at(first), django_capture_on_commit_callbacks(execute=True):
            assert deliver(message.pk) == "retry"
            assert deliver(message.pk) == "not due yet"
        message.refresh_from_db()
        wait = message.next_attempt_at - first
        assert dt.timedelta(seconds=15) <= wait <= dt.timedelta(seconds=30)
        retries = DBTaskResult.objects.filter(run_after=message.next_attempt_at)
        assert [(r.task_path, r.args_kwargs["kwargs"]) for r in retries] == [
            (TASK, {"message_id": str(message.pk)})
        ]

        second = message.next_attempt_at
        with clock.frozen_at(second), django_capture_on_commit_callbacks(execute=True):
            assert deliver(message.pk) == "retry"
        message.refresh_from_db()
        assert dt.timedelta(seconds=30) <= message.next_attempt_at - second
        assert message.next_attempt_at - second <= dt.timedelta(seconds=60)
        assert message.attempts == 2
        assert len(bank_side.received) == 2


# ---------------------------------------------------------------- at least once, exactly one row


@transactional
def test_the_task_is_queued_when_the_transaction_commits_and_not_before(receiver):
    bank = a_bank(receiver.url)
    with transaction.atomic():
        message = an_event(bank, "A1")
        assert DBTaskResult.objects.count() == 0
    assert [(t.task_path, t.args_kwargs) for t in DBTaskResult.objects.all()] == [
        (TASK, {"args": [], "kwargs": {"message_id": str(message.pk)}})
    ]

    with pytest.raises(RuntimeError), transaction.atomic():
        an_event(bank, "A2")
        raise RuntimeError("the change fails")
    assert DBTaskResult.objects.count() == 1
    assert OutboxMessage.objects.count() == 1


@transactional
def test_a_duplicate_task_or_a_delivered_event_sends_nothing_more(receiver):
    message = an_event(a_bank(receiver.url), "A1")
    deliver_outbox_message.enqueue(message_id=str(message.pk))

    work()
    work()

    assert len(receiver.received) == 1
    outcomes = DBTaskResult.objects.order_by("enqueued_at").values_list("return_value", flat=True)
    assert list(outcomes) == ["delivered", "already delivered"]
    assert log(message) == [(1, "webhook", "ok", 200, "")]


@transactional
def test_an_event_stranded_by_a_killed_worker_is_delivered_by_the_recovery_pass(receiver):
    message = an_event(a_bank(receiver.url), "A1")
    # A worker claimed it, then died: the lease ran out and its task is gone.
    DBTaskResult.objects.all().delete()
    OutboxMessage.objects.filter(pk=message.pk).update(
        attempts=1, locked_until=clock.now() - dt.timedelta(seconds=1)
    )
    held = an_event(message.bank, "A2")
    lease = clock.now() + dt.timedelta(seconds=60)
    OutboxMessage.objects.filter(pk=held.pk).update(attempts=1, locked_until=lease)

    work()

    message.refresh_from_db()
    assert (message.status, message.attempts) == (OutboxStatus.DELIVERED, 2)
    assert log(message) == [
        (1, "webhook", "interrupted", None, INTERRUPTED),
        (2, "webhook", "ok", 200, ""),
    ]
    held.refresh_from_db()
    assert (held.status, held.locked_until) == (OutboxStatus.PENDING, lease)
    assert [r.json["data"]["card_number"] for r in receiver.received] == ["A1"]


@transactional
def test_a_message_that_keeps_killing_its_worker_ends_as_a_dead_letter(receiver, settings):
    settings.WEBHOOK_MAX_ATTEMPTS = 3
    message = an_event(a_bank(receiver.url), "A1")
    DBTaskResult.objects.all().delete()
    OutboxMessage.objects.filter(pk=message.pk).update(
        attempts=3, locked_until=clock.now() - dt.timedelta(seconds=1)
    )

    work()

    message.refresh_from_db()
    assert (message.status, message.attempts, message.locked_until) == ("dead", 3, None)
    assert message.last_error == INTERRUPTED
    assert log(message) == [(1, "webhook", "interrupted", None, INTERRUPTED)]
    assert receiver.received == []


# ---------------------------------------------------------------- what cannot be sent


@transactional
def test_a_bank_without_a_webhook_url_is_recorded_as_skipped(hotline):
    message = block_a_card(hotline, BankFactory.create(code="BOC"))

    work()

    message.refresh_from_db()
    assert message.status == OutboxStatus.SKIPPED
    assert message.last_error == "the bank has no webhook URL: nothing was sent"
    assert log(message) == [
        (1, "webhook", "skipped", None, "the bank has no webhook URL: nothing was sent")
    ]


@transactional
def test_a_bank_without_a_secret_gets_nothing_unsigned(receiver, settings):
    settings.WEBHOOK_MAX_ATTEMPTS = 1
    message = an_event(a_bank(receiver.url, secret=""), "A1")

    work()

    message.refresh_from_db()
    assert message.status == OutboxStatus.DEAD
    assert receiver.received == []
    assert log(message) == [
        (1, "webhook", "failed", None, "the bank has no webhook secret: nothing was sent")
    ]


@transactional
def test_a_slow_bank_times_out_and_an_absent_one_refuses_the_connection(settings):
    settings.WEBHOOK_TIMEOUT_SECONDS = 0.3
    settings.WEBHOOK_MAX_ATTEMPTS = 2
    with http_receiver(delay_first=2) as slow:
        slow_event = an_event(a_bank(slow.url), "A1")
        absent_event = an_event(a_bank(f"http://127.0.0.1:{free_port()}/hooks", code="CCB"), "A2")
        work()

    assert log(slow_event) == [
        (1, "webhook", "failed", None, "timeout (ReadTimeout)"),
        (2, "webhook", "ok", 200, ""),
    ]
    assert log(absent_event) == [
        (1, "webhook", "failed", None, "ConnectError"),
        (2, "webhook", "failed", None, "ConnectError"),
    ]
    absent_event.refresh_from_db()
    assert (absent_event.status, absent_event.last_error) == ("dead", "webhook: ConnectError")


# ---------------------------------------------------------------- signatures and contents


def test_the_signature_is_an_hmac_of_the_timestamp_and_the_body():
    body = b'{"id":"e1","type":"card.blocked"}'
    expected = hmac.new(SECRET.encode(), b"1764300000." + body, hashlib.sha256).hexdigest()

    assert signature(secret=SECRET, body=body, timestamp=1764300000) == (
        f"t=1764300000,v1={expected}"
    )


@transactional
def test_each_request_is_signed_with_the_banks_own_secret(receiver):
    message = an_event(a_bank(receiver.url), "A1")

    work()

    (request,) = receiver.received
    header = request.headers["SSCard-Signature"]
    assert re.fullmatch(r"t=\d{10},v1=[0-9a-f]{64}", header)
    assert verify_signature(header, request.body, SECRET)
    assert not verify_signature(header, request.body, "whsec_of_another_bank")
    assert not verify_signature(header, request.body.replace(b"A1", b"A2"), SECRET)
    assert request.headers["Content-Type"] == "application/json"
    assert request.headers["SSCard-Event-Type"] == "card.cancelled"
    assert request.path == "/hooks/sscard"
    assert request.body == event_body(message.payload)
    assert request.json == {
        "id": str(message.pk),
        "type": "card.cancelled",
        "created_at": message.created_at.isoformat(),
        "data": {"card_number": "A1"},
    }


@transactional
def test_no_personal_data_in_any_webhook(receiver, window, hotline, bank_clerk, agency):
    bank = Bank.objects.get(code="ICBC")
    bank.webhook_url, bank.webhook_secret = receiver.url, SECRET
    bank.save()
    holder = make_person(age=30, phone="13912345678", email="chen.yi@example.cn")
    card = make_card(person=holder, bank=bank)
    report = report_loss(
        actor=hotline, card=card, kind="temporary", reporter=holder, relation="self"
    ).report
    lift_loss_report(
        actor=window,
        report=report,
        lifter=holder,
        relation="self",
        documents=["id_card"],
        outlet=agency,
    )
    counter = {"documents": ["id_card"], "outlet": agency}
    report_loss(actor=window, card=card, kind="formal", reporter=holder, relation="self", **counter)
    app = apply_for_card(
        actor=window, type="reissue", person=holder, applicant=holder, relation="self", **counter
    )
    record_production_event(actor=bank_clerk, application=app, type="bank_accepted")
    other = make_person(age=50)
    other_card = make_card(person=other, bank=bank)
    report_loss(
        actor=window, card=other_card, kind="formal", reporter=other, relation="self", **counter
    )
    other_app = apply_for_card(
        actor=window, type="reissue", person=other, applicant=other, relation="self", **counter
    )
    cancel_application(actor=window, application=other_app)

    work()

    sent = [(r.json["type"], sorted(r.json["data"])) for r in receiver.received]
    assert sorted(sent) == sorted(
        [
            ("card.blocked", ["card_number", "expires_at", "kind", "reference", "sides"]),
            ("card.unblocked", ["card_number", "reason", "reference"]),
            ("card.blocked", ["card_number", "expires_at", "kind", "reference", "sides"]),
            ("application.receipt_issued", ["number", "old_card_number", "receipt_number", "type"]),
            ("card.cancelled", ["card_number", "reason"]),
            ("card.blocked", ["card_number", "expires_at", "kind", "reference", "sides"]),
            ("application.receipt_issued", ["number", "old_card_number", "receipt_number", "type"]),
            ("application.cancelled", ["number", "receipt_number"]),
        ]
    )
    assert receiver.signatures_valid(SECRET) == [True] * 8
    everything = b"".join(r.body for r in receiver.received).decode()
    for person, its_card in [(holder, card), (other, other_card)]:
        for value in [
            person.social_security_number,
            person.name,
            person.phone,
            person.email,
            its_card.account_number,
        ]:
            assert value not in everything
    assert json.loads(receiver.received[0].body)["data"]["card_number"] == card.number
