"""A person's pages in the console are named by a random reference, so that nobody who may find
people can walk the register by counting: the sequential primary key names no page."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from sscard.common import clock
from sscard.console.views.hotline import VERIFIED
from sscard.people.models import REFERENCE_ALPHABET, Person
from tests.console_support import World, build_world
from tests.factories import make_person

pytestmark = pytest.mark.django_db

# Every console address that names a person, with a role that may open it.
PERSON_PAGES = [
    ("window_clerk", "/console/people/{}/"),
    ("window_clerk", "/console/people/{}/reveal/"),
    ("window_clerk", "/console/people/{}/checklist/"),
    ("window_clerk", "/console/people/{}/apply/"),
    ("community_clerk", "/console/people/{}/intake/"),
    ("hotline_agent", "/console/hotline/callers/{}/check/"),
    ("hotline_agent", "/console/hotline/callers/{}/"),
]


@pytest.fixture
def world() -> World:
    return build_world()


def desk(world: World, role: str) -> Client:
    client = world.client(role)
    session = client.session
    session[VERIFIED] = {str(world.adult.pk): clock.now().isoformat()}
    session.save()
    return client


@pytest.mark.parametrize(("role", "page"), PERSON_PAGES)
def test_a_persons_page_opens_by_its_reference_and_never_by_its_sequential_id(
    world: World, role: str, page: str
) -> None:
    client = desk(world, role)
    expected = 302 if page.endswith("/reveal/") else 200  # reveal is a form: GET goes back

    by_reference = client.get(page.format(world.adult.reference))
    by_id = client.get(page.format(world.adult.pk))
    by_next_id = client.get(page.format(world.adult.pk + 1))
    made_up = client.get(page.format("a" * 12))

    assert by_reference.status_code == expected, by_reference.content.decode()[:500]
    assert (by_id.status_code, by_next_id.status_code, made_up.status_code) == (404, 404, 404)


def test_the_hotline_report_is_named_by_the_callers_reference(world: World) -> None:
    client = desk(world, "hotline_agent")
    number = world.adult_card.number

    by_reference = client.get(
        f"/console/hotline/callers/{world.adult.reference}/cards/{number}/report/"
    )
    by_id = client.get(f"/console/hotline/callers/{world.adult.pk}/cards/{number}/report/")

    assert by_reference.status_code == 200
    assert by_id.status_code == 404


def test_pages_link_people_by_reference_only(world: World) -> None:
    """The parent's page links the child by reference; no address on it holds a person's id."""
    page = desk(world, "window_clerk").get(f"/console/people/{world.parent.reference}/")

    html = page.content.decode()
    assert f'href="/console/people/{world.child.reference}/"' in html
    assert not re.search(r"/console/(people|hotline/callers)/\d+/", html)


def test_finding_a_person_leads_to_their_reference(world: World) -> None:
    found = desk(world, "window_clerk").post(
        "/console/people/", {"id_number": world.adult.social_security_number}
    )

    assert found.status_code == 302
    assert found["Location"] == f"/console/people/{world.adult.reference}/"


def test_references_are_random_distinct_and_not_in_order() -> None:
    people = [make_person() for _ in range(30)]
    references = [p.reference for p in people]

    assert len(set(references)) == 30
    assert all(re.fullmatch(f"[{REFERENCE_ALPHABET}]{{12}}", r) for r in references)
    assert references != sorted(references)
    stored = set(Person.objects.values_list("reference", flat=True))
    assert stored == set(references)
