"""Card applications: every rule and refusal of DOMAIN.md section 5 and API.md's status machine.

Each refusal also checks that nothing changed: no application, timeline step, audit event or
outbox row was written, and no card, loss report or application row moved.
"""

from __future__ import annotations

import datetime as dt
import importlib
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from functools import partial
from io import StringIO
from typing import Any

import pytest
from django.apps import apps as django_apps
from django.core.management import call_command
from django.db import IntegrityError, transaction
from django.utils import timezone

from sscard.applications.models import ApplicationEvent, ApplicationStatus, CardApplication
from sscard.applications.receipts import is_valid_receipt_number
from sscard.applications.services.applying import apply_for_card
from sscard.applications.services.cancellation import cancel_application, lapse_uncollected
from sscard.applications.services.collection import hand_over_card
from sscard.applications.services.intake import complete_intake, record_intake
from sscard.applications.services.production import issue_instantly, record_production_event
from sscard.audit.models import AuditEvent
from sscard.audit.services import verify_chain
from sscard.background.sweep import run_sweep
from sscard.cards.models import BankStatus, Card, CardStatus, LossKind, LossReport, LossStatus
from sscard.cards.selectors import card_status
from sscard.cards.services import activate_card, lift_loss_report, report_loss
from sscard.common import clock
from sscard.common.context import Actor, Channel, Role
from sscard.common.errors import DomainError
from sscard.notifications.models import OutboxKind, OutboxMessage
from sscard.outlets.models import Outlet, OutletType, Service
from sscard.partners.models import Bank
from sscard.people.models import Person
from sscard.policy.models import RegionalPolicy
from tests.factories import (
    BankFactory,
    db_state,
    make_card,
    make_guardianship,
    make_outlet,
    make_person,
    make_policy,
)

pytestmark = pytest.mark.django_db

CHILD_DOCS = ["household_register", "guardian_id_card"]


# ---------------------------------------------------------------- helpers


@dataclass
class Desk:
    """The places and people behind the counters of one city."""

    bank: Bank
    agency: Outlet
    bank_outlet: Outlet
    community: Outlet
    window: Actor
    bank_clerk: Actor
    community_clerk: Actor
    hotline: Actor


@pytest.fixture
def desk(bank, agency, bank_outlet, window, bank_clerk, hotline) -> Desk:
    community = make_outlet(
        code="CC0001",
        name="猎德社区居委会",
        type=OutletType.COMMUNITY_COMMITTEE,
        services=[Service.INTAKE, Service.INQUIRY],
    )
    clerk = Actor(
        kind="staff",
        id="community_clerk-1",
        role=Role.COMMUNITY_CLERK,
        channel=Channel.WINDOW,
        outlet_code=community.code,
    )
    return Desk(bank, agency, bank_outlet, community, window, bank_clerk, clerk, hotline)


def _state() -> dict[str, Any]:
    """Row counts of every table, the audit head and the sequences, and every application,
    timeline step, card and loss report in full."""
    return {
        **db_state(),
        "applications": list(CardApplication.objects.order_by("pk").values()),
        "timeline": list(ApplicationEvent.objects.order_by("pk").values()),
        "cards": list(Card.objects.order_by("pk").values()),
        "reports": list(LossReport.objects.order_by("pk").values()),
    }


def refused(code: str, call: Callable[[], object]) -> DomainError:
    """`call` is refused with `code`, and nothing at all has changed."""
    before = _state()
    with pytest.raises(DomainError) as caught:
        call()
    assert caught.value.code == code, caught.value
    assert _state() == before
    return caught.value


def _fields(error: DomainError) -> list[tuple[str, str]]:
    return [(e.field, e.message) for e in error.errors]


def _formal(desk: Desk, card: Card, reporter: Person | None = None, **kw: Any) -> LossReport:
    relation = kw.pop("relation", "self")
    documents = kw.pop("documents", ["id_card"])
    return report_loss(
        actor=desk.window,
        card=card,
        kind="formal",
        reporter=reporter or card.person,
        relation=relation,
        documents=documents,
        outlet=desk.agency,
    ).report


def _apply(desk: Desk, person: Person, **kw: Any) -> CardApplication:
    args: dict[str, Any] = {
        "actor": desk.window,
        "type": "reissue",
        "person": person,
        "applicant": person,
        "relation": "self",
        "documents": ["id_card"],
        "outlet": desk.agency,
    }
    args.update(kw)
    return apply_for_card(**args)


def _event(desk: Desk, app: CardApplication, type: str, **kw: Any) -> CardApplication:
    return record_production_event(actor=desk.bank_clerk, application=app, type=type, **kw)


def _lost_holder(desk: Desk, **person: Any) -> tuple[Person, Card]:
    """An adult whose card is formally reported lost."""
    holder = make_person(**person)
    card = make_card(person=holder, bank=desk.bank)
    _formal(desk, card)
    return holder, card


def _new(app: CardApplication) -> Card:
    assert app.new_card is not None
    return app.new_card


def _last(app: CardApplication) -> ApplicationEvent:
    event = app.events.last()
    assert event is not None
    return event


def _reload(obj: Any) -> Any:
    obj.refresh_from_db()
    return obj


# ---------------------------------------------------------------- documents and acting parties


@pytest.mark.parametrize("documents", [[], ["household_register"], ["guardian_id_card"]])
def test_an_adult_brings_the_id_card(desk, documents):
    holder, _ = _lost_holder(desk, age=40)

    error = refused("documents_required", lambda: _apply(desk, holder, documents=documents))

    assert error.status == 422
    assert _fields(error) == [("documents", "missing: id_card")]
    assert error.extra["missing"] == ["id_card"]


@pytest.mark.parametrize(
    ("relation", "documents", "missing"),
    [
        ("parent", ["id_card", "guardian_id_card"], []),
        ("parent", ["household_register", "guardian_id_card"], []),
        ("parent", ["guardian_id_card"], ["id_card"]),
        ("parent", ["household_register"], ["guardian_id_card"]),
        ("parent", ["id_card"], ["guardian_id_card"]),
        ("parent", [], ["id_card", "guardian_id_card"]),
        ("legal_guardian", ["household_register", "guardian_id_card"], ["guardianship_proof"]),
        ("legal_guardian", ["id_card"], ["guardian_id_card", "guardianship_proof"]),
        ("legal_guardian", ["household_register", "guardian_id_card", "guardianship_proof"], []),
        ("legal_guardian", ["id_card", "guardian_id_card", "guardianship_proof"], []),
    ],
)
def test_documents_for_a_child(desk, relation, documents, missing):
    link = make_guardianship(ward__age=9, guardian__age=40, relation=relation)
    child, guardian = link.ward, link.guardian
    card = make_card(person=child, bank=desk.bank)
    full = CHILD_DOCS + (["guardianship_proof"] if relation == "legal_guardian" else [])
    _formal(desk, card, reporter=guardian, relation="guardian", documents=full)

    def call() -> CardApplication:
        return _apply(desk, child, applicant=guardian, relation="guardian", documents=documents)

    if missing:
        error = refused("documents_required", call)
        assert _fields(error) == [("documents", f"missing: {code}") for code in missing]
        assert error.extra["missing"] == missing
    else:
        app = call()
        assert app.status == ApplicationStatus.RECEIPT_ISSUED
        assert app.applicant == guardian and app.applicant_relation == "guardian"
        assert app.documents == sorted(documents)


def test_only_a_recorded_guardian_acts_for_a_child(desk):
    link = make_guardianship(ward__age=9, guardian__age=40)
    card = make_card(person=link.ward, bank=desk.bank)
    _formal(desk, card, reporter=link.guardian, relation="guardian", documents=CHILD_DOCS)
    stranger = make_person(age=40)

    error = refused(
        "not_guardian",
        lambda: _apply(
            desk, link.ward, applicant=stranger, relation="guardian", documents=CHILD_DOCS
        ),
    )
    assert error.status == 403


def test_nobody_acts_for_another_adult(desk):
    holder, _ = _lost_holder(desk, age=40)
    other = make_person(age=45)

    refused(
        "not_guardian",
        lambda: _apply(desk, holder, applicant=other, relation="guardian", documents=CHILD_DOCS),
    )


def test_a_child_does_not_apply_alone(desk):
    link = make_guardianship(ward__age=12, guardian__age=40)
    card = make_card(person=link.ward, bank=desk.bank)
    _formal(desk, card, reporter=link.guardian, relation="guardian", documents=CHILD_DOCS)

    error = refused("guardian_required", lambda: _apply(desk, link.ward, documents=["id_card"]))
    assert error.status == 403


def test_from_sixteen_the_holder_applies_alone(desk):
    holder, card = _lost_holder(desk, age=16)

    app = _apply(desk, holder)

    assert app.applicant == holder and app.old_card == card


# ---------------------------------------------------------------- fees and waivers


def test_reissue_fee_is_the_default_policys(desk):
    holder, _ = _lost_holder(desk)

    app = _apply(desk, holder)

    assert app.fee_amount == Decimal("20.00")
    assert (app.fee_waived, app.fee_waiver) == (False, "")


def test_a_stricter_regional_policy_sets_its_own_fees(desk):
    RegionalPolicy.objects.create(
        region_prefix="440106",
        name="天河区",
        reissue_fee=Decimal("30.00"),
        replacement_fee=Decimal("10.00"),
    )
    holder, _ = _lost_holder(desk)
    damaged = make_card(person=make_person(), bank=desk.bank)
    faulty = make_card(person=make_person(), bank=desk.bank)

    reissue = _apply(desk, holder)
    replacement = _apply(desk, damaged.person, type="replacement", reason="damaged")
    quality = _apply(desk, faulty.person, type="replacement", reason="quality_fault")

    assert (reissue.fee_amount, reissue.fee_waived) == (Decimal("30.00"), False)
    assert (replacement.fee_amount, replacement.fee_waived) == (Decimal("10.00"), False)
    assert (quality.fee_amount, quality.fee_waived, quality.fee_waiver) == (
        Decimal("0.00"),
        True,
        "quality_fault",
    )


def test_a_policy_of_another_region_does_not_apply(desk):
    RegionalPolicy.objects.create(region_prefix="4403", name="深圳市", reissue_fee=Decimal("5"))
    holder, _ = _lost_holder(desk)

    assert _apply(desk, holder).fee_amount == Decimal("20.00")


@pytest.mark.parametrize("reason", ["damaged", "expired", "info_change"])
def test_replacement_is_free_by_default_without_a_waiver(desk, reason):
    card = make_card(bank=desk.bank)

    app = _apply(desk, card.person, type="replacement", reason=reason)

    assert (app.fee_amount, app.fee_waived, app.fee_waiver) == (Decimal("0.00"), False, "")
    assert app.reason == reason and app.old_card == card


def test_replacement_for_a_quality_fault_is_waived_automatically(desk):
    card = make_card(bank=desk.bank)

    app = _apply(desk, card.person, type="replacement", reason="quality_fault")

    assert (app.fee_amount, app.fee_waived, app.fee_waiver) == (
        Decimal("0.00"),
        True,
        "quality_fault",
    )


def test_a_first_card_is_waived_automatically(desk):
    person = make_person()

    app = _apply(desk, person, type="new", bank=desk.bank)

    assert (app.fee_amount, app.fee_waived, app.fee_waiver) == (
        Decimal("0.00"),
        True,
        "first_card",
    )
    assert app.old_card is None and app.bank == desk.bank


def test_hardship_is_waived_when_given(desk):
    holder, _ = _lost_holder(desk)

    app = _apply(desk, holder, fee_waiver="hardship")

    assert (app.fee_amount, app.fee_waived, app.fee_waiver) == (
        Decimal("0.00"),
        True,
        "hardship",
    )


def test_an_unknown_waiver_is_refused(desk):
    holder, _ = _lost_holder(desk)

    error = refused("validation_error", lambda: _apply(desk, holder, fee_waiver="friend"))

    assert [f for f, _ in _fields(error)] == ["fee_waiver"]


# ---------------------------------------------------------------- receipts


def test_receipt_numbers_are_unique_and_verifiable(desk):
    apps = []
    for _ in range(6):
        holder, _ = _lost_holder(desk)
        apps.append(_apply(desk, holder))

    numbers = [app.receipt_number for app in apps]
    assert len(set(numbers)) == len(numbers)
    for number in numbers:
        assert number is not None and len(number) == 16
        assert is_valid_receipt_number(number)
        for i, char in enumerate(number):
            for other in "0123456789X":
                if other != char:
                    altered = number[:i] + other + number[i + 1 :]
                    assert not is_valid_receipt_number(altered), (number, altered)
    assert CardApplication.objects.get(receipt_number=numbers[2]) == apps[2]


# ---------------------------------------------------------------- formal loss report first


def test_a_reissue_needs_a_loss_report(desk):
    card = make_card(bank=desk.bank)

    error = refused("formal_loss_report_required", lambda: _apply(desk, card.person))
    assert error.status == 409


def test_a_temporary_report_is_not_enough_under_the_default_policy(desk):
    card = make_card(bank=desk.bank)
    report_loss(
        actor=desk.hotline, card=card, kind="temporary", reporter=card.person, relation="self"
    )

    refused("formal_loss_report_required", lambda: _apply(desk, card.person))
    assert _reload(card).status == CardStatus.TEMPORARILY_LOST


def test_where_no_formal_report_is_required_a_temporary_one_is_converted(desk):
    RegionalPolicy.objects.create(
        region_prefix="440106", name="天河区", formal_report_required=False
    )
    card = make_card(bank=desk.bank)
    temp = report_loss(
        actor=desk.hotline, card=card, kind="temporary", reporter=card.person, relation="self"
    ).report

    app = _apply(desk, card.person)

    assert app.status == ApplicationStatus.RECEIPT_ISSUED and app.old_card == card
    report = _reload(temp)
    assert report.kind == LossKind.FORMAL and report.status == LossStatus.EFFECTIVE
    assert report.expires_at is None and report.converted_at is not None
    assert report.reissue_applied_at is not None
    card.refresh_from_db()
    assert (card.status, card.lost_until) == (CardStatus.FORMALLY_LOST, None)
    assert card_status(card.number).blocked_until is None
    assert verify_chain().ok


# ---------------------------------------------------------------- one open application


def test_one_open_application_per_person(desk):
    holder, _ = _lost_holder(desk)
    first = _apply(desk, holder)

    error = refused("application_open", lambda: _apply(desk, holder))
    assert error.status == 409
    assert error.extra["open_application"] == first.number
    refused("application_open", lambda: _apply(desk, holder, type="new", bank=desk.bank))


def test_the_database_refuses_a_second_open_application(desk):
    holder, card = _lost_holder(desk)
    first = _apply(desk, holder)
    now = clock.now()

    with pytest.raises(IntegrityError), transaction.atomic():
        CardApplication.objects.create(
            number="CA-DIRECT-1",
            type="replacement",
            reason="damaged",
            person=holder,
            applicant=holder,
            applicant_relation="self",
            channel="window",
            outlet=desk.agency,
            bank=desk.bank,
            production="batch",
            delivery="pickup",
            status=ApplicationStatus.SUBMITTED,
            old_card=card,
            created_at=now,
            updated_at=now,
        )

    assert list(CardApplication.objects.filter(person=holder)) == [first]


def test_a_closed_application_does_not_block_the_next(desk):
    holder, _ = _lost_holder(desk)
    first = _apply(desk, holder)
    cancel_application(actor=desk.window, application=first, note="wrong bank")

    second = _apply(desk, holder)

    assert second.status == ApplicationStatus.RECEIPT_ISSUED
    assert _reload(first).status == ApplicationStatus.CANCELLED


# ---------------------------------------------------------------- which card, which bank


def test_a_new_card_is_refused_when_the_person_has_one(desk):
    card = make_card(bank=desk.bank)

    error = refused("card_exists", lambda: _apply(desk, card.person, type="new", bank=desk.bank))
    assert error.status == 409


@pytest.mark.parametrize("status", ["cancelled", "expired"])
def test_a_new_card_is_refused_after_an_activated_card_ended(desk, status):
    card = make_card(bank=desk.bank, status=status)

    error = refused("card_exists", lambda: _apply(desk, card.person, type="new", bank=desk.bank))
    assert error.status == 409


def test_a_first_card_that_failed_in_production_does_not_count(desk):
    failed = make_card(bank=desk.bank, status="cancelled", pin_hash="", generation=1)

    app = _apply(desk, failed.person, type="new", bank=desk.bank)
    app = record_production_event(actor=desk.bank_clerk, application=app, type="bank_accepted")
    app = record_production_event(actor=desk.bank_clerk, application=app, type="in_production")

    assert app.fee_waiver == "first_card" and app.fee_amount == 0
    assert app.new_card is not None and app.new_card.generation == 1


@pytest.mark.parametrize("kind", ["temporary", "formal"])
def test_a_lost_card_is_reissued_not_replaced(desk, kind):
    card = make_card(bank=desk.bank)
    report_loss(
        actor=desk.window,
        card=card,
        kind=kind,
        reporter=card.person,
        relation="self",
        documents=["id_card"],
        outlet=desk.agency,
    )

    refused(
        "card_not_replaceable",
        lambda: _apply(desk, card.person, type="replacement", reason="damaged"),
    )


def test_the_bank_defaults_to_the_old_cards(desk):
    boc = BankFactory.create(code="BOC", name="中国银行")
    holder = make_person()
    card = make_card(person=holder, bank=boc)
    _formal(desk, card)

    app = _apply(desk, holder)

    assert app.bank == boc


def test_the_applicant_may_choose_another_bank(desk):
    boc = BankFactory.create(code="BOC", name="中国银行")
    holder, _ = _lost_holder(desk)

    assert _apply(desk, holder, bank=boc).bank == boc


def test_a_new_card_needs_a_bank(desk):
    person = make_person()

    error = refused("bank_required", lambda: _apply(desk, person, type="new"))

    assert _fields(error) == [("bank_code", "is required")]


# ---------------------------------------------------------------- channels and outlets


@pytest.mark.parametrize("channel", [Channel.HOTLINE, Channel.WEB, Channel.APP, Channel.KIOSK])
def test_applications_are_made_at_a_counter(desk, channel):
    holder, _ = _lost_holder(desk)
    remote = Actor(kind="citizen", id="p-1", role=Role.CITIZEN, channel=channel)

    error = refused("channel_not_allowed", lambda: _apply(desk, holder, actor=remote))
    assert error.status == 422


def test_an_outlet_without_reissue_does_not_take_applications(desk):
    holder, _ = _lost_holder(desk)
    kiosk = make_outlet(
        type=OutletType.SELF_SERVICE_TERMINAL,
        services=[Service.TEMPORARY_LOSS_REPORT, Service.INQUIRY],
    )

    refused("service_not_offered", lambda: _apply(desk, holder, outlet=kiosk))
    refused("service_not_offered", lambda: _apply(desk, holder, outlet=desk.community))


def test_instant_issuance_needs_an_equipped_outlet(desk):
    holder, _ = _lost_holder(desk)

    refused("service_not_offered", lambda: _apply(desk, holder, production="instant"))


# ---------------------------------------------------------------- delivery


def test_mail_delivery_needs_an_address(desk):
    holder, _ = _lost_holder(desk)

    error = refused(
        "validation_error", lambda: _apply(desk, holder, delivery="mail", mail_address="  ")
    )
    assert _fields(error) == [("mail_address", "is required for mail")]


def test_a_mailed_card_needs_a_tracking_number(desk):
    holder, _ = _lost_holder(desk)
    app = _apply(desk, holder, delivery="mail", mail_address="广州市天河区体育西路1号")
    app = _event(desk, app, "bank_accepted")
    app = _event(desk, app, "in_production")

    error = refused("tracking_number_required", lambda: _event(desk, app, "mailed"))
    assert _fields(error) == [("tracking_number", "is required")]

    error = refused("invalid_transition", lambda: _event(desk, app, "ready_for_collection"))
    assert error.extra["current_status"] == "in_production"


def test_a_card_to_pick_up_is_not_mailed(desk):
    holder, _ = _lost_holder(desk)
    app = _apply(desk, holder)
    app = _event(desk, app, "bank_accepted")
    app = _event(desk, app, "in_production")

    error = refused(
        "invalid_transition", lambda: _event(desk, app, "mailed", tracking_number="SF100")
    )
    assert error.extra["current_status"] == "in_production"


def test_pickup_at_an_outlet(desk):
    holder, _ = _lost_holder(desk)
    app = _apply(desk, holder)
    for step in ("bank_accepted", "in_production"):
        app = _event(desk, app, step)

    app = _event(desk, app, "ready_for_collection", outlet=desk.bank_outlet)

    assert app.status == ApplicationStatus.READY_FOR_COLLECTION
    assert app.collection_outlet == desk.bank_outlet
    assert app.collect_by == clock.today() + dt.timedelta(days=365)
    assert app.tracking_number == ""
    assert card_status(_new(app).number).status == "awaiting_collection"
    note = OutboxMessage.objects.get(topic="ready_for_collection")
    assert note.recipient == holder
    assert note.payload["outlet_code"] == desk.bank_outlet.code
    assert note.payload["collect_by"] == app.collect_by.isoformat()

    app = _event(desk, app, "collected", outlet=desk.bank_outlet)
    assert app.status == ApplicationStatus.COLLECTED
    assert card_status(_new(app).number).status == "sealed"


def test_delivery_by_mail(desk):
    holder, _ = _lost_holder(desk)
    app = _apply(desk, holder, delivery="mail", mail_address="广州市天河区体育西路1号")
    for step in ("bank_accepted", "in_production"):
        app = _event(desk, app, step)

    app = _event(desk, app, "mailed", tracking_number=" SF1234567890 ")

    assert app.status == ApplicationStatus.MAILED
    assert app.tracking_number == "SF1234567890"
    # The holder brings the card in by the policy's uncollected period (365 days by default).
    assert app.collect_by == clock.today() + dt.timedelta(days=365)
    assert app.collection_outlet is None
    assert card_status(_new(app).number).status == "awaiting_collection"
    note = OutboxMessage.objects.get(topic="mailed")
    assert note.payload == {
        "number": app.number,
        "tracking_number": "SF1234567890",
        "collect_by": app.collect_by.isoformat(),
    }

    app = _event(desk, app, "collected")
    assert app.status == ApplicationStatus.COLLECTED
    assert card_status(_new(app).number).status == "sealed"


def _hand_over(desk: Desk, app: CardApplication, actor: Actor, outlet: Outlet, **kw: Any) -> Any:
    args: dict[str, Any] = {
        "actor": actor,
        "application": app,
        "outlet": outlet,
        "presenter": app.person,
        "relation": "self",
        "documents": ["id_card"],
    }
    return hand_over_card(**(args | kw))


def test_a_mailed_card_brought_to_any_counter_is_recorded_received_then_activated(desk):
    app = _bring_to(desk, "mailed", mail=True)
    new = _new(app)
    elsewhere = make_outlet(code="AG0009", name="越秀区社会保险经办中心")

    refused(
        "documents_required", lambda: _hand_over(desk, app, desk.window, elsewhere, documents=[])
    )
    app = _hand_over(desk, app, desk.window, elsewhere)

    assert app.status == ApplicationStatus.COLLECTED
    last = _last(app)
    assert (last.status, last.channel, last.outlet_code, last.note) == (
        "collected",
        "window",
        "AG0009",
        "mailed card received at the counter",
    )
    assert card_status(new.number).status == "sealed"
    assert [n.topic for n in OutboxMessage.objects.filter(topic="collected")] == ["collected"]
    card = activate_card(
        actor=desk.window, card=new, pin="802417", documents=["id_card"], outlet=elsewhere
    )
    assert card.status == CardStatus.NORMAL


@pytest.mark.parametrize("status", ["in_production", "collected"])
def test_only_a_ready_or_mailed_card_is_handed_over(desk, status):
    app = _bring_to(desk, status)

    error = refused("invalid_transition", lambda: _hand_over(desk, app, desk.window, desk.agency))

    assert error.extra["current_status"] == status


# ---------------------------------------------------------------- the status machine


def _bring_to(desk: Desk, status: str, *, mail: bool = False) -> CardApplication:
    holder = make_person()
    card = make_card(person=holder, bank=desk.bank)
    if status == "submitted":
        return record_intake(
            actor=desk.community_clerk,
            type="reissue",
            person=holder,
            applicant=holder,
            relation="self",
            outlet=desk.community,
        )
    _formal(desk, card)
    delivery = {"delivery": "mail", "mail_address": "广州市越秀区北京路2号"} if mail else {}
    app = _apply(desk, holder, **delivery)
    made = ["bank_accepted", "in_production"]
    steps = {
        "receipt_issued": [],
        "bank_accepted": ["bank_accepted"],
        "in_production": made,
        "production_failed": [*made, "production_failed"],
        "ready_for_collection": [*made, "ready_for_collection"],
        "mailed": [*made, "mailed"],
        "collected": [*made, "ready_for_collection", "collected"],
        "cancelled": ["cancelled"],
    }[status]
    for step in steps:
        app = _event(desk, app, step, tracking_number="SF1" if step == "mailed" else "")
    assert app.status == status
    return app


ALLOWED = [
    ("receipt_issued", "bank_accepted"),
    ("bank_accepted", "in_production"),
    ("in_production", "production_failed"),
    ("production_failed", "in_production"),
    ("in_production", "ready_for_collection"),
    ("in_production", "mailed"),
    ("ready_for_collection", "collected"),
    ("mailed", "collected"),
    ("receipt_issued", "cancelled"),
    ("bank_accepted", "cancelled"),
    ("in_production", "cancelled"),
    ("production_failed", "cancelled"),
    ("ready_for_collection", "cancelled"),
]


@pytest.mark.parametrize(("start", "event"), ALLOWED)
def test_allowed_transitions(desk, start, event):
    mail = event == "mailed" or start == "mailed"
    app = _bring_to(desk, start, mail=mail)
    steps = app.events.count()
    audits = AuditEvent.objects.count()

    app = _event(desk, app, event, tracking_number="SF2" if event == "mailed" else "")

    assert _reload(app).status == event
    assert app.events.count() == steps + 1
    last = _last(app)
    assert (last.status, last.channel, last.outlet_code) == (event, "bank", "BK0001")
    assert AuditEvent.objects.count() > audits
    audit = AuditEvent.objects.filter(object_id=app.number).order_by("seq").last()
    assert audit is not None and audit.action == f"application.{event}"
    assert verify_chain().ok


def test_an_intake_may_be_cancelled_before_completion(desk):
    app = _bring_to(desk, "submitted")

    app = cancel_application(actor=desk.window, application=app, note="moved away")

    assert app.status == ApplicationStatus.CANCELLED
    assert _last(app).note == "moved away"


DISALLOWED = [
    ("submitted", "bank_accepted"),
    ("submitted", "in_production"),
    ("receipt_issued", "in_production"),
    ("receipt_issued", "ready_for_collection"),
    ("receipt_issued", "collected"),
    ("receipt_issued", "production_failed"),
    ("bank_accepted", "bank_accepted"),
    ("bank_accepted", "ready_for_collection"),
    ("bank_accepted", "production_failed"),
    ("in_production", "collected"),
    ("in_production", "bank_accepted"),
    ("production_failed", "ready_for_collection"),
    ("production_failed", "collected"),
    ("ready_for_collection", "in_production"),
    ("ready_for_collection", "mailed"),
    ("mailed", "cancelled"),
    ("mailed", "in_production"),
    ("collected", "cancelled"),
    ("collected", "in_production"),
    ("collected", "collected"),
    ("cancelled", "bank_accepted"),
    ("cancelled", "cancelled"),
]


@pytest.mark.parametrize(("start", "event"), DISALLOWED)
def test_disallowed_transitions(desk, start, event):
    app = _bring_to(desk, start, mail=start == "mailed")
    # An actor not bound to a bank, so that the refusal is the status machine's.
    supervisor = Actor(
        kind="staff",
        id="supervisor-1",
        role=Role.SUPERVISOR,
        channel=Channel.WINDOW,
        outlet_code=desk.agency.code,
    )

    error = refused(
        "invalid_transition",
        lambda: record_production_event(
            actor=supervisor, application=app, type=event, tracking_number="SF3"
        ),
    )

    assert error.status == 409
    assert error.extra["current_status"] == start


def test_a_lapsed_application_is_closed(desk):
    app = _bring_to(desk, "ready_for_collection")
    with clock.frozen_at(clock.now() + dt.timedelta(days=366)):
        lapse_uncollected()
    assert _reload(app).status == ApplicationStatus.LAPSED

    for event in ("collected", "cancelled", "mailed"):
        error = refused(
            "invalid_transition", partial(_event, desk, app, event, tracking_number="SF4")
        )
        assert error.extra["current_status"] == "lapsed"


def test_an_unknown_event_is_refused(desk):
    app = _bring_to(desk, "receipt_issued")

    refused("validation_error", lambda: _event(desk, app, "lapsed"))
    refused("validation_error", lambda: _event(desk, app, "receipt_issued"))


def test_a_card_is_collected_only_where_collection_is_offered(desk):
    app = _bring_to(desk, "ready_for_collection")
    kiosk = make_outlet(
        type=OutletType.SELF_SERVICE_TERMINAL, services=[Service.TEMPORARY_LOSS_REPORT]
    )

    refused("service_not_offered", lambda: _event(desk, app, "collected", outlet=kiosk))
    assert _event(desk, app, "collected", outlet=desk.agency).status == "collected"


# ---------------------------------------------------------------- production, retry, cards


def test_retry_after_a_failed_production(desk):
    holder, old = _lost_holder(desk)
    app = _apply(desk, holder)
    app = _event(desk, app, "bank_accepted")
    app = _event(desk, app, "in_production")
    first = _new(app)

    app = _event(desk, app, "production_failed", note="chip fault")

    assert app.status == ApplicationStatus.PRODUCTION_FAILED
    assert _reload(first).status == CardStatus.CANCELLED
    assert OutboxMessage.objects.filter(topic="production_failed", recipient=holder).count() == 1

    app = _event(desk, app, "in_production")
    second = _new(app)
    assert second.pk != first.pk and second.number != first.number
    assert second.status == CardStatus.IN_PRODUCTION
    assert _reload(app).new_card == second
    assert (first.generation, second.generation) == (old.generation + 1, old.generation + 1)
    assert second.account_number == old.account_number and second.bank == desk.bank

    app = _event(desk, app, "ready_for_collection")
    app = _event(desk, app, "collected")
    assert card_status(second.number).status == "sealed"
    assert card_status(first.number).status == "cancelled"
    assert verify_chain().ok


def test_the_old_card_is_cancelled_when_the_bank_accepts_a_reissue(desk):
    holder, old = _lost_holder(desk)
    report = old.loss_reports.get()
    app = _apply(desk, holder)
    assert _reload(report).reissue_applied_at is not None

    refused(
        "reissue_in_progress",
        lambda: lift_loss_report(
            actor=desk.window,
            report=report,
            lifter=holder,
            relation="self",
            documents=["id_card"],
            outlet=desk.agency,
        ),
    )
    assert card_status(old.number).status == "formally_lost"

    app = _event(desk, app, "bank_accepted")

    old.refresh_from_db()
    assert (old.status, old.bank_status) == (CardStatus.CANCELLED, BankStatus.CLOSED)
    assert _reload(report).status == LossStatus.CLOSED
    assert app.expected_ready_on is not None and app.expected_ready_on > clock.today()
    refused(
        "report_not_effective",
        lambda: lift_loss_report(
            actor=desk.window,
            report=report,
            lifter=holder,
            relation="self",
            documents=["id_card"],
            outlet=desk.agency,
        ),
    )
    assert OutboxMessage.objects.filter(topic="card.cancelled", bank=desk.bank).count() == 1


def test_a_replaced_card_is_cancelled_at_collection(desk):
    old = make_card(bank=desk.bank)
    app = _apply(desk, old.person, type="replacement", reason="damaged")
    for step in ("bank_accepted", "in_production", "ready_for_collection"):
        app = _event(desk, app, step)
        assert card_status(old.number).usable is True, step

    app = _event(desk, app, "collected", outlet=desk.bank_outlet)

    old.refresh_from_db()
    assert (old.status, old.bank_status) == (CardStatus.CANCELLED, BankStatus.CLOSED)
    assert card_status(_new(app).number).status == "sealed"
    assert _new(app).generation == old.generation + 1


def test_instant_issuance_at_an_equipped_outlet(desk):
    holder, old = _lost_holder(desk)
    app = _apply(desk, holder, outlet=desk.bank_outlet, actor=desk.bank_clerk, production="instant")
    assert app.status == ApplicationStatus.RECEIPT_ISSUED

    app = issue_instantly(actor=desk.bank_clerk, application=app, outlet=desk.bank_outlet)

    assert app.status == ApplicationStatus.READY_FOR_COLLECTION
    assert app.expected_ready_on == clock.today()
    assert app.collection_outlet == desk.bank_outlet
    new = _reload(app.new_card)
    assert new.status == CardStatus.AWAITING_COLLECTION
    assert _reload(old).status == CardStatus.CANCELLED
    assert list(app.events.values_list("status", flat=True)) == [
        "submitted",
        "receipt_issued",
        "bank_accepted",
        "in_production",
        "ready_for_collection",
    ]
    assert verify_chain().ok


def test_instant_issuance_is_refused_for_batch_or_at_an_unequipped_outlet(desk):
    holder, _ = _lost_holder(desk)
    batch = _apply(desk, holder)

    error = refused(
        "invalid_transition",
        lambda: issue_instantly(actor=desk.bank_clerk, application=batch, outlet=desk.bank_outlet),
    )
    assert error.extra["current_status"] == "receipt_issued"
    refused(
        "service_not_offered",
        lambda: issue_instantly(actor=desk.window, application=batch, outlet=desk.agency),
    )


def test_cancelling_an_application_cancels_its_new_card(desk):
    card = make_card(bank=desk.bank)
    app = _apply(desk, card.person, type="replacement", reason="info_change")
    app = _event(desk, app, "bank_accepted")
    app = _event(desk, app, "in_production")

    app = cancel_application(actor=desk.window, application=app, note="changed mind")

    assert app.status == ApplicationStatus.CANCELLED
    assert card_status(_new(app).number).status == "cancelled"
    assert card_status(card.number).usable is True
    assert OutboxMessage.objects.filter(topic="application.cancelled").count() == 1


def test_a_reissue_cancelled_before_acceptance_lets_the_report_be_lifted(desk):
    holder, old = _lost_holder(desk)
    report = old.loss_reports.get()
    app = _apply(desk, holder)

    cancel_application(actor=desk.window, application=app, note="card found")

    assert _reload(report).reissue_applied_at is None
    lifted = lift_loss_report(
        actor=desk.window,
        report=report,
        lifter=holder,
        relation="self",
        documents=["id_card"],
        outlet=desk.agency,
    )
    assert lifted.status == LossStatus.LIFTED
    view = card_status(old.number)
    assert (view.status, view.usable, view.bank_status) == ("normal", True, "normal")
    assert verify_chain().ok


def test_a_bank_moves_only_its_own_applications(desk):
    holder, _ = _lost_holder(desk)
    app = _apply(desk, holder)
    boc = BankFactory.create(code="BOC", name="中国银行")
    boc_outlet = make_outlet(
        type=OutletType.BANK_OUTLET,
        bank=boc,
        services=[Service.INSTANT_ISSUANCE, Service.COLLECTION],
    )
    other = Actor(
        kind="staff",
        id="bank_clerk-9",
        role=Role.BANK_CLERK,
        channel=Channel.BANK,
        outlet_code=boc_outlet.code,
        bank_code="BOC",
    )

    for event in ("bank_accepted", "cancelled"):
        error = refused(
            "wrong_bank",
            partial(record_production_event, actor=other, application=app, type=event),
        )
        assert error.status == 403
    assert _event(desk, app, "bank_accepted").status == ApplicationStatus.BANK_ACCEPTED


# ---------------------------------------------------------------- community intake


def test_a_community_intake_is_completed_at_the_window(desk):
    holder, old = _lost_holder(desk)

    app = record_intake(
        actor=desk.community_clerk,
        type="reissue",
        person=holder,
        applicant=holder,
        relation="self",
        outlet=desk.community,
        note="lost on the bus",
    )

    assert app.status == ApplicationStatus.SUBMITTED
    assert app.receipt_number is None and app.documents == []
    assert app in CardApplication.objects.filter(status=ApplicationStatus.SUBMITTED)
    assert app.events.get().note == "lost on the bus"
    refused("application_open", lambda: _apply(desk, holder))
    refused(
        "documents_required",
        lambda: complete_intake(
            actor=desk.window, application=app, documents=[], outlet=desk.agency
        ),
    )

    app = complete_intake(
        actor=desk.window, application=app, documents=["id_card"], outlet=desk.agency
    )

    assert app.status == ApplicationStatus.RECEIPT_ISSUED
    assert app.receipt_number is not None and is_valid_receipt_number(app.receipt_number)
    assert app.outlet == desk.agency and app.bank == desk.bank and app.old_card == old
    assert app.fee_amount == Decimal("20.00")
    assert old.loss_reports.get().reissue_applied_at is not None
    assert list(app.events.values_list("status", "outlet_code")) == [
        ("submitted", "CC0001"),
        ("receipt_issued", "AG0001"),
    ]


def test_only_a_community_committee_takes_an_intake(desk):
    holder, _ = _lost_holder(desk)

    refused(
        "service_not_offered",
        lambda: record_intake(
            actor=desk.window,
            type="reissue",
            person=holder,
            applicant=holder,
            relation="self",
            outlet=desk.agency,
        ),
    )


def test_an_intake_for_a_child_needs_the_guardian(desk):
    link = make_guardianship(ward__age=7, guardian__age=35)
    stranger = make_person()

    refused(
        "guardian_required",
        lambda: record_intake(
            actor=desk.community_clerk,
            type="reissue",
            person=link.ward,
            applicant=link.ward,
            relation="self",
            outlet=desk.community,
        ),
    )
    refused(
        "not_guardian",
        lambda: record_intake(
            actor=desk.community_clerk,
            type="reissue",
            person=link.ward,
            applicant=stranger,
            relation="guardian",
            outlet=desk.community,
        ),
    )


# ---------------------------------------------------------------- lapse, notifications, timeline


def test_a_mailed_card_never_brought_in_lapses_like_an_uncollected_one(desk):
    app = _bring_to(desk, "mailed", mail=True)
    new = _new(app)
    told_before = OutboxMessage.objects.filter(topic="card.cancelled").count()

    with clock.frozen_at(clock.now() + dt.timedelta(days=365)):
        assert lapse_uncollected() == 0
    assert _reload(app).status == ApplicationStatus.MAILED

    with clock.frozen_at(clock.now() + dt.timedelta(days=366)):
        assert lapse_uncollected() == 1
        assert lapse_uncollected() == 0

    app.refresh_from_db()
    assert app.status == ApplicationStatus.LAPSED
    assert _reload(new).status == CardStatus.CANCELLED
    last = _last(app)
    assert (last.status, last.channel, last.note) == (
        "lapsed",
        "system",
        "mailed card not brought to a counter within the policy's period",
    )
    # The bank is told its card is sealed off, as for a card never collected at an outlet.
    told = OutboxMessage.objects.filter(topic="card.cancelled")
    assert told.count() == told_before + 1
    sealed_off = [m for m in told if m.payload["data"]["card_number"] == new.number]
    assert [(m.bank, m.payload["data"]["reason"]) for m in sealed_off] == [
        (desk.bank, "not collected in time: sealed off")
    ]
    assert verify_chain().ok
    refused(
        "invalid_transition",
        lambda: _hand_over(desk, app, desk.window, desk.agency),
    )


def test_mailed_cards_of_before_get_their_day_to_be_brought_in_by(desk):
    """The data migration: a card mailed before mailing set the day gets it from the day it
    was mailed and the policy of its region; the reverse takes it away again."""
    migration = importlib.import_module(
        "sscard.applications.migrations.0002_mailed_cards_collect_by"
    )
    make_policy(region_prefix="4401", uncollected_lapse_days=180)
    app = _bring_to(desk, "mailed", mail=True)
    CardApplication.objects.filter(pk=app.pk).update(collect_by=None)
    mailed_on = timezone.localdate(app.events.get(status="mailed").at)

    migration.set_collect_by(django_apps, None)

    assert _reload(app).collect_by == mailed_on + dt.timedelta(days=180)
    migration.clear_collect_by(django_apps, None)
    assert _reload(app).collect_by is None


@pytest.mark.parametrize("sweep", ["sscard sweep", "the worker's sweep"])
def test_both_sweeps_lapse_a_mailed_card_never_brought_in(desk, sweep):
    app = _bring_to(desk, "mailed", mail=True)

    with clock.frozen_at(clock.now() + dt.timedelta(days=366)):
        if sweep == "sscard sweep":
            out = StringIO()
            call_command("sweep", stdout=out)
            assert "uncollected cards lapsed: 1;" in out.getvalue()
        else:
            assert run_sweep()["uncollected cards lapsed"] == 1

    assert _reload(app).status == ApplicationStatus.LAPSED


def test_an_uncollected_card_lapses(desk):
    app = _bring_to(desk, "ready_for_collection")
    new = app.new_card

    with clock.frozen_at(clock.now() + dt.timedelta(days=365)):
        assert lapse_uncollected() == 0
    assert _reload(app).status == ApplicationStatus.READY_FOR_COLLECTION

    with clock.frozen_at(clock.now() + dt.timedelta(days=366)):
        assert lapse_uncollected() == 1
        assert lapse_uncollected() == 0

    app.refresh_from_db()
    assert app.status == ApplicationStatus.LAPSED
    assert _reload(new).status == CardStatus.CANCELLED
    assert _last(app).status == "lapsed"
    assert verify_chain().ok
    # The person may apply again: the lapsed card stands for the lost one.
    again = _apply(desk, app.person)
    assert again.old_card == new


def test_notifications_about_a_childs_application_go_to_the_guardian(desk):
    link = make_guardianship(ward__age=9, guardian__age=38)
    child, parent = link.ward, link.guardian
    card = make_card(person=child, bank=desk.bank)
    _formal(desk, card, reporter=parent, relation="guardian", documents=CHILD_DOCS)
    app = _apply(desk, child, applicant=parent, relation="guardian", documents=CHILD_DOCS)
    for step in (
        "bank_accepted",
        "in_production",
        "production_failed",
        "in_production",
        "ready_for_collection",
        "collected",
    ):
        app = _event(desk, app, step)

    notes = OutboxMessage.objects.filter(kind=OutboxKind.NOTIFICATION, subject=child)
    assert set(notes.values_list("recipient", flat=True)) == {parent.pk}
    assert set(notes.values_list("topic", flat=True)) >= {
        "receipt_issued",
        "bank_accepted",
        "production_failed",
        "ready_for_collection",
        "collected",
    }
    assert not OutboxMessage.objects.filter(recipient=child).exists()


def test_the_timeline_records_each_step_in_order(desk):
    holder, _ = _lost_holder(desk)
    app = record_intake(
        actor=desk.community_clerk,
        type="reissue",
        person=holder,
        applicant=holder,
        relation="self",
        outlet=desk.community,
    )
    app = complete_intake(
        actor=desk.window, application=app, documents=["id_card"], outlet=desk.agency
    )
    app = _event(desk, app, "bank_accepted")
    app = _event(desk, app, "in_production")
    app = _event(desk, app, "ready_for_collection", outlet=desk.bank_outlet)
    app = _event(desk, app, "collected", outlet=desk.bank_outlet, note="collected with ID")

    rows = list(app.events.all())
    assert [(e.status, e.channel, e.outlet_code) for e in rows] == [
        ("submitted", "window", "CC0001"),
        ("receipt_issued", "window", "AG0001"),
        ("bank_accepted", "bank", "BK0001"),
        ("in_production", "bank", "BK0001"),
        ("ready_for_collection", "bank", "BK0001"),
        ("collected", "bank", "BK0001"),
    ]
    assert [e.at for e in rows] == sorted(e.at for e in rows)
    assert rows[-1].note == "collected with ID"
    actions = list(
        AuditEvent.objects.filter(object_type="card_application", object_id=app.number)
        .order_by("seq")
        .values_list("action", flat=True)
    )
    assert actions == [f"application.{e.status}" for e in rows]
    assert verify_chain().ok


def test_an_intake_gives_a_reason_only_for_a_replacement(desk):
    """The window could never complete it: the request of an application has a reason only
    for a replacement, and the intake is held to the same rule."""
    holder = make_person(age=40)
    make_card(person=holder, bank=desk.bank)
    error = refused(
        "validation_error",
        lambda: record_intake(
            actor=desk.community_clerk,
            type="reissue",
            reason="damaged",
            person=holder,
            applicant=holder,
            relation="self",
            outlet=desk.community,
        ),
    )
    assert error.status == 422
    assert _fields(error) == [("reason", "only for type replacement")]
    assert not CardApplication.objects.filter(person=holder).exists()
