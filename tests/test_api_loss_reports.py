"""API v1 loss reports: POST /loss-reports, GET /loss-reports/{reference} and lifting.

Each refusal is checked for its problem (status, code, fields) and for leaving every card,
loss report, application, audit event, outbox row and sequence as it was. What a point of use
sees through GET /cards/{n}/status is checked right after each change: the block is never stale.
"""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Callable, Iterator
from functools import partial
from typing import TYPE_CHECKING, Any

import pytest
from django.db import connection

from sscard.api.models import IdempotencyRecord
from sscard.applications.models import CardApplication
from sscard.cards.models import BankStatus, Card, CardStatus, LossReport
from sscard.common import clock
from sscard.common.clock import frozen_at
from sscard.notifications.models import OutboxMessage
from sscard.outlets.models import Outlet, OutletType, Service
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
    make_outlet,
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
SECOND = dt.timedelta(seconds=1)
# The default policy: a temporary report runs for 7 calendar days.
LAPSE = T0 + 7 * DAY
FIRST_REFERENCE = "LR260310000001"
PROBLEMS = "https://sscard.example/problems/"
# Tianhe district of Guangzhou, born 1985-07-15, a man.
TIANHE_MAN = "440106198507150019"
HOLDER_NAME = "王建国"


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
def kiosk() -> Outlet:
    return make_outlet(
        code="SS0001",
        name="天河区政务服务中心自助终端",
        type=OutletType.SELF_SERVICE_TERMINAL,
        services=[Service.TEMPORARY_LOSS_REPORT, Service.INQUIRY],
    )


@pytest.fixture
def other_bank_outlet() -> Outlet:
    other = BankFactory.create(code="CCB", name="中国建设银行")
    return BankOutletFactory.create(code="BK0002", bank=other, name="建设银行天河支行")


@pytest.fixture
def hotline_token(make_token: Callable[..., str]) -> str:
    """The 12333 telephony system: no outlet, no bank."""
    return make_token("loss:report,loss:lift", name="12333-hotline")


@pytest.fixture
def window_token(make_token: Callable[..., str], agency: Outlet) -> str:
    return make_token(
        "loss:report,loss:lift,applications:write", outlet=agency.code, name="agency-window"
    )


@pytest.fixture
def bank_token(make_token: Callable[..., str], bank_outlet: Outlet) -> str:
    return make_token("loss:report,loss:lift", outlet=bank_outlet.code, name="icbc-tianhe")


@pytest.fixture
def other_bank_token(make_token: Callable[..., str], other_bank_outlet: Outlet) -> str:
    return make_token("loss:report,loss:lift", outlet=other_bank_outlet.code, name="ccb-tianhe")


@pytest.fixture
def kiosk_token(make_token: Callable[..., str], kiosk: Outlet) -> str:
    return make_token("loss:report", outlet=kiosk.code, name="terminal-ss0001")


@pytest.fixture
def verify_token(make_token: Callable[..., str]) -> str:
    """A hospital's point of use."""
    return make_token("cards:verify", name="hospital-pos")


# ---------------------------------------------------------------- helpers


def reporter(person: Person, relation: str = "self", name: str | None = None) -> dict[str, str]:
    return {
        "social_security_number": person.social_security_number,
        "name": person.name if name is None else name,
        "relation": relation,
    }


def report_body(
    *,
    card: Card | None = None,
    ssn: str | None = None,
    kind: str = "temporary",
    channel: str = "hotline",
    by: dict[str, str],
    documents: list[str] | None = None,
) -> dict[str, Any]:
    body: dict[str, Any] = {"kind": kind, "channel": channel, "reporter": by}
    if card is not None:
        body["card_number"] = card.number
    if ssn is not None:
        body["social_security_number"] = ssn
    if documents is not None:
        body["documents"] = documents
    return body


def at(value: str | None) -> dt.datetime | None:
    """An API time: ISO 8601 with an offset, compared as an instant."""
    if value is None:
        return None
    parsed = dt.datetime.fromisoformat(value)
    assert parsed.tzinfo is not None, value
    return parsed


def created(response: HttpResponse, status: int = 201) -> dict[str, Any]:
    assert response.status_code == status, response.content
    assert response["Content-Type"] == "application/json; charset=utf-8"
    body: dict[str, Any] = response.json()
    return body


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
    ]


def refused(call: Callable[[], HttpResponse], status: int, code: str) -> dict[str, Any]:
    """The call is answered with the problem `code`, and nothing at all has changed."""
    with nothing_changes(*everything()):
        response = call()
    return problem(response, status, code)


def card_status(api: ApiCaller, token: str, number: str) -> dict[str, Any]:
    response = api.get(f"/cards/{number}/status", token=token)
    assert response.status_code == 200, response.content
    body: dict[str, Any] = response.json()
    return body


def blocked(body: dict[str, Any]) -> tuple[Any, ...]:
    """What a point of use reads from a status answer."""
    return (body["status"], body["usable"], body["bank_status"], at(body["blocked_until"]))


def row(card: Card) -> tuple[Any, ...]:
    return (
        Card.objects.filter(pk=card.pk)
        .values_list("status", "bank_status", "lost_until", "status_before_loss")
        .get()
    )


def report_temporarily(api: ApiCaller, token: str, card: Card, person: Person) -> dict[str, Any]:
    return created(
        api.post("/loss-reports", report_body(card=card, by=reporter(person)), token=token)
    )


def report_formally(
    api: ApiCaller, token: str, card: Card, person: Person, channel: str = "window"
) -> HttpResponse:
    return api.post(
        "/loss-reports",
        report_body(
            card=card, kind="formal", channel=channel, by=reporter(person), documents=["id_card"]
        ),
        token=token,
    )


# ---------------------------------------------------------------- temporary reports


def test_a_temporary_report_through_the_hotline_blocks_the_card_at_once(
    api, hotline_token, verify_token, holder, card
):
    response = api.post(
        "/loss-reports",
        report_body(card=card, channel="hotline", by=reporter(holder)),
        token=hotline_token,
    )

    body = created(response)
    assert at(body.pop("effective_at")) == T0
    assert at(body.pop("expires_at")) == LAPSE
    assert body == {
        "reference": FIRST_REFERENCE,
        "card_number": card.number,
        "kind": "temporary",
        "status": "effective",
        "channel": "hotline",
        "card_status": "temporarily_lost",
        "bank_status": "frozen",
        "action": "created",
    }
    report = LossReport.objects.get()
    assert (
        report.reference,
        report.card_id,
        report.channel,
        report.reporter_id,
        report.reporter_relation,
        report.outlet_id,
    ) == (FIRST_REFERENCE, card.pk, "hotline", holder.pk, "self", None)
    assert row(card) == ("temporarily_lost", "frozen", LAPSE, "normal")
    assert blocked(card_status(api, verify_token, card.number)) == (
        "temporarily_lost",
        False,
        "frozen",
        LAPSE,
    )


def test_a_report_by_social_security_number_blocks_the_persons_current_card(
    api, hotline_token, verify_token, holder, bank
):
    # Given a person whose first card was replaced: the old one is cancelled.
    old = make_card(person=holder, bank=bank, generation=1, status=CardStatus.CANCELLED)
    old.bank_status = BankStatus.CLOSED
    old.save(update_fields=["bank_status"])
    current = make_card(person=holder, bank=bank, generation=2)

    body = created(
        api.post(
            "/loss-reports",
            report_body(ssn=TIANHE_MAN, channel="hotline", by=reporter(holder)),
            token=hotline_token,
        )
    )

    assert (body["card_number"], body["card_status"]) == (current.number, "temporarily_lost")
    assert LossReport.objects.get().card_id == current.pk
    assert card_status(api, verify_token, current.number)["usable"] is False
    assert blocked(card_status(api, verify_token, old.number)) == (
        "cancelled",
        False,
        "closed",
        None,
    )


def test_naming_both_the_card_and_another_persons_number_is_refused(
    api, hotline_token, holder, card
):
    stranger = make_person(name="赵六")
    body = refused(
        lambda: api.post(
            "/loss-reports",
            report_body(card=card, ssn=stranger.social_security_number, by=reporter(holder)),
            token=hotline_token,
        ),
        422,
        "card_person_mismatch",
    )
    assert body["errors"] == [
        {"field": "social_security_number", "message": "is not the card's holder"}
    ]


@pytest.mark.parametrize("channel", ["hotline", "web", "app", "kiosk"])
def test_an_unbound_system_names_the_remote_channel_it_took_the_report_through(
    api, hotline_token, holder, card, channel
):
    body = created(
        api.post(
            "/loss-reports",
            report_body(card=card, channel=channel, by=reporter(holder)),
            token=hotline_token,
        )
    )
    assert (body["channel"], body["kind"], at(body["expires_at"])) == (
        channel,
        "temporary",
        LAPSE,
    )
    assert LossReport.objects.get().channel == channel


def test_a_self_service_terminal_reports_through_the_kiosk_channel_at_its_outlet(
    api, kiosk_token, kiosk, holder, card
):
    body = created(
        api.post(
            "/loss-reports",
            report_body(card=card, channel="kiosk", by=reporter(holder)),
            token=kiosk_token,
        )
    )
    assert (body["channel"], body["card_status"], at(body["expires_at"])) == (
        "kiosk",
        "temporarily_lost",
        LAPSE,
    )
    assert LossReport.objects.values_list("channel", "outlet__code").get() == ("kiosk", "SS0001")


@pytest.mark.parametrize("channel", ["app", "web"])
def test_a_signed_in_citizen_reports_their_own_card_through_the_app_or_web(
    api, citizen_token, holder, card, channel
):
    body = created(
        api.post(
            "/loss-reports",
            report_body(ssn=TIANHE_MAN, channel=channel, by=reporter(holder)),
            token=citizen_token(holder),
        )
    )
    assert (body["card_number"], body["channel"], body["card_status"]) == (
        card.number,
        channel,
        "temporarily_lost",
    )


def test_a_parent_signed_in_to_the_app_reports_the_childs_card(api, citizen_token, bank):
    link = make_guardianship(guardian__name="刘芳", ward__name="刘小宝", ward__age=9)
    child_card = make_card(person=link.ward, bank=bank)

    body = created(
        api.post(
            "/loss-reports",
            report_body(
                ssn=link.ward.social_security_number,
                channel="app",
                by=reporter(link.guardian, "guardian"),
            ),
            token=citizen_token(link.guardian),
        )
    )

    assert (body["card_number"], body["channel"], body["card_status"]) == (
        child_card.number,
        "app",
        "temporarily_lost",
    )
    report = LossReport.objects.get()
    assert (report.reporter_id, report.reporter_relation) == (link.guardian.pk, "guardian")
    # Notifications about a ward's card go to the guardian.
    assert list(
        OutboxMessage.objects.filter(kind="notification").values_list(
            "topic", "recipient_id", "subject_id"
        )
    ) == [("loss_report_effective", link.guardian.pk, link.ward.pk)]


def test_reporting_again_while_a_temporary_report_runs_renews_it(
    api, hotline_token, verify_token, holder, card
):
    first = report_temporarily(api, hotline_token, card, holder)
    clock.travel(2 * DAY)

    response = api.post(
        "/loss-reports",
        report_body(card=card, channel="app", by=reporter(holder)),
        token=hotline_token,
    )

    body = created(response, 200)
    assert (body["reference"], body["kind"], body["action"]) == (
        first["reference"],
        "temporary",
        "renewed",
    )
    assert at(body["effective_at"]) == T0
    assert at(body["expires_at"]) == T0 + 9 * DAY
    assert at(body["expires_at"]) > at(first["expires_at"])  # type: ignore[operator]
    assert LossReport.objects.count() == 1
    report = api.get(f"/loss-reports/{FIRST_REFERENCE}", token=hotline_token).json()
    assert (report["renewals"], at(report["expires_at"])) == (1, T0 + 9 * DAY)
    assert blocked(card_status(api, verify_token, card.number)) == (
        "temporarily_lost",
        False,
        "frozen",
        T0 + 9 * DAY,
    )
    # The first lapse time no longer frees the card.
    clock.travel(LAPSE - clock.now() + HOUR)
    assert card_status(api, verify_token, card.number)["status"] == "temporarily_lost"


# ---------------------------------------------------------------- formal reports


def test_a_formal_report_at_a_window_with_the_id_card_blocks_without_a_lapse(
    api, window_token, verify_token, agency, holder, card
):
    body = created(report_formally(api, window_token, card, holder))

    assert at(body.pop("effective_at")) == T0
    assert body == {
        "reference": FIRST_REFERENCE,
        "card_number": card.number,
        "kind": "formal",
        "status": "effective",
        "channel": "window",
        "expires_at": None,
        "card_status": "formally_lost",
        "bank_status": "frozen",
        "action": "created",
    }
    report = LossReport.objects.get()
    assert (report.documents, report.outlet_id, report.channel) == (
        ["id_card"],
        agency.pk,
        "window",
    )
    assert blocked(card_status(api, verify_token, card.number)) == (
        "formally_lost",
        False,
        "frozen",
        None,
    )


def test_a_formal_report_at_a_bank_outlet(api, bank_token, bank_outlet, verify_token, holder, card):
    body = created(report_formally(api, bank_token, card, holder, channel="bank"))
    assert (body["channel"], body["kind"], body["card_status"], body["bank_status"]) == (
        "bank",
        "formal",
        "formally_lost",
        "frozen",
    )
    assert LossReport.objects.values_list("outlet_id", flat=True).get() == bank_outlet.pk
    assert card_status(api, verify_token, card.number)["status"] == "formally_lost"


def test_a_guardian_reports_a_childs_card_formally_with_the_household_register(
    api, window_token, bank
):
    link = make_guardianship(guardian__name="刘芳", ward__name="刘小宝", ward__age=9)
    child_card = make_card(person=link.ward, bank=bank)
    body = created(
        api.post(
            "/loss-reports",
            report_body(
                ssn=link.ward.social_security_number,
                kind="formal",
                channel="window",
                by=reporter(link.guardian, "guardian"),
                documents=["household_register", "guardian_id_card"],
            ),
            token=window_token,
        )
    )
    assert (body["card_number"], body["kind"], body["card_status"]) == (
        child_card.number,
        "formal",
        "formally_lost",
    )
    assert LossReport.objects.values_list("reporter_id", "documents").get() == (
        link.guardian.pk,
        ["guardian_id_card", "household_register"],
    )


def test_a_formal_report_converts_the_running_temporary_one(
    api, hotline_token, window_token, verify_token, agency, holder, card
):
    first = report_temporarily(api, hotline_token, card, holder)
    clock.travel(HOUR)

    body = created(report_formally(api, window_token, card, holder), 200)

    assert (body["reference"], body["kind"], body["expires_at"], body["action"]) == (
        first["reference"],
        "formal",
        None,
        "converted",
    )
    assert (body["card_status"], body["bank_status"]) == ("formally_lost", "frozen")
    report = api.get(f"/loss-reports/{FIRST_REFERENCE}", token=window_token).json()
    assert (report["kind"], at(report["effective_at"]), at(report["converted_at"])) == (
        "formal",
        T0,
        T0 + HOUR,
    )
    assert LossReport.objects.values_list("outlet_id", "documents").get() == (
        agency.pk,
        ["id_card"],
    )
    assert blocked(card_status(api, verify_token, card.number)) == (
        "formally_lost",
        False,
        "frozen",
        None,
    )
    # A formal report does not lapse.
    clock.travel(30 * DAY)
    assert card_status(api, verify_token, card.number)["status"] == "formally_lost"


# ---------------------------------------------------------------- reading a report


def test_a_report_reads_in_full(api, hotline_token, holder, card):
    report_temporarily(api, hotline_token, card, holder)

    response = api.get(f"/loss-reports/{FIRST_REFERENCE.lower()}", token=hotline_token)

    assert response.status_code == 200
    body = response.json()
    assert at(body.pop("effective_at")) == T0
    assert at(body.pop("expires_at")) == LAPSE
    assert body == {
        "reference": FIRST_REFERENCE,
        "card_number": card.number,
        "kind": "temporary",
        "status": "effective",
        "channel": "hotline",
        "sides": "both",
        "renewals": 0,
        "converted_at": None,
        "ended_at": None,
        "reissue_applied": False,
        "card_status": "temporarily_lost",
        "bank_status": "frozen",
    }


def test_a_report_is_not_shown_to_whom_it_does_not_concern(
    api, hotline_token, other_bank_token, citizen_token, make_token, holder, card
):
    report_temporarily(api, hotline_token, card, holder)
    path = f"/loss-reports/{FIRST_REFERENCE}"

    # Another bank, another citizen: as if it did not exist.
    problem(api.get(path, token=other_bank_token), 404, "loss_report_not_found")
    problem(api.get(path, token=citizen_token(make_person())), 404, "loss_report_not_found")
    problem(
        api.get("/loss-reports/LR260310999999", token=hotline_token), 404, "loss_report_not_found"
    )
    problem(api.get(path, token=make_token("cards:verify,loss:lift")), 403, "insufficient_scope")
    problem(api.get(path), 401, "unauthorized")
    # The holder sees their own.
    assert api.get(path, token=citizen_token(holder)).json()["reference"] == FIRST_REFERENCE


# ---------------------------------------------------------------- lifting


def test_lifting_at_a_window_frees_the_card_at_once(
    api, hotline_token, window_token, verify_token, holder, card
):
    report_temporarily(api, hotline_token, card, holder)
    clock.travel(HOUR)

    response = api.post(
        f"/loss-reports/{FIRST_REFERENCE}/lift",
        {"documents": ["id_card"], "reason": "found at home"},
        token=window_token,
    )

    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["reference"], body["status"], at(body["ended_at"])) == (
        FIRST_REFERENCE,
        "lifted",
        T0 + HOUR,
    )
    assert (body["card_status"], body["bank_status"]) == ("normal", "normal")
    assert blocked(card_status(api, verify_token, card.number)) == ("normal", True, "normal", None)
    assert row(card) == ("normal", "normal", None, "")
    assert LossReport.objects.values_list("end_reason", flat=True).get() == "found at home"
    assert OutboxMessage.objects.filter(kind="webhook", topic="card.unblocked").count() == 1


def test_a_formal_report_is_lifted_at_the_bank(api, bank_token, verify_token, holder, card):
    created(report_formally(api, bank_token, card, holder, channel="bank"))

    response = api.post(
        f"/loss-reports/{FIRST_REFERENCE}/lift", {"documents": ["id_card"]}, token=bank_token
    )

    assert (response.status_code, response.json()["status"]) == (200, "lifted")
    assert blocked(card_status(api, verify_token, card.number)) == ("normal", True, "normal", None)


def test_a_guardian_lifts_a_childs_report(api, hotline_token, window_token, verify_token, bank):
    link = make_guardianship(guardian__name="刘芳", ward__name="刘小宝", ward__age=9)
    child_card = make_card(person=link.ward, bank=bank)
    created(
        api.post(
            "/loss-reports",
            report_body(card=child_card, by=reporter(link.guardian, "guardian")),
            token=hotline_token,
        )
    )
    path = f"/loss-reports/{FIRST_REFERENCE}/lift"
    lifter = {
        "social_security_number": link.guardian.social_security_number,
        "relation": "guardian",
    }

    # Without naming the guardian, the child would be lifting alone.
    refused(
        lambda: api.post(path, {"documents": ["household_register"]}, token=window_token),
        403,
        "guardian_required",
    )
    body = refused(
        lambda: api.post(
            path, {"documents": ["household_register"], "lifter": lifter}, token=window_token
        ),
        422,
        "documents_required",
    )
    assert body["errors"] == [{"field": "documents", "message": "missing: guardian_id_card"}]

    response = api.post(
        path,
        {"documents": ["household_register", "guardian_id_card"], "lifter": lifter},
        token=window_token,
    )
    assert (response.status_code, response.json()["status"]) == (200, "lifted")
    assert card_status(api, verify_token, child_card.number)["usable"] is True


def test_a_lift_is_refused_once_a_reissue_has_been_applied_for(
    api, window_token, verify_token, agency, holder, card
):
    created(report_formally(api, window_token, card, holder))
    created(
        api.post(
            "/card-applications",
            {
                "type": "reissue",
                "social_security_number": TIANHE_MAN,
                "applicant": reporter(holder),
                "documents": ["id_card"],
                "outlet_code": agency.code,
            },
            token=window_token,
        )
    )

    body = refused(
        lambda: api.post(
            f"/loss-reports/{FIRST_REFERENCE}/lift", {"documents": ["id_card"]}, token=window_token
        ),
        409,
        "reissue_in_progress",
    )

    assert body["detail"] == (
        "A reissue has been applied for; the old card is on its way to cancellation."
    )
    assert card_status(api, verify_token, card.number)["status"] == "formally_lost"
    assert (
        api.get(f"/loss-reports/{FIRST_REFERENCE}", token=window_token).json()["reissue_applied"]
        is True
    )


def test_a_lifted_report_is_not_lifted_again(api, hotline_token, window_token, holder, card):
    report_temporarily(api, hotline_token, card, holder)
    path = f"/loss-reports/{FIRST_REFERENCE}/lift"
    assert api.post(path, {"documents": ["id_card"]}, token=window_token).status_code == 200

    body = refused(
        lambda: api.post(path, {"documents": ["id_card"]}, token=window_token),
        409,
        "report_not_effective",
    )
    assert (body["detail"], body["report_status"]) == (
        "This loss report is lifted, not effective.",
        "lifted",
    )


def test_a_lapsed_report_is_not_lifted(
    api, hotline_token, window_token, verify_token, holder, card
):
    report_temporarily(api, hotline_token, card, holder)
    clock.travel(7 * DAY + SECOND)

    body = refused(
        lambda: api.post(
            f"/loss-reports/{FIRST_REFERENCE}/lift", {"documents": ["id_card"]}, token=window_token
        ),
        409,
        "report_not_effective",
    )

    assert body["report_status"] == "lapsed"
    assert blocked(card_status(api, verify_token, card.number)) == ("normal", True, "normal", None)


def test_lifting_refusals(api, hotline_token, window_token, make_token, holder, card):
    report_temporarily(api, hotline_token, card, holder)
    path = f"/loss-reports/{FIRST_REFERENCE}/lift"

    body = refused(lambda: api.post(path, {}, token=window_token), 422, "documents_required")
    assert body["errors"] == [{"field": "documents", "message": "missing: id_card"}]
    # The telephony system has no counter: it cannot check the original ID.
    body = refused(
        lambda: api.post(path, {"documents": ["id_card"]}, token=hotline_token),
        422,
        "channel_not_allowed",
    )
    assert body["errors"] == [
        {"field": "channel", "message": "must be one of: app, bank, web, window"}
    ]
    reporting_only = make_token("loss:report")
    body = refused(
        lambda: api.post(path, {"documents": ["id_card"]}, token=reporting_only),
        403,
        "insufficient_scope",
    )
    assert body["scope"] == "loss:lift"
    refused(
        lambda: api.post(
            "/loss-reports/LR260310999999/lift", {"documents": ["id_card"]}, token=window_token
        ),
        404,
        "loss_report_not_found",
    )


# ---------------------------------------------------------------- refusals of a report


def test_a_cancelled_card_is_not_reportable(api, hotline_token, holder):
    card = make_card(person=holder, status=CardStatus.CANCELLED, bank_status=BankStatus.CLOSED)
    body = refused(
        lambda: api.post(
            "/loss-reports", report_body(card=card, by=reporter(holder)), token=hotline_token
        ),
        409,
        "card_not_reportable",
    )
    assert (body["detail"], body["card_status"]) == (
        "A cancelled card cannot be reported lost.",
        "cancelled",
    )


@pytest.mark.parametrize("status", [CardStatus.IN_PRODUCTION, CardStatus.AWAITING_COLLECTION])
def test_a_card_not_yet_collected_is_not_reportable(api, hotline_token, holder, status):
    card = make_card(person=holder, status=status, bank_status=BankStatus.NOT_OPENED, pin_hash="")
    body = refused(
        lambda: api.post(
            "/loss-reports", report_body(card=card, by=reporter(holder)), token=hotline_token
        ),
        409,
        "card_not_reportable",
    )
    assert (body["detail"], body["card_status"]) == (
        "The card has not been collected yet; it cannot be reported lost.",
        status,
    )


def test_a_formally_lost_card_is_not_reported_again(api, window_token, holder, card):
    created(report_formally(api, window_token, card, holder))
    body = refused(
        lambda: report_formally(api, window_token, card, holder), 409, "card_not_reportable"
    )
    assert (body["detail"], body["card_status"]) == (
        "The card is already formally reported lost.",
        "formally_lost",
    )


def test_only_a_recorded_guardian_reports_for_another_person(
    api, hotline_token, window_token, holder, card
):
    neighbour = make_person(name="孙七")
    for token, kind, channel, documents in (
        (hotline_token, "temporary", "hotline", None),
        (window_token, "formal", "window", ["id_card", "guardian_id_card"]),
    ):
        body = refused(
            partial(
                api.post,
                "/loss-reports",
                report_body(
                    card=card,
                    kind=kind,
                    channel=channel,
                    by=reporter(neighbour, "guardian"),
                    documents=documents,
                ),
                token=token,
            ),
            403,
            "not_guardian",
        )
        assert body["detail"] == "Only a recorded guardian may act for another person."


@pytest.mark.parametrize(
    ("relation", "documents", "missing"),
    [
        ("self", [], ["id_card"]),
        ("self", ["household_register"], ["id_card"]),
        ("parent", [], ["id_card", "guardian_id_card"]),
        ("parent", ["household_register"], ["guardian_id_card"]),
        ("legal_guardian", ["id_card", "guardian_id_card"], ["guardianship_proof"]),
    ],
)
def test_a_formal_report_needs_the_original_documents(
    api, window_token, bank, relation, documents, missing
):
    if relation == "self":
        subject = reporting = make_person(name="钱五")
        as_ = "self"
    else:
        link = make_guardianship(relation=relation, ward__age=9)
        subject, reporting, as_ = link.ward, link.guardian, "guardian"
    card = make_card(person=subject, bank=bank)

    body = refused(
        lambda: api.post(
            "/loss-reports",
            report_body(
                card=card,
                kind="formal",
                channel="window",
                by=reporter(reporting, as_),
                documents=documents,
            ),
            token=window_token,
        ),
        422,
        "documents_required",
    )

    assert body["errors"] == [{"field": "documents", "message": f"missing: {c}"} for c in missing]
    assert body["detail"] == "Original documents are missing: " + ", ".join(missing) + "."


def test_an_unknown_card_is_not_found(api, hotline_token, holder):
    for number in ("A00000011", "ZZZ", "A0000001"):
        body = refused(
            partial(
                api.post,
                "/loss-reports",
                {
                    "card_number": number,
                    "kind": "temporary",
                    "channel": "hotline",
                    "reporter": reporter(holder),
                },
                token=hotline_token,
            ),
            404,
            "card_not_found",
        )
        assert body["detail"] == "No card with this number."


def test_a_person_without_a_card_has_nothing_to_report(api, hotline_token, holder):
    refused(
        lambda: api.post(
            "/loss-reports",
            report_body(ssn=TIANHE_MAN, by=reporter(holder)),
            token=hotline_token,
        ),
        404,
        "card_not_found",
    )


def test_another_banks_card_reads_as_not_found(api, other_bank_token, holder, card):
    for body in (
        report_body(card=card, channel="bank", by=reporter(holder)),
        report_body(ssn=TIANHE_MAN, channel="bank", by=reporter(holder)),
    ):
        refused(
            partial(api.post, "/loss-reports", body, token=other_bank_token), 404, "card_not_found"
        )


def test_a_citizen_cannot_reach_someone_elses_card(api, citizen_token, holder, card):
    stranger = make_person(name="周八")
    token = citizen_token(stranger)
    refused(
        lambda: api.post(
            "/loss-reports",
            report_body(card=card, channel="app", by=reporter(stranger)),
            token=token,
        ),
        404,
        "card_not_found",
    )
    refused(
        lambda: api.post(
            "/loss-reports",
            report_body(ssn=TIANHE_MAN, channel="app", by=reporter(stranger)),
            token=token,
        ),
        404,
        "person_not_found",
    )
    # Nor report in the holder's name.
    body = refused(
        lambda: api.post(
            "/loss-reports",
            report_body(card=card, channel="app", by=reporter(holder)),
            token=token,
        ),
        403,
        "reporter_not_signed_in",
    )
    assert body["errors"] == [
        {"field": "reporter.social_security_number", "message": "is not the signed-in person"}
    ]


def test_an_unknown_person_is_not_found(api, hotline_token, holder, card):
    nobody = citizen_id(age=30)
    # The person whose card is meant,
    body = refused(
        lambda: api.post(
            "/loss-reports", report_body(ssn=nobody, by=reporter(holder)), token=hotline_token
        ),
        404,
        "person_not_found",
    )
    assert body["detail"] == "No person with this social security number."
    # and the reporter.
    refused(
        lambda: api.post(
            "/loss-reports",
            report_body(
                card=card,
                by={"social_security_number": nobody, "name": "吴九", "relation": "self"},
            ),
            token=hotline_token,
        ),
        404,
        "person_not_found",
    )


def test_the_reporters_name_must_match_the_id_number(api, hotline_token, holder, card):
    body = refused(
        lambda: api.post(
            "/loss-reports",
            report_body(card=card, by=reporter(holder, name="王建军")),
            token=hotline_token,
        ),
        422,
        "reporter_not_matched",
    )
    assert body["errors"] == [{"field": "reporter.name", "message": "does not match the ID number"}]


@pytest.mark.parametrize(
    ("token_name", "channel"),
    [
        # A counter token acts through its own counter only,
        ("window_token", "hotline"),
        ("window_token", "bank"),
        ("bank_token", "window"),
        ("kiosk_token", "app"),
        # a system without an outlet through a remote channel only,
        ("hotline_token", "window"),
        ("hotline_token", "bank"),
        # and a citizen through the app or the web.
        ("citizen", "hotline"),
        ("citizen", "window"),
    ],
)
def test_a_token_cannot_claim_a_channel_it_is_not(
    request, api, citizen_token, holder, card, token_name, channel
):
    token = (
        citizen_token(holder) if token_name == "citizen" else request.getfixturevalue(token_name)
    )
    body = refused(
        lambda: api.post(
            "/loss-reports",
            report_body(card=card, channel=channel, by=reporter(holder)),
            token=token,
        ),
        403,
        "channel_not_allowed",
    )
    assert body["detail"] == f"This token cannot act through the channel {channel}."


@pytest.mark.parametrize(
    ("token_name", "channel"),
    [("hotline_token", "hotline"), ("kiosk_token", "kiosk"), ("citizen", "app")],
)
def test_a_formal_report_is_made_only_at_a_counter(
    request, api, citizen_token, holder, card, token_name, channel
):
    token = (
        citizen_token(holder) if token_name == "citizen" else request.getfixturevalue(token_name)
    )
    body = refused(
        lambda: api.post(
            "/loss-reports",
            report_body(
                card=card,
                kind="formal",
                channel=channel,
                by=reporter(holder),
                documents=["id_card"],
            ),
            token=token,
        ),
        422,
        "channel_not_allowed",
    )
    assert body["errors"] == [{"field": "channel", "message": "must be one of: bank, window"}]


def test_a_token_without_the_scope_cannot_report(api, make_token, citizen_token, holder, card):
    verifier = make_token("cards:verify,loss:lift")
    body = refused(
        lambda: api.post(
            "/loss-reports", report_body(card=card, by=reporter(holder)), token=verifier
        ),
        403,
        "insufficient_scope",
    )
    assert (body["detail"], body["scope"]) == (
        "This token lacks the scope loss:report.",
        "loss:report",
    )
    refused(
        lambda: api.post("/loss-reports", report_body(card=card, by=reporter(holder))),
        401,
        "unauthorized",
    )
    refused(
        lambda: api.post(
            "/loss-reports", report_body(card=card, by=reporter(holder)), token="ssk_not-a-token"
        ),
        401,
        "unauthorized",
    )


# ---------------------------------------------------------------- the block is never stale


def read_elsewhere(path: str, token: str) -> dict[str, Any]:
    """GET through another thread and database connection, as another server process would:
    it sees only what was committed."""
    moment = clock.now()
    seen: dict[str, Any] = {}

    def read() -> None:
        try:
            with frozen_at(moment):
                response = ApiCaller().get(path, token=token)
                seen["status_code"], seen["body"] = response.status_code, response.json()
        finally:
            connection.close()

    thread = threading.Thread(target=read)
    thread.start()
    thread.join(timeout=30)
    assert seen["status_code"] == 200, seen
    body: dict[str, Any] = seen["body"]
    return body


@pytest.mark.django_db(transaction=True)
def test_after_a_temporary_report_the_very_next_status_read_says_blocked(
    api, hotline_token, verify_token, holder, card
):
    # Given no transaction around the requests: each one commits, as in production.
    assert not connection.in_atomic_block
    body = report_temporarily(api, hotline_token, card, holder)
    expires_at = at(body["expires_at"])
    assert expires_at == LAPSE

    seen = blocked(card_status(api, verify_token, card.number))
    assert seen == ("temporarily_lost", False, "frozen", expires_at)
    assert blocked(read_elsewhere(f"/cards/{card.number}/status", verify_token)) == seen


@pytest.mark.django_db(transaction=True)
def test_after_a_formal_report_the_very_next_status_read_says_blocked(
    api, window_token, verify_token, holder, card
):
    created(report_formally(api, window_token, card, holder))

    seen = blocked(card_status(api, verify_token, card.number))
    assert seen == ("formally_lost", False, "frozen", None)
    assert blocked(read_elsewhere(f"/cards/{card.number}/status", verify_token)) == seen


@pytest.mark.django_db(transaction=True)
def test_after_a_conversion_the_lapse_time_is_gone_at_once(
    api, hotline_token, window_token, verify_token, holder, card
):
    report_temporarily(api, hotline_token, card, holder)
    created(report_formally(api, window_token, card, holder), 200)

    assert blocked(card_status(api, verify_token, card.number)) == (
        "formally_lost",
        False,
        "frozen",
        None,
    )
    # Past the temporary report's lapse time the card stays blocked.
    clock.travel(7 * DAY)
    assert blocked(read_elsewhere(f"/cards/{card.number}/status", verify_token)) == (
        "formally_lost",
        False,
        "frozen",
        None,
    )


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("kind", ["temporary", "formal"])
def test_after_a_lift_the_card_is_usable_at_once(
    api, window_token, verify_token, holder, card, kind
):
    created(
        api.post(
            "/loss-reports",
            report_body(
                card=card, kind=kind, channel="window", by=reporter(holder), documents=["id_card"]
            ),
            token=window_token,
        )
    )
    assert card_status(api, verify_token, card.number)["usable"] is False

    response = api.post(
        f"/loss-reports/{FIRST_REFERENCE}/lift", {"documents": ["id_card"]}, token=window_token
    )
    assert response.status_code == 200, response.content

    seen = blocked(card_status(api, verify_token, card.number))
    assert seen == ("normal", True, "normal", None)
    assert blocked(read_elsewhere(f"/cards/{card.number}/status", verify_token)) == seen


def test_a_lapsed_temporary_report_reads_as_lapsed_before_any_sweep(
    api, hotline_token, verify_token, make_token, holder, card
):
    report_temporarily(api, hotline_token, card, holder)
    reader = make_token("cards:read", name="hospital-records")

    # A second before the lapse the card is still blocked;
    clock.travel(7 * DAY - SECOND)
    assert blocked(card_status(api, verify_token, card.number)) == (
        "temporarily_lost",
        False,
        "frozen",
        LAPSE,
    )
    # at the lapse time it is usable again, though no sweep has written the lapse.
    clock.travel(SECOND)
    assert blocked(card_status(api, verify_token, card.number)) == ("normal", True, "normal", None)
    report = api.get(f"/loss-reports/{FIRST_REFERENCE}", token=hotline_token).json()
    assert (report["status"], report["card_status"], report["bank_status"]) == (
        "lapsed",
        "normal",
        "normal",
    )
    full = api.get(f"/cards/{card.number}", token=reader).json()
    assert (full["status"], full["usable"], full["bank_status"], full["blocked_until"]) == (
        "normal",
        True,
        "normal",
        None,
    )
    assert [r["status"] for r in full["loss_reports"]] == ["lapsed"]
    # The rows still say what the sweep will change.
    assert row(card) == ("temporarily_lost", "frozen", LAPSE, "normal")
    assert LossReport.objects.values_list("status", flat=True).get() == "effective"


def test_after_a_lapse_a_new_report_is_a_new_one(api, hotline_token, verify_token, holder, card):
    report_temporarily(api, hotline_token, card, holder)
    clock.travel(8 * DAY)

    body = report_temporarily(api, hotline_token, card, holder)

    assert (body["reference"], body["action"], at(body["expires_at"])) == (
        "LR260318000002",
        "created",
        T0 + 15 * DAY,
    )
    assert list(LossReport.objects.order_by("pk").values_list("reference", "status")) == [
        (FIRST_REFERENCE, "lapsed"),
        ("LR260318000002", "effective"),
    ]
    assert blocked(card_status(api, verify_token, card.number)) == (
        "temporarily_lost",
        False,
        "frozen",
        T0 + 15 * DAY,
    )


def test_under_a_cancelling_policy_a_lapsed_report_reads_as_cancelled(
    api, hotline_token, verify_token, holder, card
):
    make_policy(region_prefix="4401", on_temporary_lapse="cancel")
    report_temporarily(api, hotline_token, card, holder)
    clock.travel(7 * DAY)

    assert blocked(card_status(api, verify_token, card.number)) == (
        "cancelled",
        False,
        "closed",
        None,
    )
    report = api.get(f"/loss-reports/{FIRST_REFERENCE}", token=hotline_token).json()
    assert (report["status"], report["card_status"]) == ("lapsed", "cancelled")


# ---------------------------------------------------------------- Idempotency-Key


def test_a_retried_report_with_the_same_idempotency_key_gets_the_first_answer(
    api, hotline_token, holder, card
):
    key = {"Idempotency-Key": "ivr-call-20260310-0001"}
    body = report_body(card=card, by=reporter(holder))
    first = api.post("/loss-reports", body, token=hotline_token, headers=key)
    assert first.status_code == 201
    state = db_state(*everything())

    # The telephony system retries an hour later, after a timeout: no renewal, nothing new.
    clock.travel(HOUR)
    again = api.post("/loss-reports", body, token=hotline_token, headers=key)

    assert (again.status_code, again.content) == (201, first.content)
    assert again["Idempotent-Replayed"] == "true"
    assert db_state(*everything()) == state
    assert LossReport.objects.values_list("renewals", "expires_at").get() == (0, LAPSE)

    # The same key with another body is a mistake of the caller.
    other = report_body(card=card, channel="app", by=reporter(holder))
    answer = refused(
        lambda: api.post("/loss-reports", other, token=hotline_token, headers=key),
        409,
        "idempotency_key_reused",
    )
    assert answer["detail"] == "This Idempotency-Key was used with another request."

    # Without the key, a repeat is a renewal.
    assert api.post("/loss-reports", body, token=hotline_token).json()["action"] == "renewed"


@pytest.mark.django_db(transaction=True)
def test_retries_sent_at_once_with_one_idempotency_key_make_one_report(hotline_token, holder, card):
    """A telephony system whose first try timed out sends its retries while the first is still
    running: one report is filed, every other answer is that report replayed or a 409 asking
    to retry shortly, and the key is free of claims once they are all answered."""
    body = report_body(card=card, by=reporter(holder))
    key = {"Idempotency-Key": "ivr-call-20260310-0002"}
    answers: list[tuple[int, str, str | None]] = []
    failures: list[BaseException] = []
    barrier = threading.Barrier(8)

    def retry() -> None:
        try:
            caller = ApiCaller()
            barrier.wait(timeout=30)
            response = caller.post("/loss-reports", body, token=hotline_token, headers=key)
            code = response.json().get("code") or response.json().get("action")
            answers.append((response.status_code, code, response.get("Idempotent-Replayed")))
        except BaseException as error:  # anything else is a failure of the test
            failures.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=retry) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert failures == []
    assert len(answers) == 8
    assert answers.count((201, "created", None)) == 1, answers
    assert set(answers) <= {
        (201, "created", None),
        (201, "created", "true"),
        (409, "idempotency_key_in_use", None),
    }, answers
    assert LossReport.objects.filter(card=card).count() == 1
    assert LossReport.objects.get(card=card).renewals == 0
    kept = IdempotencyRecord.objects.get()
    assert kept.status_code == 201
    # The next retry is answered from the record.
    again = ApiCaller().post("/loss-reports", body, token=hotline_token, headers=key)
    assert (again.status_code, again["Idempotent-Replayed"]) == (201, "true")


def test_an_idempotency_key_belongs_to_its_caller(api, hotline_token, make_token, holder, card):
    key = {"Idempotency-Key": "same-key"}
    body = report_body(card=card, by=reporter(holder))
    assert api.post("/loss-reports", body, token=hotline_token, headers=key).status_code == 201

    other_system = make_token("loss:report", name="web-portal")
    response = api.post("/loss-reports", body, token=other_system, headers=key)

    assert (response.status_code, response.json()["action"]) == (200, "renewed")
    assert response.has_header("Idempotent-Replayed") is False
