"""A self-service terminal for tests: a terminal outlet, its enrolled credential, a holder with
a card (PIN 147258) and the regional policy; and the client of a browser enrolled there."""

from __future__ import annotations

from dataclasses import dataclass

from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from sscard.cards.models import Card
from sscard.kiosk.management.commands.kiosk import new_terminal_client
from sscard.kiosk.terminal import enrolment_code
from sscard.outlets.models import Outlet, OutletType, Service
from sscard.people.models import Person
from tests.factories import make_card, make_outlet, make_policy

PIN = "147258"


@dataclass
class Terminal:
    outlet: Outlet
    client_name: str
    code: str


def make_terminal(*, instant: bool = False, code: str = "SS44010601") -> Terminal:
    services = [Service.TEMPORARY_LOSS_REPORT, Service.INQUIRY]
    if instant:
        services += [Service.REISSUE, Service.INSTANT_ISSUANCE]
    outlet = make_outlet(
        code=code,
        name="天河区政务服务中心24小时自助服务区",
        type=OutletType.SELF_SERVICE_TERMINAL,
        services=services,
    )
    client = new_terminal_client(outlet.code)
    return Terminal(outlet, client.name, enrolment_code(client))


def enrolled(terminal: Terminal, client: Client | None = None) -> Client:
    """A browser that opened the terminal's enrolment address and set it up."""
    client = client or Client()
    answer = client.post(reverse("kiosk:enrol", args=[terminal.code]))
    assert answer.status_code == 302, answer.status_code
    return client


def holder_with_card(**card: object) -> tuple[Person, Card]:
    make_policy()
    made = make_card(**card)
    return made.person, made


def id_reading(person: Person) -> str:
    """What an ID card reader types: the ID number, a space, the name."""
    return f"{person.social_security_number} {person.name}"


def enrol_command(*args: str) -> str:
    from io import StringIO

    out = StringIO()
    call_command("kiosk", "enrol", *args, stdout=out, stderr=StringIO())
    return out.getvalue().strip()
