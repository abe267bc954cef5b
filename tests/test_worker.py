"""`sscard worker` as the separate process it is in production, against the test database.

A worker killed with SIGKILL in the middle of a delivery loses nothing: the message's lease runs
out and the next worker delivers it (the bank may see it twice, with the same id). SIGTERM lets
the delivery in hand finish. The sweep runs inside the worker and its messages go out. A
yearly statements run whose worker is killed goes on with the next worker, nobody told twice.
"""

from __future__ import annotations

import datetime as dt
import os
import signal
import subprocess
import sys
from collections.abc import Callable, Iterator
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django_tasks_db.models import DBTaskResult

from sscard.cards.models import CardStatus, LossReport, LossStatus
from sscard.cards.services import report_loss
from sscard.common import clock
from sscard.common.context import Actor
from sscard.notifications.delivery import INTERRUPTED
from sscard.notifications.models import (
    DeliveryAttempt,
    OutboxKind,
    OutboxMessage,
    OutboxStatus,
)
from sscard.notifications.services import emit_webhook
from sscard.partners.models import Bank
from sscard.records.booking import book
from sscard.records.feeds import check_records
from sscard.records.models import StatementStatus, YearlyStatement
from sscard.records.statement_run import INTERRUPTED as INTERRUPTED_RUN
from tests.factories import BankFactory, make_card, make_person
from tests.process_support import database_url, wait_until
from tests.receivers import http_receiver
from tests.records_support import record, seed_rates

pytestmark = pytest.mark.django_db(transaction=True)

SECRET = "whsec_worker_tests_0b9c8d7e6f5a4b3c"
SSCARD = Path(sys.executable).with_name("sscard")
ROOT = Path(__file__).resolve().parent.parent


class Workers:
    def __init__(self, tmp_path: Path) -> None:
        self.tmp_path = tmp_path
        self.started: list[tuple[subprocess.Popen[bytes], Path]] = []

    def start(self, *args: str, **env: str) -> subprocess.Popen[bytes]:
        environment = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "config.settings",
            "DATABASE_URL": database_url(),
            "SSCARD_VAR_DIR": str(self.tmp_path),
            "PYTHONUNBUFFERED": "1",
            # A try lasts at most 4 s, the lease 5 s: a dead worker's message waits 5 s.
            "SSCARD_WEBHOOK_TIMEOUT_SECONDS": "4",
            "SSCARD_OUTBOX_LEASE_SECONDS": "5",
            "SSCARD_OUTBOX_RECOVER_AFTER_SECONDS": "0",
            "SSCARD_WEBHOOK_BACKOFF_SECONDS": "0.1",
            "SSCARD_SMS_BACKEND": "console",
            # The bank's receiver listens on localhost over http: allowed explicitly.
            "SSCARD_WEBHOOK_ALLOWED_NETWORKS": "127.0.0.0/8,::1/128",
            **env,
        }
        output = self.tmp_path / f"worker-{len(self.started) + 1}.log"
        process = subprocess.Popen(
            [str(SSCARD), "worker", "--interval=0.1", "--recover-every=0.2", *args],
            env=environment,
            cwd=ROOT,
            stdout=output.open("wb"),
            stderr=subprocess.STDOUT,
        )
        self.started.append((process, output))
        return process

    def output(self, process: subprocess.Popen[bytes]) -> str:
        return next(path for p, path in self.started if p is process).read_text()

    def stop_all(self) -> None:
        for process, _ in self.started:
            if process.poll() is None:
                process.kill()
                process.wait(10)


@pytest.fixture
def workers(transactional_db: None, tmp_path: Path) -> Iterator[Workers]:
    started = Workers(tmp_path)
    try:
        yield started
    finally:
        started.stop_all()


def wait_for(
    what: str, check: Callable[[], bool], output: Callable[[], str], timeout: float = 90.0
) -> None:
    wait_until(what, check, timeout, output)


def a_bank(url: str) -> Bank:
    bank = BankFactory.create()
    bank.webhook_url, bank.webhook_secret = url, SECRET
    bank.save()
    return bank


def log(message: OutboxMessage) -> list[tuple[Any, ...]]:
    return list(
        DeliveryAttempt.objects.filter(message=message)
        .order_by("number", "channel")
        .values_list("number", "channel", "outcome", "http_status", "error")
    )


def status_of(message: OutboxMessage) -> str:
    return OutboxMessage.objects.values_list("status", flat=True).get(pk=message.pk)


def test_a_worker_killed_mid_delivery_loses_nothing(workers, hotline):
    with http_receiver(hang_first=True) as bank_side:
        holder = make_person(age=30)
        card = make_card(person=holder, bank=a_bank(bank_side.url))
        report_loss(actor=hotline, card=card, kind="temporary", reporter=holder, relation="self")
        message = OutboxMessage.objects.get(kind=OutboxKind.WEBHOOK)

        first = workers.start("--no-sweep")
        assert bank_side.arrived.wait(90), workers.output(first)
        first.send_signal(signal.SIGKILL)
        first.wait(60)

        message.refresh_from_db()
        assert (message.status, message.attempts) == (OutboxStatus.PENDING, 1)
        assert message.locked_until is not None
        assert log(message) == []

        second = workers.start("--no-sweep")
        wait_for(
            "the second worker to deliver",
            lambda: status_of(message) == "delivered",
            lambda: workers.output(second),
        )
        second.send_signal(signal.SIGTERM)
        assert second.wait(60) == 0, workers.output(second)

    message.refresh_from_db()
    assert (message.status, message.attempts, message.locked_until) == ("delivered", 2, None)
    assert [r.json["id"] for r in bank_side.received] == [str(message.pk)] * 2
    assert bank_side.signatures_valid(SECRET) == [True, True]
    assert log(message) == [
        (1, "webhook", "interrupted", None, INTERRUPTED),
        (2, "webhook", "ok", 200, ""),
    ]


def test_sigterm_lets_the_delivery_in_hand_finish(workers):
    with http_receiver(delay_first=1.0) as bank_side:
        message = emit_webhook(
            bank=a_bank(bank_side.url),
            topic="card.cancelled",
            data={"card_number": "A1"},
            subject=make_person(),
        )
        assert message is not None

        worker = workers.start("--no-sweep")
        assert bank_side.arrived.wait(90), workers.output(worker)
        worker.send_signal(signal.SIGTERM)
        code = worker.wait(60)

    output = workers.output(worker)
    assert code == 0, output
    assert "shutting down gracefully" in output
    assert status_of(message) == "delivered"
    assert log(message) == [(1, "webhook", "ok", 200, "")]
    assert len(bank_side.received) == 1


def test_the_running_worker_sweeps_and_sends_what_the_sweep_wrote(workers, hotline):
    holder = make_person(age=30, phone="13912345678", email="")
    card = make_card(person=holder)
    with clock.frozen_at(clock.now() - dt.timedelta(days=8)):
        report = report_loss(
            actor=hotline, card=card, kind="temporary", reporter=holder, relation="self"
        ).report

    with http_receiver() as gateway:
        worker = workers.start(
            "--sweep-every=0.3", SSCARD_SMS_BACKEND="http", SSCARD_SMS_URL=gateway.url
        )
        wait_for(
            "the lapse notification",
            lambda: OutboxMessage.objects.filter(
                topic="temporary_report_lapsed", status="delivered"
            ).exists(),
            lambda: workers.output(worker),
        )
        worker.send_signal(signal.SIGTERM)
        assert worker.wait(60) == 0, workers.output(worker)

    report.refresh_from_db()
    card.refresh_from_db()
    assert report.status == LossStatus.LAPSED
    assert card.status == CardStatus.NORMAL
    texts = [r.json["text"] for r in gateway.received]
    assert texts[-1] == (
        f"您的社保卡（卡号 {card.number}）的临时挂失（挂失编号 {report.reference}）已到期，"
        "该卡已解除挂失。"
    )
    assert [r.json["to"] for r in gateway.received] == ["13912345678"] * 2
    assert set(OutboxMessage.objects.values_list("status", flat=True)) == {
        "delivered",
        "skipped",
    }


def test_once_sweeps_then_delivers_everything_due(hotline, capsys):
    with http_receiver() as bank_side:
        holder = make_person(age=30, phone="13912345678", email="")
        card = make_card(person=holder, bank=a_bank(bank_side.url))
        with clock.frozen_at(clock.now() - dt.timedelta(days=8)):
            report_loss(
                actor=hotline, card=card, kind="temporary", reporter=holder, relation="self"
            )

        call_command("worker", "--once", stdout=StringIO())

    assert [(r.json["type"], r.json["data"]) for r in bank_side.received][1:] == [
        ("card.unblocked", {"card_number": card.number, "reason": "temporary_report_lapsed"})
    ]
    assert bank_side.received[0].json["type"] == "card.blocked"
    assert LossReport.objects.get().status == LossStatus.LAPSED
    assert sorted(OutboxMessage.objects.values_list("topic", "status")) == [
        ("card.blocked", "delivered"),
        ("card.unblocked", "delivered"),
        ("loss_report_effective", "delivered"),
        ("temporary_report_lapsed", "delivered"),
    ]
    printed = capsys.readouterr().out
    assert printed.count("SMS to 139****5678:\n") == 2
    assert "13912345678" not in printed


# ---------------------------------------------------------------- the yearly statements run

YEAR = 2024
PEOPLE = 80


def _statements_told() -> int:
    return YearlyStatement.objects.filter(year=YEAR, status=StatementStatus.NOTIFIED).count()


def test_a_statements_run_whose_worker_is_killed_goes_on_with_the_next_worker(workers):
    """SIGKILL in the middle of the run (some told, some not): the next worker's sweep queues
    the run again once it has not moved for a second, and everyone is told exactly once."""
    seed_rates()
    people = [make_person(phone=f"139{n:08d}", email="") for n in range(PEOPLE)]
    checked = check_records([record(p, month=f"{YEAR}-{m:02d}") for p in people for m in (1, 2)])
    assert not checked.rejected
    book([c for _, c in checked.valid], actor=Actor.system(), source="test")
    call_command("records", "statements", "--year", str(YEAR), stdout=StringIO())
    # Two statements a transaction: the run goes in 40 steps, and a killed worker's run is
    # queued again after a second without a step.
    run_env = {
        "SSCARD_STATEMENT_RUN_CHUNK": "2",
        "SSCARD_STATEMENT_RUN_STALLED_AFTER_SECONDS": "1",
    }

    first = workers.start("--no-sweep", **run_env)
    wait_for(
        "the first statements told",
        lambda: _statements_told() >= 4,
        lambda: workers.output(first),
    )
    first.send_signal(signal.SIGKILL)
    first.wait(60)
    told = _statements_told()
    assert 4 <= told < PEOPLE, workers.output(first)
    assert OutboxMessage.objects.filter(topic="statement_ready").count() == told
    assert workers.output(first).count("SMS to ") == 0  # the run's task was still at it

    second = workers.start("--sweep-every=0.3", **run_env)
    wait_for(
        "every statement told and delivered",
        lambda: (
            _statements_told() == PEOPLE
            and not OutboxMessage.objects.exclude(status=OutboxStatus.DELIVERED).exists()
        ),
        lambda: workers.output(second),
    )
    second.send_signal(signal.SIGTERM)
    assert second.wait(60) == 0, workers.output(second)

    notices = OutboxMessage.objects.filter(topic="statement_ready")
    assert sorted(notices.values_list("recipient_id", flat=True)) == sorted(p.pk for p in people)
    assert set(notices.values_list("kind", "status", "attempts")) == {
        (OutboxKind.NOTIFICATION, OutboxStatus.DELIVERED, 1)
    }
    assert set(
        DeliveryAttempt.objects.filter(message__in=notices).values_list("number", "outcome")
    ) == {(1, "ok")}
    assert DeliveryAttempt.objects.filter(message__in=notices).count() == PEOPLE
    statements = YearlyStatement.objects.filter(year=YEAR)
    assert sorted(statements.values_list("person_id", flat=True)) == sorted(p.pk for p in people)
    assert set(statements.values_list("status", flat=True)) == {StatementStatus.NOTIFIED}
    assert workers.output(second).count("SMS to ") == PEOPLE
    assert workers.output(second).count(f"您的{YEAR}年度社会保险个人权益记录单已生成") == PEOPLE
    tasks = DBTaskResult.objects.filter(task_path="sscard.records.tasks.make_statements_task")
    assert sorted(tasks.values_list("status", "traceback")) == [
        ("FAILED", INTERRUPTED_RUN),
        ("SUCCESSFUL", ""),
    ]
