"""Signed checkpoints of the audit chains, and writers of different buckets not waiting on each
other: a checkpoint signs every chain's head with the audit key (a file, never the database);
`sscard audit verify` catches an event altered, removed or a chain rewritten before it, a chain
cut short, and a checkpoint altered, removed or signed by another key."""

from __future__ import annotations

import base64
import datetime as dt
import re
import stat
import threading
from io import StringIO

import pytest
from cryptography.hazmat.primitives import serialization
from django.core.management import CommandError, call_command
from django.db import connection, transaction
from django.db.utils import OperationalError

from sscard.audit.checkpoints import (
    checkpoint_if_due,
    key_path,
    public_key_path,
    signing_key,
    verify_checkpoints,
    write_checkpoint,
)
from sscard.audit.models import AuditCheckpoint, AuditEvent, AuditHead
from sscard.audit.services import GENESIS, _digest, _fields, record_event, verify_chain
from sscard.background.sweep import run_sweep
from sscard.cards.models import LossReport
from sscard.cards.services import report_loss
from sscard.common.clock import frozen_at
from sscard.common.context import Actor
from sscard.common.models import next_value
from tests.factories import make_card, make_person
from tests.test_concurrency import run_together

T0 = dt.datetime(2026, 3, 10, 2, 0, tzinfo=dt.UTC)


def event(bucket: int, n: int) -> AuditEvent:
    return record_event(
        actor=Actor.system(),
        action="card.blocked",
        object_type="card",
        object_id=f"A{n:08d}",
        before={"status": "normal"},
        after={"status": "temporarily_lost", "n": n},
        bucket=bucket,
    )


def verify() -> str:
    out = StringIO()
    call_command("audit", "verify", stdout=out)
    return out.getvalue()


def broken() -> str:
    with pytest.raises(CommandError) as exc:
        verify()
    return str(exc.value)


@pytest.fixture
def signed(db):
    """Bucket 7 with events #1-#3 and bucket 300 with #1-#2, checkpoint #1; then #4 of bucket
    7 and checkpoint #2; then #5 of bucket 7, after the last checkpoint."""
    with frozen_at(T0):
        with transaction.atomic():
            for n in (1, 2, 3):
                event(7, n)
            event(300, 1)
            event(300, 2)
        write_checkpoint()
        with transaction.atomic():
            event(7, 4)
        write_checkpoint()
        with transaction.atomic():
            event(7, 5)


def rewrite_from(bucket: int, seq: int, **change) -> None:
    """A forger's rewrite: change event #seq and recompute every hash after it and the head."""
    rows = list(AuditEvent.objects.filter(bucket=bucket, seq__gte=seq).order_by("seq"))
    prev = AuditEvent.objects.get(bucket=bucket, seq=seq - 1).hash if seq > 1 else GENESIS
    for row in rows:
        for name, value in change.items() if row.seq == seq else ():
            setattr(row, name, value)
        row.prev_hash = prev
        row.hash = _digest(prev, _fields(row))
        row.save()
        prev = row.hash
    AuditHead.objects.filter(bucket=bucket).update(hash=prev)


# ---------------------------------------------------------------- writing and the key


@pytest.mark.django_db
def test_a_checkpoint_signs_every_chains_head_and_links_to_the_one_before(signed):
    first, second = AuditCheckpoint.objects.order_by("number")
    assert (first.heads, second.heads) == ([[7, 3], [300, 2]], [[7, 4], [300, 2]])
    assert (first.prev_hash, second.prev_hash) == (GENESIS, first.hash)
    assert verify_checkpoints().ok
    assert verify().endswith("; 2 checkpoints verified\n")


@pytest.mark.django_db
def test_the_audit_key_is_a_file_of_its_own_not_in_the_database(signed):
    path = key_path()
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert b"PRIVATE KEY" in path.read_bytes()
    assert b"PUBLIC KEY" in public_key_path().read_bytes()
    raw = signing_key().private_bytes(
        serialization.Encoding.Raw, serialization.PrivateFormat.Raw, serialization.NoEncryption()
    )
    stored = str(list(AuditCheckpoint.objects.values()))
    assert raw.hex() not in stored and base64.b64encode(raw).decode() not in stored


@pytest.mark.django_db
def test_the_public_half_alone_verifies(signed):
    key_path().unlink()
    assert verify().endswith("; 2 checkpoints verified\n")


@pytest.mark.django_db
def test_the_command_writes_a_checkpoint(signed):
    out = StringIO()
    call_command("audit", "checkpoint", stdout=out)
    point = AuditCheckpoint.objects.get(number=3)
    assert out.getvalue() == f"audit checkpoint #3: 2 chains, root {point.root}\n"
    assert point.heads == [[7, 5], [300, 2]]
    assert verify().endswith("; 3 checkpoints verified\n")


@pytest.mark.django_db
def test_the_sweep_signs_the_heads_every_five_minutes_when_they_moved():
    with frozen_at(T0):
        assert checkpoint_if_due() == 0  # nothing to sign
        with transaction.atomic():
            event(7, 1)
        assert run_sweep(("audit checkpoint",)) == {"audit checkpoint": 1}
        with transaction.atomic():
            event(7, 2)
        assert checkpoint_if_due() == 0  # not five minutes yet
    with frozen_at(T0 + dt.timedelta(minutes=5)):
        assert checkpoint_if_due() == 1
    with frozen_at(T0 + dt.timedelta(minutes=10)):
        assert checkpoint_if_due() == 0  # no head moved
    assert list(AuditCheckpoint.objects.values_list("number", "heads")) == [
        (1, [[7, 1]]),
        (2, [[7, 2]]),
    ]


# ---------------------------------------------------------------- tampering caught


@pytest.mark.django_db
def test_an_event_rewritten_with_its_chain_and_head_is_caught_by_the_checkpoints(signed):
    rewrite_from(7, 2, after={"status": "normal"})
    assert verify_chain().ok  # the chain alone holds: it was rewritten to the head
    assert broken() == (
        "audit checkpoints broken at #1: checkpoint #1 does not match the events it names "
        "(0 checkpoints verified before it)"
    )


@pytest.mark.django_db
def test_an_event_after_the_last_checkpoint_rewritten_is_not_caught(signed):
    """What a checkpoint does not cover yet is held by its chain and head only."""
    rewrite_from(7, 5, after={"status": "normal"})
    assert verify().endswith("; 2 checkpoints verified\n")


@pytest.mark.django_db
def test_a_chain_cut_short_with_its_head_is_caught(signed):
    AuditEvent.objects.filter(bucket=7, seq__gte=4).delete()
    third = AuditEvent.objects.get(bucket=7, seq=3)
    AuditHead.objects.filter(bucket=7).update(seq=3, hash=third.hash)
    assert verify_chain().ok
    assert broken() == (
        "audit checkpoints broken at #2: checkpoint #2 names event #4 of bucket 7, which is "
        "missing (1 checkpoints verified before it)"
    )


@pytest.mark.django_db
def test_a_chain_dropped_with_its_head_is_caught(signed):
    AuditEvent.objects.filter(bucket=300).delete()
    AuditHead.objects.filter(bucket=300).delete()
    assert verify_chain().ok
    assert broken().startswith(
        "audit checkpoints broken at #1: checkpoint #1 names event #2 of bucket 300, which is "
        "missing"
    )


@pytest.mark.django_db
def test_an_event_altered_is_caught_by_its_chain_first(signed):
    AuditEvent.objects.filter(bucket=7, seq=2).update(action="card.cancelled")
    assert broken().startswith(
        "audit chain broken at event #2: event #2 of bucket 7 has been altered"
    )


@pytest.mark.parametrize(
    "change",
    [{"heads": [[7, 2], [300, 2]]}, {"root": "f" * 64}, {"at": T0 - dt.timedelta(days=1)}],
)
@pytest.mark.django_db
def test_an_altered_checkpoint_is_caught(signed, change):
    AuditCheckpoint.objects.filter(number=1).update(**change)
    assert broken() == (
        "audit checkpoints broken at #1: checkpoint #1 has been altered "
        "(0 checkpoints verified before it)"
    )


@pytest.mark.django_db
def test_a_checkpoint_re_hashed_without_the_key_is_caught_by_its_signature(signed):
    from sscard.audit.checkpoints import _checkpoint_hash, heads_root

    rewrite_from(7, 2, after={"status": "normal"})
    point = AuditCheckpoint.objects.get(number=1)
    rows = [(b, s, AuditEvent.objects.get(bucket=b, seq=s).hash) for b, s in point.heads]
    root = heads_root(rows)
    digest = _checkpoint_hash(
        number=1, at=point.at, heads=point.heads, root=root, prev_hash=GENESIS
    )
    AuditCheckpoint.objects.filter(number=1).update(root=root, hash=digest)
    assert broken().startswith(
        "audit checkpoints broken at #1: checkpoint #1 has a signature that does not verify"
    )


@pytest.mark.django_db
def test_a_removed_checkpoint_is_caught(signed):
    AuditCheckpoint.objects.filter(number=1).delete()
    assert broken() == (
        "audit checkpoints broken at #1: checkpoint #1 is missing "
        "(0 checkpoints verified before it)"
    )


@pytest.mark.django_db
def test_a_checkpoint_removed_from_the_middle_is_caught(signed):
    write_checkpoint()
    AuditCheckpoint.objects.filter(number=2).delete()
    assert broken().startswith("audit checkpoints broken at #2: checkpoint #2 is missing")


@pytest.mark.django_db
def test_checkpoints_signed_by_another_key_are_caught(signed, settings, tmp_path):
    settings.AUDIT_KEY_FILE = tmp_path / "another_key"
    write_checkpoint()  # makes the other key
    assert broken().startswith(
        "audit checkpoints broken at #1: checkpoint #1 is signed by another key"
    )


@pytest.mark.django_db
def test_checkpoints_without_the_key_are_not_taken_on_trust(signed, settings, tmp_path):
    settings.AUDIT_KEY_FILE = tmp_path / "nowhere"
    assert broken().startswith(f"audit checkpoints broken at #1: no audit key at {tmp_path}")


# ---------------------------------------------------------------- concurrency


@pytest.mark.django_db(transaction=True)
def test_twenty_writers_of_one_new_bucket_make_one_chain():
    def write() -> int:
        with transaction.atomic():
            return event(42, 1).seq

    outcome = run_together(write)
    assert sorted(outcome.results) == list(range(1, 21))
    assert list(AuditHead.objects.filter(bucket=42).values_list("seq", flat=True)) == [20]
    assert verify_chain().ok


@pytest.mark.django_db(transaction=True)
def test_twenty_loss_reports_at_once_get_twenty_numbers_and_twenty_chains_hold(hotline, bank):
    cards = [make_card(person=make_person(age=40), bank=bank) for _ in range(20)]
    taken = iter(cards)
    lock = threading.Lock()

    def report() -> str:
        with lock:
            card = next(taken)
        return report_loss(
            actor=hotline, card=card, kind="temporary", reporter=card.person, relation="self"
        ).report.reference

    outcome = run_together(report)
    references = outcome.results
    assert len(set(references)) == 20
    assert all(re.fullmatch(r"LR\d{6}\d{6,}", r) for r in references)
    assert LossReport.objects.count() == 20
    assert AuditEvent.objects.count() == 40
    assert verify_chain().ok


def _holding(bucket: int | None, held: threading.Event, release: threading.Event) -> None:
    """In another connection: write an event of `bucket` (or take a loss-report number) and
    keep the transaction open until released."""
    try:
        with transaction.atomic():
            if bucket is None:
                next_value("loss_report")
            else:
                event(bucket, 1)
            held.set()
            release.wait(timeout=30)
    finally:
        connection.close()


def _while_held(bucket: int | None, then) -> None:
    held, release = threading.Event(), threading.Event()
    thread = threading.Thread(target=_holding, args=(bucket, held, release))
    thread.start()
    try:
        assert held.wait(timeout=30)
        then()
    finally:
        release.set()
        thread.join(timeout=30)


def _within_lock_timeout(call, timeout: str = "5s"):
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute(f"SET LOCAL lock_timeout = '{timeout}'")
        return call()


@pytest.mark.django_db(transaction=True)
def test_a_writer_of_another_bucket_does_not_wait_for_an_open_transaction():
    if connection.vendor != "postgresql":
        pytest.skip("SQLite writes one transaction at a time, whatever the bucket")
    got: list[AuditEvent] = []
    _while_held(7, lambda: got.append(_within_lock_timeout(lambda: event(8, 2))))
    assert (got[0].bucket, got[0].seq) == (8, 1)
    assert verify_chain().ok


@pytest.mark.django_db(transaction=True)
def test_a_writer_of_the_same_bucket_waits_for_an_open_transaction():
    if connection.vendor != "postgresql":
        pytest.skip("SQLite writes one transaction at a time, whatever the bucket")

    def blocked() -> None:
        with pytest.raises(OperationalError, match="lock timeout"):
            _within_lock_timeout(lambda: event(7, 2), "200ms")

    _while_held(7, blocked)
    assert verify_chain().ok


@pytest.mark.django_db(transaction=True)
def test_a_loss_report_number_does_not_wait_for_an_open_transaction():
    if connection.vendor != "postgresql":
        pytest.skip("SQLite writes one transaction at a time, whatever the bucket")
    got: list[int] = []
    _while_held(None, lambda: got.append(_within_lock_timeout(lambda: next_value("loss_report"))))
    after = _within_lock_timeout(lambda: next_value("loss_report"))
    assert len({got[0], after}) == 2 and after > got[0]
