"""API v1 around the endpoints (API.md "Conventions" and "Operators' command line"):

- every failure is an RFC 9457 problem with a stable code, however malformed the request, and
  nothing is written;
- Idempotency-Key gives a retry the first answer, once;
- `sscard token create|revoke` makes and revokes the bearer tokens;
- the served OpenAPI document agrees with API.md, and the docs work offline.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
from io import StringIO
from typing import Any

import pytest
from django.conf import settings
from django.contrib.staticfiles import finders
from django.core.management import call_command
from django.core.management.base import CommandError

from sscard.api.models import IdempotencyRecord
from sscard.audit.models import AuditEvent
from sscard.cards.models import BankStatus, CardStatus
from sscard.common import clock
from sscard.common.clock import frozen_at
from sscard.common.context import Actor, Channel, Role
from sscard.partners.models import ApiClient
from sscard.partners.services import replace_api_token, revoke_api_client
from sscard.partners.tokens import hash_token
from sscard.people.models import Person
from tests.factories import BankOutletFactory, make_card, make_person, nothing_changes

pytestmark = pytest.mark.django_db

PROBLEM = "application/problem+json"
# Tianhe district of Guangzhou, born 1990-03-07, a woman.
WOMAN = "44010619900307028X"
MAN = "440104198507150198"


def problem_of(response: Any, status: int, code: str) -> dict[str, Any]:
    """An RFC 9457 problem: type, title, status, detail and the stable code."""
    assert response.status_code == status, response.content
    assert response["Content-Type"] == PROBLEM
    body = json.loads(response.content.decode("utf-8"))
    assert {"type", "title", "status", "detail", "code"} <= set(body)
    assert body["status"] == status
    assert body["code"] == code
    assert re.fullmatch(r"[a-z][a-z0-9]*(_[a-z0-9]+)*", body["code"])
    assert body["type"].endswith("/" + code)
    assert isinstance(body["title"], str) and body["title"]
    assert isinstance(body["detail"], str) and body["detail"]
    return body


def person_body(**changes: Any) -> dict[str, Any]:
    return {
        "social_security_number": WOMAN,
        "name": "王芳",
        "phone": "13812345678",
        **changes,
    }


@pytest.fixture
def writer(make_token) -> str:
    return make_token("persons:write,persons:read")


# ---------------------------------------------------------------- 401


@pytest.mark.parametrize(
    "authorization",
    [
        None,
        "",
        "Bearer",
        "Bearer ",
        "Bearer ssk_not-a-token",
        "Bearer ssc_not-a-token",
        "Bearer " + "x" * 5000,
        "Basic dXNlcjpwYXNz",
        "Token ssk_not-a-token",
    ],
)
def test_a_missing_or_invalid_token_is_401(api, authorization):
    headers = {} if authorization is None else {"Authorization": authorization}
    with nothing_changes():
        response = api.http.post(
            "/api/v1/persons",
            data=json.dumps(person_body()),
            content_type="application/json",
            headers=headers,
        )
    problem_of(response, 401, "unauthorized")
    assert response["WWW-Authenticate"] == 'Bearer realm="sscard"'


def test_a_revoked_token_is_401_at_once(api, make_token):
    card = make_card()
    token = make_token("cards:verify", name="pharmacy-1")
    assert api.get(f"/cards/{card.number}/status", token=token).status_code == 200

    revoke_api_client(
        actor=Actor(kind="operator", id="cli:root", role=Role.ADMIN, channel=Channel.SYSTEM),
        name="pharmacy-1",
    )

    problem_of(api.get(f"/cards/{card.number}/status", token=token), 401, "unauthorized")


def test_a_token_revoked_by_another_server_process_is_401_within_a_second(api, make_token):
    """Each server process remembers for at most a second which client a token names
    (partners.tokens); a revocation committed by another process (another gunicorn worker, the
    operators' command line) reaches this one as a changed row only."""
    card = make_card()
    token = make_token("cards:verify", name="pharmacy-3")
    with frozen_at(clock.now()):
        assert api.get(f"/cards/{card.number}/status", token=token).status_code == 200

        ApiClient.objects.filter(name="pharmacy-3").update(revoked_at=clock.now())
        clock.travel(dt.timedelta(seconds=1))

        problem_of(api.get(f"/cards/{card.number}/status", token=token), 401, "unauthorized")


def test_a_replaced_token_is_401_at_once(api, make_token):
    token = make_token("outlets:read", name="terminal-1")
    assert api.get("/ping", token=token).status_code == 200

    new = replace_api_token(
        actor=Actor.system(), name="terminal-1", token_hash_start=hash_token(token)[:16]
    )

    problem_of(api.get("/ping", token=token), 401, "unauthorized")
    assert api.get("/ping", token=new.token).json() == {"ok": True, "client": "terminal-1"}


def test_an_expired_citizen_token_is_401(api, citizen_token):
    person = make_person()
    token = citizen_token(person)
    assert api.get("/me", token=token).status_code == 200
    with frozen_at(clock.now() + dt.timedelta(seconds=settings.CITIZEN_TOKEN_TTL_SECONDS + 1)):
        problem_of(api.get("/me", token=token), 401, "unauthorized")


# ---------------------------------------------------------------- 403, 404, 405


def test_a_token_without_the_scope_is_403_naming_it(api, make_token):
    token = make_token("cards:verify")
    with nothing_changes():
        response = api.post("/persons", person_body(), token=token)
    body = problem_of(response, 403, "insufficient_scope")
    assert body["scope"] == "persons:write"


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("get", "/api/v1/nope"),
        ("get", "/api/v1/"),
        ("get", "/api/v1/cards"),
        ("get", "/api/v1/cards/A00000018/nope"),
        ("post", "/api/v1/persons/extra/segment"),
        ("get", "/api/v1/persons/"),
    ],
)
def test_an_unknown_path_is_a_404_problem(api, writer, method, path):
    with nothing_changes():
        response = api.http.generic(
            method.upper(),
            path,
            "{}" if method == "post" else "",
            content_type="application/json",
            headers={"Authorization": f"Bearer {writer}"},
        )
    problem_of(response, 404, "not_found")


@pytest.mark.parametrize(
    ("method", "path", "allow"),
    [
        ("put", "/api/v1/persons", "POST"),
        ("get", "/api/v1/persons", "POST"),
        ("delete", "/api/v1/persons/44010619900307028X", "GET"),
        ("post", "/api/v1/cards/A00000018/status", "GET"),
        ("get", "/api/v1/cards/A00000018/activation", "POST"),
        ("patch", "/api/v1/outlets", "GET"),
    ],
)
def test_a_wrong_method_is_405_with_allow(api, writer, method, path, allow):
    with nothing_changes():
        response = api.http.generic(
            method.upper(),
            path,
            "{}" if method in ("post", "put", "patch") else "",
            content_type="application/json",
            headers={"Authorization": f"Bearer {writer}"},
        )
    problem_of(response, 405, "method_not_allowed")
    assert response["Allow"] == allow


def test_head_answers_as_get_without_a_body(api, make_token):
    card = make_card(person=make_person(age=30))
    token = make_token("cards:verify")
    headers = {"Authorization": f"Bearer {token}"}
    path = f"/api/v1/cards/{card.number}/status"

    got = api.http.get(path, headers=headers)
    head = api.http.head(path, headers=headers)

    assert got.status_code == head.status_code == 200
    assert head.content == b""
    assert head["Content-Type"] == got["Content-Type"]
    assert head["Content-Length"] == str(len(got.content))
    missing = api.http.head("/api/v1/cards/A99999999/status", headers=headers)
    assert (missing.status_code, missing.content) == (404, b"")
    assert api.http.head(path).status_code == 401


# ---------------------------------------------------------------- bodies


def test_a_body_over_the_limit_is_413(api, writer):
    limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    body = json.dumps(person_body(address="x" * limit)).encode()
    assert len(body) > limit
    with nothing_changes():
        response = api.post("/persons", raw=body, token=writer)
        keyed = api.post("/persons", raw=body, token=writer, headers={"Idempotency-Key": "big-1"})
    problem_of(response, 413, "payload_too_large")
    problem_of(keyed, 413, "payload_too_large")


@pytest.mark.parametrize(
    "content_type",
    [
        "text/plain",
        "application/x-www-form-urlencoded",
        "multipart/form-data; boundary=xyz",
        "application/xml",
        "text/json",
    ],
)
def test_a_body_that_is_not_json_is_415(api, writer, content_type):
    with nothing_changes():
        response = api.post(
            "/persons", raw=json.dumps(person_body()), token=writer, content_type=content_type
        )
    problem_of(response, 415, "unsupported_media_type")


def test_json_with_a_charset_or_a_json_suffix_is_accepted(api, writer):
    response = api.post(
        "/persons",
        raw=json.dumps(person_body()),
        token=writer,
        content_type="application/json; charset=utf-8",
    )
    assert response.status_code == 201, response.content
    other = api.post(
        "/persons",
        raw=json.dumps(person_body(social_security_number=MAN)),
        token=writer,
        content_type="application/merge-patch+json",
    )
    assert other.status_code == 201, other.content


@pytest.mark.parametrize(
    "raw",
    [
        b"{",
        b'{"name": "\xe7\x8e\x8b", }',
        b"{'name': 'x'}",
        b'{"social_security_number": "44010619900307028X"} trailing',
        b'{"name": "\xff\xfe"}',
        b'\xff\xfe{\x00"\x00}\x00',
        b'{"name": "\xed\xa0\x80"}',
        b'{"name": "a\x00b"}',
        b'{"name": "line\nbreak"}',
        b"\x00",
        b"[" * 100_000 + b"]" * 100_000,
        b'{"a":' * 40_000 + b"1" + b"}" * 40_000,
        b'{"social_security_number": 1' + b"0" * 5000 + b"}",
    ],
    ids=[
        "unclosed",
        "trailing-comma",
        "single-quotes",
        "trailing-garbage",
        "invalid-utf8",
        "utf16",
        "utf8-surrogate",
        "raw-nul-in-string",
        "raw-newline-in-string",
        "raw-nul",
        "deeply-nested-array",
        "deeply-nested-object",
        "integer-too-long-to-read",
    ],
)
def test_a_body_that_is_not_json_is_400_malformed_json(api, writer, raw):
    with nothing_changes():
        response = api.post("/persons", raw=raw, token=writer)
    problem_of(response, 400, "malformed_json")


def test_an_empty_body_is_422_body_required(api, writer):
    with nothing_changes():
        response = api.post("/persons", raw=b"", token=writer)
    body = problem_of(response, 422, "validation_error")
    assert body["errors"] == [{"field": "body", "message": "Field required"}]


@pytest.mark.parametrize(
    "raw",
    [b"[]", b'[{"name": "x"}]', b'"a string"', b"42", b"null", b"true", b"1e999"],
)
def test_json_that_is_not_an_object_is_422_on_the_body(api, writer, raw):
    with nothing_changes():
        response = api.post("/persons", raw=raw, token=writer)
    body = problem_of(response, 422, "validation_error")
    assert [e["field"] for e in body["errors"]] == ["body"]
    assert all(isinstance(e["message"], str) and e["message"] for e in body["errors"])


@pytest.mark.parametrize(
    ("changes", "fields"),
    [
        ({"name": 42}, ["name"]),
        ({"name": ["王芳"]}, ["name"]),
        ({"name": {"zh": "王芳"}}, ["name"]),
        ({"phone": None}, ["phone"]),
        ({"phone": True}, ["phone"]),
        ({"social_security_number": 440106199003070280}, ["social_security_number"]),
        ({"social_security_number": 10**400}, ["social_security_number"]),
        ({"social_security_number": 1e308}, ["social_security_number"]),
        ({"guardians": "someone"}, ["guardians"]),
        ({"guardians": [{"social_security_number": MAN}]}, ["guardians[0].relation"]),
        (
            {"guardians": [{"social_security_number": MAN, "relation": "parent", "x": 1}]},
            ["guardians[0].x"],
        ),
        ({"nickname": "芳芳"}, ["nickname"]),
        ({"nickname": "芳芳", "age": 36}, ["nickname", "age"]),
        ({"Name": "王芳"}, ["Name"]),
    ],
)
def test_wrong_types_and_unknown_fields_are_422_naming_each_field(api, writer, changes, fields):
    with nothing_changes():
        response = api.post("/persons", raw=json.dumps(person_body(**changes)), token=writer)
    body = problem_of(response, 422, "validation_error")
    assert [e["field"] for e in body["errors"]] == fields
    for error in body["errors"]:
        assert set(error) == {"field", "message"}
        assert isinstance(error["message"], str) and error["message"]


def test_an_unknown_field_is_said_to_be_unknown(api, writer):
    with nothing_changes():
        response = api.post("/persons", person_body(nickname="芳芳"), token=writer)
    body = problem_of(response, 422, "validation_error")
    assert body["errors"] == [{"field": "nickname", "message": "is not a field of this request"}]


def test_a_huge_number_in_a_query_is_422(api):
    body = problem_of(api.get("/outlets", limit="9" * 5000), 422, "validation_error")
    assert [e["field"] for e in body["errors"]] == ["limit"]
    body = problem_of(api.get("/outlets", limit="1e999"), 422, "validation_error")
    assert [e["field"] for e in body["errors"]] == ["limit"]


def test_a_content_length_that_is_not_a_number_is_400(api, writer):
    with nothing_changes():
        response = api.http.generic(
            "POST",
            "/api/v1/persons",
            json.dumps(person_body()),
            content_type="application/json",
            headers={"Authorization": f"Bearer {writer}"},
            CONTENT_LENGTH="twelve",
        )
    problem_of(response, 400, "bad_request")


# ---------------------------------------------------------------- NUL characters


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"name": "王\u0000芳"}, "name"),
        ({"address": "天河路\u0000"}, "address"),
        ({"email": "\u0000@example.cn"}, "email"),
        ({"social_security_number": "44010619900307028X\u0000"}, "social_security_number"),
        (
            {"guardians": [{"social_security_number": MAN, "relation": "parent\u0000"}]},
            "guardians[0].relation",
        ),
        ({"nick\u0000name": "x"}, "body"),
    ],
)
def test_a_nul_character_in_a_string_is_422_and_never_reaches_the_database(
    api, writer, changes, field
):
    make_person(social_security_number=MAN)
    with nothing_changes():
        response = api.post("/persons", person_body(**changes), token=writer)
    body = problem_of(response, 422, "validation_error")
    assert body["errors"] == [{"field": field, "message": "must not contain NUL characters"}]


def test_an_escaped_backslash_before_u0000_is_not_a_nul(api, writer):
    response = api.post("/persons", person_body(address="C:\\u0000"), token=writer)
    assert response.status_code == 201, response.content
    assert Person.objects.get().address == "C:\\u0000"


def test_a_nul_character_in_a_query_or_path_is_refused(api, writer, make_token):
    card = make_card()
    reader = make_token("cards:read,cards:verify")
    with nothing_changes():
        query = api.get("/outlets", q="天河\u0000")
        named = api.http.get("/api/v1/outlets?q%00=1")
        card_path = api.get(f"/cards/{card.number}%00", token=reader)
        status_path = api.get(f"/cards/{card.number}%00/status", token=reader)
        person_path = api.get("/persons/44010619900307028X%00", token=writer)
        activation = api.post(
            f"/cards/{card.number}%00/activation", {"pin": "802413"}, token=reader
        )
    assert problem_of(query, 422, "validation_error")["errors"] == [
        {"field": "q", "message": "must not contain NUL characters"}
    ]
    assert problem_of(named, 422, "validation_error")["errors"] == [
        {"field": "q", "message": "must not contain NUL characters"}
    ]
    for response in (card_path, status_path, person_path, activation):
        problem_of(response, 404, "not_found")


# ---------------------------------------------------------------- Idempotency-Key


def created_people() -> int:
    return AuditEvent.objects.filter(action="person.created").count()


def test_a_retry_with_the_same_key_gets_the_first_answer_once(api, writer):
    key = {"Idempotency-Key": "3f1b6c1e-first"}

    first = api.post("/persons", person_body(), token=writer, headers=key)
    again = api.post("/persons", person_body(), token=writer, headers=key)

    assert first.status_code == 201, first.content
    assert "Idempotent-Replayed" not in first
    assert again.status_code == 201
    assert again["Idempotent-Replayed"] == "true"
    assert again.content == first.content
    assert again["Content-Type"].startswith("application/json")
    assert Person.objects.count() == 1
    assert created_people() == 1
    assert IdempotencyRecord.objects.count() == 1


def test_without_a_key_a_retry_is_a_second_request(api, writer):
    assert api.post("/persons", person_body(), token=writer).status_code == 201
    problem_of(api.post("/persons", person_body(), token=writer), 409, "person_exists")
    assert created_people() == 1


def test_the_same_key_with_another_body_is_409_idempotency_key_reused(api, writer):
    key = {"Idempotency-Key": "k-1"}
    assert api.post("/persons", person_body(), token=writer, headers=key).status_code == 201
    with nothing_changes():
        other = api.post(
            "/persons", person_body(social_security_number=MAN), token=writer, headers=key
        )
        other_path = api.post(
            "/cards/A00000018/activation", {"pin": "802413"}, token=writer, headers=key
        )
    problem_of(other, 409, "idempotency_key_reused")
    problem_of(other_path, 409, "idempotency_key_reused")
    assert not Person.objects.filter(social_security_number=MAN).exists()


def test_a_key_belongs_to_one_token(api, writer, make_token):
    key = {"Idempotency-Key": "shared-key"}
    other_writer = make_token("persons:write,persons:read")
    assert api.post("/persons", person_body(), token=writer, headers=key).status_code == 201

    # The same key from another token is another request: processed, not replayed.
    same_body = api.post("/persons", person_body(), token=other_writer, headers=key)
    other_body = api.post(
        "/persons",
        person_body(social_security_number=MAN),
        token=other_writer,
        headers={"Idempotency-Key": "shared-key-2"},
    )
    reused_elsewhere = api.post(
        "/persons", person_body(social_security_number=MAN), token=writer, headers=key
    )

    problem_of(same_body, 409, "person_exists")
    assert "Idempotent-Replayed" not in same_body
    assert other_body.status_code == 201, other_body.content
    problem_of(reused_elsewhere, 409, "idempotency_key_reused")
    assert created_people() == 2


def test_a_refusal_is_replayed_too(api, writer):
    key = {"Idempotency-Key": "bad-phone"}
    first = api.post("/persons", person_body(phone="12"), token=writer, headers=key)
    problem_of(first, 422, "validation_error")
    with nothing_changes():
        again = api.post("/persons", person_body(phone="12"), token=writer, headers=key)
    problem_of(again, 422, "validation_error")
    assert again["Idempotent-Replayed"] == "true"
    assert again.content == first.content


def test_after_a_day_the_key_is_free_again(api, writer):
    key = {"Idempotency-Key": "daily"}
    assert api.post("/persons", person_body(), token=writer, headers=key).status_code == 201
    later = clock.now() + dt.timedelta(hours=settings.IDEMPOTENCY_TTL_HOURS, seconds=1)
    with frozen_at(later):
        response = api.post("/persons", person_body(), token=writer, headers=key)
    problem_of(response, 409, "person_exists")
    assert "Idempotent-Replayed" not in response


@pytest.mark.parametrize("key", ["k" * 256, "   ", "", "key\u0000", "ключ", "tab\tkey"], ids=repr)
def test_an_invalid_key_is_422(api, writer, key):
    with nothing_changes():
        response = api.post(
            "/persons", person_body(), token=writer, headers={"Idempotency-Key": key}
        )
    body = problem_of(response, 422, "invalid_idempotency_key")
    assert [e["field"] for e in body["errors"]] == ["Idempotency-Key"]


def test_the_longest_key_is_255_characters(api, writer):
    key = {"Idempotency-Key": "k" * 255}
    assert api.post("/persons", person_body(), token=writer, headers=key).status_code == 201
    again = api.post("/persons", person_body(), token=writer, headers=key)
    assert again["Idempotent-Replayed"] == "true"


def test_without_a_valid_token_a_key_is_neither_checked_nor_kept(api):
    with nothing_changes():
        long_key = api.post("/persons", person_body(), headers={"Idempotency-Key": "k" * 256})
        good_key = api.post(
            "/persons", person_body(), token="ssk_nope", headers={"Idempotency-Key": "k-2"}
        )
    problem_of(long_key, 401, "unauthorized")
    problem_of(good_key, 401, "unauthorized")


def test_an_activation_retried_with_its_key_activates_once(api, make_token, agency):
    card = make_card(status=CardStatus.SEALED, bank_status=BankStatus.NOT_OPENED, pin_hash="")
    token = make_token("cards:activate", outlet="AG0001")
    key = {"Idempotency-Key": "activate-1"}
    body = {"pin": "802413", "documents": ["id_card"]}

    first = api.post(f"/cards/{card.number}/activation", body, token=token, headers=key)
    again = api.post(f"/cards/{card.number}/activation", body, token=token, headers=key)
    unkeyed = api.post(f"/cards/{card.number}/activation", body, token=token)

    assert first.status_code == 200, first.content
    assert (again.status_code, again["Idempotent-Replayed"]) == (200, "true")
    assert again.content == first.content
    problem_of(unkeyed, 409, "card_not_activatable")
    assert AuditEvent.objects.filter(action="card.activated").count() == 1


# ---------------------------------------------------------------- sscard token


def token_command(*args: str) -> tuple[str, str]:
    out, err = StringIO(), StringIO()
    call_command("token", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_token_create_prints_the_token_last_and_stores_only_its_hash(api):
    card = make_card()

    out, err = token_command(
        "create", "--name", "hospital-1", "--scopes", "cards:verify, pins:verify"
    )

    token = out.rstrip("\n").splitlines()[-1]
    assert re.fullmatch(r"ssk_[A-Za-z0-9_-]{40,}", token)
    assert "hospital-1" in err and "cards:verify, pins:verify" in err
    assert token not in err
    client = ApiClient.objects.get(name="hospital-1")
    assert client.scopes == ["cards:verify", "pins:verify"]
    assert (client.outlet, client.bank, client.revoked_at) == (None, None, None)
    assert client.token_hash == hashlib.sha256(token.encode()).hexdigest()
    stored = json.dumps(
        ApiClient.objects.filter(pk=client.pk).values().get(), default=str, ensure_ascii=False
    )
    assert token not in stored
    assert token[8:] not in stored
    assert token not in json.dumps(list(AuditEvent.objects.values()), default=str)
    # The token works at once.
    response = api.get(f"/cards/{card.number}/status", token=token)
    assert response.status_code == 200, response.content


def test_token_create_binds_an_outlet_and_a_bank(bank, agency):
    BankOutletFactory.create(code="BK0001", bank=bank)

    token_command(
        "create", "--name", "window-ag", "--scopes", "cards:activate", "--outlet", "ag0001"
    )
    token_command("create", "--name", "icbc", "--scopes", "production:write", "--bank", "ICBC")
    token_command("create", "--name", "icbc-th", "--scopes", "cards:activate", "--outlet", "BK0001")

    bound = {
        c.name: (c.outlet.code if c.outlet else None, c.bank.code if c.bank else None)
        for c in ApiClient.objects.all()
    }
    assert bound == {
        "window-ag": ("AG0001", None),
        "icbc": (None, "ICBC"),
        # A bank outlet binds its bank too.
        "icbc-th": ("BK0001", "ICBC"),
    }


def test_token_revoke_refuses_the_next_request(api):
    card = make_card()
    out, _ = token_command("create", "--name", "pharmacy-2", "--scopes", "cards:verify")
    token = out.splitlines()[-1]
    assert api.get(f"/cards/{card.number}/status", token=token).status_code == 200

    revoked, _ = token_command("revoke", "pharmacy-2")

    assert revoked.strip() == "Revoked API client pharmacy-2."
    assert ApiClient.objects.get(name="pharmacy-2").revoked_at is not None
    problem_of(api.get(f"/cards/{card.number}/status", token=token), 401, "unauthorized")
    assert AuditEvent.objects.filter(action="api_client.revoked").count() == 1


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--scopes", "cards:verify,cards:fly"], "Unknown scopes: cards:fly"),
        (["--scopes", "admin,root"], "Unknown scopes: admin, root"),
        (["--scopes", " , "], "At least one scope is needed."),
        (["--scopes", "cards:verify", "--outlet", "NOPE01"], "No outlet NOPE01."),
        (["--scopes", "cards:verify", "--bank", "NOPE"], "No bank NOPE."),
        (
            ["--scopes", "cards:verify", "--name", ""],
            "A client needs a name of 1 to 64 characters.",
        ),
    ],
)
def test_token_create_refuses_what_it_does_not_know(args, message):
    with nothing_changes(), pytest.raises(CommandError) as refused:
        token_command("create", "--name", "partner-x", *args)
    assert str(refused.value) == message


def test_token_create_refuses_a_name_in_use():
    token_command("create", "--name", "partner-y", "--scopes", "cards:verify")
    with nothing_changes(), pytest.raises(CommandError) as refused:
        token_command("create", "--name", "partner-y", "--scopes", "cards:read")
    assert str(refused.value) == "A client named partner-y exists."


def test_token_revoke_of_an_unknown_client_is_refused():
    with nothing_changes(), pytest.raises(CommandError) as refused:
        token_command("revoke", "nobody")
    assert str(refused.value) == "No client named nobody."


# ---------------------------------------------------------------- OpenAPI and docs

# Every operation of API.md, as written there.
API_MD_OPERATIONS = {
    ("post", "/persons"),
    ("get", "/persons/{ssn}"),
    ("get", "/cards/{card_number}/status"),
    ("get", "/cards/{card_number}"),
    ("post", "/cards/{card_number}/activation"),
    ("post", "/cards/{card_number}/pin/verify"),
    ("post", "/cards/{card_number}/pin/reset"),
    ("post", "/loss-reports"),
    ("get", "/loss-reports/{reference}"),
    ("post", "/loss-reports/{reference}/lift"),
    ("post", "/card-applications"),
    ("get", "/card-applications/{number}"),
    ("get", "/card-applications"),
    ("post", "/card-applications/{number}/events"),
    ("get", "/outlets"),
    ("post", "/auth/otp"),
    ("post", "/auth/token"),
    ("get", "/me"),
}
API_MD_CARD_STATUSES = [
    "in_production",
    "awaiting_collection",
    "sealed",
    "normal",
    "temporarily_lost",
    "formally_lost",
    "pin_locked",
    "cancelled",
    "expired",
]
API_MD_BANK_STATUSES = ["not_opened", "normal", "frozen", "closed"]
API_MD_APPLICATION_STATUSES = [
    "submitted",
    "receipt_issued",
    "bank_accepted",
    "in_production",
    "production_failed",
    "ready_for_collection",
    "mailed",
    "collected",
    "lapsed",
    "cancelled",
]
API_MD_PRODUCTION_EVENTS = [
    "bank_accepted",
    "in_production",
    "production_failed",
    "ready_for_collection",
    "mailed",
    "collected",
    "cancelled",
]
API_MD_OUTLET_TYPES = [
    "community_committee",
    "subdistrict_office",
    "social_insurance_agency",
    "hrss_bureau",
    "bank_outlet",
    "self_service_terminal",
]
API_MD_SERVICES = [
    "intake",
    "temporary_loss_report",
    "formal_loss_report",
    "lift",
    "reissue",
    "instant_issuance",
    "collection",
    "activation",
    "pin_reset",
    "inquiry",
]


@pytest.fixture
def openapi(api) -> dict[str, Any]:
    response = api.http.get("/api/v1/openapi.json")
    assert response.status_code == 200, response.content
    assert response["Content-Type"].startswith("application/json")
    document: dict[str, Any] = response.json()
    assert document["openapi"].startswith("3.")
    return document


def resolve(document: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in schema:
        name = schema["$ref"].removeprefix("#/components/schemas/")
        schema = document["components"]["schemas"][name]
    return schema


def enum_of(document: dict[str, Any], schema: dict[str, Any]) -> list[str]:
    """The enum of a property, through references and an optional null."""
    schema = resolve(document, schema)
    if "enum" in schema:
        return list(schema["enum"])
    for option in schema.get("anyOf", []) + schema.get("oneOf", []):
        option = resolve(document, option)
        if "enum" in option:
            return list(option["enum"])
    raise AssertionError(f"no enum in {schema}")


def response_schema(document: dict[str, Any], path: str, method: str, status: str) -> Any:
    response = document["paths"]["/api/v1" + path][method]["responses"][status]
    return resolve(document, response["content"]["application/json"]["schema"])


def normalised(path: str) -> str:
    return re.sub(r"\{[^}]+\}", "{}", path)


def test_every_operation_of_api_md_is_in_the_openapi_document(openapi):
    served = {
        (method, normalised(path.removeprefix("/api/v1")))
        for path, operations in openapi["paths"].items()
        for method in operations
    }
    wanted = {(method, normalised(path)) for method, path in API_MD_OPERATIONS}
    assert wanted - served == set()
    # The path parameters keep API.md's names.
    assert "/api/v1/persons/{ssn}" in openapi["paths"]
    assert "/api/v1/cards/{card_number}/status" in openapi["paths"]


def test_the_outlet_finder_is_public_and_the_rest_need_a_bearer_token(openapi):
    assert openapi["components"]["securitySchemes"]["BearerAuth"] == {
        "type": "http",
        "scheme": "bearer",
    }
    public = {("get", "/outlets"), ("post", "/auth/otp"), ("post", "/auth/token")}
    for method, path in API_MD_OPERATIONS:
        operation = openapi["paths"]["/api/v1" + path][method]
        assert bool(operation.get("security")) == ((method, path) not in public), (method, path)


def test_the_status_response_has_api_mds_statuses(openapi):
    schema = response_schema(openapi, "/cards/{card_number}/status", "get", "200")
    assert set(schema["required"]) == {
        "card_number",
        "status",
        "usable",
        "bank_status",
        "expires_on",
        "blocked_until",
    }
    assert enum_of(openapi, schema["properties"]["status"]) == API_MD_CARD_STATUSES
    assert enum_of(openapi, schema["properties"]["bank_status"]) == API_MD_BANK_STATUSES


def test_the_application_statuses_and_events_are_api_mds(openapi):
    schema = response_schema(openapi, "/card-applications/{number}", "get", "200")
    assert enum_of(openapi, schema["properties"]["status"]) == API_MD_APPLICATION_STATUSES
    entry = resolve(openapi, schema["properties"]["timeline"]["items"])
    assert enum_of(openapi, entry["properties"]["status"]) == API_MD_APPLICATION_STATUSES
    request = openapi["paths"]["/api/v1/card-applications/{number}/events"]["post"]
    body = resolve(openapi, request["requestBody"]["content"]["application/json"]["schema"])
    assert enum_of(openapi, body["properties"]["type"]) == API_MD_PRODUCTION_EVENTS


def test_the_outlet_types_and_services_are_api_mds(openapi):
    outlets = response_schema(openapi, "/outlets", "get", "200")
    outlet = resolve(openapi, outlets["items"])
    assert enum_of(openapi, outlet["properties"]["type"]) == API_MD_OUTLET_TYPES
    services = resolve(openapi, outlet["properties"]["services"])
    assert enum_of(openapi, services["items"]) == API_MD_SERVICES
    parameters = {p["name"]: p for p in openapi["paths"]["/api/v1/outlets"]["get"]["parameters"]}
    assert {"service", "type", "region", "near", "q"} <= set(parameters)
    assert enum_of(openapi, parameters["type"]["schema"]) == API_MD_OUTLET_TYPES
    assert enum_of(openapi, parameters["service"]["schema"]) == API_MD_SERVICES


@pytest.mark.parametrize(
    ("method", "path", "statuses"),
    [
        ("post", "/persons", {"201", "401", "403", "409", "422"}),
        ("get", "/persons/{ssn}", {"200", "401", "403", "404", "422"}),
        ("get", "/cards/{card_number}/status", {"200", "401", "403", "404"}),
        ("get", "/cards/{card_number}", {"200", "401", "403", "404"}),
        ("post", "/cards/{card_number}/activation", {"200", "401", "403", "404", "409", "422"}),
        ("post", "/cards/{card_number}/pin/verify", {"200", "401", "403", "404", "409", "423"}),
        ("post", "/cards/{card_number}/pin/reset", {"200", "401", "403", "404", "409", "422"}),
        ("get", "/outlets", {"200", "422"}),
    ],
)
def test_the_answers_of_api_md_are_declared(openapi, method, path, statuses):
    declared = set(openapi["paths"]["/api/v1" + path][method]["responses"])
    assert statuses - declared == set()


def test_errors_are_documented_as_problems(openapi):
    for path, operations in openapi["paths"].items():
        for method, operation in operations.items():
            for status, response in operation["responses"].items():
                if int(status) >= 400 and response.get("content"):
                    assert list(response["content"]) == [PROBLEM], (method, path, status)


def test_the_docs_page_works_offline(api):
    response = api.http.get("/api/v1/docs")

    assert response.status_code == 200
    html = response.content.decode()
    assert "/api/v1/openapi.json" in html
    assert not re.search(r"https?://", html), re.findall(r"https?://[^\s\"'<>]+", html)
    assets = re.findall(r"""(?:src|href)=["']([^"']+)["']""", html)
    assert any(a.endswith(".js") for a in assets) and any(a.endswith(".css") for a in assets)
    static = "/" + settings.STATIC_URL.lstrip("/")
    for asset in assets:
        assert asset.startswith(static), asset
        assert finders.find(asset.removeprefix(static)), asset
