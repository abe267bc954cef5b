"""The console's view of a person's electronic card: whether they have one and when it was last
used; a counter clerk revokes it (confirmed, audited as the clerk); a clerk without the right
sees no button and is refused."""

from __future__ import annotations

import re
from html import unescape

import pytest
from django.test import Client
from django.urls import reverse

from sscard.audit.models import AuditEvent
from sscard.ecard.models import ElectronicCard
from tests.console_support import World, build_world
from tests.factories import nothing_changes

pytestmark = pytest.mark.django_db


@pytest.fixture
def world() -> World:
    return build_world()


def desk(world: World, role: str) -> Client:
    client = world.client(role)
    client.cookies["sscard_language"] = "en"
    return client


def text(answer) -> str:
    """The page's words, without tags."""
    words = re.sub(r"<[^>]+>", " ", answer.content.decode())
    return unescape(re.sub(r"\s+", " ", words))


def test_a_clerk_sees_the_electronic_card_and_revokes_it(world, api, citizen_token, make_token):
    token = citizen_token(world.adult)
    person_url = reverse("console:person", args=[world.adult.reference])
    revoke_url = reverse("console:revoke_ecard", args=[world.adult.reference])
    clerk = desk(world, "window_clerk")
    assert "No electronic card." in text(clerk.get(person_url))
    assert clerk.get(revoke_url).status_code == 404

    assert api.post("/me/ecard", None, token=token).status_code == 201
    code = api.post("/me/ecard/codes", None, token=token).json()["code"]
    page = text(clerk.get(person_url))
    assert "Electronic card" in page and "Last used never" in page
    till = make_token("cards:verify")
    assert api.post("/ecard/verify", {"code": code}, token=till).status_code == 200
    assert "Last used never" not in text(clerk.get(person_url))

    review = clerk.post(revoke_url, {})
    assert review.status_code == 200
    assert "Its codes stop being accepted at once" in text(review)
    done = clerk.post(revoke_url, {"confirm": "1"})

    assert done.status_code == 302 and done["Location"] == person_url
    assert ElectronicCard.objects.get().revoked_at is not None
    event = AuditEvent.objects.get(action="ecard.revoked")
    assert (event.actor_kind, event.actor_role) == ("staff", "window_clerk")
    assert "Electronic card revoked" in text(clerk.get(person_url))
    refused = api.post("/ecard/verify", {"code": code}, token=till)
    assert refused.json()["code"] == "ecard_revoked"


def test_a_community_clerk_sees_the_electronic_card_but_may_not_revoke_it(
    world, api, citizen_token
):
    token = citizen_token(world.adult)
    assert api.post("/me/ecard", None, token=token).status_code == 201
    clerk = desk(world, "community_clerk")
    revoke_url = reverse("console:revoke_ecard", args=[world.adult.reference])

    page = text(clerk.get(reverse("console:person", args=[world.adult.reference])))
    with nothing_changes(ElectronicCard.objects.get()):
        refused = clerk.post(revoke_url, {"confirm": "1"})

    assert "Last used never" in page
    assert "Revoke the electronic card" not in page
    assert refused.status_code == 403
