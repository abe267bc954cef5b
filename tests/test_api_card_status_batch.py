"""API v1 batch status lookup: POST /api/v1/cards/status:batch, up to 100 cards at once.

Each item must be exactly what `GET /cards/{n}/status` answers for the same number and token
(an unknown or malformed number: its `card_not_found` problem, as an item), in the order asked,
read live in one query.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from sscard.cards.models import BankStatus, Card, CardStatus
from sscard.cards.numbers import card_number_for
from sscard.common.clock import frozen_at
from sscard.people.models import Person
from tests.conftest import ApiCaller
from tests.factories import BankFactory, make_card, make_person, nothing_changes

pytestmark = pytest.mark.django_db

SHANGHAI = dt.timezone(dt.timedelta(hours=8))
T0 = dt.datetime(2026, 3, 10, 10, 0, tzinfo=SHANGHAI)
# The default policy: a temporary report runs for 7 calendar days.
LAPSE = T0 + dt.timedelta(days=7)
BATCH = "/cards/status:batch"
UNKNOWN = card_number_for(1_234_567)


@pytest.fixture(autouse=True)
def clock_at_t0() -> Iterator[None]:
    with frozen_at(T0):
        yield


@pytest.fixture
def holder() -> Person:
    return make_person(social_security_number="44010619900307028X", name="王芳")


@pytest.fixture
def cards(holder: Person, bank: Any) -> list[Card]:
    """The holder's normal card, another's formally lost one and a third's expired one, all
    ICBC's."""
    return [
        make_card(person=holder, bank=bank, expires_on=dt.date(2034, 3, 1)),
        make_card(
            bank=bank,
            status=CardStatus.FORMALLY_LOST,
            bank_status=BankStatus.FROZEN,
            expires_on=dt.date(2033, 3, 1),
        ),
        make_card(bank=bank, expires_on=dt.date(2026, 3, 9)),
    ]


def batch(api: ApiCaller, numbers: list[Any], token: str) -> Any:
    return api.post(BATCH, {"card_numbers": numbers}, token=token)


def items_of(api: ApiCaller, numbers: list[Any], token: str) -> list[dict[str, Any]]:
    response = batch(api, numbers, token)
    assert response.status_code == 200, response.content
    assert response["Content-Type"].startswith("application/json")
    items: list[dict[str, Any]] = response.json()["items"]
    assert len(items) == len(numbers)
    return items


def single(api: ApiCaller, number: str, token: str) -> dict[str, Any]:
    """What the single lookup answers, a problem's members included."""
    body: dict[str, Any] = api.get(f"/cards/{number}/status", token=token).json()
    return body


def as_item(api: ApiCaller, number: str, token: str) -> dict[str, Any]:
    """The item the batch must answer for `number`: the single lookup's answer, or its
    problem under `error`."""
    response = api.get(f"/cards/{number}/status", token=token)
    if response.status_code == 200:
        answer: dict[str, Any] = response.json()
        return answer
    assert response.status_code == 404, response.content
    return {"card_number": number, "error": response.json()}


def problem_of(response: Any, status: int, code: str) -> dict[str, Any]:
    assert response.status_code == status, response.content
    assert response["Content-Type"] == "application/problem+json"
    body: dict[str, Any] = response.json()
    assert (body["status"], body["code"]) == (status, code)
    return body


def test_each_item_is_the_single_lookups_answer_in_the_order_asked(api, make_token, cards):
    token = make_token("cards:verify")
    normal, lost, expired = (card.number for card in cards)
    asked = [lost, UNKNOWN, normal, expired, "ABC", lost]

    with nothing_changes(*cards):
        items = items_of(api, asked, token)

    assert items == [as_item(api, number, token) for number in asked]
    assert [item.get("status") for item in items] == [
        "formally_lost",
        None,
        "normal",
        "expired",
        None,
        "formally_lost",
    ]
    assert [item.get("usable") for item in items] == [False, None, True, False, None, False]


def test_a_number_asked_twice_is_answered_twice(api, make_token, cards):
    token = make_token("cards:verify")
    number = cards[0].number

    items = items_of(api, [number, number, number], token)

    assert items == [single(api, number, token)] * 3


@pytest.mark.parametrize(
    "number",
    # The last two: A00000011 with digits of other scripts (full-width, Arabic-Indic).
    [
        UNKNOWN,
        "A12345678",
        "ABC",
        "A0000001",
        "@@@@@@@@@",
        "",
        "status:batch",
        "A\uff10\uff10\uff10\uff10\uff10\uff10\uff11\uff11",
        "A\u0660\u0660\u0660\u0660\u0660\u066011",
    ],
)
def test_an_unknown_or_malformed_number_is_an_item_with_the_card_not_found_problem(
    api, make_token, cards, number
):
    token = make_token("cards:verify")

    first, missing, last = items_of(api, [cards[0].number, number, cards[0].number], token)

    assert first == last == single(api, cards[0].number, token)
    assert missing["card_number"] == number
    assert set(missing) == {"card_number", "error"}
    error = missing["error"]
    assert (error["status"], error["code"]) == (404, "card_not_found")
    assert error["type"].endswith("/card_not_found") and error["title"] and error["detail"]


def test_a_number_is_read_in_any_case_and_with_spaces_around(api, make_token, cards):
    token = make_token("cards:verify")
    number = cards[0].number

    (item,) = items_of(api, [f" {number.lower()} "], token)

    assert item == single(api, number, token)


def test_the_whole_batch_is_one_query_of_the_cards(api, make_token, bank):
    token = make_token("cards:verify")
    numbers = [make_card(bank=bank).number for _ in range(60)]
    asked = (numbers + [UNKNOWN] * 40)[:100]

    with CaptureQueriesContext(connection) as queries:
        items = items_of(api, asked, token)

    table = Card._meta.db_table
    assert len([q for q in queries.captured_queries if table in q["sql"]]) == 1
    assert [item["card_number"] for item in items] == asked
    assert sum("error" in item for item in items) == 40


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"card_numbers": []}, "card_numbers"),
        ({"card_numbers": [UNKNOWN] * 101}, "card_numbers"),
        ({"card_numbers": [12345678]}, "card_numbers[0]"),
        ({"card_numbers": ["A" * 33]}, "card_numbers[0]"),
        ({"card_numbers": "A00000118"}, "card_numbers"),
        ({}, "card_numbers"),
        ({"card_numbers": ["A00000118"], "more": 1}, "more"),
    ],
)
def test_no_numbers_or_more_than_100_is_422_naming_the_field(api, make_token, cards, body, field):
    token = make_token("cards:verify")
    with nothing_changes(*cards):
        response = api.post(BATCH, body, token=token)
    problem = problem_of(response, 422, "validation_error")
    assert field in [error["field"] for error in problem["errors"]]


def test_a_hundred_numbers_are_answered(api, make_token, cards):
    asked = [cards[i % 3].number for i in range(100)]
    items = items_of(api, asked, make_token("cards:verify"))
    assert [item["card_number"] for item in items] == asked


@pytest.mark.parametrize("scopes", ["cards:read", "pins:verify,persons:read"])
def test_the_batch_needs_cards_verify(api, make_token, cards, scopes):
    token = make_token(scopes)
    with nothing_changes(*cards):
        response = batch(api, [cards[0].number], token)
    body = problem_of(response, 403, "insufficient_scope")
    assert body["scope"] == "cards:verify"
    assert cards[0].number not in response.content.decode()


def test_a_citizen_token_is_not_a_point_of_use(api, citizen_token, cards, holder):
    response = batch(api, [cards[0].number], citizen_token(holder))
    problem_of(response, 403, "insufficient_scope")


def test_the_batch_needs_a_token(api, cards):
    response = api.post(BATCH, {"card_numbers": [cards[0].number]})
    problem_of(response, 401, "unauthorized")


@pytest.mark.parametrize(
    "binding",
    [{}, {"bank": "ICBC"}, {"bank": "CCB"}, {"outlet": "BK0001"}],
    ids=["no-bank", "own-bank", "other-bank", "bank-outlet"],
)
def test_a_token_sees_in_a_batch_exactly_what_it_sees_one_card_at_a_time(
    api, make_token, holder, bank, bank_outlet, binding
):
    """Whatever the single lookup answers a token about another bank's card (today: it
    answers every point of use alike), the batch answers the same."""
    ccb = BankFactory.create(code="CCB", name="中国建设银行")
    icbc_card = make_card(person=holder, bank=bank)
    ccb_card = make_card(bank=ccb)
    token = make_token("cards:verify", **binding)
    asked = [icbc_card.number, ccb_card.number, UNKNOWN]

    items = items_of(api, asked, token)

    assert items == [as_item(api, number, token) for number in asked]


def test_a_card_blocked_a_moment_ago_reads_not_usable_in_the_next_batch(
    api, make_token, cards, holder
):
    token = make_token("cards:verify")
    reporter = make_token("loss:report")
    card = cards[0]
    (before,) = items_of(api, [card.number], token)
    assert (before["status"], before["usable"]) == ("normal", True)

    reported = api.post(
        "/loss-reports",
        {
            "card_number": card.number,
            "kind": "temporary",
            "channel": "hotline",
            "reporter": {
                "social_security_number": holder.social_security_number,
                "name": holder.name,
                "relation": "self",
            },
        },
        token=reporter,
    )
    assert reported.status_code == 201, reported.content

    (after,) = items_of(api, [card.number], token)
    assert (after["status"], after["usable"], after["bank_status"]) == (
        "temporarily_lost",
        False,
        "frozen",
    )
    assert dt.datetime.fromisoformat(after["blocked_until"]) == LAPSE
    # The moment the report lapses the card is usable again, before any sweep has run.
    with frozen_at(LAPSE):
        (lapsed,) = items_of(api, [card.number], token)
    assert (lapsed["status"], lapsed["usable"], lapsed["blocked_until"]) == ("normal", True, None)


def test_the_batch_path_leaves_the_cards_own_paths_alone(api, make_token, cards):
    token = make_token("cards:verify,cards:read")
    number = cards[0].number

    assert api.get(f"/cards/{number}/status", token=token).status_code == 200
    read = api.get(f"/cards/{number}", token=token)
    assert read.status_code == 200, read.content
    assert read.json()["card_number"] == number
    # The batch is a POST only; a GET of its path is not a card's status.
    problem_of(api.get(BATCH, token=token), 405, "method_not_allowed")
    problem_of(api.get("/cards/status:batch/status", token=token), 404, "card_not_found")
