"""The served OpenAPI document against the API itself, with Schemathesis.

The document is loaded from the Django application in-process (WSGI), and every operation is
called with generated requests, valid and invalid, by a token holding every scope, over a small
demo-like data set. Every answer must not be a server error, must match the schema and the
media type the document declares, and must carry a status code the operation declares.

Generated identifiers almost never exist, so about half of them (path parameters, ID numbers,
card numbers and outlet codes in bodies) are swapped for ones that do, or for valid new ID
numbers: the calls then get past the lookups into the services. Bounded and seeded: the same
requests on every run.
"""

from __future__ import annotations

import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from config.wsgi import application
from sscard.applications.services.applying import apply_for_card
from sscard.cards.models import CardStatus
from sscard.cards.services import report_loss
from sscard.common.context import Actor, Channel, Role
from sscard.outlets.models import OutletType, Service
from sscard.partners.models import Scope
from sscard.people.models import Person
from tests.caches import emptied_cache
from tests.factories import (
    BankFactory,
    BankOutletFactory,
    citizen_id,
    make_card,
    make_guardianship,
    make_outlet,
    make_person,
)

pytestmark = pytest.mark.django_db

MAX_EXAMPLES = 50
SEED = 20_260_310
CONFIG = schemathesis.Config.from_dict(
    {
        "seed": SEED,
        "generation": {"max-examples": MAX_EXAMPLES, "deterministic": True, "database": "none"},
    }
)
CHECKS = [
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
    content_type_conformance,
]

# Loaded once, at collection: the document does not depend on the data. (Schemathesis's lazy
# `schemathesis.pytest.from_fixture` does not run under pytest 9.2: it sets `Function._nodeid`.)
schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", application, config=CONFIG)


@dataclass(frozen=True)
class Demo:
    token: str
    people: list[Person]
    known: dict[str, list[str]]


@pytest.fixture(autouse=True)
def fresh_rate_limits() -> Iterator[None]:
    with emptied_cache():
        yield


@pytest.fixture
def in_test_transaction() -> Iterator[None]:
    """A WSGI request closes the database connection when it starts and ends, and with it the
    test's transaction; Django's own test client unhooks the same two signals."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


@pytest.fixture
def demo(make_token: Any) -> Demo:
    """Outlets of several types at two banks, adults, a child and its parent, cards in several
    states, a temporary and a formal loss report, and a reissue application."""
    icbc = BankFactory.create(code="ICBC", name="中国工商银行")
    ccb = BankFactory.create(code="CCB", name="中国建设银行")
    agency = make_outlet(code="AG0001", name="天河区社会保险经办中心")
    BankOutletFactory.create(code="BK0001", bank=icbc)
    BankOutletFactory.create(code="BK0002", bank=ccb, lat=23.10, lon=113.30)
    make_outlet(
        code="CC0001",
        type=OutletType.COMMUNITY_COMMITTEE,
        services=[Service.INTAKE],
        lat=23.2,
        lon=113.4,
    )
    make_outlet(
        code="SS0001",
        type=OutletType.SELF_SERVICE_TERMINAL,
        services=[Service.TEMPORARY_LOSS_REPORT, Service.INQUIRY],
    )
    in_hand = make_card(bank=icbc)
    lost = make_card(bank=icbc)
    formal = make_card(bank=ccb)
    sealed = make_card(bank=icbc, status=CardStatus.SEALED, pin_hash="")
    parent = make_person()
    child = make_person(age=8)
    make_guardianship(guardian=parent, ward=child)
    child_card = make_card(person=child, bank=icbc)
    window = Actor(
        kind="staff",
        id="clerk-1",
        role=Role.WINDOW_CLERK,
        channel=Channel.WINDOW,
        outlet_code=agency.code,
    )
    temporary = report_loss(
        actor=window,
        card=lost,
        kind="temporary",
        reporter=lost.person,
        relation="self",
        documents=["id_card"],
        outlet=agency,
    ).report
    written = report_loss(
        actor=window,
        card=formal,
        kind="formal",
        reporter=formal.person,
        relation="self",
        documents=["id_card"],
        outlet=agency,
    ).report
    reissue = apply_for_card(
        actor=window,
        type="reissue",
        person=formal.person,
        applicant=formal.person,
        relation="self",
        documents=["id_card"],
        outlet=agency,
    )
    cards = [in_hand, lost, formal, sealed, child_card]
    people = [card.person for card in cards] + [parent]
    return Demo(
        token=make_token(",".join(Scope.values), outlet=agency.code, name="schemathesis"),
        people=people,
        known={
            "ssn": [p.social_security_number for p in people],
            "new_ssn": [citizen_id(), citizen_id(age=40, male=False), citizen_id(age=10)],
            "card_number": [card.number for card in cards],
            "reference": [temporary.reference, written.reference],
            "number": [reissue.number],
            "outlet_code": ["AG0001", "BK0001", "CC0001", "SS0001"],
            "bank_code": ["ICBC", "CCB"],
        },
    )


def _pick(value: object, choices: list[Any]) -> Any | None:
    """Deterministically, for about half of the values: one of the choices."""
    digest = zlib.crc32(repr(value).encode())
    return choices[digest // 2 % len(choices)] if digest % 2 else None


def _use_known(case: Any, demo: Demo) -> None:
    path = case.path_parameters or {}
    for name, value in path.items():
        if name in demo.known and (known := _pick(value, demo.known[name])) is not None:
            path[name] = known
    body = case.body
    if not isinstance(body, dict):
        return
    for name in ("card_number", "outlet_code", "bank_code"):
        if isinstance(body.get(name), str) and (known := _pick(body[name], demo.known[name])):
            body[name] = known
    if isinstance(body.get("social_security_number"), str):
        number = _pick(body["social_security_number"], demo.known["ssn"] + demo.known["new_ssn"])
        if number is not None:
            body["social_security_number"] = number
    if isinstance(body.get("channel"), str) and _pick(body["channel"], ["window"]):
        body["channel"] = "window"
    for party in ("reporter", "applicant", "presenter", "lifter"):
        inner = body.get(party)
        if isinstance(inner, dict) and isinstance(inner.get("social_security_number"), str):
            person = _pick(inner["social_security_number"], demo.people)
            if person is not None:
                inner["social_security_number"] = person.social_security_number
                if isinstance(inner.get("name"), str):
                    inner["name"] = person.name


@schema.parametrize()
# The data is shared by the examples of one operation on purpose: it builds up as a real
# database's does (reports renewed, PINs locked); each operation starts again from the demo.
@settings(suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_every_operation_answers_as_documented(
    case: Any, demo: Demo, in_test_transaction: None
) -> None:
    _use_known(case, demo)
    case.call_and_validate(headers={"Authorization": f"Bearer {demo.token}"}, checks=CHECKS)


CONTRACT = [
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
    ("put", "/contributions"),
    ("get", "/persons/{ssn}/contributions"),
    ("get", "/me/contributions"),
    ("get", "/persons/{ssn}/rights"),
    ("get", "/me/rights"),
    ("post", "/me/record-disputes"),
    ("get", "/persons/{ssn}/statements/{year}.pdf"),
    ("get", "/me/statements/{year}.pdf"),
]


def test_the_document_has_every_endpoint_of_the_contract_and_errors_as_problems() -> None:
    paths = schema.raw_schema["paths"]
    served = {
        (method, path.removeprefix("/api/v1")) for path, ops in paths.items() for method in ops
    }

    assert set(CONTRACT) <= served
    for path, operations in paths.items():
        for method, operation in operations.items():
            for status, response in operation["responses"].items():
                media = set(response.get("content", {}))
                expected = {"application/problem+json"} if int(status) >= 400 else media
                assert media == expected, (method, path, status)
            if "requestBody" in operation:
                assert {"400", "413", "415", "422"} <= set(map(str, operation["responses"]))
