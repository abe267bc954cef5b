"""The card's read model (`sscard.cards.selectors.card_actions`) as a matrix: every kind of
actor against every status a card can be in and every action on it, each cell either allowed
or refused with the code the card's service refuses with; and the interfaces (the console's
person page and hotline, the portal) offering exactly what the read model allows.

The clock stands on the 18th birthday of one ward: from that day the parent no longer acts for
the card (Civil Code art. 17), while a 9-year-old's parent still does.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from sscard.applications.services.applying import apply_for_card
from sscard.cards.models import BankStatus, Card, CardStatus, LossReport
from sscard.cards.permissions import (
    ACTIVATE,
    CARD_ACTIONS,
    LIFT,
    REPORT_FORMAL,
    REPORT_TEMPORARY,
    RESET_PIN,
    VERIFY_PIN,
)
from sscard.cards.selectors import card_actions
from sscard.cards.services import report_loss
from sscard.common.clock import frozen_at
from sscard.common.context import Actor, Channel, Role
from sscard.console.views.hotline import VERIFIED
from sscard.console.views.people import person_url
from sscard.outlets.models import Outlet, OutletType, Service
from sscard.partners.models import Bank
from sscard.people.generate import make_citizen_id
from sscard.people.models import Person
from sscard.staff.selectors import actor_for
from tests.console_support import World, build_world
from tests.factories import (
    BankFactory,
    BankOutletFactory,
    make_card,
    make_guardianship,
    make_outlet,
    make_person,
    nothing_changes,
)
from tests.test_portal_access import signed_in

pytestmark = pytest.mark.django_db

SHANGHAI = dt.timezone(dt.timedelta(hours=8))
T0 = dt.datetime(2026, 11, 24, 10, 30, tzinfo=SHANGHAI)


@pytest.fixture(autouse=True)
def clock_at_t0() -> Iterator[None]:
    with frozen_at(T0):
        yield


# ---------------------------------------------------------------- the matrix
#
# Columns, in order: report a temporary loss, report a formal loss, lift the report in force,
# activate, verify the PIN, reset the PIN. A cell is "-" (allowed) or the refusal's code:
CODES = {
    "-": None,
    "NR": "card_not_reportable",
    "NE": "report_not_effective",
    "RI": "reissue_in_progress",
    "NC": "card_not_collected",
    "NA": "card_not_activatable",
    "NU": "card_not_usable",
    "PL": "pin_locked",
    "CH": "channel_not_allowed",
    "SV": "service_not_offered",
    "WB": "wrong_bank",
    "NG": "not_guardian",
    "GR": "guardian_required",
}
STATES = (
    "in_production",
    "awaiting_collection",
    "sealed",
    "normal",
    "pin_locked",
    "temporarily_lost",  # a temporary report in force
    "formally_lost",  # a formal report in force
    "reissue_applied",  # a formal report, and a reissue applied for
    "cancelled",
    "expired",  # normal, past its expiry date (not yet written by the sweep)
)

# At a counter of the card's own bank (or a window), the holder presenting: the card's state.
AT_A_COUNTER = """
in_production        NR NR NE NC NU NU
awaiting_collection  NR NR NE NC NU NU
sealed               -  -  NE -  NU NU
normal               -  -  NE NA -  -
pin_locked           -  -  NE NA PL -
temporarily_lost     -  -  -  NA NU NU
formally_lost        NR NR -  NA NU NU
reissue_applied      NR NR RI NA NU NU
cancelled            NR NR NE NA NU NU
expired              NR NR NE NA NU NU
"""
# Online (web or app), for oneself or as a guardian: temporary reports only, lifted online
# only while temporary; nothing that needs the original ID on a desk.
ONLINE = """
in_production        NR CH NE CH NU CH
awaiting_collection  NR CH NE CH NU CH
sealed               -  CH NE CH NU CH
normal               -  CH NE CH -  CH
pin_locked           -  CH NE CH PL CH
temporarily_lost     -  CH -  CH NU CH
formally_lost        NR CH CH CH NU CH
reissue_applied      NR CH CH CH NU CH
cancelled            NR CH NE CH NU CH
expired              NR CH NE CH NU CH
"""
# By phone, at a self-service terminal, or a partner's system bound to no counter: a temporary
# report and a PIN check; no lifting, nothing that needs the original ID on a desk.
REMOTE = """
in_production        NR CH CH CH NU CH
awaiting_collection  NR CH CH CH NU CH
sealed               -  CH CH CH NU CH
normal               -  CH CH CH -  CH
pin_locked           -  CH CH CH PL CH
temporarily_lost     -  CH CH CH NU CH
formally_lost        NR CH CH CH NU CH
reissue_applied      NR CH CH CH NU CH
cancelled            NR CH CH CH NU CH
expired              NR CH CH CH NU CH
"""


def online_without(code: str) -> str:
    """Online, but the person signed in may not act for the holder: refused with `code` but
    where the channel refuses first (a formal report in force is not lifted online)."""
    rows = []
    for status in STATES:
        lift = "CH" if status in ("formally_lost", "reissue_applied") else code
        rows.append(f"{status} {code} CH {lift} CH {code} CH")
    return "\n".join(rows)


def everywhere(code: str) -> str:
    return "\n".join(f"{status} " + " ".join([code] * len(CARD_ACTIONS)) for status in STATES)


def without_the_services(table: str) -> str:
    """At an outlet that offers none of the card services: only a PIN check is judged on."""
    rows = []
    for line in table.strip().splitlines():
        status, *cells = line.split()
        rows.append(f"{status} SV SV SV SV {cells[4]} SV")
    return "\n".join(rows)


MATRIX: dict[str, str] = {
    "holder online": ONLINE,
    "guardian of a minor online": ONLINE,
    "a minor alone online": online_without("GR"),
    "parent of a ward 18 today online": online_without("NG"),
    "stranger online": online_without("NG"),
    "window clerk": AT_A_COUNTER,
    "clerk of the card's bank": AT_A_COUNTER,
    "clerk of another bank": everywhere("WB"),
    "clerk at a community committee": without_the_services(AT_A_COUNTER),
    "hotline agent": REMOTE,
    "self-service terminal": REMOTE,
    "API partner of the card's bank": AT_A_COUNTER,
    "API partner bound to nothing": REMOTE,
}


def expected(actor: str, status: str) -> dict[str, str | None]:
    for line in MATRIX[actor].strip().splitlines():
        name, *cells = line.split()
        if name == status:
            return dict(zip(CARD_ACTIONS, (CODES[c] for c in cells), strict=True))
    raise KeyError(status)


# ---------------------------------------------------------------- the people, places and cards


@dataclass
class Town:
    icbc: Bank
    agency: Outlet
    icbc_outlet: Outlet
    ccb_outlet: Outlet
    committee: Outlet
    terminal: Outlet
    holder: Person
    child: Person  # 9, a parent recorded as guardian
    parent: Person
    adult_child: Person  # 18 today
    former_parent: Person
    stranger: Person


@pytest.fixture
def town() -> Town:
    icbc = BankFactory.create(code="ICBC", name="中国工商银行")
    ccb = BankFactory.create(code="CCB", name="中国建设银行")
    young = make_guardianship(ward__age=9, guardian__age=38)
    born = T0.date().replace(year=T0.year - 18)
    adult_child = make_person(social_security_number=make_citizen_id("440106", born, 7, male=True))
    grown = make_guardianship(ward=adult_child, guardian__age=47)
    return Town(
        icbc=icbc,
        agency=make_outlet(code="SI0001"),
        icbc_outlet=BankOutletFactory.create(code="BK0001", bank=icbc),
        ccb_outlet=BankOutletFactory.create(code="BK0002", bank=ccb),
        committee=make_outlet(
            code="CC0001",
            type=OutletType.COMMUNITY_COMMITTEE,
            services=[Service.INTAKE, Service.INQUIRY],
        ),
        terminal=make_outlet(
            code="KS0001",
            type=OutletType.SELF_SERVICE_TERMINAL,
            services=[Service.TEMPORARY_LOSS_REPORT, Service.INQUIRY],
        ),
        holder=make_person(age=40),
        child=young.ward,
        parent=young.guardian,
        adult_child=adult_child,
        former_parent=grown.guardian,
        stranger=make_person(age=35),
    )


def staff(role: str, channel: str, outlet: Outlet, bank: str | None = None) -> Actor:
    return Actor(
        kind="staff",
        id=f"{role}-1",
        role=role,
        channel=channel,
        outlet_code=outlet.code,
        bank_code=bank,
    )


def citizen(person: Person) -> Actor:
    return Actor(kind="citizen", id=f"person:{person.pk}", role=Role.CITIZEN, channel=Channel.WEB)


@dataclass(frozen=True)
class Asking:
    """Who asks about which holder's card, where, with which person acting."""

    actor: Actor
    holder: Person
    person: Person
    outlet: Outlet | None = None


ASKING: dict[str, Callable[[Town], Asking]] = {
    "holder online": lambda t: Asking(citizen(t.holder), t.holder, t.holder),
    "guardian of a minor online": lambda t: Asking(citizen(t.parent), t.child, t.parent),
    "a minor alone online": lambda t: Asking(citizen(t.child), t.child, t.child),
    "parent of a ward 18 today online": lambda t: Asking(
        citizen(t.former_parent), t.adult_child, t.former_parent
    ),
    "stranger online": lambda t: Asking(citizen(t.stranger), t.holder, t.stranger),
    "window clerk": lambda t: Asking(
        staff(Role.WINDOW_CLERK, Channel.WINDOW, t.agency), t.holder, t.holder, t.agency
    ),
    "clerk of the card's bank": lambda t: Asking(
        staff(Role.BANK_CLERK, Channel.BANK, t.icbc_outlet, "ICBC"),
        t.holder,
        t.holder,
        t.icbc_outlet,
    ),
    "clerk of another bank": lambda t: Asking(
        staff(Role.BANK_CLERK, Channel.BANK, t.ccb_outlet, "CCB"), t.holder, t.holder, t.ccb_outlet
    ),
    "clerk at a community committee": lambda t: Asking(
        staff(Role.COMMUNITY_CLERK, Channel.WINDOW, t.committee), t.holder, t.holder, t.committee
    ),
    "hotline agent": lambda t: Asking(
        Actor(kind="staff", id="agent-1", role=Role.HOTLINE_AGENT, channel=Channel.HOTLINE),
        t.holder,
        t.holder,
    ),
    "self-service terminal": lambda t: Asking(
        Actor(
            kind="partner",
            id="terminal-1",
            role=Role.PARTNER,
            channel=Channel.KIOSK,
            outlet_code=t.terminal.code,
        ),
        t.holder,
        t.holder,
        t.terminal,
    ),
    "API partner of the card's bank": lambda t: Asking(
        Actor(kind="partner", id="icbc", role=Role.PARTNER, channel=Channel.BANK, bank_code="ICBC"),
        t.holder,
        t.holder,
    ),
    "API partner bound to nothing": lambda t: Asking(
        Actor(kind="partner", id="insurer", role=Role.PARTNER, channel=Channel.SYSTEM),
        t.holder,
        t.holder,
    ),
}


def card_in(
    holder: Person, status: str, *, bank: Bank, window: Outlet, guardian: Person | None = None
) -> Card:
    """A card of `holder` at `bank` in `status`, put there through the services at `window`,
    the holder (or `guardian`) presenting."""
    stored = {
        "in_production": (CardStatus.IN_PRODUCTION, BankStatus.NOT_OPENED),
        "awaiting_collection": (CardStatus.AWAITING_COLLECTION, BankStatus.NOT_OPENED),
        "sealed": (CardStatus.SEALED, BankStatus.NOT_OPENED),
        "pin_locked": (CardStatus.PIN_LOCKED, BankStatus.NORMAL),
        "cancelled": (CardStatus.CANCELLED, BankStatus.CLOSED),
    }
    if status in stored:
        card_status, bank_status = stored[status]
        return make_card(person=holder, bank=bank, status=card_status, bank_status=bank_status)
    if status == "expired":
        return make_card(person=holder, bank=bank, expires_on=T0.date() - dt.timedelta(days=1))
    card = make_card(person=holder, bank=bank)
    if status == "normal":
        return card
    clerk = staff(Role.WINDOW_CLERK, Channel.WINDOW, window)
    presenting: dict[str, Any] = {"relation": "self", "documents": ["id_card"]}
    if guardian is not None:
        presenting = {
            "relation": "guardian",
            "documents": ["household_register", "guardian_id_card"],
        }
    report_loss(
        actor=clerk,
        card=card,
        kind="temporary" if status == "temporarily_lost" else "formal",
        reporter=guardian or holder,
        outlet=window,
        **presenting,
    )
    if status == "reissue_applied":
        apply_for_card(
            actor=clerk,
            type="reissue",
            person=holder,
            applicant=guardian or holder,
            outlet=window,
            **presenting,
        )
    return Card.objects.get(pk=card.pk)


CELLS = [
    pytest.param(actor, status, id=f"{actor}-{status}") for actor in MATRIX for status in STATES
]


@pytest.mark.parametrize(("actor", "status"), CELLS)
def test_what_each_actor_may_do_with_a_card_in_each_state(town, actor, status):
    asking = ASKING[actor](town)
    guardian = town.parent if asking.holder == town.child else None
    card = card_in(asking.holder, status, bank=town.icbc, window=town.agency, guardian=guardian)

    answer = card_actions(card, asking.actor, outlet=asking.outlet, person=asking.person)

    got = {a: (r.code if (r := answer.refusal(a)) else None) for a in CARD_ACTIONS}
    assert got == expected(actor, status)
    assert answer.allowed == tuple(a for a, code in got.items() if code is None)


def test_a_refusal_is_the_services_own(town):
    """The read model refuses with the service's very error: code, status, words and extras."""
    holder, where = town.holder, {"bank": town.icbc, "window": town.agency}
    making = card_in(holder, "in_production", **where)
    window = staff(Role.WINDOW_CLERK, Channel.WINDOW, town.agency)
    refusal = card_actions(making, window, outlet=town.agency).refusal(ACTIVATE)
    assert refusal is not None
    assert (refusal.code, refusal.status, refusal.detail, refusal.extra) == (
        "card_not_collected",
        409,
        "The card has not been collected yet.",
        {"card_status": "in_production"},
    )
    lost = card_in(make_person(age=52), "reissue_applied", **where)
    refusal = card_actions(lost, citizen(lost.person), person=lost.person).refusal(LIFT)
    assert refusal is not None
    assert (refusal.code, refusal.status, refusal.errors[0].message) == (
        "channel_not_allowed",
        422,
        "must be window or bank for a formal report",
    )


def test_what_a_report_would_do_now(town):
    window = staff(Role.WINDOW_CLERK, Channel.WINDOW, town.agency)
    outcomes = {}
    for status in ("normal", "temporarily_lost", "formally_lost", "cancelled"):
        card = card_in(make_person(age=33), status, bank=town.icbc, window=town.agency)
        answer = card_actions(card, window, outlet=town.agency)
        outcomes[status] = (answer.report_outcome("temporary"), answer.report_outcome("formal"))
    assert outcomes == {
        "normal": ("created", "created"),
        "temporarily_lost": ("renewed", "converted"),
        "formally_lost": ("", ""),
        "cancelled": ("", ""),
    }


# ---------------------------------------------------------------- the interfaces offer it


def _buttons(page: str) -> list[str]:
    """The action buttons in the table of the person's cards."""
    cards = page.split('aria-labelledby="cards-h"', 1)[1].split("</section>", 1)[0]
    return re.findall(r'<a class="button" href="(/console/[^"]+)"', cards)


def _offered(answer: Any, card: Card) -> list[str]:
    """The console's addresses for the actions the read model allows, in the page's order."""
    urls = []
    if answer.may(REPORT_FORMAL) or answer.may(REPORT_TEMPORARY):
        urls.append(reverse("console:report_loss", args=[card.number]))
    if answer.may(LIFT):
        urls.append(reverse("console:lift", args=[answer.report.reference]))
    if answer.may(ACTIVATE):
        urls.append(reverse("console:activate", args=[card.number]))
    if answer.may(RESET_PIN):
        urls.append(reverse("console:reset_pin", args=[card.number]))
    return urls


@pytest.fixture
def world() -> World:
    return build_world()


PAGE_STATES = ("sealed", "normal", "pin_locked", "temporarily_lost", "reissue_applied")
REPORTS = (REPORT_TEMPORARY, REPORT_FORMAL)
AT_THE_DESK = {
    "sealed": (*REPORTS, ACTIVATE),
    "normal": (*REPORTS, VERIFY_PIN, RESET_PIN),
    "pin_locked": (*REPORTS, RESET_PIN),
    "temporarily_lost": (*REPORTS, LIFT),
    "reissue_applied": (),
}
PAGE_OFFERS = {
    "window_clerk": AT_THE_DESK,
    "bank_clerk": AT_THE_DESK,
    # A community committee offers none of the card services: nothing to press.
    "community_clerk": {status: () for status in PAGE_STATES} | {"normal": (VERIFY_PIN,)},
}


@pytest.mark.parametrize("role", ["window_clerk", "bank_clerk", "community_clerk"])
def test_the_person_page_offers_what_the_read_model_allows(world, role):
    member = world.users[role].staff_member
    actor = actor_for(member)
    client = world.client(role)
    allowed = {}
    for status in PAGE_STATES:
        holder = make_person(age=41)
        card = card_in(holder, status, bank=world.bank, window=world.agency)
        answer = card_actions(card, actor, outlet=member.outlet)
        page = client.get(person_url(holder)).content.decode()
        assert _buttons(page) == _offered(answer, card), (role, status)
        allowed[status] = answer.allowed
    assert allowed == PAGE_OFFERS[role]


def test_the_hotline_offers_a_report_where_the_read_model_allows_it(world):
    """The caller's own cards and a ward's, by phone: a temporary report or its renewal."""
    agent = world.client("hotline_agent")
    session = agent.session
    session[VERIFIED] = {str(world.parent.pk): T0.isoformat()}
    session.save()
    hotline = actor_for(world.users["hotline_agent"].staff_member)
    where = {"bank": world.bank, "window": world.agency}
    cards = [
        ("self", card_in(world.parent, "temporarily_lost", **where)),
        ("self", card_in(world.parent, "awaiting_collection", **where)),
        ("guardian", world.child_card),
        ("guardian", card_in(world.child, "cancelled", **where)),
    ]

    page = agent.get(reverse("console:hotline_caller", args=[world.parent.reference]))

    offered = re.findall(
        r'href="/console/hotline/callers/\w+/cards/(\w+)/report/"', page.content.decode()
    )
    allowed = [
        card.number
        for relation, card in cards
        if card_actions(card, hotline, person=world.parent, relation=relation).may(REPORT_TEMPORARY)
    ]
    assert sorted(offered) == sorted(allowed)
    assert sorted(allowed) == sorted([cards[0][1].number, world.child_card.number])


def test_the_portal_offers_what_the_read_model_allows(world):
    """The signed-in parent's own cards and the ward's: report, renew, lift, as allowed."""
    parent = world.parent
    own_lost = card_in(parent, "temporarily_lost", bank=world.bank, window=world.agency)
    client = signed_in(Client(), parent)
    client.cookies["sscard_language"] = "en"

    page = client.get("/cards/").content.decode()

    def links(kind: str) -> list[str]:
        return sorted(re.findall(rf'href="/cards/([^/]+)/{kind}/"', page))

    web = citizen(parent)
    answers = {c.number: card_actions(c, web, person=parent) for c in (own_lost, world.child_card)}
    reportable = [n for n, a in answers.items() if a.report_outcome("temporary") == "created"]
    renewable = [n for n, a in answers.items() if a.report_outcome("temporary") == "renewed"]
    liftable = [n for n, a in answers.items() if a.may(LIFT)]
    assert links("report") == sorted(reportable + renewable)
    assert links("found") == sorted(liftable)
    assert (reportable, renewable, liftable) == (
        [world.child_card.number],
        [own_lost.number],
        [own_lost.number],
    )


def test_a_temporary_report_that_has_run_out_is_not_offered_at_the_desk(world):
    """Before the sweep writes the lapse, the report is over all the same: the person's page
    offers a new report and no lifting, and the lifting page says why, changing nothing."""
    holder = make_person(age=44)
    card = card_in(holder, "temporarily_lost", bank=world.bank, window=world.agency)
    report = LossReport.objects.get(card=card)
    client = world.client("window_clerk")
    client.cookies["sscard_language"] = "en"

    with frozen_at(T0 + dt.timedelta(days=8)):
        page = client.get(person_url(holder)).content.decode()
        with nothing_changes(card, report):
            lift = client.get(reverse("console:lift", args=[report.reference]))

    assert _buttons(page) == [
        reverse("console:report_loss", args=[card.number]),
        reverse("console:reset_pin", args=[card.number]),
    ]
    assert report.reference not in page
    assert lift.status_code == 409
    assert "This loss report is no longer effective." in lift.content.decode()
