"""API v1 persons (API.md "Persons"): recording a person and reading them whole, over HTTP."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from stdnum.cn import ric

from sscard.audit.models import AuditEvent
from sscard.cards.models import BankStatus, CardStatus
from sscard.people.models import Guardianship, Person
from tests.factories import BankFactory, make_card, make_guardianship, make_person, nothing_changes

pytestmark = pytest.mark.django_db

# Tianhe district of Guangzhou, born 1990-03-07, a woman; the check character is X.
WOMAN = "44010619900307028X"
# Yuexiu district of Guangzhou, born 1985-07-15, a man.
MAN = "440104198507150198"
# Tianhe, born 2018-05-20, a boy.
CHILD = "440106201805200074"


def with_check(first17: str) -> str:
    return first17 + ric.calc_check_digit(first17 + "?")


def problem_of(response: Any, status: int, code: str) -> dict[str, Any]:
    assert response.status_code == status, response.content
    assert response["Content-Type"] == "application/problem+json"
    body = response.json()
    assert body["status"] == status
    assert body["code"] == code
    assert body["type"].endswith("/" + code)
    assert body["title"] and body["detail"]
    return body


def wang_fang(**changes: Any) -> dict[str, Any]:
    return {
        "social_security_number": WOMAN,
        "name": "王芳",
        "phone": "+86 138-1234-5678",
        "email": "wang.fang@example.cn",
        "address": "广州市天河区体育西路 1 号",
        **changes,
    }


# ---------------------------------------------------------------- POST /persons


def test_recording_a_person_answers_201_with_what_the_id_number_says(api, make_token):
    token = make_token("persons:write,persons:read", name="window-system")

    response = api.post("/persons", wang_fang(social_security_number=WOMAN.lower()), token=token)

    assert response.status_code == 201, response.content
    assert response["Content-Type"].startswith("application/json")
    assert response.json() == {
        "social_security_number": WOMAN,
        "name": "王芳",
        "sex": "F",
        "birth_date": "1990-03-07",
        "region_code": "440106",
        "phone": "13812345678",
        "email": "wang.fang@example.cn",
        "language": "zh-hans",
        "guardians": [],
        "wards": [],
        "cards": [],
    }
    person = Person.objects.get()
    assert (
        person.social_security_number,
        person.name,
        person.sex,
        person.birth_date,
        person.region_code,
        person.phone,
        person.email,
        person.address,
    ) == (
        WOMAN,
        "王芳",
        "F",
        dt.date(1990, 3, 7),
        "440106",
        "13812345678",
        "wang.fang@example.cn",
        "广州市天河区体育西路 1 号",
    )
    event = AuditEvent.objects.get(object_type="person")
    assert (event.action, event.object_id, event.actor_kind, event.actor_id, event.channel) == (
        "person.created",
        str(person.pk),
        "partner",
        "window-system",
        "system",
    )


def test_the_language_for_notifications_can_be_chosen(api, make_token):
    token = make_token("persons:write,persons:read")
    response = api.post("/persons", wang_fang(language="en"), token=token)
    assert response.status_code == 201, response.content
    assert response.json()["language"] == "en"
    assert Person.objects.get().language == "en"


def test_without_persons_read_the_new_person_is_shown_masked(api, make_token):
    token = make_token("persons:write")

    response = api.post("/persons", wang_fang(), token=token)

    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["social_security_number"], body["name"], body["phone"], body["email"]) == (
        "440106********028X",
        "王*",
        "138****5678",
        "w***@example.cn",
    )
    # The birth date and sex the masked number hides are not given beside it.
    assert (body["birth_date"], body["sex"], body["region_code"]) == (None, None, "440106")
    assert "1990" not in response.content.decode()
    # What is stored is whole; only the answer is masked.
    assert Person.objects.get().social_security_number == WOMAN


def test_a_child_is_recorded_with_a_guardian_already_recorded(api, make_token):
    father = make_person(social_security_number=MAN, name="李强")
    token = make_token("persons:write,persons:read")

    response = api.post(
        "/persons",
        {
            "social_security_number": CHILD,
            "name": "李小明",
            "phone": "13900001111",
            "guardians": [{"social_security_number": MAN, "relation": "parent"}],
        },
        token=token,
    )

    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["sex"], body["birth_date"]) == ("M", "2018-05-20")
    assert body["guardians"] == [
        {"social_security_number": MAN, "name": "李强", "relation": "parent"}
    ]
    child = Person.objects.get(social_security_number=CHILD)
    link = Guardianship.objects.get()
    assert (link.guardian, link.ward, link.relation) == (father, child, "parent")
    assert list(
        AuditEvent.objects.exclude(object_type="api_client")
        .order_by("seq")
        .values_list("action", flat=True)
    ) == ["person.created", "guardianship.created"]
    # The guardian now shows the ward.
    wards = api.get(f"/persons/{MAN}", token=token).json()["wards"]
    assert wards == [{"social_security_number": CHILD, "name": "李小明", "relation": "parent"}]


def test_an_adult_is_recorded_with_a_guardian_designated_by_a_court(api, make_token):
    # Given a sister already recorded, designated guardian of her brother by a court
    sister = make_person(social_security_number=WOMAN, name="王芳")
    token = make_token("persons:write,persons:read")
    # When the brother, an adult, is recorded with her on that basis
    response = api.post(
        "/persons",
        {
            "social_security_number": MAN,
            "name": "王强",
            "phone": "13900001111",
            "guardians": [
                {
                    "social_security_number": WOMAN,
                    "relation": "legal_guardian",
                    "basis": "designation",
                    "document": "(2025)粤0104民特17号",
                    "ends_on": "2030-01-01",
                }
            ],
        },
        token=token,
    )
    # then he is recorded with her as guardian, on that basis and until that day
    assert response.status_code == 201, response.content
    assert response.json()["guardians"] == [
        {"social_security_number": WOMAN, "name": "王芳", "relation": "legal_guardian"}
    ]
    link = Guardianship.objects.get()
    assert (link.guardian, link.relation, link.basis, link.document, link.ends_on) == (
        sister,
        "legal_guardian",
        "designation",
        "(2025)粤0104民特17号",
        dt.date(2030, 1, 1),
    )


@pytest.mark.parametrize(
    ("guardian", "code", "error"),
    [
        (
            {"relation": "parent"},
            "guardianship_basis_required",
            {
                "field": "guardians[0].basis",
                "message": "an adult is a ward only on a court's finding or a designation",
            },
        ),
        (
            {"relation": "legal_guardian", "basis": "court_finding"},
            "guardianship_document_required",
            {
                "field": "guardians[0].document",
                "message": "is required for a court's finding or a designation",
            },
        ),
    ],
)
def test_an_adult_ward_without_a_legal_basis_is_refused(api, make_token, guardian, code, error):
    make_person(social_security_number=WOMAN, name="王芳")
    token = make_token("persons:write,persons:read")
    with nothing_changes():
        response = api.post(
            "/persons",
            {
                "social_security_number": MAN,
                "name": "王强",
                "phone": "13900001111",
                "guardians": [{"social_security_number": WOMAN, **guardian}],
            },
            token=token,
        )
    body = problem_of(response, 422, code)
    assert body["errors"] == [error]


# ---------------------------------------------------------------- POST /persons refused


@pytest.mark.parametrize(
    ("number", "message"),
    [
        ("440106199003070281", "the check character (the last one) does not match"),
        ("4401061990030702", "must be 18 characters"),
        ("4401061990030702811", "must be 18 characters"),
        ("44010619900307028A", "the check character (the last one) does not match"),
        (with_check("44010619900230028"), "the birth date in it does not exist"),
        (with_check("99010619900307028"), "the region code in it does not exist"),
        (with_check("44010620990101001"), "the birth date in it is in the future"),
        ("   ", "is required"),
    ],
)
def test_a_bad_id_number_is_invalid_social_security_number(api, make_token, number, message):
    token = make_token("persons:write,persons:read")
    with nothing_changes():
        response = api.post("/persons", wang_fang(social_security_number=number), token=token)
    body = problem_of(response, 422, "invalid_social_security_number")
    assert body["errors"] == [{"field": "social_security_number", "message": message}]


def test_recording_a_person_twice_is_person_exists(api, make_token):
    token = make_token("persons:write,persons:read")
    assert api.post("/persons", wang_fang(), token=token).status_code == 201
    person = Person.objects.get()

    with nothing_changes(person):
        # The same number in lower case is the same person.
        response = api.post(
            "/persons",
            wang_fang(social_security_number=WOMAN.lower(), name="王芳芳"),
            token=token,
        )

    problem_of(response, 409, "person_exists")
    assert Person.objects.get().name == "王芳"


def test_an_unrecorded_guardian_is_guardian_not_found(api, make_token):
    token = make_token("persons:write,persons:read")
    with nothing_changes():
        response = api.post(
            "/persons",
            {
                "social_security_number": CHILD,
                "name": "李小明",
                "phone": "13900001111",
                "guardians": [{"social_security_number": MAN, "relation": "parent"}],
            },
            token=token,
        )
    body = problem_of(response, 404, "guardian_not_found")
    assert body["errors"] == [{"field": "guardians[0]", "message": "no such person"}]


def test_a_bad_guardian_id_number_names_the_guardian(api, make_token):
    token = make_token("persons:write,persons:read")
    with nothing_changes():
        response = api.post(
            "/persons",
            {
                "social_security_number": CHILD,
                "name": "李小明",
                "phone": "13900001111",
                "guardians": [
                    {"social_security_number": "440104198507150199", "relation": "parent"}
                ],
            },
            token=token,
        )
    body = problem_of(response, 422, "invalid_social_security_number")
    assert body["errors"] == [
        {"field": "guardians[0]", "message": "the check character (the last one) does not match"}
    ]


@pytest.mark.parametrize(
    ("guardians", "error"),
    [
        (
            [{"social_security_number": CHILD, "relation": "parent"}],
            {"field": "guardians[0]", "message": "is the person themselves"},
        ),
        (
            [
                {"social_security_number": MAN, "relation": "parent"},
                {"social_security_number": MAN, "relation": "legal_guardian"},
            ],
            {"field": "guardians[1]", "message": "is listed more than once"},
        ),
    ],
)
def test_a_guardian_is_another_person_listed_once(api, make_token, guardians, error):
    make_person(social_security_number=MAN)
    token = make_token("persons:write,persons:read")
    with nothing_changes():
        response = api.post(
            "/persons",
            {
                "social_security_number": CHILD,
                "name": "李小明",
                "phone": "13900001111",
                "guardians": guardians,
            },
            token=token,
        )
    body = problem_of(response, 422, "invalid_guardian")
    assert body["errors"] == [error]


@pytest.mark.parametrize(
    ("changes", "errors"),
    [
        (
            {"phone": "12345"},
            [{"field": "phone", "message": "must be an 11-digit mainland mobile number"}],
        ),
        ({"email": "not-an-address"}, [{"field": "email", "message": "is not an e-mail address"}]),
        ({"name": "   "}, [{"field": "name", "message": "is required, at most 60 characters"}]),
    ],
)
def test_bad_contact_details_are_refused_by_field(api, make_token, changes, errors):
    token = make_token("persons:write,persons:read")
    with nothing_changes():
        response = api.post("/persons", wang_fang(**changes), token=token)
    body = problem_of(response, 422, "validation_error")
    assert body["errors"] == errors


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        (
            {"guardians": [{"social_security_number": MAN, "relation": "uncle"}]},
            "guardians[0].relation",
        ),
        (
            {"guardians": [{"social_security_number": MAN, "relation": "parent", "basis": "x"}]},
            "guardians[0].basis",
        ),
        (
            {
                "guardians": [
                    {"social_security_number": MAN, "relation": "parent", "ends_on": "soon"}
                ]
            },
            "guardians[0].ends_on",
        ),
        ({"language": "fr"}, "language"),
        ({"name": ""}, "name"),
        ({"name": "王" * 61}, "name"),
        ({"phone": 13812345678}, "phone"),
        ({"nickname": "芳芳"}, "nickname"),
    ],
)
def test_a_request_outside_the_schema_is_422_naming_the_field(api, make_token, changes, field):
    make_person(social_security_number=MAN)
    token = make_token("persons:write,persons:read")
    with nothing_changes():
        response = api.post("/persons", wang_fang(**changes), token=token)
    body = problem_of(response, 422, "validation_error")
    assert [e["field"] for e in body["errors"]] == [field]


def test_a_missing_field_is_named(api, make_token):
    token = make_token("persons:write,persons:read")
    with nothing_changes():
        response = api.post("/persons", {"social_security_number": WOMAN}, token=token)
    body = problem_of(response, 422, "validation_error")
    assert body["errors"] == [
        {"field": "name", "message": "Field required"},
        {"field": "phone", "message": "Field required"},
    ]


@pytest.mark.parametrize("scopes", ["persons:read", "cards:read,cards:verify"])
def test_recording_needs_persons_write(api, make_token, scopes):
    token = make_token(scopes)
    with nothing_changes():
        response = api.post("/persons", wang_fang(), token=token)
    body = problem_of(response, 403, "insufficient_scope")
    assert body["scope"] == "persons:write"


def test_a_citizen_cannot_record_people(api, citizen_token):
    token = citizen_token(make_person())
    with nothing_changes():
        response = api.post("/persons", wang_fang(), token=token)
    problem_of(response, 403, "insufficient_scope")


def test_recording_needs_a_token(api):
    with nothing_changes():
        response = api.post("/persons", wang_fang())
    problem_of(response, 401, "unauthorized")


# ---------------------------------------------------------------- GET /persons/{ssn}


def test_reading_a_person_shows_guardians_wards_and_cards_newest_first(api, make_token):
    boc = BankFactory.create(code="BOC", name="中国银行")
    icbc = BankFactory.create(code="ICBC", name="中国工商银行")
    father = make_person(social_security_number=MAN, name="李强", phone="13700001111")
    person = make_person(
        social_security_number=WOMAN, name="王芳", phone="13812345678", email="wf@example.cn"
    )
    child = make_person(social_security_number=CHILD, name="王小明")
    # An adult is a ward only on a legal basis: here a guardian designated by a court.
    make_guardianship(
        guardian=father,
        ward=person,
        relation="legal_guardian",
        basis="designation",
        document="(2024)粤0106民特45号",
    )
    make_guardianship(guardian=person, ward=child, relation="parent")
    old = make_card(
        person=person,
        bank=boc,
        generation=1,
        status=CardStatus.CANCELLED,
        bank_status=BankStatus.CLOSED,
        issued_on=dt.date(2014, 3, 1),
        expires_on=dt.date(2024, 3, 1),
    )
    new = make_card(
        person=person,
        bank=icbc,
        generation=2,
        issued_on=dt.date(2024, 3, 1),
        expires_on=dt.date(2034, 3, 1),
    )
    token = make_token("persons:read")

    response = api.get(f"/persons/{WOMAN.lower()}", token=token)

    assert response.status_code == 200, response.content
    assert response.json() == {
        "social_security_number": WOMAN,
        "name": "王芳",
        "sex": "F",
        "birth_date": "1990-03-07",
        "region_code": "440106",
        "phone": "13812345678",
        "email": "wf@example.cn",
        "language": "zh-hans",
        "guardians": [
            {"social_security_number": MAN, "name": "李强", "relation": "legal_guardian"}
        ],
        "wards": [{"social_security_number": CHILD, "name": "王小明", "relation": "parent"}],
        "cards": [
            {
                "card_number": new.number,
                "status": "normal",
                "usable": True,
                "bank_status": "normal",
                "bank_code": "ICBC",
                "issuing_region_code": "440106",
                "issued_on": "2024-03-01",
                "expires_on": "2034-03-01",
                "blocked_until": None,
                "generation": 2,
            },
            {
                "card_number": old.number,
                "status": "cancelled",
                "usable": False,
                "bank_status": "closed",
                "bank_code": "BOC",
                "issuing_region_code": "440106",
                "issued_on": "2014-03-01",
                "expires_on": "2024-03-01",
                "blocked_until": None,
                "generation": 1,
            },
        ],
    }


def test_a_bank_token_sees_only_its_own_banks_cards(api, make_token):
    """DOMAIN.md section 10: a partner sees only its own cards."""
    boc = BankFactory.create(code="BOC", name="中国银行")
    icbc = BankFactory.create(code="ICBC", name="中国工商银行")
    person = make_person(social_security_number=WOMAN)
    old = make_card(person=person, bank=boc, generation=1, status=CardStatus.CANCELLED)
    new = make_card(person=person, bank=icbc, generation=2)

    def numbers(token: str) -> list[str]:
        response = api.get(f"/persons/{WOMAN}", token=token)
        assert response.status_code == 200, response.content
        return [card["card_number"] for card in response.json()["cards"]]

    assert numbers(make_token("persons:read", bank="BOC")) == [old.number]
    assert numbers(make_token("persons:read", bank="ICBC")) == [new.number]
    assert numbers(make_token("persons:read")) == [new.number, old.number]


def test_an_unknown_person_is_person_not_found(api, make_token):
    token = make_token("persons:read")
    with nothing_changes():
        response = api.get(f"/persons/{WOMAN}", token=token)
    problem_of(response, 404, "person_not_found")


def test_a_bad_id_number_in_the_path_is_invalid_social_security_number(api, make_token):
    token = make_token("persons:read")
    with nothing_changes():
        response = api.get("/persons/440106199003070281", token=token)
    body = problem_of(response, 422, "invalid_social_security_number")
    assert body["errors"] == [
        {
            "field": "social_security_number",
            "message": "the check character (the last one) does not match",
        }
    ]


@pytest.mark.parametrize("scopes", ["persons:write", "cards:read,cards:verify"])
def test_reading_a_person_needs_persons_read(api, make_token, scopes):
    make_person(social_security_number=WOMAN)
    token = make_token(scopes)
    with nothing_changes():
        response = api.get(f"/persons/{WOMAN}", token=token)
    body = problem_of(response, 403, "insufficient_scope")
    assert body["scope"] == "persons:read"


def test_a_citizen_reads_themselves_through_me_not_persons(api, citizen_token):
    person = make_person(social_security_number=WOMAN)
    token = citizen_token(person)
    with nothing_changes():
        response = api.get(f"/persons/{WOMAN}", token=token)
    problem_of(response, 403, "insufficient_scope")


def test_reading_a_person_needs_a_token(api):
    make_person(social_security_number=WOMAN)
    with nothing_changes():
        response = api.get(f"/persons/{WOMAN}")
    problem_of(response, 401, "unauthorized")


def test_the_document_allows_the_masked_answers_nulls(api):
    """A partner's generated client must accept what a token without persons:read gets."""
    schemas = api.get("/openapi.json").json()["components"]["schemas"]
    fields = [
        schemas["PersonOut"]["properties"]["birth_date"],
        schemas["PersonOut"]["properties"]["sex"],
        schemas["CardOut"]["properties"]["identification_code"],
    ]
    for field in fields:
        assert {"type": "null"} in field["anyOf"], field
    assert [f["anyOf"][0] for f in fields] == [
        {"format": "date", "type": "string"},
        {"enum": ["M", "F"], "type": "string"},
        {"type": "string"},
    ]
