"""The API answers through its own middleware stack (sscard.api.stack): none of the pages'
sessions, language cookie, CSRF or messages reach it, while the headers every answer needs
still do, and the pages keep their whole stack."""

from __future__ import annotations

import pytest
from django.test import Client

from sscard.api.stack import ApiStackMiddleware
from tests.factories import make_card

pytestmark = pytest.mark.django_db


def test_an_api_answer_sets_no_cookie_and_varies_on_none(make_token, settings):
    card = make_card()
    token = make_token("cards:verify")
    browser = Client()
    browser.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    browser.cookies["sessionid"] = "not-a-session"

    answers = [
        browser.get(
            f"/api/v1/cards/{card.number}/status", headers={"Authorization": f"Bearer {token}"}
        ),
        browser.post("/api/v1/auth/token", {"social_security_number": "x"}, "application/json"),
        browser.get("/api/v1/nowhere"),
    ]

    assert [a.status_code for a in answers] == [200, 422, 404]
    for answer in answers:
        assert not answer.cookies, answer.cookies
        assert "Vary" not in answer
        assert "Content-Language" not in answer
        assert answer["Cache-Control"] == "no-store"
        assert answer["X-Content-Type-Options"] == "nosniff"
        assert "frame-ancestors 'none'" in answer["Content-Security-Policy"]
    assert answers[2]["Content-Type"] == "application/problem+json"
    assert answers[2].json()["detail"] == "There is no such endpoint."


def test_a_page_still_has_the_whole_stack():
    page = Client().get("/console/sign-in/")

    assert page.status_code == 200
    assert "csrftoken" in page.cookies
    assert "Cookie" in page["Vary"]
    assert page["Content-Language"] == "zh-hans"
    assert page["X-Frame-Options"] == "DENY"


def test_the_api_speaks_the_default_language_after_a_page_in_english(settings):
    """Django keeps the last language activated in a server thread: an English page before
    must not leave its language to the API's next answer in the same thread."""
    from django.utils import translation

    english = Client()
    english.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    assert english.get("/console/sign-in/")["Content-Language"] == "en"
    assert translation.get_language() == "en"

    Client().get("/api/v1/outlets")

    assert translation.get_language() == settings.LANGUAGE_CODE


def test_the_api_stack_is_built_from_its_own_list(settings):
    """What the API runs through is API_MIDDLEWARE, and none of the pages' middleware."""
    stack = ApiStackMiddleware(lambda request: None)  # type: ignore[arg-type,return-value]
    names = {type(m.__self__).__name__ for m in stack.api._exception_middleware}

    assert names == {"ApiProblemsMiddleware"}
    assert not set(settings.API_MIDDLEWARE) & set(
        settings.MIDDLEWARE[settings.MIDDLEWARE.index("sscard.api.stack.ApiStackMiddleware") :]
    )
