"""axe-core on every page of the portal, in both languages, in each state a person meets it:
no serious or critical violations. The flows themselves are in test_portal_flows.py."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.browser.conftest import assert_accessible
from tests.browser.test_portal_flows import LANGUAGES, open_portal, sign_in
from tests.factories import make_outlet
from tests.portal_support import (
    SmsGateway,
    citizen,
    family,
    fresh_rate_limits,
    reissue_ready_for_collection,
    reported_temporarily,
    sms_gateway,
)

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def sms(settings: Any) -> Iterator[SmsGateway]:
    with sms_gateway(settings) as gateway:
        yield gateway


@pytest.fixture(autouse=True)
def _fresh_rate_limits() -> Iterator[None]:
    with fresh_rate_limits():
        yield


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_page_passes_axe(new_page, sms, language):
    parent, parent_card, _child, child_card = family()
    reported_temporarily(child_card, by=parent)
    other, other_card = citizen()
    app = reissue_ready_for_collection(parent_card)
    make_outlet(code="KS0001", name="自助服务终端", lat=23.13, lon=113.33, hours={})
    page = open_portal(new_page, language)
    public = [
        "/",
        "/outlets/",
        "/outlets/?near=23.1291,113.3225&service=reissue",
        "/outlets/?near=nowhere",
        "/guide/",
        "/guide/?who=adult&what=damaged&bank=no&region=440106",
        "/guide/?who=child&what=lost&bank=yes&region=",
        "/sign-in/",
    ]
    for path in public:
        page.goto(path)
        assert_accessible(page, context=f"{language} {path}")

    sign_in(page, sms, parent)
    private = [
        "/cards/",
        f"/cards/{parent_card.number}/",  # cancelled by the reissue
        f"/cards/{child_card.number}/",
        f"/cards/{child_card.number}/report/",  # renewal
        f"/cards/{child_card.number}/found/",
        f"/cards/{parent_card.number}/found/",  # nothing to lift
        f"/applications/{app.number}/",
        f"/cards/{other_card.number}/",  # someone else's: not found
    ]
    for path in private:
        page.goto(path)
        assert_accessible(page, context=f"{language} {path}")
    assert other.pk != parent.pk
