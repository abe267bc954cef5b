"""Who may see and act for a ward's card, and who is told, through every interface: the app
(citizen token), the portal, the hotline and the window in the console, and notifications.

Six situations (DOMAIN.md section 6), each played with the clock frozen at its moment:
a minor ward; a ward the day before the 18th birthday and on it; an adult ward on a court's
designation in force; a guardianship ended at a window; one past its end date. The expected
answers are written out here, independently of the selector that decides.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from sscard.cards.holders import notify
from sscard.cards.models import Card, LossReport
from sscard.common.clock import frozen_at
from sscard.common.context import Actor, Channel, Role
from sscard.console.views.hotline import VERIFIED
from sscard.notifications.models import OutboxMessage
from sscard.people.generate import make_citizen_id
from sscard.people.models import Guardianship, Person
from sscard.people.services import end_guardianship
from sscard.portal.session import PERSON_KEY
from tests.console_support import World, build_world
from tests.factories import db_state, make_card, make_guardianship, make_person, make_policy

pytestmark = pytest.mark.django_db

SHANGHAI = dt.timezone(dt.timedelta(hours=8))
TUESDAY = dt.datetime(2026, 11, 24, 10, 30, tzinfo=SHANGHAI)
COURT = "(2024)粤0106民特61号"


@dataclass(frozen=True)
class Situation:
    name: str
    moment: dt.datetime
    reach: bool  # the guardian sees the card and acts for it
    told: str  # who gets notices: "guardian" or "ward"
    alone: bool  # the ward acts for themselves


SITUATIONS = [
    Situation("a minor ward", TUESDAY, reach=True, told="guardian", alone=False),
    Situation(
        "the day before the 18th birthday",
        TUESDAY - dt.timedelta(days=1),
        reach=True,
        told="guardian",
        alone=False,
    ),
    Situation("the 18th birthday", TUESDAY, reach=False, told="ward", alone=True),
    Situation("an adult ward by a court's designation", TUESDAY, True, "guardian", False),
    Situation("a guardianship ended at a window", TUESDAY, False, "ward", False),
    Situation("a guardianship past its end date", TUESDAY, False, "ward", True),
]
IDS = [s.name for s in SITUATIONS]


@dataclass
class Family:
    world: World
    guardian: Person
    ward: Person
    link: Guardianship
    card: Card


def born(day: dt.date) -> Person:
    return make_person(
        social_security_number=make_citizen_id("440106", day, 5, male=False), name="黄小燕"
    )


def family(situation: Situation) -> Family:
    """The situation's ward, guardian and card; call with the clock at the situation's moment.
    The ward's card is from 天河区, whose policy lets a holder act alone only from 18."""
    world = build_world()
    make_policy(region_prefix="440106", age_acting_alone=18)
    guardian = make_person(age=48, name="黄国平", phone="13922223333")
    if situation.name in ("a minor ward", "a guardianship ended at a window"):
        ward = born(dt.date(2017, 5, 2))
    elif "18th birthday" in situation.name:
        ward = born(dt.date(2008, 11, 24))
    else:
        ward = born(dt.date(1949, 3, 8))
    terms: dict[str, Any] = {}
    if ward.birth_date.year < 2000:
        terms = {"relation": "legal_guardian", "basis": "designation", "document": COURT}
    if situation.name == "a guardianship past its end date":
        terms["ends_on"] = situation.moment.date()
    link = make_guardianship(guardian=guardian, ward=ward, **terms)
    if situation.name == "a guardianship ended at a window":
        window = Actor(
            kind="staff",
            id="window-clerk",
            role=Role.WINDOW_CLERK,
            channel=Channel.WINDOW,
            outlet_code=world.agency.code,
        )
        end_guardianship(actor=window, link=link, reason="guardian_removed")
    return Family(world, guardian, ward, link, make_card(person=ward, bank=world.bank))


@pytest.fixture(params=SITUATIONS, ids=IDS)
def situation(request: Any) -> Any:
    with frozen_at(request.param.moment):
        yield request.param


def u(name: str, *args: object) -> str:
    return reverse(f"console:{name}", args=args)


# ---------------------------------------------------------------- the app


def report_by_app(api: Any, token: str, card: Any, reporter: Person, relation: str) -> Any:
    return api.post(
        "/loss-reports",
        {
            "card_number": card.number,
            "kind": "temporary",
            "channel": "app",
            "reporter": {
                "social_security_number": reporter.social_security_number,
                "name": reporter.name,
                "relation": relation,
            },
        },
        token=token,
    )


def test_the_app(situation, api, citizen_token):
    f = family(situation)
    token = citizen_token(f.guardian)
    # The guardian's /me lists the ward's card only while the guardianship holds
    me = api.get("/me", token=token).json()
    shown = [c["card_number"] for w in me["wards_cards"] for c in w["cards"]]
    assert shown == ([f.card.number] if situation.reach else [])
    assert len(me["wards"]) == (1 if situation.reach else 0)
    # and so does reading and reporting the card: someone else's card reads as missing.
    assert api.get(f"/cards/{f.card.number}", token=token).status_code == (
        200 if situation.reach else 404
    )
    before = db_state(f.card)
    answer = report_by_app(api, token, f.card, f.guardian, "guardian")
    if situation.reach:
        assert answer.status_code == 201, answer.content
        assert LossReport.objects.get(card=f.card).reporter == f.guardian
    else:
        assert (answer.status_code, answer.json()["code"]) == (404, "card_not_found")
        assert db_state(f.card) == before


def test_the_app_for_the_ward_themselves(situation, api, citizen_token):
    f = family(situation)
    token = citizen_token(f.ward)
    before = db_state(f.card)
    answer = report_by_app(api, token, f.card, f.ward, "self")
    if situation.alone:
        assert answer.status_code == 201, answer.content
    else:
        assert (answer.status_code, answer.json()["code"]) == (403, "guardian_required")
        assert db_state(f.card) == before


# ---------------------------------------------------------------- the portal


def test_the_portal(situation):
    f = family(situation)
    client = Client()
    session = client.session
    session[PERSON_KEY] = f.guardian.pk
    session.save()
    page = client.get(f"/cards/{f.card.number}/")
    assert page.status_code == (200 if situation.reach else 404)
    assert (f.card.number in client.get("/cards/").content.decode()) is situation.reach
    before = db_state(f.card)
    answer = client.post(f"/cards/{f.card.number}/report/", {"confirm": "on"})
    if situation.reach:
        assert answer.status_code == 302
        assert LossReport.objects.get(card=f.card).reporter == f.guardian
    else:
        assert answer.status_code == 404
        assert db_state(f.card) == before


# ---------------------------------------------------------------- the hotline


def test_the_hotline(situation):
    f = family(situation)
    client = f.world.client("hotline_agent")
    session = client.session
    session[VERIFIED] = {str(f.guardian.pk): situation.moment.isoformat()}
    session.save()
    caller = client.get(u("hotline_caller", f.guardian.reference))
    assert caller.status_code == 200
    assert (f.card.number in caller.content.decode()) is situation.reach
    url = u("hotline_report", f.guardian.reference, f.card.number)
    before = db_state(f.card)
    answer = client.post(url, {"confirm": "1"})
    if situation.reach:
        assert answer.status_code == 302
        report = LossReport.objects.get(card=f.card)
        assert (report.reporter, report.channel) == (f.guardian, "hotline")
    else:
        assert answer.status_code == 404
        assert db_state(f.card) == before


# ---------------------------------------------------------------- the window


def test_the_window(situation):
    f = family(situation)
    client = f.world.client("window_clerk")
    client.cookies["sscard_language"] = "en"
    presenter = f"g{f.link.pk}"
    url = u("report_loss", f.card.number)
    form = client.get(url).content.decode()
    assert (f'value="{presenter}"' in form) is situation.reach
    person = client.get(u("person", f.ward.reference)).content.decode()
    assert ("No guardian in force." not in person) is situation.reach
    before = db_state(f.card)
    answer = client.post(
        url,
        {
            "kind": "formal",
            "presenter": presenter,
            "documents": ["household_register", "guardian_id_card", "guardianship_proof"],
            "confirm": "1",
        },
    )
    if situation.reach:
        assert answer.status_code == 302
        report = LossReport.objects.get(card=f.card)
        assert (report.reporter, report.reporter_relation) == (f.guardian, "guardian")
    else:
        assert answer.status_code == 422
        assert db_state(f.card) == before


# ---------------------------------------------------------------- notifications


def test_notifications(situation):
    f = family(situation)
    messages = notify(subject=f.ward, topic="loss_report_effective", params={})
    expected = f.guardian if situation.told == "guardian" else f.ward
    assert [m.recipient for m in messages] == [expected]
    assert list(OutboxMessage.objects.values_list("recipient", flat=True)) == [expected.pk]
