"""The audit log: one event per change of state, in the change's transaction, hash-chained."""

from __future__ import annotations

import datetime as dt
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import connection, transaction

from sscard.audit.models import AuditEvent, AuditHead
from sscard.audit.services import (
    GENESIS,
    ChainReport,
    _digest,
    _fields,
    record_event,
    verify_chain,
)
from sscard.cards.models import Card, LossReport
from sscard.cards.services import lift_loss_report, report_loss
from sscard.common import logs
from sscard.common.clock import frozen_at
from sscard.common.context import Actor
from sscard.common.errors import Forbidden
from sscard.notifications.models import OutboxMessage
from tests.factories import make_card, make_guardianship, make_person, nothing_changes

pytestmark = pytest.mark.django_db

SHANGHAI = dt.timezone(dt.timedelta(hours=8))
T0 = dt.datetime(2026, 3, 10, 10, 0, tzinfo=SHANGHAI)


@pytest.fixture(autouse=True)
def clock_at_t0():
    with frozen_at(T0):
        yield


@pytest.fixture
def four_events(hotline, window, agency):
    """A temporary report and its lifting: four events, #1 to #4."""
    holder = make_person(age=40)
    card = make_card(person=holder)
    report_loss(actor=hotline, card=card, kind="temporary", reporter=holder, relation="self")
    lift_loss_report(
        actor=window,
        report=LossReport.objects.get(),
        lifter=holder,
        relation="self",
        documents=["id_card"],
        outlet=agency,
    )
    assert list(AuditEvent.objects.order_by("seq").values_list("seq", "action")) == [
        (1, "loss_report.created"),
        (2, "card.blocked"),
        (3, "loss_report.lifted"),
        (4, "card.unblocked"),
    ]
    return card


def verify() -> str:
    out = StringIO()
    call_command("audit", "verify", stdout=out)
    return out.getvalue()


# ---------------------------------------------------------------- writing


def test_each_change_of_state_writes_one_event_naming_who_where_and_how(hotline):
    holder = make_person(age=40)
    card = make_card(person=holder)
    assert AuditEvent.objects.count() == 0
    report_loss(actor=hotline, card=card, kind="temporary", reporter=holder, relation="self")
    reference = LossReport.objects.get().reference
    events = list(
        AuditEvent.objects.order_by("seq").values_list(
            "seq",
            "at",
            "actor_kind",
            "actor_id",
            "actor_role",
            "outlet_code",
            "channel",
            "action",
            "object_type",
            "object_id",
        )
    )
    assert events == [
        (
            1,
            T0,
            "staff",
            "hotline_agent-1",
            "hotline_agent",
            "",
            "hotline",
            "loss_report.created",
            "loss_report",
            reference,
        ),
        (
            2,
            T0,
            "staff",
            "hotline_agent-1",
            "hotline_agent",
            "",
            "hotline",
            "card.blocked",
            "card",
            card.number,
        ),
    ]
    first, second = AuditEvent.objects.order_by("seq")
    assert (first.prev_hash, second.prev_hash) == (GENESIS, first.hash)
    assert len(first.hash) == 64 and first.hash != second.hash
    assert list(AuditHead.objects.values_list("seq", "hash")) == [(2, second.hash)]


def test_events_hold_no_personal_data(hotline):
    link = make_guardianship(ward__age=9)
    card = make_card(person=link.ward)
    report_loss(
        actor=hotline, card=card, kind="temporary", reporter=link.guardian, relation="guardian"
    )
    text = str(list(AuditEvent.objects.values()))
    for person in (link.ward, link.guardian):
        for value in (person.social_security_number, person.name, person.phone, person.email):
            assert value not in text
    assert card.account_number not in text


def test_a_refusal_writes_no_event(hotline):
    child = make_person(age=9)
    make_guardianship(ward=child)
    stranger = make_person(age=40)
    card = make_card(person=child)
    with nothing_changes(card), pytest.raises(Forbidden):
        report_loss(actor=hotline, card=card, kind="temporary", reporter=stranger, relation="agent")
    assert AuditEvent.objects.count() == 0


def test_the_event_is_written_in_the_changes_transaction(hotline):
    # Given a loss report made inside a transaction that then fails
    holder = make_person(age=40)
    card = make_card(person=holder)
    with pytest.raises(RuntimeError, match="the caller failed"), transaction.atomic():
        report_loss(actor=hotline, card=card, kind="temporary", reporter=holder, relation="self")
        assert AuditEvent.objects.count() == 2
        raise RuntimeError("the caller failed")
    # then the events went with the change, and the chain's head did not move.
    assert AuditEvent.objects.count() == 0
    assert LossReport.objects.count() == 0
    assert OutboxMessage.objects.count() == 0
    assert Card.objects.get(pk=card.pk).status == "normal"
    assert verify_chain() == ChainReport(True, 0)
    assert list(AuditHead.objects.values_list("seq", "hash")) in ([(0, GENESIS)], [])


@pytest.mark.django_db(transaction=True)
def test_record_event_outside_a_transaction_raises():
    assert not connection.in_atomic_block
    with pytest.raises(RuntimeError, match="inside the change's transaction"):
        record_event(
            actor=Actor.system(),
            action="card.blocked",
            object_type="card",
            object_id="A00000011",
            before={},
            after={"status": "temporarily_lost"},
        )
    assert AuditEvent.objects.count() == 0
    # Inside one it is written.
    with transaction.atomic():
        event = record_event(
            actor=Actor.system(),
            action="card.blocked",
            object_type="card",
            object_id="A00000011",
            before={},
            after={"status": "temporarily_lost"},
        )
    assert (event.seq, event.prev_hash, event.channel, event.actor_role) == (
        1,
        GENESIS,
        "system",
        "system",
    )
    assert verify_chain() == ChainReport(True, 1)


# ---------------------------------------------------------------- verifying


def test_an_untouched_chain_verifies(four_events):
    assert verify_chain() == ChainReport(True, 4)
    last = AuditEvent.objects.get(seq=4).hash
    assert verify() == f"audit chain intact: 4 events verified, last hash {last}\n"


def test_an_empty_chain_verifies():
    assert verify() == "audit chain intact: 0 events verified\n"


@pytest.mark.parametrize(
    "change",
    [
        {"after": {"status": "normal", "bank_status": "normal", "lost_until": None}},
        {"before": {}},
        {"action": "card.unblocked"},
        {"object_id": "A00000011"},
        {"actor_role": "supervisor"},
        {"outlet_code": "AG0001"},
        {"channel": "window"},
        {"at": T0 - dt.timedelta(days=1)},
        {"request_id": "someone-elses"},
    ],
)
def test_an_altered_event_is_named(four_events, change):
    AuditEvent.objects.filter(seq=2).update(**change)
    assert verify_chain() == ChainReport(False, 1, 2, "event #2 has been altered")
    with pytest.raises(CommandError) as exc:
        verify()
    assert str(exc.value) == (
        "audit chain broken at event #2: event #2 has been altered (1 events verified before it)"
    )


def test_the_request_id_is_kept_and_covered_by_the_hash_while_older_events_verify(
    hotline, window, agency
):
    """Events written before the request id was kept have none, and verify as they did; one
    written during a request names it, and changing it breaks the chain."""
    holder = make_person(age=40)
    card = make_card(person=holder)
    report_loss(actor=hotline, card=card, kind="temporary", reporter=holder, relation="self")
    with logs.scope(request_id="req-1"):
        lift_loss_report(
            actor=window,
            report=LossReport.objects.get(),
            lifter=holder,
            relation="self",
            documents=["id_card"],
            outlet=agency,
        )
    assert list(AuditEvent.objects.order_by("seq").values_list("seq", "request_id")) == [
        (1, ""),
        (2, ""),
        (3, "req-1"),
        (4, "req-1"),
    ]
    assert verify_chain() == ChainReport(True, 4)

    AuditEvent.objects.filter(seq=3).update(request_id="req-2")
    assert verify_chain() == ChainReport(False, 2, 3, "event #3 has been altered")
    AuditEvent.objects.filter(seq=3).update(request_id="")
    assert verify_chain() == ChainReport(False, 2, 3, "event #3 has been altered")


def test_an_altered_last_event_is_named(four_events):
    AuditEvent.objects.filter(seq=4).update(action="card.cancelled")
    with pytest.raises(CommandError, match=r"^audit chain broken at event #4: "):
        verify()


def test_an_altered_event_with_a_recomputed_hash_breaks_the_next_link(four_events):
    # A forger who alters #2 and recomputes its hash still breaks #3's link to it.
    event = AuditEvent.objects.get(seq=2)
    event.after = {**event.after, "status": "normal"}
    AuditEvent.objects.filter(seq=2).update(
        after=event.after, hash=_digest(event.prev_hash, _fields(event))
    )
    assert verify_chain() == ChainReport(False, 2, 3, "event #3 does not follow the one before")
    with pytest.raises(CommandError) as exc:
        verify()
    assert str(exc.value).startswith("audit chain broken at event #3: ")


def test_a_removed_event_in_the_middle_is_named(four_events):
    AuditEvent.objects.filter(seq=2).delete()
    assert verify_chain() == ChainReport(False, 1, 2, "event #2 is missing")
    with pytest.raises(CommandError) as exc:
        verify()
    assert str(exc.value) == (
        "audit chain broken at event #2: event #2 is missing (1 events verified before it)"
    )


def test_a_removed_first_event_is_named(four_events):
    AuditEvent.objects.filter(seq=1).delete()
    with pytest.raises(CommandError) as exc:
        verify()
    assert str(exc.value) == (
        "audit chain broken at event #1: event #1 is missing (0 events verified before it)"
    )


def test_a_removed_last_event_is_caught_by_the_head(four_events):
    AuditEvent.objects.filter(seq=4).delete()
    assert verify_chain() == ChainReport(False, 3, 4, "event #4 onwards has been removed")
    with pytest.raises(CommandError) as exc:
        verify()
    assert str(exc.value) == (
        "audit chain broken at event #4: event #4 onwards has been removed "
        "(3 events verified before it)"
    )


def test_removing_every_event_is_caught_by_the_head(four_events):
    AuditEvent.objects.all().delete()
    with pytest.raises(CommandError) as exc:
        verify()
    assert str(exc.value).startswith("audit chain broken at event #1: ")


def test_the_chain_continues_across_services(four_events, hotline):
    holder = make_person(age=30)
    card = make_card(person=holder)
    report_loss(actor=hotline, card=card, kind="temporary", reporter=holder, relation="self")
    assert AuditEvent.objects.get(seq=5).prev_hash == AuditEvent.objects.get(seq=4).hash
    last = AuditEvent.objects.get(seq=6).hash
    assert verify() == f"audit chain intact: 6 events verified, last hash {last}\n"
