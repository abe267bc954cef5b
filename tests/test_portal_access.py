"""The portal's sign-in, sessions and permissions, through Django's test client.

A signed-in person sees and acts on their own cards and their wards' only: every other card,
application or receipt reads as "not found", by URL or by a tampered form, and nothing changes.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

import pytest
from django.conf import settings
from django.contrib.sessions.models import Session
from django.test import Client
from django.utils import timezone

from sscard.audit.models import AuditEvent
from sscard.cards.models import Card, CardStatus
from sscard.people.generate import make_citizen_id
from sscard.people.masking import mask_id_number, mask_name
from sscard.portal.session import PERSON_KEY
from tests.factories import db_state, make_guardianship, nothing_changes
from tests.portal_support import (
    SmsGateway,
    citizen,
    family,
    fresh_rate_limits,
    reissue_ready_for_collection,
    sms_gateway,
)
from tests.receivers import http_receiver

pytestmark = pytest.mark.django_db


@pytest.fixture
def sms(settings: Any) -> Iterator[SmsGateway]:
    with sms_gateway(settings) as gateway:
        yield gateway


@pytest.fixture(autouse=True)
def _fresh_rate_limits() -> Iterator[None]:
    with fresh_rate_limits():
        yield


def signed_in(client: Client, person: Any) -> Client:
    session = client.session
    session[PERSON_KEY] = person.pk
    session.save()
    return client


def sign_in_by_sms(client: Client, sms: Any, person: Any) -> Any:
    client.post(
        "/sign-in/",
        {"social_security_number": person.social_security_number, "phone": person.phone},
    )
    code = sms.code_for(person.phone)
    return client.post("/sign-in/code/", {"code": code})


# ---------------------------------------------------------------- sign-in


def test_sign_in_by_a_code_sent_by_sms_is_audited_with_the_channel_web(sms):
    person, card = citizen()
    client = Client()
    before_key = client.session.session_key

    asked = client.post(
        "/sign-in/",
        {"social_security_number": person.social_security_number, "phone": person.phone},
    )

    assert asked.status_code == 302 and asked["Location"] == "/sign-in/code/"
    assert len(sms.received(person.phone)) == 1
    answer = client.post("/sign-in/code/", {"code": sms.code_for(person.phone)})
    assert answer.status_code == 302 and answer["Location"] == "/cards/"
    assert client.session[PERSON_KEY] == person.pk
    assert client.session.session_key != before_key  # no session fixation
    event = AuditEvent.objects.get(action="person.signed_in")
    assert (event.channel, event.actor_id, event.actor_role) == (
        "web",
        f"person:{person.pk}",
        "citizen",
    )
    page = client.get("/cards/")
    assert page.status_code == 200 and card.number in page.content.decode()
    assert page["Cache-Control"].startswith("max-age=0") or "no-store" in page["Cache-Control"]


def test_the_session_cookie_is_httponly_and_samesite_lax(sms):
    person, _card = citizen()
    client = Client()
    sign_in_by_sms(client, sms, person)
    cookie = client.cookies[settings.SESSION_COOKIE_NAME]
    assert cookie["httponly"] is True
    assert cookie["samesite"] == "Lax"
    assert int(cookie["max-age"]) == settings.SESSION_COOKIE_AGE


def test_a_wrong_code_is_refused_next_to_the_field_and_signs_nobody_in(sms):
    person, _card = citizen()
    client = Client()
    client.post(
        "/sign-in/",
        {"social_security_number": person.social_security_number, "phone": person.phone},
    )
    real = sms.code_for(person.phone)
    wrong = "000000" if real != "000000" else "111111"

    answer = client.post("/sign-in/code/", {"code": wrong})

    html = answer.content.decode()
    assert answer.status_code == 200
    assert 'id="id_code-error"' in html and 'aria-invalid="true"' in html
    assert 'class="error-summary"' in html and 'href="#id_code"' in html
    assert PERSON_KEY not in client.session
    assert not AuditEvent.objects.filter(action="person.signed_in").exists()


@pytest.mark.parametrize("matching", [True, False])
def test_between_the_two_steps_the_session_keeps_no_whole_id_number(sms, matching):
    """An abandoned sign-in leaves its session row in the database until it expires: it holds
    the masked ID number and phone, and a reference that is random when the pair did not match."""
    person, _card = citizen()
    client = Client()
    phone = person.phone if matching else "13900000000"

    client.post(
        "/sign-in/", {"social_security_number": person.social_security_number, "phone": phone}
    )

    row = Session.objects.get()
    data = row.get_decoded()
    assert set(data["portal.pending"]) == {"reference", "masked_id", "phone"}
    assert data["portal.pending"]["masked_id"] == mask_id_number(person.social_security_number)
    assert (data["portal.pending"]["reference"] == person.reference) is matching
    assert len(data["portal.pending"]["reference"]) == len(person.reference)
    assert person.social_security_number not in repr(data)
    assert person.social_security_number not in row.session_data
    assert person.phone not in repr(data)
    page = client.get("/sign-in/code/").content.decode()
    assert mask_id_number(person.social_security_number) in page


def test_a_failing_sms_gateway_does_not_tell_that_the_pair_matched(settings):
    person, _card = citizen()
    with http_receiver(then=503) as gateway:
        settings.SMS_BACKEND = "http"
        settings.SMS_URL = gateway.url
        matched = Client().post(
            "/sign-in/",
            {"social_security_number": person.social_security_number, "phone": person.phone},
        )
        unmatched = Client().post(
            "/sign-in/",
            {"social_security_number": person.social_security_number, "phone": "13900000000"},
        )

    assert len(gateway.received) == 1  # tried, and refused
    assert matched.status_code == unmatched.status_code == 302
    assert matched["Location"] == unmatched["Location"] == "/sign-in/code/"


def test_a_refused_form_keeps_what_was_typed(sms):
    client = Client()

    answer = client.post(
        "/sign-in/", {"social_security_number": "44010619900101123", "phone": "138 0000 1234"}
    )

    html = answer.content.decode()
    assert answer.status_code == 200
    assert 'value="44010619900101123"' in html and 'value="138 0000 1234"' in html
    assert 'id="id_social_security_number-error"' in html
    assert sms.texts == []


def test_an_id_number_with_a_region_abolished_before_the_birth_is_refused_in_plain_words(sms):
    # 440102 (东山区) was abolished in 2005: nobody born in 2010 holds it.
    number = make_citizen_id("440102", dt.date(2010, 1, 5), 1, male=True)
    client = Client()
    client.cookies["sscard_language"] = "en"

    answer = client.post("/sign-in/", {"social_security_number": number, "phone": "13800001234"})

    assert answer.status_code == 200
    assert "The first six digits of this ID number are not right" in answer.content.decode()
    assert sms.texts == []


def test_an_id_number_and_phone_that_do_not_match_get_the_same_answer_and_no_text(sms):
    person, _card = citizen()
    client = Client()

    answer = client.post(
        "/sign-in/",
        {"social_security_number": person.social_security_number, "phone": "13900000000"},
    )

    assert answer.status_code == 302 and answer["Location"] == "/sign-in/code/"
    assert sms.texts == []


def test_codes_are_rate_limited_per_id_number(sms, settings):
    settings.OTP_RATE_PER_NUMBER = "2/10m"
    person, _card = citizen()
    client = Client()
    form = {"social_security_number": person.social_security_number, "phone": person.phone}
    for _ in range(2):
        assert client.post("/sign-in/", form).status_code == 302

    refused = client.post("/sign-in/", form)

    assert refused.status_code == 200
    assert 'class="error-summary"' in refused.content.decode()
    assert len(sms.received(person.phone)) == 2


def test_signing_out_ends_the_session_and_is_audited(sms):
    person, _card = citizen()
    client = Client()
    sign_in_by_sms(client, sms, person)

    answer = client.post("/sign-out/")

    assert answer.status_code == 302
    assert PERSON_KEY not in client.session
    assert client.get("/cards/")["Location"].startswith("/sign-in/")
    event = AuditEvent.objects.get(action="person.signed_out")
    assert (event.channel, event.actor_id) == ("web", f"person:{person.pk}")


def test_a_session_idle_too_long_is_over():
    person, _card = citizen()
    client = signed_in(Client(), person)
    assert client.get("/cards/").status_code == 200

    Session.objects.update(expire_date=timezone.now() - dt.timedelta(seconds=1))

    assert client.get("/cards/")["Location"] == "/sign-in/?next=%2Fcards%2F"


@pytest.mark.parametrize(
    "path", ["/cards/", "/cards/A00000118/", "/cards/A00000118/report/", "/applications/X/"]
)
def test_anonymous_people_are_sent_to_sign_in_and_brought_back(path):
    answer = Client().get(path)
    assert answer.status_code == 302
    assert answer["Location"].startswith("/sign-in/?next=")


def test_after_sign_in_the_person_lands_where_they_were_going(sms):
    person, card = citizen()
    client = Client()
    client.get(f"/cards/{card.number}/report/")
    client.get(f"/sign-in/?next=/cards/{card.number}/report/")

    answer = sign_in_by_sms(client, sms, person)

    assert answer["Location"] == f"/cards/{card.number}/report/"


def test_a_next_address_on_another_site_is_ignored(sms):
    person, _card = citizen()
    client = Client()
    client.get("/sign-in/?next=https://evil.example/")
    assert sign_in_by_sms(client, sms, person)["Location"] == "/cards/"


# ---------------------------------------------------------------- reach


def _targets(card: Any, app: Any) -> list[tuple[str, str, dict[str, str]]]:
    return [
        ("get", f"/cards/{card.number}/", {}),
        ("get", f"/cards/{card.number}/report/", {}),
        ("post", f"/cards/{card.number}/report/", {"confirm": "on"}),
        ("get", f"/cards/{card.number}/found/", {}),
        ("post", f"/cards/{card.number}/found/", {"send": "1"}),
        ("post", f"/cards/{card.number}/found/", {"lift": "1", "code": "123456"}),
        ("get", f"/applications/{app.number}/", {}),
        ("get", f"/applications/{app.number}/receipt.pdf", {}),
    ]


@pytest.mark.parametrize("who", ["another adult", "another family's guardian", "a child"])
def test_nobody_reaches_a_card_that_is_not_theirs_or_their_wards(who, sms):
    stranger, stranger_card = citizen()
    applicant, applicant_card = citizen()
    app = reissue_ready_for_collection(applicant_card)
    if who == "another adult":
        viewer = citizen()[0]
    elif who == "another family's guardian":
        viewer = family()[0]
    else:
        viewer = family()[2]
    client = signed_in(Client(), viewer)

    with nothing_changes(stranger_card, applicant_card, app):
        for method, path, data in _targets(stranger_card, app):
            answer = getattr(client, method)(path, data)
            assert answer.status_code == 404, (method, path)
            body = answer.content.decode()
            assert 'id="not-found"' in body
            for secret in (stranger, applicant):
                assert mask_id_number(secret.social_security_number) not in body
                assert mask_name(secret.name) not in body
    assert sms.texts == []


def test_a_guardian_reaches_the_childs_card_but_not_a_card_of_another_child():
    parent, _pc, _child, child_card = family()
    _other_parent, _opc, _other_child, other_child_card = family()
    client = signed_in(Client(), parent)

    assert client.get(f"/cards/{child_card.number}/").status_code == 200
    assert client.get(f"/cards/{other_child_card.number}/").status_code == 404
    listing = client.get("/cards/").content.decode()
    assert child_card.number in listing and other_child_card.number not in listing


def test_the_guardian_relation_cannot_be_claimed_by_a_form():
    """The person acted for comes from the card in the URL and the guardianship on record;
    extra fields (a forged holder, a relation) are ignored."""
    victim, victim_card = citizen()
    intruder, intruder_card = citizen()
    client = signed_in(Client(), intruder)

    before = Card.objects.filter(pk=victim_card.pk).values().get()
    answer = client.post(
        f"/cards/{intruder_card.number}/report/",
        {"confirm": "on", "card": victim_card.number, "person": victim.pk, "relation": "x"},
    )
    assert answer.status_code == 302
    assert Card.objects.filter(pk=victim_card.pk).values().get() == before
    intruder_card.refresh_from_db()
    assert intruder_card.status == CardStatus.TEMPORARILY_LOST


def test_a_former_guardianship_no_longer_reaches_the_card():
    parent, _pc, child, child_card = family()
    client = signed_in(Client(), parent)
    assert client.get(f"/cards/{child_card.number}/").status_code == 200

    child.guardianships.all().delete()

    state = db_state(child_card)
    assert client.get(f"/cards/{child_card.number}/").status_code == 404
    assert client.post(f"/cards/{child_card.number}/report/", {"confirm": "on"}).status_code == 404
    assert db_state(child_card) == state


def test_another_guardian_of_the_same_child_also_reaches_the_card():
    _parent, _pc, child, child_card = family()
    second, _sc = citizen()
    make_guardianship(guardian=second, ward=child, relation="legal_guardian")
    client = signed_in(Client(), second)
    assert client.get(f"/cards/{child_card.number}/").status_code == 200


def test_forms_without_the_csrf_token_are_refused():
    person, card = citizen()
    client = signed_in(Client(enforce_csrf_checks=True), person)
    page = client.get(f"/cards/{card.number}/report/").content.decode()
    assert page.count('name="csrfmiddlewaretoken"') == 3  # language, sign-out, report

    with nothing_changes(card):
        refused = client.post(f"/cards/{card.number}/report/", {"confirm": "on"})
        signed_out = client.post("/sign-out/")
    assert refused.status_code == 403 and signed_out.status_code == 403
    assert Client(enforce_csrf_checks=True).post("/sign-in/", {}).status_code == 403
