"""Window clerks record, change and end guardianships from the person's page (DOMAIN.md
section 6): confirmed first, done by one service, audited as the clerk, refused with the
service's reason having changed nothing; no other role may."""

from __future__ import annotations

import datetime as dt
import re
from html import unescape

import pytest
from django.contrib.auth.models import Group
from django.test import Client
from django.urls import reverse

from sscard.audit.models import AuditEvent
from sscard.common import clock
from sscard.common.clock import frozen_at
from sscard.people.generate import make_citizen_id
from sscard.people.models import Guardianship
from sscard.people.selectors import guardians_of
from tests.console_support import ROLES, World, build_world
from tests.factories import make_guardianship, make_person, nothing_changes

pytestmark = pytest.mark.django_db
COURT = "(2025)粤0106民特88号"
MOMENT = dt.datetime(2026, 11, 24, 10, 30, tzinfo=dt.timezone(dt.timedelta(hours=8)))


@pytest.fixture
def world() -> World:
    return build_world()


def desk(world: World, role: str = "window_clerk") -> Client:
    client = world.client(role)
    client.cookies["sscard_language"] = "en"
    return client


def u(name: str, *args: object) -> str:
    return reverse(f"console:{name}", args=args)


def text(answer) -> str:
    return unescape(re.sub(r"\s+", " ", answer.content.decode()))


def confirm(client: Client, url: str, data: dict[str, object]):
    review = client.post(url, data)
    assert review.status_code == 200, text(review)[:3000]
    assert 'name="confirm"' in review.content.decode()
    return review, client.post(url, {**data, "confirm": "1"})


def test_the_window_clerks_group_holds_the_new_permission_from_the_migration():
    holders = [
        group.name for group in Group.objects.filter(permissions__codename="manage_guardianships")
    ]
    assert holders == ["window_clerk"]


def test_a_clerk_records_a_court_designated_guardian_for_an_adult(world):
    # Given an old man and his daughter, designated his guardian by a court
    father = make_person(age=84, name="林老伯")
    daughter = make_person(age=50, name="林美玲", male=False)
    client = desk(world)
    url = u("record_guardian", father.reference)
    data = {
        "guardian_id_number": daughter.social_security_number.lower(),
        "relation": "legal_guardian",
        "basis": "designation",
        "document": COURT,
        "ends_on": "2030-01-01",
    }
    # When the clerk fills in the form, the confirmation shows what will be recorded, masked
    with nothing_changes(father, daughter):
        review = client.post(url, data)
    assert review.status_code == 200
    page = text(review)
    assert "Confirm: Record a guardian" in page
    assert "林**" in page and "林美玲" not in page
    assert "designated guardian" in page and COURT in page and "2030-01-01" in page
    # and once confirmed it is recorded, audited as the clerk at the window
    done = client.post(url, {**data, "confirm": "1"})
    assert done.status_code == 302 and done["Location"] == u("person", father.reference)
    link = Guardianship.objects.get(ward=father)
    assert (link.guardian, link.relation, link.basis, link.document, link.ends_on) == (
        daughter,
        "legal_guardian",
        "designation",
        COURT,
        dt.date(2030, 1, 1),
    )
    event = AuditEvent.objects.get(action="guardianship.created")
    assert (event.actor_id, event.actor_role, event.outlet_code, event.channel) == (
        "window-clerk",
        "window_clerk",
        "SI0001",
        "window",
    )
    # and the person's page shows her as his guardian, with its basis and end.
    shown = text(client.get(done["Location"]))
    assert "林** is recorded as a guardian." in shown
    assert "designated guardian" in shown and COURT in shown and "2030-01-01" in shown
    assert guardians_of(father) == [daughter]


@pytest.mark.parametrize(
    ("changes", "message", "status"),
    [
        (
            {"basis": "minor", "document": ""},
            "The ward is an adult: a guardian is recorded only on a court's finding or a "
            "designation.",
            422,
        ),
        (
            {"document": ""},
            "Give the reference of the court's judgment or the designation.",
            422,
        ),
        ({"ends_on": "2020-01-01"}, "The end must be after today", 422),
        (
            {"guardian_id_number": make_citizen_id("440106", dt.date(1970, 1, 1), 9, male=True)},
            "No person with this ID number is on record.",
            404,
        ),
        ({"guardian_id_number": "440106197001010091"}, "The ID number has a check character", 422),
    ],
)
def test_a_refused_guardian_is_explained_and_changes_nothing(world, changes, message, status):
    father = make_person(age=84)
    daughter = make_person(age=50, male=False)
    data = {
        "guardian_id_number": daughter.social_security_number,
        "relation": "legal_guardian",
        "basis": "designation",
        "document": COURT,
        "ends_on": "",
        **changes,
    }
    with nothing_changes(father, daughter):
        answer = desk(world).post(u("record_guardian", father.reference), {**data, "confirm": "1"})
    assert answer.status_code == status
    assert message in text(answer)
    assert not Guardianship.objects.filter(ward=father).exists()


def test_a_clerk_changes_and_then_ends_a_guardianship(world):
    with frozen_at(MOMENT):
        changes_and_ends(world)


def changes_and_ends(world: World) -> None:
    link = make_guardianship(
        ward=make_person(age=30), basis="court_finding", document=COURT, guardian__age=60
    )
    client = desk(world)
    # Change: a new judgment with an end
    _review, changed = confirm(
        client,
        u("change_guardianship", link.ward.reference, link.pk),
        {"basis": "court_finding", "document": "(2026)粤0106民特2号", "ends_on": "2029-06-30"},
    )
    assert changed.status_code == 302 and changed["Location"] == u("person", link.ward.reference)
    link.refresh_from_db()
    assert (link.document, link.ends_on) == ("(2026)粤0106民特2号", dt.date(2029, 6, 30))
    assert AuditEvent.objects.filter(action="guardianship.changed").count() == 1
    # End: the ward's capacity is restored
    review, ended = confirm(
        client, u("end_guardianship", link.ward.reference, link.pk), {"reason": "capacity_restored"}
    )
    assert "From now on the guardian no longer sees or acts for the ward" in text(review)
    assert ended.status_code == 302
    link.refresh_from_db()
    assert (link.ended_at, link.end_reason) == (MOMENT, "capacity_restored")
    page = text(client.get(u("person", link.ward.reference)))
    assert "No guardian in force." in page
    assert "Former guardians" in page and "the ward's capacity is restored" in page
    # An ended guardianship is neither changed nor ended again.
    with nothing_changes(link):
        again = client.get(u("end_guardianship", link.ward.reference, link.pk))
        change = client.post(
            u("change_guardianship", link.ward.reference, link.pk),
            {"basis": "designation", "document": COURT, "confirm": "1"},
        )
    assert again.status_code == 409 and change.status_code == 409
    assert "This guardianship has ended: record a new one instead." in text(again)


def test_the_page_shows_a_parent_whose_child_came_of_age_as_a_former_guardian(world):
    born = clock.today().replace(year=clock.today().year - 19)
    grown = make_person(social_security_number=make_citizen_id("440106", born, 4, male=False))
    make_guardianship(ward=grown, guardian__name="周建华")
    page = text(desk(world).get(u("person", grown.reference)))
    coming_of_age = born.replace(year=born.year + 18).isoformat()
    assert "No guardian in force." in page
    assert f"the ward came of age on {coming_of_age}" in page


@pytest.mark.parametrize("role", [r for r in ROLES if r != "window_clerk"])
def test_no_other_role_records_changes_or_ends_a_guardianship(world, role):
    client = desk(world, role)
    with nothing_changes(world.link, world.child):
        answers = [
            client.post(
                u("record_guardian", world.child.reference),
                {
                    "guardian_id_number": world.adult.social_security_number,
                    "relation": "legal_guardian",
                    "basis": "minor",
                    "confirm": "1",
                },
            ),
            client.post(
                u("change_guardianship", world.link.ward.reference, world.link.pk),
                {"basis": "minor", "ends_on": "2030-01-01", "confirm": "1"},
            ),
            client.post(
                u("end_guardianship", world.link.ward.reference, world.link.pk),
                {"reason": "death", "confirm": "1"},
            ),
        ]
    assert [a.status_code for a in answers] == [403, 403, 403]
    if role in ("community_clerk", "bank_clerk", "supervisor"):
        assert "Record a guardian" not in text(client.get(u("person", world.child.reference)))
