"""The two seeds end to end, through the HTTP API only, as the partners would drive them:
the 12333 telephony system, the agency's window, the bank where the card was opened, a
hospital's point of use and the mobile app.

seeds/000: an adult loses the card, reports it, and gets a new one at the bank.
seeds/004: a parent reports a child's lost card and has it reissued.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any

import pytest

from sscard.applications.receipts import is_valid_receipt_number
from sscard.audit.services import verify_chain
from sscard.cards.models import Card
from sscard.common import clock
from sscard.common.clock import frozen_at
from sscard.notifications.models import OutboxKind, OutboxMessage
from sscard.outlets.models import Outlet, OutletType, Service
from sscard.people.models import Person
from tests.conftest import ApiCaller
from tests.factories import make_card, make_guardianship, make_outlet, make_person

if TYPE_CHECKING:
    # What Django's test client answers: an HttpResponse with .json().
    from django.test.client import _MonkeyPatchedWSGIResponse as HttpResponse

pytestmark = pytest.mark.django_db

SHANGHAI = dt.timezone(dt.timedelta(hours=8))
# A Tuesday, 10:00 in Beijing.
T0 = dt.datetime(2026, 3, 10, 10, 0, tzinfo=SHANGHAI)
DAY = dt.timedelta(days=1)
HOUR = dt.timedelta(hours=1)
MINUTE = dt.timedelta(minutes=1)
NEW_PIN = "802417"


@pytest.fixture(autouse=True)
def clock_at_t0() -> Iterator[None]:
    with frozen_at(T0):
        yield


# ---------------------------------------------------------------- the partners' tokens


@pytest.fixture
def hotline(make_token: Callable[..., str]) -> str:
    """The 12333 telephony system: no outlet, no bank."""
    return make_token("loss:report", name="12333-hotline")


@pytest.fixture
def medical_insurance_agency() -> Outlet:
    # A medical insurance agency is a social insurance agency (API.md, outlets).
    return make_outlet(
        code="MI0001",
        name="天河区医疗保险经办中心",
        type=OutletType.SOCIAL_INSURANCE_AGENCY,
        services=[
            Service.FORMAL_LOSS_REPORT,
            Service.LIFT,
            Service.REISSUE,
            Service.INQUIRY,
        ],
    )


@pytest.fixture
def window(make_token: Callable[..., str], agency: Outlet) -> str:
    return make_token(
        "loss:report,loss:lift,applications:write,applications:read",
        outlet=agency.code,
        name="agency-window",
    )


@pytest.fixture
def medical_window(make_token: Callable[..., str], medical_insurance_agency: Outlet) -> str:
    return make_token(
        "loss:report,applications:write,applications:read",
        outlet=medical_insurance_agency.code,
        name="medical-insurance-window",
    )


@pytest.fixture
def bank_counter(make_token: Callable[..., str], bank_outlet: Outlet) -> str:
    return make_token(
        "applications:read,production:write,cards:activate,pins:verify",
        outlet=bank_outlet.code,
        name="icbc-tianhe",
    )


@pytest.fixture
def hospital(make_token: Callable[..., str]) -> str:
    return make_token("cards:verify", name="hospital-pos")


# ---------------------------------------------------------------- helpers


def ok(response: HttpResponse, status: int = 200) -> Any:
    assert response.status_code == status, response.content
    return response.json()


def at(value: str | None) -> dt.datetime | None:
    return None if value is None else dt.datetime.fromisoformat(value)


def later(delta: dt.timedelta = MINUTE) -> None:
    clock.travel(delta)


def who(person: Person, relation: str = "self") -> dict[str, str]:
    return {
        "social_security_number": person.social_security_number,
        "name": person.name,
        "relation": relation,
    }


def status(api: ApiCaller, token: str, number: str) -> tuple[Any, ...]:
    body = ok(api.get(f"/cards/{number}/status", token=token))
    return body["status"], body["usable"], body["bank_status"], at(body["blocked_until"])


def produce_and_collect(api: ApiCaller, bank: str, number: str) -> dict[str, Any]:
    """The bank's steps after accepting: make the card, call the holder in, hand it over."""
    body: dict[str, Any] = {}
    for step in ("in_production", "ready_for_collection", "collected"):
        later(DAY)
        body = ok(api.post(f"/card-applications/{number}/events", {"type": step}, token=bank))
        assert body["status"] == step
    return body


def outbox(kind: str) -> list[OutboxMessage]:
    return list(OutboxMessage.objects.filter(kind=kind).order_by("created_at", "topic"))


def assert_no_personal_data(people: list[Person], cards: list[Card]) -> None:
    """Webhooks and notifications carry card numbers and references, never an ID number, a
    name, a phone number or a bank account."""
    secrets = [
        value
        for person in people
        for value in (person.social_security_number, person.name, person.phone)
    ] + [card.account_number for card in cards]
    for message in OutboxMessage.objects.all():
        text = json.dumps(message.payload, ensure_ascii=False)
        for secret in secrets:
            assert secret not in text, (message.topic, secret)


# ---------------------------------------------------------------- seeds/000


def test_an_adult_who_lost_the_card_gets_a_new_one(
    api, hotline, window, bank_counter, hospital, citizen_token, bank, bank_outlet
):
    holder = make_person(name="张伟", age=40, phone="13912345678")
    old = make_card(person=holder, bank=bank)
    ssn = holder.social_security_number

    # 3. "You can call 12333 to report the loss": the card is blocked at once.
    reported = ok(
        api.post(
            "/loss-reports",
            {
                "social_security_number": ssn,
                "kind": "temporary",
                "channel": "hotline",
                "reporter": who(holder),
            },
            token=hotline,
        ),
        201,
    )
    reference = reported["reference"]
    assert (reported["card_number"], reported["kind"], at(reported["expires_at"])) == (
        old.number,
        "temporary",
        T0 + 7 * DAY,
    )
    assert status(api, hospital, old.number) == (
        "temporarily_lost",
        False,
        "frozen",
        T0 + 7 * DAY,
    )

    # 5. "Go to the local social security window to report the loss in writing", with the
    # original ID card (2.): the same report becomes formal and no longer lapses.
    later(DAY)
    formal = ok(
        api.post(
            "/loss-reports",
            {
                "card_number": old.number,
                "kind": "formal",
                "channel": "window",
                "reporter": who(holder),
                "documents": ["id_card"],
            },
            token=window,
        ),
        200,
    )
    assert (formal["reference"], formal["kind"], formal["action"], formal["expires_at"]) == (
        reference,
        "formal",
        "converted",
        None,
    )
    assert status(api, hospital, old.number) == ("formally_lost", False, "frozen", None)

    # 1. Reissue at the social security bureau's window: the receipt is issued at once.
    later()
    application = ok(
        api.post(
            "/card-applications",
            {
                "type": "reissue",
                "social_security_number": ssn,
                "applicant": who(holder),
                "documents": ["id_card"],
                "outlet_code": "AG0001",
            },
            token=window,
        ),
        201,
    )
    number, receipt = application["number"], application["receipt_number"]
    assert is_valid_receipt_number(receipt)
    assert (
        application["status"],
        application["fee"],
        application["old_card_number"],
        application["bank_code"],
    ) == ("receipt_issued", {"amount": "20.00", "currency": "CNY"}, old.number, "ICBC")

    # 4. At the bank where the card was opened: the receipt is found and accepted; the old card
    # is cancelled for good.
    later(DAY)
    [found] = ok(api.get("/card-applications", token=bank_counter, receipt_number=receipt))
    assert found["number"] == number
    accepted = ok(
        api.post(
            f"/card-applications/{number}/events", {"type": "bank_accepted"}, token=bank_counter
        )
    )
    assert accepted["status"] == "bank_accepted"
    assert status(api, hospital, old.number) == ("cancelled", False, "closed", None)

    collected = produce_and_collect(api, bank_counter, number)
    new = collected["new_card_number"]
    assert new is not None and new != old.number
    assert status(api, hospital, new) == ("sealed", False, "not_opened", None)

    # 6. "The new card needs to be activated before it can be used": at the bank, with a PIN.
    later(HOUR)
    activated = ok(
        api.post(
            f"/cards/{new}/activation",
            {"pin": NEW_PIN, "documents": ["id_card"]},
            token=bank_counter,
        )
    )
    assert (activated["status"], activated["usable"], activated["bank_status"]) == (
        "normal",
        True,
        "normal",
    )
    assert status(api, hospital, new) == ("normal", True, "normal", None)
    assert status(api, hospital, old.number) == ("cancelled", False, "closed", None)
    assert ok(api.post(f"/cards/{new}/pin/verify", {"pin": NEW_PIN}, token=bank_counter)) == {
        "valid": True,
        "attempts_left": 6,
    }

    # The holder follows it all in the app; the report closed with the old card.
    seen = ok(api.get(f"/card-applications/{number}", token=citizen_token(holder)))
    assert [step["status"] for step in seen["timeline"]] == [
        "submitted",
        "receipt_issued",
        "bank_accepted",
        "in_production",
        "ready_for_collection",
        "collected",
    ]
    report = ok(api.get(f"/loss-reports/{reference}", token=hotline))
    assert (report["status"], report["reissue_applied"], report["card_status"]) == (
        "closed",
        True,
        "cancelled",
    )

    # The holder was told at each step; the bank heard of the block, the receipt and the
    # cancellation.
    notes = outbox(OutboxKind.NOTIFICATION)
    assert [(m.topic, m.recipient_id, m.subject_id) for m in notes] == [
        (topic, holder.pk, holder.pk)
        for topic in (
            "loss_report_effective",
            "loss_report_effective",
            "receipt_issued",
            "bank_accepted",
            "ready_for_collection",
            "collected",
            "activated",
        )
    ]
    hooks = outbox(OutboxKind.WEBHOOK)
    assert [(m.topic, m.bank_id) for m in hooks] == [
        ("card.blocked", bank.pk),
        ("card.blocked", bank.pk),
        ("application.receipt_issued", bank.pk),
        ("card.cancelled", bank.pk),
    ]
    assert [m.payload["data"].get("kind") for m in hooks[:2]] == ["temporary", "formal"]
    assert hooks[2].payload["data"] == {
        "number": number,
        "receipt_number": receipt,
        "type": "reissue",
        "old_card_number": old.number,
    }
    assert hooks[3].payload["data"] == {"card_number": old.number, "reason": "reissued after loss"}
    assert len({m.payload["id"] for m in hooks}) == 4
    assert_no_personal_data([holder], [old, Card.objects.get(number=new)])
    assert verify_chain().ok


# ---------------------------------------------------------------- seeds/004


def test_a_parent_reports_a_childs_lost_card_and_has_it_reissued(
    api,
    hotline,
    medical_window,
    bank_counter,
    hospital,
    citizen_token,
    bank,
    bank_outlet,
    medical_insurance_agency,
):
    link = make_guardianship(
        guardian__name="李娜",
        guardian__age=38,
        guardian__phone="13698765432",
        ward__name="李小龙",
        ward__age=9,
        ward__phone="13511112222",
    )
    parent, child = link.guardian, link.ward
    old = make_card(person=child, bank=bank)

    # 1. Report the loss: call 12333, and the parent reports for the child.
    reported = ok(
        api.post(
            "/loss-reports",
            {
                "social_security_number": child.social_security_number,
                "kind": "temporary",
                "channel": "hotline",
                "reporter": who(parent, "guardian"),
            },
            token=hotline,
        ),
        201,
    )
    reference = reported["reference"]
    assert status(api, hospital, old.number) == (
        "temporarily_lost",
        False,
        "frozen",
        T0 + 7 * DAY,
    )

    # 2. With the child's household registration book and the guardian's ID card, the written
    # report at the medical insurance agency, and the Receipt for Reissuing.
    later(DAY)
    documents = ["household_register", "guardian_id_card"]
    formal = ok(
        api.post(
            "/loss-reports",
            {
                "card_number": old.number,
                "kind": "formal",
                "channel": "window",
                "reporter": who(parent, "guardian"),
                "documents": documents,
            },
            token=medical_window,
        ),
        200,
    )
    assert (formal["reference"], formal["action"]) == (reference, "converted")
    later()
    application = ok(
        api.post(
            "/card-applications",
            {
                "type": "reissue",
                "social_security_number": child.social_security_number,
                "applicant": who(parent, "guardian"),
                "documents": documents,
                "outlet_code": "MI0001",
            },
            token=medical_window,
        ),
        201,
    )
    number, receipt = application["number"], application["receipt_number"]
    assert (application["status"], application["outlet_code"], application["bank_code"]) == (
        "receipt_issued",
        "MI0001",
        "ICBC",
    )
    assert [(s["status"], s["channel"], s["outlet_code"]) for s in application["timeline"]] == [
        ("submitted", "window", "MI0001"),
        ("receipt_issued", "window", "MI0001"),
    ]

    # 3. The receipt goes to the bank where the card was opened, which applies for the card.
    later(DAY)
    [found] = ok(api.get("/card-applications", token=bank_counter, receipt_number=receipt))
    assert (found["number"], found["old_card_number"]) == (number, old.number)
    ok(
        api.post(
            f"/card-applications/{number}/events", {"type": "bank_accepted"}, token=bank_counter
        )
    )
    assert status(api, hospital, old.number) == ("cancelled", False, "closed", None)

    # 4. The bank prints the card and tells the family to come and get it.
    collected = produce_and_collect(api, bank_counter, number)
    new = collected["new_card_number"]
    ready = OutboxMessage.objects.get(kind=OutboxKind.NOTIFICATION, topic="ready_for_collection")
    assert ready.recipient_id == parent.pk
    assert (ready.payload["outlet_code"], ready.payload["number"]) == ("BK0001", number)

    # The parent activates it for the child.
    later(HOUR)
    activated = ok(
        api.post(
            f"/cards/{new}/activation",
            {
                "pin": NEW_PIN,
                "documents": documents,
                "presenter": {
                    "social_security_number": parent.social_security_number,
                    "relation": "guardian",
                },
            },
            token=bank_counter,
        )
    )
    assert activated["status"] == "normal"
    assert status(api, hospital, new) == ("normal", True, "normal", None)

    # The parent follows the child's application in the app.
    seen = ok(api.get(f"/card-applications/{number}", token=citizen_token(parent)))
    assert (seen["status"], seen["new_card_number"]) == ("collected", new)

    # Notifications about a ward's card go to the guardian, never to the child.
    notes = outbox(OutboxKind.NOTIFICATION)
    assert [(m.topic, m.recipient_id, m.subject_id) for m in notes] == [
        (topic, parent.pk, child.pk)
        for topic in (
            "loss_report_effective",
            "loss_report_effective",
            "receipt_issued",
            "bank_accepted",
            "ready_for_collection",
            "collected",
            "activated",
        )
    ]
    assert [m.topic for m in outbox(OutboxKind.WEBHOOK)] == [
        "card.blocked",
        "card.blocked",
        "application.receipt_issued",
        "card.cancelled",
    ]
    assert_no_personal_data([parent, child], [old, Card.objects.get(number=new)])
    assert verify_chain().ok
