"""Citizen sign-in for the mobile app (API.md "Citizen sign-in"), end to end over HTTP.

The one-time code goes out through the real SMS channel to a real HTTP gateway stand-in on
localhost, and the test reads it there, as the citizen reads it on the phone. Rate-limit
counters live in the cache: the local-memory cache by default, Redis when REDIS_URL is set;
the limits are tested on both.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import os
import re
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any

import pytest
import redis
from django.conf import settings as django_settings
from django.core.cache import caches
from django.test import Client, override_settings
from django_ratelimit.core import _get_window

from sscard.audit.models import AuditEvent
from sscard.cards.models import Card
from sscard.common.clock import frozen_at
from sscard.notifications.models import OutboxMessage
from sscard.partners.models import CitizenToken
from sscard.people.masking import mask_id_number, mask_name, mask_phone
from sscard.people.models import OneTimeCode, Person
from sscard.portal.session import PERSON_KEY
from sscard.signin.services import address_bucket
from tests.caches import emptied_cache
from tests.conftest import ApiCaller
from tests.factories import (
    BankFactory,
    citizen_id,
    db_state,
    make_card,
    make_guardianship,
    make_person,
)
from tests.log_support import headers_but_the_request_id
from tests.portal_support import reported_temporarily
from tests.receivers import HttpReceiver, http_receiver

if TYPE_CHECKING:
    from django.test.client import _MonkeyPatchedWSGIResponse as Response

pytestmark = pytest.mark.django_db

SHANGHAI = dt.timezone(dt.timedelta(hours=8))
T0 = dt.datetime(2026, 3, 10, 10, 0, tzinfo=SHANGHAI)
SECOND = dt.timedelta(seconds=1)
REDIS_TEST_URL = "redis://127.0.0.1:6379/15"
REDIS_PREFIX = f"sscard-test-{os.getpid()}"
SENT = {"detail": "If the ID number and phone match our records, a code has been sent."}


@pytest.fixture(autouse=True)
def clock_at_t0() -> Iterator[None]:
    with frozen_at(T0):
        yield


@pytest.fixture(autouse=True)
def empty_cache() -> Iterator[None]:
    """Rate-limit counters live in the cache: every test starts and ends with none."""
    with emptied_cache():
        yield


@pytest.fixture
def sms(settings: Any) -> Iterator[HttpReceiver]:
    """The SMS gateway: a real HTTP server on localhost, on a random port."""
    with http_receiver() as receiver:
        settings.SMS_BACKEND = "http"
        settings.SMS_URL = receiver.url
        yield receiver


@pytest.fixture
def holder() -> Person:
    person = make_person(phone="13800138000")
    make_card(person=person, bank=BankFactory.create())
    return person


def ask_code(api: ApiCaller, number: str, phone: str, address: str = "127.0.0.1") -> Response:
    return api.http.post(
        "/api/v1/auth/otp",
        data={"social_security_number": number, "phone": phone},
        content_type="application/json",
        REMOTE_ADDR=address,
    )


def sign_in(api: ApiCaller, number: str, code: str) -> Response:
    return api.post("/auth/token", {"social_security_number": number, "code": code})


def code_in(text: str) -> str:
    found = re.findall(r"(?<!\d)\d{6}(?!\d)", text)
    assert len(found) == 1, text
    return found[0]


def last_code(sms: HttpReceiver, phone: str) -> str:
    message = sms.received[-1]
    assert message.json["to"] == phone
    return code_in(message.json["text"])


def problem(response: Response, status: int, code: str) -> dict[str, Any]:
    assert response.status_code == status, response.content
    assert response["Content-Type"] == "application/problem+json"
    body = response.json()
    assert (body["status"], body["code"]) == (status, code)
    return body


def signed_in(api: ApiCaller, sms: HttpReceiver, person: Person) -> str:
    assert ask_code(api, person.social_security_number, person.phone).status_code == 202
    response = sign_in(api, person.social_security_number, last_code(sms, person.phone))
    assert response.status_code == 200, response.content
    return str(response.json()["access_token"])


def not_a_code(code: str) -> str:
    return f"{(int(code) + 1) % 10**6:06d}"


# ---------------------------------------------------------------- asking for a code


def test_a_code_goes_by_sms_to_the_recorded_phone_and_signs_the_citizen_in(
    api: ApiCaller, sms: HttpReceiver, holder: Person
) -> None:
    asked = ask_code(api, holder.social_security_number, "+86 138-0013-8000")

    assert asked.status_code == 202
    assert asked.json() == SENT
    assert len(sms.received) == 1
    message = sms.received[0]
    assert message.path == "/hooks/sscard"
    assert message.headers["Content-Type"] == "application/json"
    assert message.json["to"] == "13800138000"
    code = code_in(message.json["text"])

    response = sign_in(api, holder.social_security_number, code)

    assert response.status_code == 200, response.content
    body = response.json()
    assert set(body) == {"access_token", "token_type", "expires_in"}
    assert body["token_type"] == "Bearer"
    assert body["expires_in"] == django_settings.CITIZEN_TOKEN_TTL_SECONDS == 3600
    assert body["access_token"].startswith("ssc_")
    me = api.get("/me", token=body["access_token"])
    assert me.status_code == 200
    assert me.json()["social_security_number"] == mask_id_number(holder.social_security_number)


@pytest.mark.parametrize(
    "who",
    ["wrong phone", "unknown ID number", "the phone of another person"],
)
def test_the_answer_is_the_same_whether_or_not_the_pair_exists_and_no_sms_goes(
    api: ApiCaller, sms: HttpReceiver, holder: Person, who: str
) -> None:
    other = make_person(phone="13900139000")
    number, phone = {
        "wrong phone": (holder.social_security_number, "13800138001"),
        "unknown ID number": (citizen_id(age=30), holder.phone),
        "the phone of another person": (holder.social_security_number, other.phone),
    }[who]
    before = db_state(holder)

    wrong = ask_code(api, number, phone)
    right = ask_code(api, holder.social_security_number, holder.phone)

    assert wrong.status_code == right.status_code == 202
    assert wrong.content == right.content
    assert headers_but_the_request_id(wrong) == headers_but_the_request_id(right)
    assert len(sms.received) == 1
    assert sms.received[0].json["to"] == holder.phone
    after = db_state(holder)
    assert after["counts"].pop("people.OneTimeCode") == 1
    assert before["counts"].pop("people.OneTimeCode") == 0
    assert after == before


def test_a_failing_sms_gateway_does_not_tell_that_the_pair_exists(
    api: ApiCaller, settings: Any, holder: Person
) -> None:
    with http_receiver(then=503) as gateway:
        settings.SMS_BACKEND = "http"
        settings.SMS_URL = gateway.url
        matched = ask_code(api, holder.social_security_number, holder.phone)
        unmatched = ask_code(api, holder.social_security_number, "13800138001")

    assert len(gateway.received) == 1  # it was tried, and refused
    assert matched.status_code == unmatched.status_code == 202
    assert matched.content == unmatched.content


def test_without_its_rate_limit_counters_no_code_is_sent(
    api: ApiCaller, settings: Any, sms: HttpReceiver, holder: Person
) -> None:
    before = db_state(holder)
    # Only for the request: the cache is emptied again after the test, where Redis answers.
    nowhere = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "redis://127.0.0.1:1/0",  # nothing listens there
        }
    }
    with override_settings(CACHES=nowhere):
        response = ask_code(api, holder.social_security_number, holder.phone)

    problem(response, 503, "service_unavailable")
    assert sms.received == []
    assert db_state(holder) == before


def test_a_code_is_kept_only_as_a_keyed_hash(
    api: ApiCaller, sms: HttpReceiver, holder: Person
) -> None:
    ask_code(api, holder.social_security_number, holder.phone)
    code = last_code(sms, holder.phone)

    row = OneTimeCode.objects.values().get(person=holder)

    assert all(code not in str(value) for value in row.values())
    expected = hmac.new(
        django_settings.SECRET_KEY.encode(),
        f"{holder.pk}:sign_in:{code}".encode(),
        hashlib.sha256,
    ).hexdigest()
    assert row["code_hash"] == expected
    assert row["code_hash"] != hashlib.sha256(code.encode()).hexdigest()
    assert (row["expires_at"] - row["created_at"]).total_seconds() == 300
    assert not any(code in str(m.payload) for m in OutboxMessage.objects.all())
    assert not any(code in str(e.before) + str(e.after) for e in AuditEvent.objects.all())


def test_a_code_works_once(api: ApiCaller, sms: HttpReceiver, holder: Person) -> None:
    ask_code(api, holder.social_security_number, holder.phone)
    code = last_code(sms, holder.phone)
    assert sign_in(api, holder.social_security_number, code).status_code == 200

    again = sign_in(api, holder.social_security_number, code)

    body = problem(again, 401, "invalid_code")
    assert body["errors"] == [{"field": "code", "message": "wrong or expired"}]
    assert CitizenToken.objects.filter(person=holder).count() == 1


def test_a_new_code_replaces_the_one_before(
    api: ApiCaller, sms: HttpReceiver, holder: Person
) -> None:
    ask_code(api, holder.social_security_number, holder.phone)
    first = last_code(sms, holder.phone)
    ask_code(api, holder.social_security_number, holder.phone)
    second = last_code(sms, holder.phone)

    if first != second:
        problem(sign_in(api, holder.social_security_number, first), 401, "invalid_code")
    assert sign_in(api, holder.social_security_number, second).status_code == 200


def test_a_code_expires_after_five_minutes(
    api: ApiCaller, sms: HttpReceiver, holder: Person
) -> None:
    ask_code(api, holder.social_security_number, holder.phone)
    code = last_code(sms, holder.phone)
    ttl = dt.timedelta(seconds=django_settings.OTP_TTL_SECONDS)

    with frozen_at(T0 + ttl):
        late = sign_in(api, holder.social_security_number, code)
    with frozen_at(T0 + ttl - SECOND):
        just_in_time = sign_in(api, holder.social_security_number, code)

    problem(late, 401, "invalid_code")
    assert just_in_time.status_code == 200, just_in_time.content


def test_wrong_codes_count_and_lock_the_code_after_the_allowed_tries(
    api: ApiCaller, sms: HttpReceiver, holder: Person
) -> None:
    ask_code(api, holder.social_security_number, holder.phone)
    code = last_code(sms, holder.phone)
    tries = django_settings.OTP_MAX_TRIES
    assert tries == 5

    for attempt in range(1, tries + 1):
        problem(sign_in(api, holder.social_security_number, not_a_code(code)), 401, "invalid_code")
        assert OneTimeCode.objects.get(person=holder).tries == attempt

    locked = sign_in(api, holder.social_security_number, code)

    problem(locked, 401, "invalid_code")
    assert OneTimeCode.objects.get(person=holder).tries == tries
    assert not CitizenToken.objects.exists()


def test_signing_in_as_an_unknown_person_reads_as_a_wrong_code(api: ApiCaller) -> None:
    wrong = sign_in(api, citizen_id(age=30), "123456")

    problem(wrong, 401, "invalid_code")


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"social_security_number": "12345", "phone": "13800138000"}, "social_security_number"),
        ({"social_security_number": "440106198507150019", "phone": "12"}, "phone"),
    ],
)
def test_a_malformed_request_is_422_naming_the_field(
    api: ApiCaller, sms: HttpReceiver, body: dict[str, str], field: str
) -> None:
    response = api.post("/auth/otp", body)

    assert response.status_code == 422, response.content
    assert [e["field"] for e in response.json()["errors"]] == [field]
    assert sms.received == []


# ---------------------------------------------------------------- rate limits


def _our_redis_keys(client: redis.Redis) -> list[bytes]:
    return list(client.scan_iter(match=f"{REDIS_PREFIX}:*"))


@pytest.fixture(params=["locmem", "redis"])
def rate_cache(request: pytest.FixtureRequest, settings: Any) -> Iterator[str]:
    """The same limits whichever cache keeps the counters. Another test run may share the
    Redis database: this run's keys have their own prefix, and only they are removed."""
    client = redis.Redis.from_url(REDIS_TEST_URL)
    if request.param == "redis":
        for key in _our_redis_keys(client):  # fails loudly when no Redis is running
            client.delete(key)
        settings.CACHES = {
            "default": {
                "BACKEND": "django.core.cache.backends.redis.RedisCache",
                "LOCATION": REDIS_TEST_URL,
                "KEY_PREFIX": REDIS_PREFIX,
            }
        }
    else:
        settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    try:
        yield request.param
    finally:
        for key in _our_redis_keys(client):
            client.delete(key)
        client.close()


def _well_inside_windows(*counted: tuple[str, int]) -> None:
    """django-ratelimit counts in fixed windows of wall-clock time (not our clock), each keyed
    by the counted value; a burst that straddles the end of one would be counted in two. Wait
    for the next window of any (value, period) that is about to end."""
    import time

    for value, period in counted:
        left = _get_window(value, period) - int(time.time())
        if left < 15:
            time.sleep(left + 1)


def _well_inside_a_window(value: str, period: int) -> None:
    _well_inside_windows((value, period))


def _holder_windows(person: Person, address: str = "127.0.0.1") -> None:
    number = person.social_security_number
    _well_inside_windows(
        (address, 3600),
        (f"{number}@{address}", 600),
        (number, 3600),
        (f"sign_in:{person.pk}", 600),
        (f"confirm:{person.pk}", 600),
    )


def test_at_most_three_requests_per_number_from_one_address_in_ten_minutes(
    api: ApiCaller, sms: HttpReceiver, holder: Person, rate_cache: str
) -> None:
    assert django_settings.OTP_RATE_PER_NUMBER == "3/10m"
    _holder_windows(holder)
    _well_inside_windows((f"{holder.social_security_number}@10.1.2.3", 600))
    for _ in range(3):
        assert ask_code(api, holder.social_security_number, holder.phone).status_code == 202

    fourth = ask_code(api, holder.social_security_number, holder.phone)
    unmatched = ask_code(api, holder.social_security_number, "13800138999")
    # From another address the request is taken, and answered as any other,
    from_elsewhere = ask_code(api, holder.social_security_number, holder.phone, "10.1.2.3")
    unmatched_elsewhere = ask_code(api, holder.social_security_number, "13800138999", "10.1.2.3")

    body = problem(fourth, 429, "too_many_requests")
    assert body["title"] == "Too many requests"
    assert unmatched.content == fourth.content
    assert from_elsewhere.status_code == unmatched_elsewhere.status_code == 202
    assert from_elsewhere.content == unmatched_elsewhere.content
    # but the holder's phone has had its three texts in these ten minutes.
    assert len(sms.received) == 3
    assert OneTimeCode.objects.filter(person=holder).count() == 3


def test_an_unknown_number_is_limited_as_a_known_one_is(
    api: ApiCaller, sms: HttpReceiver, rate_cache: str
) -> None:
    number = citizen_id(age=30)
    _well_inside_windows((f"{number}@127.0.0.1", 600), ("127.0.0.1", 3600))
    for _ in range(3):
        assert ask_code(api, number, "13800138000").status_code == 202

    problem(ask_code(api, number, "13800138000"), 429, "too_many_requests")
    assert sms.received == []


def test_a_stranger_hammering_a_number_does_not_keep_its_holder_from_a_code(
    api: ApiCaller,
    sms: HttpReceiver,
    holder: Person,
    rate_cache: str,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Someone who knows the ID number but not the phone asks and asks, from many addresses:
    each address runs out of its own budget; the holder's quota is untouched."""
    number = holder.social_security_number
    attackers = [f"203.0.113.{i}" for i in range(10, 22)]
    home = "198.51.100.7"
    _holder_windows(holder, home)
    _well_inside_windows(*((f"{number}@{a}", 600) for a in attackers))
    answers = [
        ask_code(api, number, f"1390000{i:04d}", address).status_code
        for i, address in enumerate(attackers)
        for _ in range(4)
    ]

    codes = []
    for _ in range(3):
        assert ask_code(api, number, holder.phone, home).status_code == 202
        codes.append(last_code(sms, holder.phone))

    assert answers == [202, 202, 202, 429] * len(attackers)
    assert len(sms.received) == 3
    assert sign_in(api, number, codes[-1]).status_code == 200
    # Past the number's mismatch budget (10 an hour) a warning, once, with the number masked.
    assert django_settings.OTP_MISMATCH_PER_NUMBER == "10/h"
    warnings = [r.getMessage() for r in caplog.records if r.levelname == "WARNING"]
    assert (
        f"sign-in codes asked for {mask_id_number(number)} with phones that do not match, past 10/h"
    ) in warnings
    assert sum("do not match" in w for w in warnings) == 1
    assert not any(number in r.getMessage() for r in caplog.records)


def test_a_holder_is_sent_at_most_ten_codes_a_day(
    api: ApiCaller, sms: HttpReceiver, holder: Person, rate_cache: str, settings: Any
) -> None:
    """Whoever asks: the texts to one phone are capped, and past the cap the answer is the
    one anybody gets, so it does not tell that the pair matched."""
    assert django_settings.OTP_DAILY_PER_PERSON == "10/d"
    settings.OTP_RATE_PER_PERSON = "100/10m"
    addresses = [f"192.0.2.{i}" for i in range(1, 13)]
    _well_inside_windows(
        (f"sign_in:{holder.pk}", 600),
        (f"sign_in:{holder.pk}", 86400),
        *((a, 3600) for a in addresses),
    )
    for address in addresses[:10]:
        assert (
            ask_code(api, holder.social_security_number, holder.phone, address).status_code == 202
        )
    assert len(sms.received) == 10

    eleventh = ask_code(api, holder.social_security_number, holder.phone, addresses[10])
    unmatched = ask_code(api, holder.social_security_number, "13800138999", addresses[11])

    assert eleventh.status_code == unmatched.status_code == 202
    assert eleventh.content == unmatched.content
    assert len(sms.received) == 10
    assert OneTimeCode.objects.filter(person=holder).count() == 10


def test_at_most_twenty_requests_per_client_address_in_an_hour(
    api: ApiCaller, sms: HttpReceiver, holder: Person, rate_cache: str
) -> None:
    assert django_settings.OTP_RATE_PER_ADDRESS == "20/h"
    address = "203.0.113.7"
    _well_inside_a_window(address, 3600)
    numbers = [citizen_id(age=30) for _ in range(20)]
    for number in numbers:
        assert ask_code(api, number, "13800138000", address).status_code == 202

    blocked = ask_code(api, holder.social_security_number, holder.phone, address)
    elsewhere = ask_code(api, holder.social_security_number, holder.phone, "203.0.113.8")

    problem(blocked, 429, "too_many_requests")
    assert elsewhere.status_code == 202
    assert [m.json["to"] for m in sms.received] == [holder.phone]


def test_at_most_a_hundred_requests_per_client_address_in_a_day(
    api: ApiCaller, sms: HttpReceiver, holder: Person, rate_cache: str, settings: Any
) -> None:
    assert django_settings.OTP_DAILY_PER_ADDRESS == "100/d"
    settings.OTP_RATE_PER_ADDRESS = "1000/h"
    address = "203.0.113.9"
    _well_inside_windows((address, 86400))
    for _ in range(100):
        assert ask_code(api, citizen_id(age=30), "13800138000", address).status_code == 202

    blocked = ask_code(api, holder.social_security_number, holder.phone, address)

    problem(blocked, 429, "too_many_requests")
    assert sms.received == []


def test_ipv6_addresses_are_counted_per_64(
    api: ApiCaller, sms: HttpReceiver, holder: Person, rate_cache: str
) -> None:
    """One subscriber's /64 is one address: changing the last 64 bits buys nothing."""
    _well_inside_windows(("2001:db8:1:2::/64", 3600))
    for i in range(20):
        address = f"2001:db8:1:2:{i:x}::{i + 1:x}"
        assert ask_code(api, citizen_id(age=30), "13800138000", address).status_code == 202

    same_network = ask_code(
        api, holder.social_security_number, holder.phone, "2001:db8:1:2:ffff:ffff:ffff:fffe"
    )
    next_network = ask_code(api, holder.social_security_number, holder.phone, "2001:db8:1:3::1")

    problem(same_network, 429, "too_many_requests")
    assert next_network.status_code == 202
    assert [m.json["to"] for m in sms.received] == [holder.phone]


@pytest.mark.parametrize(
    ("address", "counted_as"),
    [
        ("203.0.113.7", "203.0.113.7"),
        ("2001:db8:1:2:3:4:5:6", "2001:db8:1:2::/64"),
        ("::ffff:203.0.113.7", "203.0.113.7"),
        ("", "-"),
    ],
)
def test_what_a_client_address_is_counted_as(address: str, counted_as: str) -> None:
    assert address_bucket(address) == counted_as


def test_the_confirmation_code_before_lifting_reaches_the_holder_under_attack(
    sms: HttpReceiver, holder: Person, rate_cache: str
) -> None:
    """Strangers' sign-in requests for the number, matching or not, spend nothing of the
    holder's quota of confirmation codes."""
    card = Card.objects.get(person=holder)
    reported_temporarily(card)
    number = holder.social_security_number
    attackers = [f"203.0.113.{i}" for i in range(30, 40)]
    _holder_windows(holder)
    _well_inside_windows(*((f"{number}@{a}", 600) for a in attackers))
    caller = ApiCaller()
    for i, address in enumerate(attackers):
        # Some even know the phone: the holder gets the sign-in texts, then no more.
        phone = holder.phone if i % 2 else f"1390000{i:04d}"
        for _ in range(3):
            assert ask_code(caller, number, phone, address).status_code == 202
    assert len(sms.received) == 3
    portal = Client(REMOTE_ADDR="198.51.100.7")
    session = portal.session
    session[PERSON_KEY] = holder.pk
    session.save()

    sent = portal.post(f"/cards/{card.number}/found/", {"send": "1"})
    code = last_code(sms, holder.phone)
    lifted = portal.post(f"/cards/{card.number}/found/", {"lift": "1", "code": code})

    assert sent.status_code == 302
    assert len(sms.received) == 4
    assert lifted.status_code == 302
    card.refresh_from_db()
    assert card.status == "normal"


def test_a_signed_in_person_is_told_when_their_confirmation_codes_are_spent(
    sms: HttpReceiver, holder: Person, rate_cache: str
) -> None:
    card = Card.objects.get(person=holder)
    reported_temporarily(card)
    _holder_windows(holder)
    portal = Client()
    portal.cookies["sscard_language"] = "en"
    session = portal.session
    session[PERSON_KEY] = holder.pk
    session.save()
    for _ in range(3):
        assert portal.post(f"/cards/{card.number}/found/", {"send": "1"}).status_code == 302

    fourth = portal.post(f"/cards/{card.number}/found/", {"send": "1"})

    assert fourth.status_code == 200
    assert "You have asked for too many codes." in fourth.content.decode()
    assert len(sms.received) == 3


def test_the_counters_are_in_the_configured_cache(
    api: ApiCaller, sms: HttpReceiver, holder: Person, rate_cache: str
) -> None:
    ask_code(api, holder.social_security_number, holder.phone)

    keys = _our_redis_keys(redis.Redis.from_url(REDIS_TEST_URL))
    # In Redis: the address's hour and day, the number from the address, the holder's ten
    # minutes and day; else none there.
    assert len(keys) == (5 if rate_cache == "redis" else 0)


# ---------------------------------------------------------------- the signed-in citizen


def test_me_is_the_person_masked_with_their_cards_and_their_wards_cards(
    api: ApiCaller, sms: HttpReceiver
) -> None:
    icbc = BankFactory.create()
    parent = make_person(phone="13800138000", name="陈大文")
    own = make_card(person=parent, bank=icbc)
    child = make_person(age=8, name="陈小明")
    make_guardianship(guardian=parent, ward=child)
    childs = make_card(person=child, bank=icbc)
    make_card(person=make_person(), bank=icbc)
    token = signed_in(api, sms, parent)

    response = api.get("/me", token=token)

    assert response.status_code == 200, response.content
    body = response.json()
    assert body["social_security_number"] == mask_id_number(parent.social_security_number)
    assert body["name"] == mask_name(parent.name) == "陈**"
    assert body["phone"] == mask_phone(parent.phone) == "138****8000"
    # What the masked ID number hides is not given away beside it.
    assert (body["birth_date"], body["sex"]) == (None, None)
    assert [c["card_number"] for c in body["cards"]] == [own.number]
    assert body["cards"][0]["status"] == "normal"
    assert body["wards"] == [
        {
            "social_security_number": mask_id_number(child.social_security_number),
            "name": "陈**",
            "relation": "parent",
        }
    ]
    assert [
        (w["relation"], [c["card_number"] for c in w["cards"]]) for w in body["wards_cards"]
    ] == [("parent", [childs.number])]
    assert body["wards_cards"][0]["social_security_number"] == mask_id_number(
        child.social_security_number
    )
    assert parent.social_security_number not in response.content.decode()
    assert child.social_security_number not in response.content.decode()


def test_a_citizen_sees_their_own_and_their_wards_cards_but_not_anothers(
    api: ApiCaller, sms: HttpReceiver
) -> None:
    parent = make_person(phone="13800138000")
    own = make_card(person=parent)
    child = make_person(age=8)
    make_guardianship(guardian=parent, ward=child)
    childs = make_card(person=child)
    stranger = make_card()
    token = signed_in(api, sms, parent)

    assert api.get(f"/cards/{own.number}", token=token).status_code == 200
    assert api.get(f"/cards/{childs.number}", token=token).status_code == 200
    problem(api.get(f"/cards/{stranger.number}", token=token), 404, "card_not_found")


def test_a_citizen_token_expires(api: ApiCaller, sms: HttpReceiver, holder: Person) -> None:
    token = signed_in(api, sms, holder)
    ttl = dt.timedelta(seconds=django_settings.CITIZEN_TOKEN_TTL_SECONDS)

    with frozen_at(T0 + ttl - SECOND):
        still = api.get("/me", token=token)
    with frozen_at(T0 + ttl):
        expired = api.get("/me", token=token)

    assert still.status_code == 200
    problem(expired, 401, "unauthorized")
    assert expired["WWW-Authenticate"] == 'Bearer realm="sscard"'


def sign_out(api: ApiCaller, token: str | None) -> Response:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return api.http.delete("/api/v1/auth/token", headers=headers)


def test_signing_out_of_the_app_revokes_the_token_at_once_and_is_audited(
    api: ApiCaller, sms: HttpReceiver, holder: Person
) -> None:
    token = signed_in(api, sms, holder)
    other_device = signed_in(api, sms, holder)

    response = sign_out(api, token)

    assert response.status_code == 204
    assert response.content == b""
    problem(api.get("/me", token=token), 401, "unauthorized")
    assert api.get("/me", token=other_device).status_code == 200
    revoked = CitizenToken.objects.get(revoked_at__isnull=False)
    assert revoked.revoked_at == T0
    assert CitizenToken.objects.filter(revoked_at__isnull=True).count() == 1
    event = AuditEvent.objects.get(action="person.signed_out")
    assert (event.object_type, event.object_id) == ("person", str(holder.pk))
    assert (event.actor_id, event.actor_role, event.channel) == (
        f"person:{holder.pk}",
        "citizen",
        "app",
    )
    assert (event.before, event.after) == ({"signed_in": True}, {"signed_in": False})
    # Signing out again with the dead token: it is no token any more.
    problem(sign_out(api, token), 401, "unauthorized")
    assert AuditEvent.objects.filter(action="person.signed_out").count() == 1


def test_only_a_citizens_token_is_signed_out(
    api: ApiCaller, make_token: Callable[..., str], holder: Person
) -> None:
    partner = make_token("cards:read")
    before = db_state(holder)

    problem(sign_out(api, partner), 403, "citizen_token_required")
    problem(sign_out(api, None), 401, "unauthorized")
    problem(sign_out(api, "ssc_" + "x" * 43), 401, "unauthorized")

    assert api.get("/ping", token=partner).status_code == 200
    assert db_state(holder) == before
    assert not AuditEvent.objects.filter(action="person.signed_out").exists()


def test_a_partner_token_has_no_me(api: ApiCaller, make_token: Callable[..., str]) -> None:
    token = make_token(",".join(["persons:read", "cards:read"]))

    problem(api.get("/me", token=token), 403, "citizen_token_required")


def test_me_needs_a_token(api: ApiCaller) -> None:
    problem(api.get("/me"), 401, "unauthorized")
    problem(api.get("/me", token="ssc_" + "x" * 43), 401, "unauthorized")


def test_behind_a_proxy_each_client_has_its_own_address_budget(
    api: ApiCaller, sms: HttpReceiver, holder: Person, rate_cache: str, settings: Any
) -> None:
    """With SSCARD_TRUSTED_PROXIES=1 every request comes from the proxy; the limit follows the
    address the proxy saw, and what a client wrote into X-Forwarded-For itself counts for nothing.
    """
    settings.TRUSTED_PROXIES = 1
    proxy, client, neighbour = "10.0.0.5", "198.51.100.20", "198.51.100.21"
    _well_inside_a_window(client, 3600)

    def through_proxy(number: str, forwarded: str) -> Response:
        return api.http.post(
            "/api/v1/auth/otp",
            data={"social_security_number": number, "phone": "13800138000"},
            content_type="application/json",
            REMOTE_ADDR=proxy,
            HTTP_X_FORWARDED_FOR=forwarded,
        )

    for i in range(20):
        # A client inventing a new "address" each time: the proxy appended the real one.
        assert through_proxy(citizen_id(age=30), f"192.0.2.{i}, {client}").status_code == 202

    problem(through_proxy(citizen_id(age=30), f"192.0.2.99, {client}"), 429, "too_many_requests")
    neighbour_asks = api.http.post(
        "/api/v1/auth/otp",
        data={"social_security_number": holder.social_security_number, "phone": holder.phone},
        content_type="application/json",
        REMOTE_ADDR=proxy,
        HTTP_X_FORWARDED_FOR=neighbour,
    )
    assert neighbour_asks.status_code == 202
    assert [m.json["to"] for m in sms.received] == [holder.phone]


def test_emptying_the_cache_between_tests_leaves_another_runs_counters(settings: Any) -> None:
    """The other run of the suite counts its codes in the same Redis database under its own
    prefix: emptying this run's cache (as every test here does before and after) must not
    reset them, or a fourth code goes out there where three are allowed."""
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_TEST_URL,
            "KEY_PREFIX": REDIS_PREFIX,
        }
    }
    client = redis.Redis.from_url(REDIS_TEST_URL)
    theirs = f"sscard-test-other-{os.getpid()}:1:rl:counter"
    client.set(theirs, 3, ex=60)
    try:
        with emptied_cache():
            caches["default"].set("ours", 1)
            assert _our_redis_keys(client)
        assert _our_redis_keys(client) == []
        assert client.get(theirs) == b"3"
    finally:
        client.delete(theirs)
        client.close()
