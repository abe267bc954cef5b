"""What may be done with a card application now: the read model of `applications.permissions`,
as a matrix over who asks (each staff role at its outlet, a bank's system, a central system, a
citizen), the application's situation and every act and event. Then: the services refuse
exactly what it refuses, with the same code, changing nothing; and the console offers exactly
what it allows."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Any

import pytest
from django.db import transaction
from django.test import Client
from django.urls import reverse

from sscard.applications.models import CardApplication
from sscard.applications.permissions import (
    APPLICATION_ACTIONS,
    BANK_EVENTS,
    application_actions,
    applying_actions,
)
from sscard.applications.services.applying import apply_for_card
from sscard.applications.services.cancellation import cancel_application, lapse_uncollected
from sscard.applications.services.collection import hand_over_card
from sscard.applications.services.intake import complete_intake, record_intake
from sscard.applications.services.production import issue_instantly, record_production_event
from sscard.audit.models import AuditEvent
from sscard.common import clock
from sscard.common.context import Actor, Channel, Role
from sscard.common.errors import DomainError
from sscard.outlets.models import OutletType, Service
from sscard.people.models import Person
from sscard.staff.recorded_acts import record_receipt_print
from sscard.staff.selectors import actor_for, member_of
from tests.console_support import World, add_staff, build_world
from tests.factories import OutletFactory, db_state, make_card, make_person, nothing_changes

pytestmark = pytest.mark.django_db

# ---------------------------------------------------------------- the situations


@dataclass
class Situations:
    world: World
    apps: dict[str, CardApplication]
    actors: dict[str, Actor]


SITUATIONS = (
    "intake",  # a preliminary intake (submitted), no bank yet
    "receipt",  # receipt issued at the window, ICBC makes the card, batch, picked up
    "instant",  # receipt issued at ICBC's outlet for a card made on the spot
    "accepted",
    "making",  # in production, to be picked up
    "making_mail",  # in production, to be mailed
    "failed",
    "ready",  # waiting at ICBC's outlet BK0001
    "mailed",
    "collected",
    "lapsed",
    "cancelled",
)


def _window(world: World) -> Actor:
    return actor_for(member_of(world.users["window_clerk"]))  # type: ignore[arg-type]


def _icbc(world: World) -> Actor:
    return actor_for(member_of(world.users["bank_clerk"]))  # type: ignore[arg-type]


def _replacement(world: World, holder: Person, **terms: Any) -> CardApplication:
    make_card(person=holder, bank=world.bank)
    at_bank = terms.pop("at_bank", False)
    return apply_for_card(
        actor=_icbc(world) if at_bank else _window(world),
        type="replacement",
        reason="damaged",
        person=holder,
        applicant=holder,
        relation="self",
        documents=["id_card"],
        outlet=world.bank_outlet if at_bank else world.agency,
        **terms,
    )


def _to(world: World, app: CardApplication, *events: str) -> CardApplication:
    for event in events:
        app = record_production_event(
            actor=_icbc(world),
            application=app,
            type=event,
            outlet=world.bank_outlet if event == "ready_for_collection" else None,
            tracking_number="SF1234567890" if event == "mailed" else "",
        )
    return app


def _apps(world: World) -> dict[str, CardApplication]:
    made = ("bank_accepted", "in_production")
    mail = {"delivery": "mail", "mail_address": "广州市天河区体育西路1号"}
    newcomer = make_person()
    apps = {
        "intake": record_intake(
            actor=_window(world),
            type="new",
            person=newcomer,
            applicant=newcomer,
            relation="self",
            outlet=world.community,
        ),
        "receipt": _replacement(world, make_person()),
        "instant": _replacement(world, make_person(), at_bank=True, production="instant"),
        "accepted": _to(world, _replacement(world, make_person()), "bank_accepted"),
        "making": _to(world, _replacement(world, make_person()), *made),
        "making_mail": _to(world, _replacement(world, make_person(), **mail), *made),
        "failed": _to(world, _replacement(world, make_person()), *made, "production_failed"),
        "ready": _to(world, _replacement(world, make_person()), *made, "ready_for_collection"),
        "mailed": _to(world, _replacement(world, make_person(), **mail), *made, "mailed"),
        "collected": _to(
            world, _replacement(world, make_person()), *made, "ready_for_collection", "collected"
        ),
        "cancelled": cancel_application(
            actor=_window(world), application=_replacement(world, make_person())
        ),
    }
    with clock.frozen_at(clock.now() - dt.timedelta(days=800)):
        waited = _to(world, _replacement(world, make_person()), *made, "ready_for_collection")
    assert lapse_uncollected() == 1
    apps["lapsed"] = waited
    return {name: CardApplication.objects.get(pk=app.pk) for name, app in apps.items()}


def _actors(world: World) -> dict[str, Actor]:
    ccb = add_staff("bank_clerk", world.other_bank_outlet, "ccb-clerk")
    staff = {
        "window": world.users["window_clerk"],
        "icbc_clerk": world.users["bank_clerk"],
        "ccb_clerk": ccb,
        "community": world.users["community_clerk"],
        "supervisor": world.users["supervisor"],
    }
    actors = {name: actor_for(member_of(user)) for name, user in staff.items()}  # type: ignore[arg-type]
    # What the API makes of a token: a bank's system bound to no outlet, a central system
    # bound to neither, and a citizen signed in on the app.
    actors["icbc_system"] = Actor(
        kind="partner", id="icbc-host", role=Role.PARTNER, channel=Channel.BANK, bank_code="ICBC"
    )
    actors["central"] = Actor(
        kind="partner", id="city-platform", role=Role.PARTNER, channel=Channel.SYSTEM
    )
    actors["citizen"] = Actor(kind="citizen", id="person:1", role=Role.CITIZEN, channel=Channel.APP)
    return actors


@pytest.fixture
def situations() -> Situations:
    world = build_world()
    return Situations(world, _apps(world), _actors(world))


# ---------------------------------------------------------------- the matrix
#
# For each asker, at the outlet of their binding (the systems and the citizen at none): each act
# and event (rows) in each situation (columns), allowed or the code of the refusal:
#   ok    allowed now             bank  wrong_bank             chan  channel_not_allowed
#   svc   service_not_offered     inv   invalid_transition     away  card_elsewhere
#   none  no_receipt              elsw  receipt_elsewhere
# The columns, left to right: intake, receipt, instant, accepted, making, making_mail, failed,
# ready, mailed, collected, lapsed, cancelled (see SITUATIONS). Who is refused before where,
# where before what the state allows. The domain does not say who records a production event:
# the console's roles and the API's `production:write` scope do (test_console_permissions.py,
# test_api_permissions.py), so a central system, a community clerk or a citizen may here.

CODES = {
    "bank": "wrong_bank",
    "chan": "channel_not_allowed",
    "svc": "service_not_offered",
    "inv": "invalid_transition",
    "away": "card_elsewhere",
    "none": "no_receipt",
    "elsw": "receipt_elsewhere",
}

MATRIX = """
[window]
complete_intake         ok    inv   inv   inv   inv   inv   inv   inv   inv   inv   inv   inv
record_production_event ok    ok    ok    ok    ok    ok    ok    ok    ok    ok    ok    ok
issue_instantly         svc   svc   svc   svc   svc   svc   svc   svc   svc   svc   svc   svc
hand_over_card          inv   inv   inv   inv   inv   inv   inv   away  ok    inv   inv   inv
cancel_application      ok    ok    ok    ok    ok    ok    ok    ok    inv   inv   inv   inv
print_receipt           none  ok    elsw  ok    ok    ok    ok    ok    ok    ok    ok    ok
bank_accepted           inv   ok    ok    inv   inv   inv   inv   inv   inv   inv   inv   inv
in_production           inv   inv   inv   ok    inv   inv   ok    inv   inv   inv   inv   inv
production_failed       inv   inv   inv   inv   ok    ok    inv   inv   inv   inv   inv   inv
ready_for_collection    inv   inv   inv   inv   ok    inv   inv   inv   inv   inv   inv   inv
mailed                  inv   inv   inv   inv   inv   ok    inv   inv   inv   inv   inv   inv
collected               inv   inv   inv   inv   inv   inv   inv   ok    ok    inv   inv   inv
cancelled               ok    ok    ok    ok    ok    ok    ok    ok    inv   inv   inv   inv
[icbc_clerk]
complete_intake         ok    inv   inv   inv   inv   inv   inv   inv   inv   inv   inv   inv
record_production_event bank  ok    ok    ok    ok    ok    ok    ok    ok    ok    ok    ok
issue_instantly         bank  inv   ok    inv   inv   inv   inv   inv   inv   inv   inv   inv
hand_over_card          bank  inv   inv   inv   inv   inv   inv   ok    ok    inv   inv   inv
cancel_application      bank  ok    ok    ok    ok    ok    ok    ok    inv   inv   inv   inv
print_receipt           bank  elsw  ok    elsw  elsw  elsw  elsw  elsw  elsw  elsw  elsw  elsw
bank_accepted           bank  ok    ok    inv   inv   inv   inv   inv   inv   inv   inv   inv
in_production           bank  inv   inv   ok    inv   inv   ok    inv   inv   inv   inv   inv
production_failed       bank  inv   inv   inv   ok    ok    inv   inv   inv   inv   inv   inv
ready_for_collection    bank  inv   inv   inv   ok    inv   inv   inv   inv   inv   inv   inv
mailed                  bank  inv   inv   inv   inv   ok    inv   inv   inv   inv   inv   inv
collected               bank  inv   inv   inv   inv   inv   inv   ok    ok    inv   inv   inv
cancelled               bank  ok    ok    ok    ok    ok    ok    ok    inv   inv   inv   inv
[ccb_clerk]
complete_intake         ok    bank  bank  bank  bank  bank  bank  bank  bank  bank  bank  bank
record_production_event bank  bank  bank  bank  bank  bank  bank  bank  bank  bank  bank  bank
issue_instantly         bank  bank  bank  bank  bank  bank  bank  bank  bank  bank  bank  bank
hand_over_card          bank  bank  bank  bank  bank  bank  bank  bank  bank  bank  bank  bank
cancel_application      bank  bank  bank  bank  bank  bank  bank  bank  bank  bank  bank  bank
print_receipt           bank  bank  bank  bank  bank  bank  bank  bank  bank  bank  bank  bank
bank_accepted           bank  bank  bank  bank  bank  bank  bank  bank  bank  bank  bank  bank
in_production           bank  bank  bank  bank  bank  bank  bank  bank  bank  bank  bank  bank
production_failed       bank  bank  bank  bank  bank  bank  bank  bank  bank  bank  bank  bank
ready_for_collection    bank  bank  bank  bank  bank  bank  bank  bank  bank  bank  bank  bank
mailed                  bank  bank  bank  bank  bank  bank  bank  bank  bank  bank  bank  bank
collected               bank  bank  bank  bank  bank  bank  bank  bank  bank  bank  bank  bank
cancelled               bank  bank  bank  bank  bank  bank  bank  bank  bank  bank  bank  bank
[community]
complete_intake         svc   svc   svc   svc   svc   svc   svc   svc   svc   svc   svc   svc
record_production_event ok    ok    ok    ok    ok    ok    ok    ok    ok    ok    ok    ok
issue_instantly         svc   svc   svc   svc   svc   svc   svc   svc   svc   svc   svc   svc
hand_over_card          svc   svc   svc   svc   svc   svc   svc   svc   svc   svc   svc   svc
cancel_application      ok    ok    ok    ok    ok    ok    ok    ok    inv   inv   inv   inv
print_receipt           none  elsw  elsw  elsw  elsw  elsw  elsw  elsw  elsw  elsw  elsw  elsw
bank_accepted           inv   ok    ok    inv   inv   inv   inv   inv   inv   inv   inv   inv
in_production           inv   inv   inv   ok    inv   inv   ok    inv   inv   inv   inv   inv
production_failed       inv   inv   inv   inv   ok    ok    inv   inv   inv   inv   inv   inv
ready_for_collection    inv   inv   inv   inv   ok    inv   inv   inv   inv   inv   inv   inv
mailed                  inv   inv   inv   inv   inv   ok    inv   inv   inv   inv   inv   inv
collected               svc   svc   svc   svc   svc   svc   svc   svc   svc   svc   svc   svc
cancelled               ok    ok    ok    ok    ok    ok    ok    ok    inv   inv   inv   inv
[supervisor]
complete_intake         ok    inv   inv   inv   inv   inv   inv   inv   inv   inv   inv   inv
record_production_event ok    ok    ok    ok    ok    ok    ok    ok    ok    ok    ok    ok
issue_instantly         inv   inv   ok    inv   inv   inv   inv   inv   inv   inv   inv   inv
hand_over_card          inv   inv   inv   inv   inv   inv   inv   away  ok    inv   inv   inv
cancel_application      ok    ok    ok    ok    ok    ok    ok    ok    inv   inv   inv   inv
print_receipt           none  elsw  elsw  elsw  elsw  elsw  elsw  elsw  elsw  elsw  elsw  elsw
bank_accepted           inv   ok    ok    inv   inv   inv   inv   inv   inv   inv   inv   inv
in_production           inv   inv   inv   ok    inv   inv   ok    inv   inv   inv   inv   inv
production_failed       inv   inv   inv   inv   ok    ok    inv   inv   inv   inv   inv   inv
ready_for_collection    inv   inv   inv   inv   ok    inv   inv   inv   inv   inv   inv   inv
mailed                  inv   inv   inv   inv   inv   ok    inv   inv   inv   inv   inv   inv
collected               inv   inv   inv   inv   inv   inv   inv   ok    ok    inv   inv   inv
cancelled               ok    ok    ok    ok    ok    ok    ok    ok    inv   inv   inv   inv
[icbc_system]
complete_intake         svc   svc   svc   svc   svc   svc   svc   svc   svc   svc   svc   svc
record_production_event bank  ok    ok    ok    ok    ok    ok    ok    ok    ok    ok    ok
issue_instantly         bank  svc   svc   svc   svc   svc   svc   svc   svc   svc   svc   svc
hand_over_card          bank  svc   svc   svc   svc   svc   svc   svc   svc   svc   svc   svc
cancel_application      bank  ok    ok    ok    ok    ok    ok    ok    inv   inv   inv   inv
print_receipt           bank  elsw  elsw  elsw  elsw  elsw  elsw  elsw  elsw  elsw  elsw  elsw
bank_accepted           bank  ok    ok    inv   inv   inv   inv   inv   inv   inv   inv   inv
in_production           bank  inv   inv   ok    inv   inv   ok    inv   inv   inv   inv   inv
production_failed       bank  inv   inv   inv   ok    ok    inv   inv   inv   inv   inv   inv
ready_for_collection    bank  inv   inv   inv   ok    inv   inv   inv   inv   inv   inv   inv
mailed                  bank  inv   inv   inv   inv   ok    inv   inv   inv   inv   inv   inv
collected               bank  inv   inv   inv   inv   inv   inv   ok    ok    inv   inv   inv
cancelled               bank  ok    ok    ok    ok    ok    ok    ok    inv   inv   inv   inv
[central]
complete_intake         chan  chan  chan  chan  chan  chan  chan  chan  chan  chan  chan  chan
record_production_event ok    ok    ok    ok    ok    ok    ok    ok    ok    ok    ok    ok
issue_instantly         svc   svc   svc   svc   svc   svc   svc   svc   svc   svc   svc   svc
hand_over_card          chan  chan  chan  chan  chan  chan  chan  chan  chan  chan  chan  chan
cancel_application      ok    ok    ok    ok    ok    ok    ok    ok    inv   inv   inv   inv
print_receipt           none  elsw  elsw  elsw  elsw  elsw  elsw  elsw  elsw  elsw  elsw  elsw
bank_accepted           inv   ok    ok    inv   inv   inv   inv   inv   inv   inv   inv   inv
in_production           inv   inv   inv   ok    inv   inv   ok    inv   inv   inv   inv   inv
production_failed       inv   inv   inv   inv   ok    ok    inv   inv   inv   inv   inv   inv
ready_for_collection    inv   inv   inv   inv   ok    inv   inv   inv   inv   inv   inv   inv
mailed                  inv   inv   inv   inv   inv   ok    inv   inv   inv   inv   inv   inv
collected               inv   inv   inv   inv   inv   inv   inv   ok    ok    inv   inv   inv
cancelled               ok    ok    ok    ok    ok    ok    ok    ok    inv   inv   inv   inv
[citizen]
complete_intake         chan  chan  chan  chan  chan  chan  chan  chan  chan  chan  chan  chan
record_production_event ok    ok    ok    ok    ok    ok    ok    ok    ok    ok    ok    ok
issue_instantly         svc   svc   svc   svc   svc   svc   svc   svc   svc   svc   svc   svc
hand_over_card          chan  chan  chan  chan  chan  chan  chan  chan  chan  chan  chan  chan
cancel_application      chan  chan  chan  chan  chan  chan  chan  chan  chan  chan  chan  chan
print_receipt           none  elsw  elsw  elsw  elsw  elsw  elsw  elsw  elsw  elsw  elsw  elsw
bank_accepted           inv   ok    ok    inv   inv   inv   inv   inv   inv   inv   inv   inv
in_production           inv   inv   inv   ok    inv   inv   ok    inv   inv   inv   inv   inv
production_failed       inv   inv   inv   inv   ok    ok    inv   inv   inv   inv   inv   inv
ready_for_collection    inv   inv   inv   inv   ok    inv   inv   inv   inv   inv   inv   inv
mailed                  inv   inv   inv   inv   inv   ok    inv   inv   inv   inv   inv   inv
collected               inv   inv   inv   inv   inv   inv   inv   ok    ok    inv   inv   inv
cancelled               ok    ok    ok    ok    ok    ok    ok    ok    inv   inv   inv   inv
"""


def _cells() -> dict[tuple[str, str], dict[str, str]]:
    cells: dict[tuple[str, str], dict[str, str]] = {}
    asker = ""
    for line in MATRIX.strip().splitlines():
        if line.startswith("["):
            asker = line.strip("[]")
            continue
        action, *row = line.split()
        cells[(asker, action)] = dict(zip(SITUATIONS, row, strict=True))
    return cells


def _answer(situations: Situations, asker: str, situation: str) -> dict[str, str]:
    allowed = application_actions(situations.apps[situation], situations.actors[asker])
    answers = {}
    for action in APPLICATION_ACTIONS:
        refusal = allowed.refusal(action)
        answers[action] = "ok" if refusal is None else refusal.code
    return answers


def test_what_each_asker_may_do_in_each_situation(situations):
    cells = _cells()
    wrong = []
    for asker in situations.actors:
        for situation in SITUATIONS:
            for action, got in _answer(situations, asker, situation).items():
                want = cells[(asker, action)][situation]
                if got != CODES.get(want, want):
                    wrong.append(f"{asker} {action} {situation}: {got}, expected {want}")
    assert not wrong, "\n".join(wrong)


def test_the_matrix_covers_every_asker_and_act():
    askers = {key[0] for key in _cells()}
    assert askers == {
        "window",
        "icbc_clerk",
        "ccb_clerk",
        "community",
        "supervisor",
        "icbc_system",
        "central",
        "citizen",
    }
    assert {key for key in _cells()} == {(a, act) for a in askers for act in APPLICATION_ACTIONS}


# ---------------------------------------------------------------- the services agree

ACTS_AT_AN_OUTLET = ("complete_intake", "issue_instantly", "hand_over_card")


class Undone(Exception):
    """Raised to roll back an act that was allowed, so the next one finds the same world."""


def _outlet(situations: Situations, asker: str) -> Any:
    code = situations.actors[asker].outlet_code
    world = situations.world
    outlets = [
        world.agency,
        world.bureau,
        world.community,
        world.bank_outlet,
        world.other_bank_outlet,
    ]
    return next((o for o in outlets if o.code == code), None)


def _service(situations: Situations, asker: str, situation: str, action: str) -> Any:
    """The service call that does `action`, with everything else in order."""
    actor, app = situations.actors[asker], situations.apps[situation]
    outlet = _outlet(situations, asker)
    if action == "complete_intake":
        bank = outlet.bank or situations.world.bank  # a first card names its bank
        return lambda: complete_intake(
            actor=actor, application=app, documents=["id_card"], outlet=outlet, bank=bank
        )
    if action == "issue_instantly":
        return lambda: issue_instantly(actor=actor, application=app, outlet=outlet)
    if action == "hand_over_card":
        return lambda: hand_over_card(
            actor=actor,
            application=app,
            outlet=outlet,
            presenter=app.person,
            relation="self",
            documents=["id_card"],
        )
    if action == "cancel_application":
        return lambda: cancel_application(actor=actor, application=app)
    return lambda: record_production_event(
        actor=actor,
        application=app,
        type=action,
        outlet=outlet,
        tracking_number="SF1234567890",
    )


def _outcome(call: Any) -> str:
    try:
        with transaction.atomic():
            call()
            raise Undone
    except Undone:
        return "ok"
    except DomainError as refusal:
        return refusal.code


@pytest.mark.parametrize("asker", ["window", "icbc_clerk", "ccb_clerk", "community", "central"])
def test_each_service_refuses_what_the_read_model_refuses_and_does_what_it_allows(
    situations, asker
):
    acts = ["complete_intake", "issue_instantly", "hand_over_card", "cancel_application"]
    before = db_state(*situations.apps.values())
    wrong = []
    for situation in SITUATIONS:
        answers = _answer(situations, asker, situation)
        for action in [*acts, *BANK_EVENTS]:
            if action in ACTS_AT_AN_OUTLET and _outlet(situations, asker) is None:
                continue  # a service done at an outlet is always told which
            got = _outcome(_service(situations, asker, situation, action))
            if got != answers[action]:
                wrong.append(f"{action} {situation}: {got}, the read model says {answers[action]}")
    assert not wrong, "\n".join(wrong)
    assert db_state(*situations.apps.values()) == before


# ---------------------------------------------------------------- the console offers it

BUTTONS = re.compile(r'<a class="button[^"]*" href="([^"]+)">([^<]+)</a>')
# The page of each button, and the acts of the read model it does (one allowed is enough).
PAGES = {
    "complete": ("complete_intake",),
    "receipt.pdf": ("print_receipt",),
    "accept": ("bank_accepted",),
    "issue": ("issue_instantly",),
    "production": ("in_production", "production_failed", "ready_for_collection", "mailed"),
    "hand-over": ("hand_over_card",),
    "withdraw": ("cancel_application",),
}
DESKS = {"window": "window_clerk", "icbc_clerk": "bank_clerk"}


def _client(situations: Situations, role: str) -> Client:
    client = situations.world.client(role)
    client.cookies["sscard_language"] = "en"
    return client


def _buttons(page: str, within: str = '<div class="buttons">') -> list[str]:
    block = page.split(within, 1)[1].split("</div>", 1)[0] if within in page else ""
    return [label for _url, label in BUTTONS.findall(block)]


def _pages(page: str) -> set[str]:
    """The last part of each button's URL: the page it opens."""
    block = page.split('<div class="buttons">', 1)[-1].split("</div>", 1)[0]
    if '<div class="buttons">' not in page:
        block = ""
    return {url.rstrip("/").rsplit("/", 1)[-1] for url, _label in BUTTONS.findall(block)}


OFFERED = {
    ("window", "intake"): ["Complete the intake", "Withdraw"],
    ("window", "receipt"): ["Print the receipt", "Withdraw"],
    ("window", "instant"): ["Withdraw"],
    ("window", "making_mail"): ["Print the receipt", "Withdraw"],
    # The card waits at the bank's outlet: it is handed over there, not at this window.
    ("window", "ready"): ["Print the receipt", "Withdraw"],
    ("window", "mailed"): ["Print the receipt", "Record the mailed card received"],
    ("window", "collected"): ["Print the receipt"],
    ("icbc_clerk", "receipt"): ["Accept the receipt", "Withdraw"],
    ("icbc_clerk", "instant"): [
        "Print the receipt",
        "Accept the receipt",
        "Issue the card now",
        "Withdraw",
    ],
    ("icbc_clerk", "making_mail"): ["Record production", "Withdraw"],
    ("icbc_clerk", "ready"): ["Hand over the card", "Withdraw"],
    ("icbc_clerk", "mailed"): ["Record the mailed card received"],
    ("icbc_clerk", "collected"): [],
}


def test_the_application_page_offers_what_may_be_done_now(situations):
    for (asker, situation), expected in OFFERED.items():
        app = situations.apps[situation]
        page = _client(situations, DESKS[asker]).get(
            reverse("console:application", args=[app.number])
        )
        assert page.status_code == 200
        assert _buttons(page.content.decode()) == expected, (asker, situation)


@pytest.mark.parametrize("asker", ["window", "icbc_clerk"])
def test_the_console_offers_exactly_what_the_read_model_allows(situations, asker):
    client = _client(situations, DESKS[asker])
    desk = situations.world.users[DESKS[asker]]
    for situation in SITUATIONS:
        app = situations.apps[situation]
        answer = client.get(reverse("console:application", args=[app.number]))
        if answer.status_code == 404:  # a bank does not see an intake, which has no bank yet
            assert (asker, situation) == ("icbc_clerk", "intake")
            continue
        allowed = application_actions(app, situations.actors[asker])
        expected = {
            page
            for page, acts in PAGES.items()
            if any(allowed.may(act) for act in acts) and desk.has_perm(f"staff.{PERMISSIONS[page]}")
        }
        assert _pages(answer.content.decode()) == expected, situation


PERMISSIONS = {
    "complete": "complete_intake",
    "receipt.pdf": "print_receipt",
    "accept": "accept_receipt",
    "issue": "issue_instantly",
    "production": "record_production",
    "hand-over": "hand_over_card",
    "withdraw": "cancel_application",
}


def test_the_person_page_offers_the_same_buttons_on_each_application(situations):
    app = situations.apps["ready"]
    client = _client(situations, "bank_clerk")
    person = client.get(reverse("console:person", args=[app.person.reference])).content.decode()
    row = person.rsplit(f">{app.number}</a></td>", 1)[1].split("</tr>", 1)[0]
    assert [label for _url, label in BUTTONS.findall(row)] == ["Hand over the card", "Withdraw"]


def _person_page_buttons(client: Client, person: Person) -> list[str]:
    page = client.get(reverse("console:person", args=[person.reference])).content.decode()
    return _buttons(page.split('<section aria-labelledby="apps-h">', 1)[1])


def test_the_person_page_offers_an_application_or_an_intake_where_they_are_taken(situations):
    world = situations.world
    office = OutletFactory.create(
        code="SD0001",
        name="石牌街道办事处",
        type=OutletType.SUBDISTRICT_OFFICE,
        services=[Service.TEMPORARY_LOSS_REPORT, Service.FORMAL_LOSS_REPORT, Service.INQUIRY],
    )
    at_office = {role: Client() for role in ("window_clerk", "community_clerk")}
    for role, client in at_office.items():
        client.force_login(add_staff(role, office, f"{role}-sd"))
        client.cookies["sscard_language"] = "en"
    holder = world.adult  # a card in hand, no application open

    assert _person_page_buttons(_client(situations, "window_clerk"), holder) == ["New application"]
    assert _person_page_buttons(_client(situations, "community_clerk"), holder) == [
        "Preliminary intake"
    ]
    # An office that takes neither applications nor intakes offers neither.
    assert _person_page_buttons(at_office["window_clerk"], holder) == []
    assert _person_page_buttons(at_office["community_clerk"], holder) == []
    # One application open at a time.
    waiting = situations.apps["ready"].person
    assert _person_page_buttons(_client(situations, "window_clerk"), waiting) == []


# ---------------------------------------------------------------- a new application
#
# Whether each asker may apply, or take a preliminary intake, for a person with no card yet
# (newcomer), one with an ICBC card in hand (in_hand), and one whose application is open (open).

APPLYING_COLUMNS = ("newcomer", "in_hand", "open")
APPLYING = """
[window]
apply_for_card  ok        ok       application_open
record_intake   svc       svc      svc
[icbc_clerk]
apply_for_card  ok        ok       application_open
record_intake   svc       svc      svc
[ccb_clerk]
apply_for_card  ok        bank     bank
record_intake   svc       svc      svc
[community]
apply_for_card  svc       svc      svc
record_intake   ok        ok       application_open
[supervisor]
apply_for_card  ok        ok       application_open
record_intake   ok        ok       application_open
[icbc_system]
apply_for_card  svc       svc      svc
record_intake   svc       svc      svc
[central]
apply_for_card  chan      chan     chan
record_intake   svc       svc      svc
[citizen]
apply_for_card  chan      chan     chan
record_intake   svc       svc      svc
"""


def _people(situations: Situations) -> dict[str, Person]:
    in_hand = make_person()
    make_card(person=in_hand, bank=situations.world.bank)
    return {
        "newcomer": make_person(),
        "in_hand": in_hand,
        "open": situations.apps["ready"].person,
    }


def _applying_call(situations: Situations, asker: str, person: Person, action: str) -> Any:
    actor, outlet = situations.actors[asker], _outlet(situations, asker)
    has_card = person.cards.exists()
    if action == "record_intake":
        return lambda: record_intake(
            actor=actor,
            type="replacement" if has_card else "new",
            reason="damaged" if has_card else "",
            person=person,
            applicant=person,
            relation="self",
            outlet=outlet,
        )
    return lambda: apply_for_card(
        actor=actor,
        type="replacement" if has_card else "new",
        reason="damaged" if has_card else "",
        person=person,
        applicant=person,
        relation="self",
        documents=["id_card"],
        outlet=outlet,
        bank=None if has_card else (outlet.bank or situations.world.bank),
    )


def test_who_may_apply_or_take_an_intake_and_the_services_agree(situations):
    people = _people(situations)
    before = db_state(*situations.apps.values())
    wrong = []
    asker = ""
    for line in APPLYING.strip().splitlines():
        if line.startswith("["):
            asker = line.strip("[]")
            continue
        action, *row = line.split()
        for situation, want in zip(APPLYING_COLUMNS, row, strict=True):
            person = people[situation]
            refusal = applying_actions(person, situations.actors[asker]).refusal(action)
            got = "ok" if refusal is None else refusal.code
            if got != CODES.get(want, want):
                wrong.append(f"{asker} {action} {situation}: {got}, expected {want}")
            if _outlet(situations, asker) is not None:  # a service is always told the outlet
                done = _outcome(_applying_call(situations, asker, person, action))
                if done != got:
                    wrong.append(f"{asker} {action} {situation}: the service says {done}")
    assert not wrong, "\n".join(wrong)
    assert db_state(*situations.apps.values()) == before


def test_a_receipt_is_recorded_printed_only_by_the_outlet_that_issued_it(situations):
    world, app = situations.world, situations.apps["receipt"]
    elsewhere = actor_for(member_of(add_staff("window_clerk", world.other_agency, "haizhu")))  # type: ignore[arg-type]
    with nothing_changes(app), pytest.raises(DomainError) as refused:
        record_receipt_print(actor=elsewhere, application=app)
    assert (refused.value.code, refused.value.status) == ("receipt_elsewhere", 403)
    with nothing_changes(situations.apps["intake"]), pytest.raises(DomainError) as refused:
        record_receipt_print(
            actor=situations.actors["window"], application=situations.apps["intake"]
        )
    assert refused.value.code == "no_receipt"

    record_receipt_print(actor=situations.actors["window"], application=app)
    printed = AuditEvent.objects.get(action="receipt.printed")
    assert (printed.object_id, printed.actor_role, printed.outlet_code, printed.after) == (
        app.number,
        "window_clerk",
        "SI0001",
        {"receipt_number": app.receipt_number},
    )
