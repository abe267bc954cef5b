"""A citizen's token reports only for the signed-in person and their wards, and the answer to any
other number is the same whether or not that number exists: the app is no way to learn who is
in the register. Each refused request is sent twice, naming a recorded stranger and naming a
number nobody holds; the two answers must be byte for byte the same, and change nothing."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest

from sscard.cards.numbers import card_number_for
from sscard.people.models import Person
from tests.conftest import ApiCaller
from tests.factories import citizen_id, db_state, make_card, make_guardianship, make_person

pytestmark = pytest.mark.django_db


@dataclass
class Family:
    parent: Person
    child: Person
    stranger: Person
    token: str
    own_card: str
    stranger_card: str


@pytest.fixture
def family(citizen_token: Callable[[Person], str]) -> Family:
    link = make_guardianship(guardian__name="刘芳", ward__age=9)
    own = make_card(person=link.guardian)
    make_card(person=link.ward)
    stranger = make_person(name="周八")
    stranger_card = make_card(person=stranger)
    make_person()  # someone recorded who has no card
    return Family(
        parent=link.guardian,
        child=link.ward,
        stranger=stranger,
        token=citizen_token(link.guardian),
        own_card=own.number,
        stranger_card=stranger_card.number,
    )


def me(family: Family, number: str | None = None, relation: str = "self") -> dict[str, str]:
    return {
        "social_security_number": number or family.parent.social_security_number,
        "name": family.parent.name,
        "relation": relation,
    }


def body(*, reporter: dict[str, str], card: str = "", ssn: str = "") -> dict[str, Any]:
    out: dict[str, Any] = {"kind": "temporary", "channel": "app", "reporter": reporter}
    if card:
        out["card_number"] = card
    if ssn:
        out["social_security_number"] = ssn
    return out


NOBODYS_CARD = card_number_for(8_765_432)


# Each case: the body naming a recorded stranger, the body naming nobody, and the one answer.
CASES: dict[str, tuple[Callable[[Family, str], dict[str, Any]], str, int, str]] = {
    "a stranger's card by its number": (
        lambda f, who: body(reporter=me(f), card=who),
        "card",
        404,
        "card_not_found",
    ),
    "a stranger by ID number": (
        lambda f, who: body(reporter=me(f, relation="guardian"), ssn=who),
        "ssn",
        404,
        "person_not_found",
    ),
    "one's own card with a stranger's ID number": (
        lambda f, who: body(reporter=me(f), card=f.own_card, ssn=who),
        "ssn",
        404,
        "person_not_found",
    ),
    "a stranger as the reporter": (
        lambda f, who: body(reporter=me(f, number=who), card=f.own_card),
        "ssn",
        403,
        "reporter_not_signed_in",
    ),
    "a stranger as the reporter, for a stranger's number": (
        lambda f, who: body(reporter=me(f, number=who), ssn=who),
        "ssn",
        403,
        "reporter_not_signed_in",
    ),
}


@pytest.mark.parametrize("case", list(CASES))
def test_a_number_out_of_reach_gets_the_same_answer_whether_or_not_it_exists(
    api: ApiCaller, family: Family, case: str
) -> None:
    make, kind, status, code = CASES[case]
    recorded = family.stranger_card if kind == "card" else family.stranger.social_security_number
    unrecorded = NOBODYS_CARD if kind == "card" else citizen_id(age=30)
    assert not Person.objects.filter(social_security_number=unrecorded).exists()
    before = db_state()

    known = api.post("/loss-reports", make(family, recorded), token=family.token)
    unknown = api.post("/loss-reports", make(family, unrecorded), token=family.token)

    assert known.status_code == unknown.status_code == status, known.content
    assert known.json()["code"] == code
    assert known.content == unknown.content
    assert known["Content-Type"] == unknown["Content-Type"] == "application/problem+json"
    assert db_state() == before


def test_a_person_with_no_card_reads_as_one_not_recorded(api: ApiCaller, family: Family) -> None:
    cardless = Person.objects.exclude(cards__isnull=False).exclude(pk=family.parent.pk).get()

    known = api.post(
        "/loss-reports",
        body(reporter=me(family, relation="guardian"), ssn=cardless.social_security_number),
        token=family.token,
    )
    unknown = api.post(
        "/loss-reports",
        body(reporter=me(family, relation="guardian"), ssn=citizen_id(age=31)),
        token=family.token,
    )

    assert known.status_code == 404
    assert known.content == unknown.content


@pytest.mark.parametrize("by", ["ssn", "card"])
def test_the_ward_is_within_reach(api: ApiCaller, family: Family, by: str) -> None:
    ward_card = family.child.cards.get().number
    named = {"ssn": family.child.social_security_number} if by == "ssn" else {"card": ward_card}

    answer = api.post(
        "/loss-reports", body(reporter=me(family, relation="guardian"), **named), token=family.token
    )

    assert answer.status_code == 201, answer.content
    assert answer.json()["card_number"] == ward_card
