"""The served OpenAPI document as partners' own tools take it: an independent validator
(openapi-spec-validator) accepts it, every operation has a readable and stable operationId (a
generated client's function names), and a client generated from it by a common generator
(openapi-python-client) calls the running service over HTTP."""

from __future__ import annotations

import importlib
import json
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from django.test import Client
from openapi_spec_validator import validate
from openapi_spec_validator.validation.exceptions import OpenAPIValidationError

from sscard.cards.numbers import card_number_for
from tests.factories import make_card, make_outlet

PACKAGE = "sscard_partner_client"

# Operation ids are a partner's function names: changing one breaks their code.
OPERATION_IDS = {
    ("get", "/api/v1/ping"): "ping",
    ("post", "/api/v1/persons"): "createPerson",
    ("get", "/api/v1/persons/{ssn}"): "getPerson",
    ("post", "/api/v1/cards/status:batch"): "getCardStatusBatch",
    ("get", "/api/v1/cards/{card_number}/status"): "getCardStatus",
    ("get", "/api/v1/cards/{card_number}"): "getCard",
    ("post", "/api/v1/cards/{card_number}/activation"): "activateCard",
    ("post", "/api/v1/cards/{card_number}/pin/verify"): "verifyPin",
    ("post", "/api/v1/cards/{card_number}/pin/reset"): "resetPin",
    ("post", "/api/v1/loss-reports"): "createLossReport",
    ("get", "/api/v1/loss-reports/{reference}"): "getLossReport",
    ("post", "/api/v1/loss-reports/{reference}/lift"): "liftLossReport",
    ("post", "/api/v1/card-applications"): "createCardApplication",
    ("get", "/api/v1/card-applications"): "findCardApplications",
    ("get", "/api/v1/card-applications/{number}"): "getCardApplication",
    ("post", "/api/v1/card-applications/{number}/events"): "recordProductionEvent",
    ("get", "/api/v1/outlets"): "listOutlets",
    ("post", "/api/v1/auth/otp"): "requestSignInCode",
    ("post", "/api/v1/auth/token"): "createCitizenToken",
    ("delete", "/api/v1/auth/token"): "revokeCitizenToken",
    ("get", "/api/v1/me"): "getMe",
    ("put", "/api/v1/contributions"): "bookContributions",
    ("get", "/api/v1/persons/{ssn}/contributions"): "getPersonContributions",
    ("get", "/api/v1/me/contributions"): "getMyContributions",
    ("get", "/api/v1/persons/{ssn}/rights"): "getPersonRights",
    ("get", "/api/v1/me/rights"): "getMyRights",
    ("post", "/api/v1/me/record-disputes"): "createRecordDispute",
    ("get", "/api/v1/persons/{ssn}/statements/{year}.pdf"): "getPersonStatement",
    ("get", "/api/v1/me/statements/{year}.pdf"): "getMyStatement",
    ("post", "/api/v1/me/ecard"): "issueEcard",
    ("delete", "/api/v1/me/ecard"): "revokeEcard",
    ("post", "/api/v1/me/ecard/codes"): "createEcardCode",
    ("post", "/api/v1/ecard/verify"): "verifyEcardCode",
    ("get", "/api/v1/ecard/keys"): "getEcardKeys",
}


def served_document() -> dict[str, Any]:
    response = Client().get("/api/v1/openapi.json")
    assert response.status_code == 200
    return dict(response.json())


def test_an_independent_validator_accepts_the_served_document() -> None:
    validate(served_document())  # raises on any error


def test_the_validator_refuses_a_list_where_a_map_of_examples_belongs() -> None:
    """What the document had: ninja copies a field's JSON Schema `examples` list onto the
    query parameter. The check above would catch it coming back."""
    document = served_document()
    near = next(
        p for p in document["paths"]["/api/v1/outlets"]["get"]["parameters"] if p["name"] == "near"
    )
    assert near["examples"] == {"example": {"value": "23.13,113.32"}}
    near["examples"] = ["23.13,113.32"]

    with pytest.raises(OpenAPIValidationError):
        validate(document)


def test_every_operation_has_its_readable_stable_operation_id() -> None:
    paths = served_document()["paths"]

    served = {
        (method, path): operation.get("operationId")
        for path, operations in paths.items()
        for method, operation in operations.items()
    }

    assert served == OPERATION_IDS


# ---------------------------------------------------------------- a generated client


@pytest.fixture
def generated_client(tmp_path: Path) -> Iterator[ModuleType]:
    """The client a partner would generate from the served document, imported from a temporary
    directory (and forgotten afterwards)."""
    document = tmp_path / "openapi.json"
    document.write_text(json.dumps(served_document()), encoding="utf-8")
    config = tmp_path / "config.json"
    # No formatting hooks: the generator's output runs as it is. The generator reads a PDF
    # (the yearly statement) as bytes once told that it is one: its documented override.
    overrides = {"application/pdf": "application/octet-stream"}
    config.write_text(
        json.dumps(
            {
                "package_name_override": PACKAGE,
                "post_hooks": [],
                "content_type_overrides": overrides,
            }
        )
    )
    out = tmp_path / "client"
    generator = Path(sys.executable).with_name("openapi-python-client")
    arguments = ["--path", str(document), "--meta", "none", "--config", str(config)]
    run = subprocess.run(
        [str(generator), "generate", *arguments, "--output-path", str(out)],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert run.returncode == 0, run.stdout + run.stderr
    assert "Warning" not in run.stdout + run.stderr, run.stdout + run.stderr
    sys.path.insert(0, str(tmp_path))
    out.rename(tmp_path / PACKAGE)
    try:
        yield importlib.import_module(PACKAGE)
    finally:
        sys.path.remove(str(tmp_path))
        for name in [m for m in sys.modules if m == PACKAGE or m.startswith(PACKAGE + ".")]:
            del sys.modules[name]


def _api(package: ModuleType, name: str) -> Any:
    return importlib.import_module(f"{PACKAGE}.api.{name}")


@pytest.mark.django_db(transaction=True)
def test_a_generated_client_calls_the_running_service(
    generated_client: ModuleType, live_server: Any, make_token: Callable[..., str]
) -> None:
    card = make_card()
    make_outlet(code="AG0001", name="天河区社会保险经办中心", lat=23.13, lon=113.33)
    make_outlet(code="AG0002", name="海珠区社会保险经办中心", lat=23.08, lon=113.30)
    token = make_token("cards:verify,loss:report,outlets:read", name="hospital-1")
    client = generated_client.AuthenticatedClient(base_url=live_server.url, token=token)
    models = importlib.import_module(f"{PACKAGE}.models")
    get_card_status = _api(generated_client, "cards.get_card_status")
    create_loss_report = _api(generated_client, "loss_reports.create_loss_report")
    list_outlets = _api(generated_client, "outlets.list_outlets")

    status = get_card_status.sync(card_number=card.number, client=client)
    report = create_loss_report.sync(
        client=client,
        body=models.LossReportIn.from_dict(
            {
                "card_number": card.number,
                "kind": "temporary",
                "channel": "hotline",
                "reporter": {
                    "social_security_number": card.person.social_security_number,
                    "name": card.person.name,
                    "relation": "self",
                },
            }
        ),
    )
    blocked = get_card_status.sync(card_number=card.number, client=client)
    missing = get_card_status.sync(card_number=card_number_for(8_765_432), client=client)
    outlets = list_outlets.sync(client=client, near="23.13,113.32")

    assert isinstance(status, models.CardStatusOut)
    assert (status.card_number, status.status.value, status.usable) == (card.number, "normal", True)
    assert isinstance(report, models.LossReportCreated)
    assert (report.card_number, report.kind.value, report.status) == (
        card.number,
        "temporary",
        "effective",
    )
    assert (blocked.status.value, blocked.usable) == ("temporarily_lost", False)
    assert isinstance(missing, models.Problem)
    assert (missing.status, missing.code) == (404, "card_not_found")
    assert [o.code for o in outlets] == ["AG0001", "AG0002"]
    assert outlets[0].distance_km < outlets[1].distance_km
