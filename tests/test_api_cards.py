"""API v1 cards (API.md "Cards"): the status lookup at a point of use, reading a card,
activation at a counter, and PINs.

Each refusal is checked for its problem (status, code, fields) and, unless the rule itself
counts the attempt (a wrong PIN), for leaving the database exactly as it was.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

import pytest

from sscard.audit.models import AuditEvent
from sscard.cards.models import BankStatus, Card, CardStatus
from sscard.cards.numbers import card_number_for
from sscard.cards.pins import pin_matches
from sscard.cards.services import report_loss
from sscard.common.clock import frozen_at
from sscard.common.context import Actor, Channel, Role
from sscard.notifications.models import OutboxMessage
from sscard.outlets.models import OutletType, Service
from sscard.people.models import Person
from tests.factories import (
    BankFactory,
    BankOutletFactory,
    db_state,
    make_card,
    make_guardianship,
    make_outlet,
    make_person,
    make_policy,
    nothing_changes,
)

pytestmark = pytest.mark.django_db

SHANGHAI = dt.timezone(dt.timedelta(hours=8))
# A Tuesday, 10:00 in Beijing: the clock is frozen here for every test.
T0 = dt.datetime(2026, 3, 10, 10, 0, tzinfo=SHANGHAI)
DAY = dt.timedelta(days=1)
# The default policy: a temporary report runs for 7 calendar days; 6 wrong PINs lock.
LAPSE = T0 + 7 * DAY
# Tianhe district of Guangzhou, born 1990-03-07, a woman.
WOMAN = "44010619900307028X"
# Yuexiu district of Guangzhou, born 1985-07-15, a man: birth date 850715, ends 150198.
MAN = "440104198507150198"
# Tianhe, born 2018-05-20, a boy (7 years old at T0).
CHILD = "440106201805200074"
DEMO_PIN = "147258"
NEW_PIN = "802413"
ACCOUNT = "6222020200112233445"


@pytest.fixture(autouse=True)
def clock_at_t0() -> Iterator[None]:
    with frozen_at(T0):
        yield


@pytest.fixture
def holder() -> Person:
    return make_person(social_security_number=WOMAN, name="王芳")


@pytest.fixture
def card(holder, bank) -> Card:
    return make_card(
        person=holder,
        bank=bank,
        account_number=ACCOUNT,
        issued_on=dt.date(2024, 3, 1),
        expires_on=dt.date(2034, 3, 1),
    )


@pytest.fixture
def sealed(holder, bank) -> Card:
    """Collected at the counter, not yet activated: no PIN, no bank account opened."""
    return make_card(
        person=holder,
        bank=bank,
        account_number=ACCOUNT,
        status=CardStatus.SEALED,
        bank_status=BankStatus.NOT_OPENED,
        pin_hash="",
    )


def problem_of(response: Any, status: int, code: str) -> dict[str, Any]:
    assert response.status_code == status, response.content
    assert response["Content-Type"] == "application/problem+json"
    body = response.json()
    assert body["status"] == status
    assert body["code"] == code
    assert body["type"].endswith("/" + code)
    assert body["title"] and body["detail"]
    return body


def at(value: str | None) -> dt.datetime | None:
    if value is None:
        return None
    moment = dt.datetime.fromisoformat(value)
    assert moment.tzinfo is not None, value
    return moment


def hotline_report(card: Card, kind: str = "temporary") -> None:
    report_loss(
        actor=Actor(kind="staff", id="agent-1", role=Role.HOTLINE_AGENT, channel=Channel.HOTLINE),
        card=card,
        kind=kind,
        reporter=card.person,
        relation="self",
    )


def events(action_prefix: str = "card.") -> list[tuple[str, str, str]]:
    return list(
        AuditEvent.objects.filter(action__startswith=action_prefix)
        .order_by("seq")
        .values_list("action", "channel", "outlet_code")
    )


# ---------------------------------------------------------------- GET /cards/{n}/status


def test_a_normal_card_is_usable(api, make_token, card):
    token = make_token("cards:verify")

    response = api.get(f"/cards/{card.number}/status", token=token)

    assert response.status_code == 200, response.content
    assert response.json() == {
        "card_number": card.number,
        "status": "normal",
        "usable": True,
        "bank_status": "normal",
        "expires_on": "2034-03-01",
        "blocked_until": None,
    }


def test_the_number_is_read_in_any_case_and_with_spaces_around(api, make_token, card):
    number = card.number.lower()
    response = api.get(f"/cards/%20{number}%20/status", token=make_token("cards:verify"))
    assert response.status_code == 200, response.content
    assert response.json()["card_number"] == card.number


def test_a_temporarily_lost_card_is_blocked_until_the_report_lapses(api, make_token, card):
    hotline_report(card)
    token = make_token("cards:verify")

    body = api.get(f"/cards/{card.number}/status", token=token).json()

    assert body["status"] == "temporarily_lost"
    assert body["usable"] is False
    assert body["bank_status"] == "frozen"
    assert at(body["blocked_until"]) == LAPSE
    # The moment the report lapses the card is usable again, before any sweep has run.
    with frozen_at(LAPSE):
        body = api.get(f"/cards/{card.number}/status", token=token).json()
    assert (body["status"], body["usable"], body["bank_status"], body["blocked_until"]) == (
        "normal",
        True,
        "normal",
        None,
    )


@pytest.mark.parametrize(
    ("status", "bank_status", "expires_on", "shown"),
    [
        (CardStatus.IN_PRODUCTION, BankStatus.NOT_OPENED, dt.date(2036, 3, 1), "in_production"),
        (
            CardStatus.AWAITING_COLLECTION,
            BankStatus.NOT_OPENED,
            dt.date(2036, 3, 1),
            "awaiting_collection",
        ),
        (CardStatus.SEALED, BankStatus.NOT_OPENED, dt.date(2036, 3, 1), "sealed"),
        (CardStatus.FORMALLY_LOST, BankStatus.FROZEN, dt.date(2034, 3, 1), "formally_lost"),
        (CardStatus.PIN_LOCKED, BankStatus.NORMAL, dt.date(2034, 3, 1), "pin_locked"),
        (CardStatus.CANCELLED, BankStatus.CLOSED, dt.date(2034, 3, 1), "cancelled"),
        # Past its expiry date a normal card reads expired, whatever the row says.
        (CardStatus.NORMAL, BankStatus.NORMAL, dt.date(2026, 3, 9), "expired"),
    ],
)
def test_only_a_normal_card_in_date_is_usable(
    api, make_token, holder, status, bank_status, expires_on, shown
):
    card = make_card(person=holder, status=status, bank_status=bank_status, expires_on=expires_on)
    response = api.get(f"/cards/{card.number}/status", token=make_token("cards:verify"))
    assert response.status_code == 200, response.content
    assert response.json() == {
        "card_number": card.number,
        "status": shown,
        "usable": False,
        "bank_status": bank_status.value,
        "expires_on": expires_on.isoformat(),
        "blocked_until": None,
    }


def test_a_card_is_usable_on_its_expiry_date(api, make_token, holder):
    card = make_card(person=holder, expires_on=T0.date())
    body = api.get(f"/cards/{card.number}/status", token=make_token("cards:verify")).json()
    assert (body["status"], body["usable"]) == ("normal", True)


@pytest.mark.parametrize(
    "number",
    [
        card_number_for(1_234_567),
        "A12345678",
        "ABC",
        "A0000001",
        "@@@@@@@@@",
        # A00000011 with digits of other scripts (full-width, Arabic-Indic): no card's number.
        "A\uff10\uff10\uff10\uff10\uff10\uff10\uff11\uff11",
        "A\u0660\u0660\u0660\u0660\u0660\u066011",
    ],
)
def test_an_unknown_or_malformed_number_is_card_not_found(api, make_token, card, number):
    token = make_token("cards:verify")
    with nothing_changes(card):
        response = api.get(f"/cards/{number}/status", token=token)
    problem_of(response, 404, "card_not_found")


@pytest.mark.parametrize("scopes", ["cards:read", "pins:verify,persons:read"])
def test_the_status_needs_cards_verify(api, make_token, card, scopes):
    token = make_token(scopes)
    with nothing_changes(card):
        response = api.get(f"/cards/{card.number}/status", token=token)
    body = problem_of(response, 403, "insufficient_scope")
    assert body["scope"] == "cards:verify"


def test_a_citizen_token_is_not_a_point_of_use(api, citizen_token, card, holder):
    token = citizen_token(holder)
    with nothing_changes(card):
        response = api.get(f"/cards/{card.number}/status", token=token)
    problem_of(response, 403, "insufficient_scope")


def test_the_status_needs_a_token(api, card):
    with nothing_changes(card):
        response = api.get(f"/cards/{card.number}/status")
    problem_of(response, 401, "unauthorized")


# ---------------------------------------------------------------- GET /cards/{n}


def test_reading_a_card_masks_the_holder_without_persons_read(api, make_token, card):
    response = api.get(f"/cards/{card.number}", token=make_token("cards:read"))

    assert response.status_code == 200, response.content
    assert response.json() == {
        "card_number": card.number,
        "status": "normal",
        "usable": True,
        "bank_status": "normal",
        "bank_code": "ICBC",
        "issuing_region_code": "440106",
        "issued_on": "2024-03-01",
        "expires_on": "2034-03-01",
        "blocked_until": None,
        "generation": 1,
        # The chip's identification code is kept from a token without persons:read.
        "identification_code": None,
        "holder": {"social_security_number": "440106********028X", "name": "王*", "relation": None},
        "bank_name": "中国工商银行",
        "account_number": "6222 **** **** 3445",
        "loss_reports": [],
        "applications": [],
    }


def test_reading_a_card_with_persons_read_shows_the_holder_whole(api, make_token, card):
    body = api.get(f"/cards/{card.number}", token=make_token("cards:read,persons:read")).json()
    assert body["holder"] == {"social_security_number": WOMAN, "name": "王芳", "relation": None}
    assert body["account_number"] == ACCOUNT
    assert body["identification_code"] == card.identification_code


def test_a_card_shows_its_loss_reports(api, make_token, card):
    hotline_report(card)
    body = api.get(f"/cards/{card.number}", token=make_token("cards:read")).json()
    assert (body["status"], body["bank_status"], at(body["blocked_until"])) == (
        "temporarily_lost",
        "frozen",
        LAPSE,
    )
    [report] = body["loss_reports"]
    assert {k: report[k] for k in ("reference", "kind", "status", "channel", "card_status")} == {
        "reference": "LR260310000001",
        "kind": "temporary",
        "status": "effective",
        "channel": "hotline",
        "card_status": "temporarily_lost",
    }
    assert (at(report["effective_at"]), at(report["expires_at"])) == (T0, LAPSE)


def test_a_citizen_reads_their_own_card_masked(api, citizen_token, card, holder):
    response = api.get(f"/cards/{card.number}", token=citizen_token(holder))
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["holder"]["social_security_number"] == "440106********028X"
    assert body["account_number"] == "6222 **** **** 3445"
    assert body["identification_code"] is None
    assert card.identification_code not in response.content.decode()


def test_a_guardian_reads_the_wards_card(api, citizen_token, bank):
    father = make_person(social_security_number=MAN)
    child = make_person(social_security_number=CHILD, name="王小明")
    make_guardianship(guardian=father, ward=child)
    card = make_card(person=child, bank=bank)
    response = api.get(f"/cards/{card.number}", token=citizen_token(father))
    assert response.status_code == 200, response.content
    assert response.json()["holder"]["name"] == "王**"


def test_someone_elses_card_reads_as_missing_to_a_citizen(api, citizen_token, card):
    stranger = make_person(social_security_number=MAN)
    token = citizen_token(stranger)
    with nothing_changes(card):
        response = api.get(f"/cards/{card.number}", token=token)
    problem_of(response, 404, "card_not_found")


def test_another_banks_card_reads_as_missing_to_a_bank_token(api, make_token, card):
    BankFactory.create(code="BOC", name="中国银行")
    boc = make_token("cards:read", bank="BOC")
    with nothing_changes(card):
        response = api.get(f"/cards/{card.number}", token=boc)
    problem_of(response, 404, "card_not_found")
    own = api.get(f"/cards/{card.number}", token=make_token("cards:read", bank="ICBC"))
    assert own.status_code == 200, own.content


def test_reading_an_unknown_card_is_card_not_found(api, make_token, card):
    token = make_token("cards:read")
    with nothing_changes(card):
        response = api.get(f"/cards/{card_number_for(1_234_567)}", token=token)
    problem_of(response, 404, "card_not_found")


def test_reading_a_card_needs_cards_read(api, make_token, card):
    token = make_token("cards:verify")
    with nothing_changes(card):
        scope = api.get(f"/cards/{card.number}", token=token)
        anonymous = api.get(f"/cards/{card.number}")
    assert problem_of(scope, 403, "insufficient_scope")["scope"] == "cards:read"
    problem_of(anonymous, 401, "unauthorized")


# ---------------------------------------------------------------- POST /cards/{n}/activation


def test_activation_at_a_window_sets_the_pin_and_opens_the_account(api, make_token, agency, sealed):
    token = make_token("cards:activate", outlet="AG0001")

    response = api.post(
        f"/cards/{sealed.number}/activation",
        {"pin": NEW_PIN, "documents": ["id_card"]},
        token=token,
    )

    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["card_number"], body["status"], body["usable"], body["bank_status"]) == (
        sealed.number,
        "normal",
        True,
        "normal",
    )
    assert NEW_PIN not in response.content.decode()
    # The token has no persons:read: the holder and the account are masked.
    assert body["holder"] == {
        "social_security_number": "440106********028X",
        "name": "王*",
        "relation": None,
    }
    assert body["account_number"] == "6222 **** **** 3445"
    sealed.refresh_from_db()
    assert (sealed.status, sealed.bank_status, sealed.wrong_pins) == ("normal", "normal", 0)
    assert pin_matches(sealed.pin_hash, NEW_PIN)
    assert NEW_PIN not in sealed.pin_hash
    assert events() == [("card.activated", "window", "AG0001")]
    assert list(OutboxMessage.objects.values_list("topic", "recipient")) == [
        ("activated", sealed.person_id)
    ]
    # The PIN works at a point of use.
    verify = api.post(
        f"/cards/{sealed.number}/pin/verify", {"pin": NEW_PIN}, token=make_token("pins:verify")
    )
    assert verify.json() == {"valid": True, "attempts_left": 6}


def test_activation_at_the_bank_outlet(api, make_token, bank_outlet, sealed):
    token = make_token("cards:activate", outlet="BK0001")
    response = api.post(
        f"/cards/{sealed.number}/activation",
        {"pin": NEW_PIN, "documents": ["id_card"]},
        token=token,
    )
    assert response.status_code == 200, response.content
    assert events() == [("card.activated", "bank", "BK0001")]


@pytest.mark.parametrize(
    ("relation", "documents"),
    [
        ("parent", ["household_register", "guardian_id_card"]),
        ("parent", ["id_card", "guardian_id_card"]),
        ("legal_guardian", ["household_register", "guardian_id_card", "guardianship_proof"]),
    ],
)
def test_a_guardian_activates_a_childs_card(api, make_token, agency, bank, relation, documents):
    father = make_person(social_security_number=MAN)
    child = make_person(social_security_number=CHILD)
    make_guardianship(guardian=father, ward=child, relation=relation)
    card = make_card(
        person=child, bank=bank, status=CardStatus.SEALED, bank_status=BankStatus.NOT_OPENED
    )
    response = api.post(
        f"/cards/{card.number}/activation",
        {
            "pin": NEW_PIN,
            "documents": documents,
            "presenter": {"social_security_number": MAN, "relation": "guardian"},
        },
        token=make_token("cards:activate", outlet="AG0001"),
    )
    assert response.status_code == 200, response.content
    assert response.json()["status"] == "normal"


@pytest.mark.parametrize("status", [CardStatus.IN_PRODUCTION, CardStatus.AWAITING_COLLECTION])
def test_a_card_not_yet_collected_is_card_not_collected(api, make_token, agency, holder, status):
    card = make_card(person=holder, status=status, bank_status=BankStatus.NOT_OPENED, pin_hash="")
    token = make_token("cards:activate", outlet="AG0001")
    with nothing_changes(card):
        response = api.post(
            f"/cards/{card.number}/activation",
            {"pin": NEW_PIN, "documents": ["id_card"]},
            token=token,
        )
    body = problem_of(response, 409, "card_not_collected")
    assert body["card_status"] == status.value


@pytest.mark.parametrize(
    ("status", "bank_status"),
    [(CardStatus.NORMAL, BankStatus.NORMAL), (CardStatus.CANCELLED, BankStatus.CLOSED)],
)
def test_only_a_collected_card_is_activated(api, make_token, agency, holder, status, bank_status):
    card = make_card(person=holder, status=status, bank_status=bank_status)
    token = make_token("cards:activate", outlet="AG0001")
    with nothing_changes(card):
        response = api.post(
            f"/cards/{card.number}/activation",
            {"pin": NEW_PIN, "documents": ["id_card"]},
            token=token,
        )
    body = problem_of(response, 409, "card_not_activatable")
    assert body["card_status"] == status.value


@pytest.mark.parametrize(
    ("pin", "message"),
    [
        ("111111", "all six digits are the same"),
        ("000000", "all six digits are the same"),
        ("123456", "the digits run up or down"),
        ("987654", "the digits run up or down"),
        ("850715", "it is the holder's birth date"),
        ("150198", "it is the end of the holder's ID number"),
    ],
)
def test_a_weak_pin_is_refused(api, make_token, agency, bank, pin, message):
    man = make_person(social_security_number=MAN)
    card = make_card(
        person=man, bank=bank, status=CardStatus.SEALED, bank_status=BankStatus.NOT_OPENED
    )
    token = make_token("cards:activate", outlet="AG0001")
    with nothing_changes(card):
        response = api.post(
            f"/cards/{card.number}/activation",
            {"pin": pin, "documents": ["id_card"]},
            token=token,
        )
    body = problem_of(response, 422, "weak_pin")
    assert body["errors"] == [{"field": "pin", "message": message}]
    assert pin not in response.content.decode()


@pytest.mark.parametrize("pin", ["12345", "1234567", "12a456", "１２３４５６", " 80241"])
def test_a_pin_is_exactly_six_digits(api, make_token, agency, sealed, pin):
    token = make_token("cards:activate", outlet="AG0001")
    with nothing_changes(sealed):
        response = api.post(
            f"/cards/{sealed.number}/activation",
            {"pin": pin, "documents": ["id_card"]},
            token=token,
        )
    body = problem_of(response, 422, "invalid_pin")
    assert body["errors"] == [{"field": "pin", "message": "must be exactly 6 digits"}]


def test_activation_without_the_id_card_is_documents_required(api, make_token, agency, sealed):
    token = make_token("cards:activate", outlet="AG0001")
    with nothing_changes(sealed):
        response = api.post(f"/cards/{sealed.number}/activation", {"pin": NEW_PIN}, token=token)
    body = problem_of(response, 422, "documents_required")
    assert body["errors"] == [{"field": "documents", "message": "missing: id_card"}]


@pytest.mark.parametrize(
    ("relation", "documents", "missing"),
    [
        ("parent", [], ["id_card", "guardian_id_card"]),
        ("parent", ["guardian_id_card"], ["id_card"]),
        ("legal_guardian", ["household_register"], ["guardian_id_card", "guardianship_proof"]),
    ],
)
def test_a_guardian_is_told_every_missing_document(
    api, make_token, agency, bank, relation, documents, missing
):
    father = make_person(social_security_number=MAN)
    child = make_person(social_security_number=CHILD)
    make_guardianship(guardian=father, ward=child, relation=relation)
    card = make_card(
        person=child, bank=bank, status=CardStatus.SEALED, bank_status=BankStatus.NOT_OPENED
    )
    token = make_token("cards:activate", outlet="AG0001")
    with nothing_changes(card):
        response = api.post(
            f"/cards/{card.number}/activation",
            {
                "pin": NEW_PIN,
                "documents": documents,
                "presenter": {"social_security_number": MAN, "relation": "guardian"},
            },
            token=token,
        )
    body = problem_of(response, 422, "documents_required")
    assert body["errors"] == [{"field": "documents", "message": f"missing: {m}"} for m in missing]


def test_only_a_recorded_guardian_may_present_anothers_card(api, make_token, agency, sealed):
    make_person(social_security_number=MAN)
    token = make_token("cards:activate", outlet="AG0001")
    with nothing_changes(sealed):
        response = api.post(
            f"/cards/{sealed.number}/activation",
            {
                "pin": NEW_PIN,
                "documents": ["id_card", "guardian_id_card"],
                "presenter": {"social_security_number": MAN, "relation": "guardian"},
            },
            token=token,
        )
    problem_of(response, 403, "not_guardian")


def test_someone_else_presenting_as_self_is_invalid_relation(api, make_token, agency, sealed):
    make_person(social_security_number=MAN)
    token = make_token("cards:activate", outlet="AG0001")
    with nothing_changes(sealed):
        response = api.post(
            f"/cards/{sealed.number}/activation",
            {
                "pin": NEW_PIN,
                "documents": ["id_card"],
                "presenter": {"social_security_number": MAN, "relation": "self"},
            },
            token=token,
        )
    body = problem_of(response, 422, "invalid_relation")
    assert body["errors"] == [
        {"field": "relation", "message": "must be guardian when acting for another person"}
    ]


def test_a_child_does_not_activate_alone(api, make_token, agency, bank):
    child = make_person(social_security_number=CHILD)
    card = make_card(
        person=child, bank=bank, status=CardStatus.SEALED, bank_status=BankStatus.NOT_OPENED
    )
    token = make_token("cards:activate", outlet="AG0001")
    with nothing_changes(card):
        response = api.post(
            f"/cards/{card.number}/activation",
            {"pin": NEW_PIN, "documents": ["id_card"]},
            token=token,
        )
    problem_of(response, 403, "guardian_required")


def test_an_unknown_presenter_is_person_not_found(api, make_token, agency, sealed):
    token = make_token("cards:activate", outlet="AG0001")
    with nothing_changes(sealed):
        response = api.post(
            f"/cards/{sealed.number}/activation",
            {
                "pin": NEW_PIN,
                "documents": ["id_card", "guardian_id_card"],
                "presenter": {"social_security_number": MAN, "relation": "guardian"},
            },
            token=token,
        )
    problem_of(response, 404, "person_not_found")


def test_a_bad_presenter_id_number_names_the_presenter(api, make_token, agency, sealed):
    token = make_token("cards:activate", outlet="AG0001")
    with nothing_changes(sealed):
        response = api.post(
            f"/cards/{sealed.number}/activation",
            {
                "pin": NEW_PIN,
                "documents": ["id_card"],
                "presenter": {"social_security_number": "440104198507150199", "relation": "self"},
            },
            token=token,
        )
    body = problem_of(response, 422, "invalid_social_security_number")
    assert body["errors"] == [
        {"field": "presenter", "message": "the check character (the last one) does not match"}
    ]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"pin": NEW_PIN, "documents": ["passport"]}, "documents[0]"),
        ({"pin": NEW_PIN, "documents": "id_card"}, "documents"),
        ({"pin": 802413, "documents": ["id_card"]}, "pin"),
        ({"documents": ["id_card"]}, "pin"),
        ({"pin": NEW_PIN, "documents": ["id_card"], "channel": "window"}, "channel"),
        (
            {"pin": NEW_PIN, "presenter": {"social_security_number": MAN, "relation": "agent"}},
            "presenter.relation",
        ),
    ],
)
def test_an_activation_outside_the_schema_is_422_naming_the_field(
    api, make_token, agency, sealed, body, field
):
    token = make_token("cards:activate", outlet="AG0001")
    with nothing_changes(sealed):
        response = api.post(f"/cards/{sealed.number}/activation", body, token=token)
    problem = problem_of(response, 422, "validation_error")
    assert [e["field"] for e in problem["errors"]] == [field]


def test_activation_needs_a_counter_not_a_remote_token(api, make_token, sealed):
    token = make_token("cards:activate")
    with nothing_changes(sealed):
        response = api.post(
            f"/cards/{sealed.number}/activation",
            {"pin": NEW_PIN, "documents": ["id_card"]},
            token=token,
        )
    body = problem_of(response, 422, "channel_not_allowed")
    assert body["errors"] == [{"field": "channel", "message": "must be one of: bank, window"}]


def test_a_self_service_terminal_cannot_activate(api, make_token, sealed):
    make_outlet(
        code="KS0001",
        type=OutletType.SELF_SERVICE_TERMINAL,
        services=[Service.TEMPORARY_LOSS_REPORT, Service.ACTIVATION, Service.INQUIRY],
    )
    token = make_token("cards:activate", outlet="KS0001")
    with nothing_changes(sealed):
        response = api.post(
            f"/cards/{sealed.number}/activation",
            {"pin": NEW_PIN, "documents": ["id_card"]},
            token=token,
        )
    problem_of(response, 422, "channel_not_allowed")


def test_an_outlet_without_activation_is_service_not_offered(api, make_token, sealed):
    make_outlet(code="CM0001", type=OutletType.COMMUNITY_COMMITTEE, services=[Service.INTAKE])
    token = make_token("cards:activate", outlet="CM0001")
    with nothing_changes(sealed):
        response = api.post(
            f"/cards/{sealed.number}/activation",
            {"pin": NEW_PIN, "documents": ["id_card"]},
            token=token,
        )
    problem_of(response, 409, "service_not_offered")


def test_another_banks_outlet_cannot_see_the_card(api, make_token, sealed):
    BankOutletFactory.create(code="BOC001", bank=BankFactory.create(code="BOC", name="中国银行"))
    token = make_token("cards:activate", outlet="BOC001")
    with nothing_changes(sealed):
        response = api.post(
            f"/cards/{sealed.number}/activation",
            {"pin": NEW_PIN, "documents": ["id_card"]},
            token=token,
        )
    problem_of(response, 404, "card_not_found")


def test_activating_an_unknown_card_is_card_not_found(api, make_token, agency):
    token = make_token("cards:activate", outlet="AG0001")
    with nothing_changes():
        response = api.post(
            f"/cards/{card_number_for(1_234_567)}/activation",
            {"pin": NEW_PIN, "documents": ["id_card"]},
            token=token,
        )
    problem_of(response, 404, "card_not_found")


def test_activation_needs_cards_activate(api, make_token, agency, sealed):
    token = make_token("cards:read,pins:reset", outlet="AG0001")
    with nothing_changes(sealed):
        response = api.post(
            f"/cards/{sealed.number}/activation",
            {"pin": NEW_PIN, "documents": ["id_card"]},
            token=token,
        )
        unauthenticated = api.post(
            f"/cards/{sealed.number}/activation", {"pin": NEW_PIN, "documents": ["id_card"]}
        )
    assert problem_of(response, 403, "insufficient_scope")["scope"] == "cards:activate"
    problem_of(unauthenticated, 401, "unauthorized")


# ---------------------------------------------------------------- POST /cards/{n}/pin/verify


def verify(api: Any, card: Card, pin: object, token: str) -> Any:
    return api.post(f"/cards/{card.number}/pin/verify", {"pin": pin}, token=token)


def test_the_right_pin_is_valid(api, make_token, card):
    token = make_token("pins:verify")
    with nothing_changes(card):
        response = verify(api, card, DEMO_PIN, token)
    assert response.status_code == 200, response.content
    assert response.json() == {"valid": True, "attempts_left": 6}


def test_a_wrong_pin_counts_down_and_the_sixth_locks(api, make_token, card):
    token = make_token("pins:verify,cards:verify")

    for left in (5, 4, 3, 2, 1):
        body = problem_of(verify(api, card, "802413", token), 403, "wrong_pin")
        assert body["attempts_left"] == left
        card.refresh_from_db()
        assert (card.status, card.wrong_pins) == ("normal", 6 - left)

    body = problem_of(verify(api, card, "802413", token), 423, "pin_locked")

    assert body["attempts_left"] == 0
    card.refresh_from_db()
    assert (card.status, card.wrong_pins) == ("pin_locked", 6)
    assert [e[0] for e in events()] == ["card.pin_wrong"] * 5 + ["card.pin_locked"]
    assert list(OutboxMessage.objects.values_list("topic", flat=True)) == ["pin_locked"]
    status = api.get(f"/cards/{card.number}/status", token=token).json()
    assert (status["status"], status["usable"]) == ("pin_locked", False)
    # Locked: even the right PIN is refused, and nothing more is written.
    with nothing_changes(card):
        body = problem_of(verify(api, card, DEMO_PIN, token), 423, "pin_locked")
    assert "attempts_left" not in body


def test_a_wrong_pin_writes_only_its_count_and_one_audit_event(api, make_token, card):
    token = make_token("pins:verify")
    before = db_state(card)

    problem_of(verify(api, card, "802413", token), 403, "wrong_pin")

    after = db_state(card)
    # The event's chain gets its head row when it is the chain's first event.
    first_of_its_chain = AuditEvent.objects.latest("id").seq == 1
    assert after["counts"] == {
        **before["counts"],
        "audit.AuditEvent": before["counts"]["audit.AuditEvent"] + 1,
        "audit.AuditHead": before["counts"]["audit.AuditHead"] + first_of_its_chain,
    }
    [row_before], [row_after] = before["rows"], after["rows"]
    changed = {k for k in row_before if row_before[k] != row_after[k]}
    # (updated_at is written too, with the frozen clock's same T0.)
    assert changed == {"wrong_pins"}
    assert (row_before["wrong_pins"], row_after["wrong_pins"]) == (0, 1)
    assert after["sequences"] == before["sequences"]


def test_a_right_pin_clears_the_count_of_wrong_ones(api, make_token, card):
    token = make_token("pins:verify")
    problem_of(verify(api, card, "802413", token), 403, "wrong_pin")
    problem_of(verify(api, card, "802413", token), 403, "wrong_pin")

    response = verify(api, card, DEMO_PIN, token)

    assert response.json() == {"valid": True, "attempts_left": 6}
    card.refresh_from_db()
    assert card.wrong_pins == 0
    assert [e[0] for e in events()] == [
        "card.pin_wrong",
        "card.pin_wrong",
        "card.pin_counter_reset",
    ]
    assert problem_of(verify(api, card, "802413", token), 403, "wrong_pin")["attempts_left"] == 5


def test_the_regional_policy_sets_how_many_wrong_pins_lock(api, make_token, card):
    make_policy(region_prefix="4401", wrong_pins_before_lock=3)
    token = make_token("pins:verify")
    assert problem_of(verify(api, card, "802413", token), 403, "wrong_pin")["attempts_left"] == 2
    assert problem_of(verify(api, card, "802413", token), 403, "wrong_pin")["attempts_left"] == 1
    problem_of(verify(api, card, "802413", token), 423, "pin_locked")


@pytest.mark.parametrize(
    ("status", "bank_status"),
    [
        (CardStatus.SEALED, BankStatus.NOT_OPENED),
        (CardStatus.FORMALLY_LOST, BankStatus.FROZEN),
        (CardStatus.CANCELLED, BankStatus.CLOSED),
    ],
)
def test_a_card_not_in_use_is_card_not_usable(api, make_token, holder, status, bank_status):
    card = make_card(person=holder, status=status, bank_status=bank_status)
    token = make_token("pins:verify")
    with nothing_changes(card):
        response = verify(api, card, DEMO_PIN, token)
    body = problem_of(response, 409, "card_not_usable")
    assert body["card_status"] == status.value


def test_a_temporarily_lost_card_is_card_not_usable(api, make_token, card):
    hotline_report(card)
    token = make_token("pins:verify")
    with nothing_changes(card):
        response = verify(api, card, "802413", token)
    assert problem_of(response, 409, "card_not_usable")["card_status"] == "temporarily_lost"


@pytest.mark.parametrize(("pin", "field"), [(147258, "pin"), (None, "pin"), ("", "pin")])
def test_a_pin_that_is_not_a_string_is_422(api, make_token, card, pin, field):
    token = make_token("pins:verify")
    with nothing_changes(card):
        response = verify(api, card, pin, token)
    body = problem_of(response, 422, "validation_error")
    assert [e["field"] for e in body["errors"]] == [field]


def test_verifying_needs_pins_verify_and_the_right_bank(api, make_token, card):
    BankFactory.create(code="BOC", name="中国银行")
    verify_only, boc, pins = (
        make_token("cards:verify"),
        make_token("pins:verify", bank="BOC"),
        make_token("pins:verify"),
    )
    with nothing_changes(card):
        scope = verify(api, card, DEMO_PIN, verify_only)
        other_bank = verify(api, card, DEMO_PIN, boc)
        unknown = api.post(
            f"/cards/{card_number_for(1_234_567)}/pin/verify", {"pin": DEMO_PIN}, token=pins
        )
        anonymous = api.post(f"/cards/{card.number}/pin/verify", {"pin": DEMO_PIN})
    assert problem_of(scope, 403, "insufficient_scope")["scope"] == "pins:verify"
    problem_of(other_bank, 404, "card_not_found")
    problem_of(unknown, 404, "card_not_found")
    problem_of(anonymous, 401, "unauthorized")


# ---------------------------------------------------------------- POST /cards/{n}/pin/reset


def reset(api: Any, card: Card, token: str, **body: Any) -> Any:
    payload = {"new_pin": NEW_PIN, "documents": ["id_card"], **body}
    return api.post(f"/cards/{card.number}/pin/reset", payload, token=token)


def test_a_pin_reset_at_the_window_unlocks_a_locked_card(api, make_token, agency, holder, bank):
    card = make_card(person=holder, bank=bank, status=CardStatus.PIN_LOCKED, wrong_pins=6)

    response = reset(api, card, make_token("pins:reset", outlet="AG0001"))

    assert response.status_code == 200, response.content
    assert response.json() == {"card_number": card.number, "status": "normal", "usable": True}
    assert NEW_PIN not in response.content.decode()
    card.refresh_from_db()
    assert (card.status, card.wrong_pins) == ("normal", 0)
    assert events() == [("card.pin_reset", "window", "AG0001")]
    token = make_token("pins:verify")
    assert verify(api, card, NEW_PIN, token).json() == {"valid": True, "attempts_left": 6}
    assert problem_of(verify(api, card, DEMO_PIN, token), 403, "wrong_pin")["attempts_left"] == 5


def test_a_pin_reset_at_the_bank_outlet_on_a_normal_card(api, make_token, bank_outlet, card):
    response = reset(api, card, make_token("pins:reset", outlet="BK0001"))
    assert response.status_code == 200, response.content
    assert events() == [("card.pin_reset", "bank", "BK0001")]


def test_a_weak_new_pin_is_refused(api, make_token, agency, bank):
    man = make_person(social_security_number=MAN)
    card = make_card(person=man, bank=bank, status=CardStatus.PIN_LOCKED, wrong_pins=6)
    token = make_token("pins:reset", outlet="AG0001")
    with nothing_changes(card):
        response = reset(api, card, token, new_pin="850715")
    body = problem_of(response, 422, "weak_pin")
    assert body["errors"] == [{"field": "pin", "message": "it is the holder's birth date"}]


def test_a_new_pin_is_exactly_six_digits(api, make_token, agency, card):
    token = make_token("pins:reset", outlet="AG0001")
    with nothing_changes(card):
        response = reset(api, card, token, new_pin="80241")
    problem_of(response, 422, "invalid_pin")


def test_a_pin_reset_needs_the_id_card(api, make_token, agency, card):
    token = make_token("pins:reset", outlet="AG0001")
    with nothing_changes(card):
        response = reset(api, card, token, documents=[])
    body = problem_of(response, 422, "documents_required")
    assert body["errors"] == [{"field": "documents", "message": "missing: id_card"}]


def test_a_pin_reset_needs_a_counter(api, make_token, card):
    token = make_token("pins:reset")
    with nothing_changes(card):
        response = reset(api, card, token)
    problem_of(response, 422, "channel_not_allowed")


def test_an_outlet_without_pin_reset_is_service_not_offered(api, make_token, card):
    make_outlet(
        code="SD0001",
        type=OutletType.SUBDISTRICT_OFFICE,
        services=[Service.TEMPORARY_LOSS_REPORT, Service.FORMAL_LOSS_REPORT],
    )
    token = make_token("pins:reset", outlet="SD0001")
    with nothing_changes(card):
        response = reset(api, card, token)
    problem_of(response, 409, "service_not_offered")


@pytest.mark.parametrize(
    ("status", "bank_status"),
    [
        (CardStatus.SEALED, BankStatus.NOT_OPENED),
        (CardStatus.FORMALLY_LOST, BankStatus.FROZEN),
        (CardStatus.CANCELLED, BankStatus.CLOSED),
    ],
)
def test_only_a_card_in_use_has_its_pin_reset(api, make_token, agency, holder, status, bank_status):
    card = make_card(person=holder, status=status, bank_status=bank_status)
    token = make_token("pins:reset", outlet="AG0001")
    with nothing_changes(card):
        response = reset(api, card, token)
    assert problem_of(response, 409, "card_not_usable")["card_status"] == status.value


def test_a_pin_reset_needs_pins_reset_and_a_known_card(api, make_token, agency, card):
    other = make_token("pins:verify,cards:activate", outlet="AG0001")
    token = make_token("pins:reset", outlet="AG0001")
    with nothing_changes(card):
        scope = reset(api, card, other)
        unknown = api.post(
            f"/cards/{card_number_for(1_234_567)}/pin/reset",
            {"new_pin": NEW_PIN, "documents": ["id_card"]},
            token=token,
        )
        anonymous = api.post(
            f"/cards/{card.number}/pin/reset", {"new_pin": NEW_PIN, "documents": ["id_card"]}
        )
        extra = reset(api, card, token, pin=DEMO_PIN)
    assert problem_of(scope, 403, "insufficient_scope")["scope"] == "pins:reset"
    problem_of(unknown, 404, "card_not_found")
    problem_of(anonymous, 401, "unauthorized")
    assert problem_of(extra, 422, "validation_error")["errors"] == [
        {"field": "pin", "message": "is not a field of this request"}
    ]
