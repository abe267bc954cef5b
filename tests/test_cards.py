"""Cards: numbers, the status hot path, loss reports and their lapse, lifting, activation, PINs."""

from __future__ import annotations

import datetime as dt
import json
import re
import threading
from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command
from django.db import connection

from sscard.applications.services.applying import apply_for_card
from sscard.audit.models import AuditEvent
from sscard.cards.models import BankStatus, Card, CardStatus, LossReport
from sscard.cards.numbers import (
    card_number_for,
    check_character,
    is_valid_card_number,
    new_identification_code,
)
from sscard.cards.pins import check_pin_strength, hash_pin, pin_matches
from sscard.cards.selectors import CardStatusView, card_status, is_usable
from sscard.cards.services import (
    LossOutcome,
    PinCheck,
    activate_card,
    lift_loss_report,
    report_loss,
    reset_pin,
    verify_pin,
)
from sscard.common import clock
from sscard.common.clock import frozen_at
from sscard.common.context import Actor, Channel, Role
from sscard.common.errors import (
    Conflict,
    DomainError,
    FieldError,
    Forbidden,
    NotFound,
    ValidationError,
)
from sscard.notifications.models import OutboxMessage
from sscard.outlets.models import Service
from sscard.people.models import Person
from sscard.policy.models import LapseAction
from tests.factories import (
    make_card,
    make_guardianship,
    make_outlet,
    make_person,
    make_policy,
    nothing_changes,
)

pytestmark = pytest.mark.django_db

SHANGHAI = dt.timezone(dt.timedelta(hours=8))
# A Tuesday, 10:00 in Beijing. The clock is frozen here in every test unless a test moves it.
T0 = dt.datetime(2026, 3, 10, 10, 0, tzinfo=SHANGHAI)
DAY = dt.timedelta(days=1)
HOUR = dt.timedelta(hours=1)
SECOND = dt.timedelta(seconds=1)
# The default policy: a temporary report runs for 7 calendar days.
LAPSE = T0 + 7 * DAY
FIRST_REFERENCE = "LR260310000001"
# Tianhe district of Guangzhou, born 1985-07-15, a man.
TIANHE_MAN = "440106198507150019"
FACTORY_PIN = "147258"


@pytest.fixture(autouse=True)
def clock_at_t0():
    with frozen_at(T0):
        yield


@pytest.fixture
def web_citizen() -> Actor:
    return Actor(kind="citizen", id="person-1", role=Role.CITIZEN, channel=Channel.WEB)


@pytest.fixture
def app_citizen() -> Actor:
    return Actor(kind="citizen", id="person-1", role=Role.CITIZEN, channel=Channel.APP)


@pytest.fixture
def holder() -> Person:
    return make_person(social_security_number=TIANHE_MAN)


@pytest.fixture
def card(holder, bank) -> Card:
    return make_card(person=holder, bank=bank)


def card_row(card: Card) -> tuple[Any, ...]:
    return (
        Card.objects.filter(pk=card.pk)
        .values_list(
            "status",
            "bank_status",
            "lost_until",
            "lapse_action",
            "lapse_unfreezes_bank",
            "status_before_loss",
        )
        .get()
    )


def audit_trail(after_seq: int = 0) -> list[tuple[str, str, str]]:
    return list(
        AuditEvent.objects.filter(seq__gt=after_seq)
        .order_by("seq")
        .values_list("action", "object_type", "object_id")
    )


def last_seq() -> int:
    return AuditEvent.objects.order_by("-seq").values_list("seq", flat=True).first() or 0


def notifications(topic: str) -> list[tuple[int | None, int | None, dict[str, Any]]]:
    return list(
        OutboxMessage.objects.filter(kind="notification", topic=topic)
        .order_by("created_at", "recipient_id")
        .values_list("recipient_id", "subject_id", "payload")
    )


def webhooks(topic: str) -> list[tuple[int | None, dict[str, Any]]]:
    return list(
        OutboxMessage.objects.filter(kind="webhook", topic=topic)
        .order_by("created_at")
        .values_list("bank_id", "payload")
    )


def temporary(actor: Actor, card: Card, reporter: Person, relation: str = "self") -> LossOutcome:
    return report_loss(
        actor=actor, card=card, kind="temporary", reporter=reporter, relation=relation
    )


def formal(
    actor: Actor,
    card: Card,
    reporter: Person,
    outlet: Any,
    documents: list[str] | None = None,
    relation: str = "self",
) -> LossOutcome:
    return report_loss(
        actor=actor,
        card=card,
        kind="formal",
        reporter=reporter,
        relation=relation,
        documents=["id_card"] if documents is None else documents,
        outlet=outlet,
    )


def sweep() -> str:
    """The sweep's counts of the card jobs (the audit checkpoint, signed whenever one is due, is
    tested in tests/test_audit_checkpoints.py)."""
    out = StringIO()
    call_command("sweep", stdout=out)
    return re.sub(r"; audit checkpoint: \d+", "", out.getvalue())


def sweep_output(lapsed: int = 0, reminders: int = 0) -> str:
    return (
        f"temporary reports lapsed: {lapsed}; reminders: {reminders}; "
        "uncollected cards lapsed: 0; card expiry reminders: 0; cards expired: 0; "
        "statement runs resumed: 0; idempotency keys expired: 0; finished tasks pruned: 0; "
        "citizen tokens pruned: 0; one-time codes pruned: 0; sessions pruned: 0; "
        "voice calls closed and forgotten: 0; ecard codes pruned: 0\n"
    )


# ---------------------------------------------------------------- card numbers


@pytest.mark.parametrize(
    ("first_eight", "check"),
    [
        # A=10: 10×3 + 1×2 = 32; 32 mod 11 = 10; 11 − 10 = 1
        ("A0000001", "1"),
        # G=16: 16×3 + 1×7 + 2×9 + 3×10 + 4×5 + 5×8 + 6×4 + 7×2 = 201; 201 mod 11 = 3; 11 − 3 = 8
        ("G1234567", "8"),
        # 10×3 + 1×4 = 34; 34 mod 11 = 1; 11 − 1 = 10, written X
        ("A0000010", "X"),
        # 6×2 = 12; 12 mod 11 = 1; 11 − 1 = 10, written X
        ("00000006", "X"),
        # B=11: 11×3 = 33; 33 mod 11 = 0; 11 − 0 = 11, written 0
        ("B0000000", "0"),
        # 0; 11 − 0 = 11, written 0
        ("00000000", "0"),
        # Z=35: 35×3 + 9×(7+9+10+5+8+4+2) = 105 + 405 = 510; 510 mod 11 = 4; 11 − 4 = 7
        ("Z9999999", "7"),
        # 4×3 + 4×7 + 0×9 + 1×10 + 0×5 + 6×8 + 0×4 + 1×2 = 100; 100 mod 11 = 1; 11 − 1 = 10, X
        ("44010601", "X"),
    ],
)
def test_the_check_character_follows_the_scheme(first_eight, check):
    assert check_character(first_eight) == check
    assert is_valid_card_number(first_eight + check)


def test_card_numbers_are_handed_out_in_order_with_their_check_character():
    assert card_number_for(1) == "A00000011"
    assert card_number_for(10) == "A0000010X"
    assert card_number_for(10_000_000) == "B00000000"
    assert card_number_for(259_999_999) == "Z99999997"
    with pytest.raises(OverflowError):
        card_number_for(260_000_000)


def test_every_changed_digit_is_caught():
    number = "G12345678"
    assert is_valid_card_number(number)
    for position in range(1, 9):
        for digit in "0123456789":
            if digit != number[position]:
                changed = number[:position] + digit + number[position + 1 :]
                assert not is_valid_card_number(changed), changed
    assert not is_valid_card_number("H12345678")  # the letter changed


@pytest.mark.parametrize(
    "value",
    [
        "",
        "G1234567",
        "G123456789",
        "g12345678",
        "GG2345678",
        "G1234567A",
        "G1234 678",
        "Ｇ12345678",
    ],
)
def test_malformed_card_numbers_are_not_valid(value):
    assert not is_valid_card_number(value)


def test_identification_codes_are_32_hexadecimal_characters():
    codes = {new_identification_code() for _ in range(50)}
    assert len(codes) == 50
    assert all(len(c) == 32 and set(c) <= set("0123456789ABCDEF") for c in codes)


# ---------------------------------------------------------------- the status hot path


def test_a_normal_card_in_date_is_usable(holder, bank):
    card = make_card(person=holder, bank=bank, number="A00000011")
    expected = CardStatusView(
        card_number="A00000011",
        status="normal",
        usable=True,
        bank_status="normal",
        expires_on=T0.date() + 3000 * DAY,
        blocked_until=None,
    )
    assert card_status("A00000011") == expected
    assert card_status(" a00000011 ") == expected
    assert is_usable(card) is True


@pytest.mark.parametrize(
    "value",
    ["G12345678", "A00000012", "A0000001", "", "   ", "A000000111", "<script>", "Ａ00000011"],
)
def test_an_unknown_or_malformed_number_is_card_not_found(card, value):
    with nothing_changes(card), pytest.raises(NotFound) as exc:
        card_status(value)
    assert (exc.value.code, exc.value.status) == ("card_not_found", 404)


def test_a_card_past_its_expiry_date_reads_expired(holder):
    yesterday = T0.date() - DAY
    make_card(person=holder, number="A00000011", expires_on=yesterday)
    assert card_status("A00000011") == CardStatusView(
        "A00000011", "expired", False, "normal", yesterday, None
    )
    # The row is not touched by the read.
    assert Card.objects.get(number="A00000011").status == "normal"


def test_a_card_is_usable_on_its_expiry_date(holder):
    make_card(person=holder, number="A00000011", expires_on=T0.date())
    view = card_status("A00000011")
    assert (view.status, view.usable) == ("normal", True)


@pytest.mark.parametrize(
    ("status", "bank_status"),
    [
        (CardStatus.IN_PRODUCTION, BankStatus.NOT_OPENED),
        (CardStatus.AWAITING_COLLECTION, BankStatus.NOT_OPENED),
        (CardStatus.SEALED, BankStatus.NOT_OPENED),
        (CardStatus.FORMALLY_LOST, BankStatus.FROZEN),
        (CardStatus.PIN_LOCKED, BankStatus.NORMAL),
        (CardStatus.CANCELLED, BankStatus.CLOSED),
        (CardStatus.EXPIRED, BankStatus.NORMAL),
    ],
)
def test_only_a_normal_card_is_usable(holder, status, bank_status):
    make_card(person=holder, number="A00000011", status=status, bank_status=bank_status)
    assert card_status("A00000011") == CardStatusView(
        "A00000011", status, False, bank_status, T0.date() + 3000 * DAY, None
    )


# ---------------------------------------------------------------- temporary loss reports


def test_a_temporary_report_by_phone_blocks_at_once_and_freezes_the_bank(hotline, holder, card):
    outcome = temporary(hotline, card, holder)
    assert (outcome.created, outcome.action) == (True, "created")
    report = LossReport.objects.get()
    assert (
        report.reference,
        report.card_id,
        report.kind,
        report.status,
        report.channel,
        report.sides,
        report.froze_bank,
        report.reporter_id,
        report.reporter_relation,
        report.documents,
        report.outlet_id,
        report.effective_at,
        report.expires_at,
        report.lapse_action,
        report.renewals,
        report.converted_at,
        report.reissue_applied_at,
        report.ended_at,
    ) == (
        FIRST_REFERENCE,
        card.pk,
        "temporary",
        "effective",
        "hotline",
        "both",
        True,
        holder.pk,
        "self",
        [],
        None,
        T0,
        LAPSE,
        "release",
        0,
        None,
        None,
        None,
    )
    assert card_row(card) == ("temporarily_lost", "frozen", LAPSE, "release", True, "normal")
    assert card_status(card.number) == CardStatusView(
        card.number, "temporarily_lost", False, "frozen", card.expires_on, LAPSE
    )
    assert is_usable(Card.objects.get(pk=card.pk)) is False
    # One audit event per changed row.
    assert audit_trail() == [
        ("loss_report.created", "loss_report", FIRST_REFERENCE),
        ("card.blocked", "card", card.number),
    ]
    blocked = AuditEvent.objects.get(action="card.blocked")
    assert (blocked.before, blocked.after) == (
        {"status": "normal", "bank_status": "normal", "lost_until": None, "wrong_pins": 0},
        {
            "status": "temporarily_lost",
            "bank_status": "frozen",
            "lost_until": "2026-03-17T02:00:00+00:00",
            "wrong_pins": 0,
        },
    )
    assert (blocked.channel, blocked.actor_role) == ("hotline", "hotline_agent")
    # Passed to the bank at once, and the holder is told.
    [(bank_id, payload)] = webhooks("card.blocked")
    assert bank_id == card.bank_id
    assert payload["type"] == "card.blocked"
    data = dict(payload["data"])
    assert dt.datetime.fromisoformat(data.pop("expires_at")) == LAPSE
    assert data == {
        "card_number": card.number,
        "kind": "temporary",
        "reference": FIRST_REFERENCE,
        "sides": "both",
    }
    [(recipient, subject, params)] = notifications("loss_report_effective")
    assert (recipient, subject) == (holder.pk, holder.pk)
    assert dt.datetime.fromisoformat(params.pop("expires_at")) == LAPSE
    assert params == {"card_number": card.number, "reference": FIRST_REFERENCE, "kind": "temporary"}


def test_a_card_without_a_bank_account_is_blocked_without_freezing(hotline, holder):
    card = make_card(person=holder, bank_status=BankStatus.NOT_OPENED)
    temporary(hotline, card, holder)
    assert card_row(card) == ("temporarily_lost", "not_opened", LAPSE, "release", False, "normal")
    assert LossReport.objects.get().froze_bank is False


def test_reporting_again_while_it_runs_renews_the_same_report(hotline, holder, card):
    first = temporary(hotline, card, holder)
    seq = last_seq()
    clock.travel(2 * DAY)
    second = temporary(hotline, card, holder)
    assert (second.created, second.action) == (False, "renewed")
    assert second.report.pk == first.report.pk
    report = LossReport.objects.get()
    assert (report.reference, report.effective_at, report.expires_at, report.renewals) == (
        FIRST_REFERENCE,
        T0,
        T0 + 9 * DAY,
        1,
    )
    assert card_row(card) == ("temporarily_lost", "frozen", T0 + 9 * DAY, "release", True, "normal")
    assert card_status(card.number).blocked_until == T0 + 9 * DAY
    assert audit_trail(seq) == [
        ("loss_report.renewed", "loss_report", FIRST_REFERENCE),
        ("card.blocked", "card", card.number),
    ]
    # The holder and the bank hear of the new lapse time.
    assert len(notifications("loss_report_effective")) == 2
    assert [
        dt.datetime.fromisoformat(p["data"]["expires_at"]) for _, p in webhooks("card.blocked")
    ] == [LAPSE, T0 + 9 * DAY]
    # The first lapse time has no effect any more.
    with frozen_at(LAPSE + HOUR):
        assert card_status(card.number).status == "temporarily_lost"


def test_a_formal_report_converts_a_running_temporary_one(hotline, window, agency, holder, card):
    first = temporary(hotline, card, holder)
    seq = last_seq()
    clock.travel(DAY)
    outcome = formal(window, card, holder, agency, documents=["id_card"])
    assert (outcome.created, outcome.action) == (False, "converted")
    assert outcome.report.pk == first.report.pk
    report = LossReport.objects.get()  # one history on the card
    assert (
        report.reference,
        report.kind,
        report.status,
        report.effective_at,
        report.converted_at,
        report.expires_at,
        report.lapse_action,
        report.documents,
        report.outlet_id,
        report.channel,
    ) == (
        FIRST_REFERENCE,
        "formal",
        "effective",
        T0,
        T0 + DAY,
        None,
        "",
        ["id_card"],
        agency.pk,
        "hotline",
    )
    assert card_row(card) == ("formally_lost", "frozen", None, "", False, "normal")
    assert card_status(card.number) == CardStatusView(
        card.number, "formally_lost", False, "frozen", card.expires_on, None
    )
    assert audit_trail(seq) == [
        ("loss_report.converted", "loss_report", FIRST_REFERENCE),
        ("card.blocked", "card", card.number),
    ]
    # A formal report has no expiry.
    with frozen_at(T0 + 400 * DAY):
        assert sweep() == sweep_output()
        assert card_status(card.number).status == "formally_lost"
        assert LossReport.objects.get().status == "effective"


def test_a_formal_report_at_a_bank_outlet(bank_clerk, bank_outlet, holder, card):
    outcome = formal(bank_clerk, card, holder, bank_outlet)
    report = LossReport.objects.get()
    assert (outcome.action, report.kind, report.channel, report.sides, report.expires_at) == (
        "created",
        "formal",
        "bank",
        "both",
        None,
    )
    assert card_row(card) == ("formally_lost", "frozen", None, "", False, "normal")


@pytest.mark.parametrize("channel", ["hotline", "web", "app", "kiosk"])
def test_a_formal_report_needs_a_counter(channel, agency, holder, card):
    remote = Actor(kind="staff", id="x", role=Role.HOTLINE_AGENT, channel=channel)
    with nothing_changes(card), pytest.raises(ValidationError) as exc:
        formal(remote, card, holder, None)
    assert (exc.value.code, exc.value.status) == ("channel_not_allowed", 422)
    assert exc.value.errors == [FieldError("channel", "must be one of: bank, window")]


def test_a_formal_report_needs_the_original_documents(window, agency, holder, card):
    with nothing_changes(card), pytest.raises(ValidationError) as exc:
        formal(window, card, holder, agency, documents=["household_register"])
    assert (exc.value.code, exc.value.status) == ("documents_required", 422)
    assert exc.value.errors == [FieldError("documents", "missing: id_card")]
    assert exc.value.extra == {"missing": ["id_card"]}


def test_a_guardians_formal_report_lists_every_missing_document(window, agency):
    link = make_guardianship(relation="legal_guardian")
    card = make_card(person=link.ward)
    with nothing_changes(card), pytest.raises(ValidationError) as exc:
        formal(window, card, link.guardian, agency, documents=[], relation="guardian")
    assert exc.value.code == "documents_required"
    assert exc.value.errors == [
        FieldError("documents", "missing: id_card"),
        FieldError("documents", "missing: guardian_id_card"),
        FieldError("documents", "missing: guardianship_proof"),
    ]


def test_an_unknown_document_code_is_refused(window, agency, holder, card):
    with nothing_changes(card), pytest.raises(ValidationError) as exc:
        formal(window, card, holder, agency, documents=["id_card", "passport"])
    assert exc.value.code == "invalid_documents"
    assert exc.value.errors == [FieldError("documents", "unknown code: passport")]


def test_the_outlet_must_offer_the_service(window, holder, card):
    community = make_outlet(code="CC0001", services=[Service.INTAKE])
    with nothing_changes(card), pytest.raises(Conflict) as formal_refused:
        formal(window, card, holder, community)
    assert (formal_refused.value.code, formal_refused.value.status) == ("service_not_offered", 409)
    with nothing_changes(card), pytest.raises(Conflict) as temporary_refused:
        report_loss(
            actor=window,
            card=card,
            kind="temporary",
            reporter=holder,
            relation="self",
            outlet=community,
        )
    assert temporary_refused.value.code == "service_not_offered"


@pytest.mark.parametrize(
    ("status", "bank_status"),
    [
        (CardStatus.CANCELLED, BankStatus.CLOSED),
        (CardStatus.IN_PRODUCTION, BankStatus.NOT_OPENED),
        (CardStatus.AWAITING_COLLECTION, BankStatus.NOT_OPENED),
    ],
)
@pytest.mark.parametrize("kind", ["temporary", "formal"])
def test_a_card_not_in_hand_is_not_reportable(window, agency, holder, status, bank_status, kind):
    card = make_card(person=holder, status=status, bank_status=bank_status, pin_hash="")
    with nothing_changes(card), pytest.raises(Conflict) as exc:
        report_loss(
            actor=window,
            card=card,
            kind=kind,
            reporter=holder,
            relation="self",
            documents=["id_card"],
            outlet=agency,
        )
    assert (exc.value.code, exc.value.status) == ("card_not_reportable", 409)
    assert exc.value.extra == {"card_status": status}


@pytest.mark.parametrize("kind", ["temporary", "formal"])
def test_a_formally_lost_card_is_not_reported_again(window, agency, hotline, holder, card, kind):
    formal(window, card, holder, agency)
    report = LossReport.objects.get()
    actor = hotline if kind == "temporary" else window
    with nothing_changes(card, report), pytest.raises(Conflict) as exc:
        report_loss(
            actor=actor,
            card=card,
            kind=kind,
            reporter=holder,
            relation="self",
            documents=["id_card"],
            outlet=agency if kind == "formal" else None,
        )
    assert exc.value.code == "card_not_reportable"
    assert exc.value.detail == "The card is already formally reported lost."
    assert exc.value.extra == {"card_status": "formally_lost"}


def test_someone_else_cannot_report_a_childs_card(hotline, window, agency):
    link = make_guardianship(ward__age=9)
    stranger = make_person(age=40)
    card = make_card(person=link.ward)
    with nothing_changes(card), pytest.raises(Forbidden) as exc:
        temporary(hotline, card, stranger, relation="guardian")
    assert (exc.value.code, exc.value.status) == ("not_guardian", 403)
    with nothing_changes(card), pytest.raises(Forbidden) as at_counter:
        formal(
            window,
            card,
            stranger,
            agency,
            documents=["household_register", "guardian_id_card"],
            relation="agent",
        )
    assert at_counter.value.code == "not_guardian"


def test_a_child_cannot_report_alone_and_the_guardian_is_told(hotline):
    link = make_guardianship(ward__age=9)
    child, parent = link.ward, link.guardian
    card = make_card(person=child)
    with nothing_changes(card), pytest.raises(Forbidden) as exc:
        temporary(hotline, card, child)
    assert exc.value.code == "guardian_required"
    temporary(hotline, card, parent, relation="guardian")
    assert LossReport.objects.get().reporter_relation == "guardian"
    assert [r for r, _, _ in notifications("loss_report_effective")] == [parent.pk]


def test_an_unknown_kind_or_relation_is_refused(hotline, holder, card):
    with nothing_changes(card), pytest.raises(ValidationError) as kind:
        report_loss(actor=hotline, card=card, kind="stolen", reporter=holder, relation="self")
    assert kind.value.errors == [FieldError("kind", "must be temporary or formal")]
    with nothing_changes(card), pytest.raises(ValidationError) as relation:
        report_loss(actor=hotline, card=card, kind="temporary", reporter=holder, relation="friend")
    assert relation.value.errors == [
        FieldError("reporter.relation", "must be self, guardian or agent")
    ]


# ---------------------------------------------------------------- linked and separate reporting


def test_under_linked_reporting_a_report_at_the_bank_blocks_both_sides(bank_clerk, holder, card):
    temporary(bank_clerk, card, holder)
    report = LossReport.objects.get()
    assert (report.channel, report.sides, report.froze_bank) == ("bank", "both", True)
    assert card_row(card) == ("temporarily_lost", "frozen", LAPSE, "release", True, "normal")


def test_under_separate_reporting_the_bank_freezes_only_its_side(bank_clerk, holder, card):
    make_policy(region_prefix="4401", linked_loss_reporting=False)
    temporary(bank_clerk, card, holder)
    report = LossReport.objects.get()
    assert (report.sides, report.froze_bank, report.expires_at) == ("financial", True, LAPSE)
    assert card_row(card) == ("normal", "frozen", LAPSE, "release", True, "")
    assert card_status(card.number) == CardStatusView(
        card.number, "normal", True, "frozen", card.expires_on, None
    )
    # When it lapses the bank side is released.
    with frozen_at(LAPSE):
        assert card_status(card.number) == CardStatusView(
            card.number, "normal", True, "normal", card.expires_on, None
        )


def test_under_separate_reporting_a_window_report_blocks_only_the_social_side(
    window, agency, holder, card
):
    make_policy(region_prefix="4401", linked_loss_reporting=False)
    formal(window, card, holder, agency)
    report = LossReport.objects.get()
    assert (report.sides, report.froze_bank) == ("social", False)
    assert card_row(card) == ("formally_lost", "normal", None, "", False, "normal")
    assert card_status(card.number) == CardStatusView(
        card.number, "formally_lost", False, "normal", card.expires_on, None
    )


def test_under_separate_reporting_a_phone_report_blocks_only_the_social_side(hotline, holder, card):
    make_policy(region_prefix="4401", linked_loss_reporting=False)
    temporary(hotline, card, holder)
    assert (LossReport.objects.get().sides, LossReport.objects.get().froze_bank) == (
        "social",
        False,
    )
    assert card_row(card) == ("temporarily_lost", "normal", LAPSE, "release", False, "normal")


def test_under_separate_reporting_a_phone_report_extends_a_bank_report_to_both_sides(
    bank_clerk, hotline, holder, card
):
    make_policy(region_prefix="4401", linked_loss_reporting=False)
    temporary(bank_clerk, card, holder)
    clock.travel(HOUR)
    outcome = temporary(hotline, card, holder)
    assert (outcome.created, outcome.action) == (False, "renewed")
    report = LossReport.objects.get()
    assert (report.sides, report.froze_bank, report.expires_at, report.renewals) == (
        "both",
        True,
        LAPSE + HOUR,
        1,
    )
    assert card_row(card) == (
        "temporarily_lost",
        "frozen",
        LAPSE + HOUR,
        "release",
        True,
        "normal",
    )
    assert card_status(card.number).usable is False


def test_under_separate_reporting_a_bank_report_extends_a_window_report_to_both_sides(
    bank_clerk, bank_outlet, window, agency, holder, card
):
    make_policy(region_prefix="4401", linked_loss_reporting=False)
    formal(window, card, holder, agency)
    seq = last_seq()
    outcome = formal(bank_clerk, card, holder, bank_outlet)
    assert (outcome.created, outcome.action) == (False, "extended")
    report = LossReport.objects.get()
    assert (report.kind, report.sides, report.froze_bank, report.outlet_id) == (
        "formal",
        "both",
        True,
        bank_outlet.pk,
    )
    assert card_row(card) == ("formally_lost", "frozen", None, "", False, "normal")
    assert audit_trail(seq) == [
        ("loss_report.extended", "loss_report", FIRST_REFERENCE),
        ("card.blocked", "card", card.number),
    ]
    # Lifting gives both sides back.
    lift_loss_report(
        actor=window,
        report=report,
        lifter=holder,
        relation="self",
        documents=["id_card"],
        outlet=agency,
    )
    assert card_row(card) == ("normal", "normal", None, "", False, "")


def test_under_separate_reporting_converting_a_bank_report_at_a_window_blocks_both(
    bank_clerk, window, agency, holder, card
):
    make_policy(region_prefix="4401", linked_loss_reporting=False)
    temporary(bank_clerk, card, holder)
    outcome = formal(window, card, holder, agency)
    assert outcome.action == "converted"
    report = LossReport.objects.get()
    assert (report.kind, report.sides, report.expires_at) == ("formal", "both", None)
    assert card_row(card) == ("formally_lost", "frozen", None, "", False, "normal")


# ---------------------------------------------------------------- lapse of a temporary report


def test_a_lapsed_report_reads_as_lapsed_before_any_sweep(hotline, holder, card):
    temporary(hotline, card, holder)
    seq = last_seq()
    with frozen_at(LAPSE - SECOND):
        assert card_status(card.number) == CardStatusView(
            card.number, "temporarily_lost", False, "frozen", card.expires_on, LAPSE
        )
    with frozen_at(LAPSE):
        with nothing_changes(card, LossReport.objects.get()):
            view = card_status(card.number)
            usable = is_usable(Card.objects.get(pk=card.pk))
        assert view == CardStatusView(card.number, "normal", True, "normal", card.expires_on, None)
        assert usable is True
    # Nothing was written by the reads.
    assert card_row(card) == ("temporarily_lost", "frozen", LAPSE, "release", True, "normal")
    assert audit_trail(seq) == []


def test_under_a_cancel_on_lapse_policy_a_lapsed_report_reads_cancelled(hotline, holder, card):
    make_policy(region_prefix="4401", on_temporary_lapse=LapseAction.CANCEL)
    temporary(hotline, card, holder)
    assert card_row(card) == ("temporarily_lost", "frozen", LAPSE, "cancel", True, "normal")
    with frozen_at(LAPSE):
        assert card_status(card.number) == CardStatusView(
            card.number, "cancelled", False, "closed", card.expires_on, None
        )
    with frozen_at(LAPSE + HOUR):
        assert sweep() == sweep_output(lapsed=1)
        assert card_row(card) == ("cancelled", "closed", None, "", False, "")
        report = LossReport.objects.get()
        assert (report.status, report.ended_at) == ("lapsed", LAPSE)
        assert [p["data"] for _, p in webhooks("card.cancelled")] == [
            {"card_number": card.number, "reason": "temporary_report_lapsed"}
        ]
        assert webhooks("card.unblocked") == []
        assert [p for _, _, p in notifications("temporary_report_lapsed")] == [
            {"card_number": card.number, "card_status": "cancelled", "reference": FIRST_REFERENCE}
        ]
        # A cancelled card never comes back.
        with nothing_changes(card), pytest.raises(Conflict) as exc:
            temporary(hotline, card, holder)
        assert exc.value.code == "card_not_reportable"
        assert card_status(card.number).usable is False


def test_the_sweep_writes_the_lapse_once(hotline, holder, card, bank):
    temporary(hotline, card, holder)
    seq = last_seq()
    with frozen_at(LAPSE + HOUR):
        assert sweep() == sweep_output(lapsed=1)
        report = LossReport.objects.get()
        assert (report.status, report.ended_at, report.end_reason) == (
            "lapsed",
            LAPSE,
            "temporary report lapsed",
        )
        assert card_row(card) == ("normal", "normal", None, "", False, "")
        assert card_status(card.number) == CardStatusView(
            card.number, "normal", True, "normal", card.expires_on, None
        )
        events = list(
            AuditEvent.objects.filter(seq__gt=seq)
            .order_by("seq")
            .values_list("action", "object_id", "actor_kind", "actor_role", "channel", "at")
        )
        assert events == [
            ("card.loss_report_lapsed", card.number, "system", "system", "system", LAPSE + HOUR),
            ("loss_report.lapsed", FIRST_REFERENCE, "system", "system", "system", LAPSE + HOUR),
        ]
        lapsed = AuditEvent.objects.get(action="card.loss_report_lapsed")
        assert (lapsed.before["status"], lapsed.after) == (
            "temporarily_lost",
            {"status": "normal", "bank_status": "normal", "lost_until": None, "wrong_pins": 0},
        )
        assert notifications("temporary_report_lapsed") == [
            (
                holder.pk,
                holder.pk,
                {"card_number": card.number, "card_status": "normal", "reference": FIRST_REFERENCE},
            )
        ]
        [(bank_id, payload)] = webhooks("card.unblocked")
        assert (bank_id, payload["data"]) == (
            bank.pk,
            {"card_number": card.number, "reason": "temporary_report_lapsed"},
        )
        # Running it again changes nothing.
        with nothing_changes(card, report):
            assert sweep() == sweep_output()
    with frozen_at(LAPSE + 3 * DAY), nothing_changes(card, report):
        assert sweep() == sweep_output()


def test_the_sweep_reminds_the_holder_a_day_before_the_lapse_once(hotline, holder, card):
    temporary(hotline, card, holder)
    with frozen_at(LAPSE - DAY - SECOND):
        assert sweep() == sweep_output()
    assert notifications("temporary_report_lapsing") == []
    with frozen_at(LAPSE - DAY):
        assert sweep() == sweep_output(reminders=1)
    [(recipient, subject, params)] = notifications("temporary_report_lapsing")
    assert (recipient, subject) == (holder.pk, holder.pk)
    assert dt.datetime.fromisoformat(params.pop("expires_at")) == LAPSE
    assert params == {"card_number": card.number, "reference": FIRST_REFERENCE}
    assert LossReport.objects.get().reminder_sent_at == LAPSE - DAY
    with frozen_at(LAPSE - HOUR):
        assert sweep() == sweep_output()
    with frozen_at(LAPSE + HOUR):
        assert sweep() == sweep_output(lapsed=1)
    assert len(notifications("temporary_report_lapsing")) == 1


def test_a_renewal_earns_a_new_reminder(hotline, holder, card):
    temporary(hotline, card, holder)
    with frozen_at(LAPSE - HOUR):
        assert sweep() == sweep_output(reminders=1)
        temporary(hotline, card, holder)  # renewed until LAPSE - HOUR + 7 days
        assert LossReport.objects.get().reminder_sent_at is None
    with frozen_at(LAPSE - HOUR + 6 * DAY):
        assert sweep() == sweep_output(reminders=1)
    assert len(notifications("temporary_report_lapsing")) == 2


def test_a_reminder_for_a_childs_card_goes_to_the_guardian(hotline):
    link = make_guardianship(ward__age=9)
    card = make_card(person=link.ward)
    temporary(hotline, card, link.guardian, relation="guardian")
    with frozen_at(LAPSE - HOUR):
        sweep()
    assert [r for r, _, _ in notifications("temporary_report_lapsing")] == [link.guardian.pk]


def test_a_lapse_gives_back_a_pin_locked_status(hotline, holder):
    card = make_card(person=holder, status=CardStatus.PIN_LOCKED, wrong_pins=6)
    temporary(hotline, card, holder)
    assert card_row(card) == ("temporarily_lost", "frozen", LAPSE, "release", True, "pin_locked")
    with frozen_at(LAPSE):
        assert card_status(card.number).status == "pin_locked"
        sweep()
    assert card_row(card) == ("pin_locked", "normal", None, "", False, "")


def test_a_report_after_an_unswept_lapse_is_a_new_report(hotline, holder, card):
    temporary(hotline, card, holder)
    with frozen_at(LAPSE + DAY):
        outcome = temporary(hotline, card, holder)
    assert (outcome.created, outcome.action) == (True, "created")
    assert list(LossReport.objects.order_by("pk").values_list("reference", "status")) == [
        (FIRST_REFERENCE, "lapsed"),
        ("LR260318000002", "effective"),
    ]
    assert card_row(card) == (
        "temporarily_lost",
        "frozen",
        LAPSE + 8 * DAY,
        "release",
        True,
        "normal",
    )


# ---------------------------------------------------------------- lifting


def test_lifting_at_a_window_with_the_id_card(hotline, window, agency, holder, card, bank):
    temporary(hotline, card, holder)
    seq = last_seq()
    clock.travel(DAY)
    report = lift_loss_report(
        actor=window,
        report=LossReport.objects.get(),
        lifter=holder,
        relation="self",
        documents=["id_card"],
        reason="found in my coat",
        outlet=agency,
    )
    report = LossReport.objects.get(pk=report.pk)
    assert (report.status, report.ended_at, report.end_reason) == (
        "lifted",
        T0 + DAY,
        "found in my coat",
    )
    assert card_row(card) == ("normal", "normal", None, "", False, "")
    assert card_status(card.number) == CardStatusView(
        card.number, "normal", True, "normal", card.expires_on, None
    )
    assert audit_trail(seq) == [
        ("loss_report.lifted", "loss_report", FIRST_REFERENCE),
        ("card.unblocked", "card", card.number),
    ]
    assert [(b, p["data"]) for b, p in webhooks("card.unblocked")] == [
        (bank.pk, {"card_number": card.number, "reference": FIRST_REFERENCE, "reason": "lifted"})
    ]
    assert notifications("loss_report_lifted") == [
        (holder.pk, holder.pk, {"card_number": card.number, "reference": FIRST_REFERENCE})
    ]


def test_lifting_a_formal_report_at_a_bank_outlet(bank_clerk, bank_outlet, holder, card):
    formal(bank_clerk, card, holder, bank_outlet)
    lift_loss_report(
        actor=bank_clerk,
        report=LossReport.objects.get(),
        lifter=holder,
        relation="self",
        documents=["id_card"],
        outlet=bank_outlet,
    )
    assert LossReport.objects.get().status == "lifted"
    assert card_row(card) == ("normal", "normal", None, "", False, "")


def test_lifting_at_a_counter_needs_the_documents(hotline, window, agency, holder, card):
    temporary(hotline, card, holder)
    report = LossReport.objects.get()
    with nothing_changes(card, report), pytest.raises(ValidationError) as exc:
        lift_loss_report(
            actor=window, report=report, lifter=holder, relation="self", documents=[], outlet=agency
        )
    assert exc.value.code == "documents_required"
    assert exc.value.errors == [FieldError("documents", "missing: id_card")]


def test_lifting_at_an_outlet_without_the_service_is_refused(hotline, window, holder, card):
    temporary(hotline, card, holder)
    report = LossReport.objects.get()
    outlet = make_outlet(services=[Service.TEMPORARY_LOSS_REPORT, Service.INQUIRY])
    with nothing_changes(card, report), pytest.raises(Conflict) as exc:
        lift_loss_report(
            actor=window,
            report=report,
            lifter=holder,
            relation="self",
            documents=["id_card"],
            outlet=outlet,
        )
    assert exc.value.code == "service_not_offered"


@pytest.mark.parametrize("online", ["web_citizen", "app_citizen"])
def test_a_temporary_report_may_be_lifted_online(request, online, hotline, holder, card):
    temporary(hotline, card, holder)
    actor = request.getfixturevalue(online)
    lift_loss_report(actor=actor, report=LossReport.objects.get(), lifter=holder, relation="self")
    report = LossReport.objects.get()
    assert (report.status, report.end_reason) == ("lifted", "card found")
    assert card_row(card) == ("normal", "normal", None, "", False, "")
    assert AuditEvent.objects.get(action="loss_report.lifted").channel == actor.channel


def test_a_formal_report_is_not_lifted_online(window, agency, web_citizen, holder, card):
    formal(window, card, holder, agency)
    report = LossReport.objects.get()
    with nothing_changes(card, report), pytest.raises(ValidationError) as exc:
        lift_loss_report(actor=web_citizen, report=report, lifter=holder, relation="self")
    assert exc.value.code == "channel_not_allowed"
    assert exc.value.errors == [FieldError("channel", "must be window or bank for a formal report")]


@pytest.mark.parametrize("channel", ["hotline", "kiosk"])
def test_lifting_by_phone_or_terminal_is_refused(channel, hotline, holder, card):
    temporary(hotline, card, holder)
    report = LossReport.objects.get()
    remote = Actor(kind="staff", id="x", role=Role.HOTLINE_AGENT, channel=channel)
    with nothing_changes(card, report), pytest.raises(ValidationError) as exc:
        lift_loss_report(actor=remote, report=report, lifter=holder, relation="self")
    assert exc.value.code == "channel_not_allowed"
    assert exc.value.errors == [FieldError("channel", "must be one of: app, bank, web, window")]


def test_online_lifting_of_a_childs_card_needs_the_guardian(hotline, web_citizen):
    link = make_guardianship(ward__age=9)
    card = make_card(person=link.ward)
    temporary(hotline, card, link.guardian, relation="guardian")
    report = LossReport.objects.get()
    with nothing_changes(card, report), pytest.raises(Forbidden) as exc:
        lift_loss_report(actor=web_citizen, report=report, lifter=link.ward, relation="self")
    assert exc.value.code == "guardian_required"
    lift_loss_report(actor=web_citizen, report=report, lifter=link.guardian, relation="guardian")
    assert LossReport.objects.get().status == "lifted"


def test_a_lifted_report_is_not_lifted_again(hotline, web_citizen, holder, card):
    temporary(hotline, card, holder)
    lift_loss_report(
        actor=web_citizen, report=LossReport.objects.get(), lifter=holder, relation="self"
    )
    report = LossReport.objects.get()
    with nothing_changes(card, report), pytest.raises(Conflict) as exc:
        lift_loss_report(actor=web_citizen, report=report, lifter=holder, relation="self")
    assert (exc.value.code, exc.value.status) == ("report_not_effective", 409)
    assert exc.value.extra == {"report_status": "lifted"}


def test_a_lapsed_report_is_not_lifted_after_the_sweep(hotline, web_citizen, holder, card):
    temporary(hotline, card, holder)
    with frozen_at(LAPSE + HOUR):
        sweep()
        report = LossReport.objects.get()
        with nothing_changes(card, report), pytest.raises(Conflict) as exc:
            lift_loss_report(actor=web_citizen, report=report, lifter=holder, relation="self")
    assert exc.value.code == "report_not_effective"
    assert exc.value.extra == {"report_status": "lapsed"}


def test_a_lapsed_report_is_not_lifted_before_the_sweep(hotline, web_citizen, holder, card):
    temporary(hotline, card, holder)
    report = LossReport.objects.get()
    with frozen_at(LAPSE + HOUR), nothing_changes(card, report), pytest.raises(Conflict) as exc:
        lift_loss_report(actor=web_citizen, report=report, lifter=holder, relation="self")
    assert exc.value.code == "report_not_effective"
    assert exc.value.extra == {"report_status": "lapsed"}


def test_no_lifting_once_a_reissue_has_been_applied_for(window, agency, holder, card):
    formal(window, card, holder, agency)
    application = apply_for_card(
        actor=window,
        type="reissue",
        person=holder,
        applicant=holder,
        relation="self",
        documents=["id_card"],
        outlet=agency,
    )
    assert application.status == "receipt_issued"
    report = LossReport.objects.get()
    assert report.reissue_applied_at == T0
    with nothing_changes(card, report, application), pytest.raises(Conflict) as exc:
        lift_loss_report(
            actor=window,
            report=report,
            lifter=holder,
            relation="self",
            documents=["id_card"],
            outlet=agency,
        )
    assert (exc.value.code, exc.value.status) == ("reissue_in_progress", 409)


@pytest.mark.parametrize(
    ("status", "bank_status", "wrong_pins"),
    [
        (CardStatus.SEALED, BankStatus.NOT_OPENED, 0),
        (CardStatus.PIN_LOCKED, BankStatus.NORMAL, 6),
    ],
)
def test_lifting_gives_back_a_sealed_or_pin_locked_status(
    hotline, window, agency, holder, status, bank_status, wrong_pins
):
    card = make_card(person=holder, status=status, bank_status=bank_status, wrong_pins=wrong_pins)
    temporary(hotline, card, holder)
    assert card_row(card)[0] == "temporarily_lost"
    assert card_row(card)[5] == status
    formal(window, card, holder, agency)  # converted: still remembers the status
    lift_loss_report(
        actor=window,
        report=LossReport.objects.get(),
        lifter=holder,
        relation="self",
        documents=["id_card"],
        outlet=agency,
    )
    assert card_row(card) == (status, bank_status, None, "", False, "")
    assert card_status(card.number).status == status
    assert Card.objects.get(pk=card.pk).wrong_pins == wrong_pins


def test_lifting_a_bank_only_report_leaves_the_social_side_alone(bank_clerk, bank_outlet, holder):
    make_policy(region_prefix="4401", linked_loss_reporting=False)
    card = make_card(person=holder)
    temporary(bank_clerk, card, holder)
    lift_loss_report(
        actor=bank_clerk,
        report=LossReport.objects.get(),
        lifter=holder,
        relation="self",
        documents=["id_card"],
        outlet=bank_outlet,
    )
    assert card_row(card) == ("normal", "normal", None, "", False, "")


# ---------------------------------------------------------------- activation


@pytest.fixture
def sealed(holder, bank) -> Card:
    return make_card(
        person=holder,
        bank=bank,
        status=CardStatus.SEALED,
        bank_status=BankStatus.NOT_OPENED,
        pin_hash="",
    )


def test_activation_sets_the_pin_and_makes_the_card_usable(bank_clerk, bank_outlet, holder, sealed):
    card = activate_card(
        actor=bank_clerk, card=sealed, pin="802417", documents=["id_card"], outlet=bank_outlet
    )
    row = Card.objects.get(pk=card.pk)
    assert (row.status, row.bank_status, row.wrong_pins) == ("normal", "normal", 0)
    assert row.pin_hash.startswith("$argon2id$")
    assert "802417" not in row.pin_hash
    assert pin_matches(row.pin_hash, "802417") is True
    assert pin_matches(row.pin_hash, "802418") is False
    assert card_status(card.number).usable is True
    assert audit_trail() == [("card.activated", "card", card.number)]
    assert notifications("activated") == [(holder.pk, holder.pk, {"card_number": card.number})]
    assert verify_pin(actor=bank_clerk, card=card, pin="802417") == PinCheck(True, 6)


def test_a_guardian_activates_a_childs_card(window, agency):
    link = make_guardianship(ward__age=9)
    card = make_card(person=link.ward, status=CardStatus.SEALED, pin_hash="")
    activate_card(
        actor=window,
        card=card,
        pin="802417",
        presenter=link.guardian,
        relation="guardian",
        documents=["household_register", "guardian_id_card"],
        outlet=agency,
    )
    assert card_row(card)[0] == "normal"
    assert [r for r, _, _ in notifications("activated")] == [link.guardian.pk]


@pytest.mark.parametrize("status", [CardStatus.IN_PRODUCTION, CardStatus.AWAITING_COLLECTION])
def test_a_card_not_yet_collected_cannot_be_activated(bank_clerk, holder, status):
    card = make_card(person=holder, status=status, bank_status=BankStatus.NOT_OPENED, pin_hash="")
    with nothing_changes(card), pytest.raises(Conflict) as exc:
        activate_card(actor=bank_clerk, card=card, pin="802417", documents=["id_card"])
    assert (exc.value.code, exc.value.status) == ("card_not_collected", 409)
    assert exc.value.extra == {"card_status": status}


def test_an_active_card_is_not_activated_again(bank_clerk, card):
    with nothing_changes(card), pytest.raises(Conflict) as exc:
        activate_card(actor=bank_clerk, card=card, pin="802417", documents=["id_card"])
    assert exc.value.code == "card_not_activatable"


@pytest.mark.parametrize(
    ("pin", "message"),
    [
        ("111111", "all six digits are the same"),
        ("000000", "all six digits are the same"),
        ("123456", "the digits run up or down"),
        ("654321", "the digits run up or down"),
        ("345678", "the digits run up or down"),
        ("987654", "the digits run up or down"),
        ("850715", "it is the holder's birth date"),  # born 1985-07-15
        ("150019", "it is the end of the holder's ID number"),  # 440106198507150019
    ],
)
def test_weak_pins_are_refused(bank_clerk, sealed, pin, message):
    with nothing_changes(sealed), pytest.raises(ValidationError) as exc:
        activate_card(actor=bank_clerk, card=sealed, pin=pin, documents=["id_card"])
    assert (exc.value.code, exc.value.status) == ("weak_pin", 422)
    assert exc.value.detail == f"This PIN is not allowed: {message}."
    assert exc.value.errors == [FieldError("pin", message)]


@pytest.mark.parametrize(
    "pin", ["", "80241", "8024170", "80241a", "８０２４１７", " 80241", "80 417", "-80241"]
)
def test_a_pin_is_exactly_six_digits(bank_clerk, sealed, pin):
    with nothing_changes(sealed), pytest.raises(ValidationError) as exc:
        activate_card(actor=bank_clerk, card=sealed, pin=pin, documents=["id_card"])
    assert (exc.value.code, exc.value.status) == ("invalid_pin", 422)
    assert exc.value.errors == [FieldError("pin", "must be exactly 6 digits")]


def test_pins_that_are_not_weak_pass():
    for pin in ("802417", "135790", "112233", "890123", "850716", "150018"):
        assert check_pin_strength(pin, social_security_number=TIANHE_MAN) == pin


@pytest.mark.parametrize("channel", ["hotline", "web", "app", "kiosk"])
def test_activation_only_at_a_counter(channel, sealed):
    remote = Actor(kind="staff", id="x", role=Role.HOTLINE_AGENT, channel=channel)
    with nothing_changes(sealed), pytest.raises(ValidationError) as exc:
        activate_card(actor=remote, card=sealed, pin="802417", documents=["id_card"])
    assert exc.value.code == "channel_not_allowed"
    assert exc.value.errors == [FieldError("channel", "must be one of: bank, window")]


def test_activation_needs_the_documents(window, agency, sealed):
    with nothing_changes(sealed), pytest.raises(ValidationError) as exc:
        activate_card(actor=window, card=sealed, pin="802417", documents=[], outlet=agency)
    assert exc.value.code == "documents_required"
    assert exc.value.errors == [FieldError("documents", "missing: id_card")]


def test_activation_at_an_outlet_without_the_service_is_refused(window, sealed):
    outlet = make_outlet(services=[Service.INQUIRY])
    with nothing_changes(sealed), pytest.raises(Conflict) as exc:
        activate_card(actor=window, card=sealed, pin="802417", documents=["id_card"], outlet=outlet)
    assert exc.value.code == "service_not_offered"


# ---------------------------------------------------------------- PIN verification


def test_a_correct_pin_is_valid(bank_clerk, card):
    with nothing_changes(card):
        assert verify_pin(actor=bank_clerk, card=card, pin=FACTORY_PIN) == PinCheck(True, 6)


def test_wrong_pins_count_down_and_lock_after_six(bank_clerk, holder, card):
    for attempt in range(1, 6):
        with pytest.raises(Forbidden) as exc:
            verify_pin(actor=bank_clerk, card=card, pin="802417")
        assert (exc.value.code, exc.value.status) == ("wrong_pin", 403)
        assert exc.value.extra == {"attempts_left": 6 - attempt}
        assert Card.objects.get(pk=card.pk).wrong_pins == attempt
    assert [a for a, _, _ in audit_trail()] == ["card.pin_wrong"] * 5
    assert notifications("pin_locked") == []
    with pytest.raises(DomainError) as locked:
        verify_pin(actor=bank_clerk, card=card, pin="802417")
    assert (locked.value.code, locked.value.status) == ("pin_locked", 423)
    assert locked.value.extra == {"attempts_left": 0}
    row = Card.objects.get(pk=card.pk)
    assert (row.status, row.wrong_pins, row.bank_status) == ("pin_locked", 6, "normal")
    assert card_status(card.number) == CardStatusView(
        card.number, "pin_locked", False, "normal", card.expires_on, None
    )
    assert audit_trail()[-1] == ("card.pin_locked", "card", card.number)
    assert notifications("pin_locked") == [(holder.pk, holder.pk, {"card_number": card.number})]
    # Even the right PIN is refused now, and nothing more is counted.
    with nothing_changes(card), pytest.raises(DomainError) as still:
        verify_pin(actor=bank_clerk, card=card, pin=FACTORY_PIN)
    assert (still.value.code, still.value.status) == ("pin_locked", 423)


def test_a_stricter_policy_locks_after_three(bank_clerk, card):
    make_policy(region_prefix="4401", wrong_pins_before_lock=3)
    assert verify_pin(actor=bank_clerk, card=card, pin=FACTORY_PIN) == PinCheck(True, 3)
    left = []
    for _ in range(2):
        with pytest.raises(Forbidden) as exc:
            verify_pin(actor=bank_clerk, card=card, pin="802417")
        left.append(exc.value.extra["attempts_left"])
    assert left == [2, 1]
    with pytest.raises(DomainError) as locked:
        verify_pin(actor=bank_clerk, card=card, pin="802417")
    assert (locked.value.code, locked.value.status) == ("pin_locked", 423)
    assert card_row(card)[0] == "pin_locked"
    assert len(notifications("pin_locked")) == 1


def test_a_correct_pin_resets_the_count(bank_clerk, card):
    for _ in range(2):
        with pytest.raises(Forbidden):
            verify_pin(actor=bank_clerk, card=card, pin="802417")
    seq = last_seq()
    assert verify_pin(actor=bank_clerk, card=card, pin=FACTORY_PIN) == PinCheck(True, 6)
    assert Card.objects.get(pk=card.pk).wrong_pins == 0
    assert audit_trail(seq) == [("card.pin_counter_reset", "card", card.number)]
    with pytest.raises(Forbidden) as exc:
        verify_pin(actor=bank_clerk, card=card, pin="802417")
    assert exc.value.extra == {"attempts_left": 5}


@pytest.mark.django_db(transaction=True)
def test_a_wrong_pin_is_counted_even_though_the_call_fails(bank_clerk):
    # Given a card, with no transaction around the call (as in a request)
    card = make_card()
    assert not connection.in_atomic_block
    # when a wrong PIN is given
    with pytest.raises(Forbidden) as exc:
        verify_pin(actor=bank_clerk, card=card, pin="802417")
    assert exc.value.extra == {"attempts_left": 5}

    # then another connection sees the count and its audit event: they were committed.
    seen: dict[str, Any] = {}

    def read() -> None:
        try:
            seen["wrong_pins"] = Card.objects.get(pk=card.pk).wrong_pins
            seen["actions"] = list(AuditEvent.objects.values_list("action", flat=True))
        finally:
            connection.close()

    reader = threading.Thread(target=read)
    reader.start()
    reader.join()
    assert seen == {"wrong_pins": 1, "actions": ["card.pin_wrong"]}


@pytest.mark.parametrize(
    ("status", "bank_status", "seen_as"),
    [
        (CardStatus.FORMALLY_LOST, BankStatus.FROZEN, "formally_lost"),
        (CardStatus.CANCELLED, BankStatus.CLOSED, "cancelled"),
        (CardStatus.SEALED, BankStatus.NOT_OPENED, "sealed"),
        (CardStatus.EXPIRED, BankStatus.NORMAL, "expired"),
    ],
)
def test_a_pin_is_not_verified_on_a_card_that_is_not_usable(
    bank_clerk, holder, status, bank_status, seen_as
):
    card = make_card(person=holder, status=status, bank_status=bank_status)
    with nothing_changes(card), pytest.raises(Conflict) as exc:
        verify_pin(actor=bank_clerk, card=card, pin="802417")
    assert (exc.value.code, exc.value.status) == ("card_not_usable", 409)
    assert exc.value.extra == {"card_status": seen_as}


def test_a_pin_is_not_verified_on_a_temporarily_lost_card(hotline, bank_clerk, holder, card):
    temporary(hotline, card, holder)
    with nothing_changes(card), pytest.raises(Conflict) as exc:
        verify_pin(actor=bank_clerk, card=card, pin=FACTORY_PIN)
    assert exc.value.code == "card_not_usable"
    assert exc.value.extra == {"card_status": "temporarily_lost"}


def test_a_pin_is_not_verified_on_a_card_past_its_expiry_date(bank_clerk, holder):
    card = make_card(person=holder, expires_on=T0.date() - DAY)
    with nothing_changes(card), pytest.raises(Conflict) as exc:
        verify_pin(actor=bank_clerk, card=card, pin=FACTORY_PIN)
    assert exc.value.extra == {"card_status": "expired"}


# ---------------------------------------------------------------- PIN reset


def test_a_pin_reset_at_the_counter_unlocks_and_replaces_the_pin(bank_clerk, window, agency, card):
    for _ in range(6):
        with pytest.raises(DomainError):
            verify_pin(actor=bank_clerk, card=card, pin="802417")
    assert card_row(card)[0] == "pin_locked"
    seq = last_seq()
    reset_pin(actor=window, card=card, new_pin="604381", documents=["id_card"], outlet=agency)
    row = Card.objects.get(pk=card.pk)
    assert (row.status, row.wrong_pins) == ("normal", 0)
    assert row.pin_hash.startswith("$argon2id$")
    assert audit_trail(seq) == [("card.pin_reset", "card", card.number)]
    assert card_status(card.number).usable is True
    with pytest.raises(Forbidden) as old_pin:
        verify_pin(actor=bank_clerk, card=card, pin=FACTORY_PIN)
    assert old_pin.value.code == "wrong_pin"
    assert verify_pin(actor=bank_clerk, card=card, pin="604381") == PinCheck(True, 6)


@pytest.mark.parametrize("channel", ["hotline", "web", "app", "kiosk"])
def test_a_pin_reset_is_refused_away_from_a_counter(channel, holder):
    card = make_card(person=holder, status=CardStatus.PIN_LOCKED, wrong_pins=6)
    remote = Actor(kind="staff", id="x", role=Role.HOTLINE_AGENT, channel=channel)
    with nothing_changes(card), pytest.raises(ValidationError) as exc:
        reset_pin(actor=remote, card=card, new_pin="604381", documents=["id_card"])
    assert exc.value.code == "channel_not_allowed"


def test_a_pin_reset_needs_documents_a_strong_pin_and_a_card_in_hand(
    window, agency, hotline, holder, card
):
    with nothing_changes(card), pytest.raises(ValidationError) as docs:
        reset_pin(actor=window, card=card, new_pin="604381", documents=[], outlet=agency)
    assert docs.value.code == "documents_required"
    with nothing_changes(card), pytest.raises(ValidationError) as weak:
        reset_pin(actor=window, card=card, new_pin="850715", documents=["id_card"], outlet=agency)
    assert weak.value.code == "weak_pin"
    temporary(hotline, card, holder)
    with nothing_changes(card), pytest.raises(Conflict) as lost:
        reset_pin(actor=window, card=card, new_pin="604381", documents=["id_card"], outlet=agency)
    assert (lost.value.code, lost.value.extra) == (
        "card_not_usable",
        {"card_status": "temporarily_lost"},
    )


# ---------------------------------------------------------------- PINs never leave the hash


def test_no_pin_appears_in_audit_events_or_outbox_messages(
    window, agency, bank_clerk, bank_outlet, holder, sealed
):
    pins = {"activation": "802417", "wrong": "513962", "reset": "604381"}
    activate_card(
        actor=bank_clerk,
        card=sealed,
        pin=pins["activation"],
        documents=["id_card"],
        outlet=bank_outlet,
    )
    for _ in range(6):
        with pytest.raises(DomainError):
            verify_pin(actor=bank_clerk, card=sealed, pin=pins["wrong"])
    reset_pin(
        actor=window, card=sealed, new_pin=pins["reset"], documents=["id_card"], outlet=agency
    )
    assert verify_pin(actor=bank_clerk, card=sealed, pin=pins["reset"]).valid
    with pytest.raises(ValidationError):
        reset_pin(actor=window, card=sealed, new_pin="111111", documents=["id_card"], outlet=agency)

    audit = json.dumps(list(AuditEvent.objects.values()), default=str, ensure_ascii=False)
    outbox = json.dumps(list(OutboxMessage.objects.values()), default=str, ensure_ascii=False)
    # activated, 5 wrong, locked, reset; the right PIN after the reset changes nothing
    assert AuditEvent.objects.count() == 8
    assert OutboxMessage.objects.filter(topic__in=["activated", "pin_locked"]).count() == 2
    for pin in [*pins.values(), "111111"]:
        assert pin not in audit
        assert pin not in outbox
    row = Card.objects.get(pk=sealed.pk)
    for pin in pins.values():
        assert pin not in row.pin_hash


def test_pin_hashes_are_salted():
    first, second = hash_pin("802417"), hash_pin("802417")
    assert first != second
    assert first.startswith("$argon2id$") and second.startswith("$argon2id$")
    assert pin_matches(first, "802417") and pin_matches(second, "802417")
    assert pin_matches("", "802417") is False
    assert pin_matches("not a hash", "802417") is False
