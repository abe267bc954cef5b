"""NUL and other control characters in the addresses and query strings of the portal, the
console and the admin get a 404 or a 400, never a 500. PostgreSQL refuses NUL in any text it is
given, so a NUL that reached a query would fail there: run this file on PostgreSQL too."""

from __future__ import annotations

import pytest
from django.test import Client

from sscard.portal.session import PERSON_KEY
from tests.console_support import World, build_world

pytestmark = pytest.mark.django_db

CONTROLS = ["%00", "%01", "%1F", "%7F", "%0A"]

# Where a person's input goes into a lookup: each {} is filled with a control character.
PORTAL_PATHS = [
    "/cards/{}/",
    "/cards/A1{}/report/",
    "/cards/{}x/found/",
    "/applications/{}/",
    "/applications/AP{}/receipt.pdf",
    "/{}",
    "/sign-in/{}",
]
PORTAL_QUERIES = [
    "/outlets/?q={}",
    "/outlets/?near={}",
    "/outlets/?region=4401{}",
    "/outlets/?service={}",
    "/outlets/?type={}&q=x",
    "/guide/?lost={}",
    "/sign-in/?next=/cards/{}",
    "/outlets/?{}=1",
]
CONSOLE_PATHS = [
    "/console/people/{}/",
    "/console/people/abcdefghjkm{}/",
    "/console/cards/{}/report-loss/",
    "/console/cards/A123{}/activate/",
    "/console/applications/{}/",
    "/console/applications/AP{}/receipt.pdf",
    "/console/loss-reports/{}/lift/",
    "/console/pin-pad/{}/",
    "/console/hotline/callers/{}/",
]
CONSOLE_QUERIES = [
    "/console/loss-reports/?q={}",
    "/console/loss-reports/?status={}",
    "/console/loss-reports/?page={}",
    "/console/applications/?q={}",
    "/console/applications/?status={}&page=2",
    "/console/cards/pin-locked/?q={}",
    "/console/intakes/?q={}",
    "/console/bank/queue/?q={}",
    "/console/audit/?q={}",
    "/console/audit/?action={}",
    "/console/audit/?object={}",
    "/console/dashboard/?region={}",
    "/console/?next={}",
]
ADMIN_URLS = [
    "/admin/outlets/outlet/?q={}",
    "/admin/outlets/outlet/{}/change/",
    "/admin/outlets/outlet/?type__exact={}",
    "/admin/staff/staffmember/?q={}",
    "/admin/auth/user/?q={}",
    "/admin/auth/user/{}/change/",
    "/admin/partners/bank/?q={}",
    "/admin/policy/regionalpolicy/?q={}",
    "/admin/{}/",
]


@pytest.fixture
def world() -> World:
    return build_world()


def _get(client: Client, template: str, control: str) -> int:
    return int(client.get(template.format(control)).status_code)


def _check(client: Client, templates: list[str]) -> None:
    """In the address a 404, in the query string a 400: whatever the control character."""
    wrong = [
        f"{template.format(control)}: {status}"
        for template in templates
        for control in CONTROLS
        if (status := _get(client, template, control)) != (400 if "?" in template else 404)
    ]
    assert not wrong, "\n".join(wrong)


def test_the_portal_signed_out(world: World) -> None:
    client = Client()
    _check(client, PORTAL_PATHS + PORTAL_QUERIES)


def test_the_portal_signed_in(world: World) -> None:
    client = Client()
    session = client.session
    session[PERSON_KEY] = world.adult.pk
    session.save()
    _check(client, PORTAL_PATHS + PORTAL_QUERIES)


@pytest.mark.parametrize("role", ["window_clerk", "bank_clerk", "hotline_agent", "supervisor"])
def test_the_console(world: World, role: str) -> None:
    client = world.client(role)
    _check(client, CONSOLE_PATHS + CONSOLE_QUERIES)


def test_the_admin(world: World) -> None:
    client = world.client("admin")
    _check(client, ADMIN_URLS)


@pytest.mark.parametrize(
    "url",
    [
        "/cards/%00/",
        "/outlets/?q=%00",
        "/console/loss-reports/?q=a%00b",
        "/admin/outlets/outlet/?q=%00",
    ],
)
def test_the_answer_is_a_page_of_ours(world: World, url: str) -> None:
    """Refused before any view: a 404 page for an address, a 400 for a query string."""
    client = world.client("admin")

    answer = client.get(url)

    expected = 404 if "?" not in url else 400
    assert answer.status_code == expected
    assert answer["Content-Type"].startswith("text/html")
