"""Behind a proxy that ends TLS: forms post, cookies are secure, HTTP is sent to HTTPS, and the
forwarded scheme is believed only when proxies of ours are configured.

The test client plays the proxy: requests arrive over plain HTTP from it, with
`X-Forwarded-Proto: https`, `X-Forwarded-For` and the browser's `Origin`, as nginx passes them.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from django.contrib.sessions.models import Session
from django.test import Client, RequestFactory

from sscard.common.http import forwarded_proto
from sscard.portal.session import PERSON_KEY
from tests.console_support import PASSWORD, build_world
from tests.portal_support import SmsGateway, citizen, fresh_rate_limits, sms_gateway

pytestmark = pytest.mark.django_db

HOST = "sscard.example.gov.cn"
ORIGIN = f"https://{HOST}"


@pytest.fixture
def production(settings: Any) -> Any:
    settings.ALLOWED_HOSTS = [HOST]
    settings.TRUSTED_PROXIES = 1
    settings.SECURE_SSL_REDIRECT = True
    settings.SECURE_HSTS_SECONDS = 31536000
    settings.SESSION_COOKIE_SECURE = True
    settings.CSRF_COOKIE_SECURE = True
    return settings


@pytest.fixture
def sms(settings: Any) -> Iterator[SmsGateway]:
    with sms_gateway(settings) as gateway, fresh_rate_limits():
        yield gateway


def through_proxy(proto: str = "https") -> Client:
    return Client(
        enforce_csrf_checks=True,
        HTTP_HOST=HOST,
        headers={"X-Forwarded-Proto": proto, "X-Forwarded-For": "198.51.100.7"},
    )


def csrf_token(client: Client) -> str:
    return str(client.cookies["csrftoken"].value)


def console_sign_in(client: Client) -> Any:
    page = client.get("/console/sign-in/")
    assert page.status_code == 200
    return client.post(
        "/console/sign-in/",
        {
            "username": "window-clerk",
            "password": PASSWORD,
            "csrfmiddlewaretoken": csrf_token(client),
        },
        headers={"Origin": ORIGIN},
    )


def test_a_console_sign_in_through_the_tls_proxy_succeeds_with_secure_cookies(production):
    build_world(passwords=True)
    client = through_proxy()

    answer = console_sign_in(client)

    assert answer.status_code == 302, answer.content.decode()[:300]
    assert answer["Location"] == "/console/"
    assert answer["Strict-Transport-Security"] == "max-age=31536000"
    assert client.cookies["sessionid"]["secure"] is True
    assert client.cookies["csrftoken"]["secure"] is True
    home = client.get("/console/")
    assert home.status_code == 200
    assert "window-clerk" in home.content.decode()


def test_a_portal_sign_in_through_the_tls_proxy_succeeds(production, sms):
    person, _card = citizen()
    client = through_proxy()
    client.get("/sign-in/")

    asked = client.post(
        "/sign-in/",
        {
            "social_security_number": person.social_security_number,
            "phone": person.phone,
            "csrfmiddlewaretoken": csrf_token(client),
        },
        headers={"Origin": ORIGIN},
    )
    assert asked.status_code == 302 and asked["Location"] == "/sign-in/code/"
    answer = client.post(
        "/sign-in/code/",
        {"code": sms.code_for(person.phone), "csrfmiddlewaretoken": csrf_token(client)},
        headers={"Origin": ORIGIN},
    )

    assert answer.status_code == 302 and answer["Location"] == "/cards/"
    assert client.session[PERSON_KEY] == person.pk


def test_another_trusted_origin_may_post_when_configured(production):
    production.CSRF_TRUSTED_ORIGINS = ["https://www.example.gov.cn"]
    build_world(passwords=True)
    client = through_proxy()
    client.get("/console/sign-in/")

    answer = client.post(
        "/console/sign-in/",
        {
            "username": "window-clerk",
            "password": PASSWORD,
            "csrfmiddlewaretoken": csrf_token(client),
        },
        headers={"Origin": "https://www.example.gov.cn"},
    )

    assert answer.status_code == 302 and answer["Location"] == "/console/"


def test_without_a_trusted_proxy_the_forwarded_scheme_is_ignored(production):
    production.TRUSTED_PROXIES = 0
    build_world(passwords=True)
    client = through_proxy()

    page = client.get("/console/sign-in/")

    assert page.status_code == 301
    assert page["Location"] == f"https://{HOST}/console/sign-in/"


def test_without_a_trusted_proxy_a_form_from_the_https_origin_is_refused(production):
    production.TRUSTED_PROXIES = 0
    production.SECURE_SSL_REDIRECT = False
    build_world(passwords=True)
    client = through_proxy()

    answer = console_sign_in(client)

    assert answer.status_code == 403
    assert Session.objects.count() == 0


def test_a_client_cannot_claim_https_when_the_proxy_says_http(production):
    client = Client(
        HTTP_HOST=HOST, headers={"X-Forwarded-Proto": "https, http", "X-Forwarded-For": "1.2.3.4"}
    )

    page = client.get("/console/sign-in/")

    assert page.status_code == 301
    assert page["Location"] == f"https://{HOST}/console/sign-in/"


def test_the_health_check_answers_over_http_without_a_redirect(production):
    assert Client(HTTP_HOST=HOST).get("/healthz").status_code == 200


@pytest.mark.parametrize(
    ("proxies", "header", "expected"),
    [
        (0, "https", None),
        (1, "https", "https"),
        (1, "HTTPS", "https"),
        (1, "http", "http"),
        (1, "https, http", "http"),  # the client's claim, then what our proxy received
        (2, "https, http", "https"),  # the outer proxy received https, the inner one http
        (2, "https", "https"),  # the outer one set it, the inner one passed it on
        (1, "", None),
        (1, "gopher", None),
    ],
)
def test_the_forwarded_scheme_is_read_from_the_right(settings, proxies, header, expected):
    settings.TRUSTED_PROXIES = proxies
    request = RequestFactory().get("/", HTTP_X_FORWARDED_PROTO=header)

    assert forwarded_proto(request) == expected
