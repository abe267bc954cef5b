"""The Content-Security-Policy header on every kind of answer (the browser test checks that
the pages keep it)."""

from __future__ import annotations

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db

POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'none'; "
    "frame-ancestors 'none'; form-action 'self'"
)


@pytest.mark.parametrize(
    "path",
    [
        "/",
        "/outlets/",
        "/no-such-page/",
        "/console/sign-in/",
        "/admin/login/",
        "/api/v1/docs",
        "/api/v1/outlets",
        "/api/v1/persons/11010519900307002X",
        "/healthz",
    ],
)
def test_every_answer_carries_the_policy(path):
    assert Client().get(path)["Content-Security-Policy"] == POLICY


def test_the_static_error_page_has_no_inline_style():
    from django.template.loader import render_to_string

    page = render_to_string("500.html")

    assert "style=" not in page and "<script" not in page
    assert 'href="/static/portal/error.css"' in page
