"""API v1 card applications: POST /card-applications, reading one, finding a receipt, and the
production events a bank records, through to collection.

Each refusal is checked for its problem and for leaving every card, loss report, application,
timeline step, audit event, outbox row and sequence as it was.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Iterator
from decimal import Decimal
from functools import partial
from typing import TYPE_CHECKING, Any

import pytest

from sscard.applications.models import ApplicationEvent, CardApplication
from sscard.applications.receipts import is_valid_receipt_number, make_receipt_number
from sscard.audit.models import AuditEvent
from sscard.cards.models import Card, LossReport
from sscard.common import clock
from sscard.common.clock import frozen_at
from sscard.notifications.models import OutboxMessage
from sscard.outlets.models import Outlet
from sscard.partners.models import Bank
from sscard.people.models import Person
from tests.conftest import ApiCaller
from tests.factories import (
    BankFactory,
    BankOutletFactory,
    citizen_id,
    db_state,
    make_card,
    make_guardianship,
    make_person,
    make_policy,
    nothing_changes,
)

if TYPE_CHECKING:
    # What Django's test client answers: an HttpResponse with .json().
    from django.test.client import _MonkeyPatchedWSGIResponse as HttpResponse

pytestmark = pytest.mark.django_db

SHANGHAI = dt.timezone(dt.timedelta(hours=8))
# A Tuesday, 10:00 in Beijing. The clock is frozen here in every test unless a test moves it.
T0 = dt.datetime(2026, 3, 10, 10, 0, tzinfo=SHANGHAI)
DAY = dt.timedelta(days=1)
HOUR = dt.timedelta(hours=1)
PROBLEMS = "https://sscard.example/problems/"
FIRST_NUMBER = "CA260310000001"
# Tianhe district of Guangzhou, born 1985-07-15, a man.
TIANHE_MAN = "440106198507150019"
HOLDER_NAME = "王建国"
CNY = "CNY"


@pytest.fixture(autouse=True)
def clock_at_t0() -> Iterator[None]:
    with frozen_at(T0):
        yield


# ---------------------------------------------------------------- people, cards, tokens


@pytest.fixture
def holder() -> Person:
    return make_person(social_security_number=TIANHE_MAN, name=HOLDER_NAME, phone="13800138000")


@pytest.fixture
def card(holder: Person, bank: Bank) -> Card:
    return make_card(person=holder, bank=bank)


@pytest.fixture
def other_bank_outlet() -> Outlet:
    other = BankFactory.create(code="CCB", name="中国建设银行")
    return BankOutletFactory.create(code="BK0002", bank=other, name="建设银行天河支行")


@pytest.fixture
def window_token(make_token: Callable[..., str], agency: Outlet) -> str:
    return make_token(
        "loss:report,applications:write,applications:read", outlet=agency.code, name="agency"
    )


@pytest.fixture
def bank_token(make_token: Callable[..., str], bank_outlet: Outlet) -> str:
    return make_token(
        "loss:report,applications:write,applications:read,production:write",
        outlet=bank_outlet.code,
        name="icbc-tianhe",
    )


@pytest.fixture
def other_bank_token(make_token: Callable[..., str], other_bank_outlet: Outlet) -> str:
    return make_token(
        "applications:write,applications:read,production:write",
        outlet=other_bank_outlet.code,
        name="ccb-tianhe",
    )


@pytest.fixture
def verify_token(make_token: Callable[..., str]) -> str:
    return make_token("cards:verify", name="hospital-pos")


# ---------------------------------------------------------------- helpers


def person_ref(person: Person, relation: str = "self") -> dict[str, str]:
    return {
        "social_security_number": person.social_security_number,
        "name": person.name,
        "relation": relation,
    }


def application_body(
    person: Person,
    *,
    type: str = "reissue",
    applicant: Person | None = None,
    relation: str = "self",
    documents: list[str] | None = None,
    outlet: str = "AG0001",
    **extra: Any,
) -> dict[str, Any]:
    return {
        "type": type,
        "social_security_number": person.social_security_number,
        "applicant": person_ref(applicant or person, relation),
        "documents": ["id_card"] if documents is None else documents,
        "outlet_code": outlet,
        **extra,
    }


def at(value: str | None) -> dt.datetime | None:
    if value is None:
        return None
    parsed = dt.datetime.fromisoformat(value)
    assert parsed.tzinfo is not None, value
    return parsed


def ok(response: HttpResponse, status: int = 200) -> Any:
    """The JSON answer: an object, or a list for GET /card-applications."""
    assert response.status_code == status, response.content
    assert response["Content-Type"] == "application/json; charset=utf-8"
    return response.json()


def problem(response: HttpResponse, status: int, code: str) -> dict[str, Any]:
    assert (response.status_code, response["Content-Type"]) == (
        status,
        "application/problem+json",
    ), response.content
    body: dict[str, Any] = response.json()
    assert (body["type"], body["status"], body["code"]) == (PROBLEMS + code, status, code)
    assert body["title"] and body["detail"]
    return body


def everything() -> list[Any]:
    return [
        *Card.objects.order_by("pk"),
        *LossReport.objects.order_by("pk"),
        *CardApplication.objects.order_by("pk"),
        *ApplicationEvent.objects.order_by("pk"),
    ]


def refused(call: Callable[[], HttpResponse], status: int, code: str) -> dict[str, Any]:
    """The call is answered with the problem `code`, and nothing at all has changed."""
    with nothing_changes(*everything()):
        response = call()
    return problem(response, status, code)


def timeline(body: dict[str, Any]) -> list[tuple[Any, ...]]:
    return [
        (e["status"], at(e["at"]), e["channel"], e["outlet_code"], e["note"])
        for e in body["timeline"]
    ]


def money(amount: str) -> dict[str, str]:
    return {"amount": amount, "currency": CNY}


def masked_ssn(ssn: str) -> str:
    return ssn[:6] + "********" + ssn[-4:]


def lose_formally(api: ApiCaller, token: str, card: Card, channel: str = "window") -> None:
    person = card.person
    response = api.post(
        "/loss-reports",
        {
            "card_number": card.number,
            "kind": "formal",
            "channel": channel,
            "reporter": person_ref(person),
            "documents": ["id_card"],
        },
        token=token,
    )
    assert response.status_code == 201, response.content


def apply(api: ApiCaller, token: str, body: dict[str, Any], **headers: str) -> HttpResponse:
    return api.post("/card-applications", body, token=token, headers=headers or None)


def event(api: ApiCaller, token: str, number: str, type: str, **extra: Any) -> HttpResponse:
    return api.post(f"/card-applications/{number}/events", {"type": type, **extra}, token=token)


def status_of(api: ApiCaller, token: str, number: str) -> tuple[str, bool, str]:
    body = ok(api.get(f"/cards/{number}/status", token=token))
    return body["status"], body["usable"], body["bank_status"]


@pytest.fixture
def reissue(api, window_token, holder, card) -> dict[str, Any]:
    """A reissue applied for at the agency after a formal report; the receipt is issued."""
    lose_formally(api, window_token, card)
    return ok(apply(api, window_token, application_body(holder)), 201)


# ---------------------------------------------------------------- applying


def test_a_reissue_after_a_formal_report_gets_its_receipt_at_once(api, window_token, holder, card):
    lose_formally(api, window_token, card)
    clock.travel(HOUR)

    body = ok(apply(api, window_token, application_body(holder)), 201)

    receipt = body.pop("receipt_number")
    assert is_valid_receipt_number(receipt) and receipt.startswith("260310000001")
    assert at(body.pop("created_at")) == T0 + HOUR
    assert timeline(body) == [
        ("submitted", T0 + HOUR, "window", "AG0001", ""),
        ("receipt_issued", T0 + HOUR, "window", "AG0001", ""),
    ]
    del body["timeline"]
    assert body == {
        "number": FIRST_NUMBER,
        "type": "reissue",
        "reason": None,
        "status": "receipt_issued",
        "fee": money("20.00"),
        "fee_waived": False,
        "fee_waiver": None,
        "old_card_number": card.number,
        "new_card_number": None,
        "outlet_code": "AG0001",
        "bank_code": "ICBC",
        "production": "batch",
        "delivery": "pickup",
        "collection_outlet_code": None,
        "tracking_number": None,
        "expected_ready_on": None,
        "collect_by": None,
        "holder": {
            "social_security_number": masked_ssn(TIANHE_MAN),
            "name": "王**",
            "relation": None,
        },
    }
    # From now on the report cannot be lifted: the old card is on its way to cancellation.
    assert LossReport.objects.values_list("reissue_applied_at", flat=True).get() == T0 + HOUR


def test_a_reissue_with_a_hardship_waiver_costs_nothing(api, window_token, holder, card):
    lose_formally(api, window_token, card)
    body = ok(apply(api, window_token, application_body(holder, fee_waiver="hardship")), 201)
    assert (body["fee"], body["fee_waived"], body["fee_waiver"]) == (
        money("0.00"),
        True,
        "hardship",
    )


def test_the_reissue_fee_follows_the_regional_policy(api, window_token, holder, card):
    make_policy(region_prefix="440106", reissue_fee=Decimal("12.50"))
    lose_formally(api, window_token, card)
    body = ok(apply(api, window_token, application_body(holder)), 201)
    assert (body["fee"], body["fee_waived"]) == (money("12.50"), False)


def test_a_first_card_is_free_and_made_at_the_chosen_bank(api, window_token, bank, holder):
    body = ok(apply(api, window_token, application_body(holder, type="new", bank_code="icbc")), 201)
    assert (
        body["type"],
        body["status"],
        body["fee"],
        body["fee_waived"],
        body["fee_waiver"],
        body["old_card_number"],
        body["bank_code"],
    ) == ("new", "receipt_issued", money("0.00"), True, "first_card", None, "ICBC")


def test_a_first_card_needs_a_bank(api, window_token, holder):
    body = refused(
        lambda: apply(api, window_token, application_body(holder, type="new")),
        422,
        "bank_required",
    )
    assert body["errors"] == [{"field": "bank_code", "message": "is required"}]
    body = refused(
        lambda: apply(api, window_token, application_body(holder, type="new", bank_code="NOPE")),
        422,
        "bank_not_found",
    )
    assert body["errors"] == [{"field": "bank_code", "message": "unknown"}]


def test_a_person_with_a_card_applies_for_a_reissue_or_a_replacement(
    api, window_token, holder, card
):
    body = refused(
        lambda: apply(api, window_token, application_body(holder, type="new", bank_code="ICBC")),
        409,
        "card_exists",
    )
    assert body["detail"] == (
        "This person already has a card; apply for a reissue or a replacement instead."
    )


@pytest.mark.parametrize(
    ("reason", "fee_waiver", "fee", "waived", "waiver"),
    [
        ("damaged", None, "10.00", False, None),
        ("info_change", None, "10.00", False, None),
        ("damaged", "hardship", "0.00", True, "hardship"),
        ("quality_fault", None, "0.00", True, "quality_fault"),
    ],
)
def test_a_replacement_costs_the_regional_fee_unless_waived(
    api, window_token, holder, card, reason, fee_waiver, fee, waived, waiver
):
    make_policy(region_prefix="4401", replacement_fee=Decimal("10.00"))
    extra = {"reason": reason} | ({"fee_waiver": fee_waiver} if fee_waiver else {})

    body = ok(apply(api, window_token, application_body(holder, type="replacement", **extra)), 201)

    assert (
        body["type"],
        body["reason"],
        body["fee"],
        body["fee_waived"],
        body["fee_waiver"],
        body["old_card_number"],
    ) == ("replacement", reason, money(fee), waived, waiver, card.number)


def test_an_expired_card_is_replaced(api, window_token, holder):
    old = make_card(person=holder, expires_on=T0.date() - DAY)
    body = ok(
        apply(api, window_token, application_body(holder, type="replacement", reason="expired")),
        201,
    )
    assert (body["old_card_number"], body["fee"]) == (old.number, money("0.00"))


def test_a_lost_card_is_reissued_not_replaced(api, window_token, holder, card):
    lose_formally(api, window_token, card)
    refused(
        lambda: apply(
            api, window_token, application_body(holder, type="replacement", reason="damaged")
        ),
        409,
        "card_not_replaceable",
    )


def test_an_unknown_fee_waiver_is_refused(api, window_token, holder, card):
    lose_formally(api, window_token, card)
    body = refused(
        lambda: apply(api, window_token, application_body(holder, fee_waiver="student")),
        422,
        "validation_error",
    )
    assert body["errors"] == [
        {"field": "fee_waiver", "message": "must be one of: first_card, quality_fault, hardship"}
    ]


def test_a_card_to_be_mailed_needs_an_address(api, window_token, holder, card):
    lose_formally(api, window_token, card)
    body = refused(
        lambda: apply(api, window_token, application_body(holder, delivery="mail")),
        422,
        "validation_error",
    )
    assert body["errors"] == [{"field": "mail_address", "message": "is required for mail"}]

    body = ok(
        apply(
            api,
            window_token,
            application_body(holder, delivery="mail", mail_address="广州市天河区体育西路 100 号"),
        ),
        201,
    )
    assert (body["delivery"], body["collection_outlet_code"]) == ("mail", None)
    assert CardApplication.objects.values_list("mail_address", flat=True).get() == (
        "广州市天河区体育西路 100 号"
    )


def test_a_guardian_applies_for_a_child_with_the_household_register(api, window_token, bank):
    link = make_guardianship(guardian__name="刘芳", ward__name="刘小宝", ward__age=9)
    child_card = make_card(person=link.ward, bank=bank)
    response = api.post(
        "/loss-reports",
        {
            "card_number": child_card.number,
            "kind": "formal",
            "channel": "window",
            "reporter": person_ref(link.guardian, "guardian"),
            "documents": ["household_register", "guardian_id_card"],
        },
        token=window_token,
    )
    assert response.status_code == 201

    body = ok(
        apply(
            api,
            window_token,
            application_body(
                link.ward,
                applicant=link.guardian,
                relation="guardian",
                documents=["household_register", "guardian_id_card"],
            ),
        ),
        201,
    )

    assert (body["status"], body["old_card_number"]) == ("receipt_issued", child_card.number)
    assert CardApplication.objects.values_list(
        "person_id", "applicant_id", "applicant_relation", "documents"
    ).get() == (
        link.ward.pk,
        link.guardian.pk,
        "guardian",
        ["guardian_id_card", "household_register"],
    )


# ---------------------------------------------------------------- refusals of an application


def test_a_reissue_needs_a_formal_loss_report(
    api, hotline_report_token, window_token, holder, card
):
    detail = "A reissue after loss needs a formal (written) loss report on the card first."
    body = refused(
        lambda: apply(api, window_token, application_body(holder)),
        409,
        "formal_loss_report_required",
    )
    assert body["detail"] == detail
    # A temporary report by phone is not enough.
    response = api.post(
        "/loss-reports",
        {
            "card_number": card.number,
            "kind": "temporary",
            "channel": "hotline",
            "reporter": person_ref(holder),
        },
        token=hotline_report_token,
    )
    assert response.status_code == 201
    body = refused(
        lambda: apply(api, window_token, application_body(holder)),
        409,
        "formal_loss_report_required",
    )
    assert body["detail"] == detail


@pytest.fixture
def hotline_report_token(make_token: Callable[..., str]) -> str:
    return make_token("loss:report", name="12333-hotline")


def test_one_application_is_open_at_a_time(api, window_token, bank_token, holder, reissue):
    for token in (window_token, bank_token):
        body = refused(
            partial(apply, api, token, application_body(holder, outlet="")),
            422,
            "validation_error",
        )
        body = refused(
            partial(
                apply,
                api,
                token,
                application_body(holder, outlet="AG0001" if token == window_token else "BK0001"),
            ),
            409,
            "application_open",
        )
        assert (body["detail"], body["open_application"]) == (
            f"Application {FIRST_NUMBER} is still open (receipt_issued).",
            FIRST_NUMBER,
        )


@pytest.mark.parametrize(
    ("relation", "documents", "missing"),
    [
        ("self", [], ["id_card"]),
        ("self", ["guardian_id_card"], ["id_card"]),
        ("parent", ["id_card"], ["guardian_id_card"]),
        ("parent", ["guardian_id_card"], ["id_card"]),
        ("legal_guardian", ["household_register", "guardian_id_card"], ["guardianship_proof"]),
    ],
)
def test_an_application_needs_the_original_documents(
    api, window_token, bank, relation, documents, missing
):
    if relation == "self":
        subject = applicant = make_person(name="钱五")
        as_ = "self"
    else:
        link = make_guardianship(relation=relation, ward__age=9)
        subject, applicant, as_ = link.ward, link.guardian, "guardian"
    make_card(person=subject, bank=bank)
    body_in = application_body(
        subject,
        type="replacement",
        reason="damaged",
        applicant=applicant,
        relation=as_,
        documents=documents,
    )

    body = refused(lambda: apply(api, window_token, body_in), 422, "documents_required")

    assert body["errors"] == [{"field": "documents", "message": f"missing: {c}"} for c in missing]


def test_only_a_recorded_guardian_applies_for_another_person(api, window_token, holder, card):
    lose_formally(api, window_token, card)
    neighbour = make_person(name="孙七")
    body = refused(
        lambda: apply(
            api,
            window_token,
            application_body(
                holder,
                applicant=neighbour,
                relation="guardian",
                documents=["id_card", "guardian_id_card"],
            ),
        ),
        403,
        "not_guardian",
    )
    assert body["detail"] == "Only a recorded guardian may act for another person."


def test_the_applicants_name_must_match_the_id_number(api, window_token, holder, card):
    lose_formally(api, window_token, card)
    body_in = application_body(holder)
    body_in["applicant"]["name"] = "王建军"
    body = refused(lambda: apply(api, window_token, body_in), 422, "applicant_not_matched")
    assert body["errors"] == [
        {"field": "applicant.name", "message": "does not match the ID number"}
    ]


def test_unknown_people_are_not_found(api, window_token, holder):
    nobody = {"social_security_number": citizen_id(age=30), "name": "吴九", "relation": "self"}
    for body_in in (
        application_body(holder) | {"social_security_number": nobody["social_security_number"]},
        application_body(holder) | {"applicant": nobody},
    ):
        refused(partial(apply, api, window_token, body_in), 404, "person_not_found")


def test_a_counter_token_applies_at_its_own_outlet_and_bank_only(
    api, window_token, bank_token, other_bank_outlet, holder, card
):
    lose_formally(api, window_token, card)
    refused(
        lambda: apply(api, window_token, application_body(holder, outlet="BK0001")),
        403,
        "wrong_outlet",
    )
    refused(
        lambda: apply(api, bank_token, application_body(holder, outlet="BK0001", bank_code="CCB")),
        403,
        "wrong_bank",
    )


def test_instant_issuance_needs_an_equipped_outlet(api, window_token, holder, card):
    lose_formally(api, window_token, card)
    body = refused(
        lambda: apply(api, window_token, application_body(holder, production="instant")),
        409,
        "service_not_offered",
    )
    assert body["detail"] == "Outlet AG0001 cannot make cards on the spot."


def test_applying_needs_the_scope(api, make_token, citizen_token, holder, card):
    reader = make_token("applications:read", name="reader")
    citizen = citizen_token(holder)
    for token in (reader, citizen):
        body = refused(
            partial(apply, api, token, application_body(holder)), 403, "insufficient_scope"
        )
        assert body["scope"] == "applications:write"
    refused(lambda: api.post("/card-applications", application_body(holder)), 401, "unauthorized")


# ---------------------------------------------------------------- reading and finding


def test_an_application_reads_masked_or_whole_by_scope(api, make_token, reissue, holder):
    number = reissue["number"]
    masked = ok(api.get(f"/card-applications/{number}", token=make_token("applications:read")))
    whole = ok(
        api.get(f"/card-applications/{number}", token=make_token("applications:read,persons:read"))
    )
    assert masked["holder"] == {
        "social_security_number": "440106********0019",
        "name": "王**",
        "relation": None,
    }
    assert whole["holder"] == {
        "social_security_number": TIANHE_MAN,
        "name": HOLDER_NAME,
        "relation": None,
    }
    assert {k: v for k, v in masked.items() if k != "holder"} == {
        k: v for k, v in whole.items() if k != "holder"
    }
    assert masked == reissue
    assert (
        ok(api.get(f"/card-applications/{number.lower()}", token=make_token("applications:read")))[
            "number"
        ]
        == number
    )


def test_an_application_is_shown_only_to_whom_it_concerns(
    api, make_token, citizen_token, other_bank_token, bank_token, reissue, holder
):
    path = f"/card-applications/{reissue['number']}"
    # The holder in the app, and the bank that makes the card,
    assert ok(api.get(path, token=citizen_token(holder)))["number"] == FIRST_NUMBER
    assert ok(api.get(path, token=bank_token))["number"] == FIRST_NUMBER
    # but not another citizen or another bank: for them it does not exist.
    problem(api.get(path, token=citizen_token(make_person())), 404, "application_not_found")
    problem(api.get(path, token=other_bank_token), 404, "application_not_found")
    problem(
        api.get("/card-applications/CA260310999999", token=bank_token),
        404,
        "application_not_found",
    )
    problem(api.get(path, token=make_token("cards:read")), 403, "insufficient_scope")
    problem(api.get(path), 401, "unauthorized")


def test_a_guardian_follows_the_childs_application_in_the_app(
    api, window_token, citizen_token, bank
):
    link = make_guardianship(guardian__name="刘芳", ward__name="刘小宝", ward__age=9)
    make_card(person=link.ward, bank=bank)
    created = ok(
        apply(
            api,
            window_token,
            application_body(
                link.ward,
                type="replacement",
                reason="damaged",
                applicant=link.guardian,
                relation="guardian",
                documents=["household_register", "guardian_id_card"],
            ),
        ),
        201,
    )
    body = ok(
        api.get(f"/card-applications/{created['number']}", token=citizen_token(link.guardian))
    )
    assert (body["number"], body["status"]) == (created["number"], "receipt_issued")


def test_a_bank_finds_a_receipt_by_its_number(
    api, bank_token, other_bank_token, make_token, reissue
):
    receipt = reissue["receipt_number"]

    found = ok(api.get("/card-applications", token=bank_token, receipt_number=receipt))
    assert found == [reissue]
    # Typed with spaces or in lower case, it is the same receipt.
    spaced = ok(api.get("/card-applications", token=bank_token, receipt_number=f" {receipt} "))
    assert [a["number"] for a in spaced] == [FIRST_NUMBER]
    # Another bank does not see it; a well-formed number that was never issued finds nothing.
    assert ok(api.get("/card-applications", token=other_bank_token, receipt_number=receipt)) == []
    never = make_receipt_number("260310", 999)
    assert ok(api.get("/card-applications", token=bank_token, receipt_number=never)) == []
    problem(
        api.get("/card-applications", token=make_token("production:write"), receipt_number=receipt),
        403,
        "insufficient_scope",
    )


@pytest.mark.parametrize("position", [0, 7, 13, 15])
def test_a_mistyped_receipt_number_is_refused(api, bank_token, reissue, position):
    receipt = reissue["receipt_number"]
    wrong_digit = "1" if receipt[position] != "1" else "2"
    mistyped = receipt[:position] + wrong_digit + receipt[position + 1 :]

    body = problem(
        api.get("/card-applications", token=bank_token, receipt_number=mistyped),
        422,
        "invalid_receipt_number",
    )

    assert body["detail"] == "This is not a valid receipt number; check it against the receipt."
    assert body["errors"] == [{"field": "receipt_number", "message": "fails its check digits"}]


def test_two_swapped_digits_of_a_receipt_number_are_refused(api, bank_token, reissue):
    receipt = reissue["receipt_number"]
    swapped = next(
        receipt[:i] + receipt[i + 1] + receipt[i] + receipt[i + 2 :]
        for i in range(6, 14)
        if receipt[i] != receipt[i + 1]
    )
    problem(
        api.get("/card-applications", token=bank_token, receipt_number=swapped),
        422,
        "invalid_receipt_number",
    )


# ---------------------------------------------------------------- production events


def test_the_bank_takes_a_reissue_through_production_to_collection(
    api, bank_token, verify_token, card, reissue
):
    number, old = reissue["number"], card.number
    created_at = T0

    # Day 1: the bank accepts the receipt; the old card is cancelled for good.
    clock.travel(DAY)
    body = ok(event(api, bank_token, number, "bank_accepted"))
    assert (body["status"], body["new_card_number"], body["expected_ready_on"]) == (
        "bank_accepted",
        None,
        "2026-04-01",  # 15 working days
    )
    assert status_of(api, verify_token, old) == ("cancelled", False, "closed")

    # Production starts: sscard numbers the new card, and the application shows it from then on.
    clock.travel(DAY)
    body = ok(event(api, bank_token, number, "in_production"))
    first_try = body["new_card_number"]
    assert (body["status"], first_try) == ("in_production", "A00000011")
    assert status_of(api, verify_token, first_try) == ("in_production", False, "not_opened")
    assert (
        ok(api.get(f"/card-applications/{number}", token=bank_token))["new_card_number"]
        == first_try
    )

    # The chip fails: that card is void, and production starts again with a new number.
    clock.travel(HOUR)
    body = ok(event(api, bank_token, number, "production_failed", note="chip write error"))
    assert (body["status"], body["new_card_number"]) == ("production_failed", first_try)
    assert status_of(api, verify_token, first_try) == ("cancelled", False, "not_opened")
    clock.travel(HOUR)
    body = ok(event(api, bank_token, number, "in_production"))
    new = body["new_card_number"]
    assert (body["status"], new) == ("in_production", "A0000002X")

    clock.travel(DAY)
    body = ok(event(api, bank_token, number, "ready_for_collection"))
    assert (body["status"], body["collection_outlet_code"], body["collect_by"]) == (
        "ready_for_collection",
        "BK0001",
        "2027-03-13",  # the policy's 365 days
    )
    assert status_of(api, verify_token, new) == ("awaiting_collection", False, "not_opened")

    clock.travel(DAY)
    body = ok(event(api, bank_token, number, "collected"))
    assert (body["status"], body["new_card_number"], body["old_card_number"]) == (
        "collected",
        new,
        old,
    )
    assert status_of(api, verify_token, new) == ("sealed", False, "not_opened")

    assert timeline(body) == [
        ("submitted", created_at, "window", "AG0001", ""),
        ("receipt_issued", created_at, "window", "AG0001", ""),
        ("bank_accepted", T0 + DAY, "bank", "BK0001", ""),
        ("in_production", T0 + 2 * DAY, "bank", "BK0001", ""),
        ("production_failed", T0 + 2 * DAY + HOUR, "bank", "BK0001", "chip write error"),
        ("in_production", T0 + 2 * DAY + 2 * HOUR, "bank", "BK0001", ""),
        ("ready_for_collection", T0 + 3 * DAY + 2 * HOUR, "bank", "BK0001", ""),
        ("collected", T0 + 4 * DAY + 2 * HOUR, "bank", "BK0001", ""),
    ]
    assert ok(api.get(f"/card-applications/{number}", token=bank_token)) == body


def test_a_card_to_be_mailed_goes_out_with_its_tracking_number(
    api, window_token, bank_token, verify_token, holder, card
):
    lose_formally(api, window_token, card)
    number = ok(
        apply(
            api,
            window_token,
            application_body(holder, delivery="mail", mail_address="广州市天河区体育西路 100 号"),
        ),
        201,
    )["number"]
    ok(event(api, bank_token, number, "bank_accepted"))
    new = ok(event(api, bank_token, number, "in_production"))["new_card_number"]

    body = refused(
        lambda: event(api, bank_token, number, "mailed"), 422, "tracking_number_required"
    )
    assert body["errors"] == [{"field": "tracking_number", "message": "is required"}]
    body = refused(
        lambda: event(api, bank_token, number, "ready_for_collection"), 409, "invalid_transition"
    )
    assert body["current_status"] == "in_production"

    body = ok(event(api, bank_token, number, "mailed", tracking_number="SF1234567890"))
    assert (body["status"], body["tracking_number"], body["collection_outlet_code"]) == (
        "mailed",
        "SF1234567890",
        None,
    )
    assert status_of(api, verify_token, new) == ("awaiting_collection", False, "not_opened")
    assert [
        n.payload.get("tracking_number")
        for n in OutboxMessage.objects.filter(kind="notification", topic="mailed")
    ] == ["SF1234567890"]

    body = ok(event(api, bank_token, number, "collected"))
    assert body["status"] == "collected"
    assert status_of(api, verify_token, new) == ("sealed", False, "not_opened")
    assert [s for s, *_ in timeline(body)] == [
        "submitted",
        "receipt_issued",
        "bank_accepted",
        "in_production",
        "mailed",
        "collected",
    ]


def test_a_card_to_be_picked_up_is_not_mailed(api, bank_token, reissue):
    number = reissue["number"]
    ok(event(api, bank_token, number, "bank_accepted"))
    ok(event(api, bank_token, number, "in_production"))
    body = refused(
        lambda: event(api, bank_token, number, "mailed", tracking_number="SF1234567890"),
        409,
        "invalid_transition",
    )
    assert (body["detail"], body["current_status"]) == (
        "This card is to be picked up, not mailed.",
        "in_production",
    )


@pytest.mark.parametrize(
    ("done", "next_event"),
    [
        ([], "collected"),
        ([], "in_production"),
        ([], "ready_for_collection"),
        (["bank_accepted"], "bank_accepted"),
        (["bank_accepted"], "production_failed"),
        (["bank_accepted", "in_production"], "bank_accepted"),
        (["bank_accepted", "in_production", "ready_for_collection", "collected"], "cancelled"),
        (["bank_accepted", "in_production", "ready_for_collection", "collected"], "collected"),
    ],
)
def test_an_event_out_of_order_is_refused_and_names_the_current_status(
    api, bank_token, reissue, done, next_event
):
    number = reissue["number"]
    for step in done:
        ok(event(api, bank_token, number, step))
    current = done[-1] if done else "receipt_issued"

    body = refused(lambda: event(api, bank_token, number, next_event), 409, "invalid_transition")

    assert (body["detail"], body["current_status"]) == (
        f"The application is {current}; it cannot become {next_event}.",
        current,
    )


def test_an_instant_issuance_at_the_bank_makes_the_card_on_the_spot(
    api, bank_token, verify_token, holder, card
):
    lose_formally(api, bank_token, card, channel="bank")

    body = ok(
        apply(api, bank_token, application_body(holder, outlet="BK0001", production="instant")),
        201,
    )

    new = body["new_card_number"]
    assert (
        body["status"],
        body["production"],
        body["old_card_number"],
        new,
        body["bank_code"],
        body["collection_outlet_code"],
        body["expected_ready_on"],
        body["collect_by"],
        body["fee"],
    ) == (
        "ready_for_collection",
        "instant",
        card.number,
        "A00000011",
        "ICBC",
        "BK0001",
        "2026-03-10",
        "2027-03-10",
        money("20.00"),
    )
    assert timeline(body) == [
        ("submitted", T0, "bank", "BK0001", ""),
        ("receipt_issued", T0, "bank", "BK0001", ""),
        ("bank_accepted", T0, "bank", "BK0001", "instant issuance"),
        ("in_production", T0, "bank", "BK0001", "instant issuance"),
        ("ready_for_collection", T0, "bank", "BK0001", "instant issuance"),
    ]
    assert status_of(api, verify_token, card.number) == ("cancelled", False, "closed")
    assert status_of(api, verify_token, new) == ("awaiting_collection", False, "not_opened")

    body = ok(event(api, bank_token, body["number"], "collected"))
    assert body["status"] == "collected"
    assert status_of(api, verify_token, new) == ("sealed", False, "not_opened")


def test_a_bank_cancels_an_application_before_accepting_it(
    api, window_token, bank_token, make_token, reissue
):
    number = reissue["number"]
    body = ok(event(api, bank_token, number, "cancelled", note="withdrawn by the applicant"))
    assert body["status"] == "cancelled"
    assert [
        m.payload["data"]
        for m in OutboxMessage.objects.filter(kind="webhook", topic="application.cancelled")
    ] == [{"number": number, "receipt_number": reissue["receipt_number"]}]
    # The old card's report may be lifted again.
    lift = api.post(
        f"/loss-reports/{LossReport.objects.get().reference}/lift",
        {"documents": ["id_card"]},
        token=make_token("loss:lift", outlet="AG0001"),
    )
    assert (lift.status_code, lift.json()["status"]) == (200, "lifted")


def test_another_banks_token_does_not_see_the_application(api, other_bank_token, reissue):
    number = reissue["number"]
    for step in ("bank_accepted", "cancelled"):
        refused(partial(event, api, other_bank_token, number, step), 404, "application_not_found")


def test_another_bank_cannot_reissue_the_card_but_the_holder_may_move_at_a_window(
    api, make_token, window_token, other_bank_token, verify_token, holder, card
):
    """The reported case: CCB's token applied for a reissue of an ICBC card, saw the card's
    number in the answer, and its bank_accepted then cancelled the ICBC card."""
    lose_formally(api, window_token, card)

    for bank_code in (None, "CCB"):
        body_in = application_body(holder, outlet="BK0002")
        if bank_code:
            body_in["bank_code"] = bank_code
        body = refused(
            partial(apply, api, other_bank_token, body_in),
            403,
            "wrong_bank",
        )
        assert card.number not in json.dumps(body)
        assert body["detail"].startswith("The holder's card belongs to another bank")
    assert status_of(api, verify_token, card.number)[0] == "formally_lost"

    # The holder chooses CCB at the window; CCB then makes the card, and ICBC's is cancelled.
    moved = ok(apply(api, window_token, application_body(holder, bank_code="CCB")), 201)
    assert (moved["bank_code"], moved["old_card_number"]) == ("CCB", card.number)
    accepted = ok(event(api, other_bank_token, moved["number"], "bank_accepted"))
    card.refresh_from_db()
    assert (card.status, card.bank_status) == ("cancelled", "closed")
    told = OutboxMessage.objects.get(topic="card.cancelled")
    assert (told.bank_id, told.payload["data"]["card_number"]) == (card.bank_id, card.number)
    # Neither bank is shown the other's card: CCB reads its application without ICBC's card,
    # and ICBC reads its cancelled card without CCB's application.
    assert (accepted["status"], accepted["old_card_number"]) == ("bank_accepted", None)
    receipt = OutboxMessage.objects.get(topic="application.receipt_issued")
    assert receipt.bank_id == Bank.objects.get(code="CCB").pk
    assert receipt.payload["data"]["old_card_number"] is None
    icbc = make_token("cards:read", bank="ICBC", name="icbc-reader")
    old_card = ok(api.get(f"/cards/{card.number}", token=icbc))
    assert (old_card["status"], old_card["applications"]) == ("cancelled", [])


def test_a_bank_token_records_events_at_its_own_outlets_only(
    api, bank_token, other_bank_outlet, reissue
):
    body = refused(
        lambda: event(api, bank_token, reissue["number"], "bank_accepted", outlet_code="BK0002"),
        403,
        "wrong_outlet",
    )
    assert body["detail"] == "This token acts for outlet BK0001 only."


def test_recording_events_needs_the_scope(api, window_token, citizen_token, holder, reissue):
    number = reissue["number"]
    for token in (window_token, citizen_token(holder)):
        body = refused(
            partial(event, api, token, number, "bank_accepted"), 403, "insufficient_scope"
        )
        assert body["scope"] == "production:write"


def test_an_unknown_event_is_refused(api, bank_token, reissue):
    body = refused(
        lambda: event(api, bank_token, reissue["number"], "printed"), 422, "validation_error"
    )
    assert [e["field"] for e in body["errors"]] == ["type"]


def test_an_unbound_production_system_moves_any_banks_application(
    api, make_token, verify_token, card, reissue
):
    factory = make_token("production:write,applications:read", name="card-factory")
    body = ok(event(api, factory, reissue["number"], "bank_accepted"))
    assert timeline(body)[-1] == ("bank_accepted", T0, "system", "", "")
    assert status_of(api, verify_token, card.number) == ("cancelled", False, "closed")


def test_a_token_without_an_outlet_records_the_outlet_it_names(
    api, make_token, holder, card, agency, bank_outlet
):
    """A central system (no outlet) or a bank's head office (bank only) names the outlet where
    the business was done; the timeline and the audit trail say where."""
    central = make_token("loss:report,applications:write", name="agency-central")
    head_office = make_token("production:write", bank="ICBC", name="icbc-head-office")
    lose_formally(api, make_token("loss:report", outlet="AG0001"), card)

    body = ok(apply(api, central, application_body(holder, outlet="ag0001")), 201)
    assert (body["outlet_code"], timeline(body)) == (
        "AG0001",
        [
            ("submitted", T0, "window", "AG0001", ""),
            ("receipt_issued", T0, "window", "AG0001", ""),
        ],
    )
    body = ok(event(api, head_office, body["number"], "bank_accepted", outlet_code="BK0001"))
    assert timeline(body)[-1] == ("bank_accepted", T0, "bank", "BK0001", "")
    assert list(
        AuditEvent.objects.filter(object_type="card_application")
        .order_by("seq")
        .values_list("action", "channel", "outlet_code", "actor_id")
    ) == [
        ("application.submitted", "window", "AG0001", "agency-central"),
        ("application.receipt_issued", "window", "AG0001", "agency-central"),
        ("application.bank_accepted", "bank", "BK0001", "icbc-head-office"),
    ]


# ---------------------------------------------------------------- Idempotency-Key


def test_a_retried_application_with_the_same_idempotency_key_gets_the_first_answer(
    api, window_token, holder, card
):
    lose_formally(api, window_token, card)
    key = "counter-7-20260310-0001"
    body_in = application_body(holder)
    first = apply(api, window_token, body_in, **{"Idempotency-Key": key})
    assert first.status_code == 201
    state = db_state(*everything())

    clock.travel(HOUR)
    again = apply(api, window_token, body_in, **{"Idempotency-Key": key})

    assert (again.status_code, again.content) == (201, first.content)
    assert again["Idempotent-Replayed"] == "true"
    assert db_state(*everything()) == state
    assert CardApplication.objects.count() == 1

    # The same key with another body is refused,
    body = refused(
        lambda: apply(
            api, window_token, body_in | {"fee_waiver": "hardship"}, **{"Idempotency-Key": key}
        ),
        409,
        "idempotency_key_reused",
    )
    assert body["detail"] == "This Idempotency-Key was used with another request."
    # and without a key the repeat is a second application, refused by the rules.
    problem(apply(api, window_token, body_in), 409, "application_open")


def test_a_retried_production_event_gets_the_first_answer(api, bank_token, reissue):
    key = {"Idempotency-Key": "bank-evt-0001"}
    path = f"/card-applications/{reissue['number']}/events"
    first = api.post(path, {"type": "bank_accepted"}, token=bank_token, headers=key)
    assert first.status_code == 200
    state = db_state(*everything())

    again = api.post(path, {"type": "bank_accepted"}, token=bank_token, headers=key)

    assert (again.status_code, again.content) == (200, first.content)
    assert db_state(*everything()) == state
