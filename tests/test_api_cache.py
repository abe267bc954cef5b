"""API answers are never stored by a cache: they carry personal data and tokens."""

from __future__ import annotations

import pytest

from tests.factories import BankFactory, make_card, make_person

pytestmark = pytest.mark.django_db


def test_every_api_answer_says_no_store(api, make_token, citizen_token):
    person = make_person(phone="13800138000")
    card = make_card(person=person, bank=BankFactory.create())
    reader = make_token("persons:read,cards:read,cards:verify")
    answers = {
        "person": api.get(f"/persons/{person.social_security_number}", token=reader),
        "card": api.get(f"/cards/{card.number}", token=reader),
        "status": api.get(f"/cards/{card.number}/status", token=reader),
        "me": api.get("/me", token=citizen_token(person)),
        "token": api.post("/auth/token", {"social_security_number": "x", "code": "1"}),
        "not found": api.get("/persons/11010519900307002X", token=reader),
        "no token": api.get(f"/persons/{person.social_security_number}"),
        "no endpoint": api.get("/nowhere"),
        "head": api.http.head(
            f"/api/v1/cards/{card.number}", headers={"Authorization": f"Bearer {reader}"}
        ),
        "outlets": api.get("/outlets"),
    }

    assert {name: a["Cache-Control"] for name, a in answers.items()} == {
        name: "no-store" for name in answers
    }
    assert [answers[n].status_code for n in ("person", "card", "status", "me", "head")] == [200] * 5
