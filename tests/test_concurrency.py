"""Many people at once on one card or one person: row locks (PostgreSQL) or the write lock
(SQLite, BEGIN IMMEDIATE) let exactly one win, and every other call gets a clean refusal.

Each thread has its own database connection and closes it when done.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest
from django.db import connection

from sscard.applications.models import ApplicationStatus, CardApplication
from sscard.applications.services.applying import apply_for_card
from sscard.audit.models import AuditEvent
from sscard.audit.services import verify_chain
from sscard.cards.models import Card, CardStatus, LossKind, LossReport, LossStatus
from sscard.cards.services import report_loss
from sscard.common.context import Actor
from sscard.common.errors import DomainError
from sscard.ecard.models import ElectronicCard, UsedCode
from sscard.ecard.services import issue_ecard, make_code, verify_code
from sscard.ecard.uses import flush_uses
from tests.factories import make_card, make_person

pytestmark = pytest.mark.django_db(transaction=True)

THREADS = 20
JOIN_TIMEOUT = 60.0


@dataclass
class Outcome:
    results: list[Any] = field(default_factory=list)
    refusals: list[DomainError] = field(default_factory=list)
    failures: list[BaseException] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)


def run_together(call: Callable[[], Any], n: int = THREADS) -> Outcome:
    """Start `n` threads on `call` at the same moment; collect what each got."""
    outcome = Outcome()
    barrier = threading.Barrier(n)

    def worker() -> None:
        try:
            barrier.wait(timeout=30)
            result = call()
        except DomainError as error:
            with outcome.lock:
                outcome.refusals.append(error)
        except BaseException as error:  # anything else is a failure of the test
            with outcome.lock:
                outcome.failures.append(error)
        else:
            with outcome.lock:
                outcome.results.append(result)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker, name=f"worker-{i}") for i in range(n)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=JOIN_TIMEOUT)
    stuck = [thread.name for thread in threads if thread.is_alive()]
    assert not stuck, f"threads still running (deadlock?): {stuck}"
    assert not outcome.failures, outcome.failures
    assert len(outcome.results) + len(outcome.refusals) == n
    return outcome


def test_twenty_formal_reports_of_one_card_make_one_report(window, agency, bank):
    holder = make_person(age=40)
    card = make_card(person=holder, bank=bank)

    outcome = run_together(
        lambda: report_loss(
            actor=window,
            card=Card.objects.get(pk=card.pk),
            kind="formal",
            reporter=holder,
            relation="self",
            documents=["id_card"],
            outlet=agency,
        )
    )

    assert len(outcome.results) == 1
    assert outcome.results[0].created is True
    assert {e.code for e in outcome.refusals} == {"card_not_reportable"}
    assert len(outcome.refusals) == THREADS - 1
    assert all(e.extra["card_status"] == "formally_lost" for e in outcome.refusals)
    report = LossReport.objects.get()
    assert (report.kind, report.status, report.card_id) == (
        LossKind.FORMAL,
        LossStatus.EFFECTIVE,
        card.pk,
    )
    card.refresh_from_db()
    assert card.status == CardStatus.FORMALLY_LOST
    assert AuditEvent.objects.count() == 2
    assert verify_chain().ok


def test_twenty_temporary_reports_of_one_card_make_one_report_renewed(hotline, bank):
    holder = make_person(age=40)
    card = make_card(person=holder, bank=bank)

    outcome = run_together(
        lambda: report_loss(
            actor=hotline,
            card=Card.objects.get(pk=card.pk),
            kind="temporary",
            reporter=holder,
            relation="self",
        )
    )

    assert not outcome.refusals
    actions = sorted(result.action for result in outcome.results)
    assert actions == ["created"] + ["renewed"] * (THREADS - 1)
    report = LossReport.objects.get()
    assert report.status == LossStatus.EFFECTIVE and report.kind == LossKind.TEMPORARY
    assert report.renewals == THREADS - 1
    assert {result.report.pk for result in outcome.results} == {report.pk}
    card.refresh_from_db()
    assert card.status == CardStatus.TEMPORARILY_LOST
    assert card.lost_until == report.expires_at
    assert AuditEvent.objects.count() == 2 * THREADS
    assert verify_chain().ok


def test_twenty_applications_for_one_person_make_one(window, agency, bank):
    holder = make_person(age=40)
    card = make_card(person=holder, bank=bank)
    report_loss(
        actor=window,
        card=card,
        kind="formal",
        reporter=holder,
        relation="self",
        documents=["id_card"],
        outlet=agency,
    )

    outcome = run_together(
        lambda: apply_for_card(
            actor=window,
            type="reissue",
            person=holder,
            applicant=holder,
            relation="self",
            documents=["id_card"],
            outlet=agency,
        )
    )

    assert len(outcome.results) == 1
    assert {e.code for e in outcome.refusals} == {"application_open"}
    assert len(outcome.refusals) == THREADS - 1
    app = CardApplication.objects.get()
    assert app.status == ApplicationStatus.RECEIPT_ISSUED
    assert app.number == outcome.results[0].number
    assert LossReport.objects.get().reissue_applied_at is not None
    assert verify_chain().ok


def test_twenty_tills_verifying_one_payment_code_accept_it_once(bank):
    holder = make_person(age=40)
    card = make_card(person=holder, bank=bank)
    issue_ecard(actor=Actor.operator(), holder=holder)
    code = make_code(actor=Actor.operator(), holder=holder, purpose="payment").code

    outcome = run_together(lambda: verify_code(code))

    assert len(outcome.results) == 1
    accepted = outcome.results[0]
    assert (accepted.card_number, accepted.usable, accepted.purpose) == (
        card.number,
        True,
        "payment",
    )
    assert {e.code for e in outcome.refusals} == {"code_used"}
    assert len(outcome.refusals) == THREADS - 1
    assert UsedCode.objects.count() == 1
    flush_uses()  # each till's connection was outside a transaction: the use was noted
    assert ElectronicCard.objects.get().last_used_at is not None
