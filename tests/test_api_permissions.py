"""Who may call what: every endpoint of API.md against every kind of caller, over HTTP.

The callers (columns of the matrix):
  anonymous      no Authorization header
  bad_token      a bearer token nobody was given
  revoked        a token with every scope, bound to the card's bank outlet, then revoked
  expired        the holder's app token, an hour (CITIZEN_TOKEN_TTL_SECONDS) after sign-in
  citizen        the holder, signed in through the app, on their own card
  other_citizen  another signed-in citizen, on the holder's card
  guardian       a signed-in parent, on their child's card
  no_scope       the card's bank outlet (ICBC, BK0001) with every scope but the one needed
  with_scope     the card's bank outlet (ICBC, BK0001) with the scope needed
  other_bank     a token bound to another bank (CCB), with every scope
  other_outlet   a token bound to another window (AG0002, no bank), with every scope
  other_bank_outlet  a token bound to another bank's outlet (CCB, BK0002), with every scope

What each cell means:
  ok       the rightful answer (201 for a creation, else 200) about the caller's own record
  401      `unauthorized`
  scope    403 `insufficient_scope`
  404      the endpoint's not-found code (`card_not_found`, `loss_report_not_found`,
           `application_not_found`): another person's or another bank's record reads as missing
  outlet   403 `wrong_outlet`: the request names an outlet the token does not act for
  citizen  403 `citizen_token_required` (/me is a signed-in citizen's)
  bank     403 `wrong_bank`: a bank applies only for its own bank's cards and names no other
           bank; the answer names no card
  empty    200 with an empty list: the search finds nothing of another bank

Rows `.here` and `.move` apply at the caller's own outlet (a bank-only token: its bank's outlet),
for a replacement of the holder's ICBC card; `.move` names CCB as the new card's bank, which is
the holder's choice a window records and no bank may make for the holder.

Every refusal is checked to change nothing: row counts of every table, the card, loss report and
application rows, the audit chain's head and the numbering sequences are as before.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import pytest
from django.conf import settings

from sscard.applications.models import CardApplication
from sscard.applications.services.applying import apply_for_card
from sscard.cards.models import Card, CardStatus, LossReport
from sscard.cards.services import report_loss
from sscard.common import clock
from sscard.common.clock import frozen_at
from sscard.common.context import Actor, Channel, Role
from sscard.outlets.models import Outlet
from sscard.partners.models import Bank, Scope
from sscard.partners.services import revoke_api_client
from sscard.people.masking import mask_id_number
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
)
from tests.log_support import headers_but_the_request_id

if TYPE_CHECKING:
    from django.test.client import _MonkeyPatchedWSGIResponse as Response

pytestmark = pytest.mark.django_db

MATRIX = """
endpoint          anonymous  bad_token  revoked  expired  citizen  other_citizen  guardian  no_scope  with_scope  other_bank  other_outlet  other_bank_outlet
persons.create    401        401        401      401      scope    scope          scope     scope     ok          ok          ok            ok
persons.read      401        401        401      401      scope    scope          scope     scope     ok          ok          ok            ok
cards.status      401        401        401      401      scope    scope          scope     scope     ok          ok          ok            ok
cards.batch       401        401        401      401      scope    scope          scope     scope     ok          ok          ok            ok
cards.read        401        401        401      401      ok       404            ok        scope     ok          404         ok            404
cards.activation  401        401        401      401      scope    scope          scope     scope     ok          404         ok            404
cards.pin_verify  401        401        401      401      scope    scope          scope     scope     ok          404         ok            404
cards.pin_reset   401        401        401      401      scope    scope          scope     scope     ok          404         ok            404
loss.create       401        401        401      401      ok       404            ok        scope     ok          404         ok            404
loss.read         401        401        401      401      ok       404            ok        scope     ok          404         ok            404
loss.lift         401        401        401      401      scope    scope          scope     scope     ok          404         ok            404
apps.create       401        401        401      401      scope    scope          scope     scope     ok          outlet      outlet        outlet
apps.create.here  401        401        401      401      scope    scope          scope     scope     ok          bank        ok            bank
apps.create.move  401        401        401      401      scope    scope          scope     scope     bank        bank        ok            bank
apps.read         401        401        401      401      ok       404            ok        scope     ok          404         ok            404
apps.find         401        401        401      401      scope    scope          scope     scope     ok          empty       ok            empty
apps.events       401        401        401      401      scope    scope          scope     scope     ok          404         outlet        404
outlets.find      ok         ok         ok       ok       ok       ok             ok        ok        ok          ok          ok            ok
me                401        401        401      401      ok       ok             ok        citizen   citizen     citizen     citizen       citizen
records.book      401        401        401      401      scope    scope          scope     scope     ok          ok          ok            ok
records.read      401        401        401      401      scope    scope          scope     scope     ok          ok          ok            ok
records.rights    401        401        401      401      scope    scope          scope     scope     ok          ok          ok            ok
me.contributions  401        401        401      401      ok       ok             ok        citizen   citizen     citizen     citizen       citizen
me.rights         401        401        401      401      ok       ok             ok        citizen   citizen     citizen     citizen       citizen
me.dispute        401        401        401      401      ok       ok             ok        citizen   citizen     citizen     citizen       citizen
"""  # noqa: E501
# Records (DOMAIN.md section 11) are the agency's, not a bank's: any token with `records:read`
# reads a person's, whatever its bank or outlet, and `records:write` books them; a citizen reads
# their own through /me (the wards' and the authorised ones': tests/test_records_access.py).
# Read as: a bank outlet of ICBC sees ICBC's cards; a window with no bank sees every card but
# acts only at its own outlet; another bank's token finds nothing of ICBC's and moves none of it.
# The status lookup, one card or a batch, answers every point of use (a hospital is bound to no
# bank), and a person is readable by any token with `persons:read` (a bank's token sees only its
# own bank's cards in it).

NEW_PIN = "246813"
FACTORY_PIN = "147258"


def _parse(table: str) -> tuple[list[str], dict[str, dict[str, str]]]:
    lines = [line.split() for line in table.strip().splitlines()]
    callers = lines[0][1:]
    cells = {row[0]: dict(zip(callers, row[1:], strict=True)) for row in lines[1:]}
    return callers, cells


CALLERS, CELLS = _parse(MATRIX)


# ---------------------------------------------------------------- the world


@dataclass
class World:
    icbc: Bank
    ccb: Bank
    agency: Outlet
    icbc_outlet: Outlet
    holder: Person
    card: Card
    guardian: Person
    ward: Person
    ward_card: Card
    other: Person


@pytest.fixture
def world() -> World:
    icbc = BankFactory.create(code="ICBC", name="中国工商银行")
    ccb = BankFactory.create(code="CCB", name="中国建设银行")
    agency = make_outlet(code="AG0001")
    make_outlet(code="AG0002", name="越秀区社会保险经办中心")
    icbc_outlet = BankOutletFactory.create(code="BK0001", bank=icbc)
    BankOutletFactory.create(code="BK0002", bank=ccb)
    holder = make_person()
    guardian = make_person()
    ward = make_person(age=8)
    make_guardianship(guardian=guardian, ward=ward)
    other = make_person()
    make_card(person=other, bank=icbc)
    return World(
        icbc=icbc,
        ccb=ccb,
        agency=agency,
        icbc_outlet=icbc_outlet,
        holder=holder,
        card=make_card(person=holder, bank=icbc),
        guardian=guardian,
        ward=ward,
        ward_card=make_card(person=ward, bank=icbc),
        other=other,
    )


@dataclass
class Call:
    """One cell: the world, the caller's token, and the record the caller asks about."""

    world: World
    caller: str
    token: str | None
    me: Person | None  # the signed-in citizen
    subject: Person  # whose card, report or application the request is about
    card: Card
    channel: str  # the channel the caller would name when reporting a loss
    unmasked: bool = False  # the token has `persons:read`
    report: LossReport | None = None
    application: CardApplication | None = None

    @property
    def acting(self) -> tuple[Person, str]:
        """Who stands at the counter or reports, and as what."""
        if self.me is not None:
            return self.me, "guardian" if self.me.pk != self.subject.pk else "self"
        return self.subject, "self"


def _counter(outlet: Outlet) -> Actor:
    return Actor(
        kind="staff",
        id="clerk-1",
        role=Role.BANK_CLERK if outlet.bank_id else Role.WINDOW_CLERK,
        channel=Channel.BANK if outlet.bank_id else Channel.WINDOW,
        outlet_code=outlet.code,
        bank_code=outlet.bank.code if outlet.bank else None,
    )


def _documents(call: Call) -> list[str]:
    if call.subject.pk == call.world.ward.pk:
        return ["household_register", "guardian_id_card"]
    return ["id_card"]


def _guardian_of_subject(call: Call) -> tuple[Person, str]:
    if call.subject.pk == call.world.ward.pk:
        return call.world.guardian, "guardian"
    return call.subject, "self"


# ---------------------------------------------------------------- what each endpoint needs


def _with_report(call: Call) -> None:
    reporter, relation = _guardian_of_subject(call)
    call.report = report_loss(
        actor=_counter(call.world.agency),
        card=call.card,
        kind="temporary",
        reporter=reporter,
        relation=relation,
        outlet=call.world.agency,
    ).report


def _with_application(call: Call) -> None:
    applicant, relation = _guardian_of_subject(call)
    call.application = apply_for_card(
        actor=_counter(call.world.icbc_outlet),
        type="replacement",
        reason="damaged",
        person=call.subject,
        applicant=applicant,
        relation=relation,
        documents=_documents(call),
        outlet=call.world.icbc_outlet,
        bank=call.world.icbc,
    )


def _sealed(call: Call) -> None:
    Card.objects.filter(pk=call.card.pk).update(status=CardStatus.SEALED, pin_hash="")
    call.card.refresh_from_db()


def _loss_body(call: Call) -> dict[str, Any]:
    reporter, relation = call.acting
    return {
        "card_number": call.card.number,
        "kind": "temporary",
        "channel": call.channel,
        "reporter": {
            "social_security_number": reporter.social_security_number,
            "name": reporter.name,
            "relation": relation,
        },
    }


# The outlet each caller acts at when it applies at its own counter.
OWN_OUTLET = {"other_bank": "BK0002", "other_outlet": "AG0002", "other_bank_outlet": "BK0002"}


def _application_here(call: Call) -> dict[str, Any]:
    return _application_body(call) | {"outlet_code": OWN_OUTLET.get(call.caller, "BK0001")}


def _application_move(call: Call) -> dict[str, Any]:
    return _application_here(call) | {"bank_code": "CCB"}


def _application_body(call: Call) -> dict[str, Any]:
    applicant, relation = _guardian_of_subject(call)
    return {
        "type": "replacement",
        "reason": "damaged",
        "social_security_number": call.subject.social_security_number,
        "applicant": {
            "social_security_number": applicant.social_security_number,
            "name": applicant.name,
            "relation": relation,
        },
        "documents": _documents(call),
        "outlet_code": "BK0001",
    }


@dataclass(frozen=True)
class Endpoint:
    method: str
    path: Callable[[Call], str]
    scope: str | None  # None: no scope is needed (public, or a citizen's own)
    not_found: str = ""
    created: bool = False
    setup: Callable[[Call], None] | None = None
    body: Callable[[Call], Any] | None = None
    shows: Callable[[Call, Any], None] | None = None  # what the rightful answer must show


def _shows_card(call: Call, body: Any) -> None:
    assert body["card_number"] == call.card.number


def _shows_batch(call: Call, body: Any) -> None:
    (item,) = body["items"]
    assert (item["card_number"], item["usable"]) == (call.card.number, True)


def _shows_report(call: Call, body: Any) -> None:
    assert call.report is not None
    assert (body["reference"], body["card_number"]) == (call.report.reference, call.card.number)


def _shows_application(call: Call, body: Any) -> None:
    assert call.application is not None
    assert body["number"] == call.application.number


def _shows_found(call: Call, body: Any) -> None:
    assert call.application is not None
    assert [a["number"] for a in body] == [call.application.number]


def _shows_me(call: Call, body: Any) -> None:
    assert call.me is not None
    assert body["social_security_number"] == mask_id_number(call.me.social_security_number)
    wards = [w["social_security_number"] for w in body["wards_cards"]]
    if call.me.pk == call.world.guardian.pk:
        assert wards == [mask_id_number(call.world.ward.social_security_number)]
    else:
        assert wards == []


def _shows_person(call: Call, body: Any) -> None:
    assert body["social_security_number"] == call.subject.social_security_number
    shown = [c["card_number"] for c in body["cards"]]
    bank = {"other_bank": "CCB", "other_bank_outlet": "CCB"}.get(call.caller, "ICBC")
    assert shown == ([call.card.number] if bank == "ICBC" else [])


def _shows_new_person(call: Call, body: Any) -> None:
    assert body["name"] == ("新人" if call.unmasked else "新*")
    assert body["cards"] == []


def _shows_activated(call: Call, body: Any) -> None:
    assert (body["card_number"], body["status"], body["usable"]) == (
        call.card.number,
        "normal",
        True,
    )


def _shows_valid_pin(call: Call, body: Any) -> None:
    assert body["valid"] is True


def _shows_new_report(call: Call, body: Any) -> None:
    assert (body["card_number"], body["kind"], body["card_status"]) == (
        call.card.number,
        "temporary",
        "temporarily_lost",
    )
    assert body["channel"] == call.channel


def _shows_lifted(call: Call, body: Any) -> None:
    _shows_report(call, body)
    assert (body["status"], body["card_status"]) == ("lifted", "normal")


def _shows_new_application(call: Call, body: Any) -> None:
    assert (body["type"], body["status"], body["old_card_number"], body["bank_code"]) == (
        "replacement",
        "receipt_issued",
        call.card.number,
        "ICBC",
    )


def _shows_moved(call: Call, body: Any) -> None:
    assert (body["type"], body["status"], body["old_card_number"], body["bank_code"]) == (
        "replacement",
        "receipt_issued",
        call.card.number,
        "CCB",
    )
    assert body["timeline"][-1]["outlet_code"] == OWN_OUTLET[call.caller]


def _shows_accepted(call: Call, body: Any) -> None:
    _shows_application(call, body)
    assert body["status"] == "bank_accepted"


def _shows_outlets(call: Call, body: Any) -> None:
    assert sorted(o["code"] for o in body) == ["AG0001", "AG0002", "BK0001", "BK0002"]


def _contribution(person: Person) -> dict[str, Any]:
    from tests.records_support import record

    return record(person)


def _shows_booked(call: Call, body: Any) -> None:
    assert body == {"created": 1, "replaced": 0, "unchanged": 0, "rejected": []}


def _shows_records_of_subject(call: Call, body: Any) -> None:
    assert body["social_security_number"] == mask_id_number(call.subject.social_security_number)


def _shows_records_of_me(call: Call, body: Any) -> None:
    assert call.me is not None
    assert body["social_security_number"] == mask_id_number(call.me.social_security_number)


def _shows_dispute(call: Call, body: Any) -> None:
    assert body["status"] == "open"


ENDPOINTS: dict[str, Endpoint] = {
    "persons.create": Endpoint(
        "POST",
        lambda c: "/persons",
        Scope.PERSONS_WRITE,
        created=True,
        body=lambda c: {
            "social_security_number": citizen_id(age=30),
            "name": "新人",
            "phone": "13900001111",
        },
        shows=_shows_new_person,
    ),
    "persons.read": Endpoint(
        "GET",
        lambda c: f"/persons/{c.subject.social_security_number}",
        Scope.PERSONS_READ,
        shows=_shows_person,
    ),
    "cards.status": Endpoint(
        "GET", lambda c: f"/cards/{c.card.number}/status", Scope.CARDS_VERIFY, shows=_shows_card
    ),
    "cards.batch": Endpoint(
        "POST",
        lambda c: "/cards/status:batch",
        Scope.CARDS_VERIFY,
        body=lambda c: {"card_numbers": [c.card.number]},
        shows=_shows_batch,
    ),
    "cards.read": Endpoint(
        "GET",
        lambda c: f"/cards/{c.card.number}",
        Scope.CARDS_READ,
        not_found="card_not_found",
        shows=_shows_card,
    ),
    "cards.activation": Endpoint(
        "POST",
        lambda c: f"/cards/{c.card.number}/activation",
        Scope.CARDS_ACTIVATE,
        not_found="card_not_found",
        setup=_sealed,
        body=lambda c: {"pin": NEW_PIN, "documents": _documents(c)},
        shows=_shows_activated,
    ),
    "cards.pin_verify": Endpoint(
        "POST",
        lambda c: f"/cards/{c.card.number}/pin/verify",
        Scope.PINS_VERIFY,
        not_found="card_not_found",
        body=lambda c: {"pin": FACTORY_PIN},
        shows=_shows_valid_pin,
    ),
    "cards.pin_reset": Endpoint(
        "POST",
        lambda c: f"/cards/{c.card.number}/pin/reset",
        Scope.PINS_RESET,
        not_found="card_not_found",
        body=lambda c: {"new_pin": NEW_PIN, "documents": _documents(c)},
        shows=_shows_card,
    ),
    "loss.create": Endpoint(
        "POST",
        lambda c: "/loss-reports",
        Scope.LOSS_REPORT,
        not_found="card_not_found",
        created=True,
        body=_loss_body,
        shows=_shows_new_report,
    ),
    "loss.read": Endpoint(
        "GET",
        lambda c: f"/loss-reports/{c.report.reference if c.report else ''}",
        Scope.LOSS_REPORT,
        not_found="loss_report_not_found",
        setup=_with_report,
        shows=_shows_report,
    ),
    "loss.lift": Endpoint(
        "POST",
        lambda c: f"/loss-reports/{c.report.reference if c.report else ''}/lift",
        Scope.LOSS_LIFT,
        not_found="loss_report_not_found",
        setup=_with_report,
        body=lambda c: {"documents": _documents(c), "reason": "found in a coat pocket"},
        shows=_shows_lifted,
    ),
    "apps.create": Endpoint(
        "POST",
        lambda c: "/card-applications",
        Scope.APPLICATIONS_WRITE,
        created=True,
        body=_application_body,
        shows=_shows_new_application,
    ),
    "apps.create.here": Endpoint(
        "POST",
        lambda c: "/card-applications",
        Scope.APPLICATIONS_WRITE,
        created=True,
        body=_application_here,
        shows=_shows_new_application,
    ),
    "apps.create.move": Endpoint(
        "POST",
        lambda c: "/card-applications",
        Scope.APPLICATIONS_WRITE,
        created=True,
        body=_application_move,
        shows=_shows_moved,
    ),
    "apps.read": Endpoint(
        "GET",
        lambda c: f"/card-applications/{c.application.number if c.application else ''}",
        Scope.APPLICATIONS_READ,
        not_found="application_not_found",
        setup=_with_application,
        shows=_shows_application,
    ),
    "apps.find": Endpoint(
        "GET",
        lambda c: (
            "/card-applications?receipt_number="
            + (c.application.receipt_number or "" if c.application else "")
        ),
        Scope.APPLICATIONS_READ,
        setup=_with_application,
        shows=_shows_found,
    ),
    "apps.events": Endpoint(
        "POST",
        lambda c: f"/card-applications/{c.application.number if c.application else ''}/events",
        Scope.PRODUCTION_WRITE,
        not_found="application_not_found",
        setup=_with_application,
        body=lambda c: {"type": "bank_accepted", "outlet_code": "BK0001"},
        shows=_shows_accepted,
    ),
    "outlets.find": Endpoint(
        "GET",
        lambda c: "/outlets",
        None,
        shows=_shows_outlets,
    ),
    "me": Endpoint("GET", lambda c: "/me", None, shows=_shows_me),
    "records.book": Endpoint(
        "PUT",
        lambda c: "/contributions",
        Scope.RECORDS_WRITE,
        body=lambda c: [_contribution(c.subject)],
        shows=_shows_booked,
    ),
    "records.read": Endpoint(
        "GET",
        lambda c: f"/persons/{c.subject.social_security_number}/contributions",
        Scope.RECORDS_READ,
        shows=_shows_records_of_subject,
    ),
    "records.rights": Endpoint(
        "GET",
        lambda c: f"/persons/{c.subject.social_security_number}/rights",
        Scope.RECORDS_READ,
        shows=_shows_records_of_subject,
    ),
    "me.contributions": Endpoint(
        "GET", lambda c: "/me/contributions", None, shows=_shows_records_of_me
    ),
    "me.rights": Endpoint("GET", lambda c: "/me/rights", None, shows=_shows_records_of_me),
    "me.dispute": Endpoint(
        "POST",
        lambda c: "/me/record-disputes",
        None,
        created=True,
        body=lambda c: {"insurance": "pension", "month": "2024-01", "reason": "记录有误"},
        shows=_shows_dispute,
    ),
}


def test_the_matrix_covers_every_endpoint_and_caller() -> None:
    assert list(CELLS) == list(ENDPOINTS)
    assert CALLERS == [
        "anonymous",
        "bad_token",
        "revoked",
        "expired",
        "citizen",
        "other_citizen",
        "guardian",
        "no_scope",
        "with_scope",
        "other_bank",
        "other_outlet",
        "other_bank_outlet",
    ]


# ---------------------------------------------------------------- callers


ALL_SCOPES = ",".join(Scope.values)


def _make_call(
    world: World,
    caller: str,
    endpoint: Endpoint,
    make_token: Callable[..., str],
    citizen_token: Callable[[Person], str],
) -> Call:
    def call(token: str | None, channel: str, me: Person | None = None) -> Call:
        subject = world.ward if caller == "guardian" else world.holder
        card = world.ward_card if caller == "guardian" else world.card
        unmasked = caller in ("revoked", "other_bank", "other_outlet", "other_bank_outlet") or (
            caller == "with_scope" and endpoint.scope in (None, Scope.PERSONS_READ)
        )
        return Call(world, caller, token, me, subject, card, channel, unmasked)

    needed = endpoint.scope or Scope.CARDS_VERIFY
    all_but = ",".join(s for s in Scope.values if s != endpoint.scope)
    if caller == "anonymous":
        return call(None, "bank")
    if caller == "bad_token":
        return call("ssk_" + "x" * 43, "bank")
    if caller == "revoked":
        token = make_token(ALL_SCOPES, outlet="BK0001", name="revoked-client")
        revoke_api_client(actor=Actor.system(), name="revoked-client")
        return call(token, "bank")
    if caller == "expired":
        ttl = dt.timedelta(seconds=settings.CITIZEN_TOKEN_TTL_SECONDS)
        with frozen_at(clock.now() - ttl):
            return call(citizen_token(world.holder), "app", world.holder)
    if caller == "citizen":
        return call(citizen_token(world.holder), "app", world.holder)
    if caller == "other_citizen":
        return call(citizen_token(world.other), "app", world.other)
    if caller == "guardian":
        return call(citizen_token(world.guardian), "app", world.guardian)
    if caller == "no_scope":
        return call(
            make_token(all_but if endpoint.scope else "cards:verify", outlet="BK0001"), "bank"
        )
    if caller == "with_scope":
        return call(make_token(needed if endpoint.scope else ALL_SCOPES, outlet="BK0001"), "bank")
    if caller == "other_bank":
        return call(make_token(ALL_SCOPES, bank="CCB"), "bank")
    if caller == "other_outlet":
        return call(make_token(ALL_SCOPES, outlet="AG0002"), "window")
    if caller == "other_bank_outlet":
        return call(make_token(ALL_SCOPES, outlet="BK0002"), "bank")
    raise AssertionError(caller)


def _send(api: ApiCaller, endpoint: Endpoint, call: Call) -> Response:
    path = endpoint.path(call)
    if endpoint.method == "GET":
        return api.get(path, token=call.token)
    assert endpoint.body is not None
    if endpoint.method == "PUT":
        return api.http.put(
            "/api/v1" + path,
            data=json.dumps(endpoint.body(call)),
            content_type="application/json",
            headers={"Authorization": f"Bearer {call.token}"} if call.token else {},
        )
    return api.post(path, endpoint.body(call), token=call.token)


def _refusal(cell: str, endpoint: Endpoint) -> tuple[int, str]:
    return {
        "401": (401, "unauthorized"),
        "scope": (403, "insufficient_scope"),
        "404": (404, endpoint.not_found),
        "outlet": (403, "wrong_outlet"),
        "citizen": (403, "citizen_token_required"),
        "bank": (403, "wrong_bank"),
    }[cell]


CASES = [pytest.param(name, caller, id=f"{name}-{caller}") for name in CELLS for caller in CALLERS]


@pytest.mark.parametrize(("name", "caller"), CASES)
def test_permission_matrix(
    api: ApiCaller,
    world: World,
    make_token: Callable[..., str],
    citizen_token: Callable[[Person], str],
    name: str,
    caller: str,
) -> None:
    endpoint = ENDPOINTS[name]
    cell = CELLS[name][caller]
    call = _make_call(world, caller, endpoint, make_token, citizen_token)
    if endpoint.setup is not None:
        endpoint.setup(call)
    rows: list[Any] = [call.card, call.report, call.application]
    before = db_state(*[row for row in rows if row is not None])

    response = _send(api, endpoint, call)

    if cell in ("ok", "empty"):
        status = 201 if endpoint.created else 200
        assert response.status_code == status, response.content
        assert response["Content-Type"].startswith("application/json")
        if cell == "empty":
            assert response.json() == []
        elif endpoint.shows is not None:
            endpoint.shows(call, response.json())
        return
    status, code = _refusal(cell, endpoint)
    assert response.status_code == status, response.content
    assert response["Content-Type"] == "application/problem+json"
    body = response.json()
    assert (body["status"], body["code"]) == (status, code)
    if status == 401:
        assert response["WWW-Authenticate"] == 'Bearer realm="sscard"'
    if code == "insufficient_scope":
        assert body["scope"] == endpoint.scope
    # A refusal names no card: not the one asked about, nor another bank's.
    assert call.card.number not in response.content.decode()
    assert db_state(*[row for row in rows if row is not None]) == before


# ---------------------------------------------------------------- what a refusal gives away

NOT_FOUND_CELLS = [
    pytest.param(name, caller, id=f"{name}-{caller}")
    for name in CELLS
    for caller in CALLERS
    if CELLS[name][caller] == "404"
]


def _as_missing(call: Call) -> Call:
    """The same request about a card, report or application that does not exist."""
    from sscard.cards.numbers import card_number_for

    missing = Call(
        call.world, call.caller, call.token, call.me, call.subject, call.card, call.channel
    )
    missing.card = Card(number=card_number_for(1_234_567))
    if call.report is not None:
        missing.report = LossReport(reference="LR260101999999")
    if call.application is not None:
        missing.application = CardApplication(number="CA260101999999")
    return missing


@pytest.mark.parametrize(("name", "caller"), NOT_FOUND_CELLS)
def test_another_persons_or_banks_record_reads_exactly_as_one_that_does_not_exist(
    api: ApiCaller,
    world: World,
    make_token: Callable[..., str],
    citizen_token: Callable[[Person], str],
    name: str,
    caller: str,
) -> None:
    endpoint = ENDPOINTS[name]
    call = _make_call(world, caller, endpoint, make_token, citizen_token)
    if endpoint.setup is not None:
        endpoint.setup(call)

    existing = _send(api, endpoint, call)
    absent = _send(api, endpoint, _as_missing(call))

    assert existing.status_code == absent.status_code == 404
    assert existing.content == absent.content
    # Every header alike but the request id, which is each request's own.
    assert headers_but_the_request_id(existing) == headers_but_the_request_id(absent)


def test_a_citizen_naming_another_person_by_id_number_learns_nothing(
    api: ApiCaller, world: World, citizen_token: Callable[[Person], str]
) -> None:
    token = citizen_token(world.other)
    before = db_state(world.card)

    def report_for(number: str) -> Response:
        return api.post(
            "/loss-reports",
            {
                "social_security_number": number,
                "kind": "temporary",
                "channel": "app",
                "reporter": {
                    "social_security_number": world.other.social_security_number,
                    "name": world.other.name,
                    "relation": "guardian",
                },
            },
            token=token,
        )

    recorded = report_for(world.holder.social_security_number)
    unrecorded = report_for(citizen_id(age=30))

    assert recorded.status_code == unrecorded.status_code == 404
    assert recorded.json()["code"] == "person_not_found"
    assert recorded.content == unrecorded.content
    assert db_state(world.card) == before


def test_a_citizen_reports_only_as_themselves(
    api: ApiCaller, world: World, citizen_token: Callable[[Person], str]
) -> None:
    token = citizen_token(world.other)
    before = db_state(world.card)

    response = api.post(
        "/loss-reports",
        {
            "card_number": world.card.number,
            "kind": "temporary",
            "channel": "app",
            "reporter": {
                "social_security_number": world.holder.social_security_number,
                "name": world.holder.name,
                "relation": "self",
            },
        },
        token=token,
    )

    assert response.status_code == 403
    assert response.json()["code"] == "reporter_not_signed_in"
    assert db_state(world.card) == before


@pytest.mark.parametrize("channel", ["window", "bank", "hotline", "kiosk"])
def test_a_citizen_cannot_claim_a_counter_or_the_hotline(
    api: ApiCaller, world: World, citizen_token: Callable[[Person], str], channel: str
) -> None:
    token = citizen_token(world.holder)
    before = db_state(world.card)

    response = api.post(
        "/loss-reports",
        {
            "card_number": world.card.number,
            "kind": "formal",
            "channel": channel,
            "reporter": {
                "social_security_number": world.holder.social_security_number,
                "name": world.holder.name,
                "relation": "self",
            },
            "documents": ["id_card"],
        },
        token=token,
    )

    assert response.status_code == 403
    assert response.json()["code"] == "channel_not_allowed"
    assert db_state(world.card) == before


def test_a_bank_lists_only_its_own_banks_applications(
    api: ApiCaller, world: World, make_token: Callable[..., str]
) -> None:
    at_icbc = Call(world, "with_scope", None, None, world.holder, world.card, "bank")
    _with_application(at_icbc)
    other_holder = make_person()
    make_card(person=other_holder, bank=world.ccb)
    ccb_outlet = Outlet.objects.get(code="BK0002")
    at_ccb = apply_for_card(
        actor=_counter(ccb_outlet),
        type="replacement",
        reason="damaged",
        person=other_holder,
        applicant=other_holder,
        relation="self",
        documents=["id_card"],
        outlet=ccb_outlet,
    )
    assert at_icbc.application is not None

    def listed(token: str) -> list[str]:
        response = api.get("/card-applications", token=token)
        assert response.status_code == 200, response.content
        return [a["number"] for a in response.json()]

    assert listed(make_token("applications:read", bank="ICBC")) == [at_icbc.application.number]
    assert listed(make_token("applications:read", outlet="BK0002")) == [at_ccb.number]
    assert listed(make_token("applications:read", outlet="AG0002")) == [
        at_icbc.application.number,
        at_ccb.number,
    ]
