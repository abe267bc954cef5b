"""The portal's electronic card pages for a guardian: the ward's electronic card is issued,
shown and revoked by the guardian; a stranger's reference reads as not found; the code part
that the page's script fetches is not found without an electronic card."""

from __future__ import annotations

import re
from html import unescape

import pytest
from django.test import Client

from sscard.audit.models import AuditEvent
from sscard.ecard.models import ElectronicCard
from sscard.portal.session import PERSON_KEY
from tests.factories import make_card, make_guardianship, make_person, nothing_changes

pytestmark = pytest.mark.django_db


def signed_in(person) -> Client:
    client = Client()
    client.cookies["sscard_language"] = "en"
    session = client.session
    session[PERSON_KEY] = person.pk
    session.save()
    return client


def words(answer) -> str:
    return unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", answer.content.decode())))


def code_in(answer) -> str:
    """The expiry of the code on the page (milliseconds since the epoch)."""
    found = re.search(r'data-ecard-expires="(\d+)"', answer.content.decode())
    assert found, "no code on the page"
    return found.group(1)


def test_a_guardian_gets_shows_and_revokes_a_ward_s_electronic_card():
    parent = make_person(age=40)
    child = make_person(age=8, name="李小明")
    make_guardianship(guardian=parent, ward=child)
    card = make_card(person=child)
    client = signed_in(parent)
    page_url = f"/ecard/{child.reference}/"

    mine = client.get("/ecard/")
    assert page_url in mine.content.decode()
    assert "Electronic cards of the people in your care" in words(mine)
    got = client.post(page_url, {"issue": "1"})
    assert got.status_code == 302 and got["Location"] == page_url
    ecard = ElectronicCard.objects.get()
    assert (ecard.person, ecard.card) == (child, card)
    page = client.get(page_url)
    assert "李小明's electronic card" in words(page)
    assert card.number in words(page)
    code_in(page)
    fragment = client.get(f"/ecard/{child.reference}/code/")
    assert fragment.status_code == 200 and "<svg" in fragment.content.decode()
    assert fragment["Cache-Control"].startswith("max-age=0")

    revoked = client.post(page_url, {"revoke": "1"})

    assert revoked.status_code == 302
    assert ElectronicCard.objects.get().revoked_at is not None
    event = AuditEvent.objects.get(action="ecard.revoked")
    assert (event.actor_id, event.channel) == (f"person:{parent.pk}", "web")
    assert client.get(f"/ecard/{child.reference}/code/").status_code == 404


def test_a_stranger_s_electronic_card_reads_as_not_found():
    me = make_person()
    stranger = make_person(age=8)
    make_card(person=stranger)
    client = signed_in(me)

    with nothing_changes():
        page = client.get(f"/ecard/{stranger.reference}/")
        posted = client.post(f"/ecard/{stranger.reference}/", {"issue": "1"})

    assert page.status_code == posted.status_code == 404


def test_signing_in_is_needed():
    answer = Client().get("/ecard/")
    assert answer.status_code == 302 and "/sign-in/" in answer["Location"]
