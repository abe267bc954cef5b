"""The audit log: one event per change of state, in the change's transaction, hash-chained in
the chain of its bucket (the object's keyed hash when the caller names none)."""

from __future__ import annotations

import datetime as dt
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import connection, transaction

from sscard.audit.checkpoints import heads_root
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
    assert list(AuditEvent.objects.order_by("at", "id").values_list("action", flat=True)) == [
        "loss_report.created",
        "card.blocked",
        "loss_report.lifted",
        "card.unblocked",
    ]
    return card


def system_event(bucket: int, n: int) -> AuditEvent:
    return record_event(
        actor=Actor.system(),
        action="card.blocked" if n % 2 else "card.unblocked",
        object_type="card",
        object_id=f"A{n:08d}",
        before={"status": "normal" if n % 2 else "temporarily_lost"},
        after={"status": "temporarily_lost" if n % 2 else "normal"},
        bucket=bucket,
    )


@pytest.fixture
def chains():
    """Two chains: four events in bucket 7, two in bucket 300."""
    with transaction.atomic():
        for n in range(1, 5):
            system_event(7, n)
        for n in range(1, 3):
            system_event(300, n)
    return AuditEvent.objects.filter(bucket=7)


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
        AuditEvent.objects.order_by("at", "id").values_list(
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
    # Both in the chain of the holder's bucket, one after the other.
    first, second = AuditEvent.objects.order_by("at", "id")
    assert (first.bucket, second.bucket) == (holder.bucket, holder.bucket)
    assert (first.prev_hash, second.prev_hash) == (GENESIS, first.hash)
    assert len(first.hash) == 64 and first.hash != second.hash
    assert AuditHead.objects.get(bucket=holder.bucket).hash == second.hash


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
    assert set(AuditHead.objects.values_list("seq", "hash")) <= {(0, GENESIS)}


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


# ---------------------------------------------------------------- chains


def test_every_event_about_one_persons_data_is_in_their_chain_in_order(four_events):
    card = four_events
    events = list(AuditEvent.objects.order_by("seq"))
    assert {e.bucket for e in events} == {card.bucket} == {card.person.bucket}
    assert [(e.seq, e.action) for e in events] == [
        (1, "loss_report.created"),
        (2, "card.blocked"),
        (3, "loss_report.lifted"),
        (4, "card.unblocked"),
    ]
    assert events[-1].hash == AuditHead.objects.get(bucket=card.bucket).hash
    assert verify_chain() == ChainReport(True, 4)


def test_a_bucket_named_by_the_caller_is_the_events_chain(chains):
    assert list(AuditEvent.objects.order_by("bucket", "seq").values_list("bucket", "seq")) == [
        (7, 1),
        (7, 2),
        (7, 3),
        (7, 4),
        (300, 1),
        (300, 2),
    ]
    assert dict(AuditHead.objects.filter(seq__gt=0).values_list("bucket", "seq")) == {
        7: 4,
        300: 2,
    }
    assert verify_chain() == ChainReport(True, 6)


def test_a_bucket_out_of_range_is_refused():
    with pytest.raises(ValueError, match="from 0 to 4095"), transaction.atomic():
        system_event(4096, 1)
    assert AuditEvent.objects.count() == 0


def test_the_bucket_is_covered_by_the_hash(chains):
    # An event moved to another bucket, with the links around it made good, is still caught.
    event = AuditEvent.objects.get(bucket=300, seq=2)
    AuditEvent.objects.filter(pk=event.pk).update(bucket=301, seq=1, prev_hash=GENESIS)
    AuditHead.objects.filter(bucket=300).update(seq=1, hash=event.prev_hash)
    AuditHead.objects.create(bucket=301, seq=1, hash=event.hash)
    assert verify_chain() == ChainReport(
        False, 5, 1, "event #1 of bucket 301 has been altered", 301
    )


def test_events_written_before_the_chains_were_split_verify_in_bucket_0():
    """The one chain there was is bucket 0's: its hashes cover no bucket and still hold, and new
    events of bucket 0 go on from its head."""
    with transaction.atomic():
        first = AuditEvent(
            seq=1,
            at=T0,
            actor_kind="system",
            actor_id="system",
            actor_role="system",
            channel="system",
            action="card.blocked",
            object_type="card",
            object_id="A00000011",
            before={},
            after={"status": "temporarily_lost"},
            prev_hash=GENESIS,
        )
        fields = _fields(first)
        assert "bucket" not in fields
        first.hash = _digest(GENESIS, fields)
        first.save()
        AuditHead.objects.update_or_create(bucket=0, defaults={"seq": 1, "hash": first.hash})
        second = system_event(0, 2)
    assert (second.seq, second.prev_hash) == (2, first.hash)
    assert verify_chain() == ChainReport(True, 2)


# ---------------------------------------------------------------- verifying


def intact(events: int, chains: int, checkpoints: int = 0) -> str:
    report = verify_chain()
    return (
        f"audit chain intact: {events} events in {chains} chains verified, heads root "
        f"{report.last_hash}; {checkpoints} checkpoints verified\n"
    )


def test_an_untouched_chain_verifies(chains):
    assert verify_chain() == ChainReport(True, 6)
    heads = [(7, 4, AuditHead.objects.get(bucket=7).hash)]
    heads.append((300, 2, AuditHead.objects.get(bucket=300).hash))
    assert verify_chain().last_hash == heads_root(heads)
    assert verify() == intact(6, 2)


def test_the_services_events_verify(four_events):
    assert verify() == intact(4, len(set(AuditEvent.objects.values_list("bucket", flat=True))))


def test_an_empty_chain_verifies():
    assert verify() == "audit chain intact: 0 events in 0 chains verified; 0 checkpoints verified\n"


@pytest.mark.parametrize(
    "change",
    [
        {"after": {"status": "cancelled"}},
        {"before": {}},
        {"action": "card.cancelled"},
        {"object_id": "A00000011"},
        {"actor_role": "supervisor"},
        {"outlet_code": "AG0001"},
        {"channel": "window"},
        {"at": T0 - dt.timedelta(days=1)},
        {"request_id": "someone-elses"},
    ],
)
def test_an_altered_event_is_named(chains, change):
    chains.filter(seq=2).update(**change)
    assert verify_chain() == ChainReport(False, 1, 2, "event #2 of bucket 7 has been altered", 7)
    with pytest.raises(CommandError) as exc:
        verify()
    assert str(exc.value) == (
        "audit chain broken at event #2: event #2 of bucket 7 has been altered "
        "(1 events verified before it)"
    )


def test_the_request_id_is_kept_and_covered_by_the_hash_while_older_events_verify():
    """Events written before the request id was kept have none, and verify as they did; one
    written during a request names it, and changing it breaks the chain."""
    with transaction.atomic():
        system_event(7, 1)
        system_event(7, 2)
        with logs.scope(request_id="req-1"):
            system_event(7, 3)
            system_event(7, 4)
    assert list(AuditEvent.objects.order_by("seq").values_list("seq", "request_id")) == [
        (1, ""),
        (2, ""),
        (3, "req-1"),
        (4, "req-1"),
    ]
    assert verify_chain() == ChainReport(True, 4)

    AuditEvent.objects.filter(seq=3).update(request_id="req-2")
    assert verify_chain() == ChainReport(False, 2, 3, "event #3 of bucket 7 has been altered", 7)
    AuditEvent.objects.filter(seq=3).update(request_id="")
    assert verify_chain() == ChainReport(False, 2, 3, "event #3 of bucket 7 has been altered", 7)


def test_an_altered_last_event_is_named(chains):
    chains.filter(seq=4).update(action="card.cancelled")
    with pytest.raises(CommandError, match=r"^audit chain broken at event #4: "):
        verify()


def test_an_altered_event_with_a_recomputed_hash_breaks_the_next_link(chains):
    # A forger who alters #2 and recomputes its hash still breaks #3's link to it.
    event = chains.get(seq=2)
    event.after = {**event.after, "status": "cancelled"}
    chains.filter(seq=2).update(after=event.after, hash=_digest(event.prev_hash, _fields(event)))
    assert verify_chain() == ChainReport(
        False, 2, 3, "event #3 of bucket 7 does not follow the one before", 7
    )
    with pytest.raises(CommandError) as exc:
        verify()
    assert str(exc.value).startswith("audit chain broken at event #3: ")


def test_a_removed_event_in_the_middle_is_named(chains):
    chains.filter(seq=2).delete()
    assert verify_chain() == ChainReport(False, 1, 2, "event #2 of bucket 7 is missing", 7)
    with pytest.raises(CommandError) as exc:
        verify()
    assert str(exc.value) == (
        "audit chain broken at event #2: event #2 of bucket 7 is missing "
        "(1 events verified before it)"
    )


def test_a_removed_first_event_is_named(chains):
    chains.filter(seq=1).delete()
    with pytest.raises(CommandError) as exc:
        verify()
    assert str(exc.value) == (
        "audit chain broken at event #1: event #1 of bucket 7 is missing "
        "(0 events verified before it)"
    )


def test_a_removed_last_event_is_caught_by_the_head(chains):
    chains.filter(seq=4).delete()
    assert verify_chain() == ChainReport(
        False, 3, 4, "event #4 of bucket 7 onwards has been removed", 7
    )
    with pytest.raises(CommandError) as exc:
        verify()
    assert str(exc.value) == (
        "audit chain broken at event #4: event #4 of bucket 7 onwards has been removed "
        "(3 events verified before it)"
    )


def test_removing_a_whole_chain_is_caught_by_its_head(chains):
    AuditEvent.objects.filter(bucket=300).delete()
    assert verify_chain() == ChainReport(
        False, 4, 1, "event #1 of bucket 300 onwards has been removed", 300
    )


def test_removing_every_event_is_caught_by_the_heads(chains):
    AuditEvent.objects.all().delete()
    with pytest.raises(CommandError) as exc:
        verify()
    assert str(exc.value).startswith("audit chain broken at event #1: event #1 of bucket 7 ")


def test_a_removed_head_is_named(chains):
    AuditHead.objects.filter(bucket=300).delete()
    assert verify_chain() == ChainReport(False, 6, 1, "the head of bucket 300 is missing", 300)


def test_a_rewound_head_is_caught(chains):
    # The head set back to #3, as if #4 had never been written: #4 is past the head.
    third = chains.get(seq=3)
    AuditHead.objects.filter(bucket=7).update(seq=3, hash=third.hash)
    assert verify_chain() == ChainReport(
        False, 4, 5, "event #5 of bucket 7 onwards has been removed", 7
    )


def test_the_chain_continues_across_services(four_events, hotline):
    holder = make_person(age=30)
    card = make_card(person=holder)
    before = dict(AuditHead.objects.values_list("bucket", "seq"))
    report_loss(actor=hotline, card=card, kind="temporary", reporter=holder, relation="self")
    # The report's event and the card's, one after the other in the holder's chain.
    start = before.get(holder.bucket, 0)
    new = list(AuditEvent.objects.filter(bucket=holder.bucket, seq__gt=start).order_by("seq"))
    assert sorted(e.object_type for e in new) == ["card", "loss_report"]
    assert [e.seq for e in new] == [start + 1, start + 2]
    assert new[1].prev_hash == new[0].hash
    if start:
        previous = AuditEvent.objects.get(bucket=holder.bucket, seq=start)
        assert new[0].prev_hash == previous.hash
    assert verify_chain() == ChainReport(True, 6)
