"""My electronic card in real Chromium, on a phone, in Chinese and in English: refused before
the card is collected, issued for the collected card, its code full-screen with the card's
status, renewed by the page's own script before it expires (no policy violation), revoked.
axe-core checks each screen."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import expect

from sscard.cards.models import BankStatus, CardStatus
from sscard.ecard.models import ElectronicCard
from tests.browser.conftest import assert_accessible
from tests.browser.test_content_security_policy import WATCH
from tests.browser.test_portal_flows import LANGUAGES, open_portal, sign_in
from tests.factories import make_card, make_person
from tests.portal_support import SmsGateway, fresh_rate_limits, sms_gateway

pytestmark = pytest.mark.django_db(transaction=True)

WORDS = {
    "zh-hans": {
        "title": "我的电子社保卡",
        "no_card": "电子社保卡只为已领取的社保卡签发：请先领取您的社保卡。",
        "get": "申领我的电子社保卡",
        "works": "正常",
        "renewed": "会自动更新",
        "revoke": "撤销我的电子社保卡",
        "revoked": "电子社保卡已撤销。",
    },
    "en": {
        "title": "My electronic card",
        "no_card": "The electronic card is issued for a card you have collected",
        "get": "Get my electronic card",
        "works": "Works",
        "renewed": "is renewed by itself",
        "revoke": "Revoke my electronic card",
        "revoked": "The electronic card has been revoked.",
    },
}


@pytest.fixture
def sms(settings: Any) -> Iterator[SmsGateway]:
    with sms_gateway(settings) as gateway:
        yield gateway


@pytest.fixture(autouse=True)
def _fresh_rate_limits() -> Iterator[None]:
    with fresh_rate_limits():
        yield


@pytest.mark.parametrize("language", LANGUAGES)
def test_my_electronic_card_s_code_renews_itself(new_page, sms, settings, language):
    # A code of 12 s: the page asks for the next one 10 s before it expires, i.e. within 2 s.
    settings.ECARD_CODE_SECONDS = 12
    words = WORDS[language]
    me = make_person()
    card = make_card(
        person=me, status=CardStatus.AWAITING_COLLECTION, bank_status=BankStatus.NOT_OPENED
    )
    page = open_portal(new_page, language)
    page.add_init_script(WATCH)
    sign_in(page, sms, me)

    page.goto("/ecard/")
    expect(page.locator("h1")).to_have_text(words["title"])
    page.get_by_role("button", name=words["get"]).click()
    expect(page.locator(".error-summary")).to_contain_text(words["no_card"])
    assert_accessible(page, context=f"{language} e-card refused")
    assert not ElectronicCard.objects.exists()

    card.status, card.bank_status = CardStatus.NORMAL, BankStatus.NORMAL
    card.save(update_fields=["status", "bank_status"])
    page.get_by_role("button", name=words["get"]).click()
    code = page.locator("[data-ecard-expires]")
    expect(code).to_have_count(1)
    expect(page.locator(".ecard-qr svg")).to_be_visible()
    expect(page.locator(".ecard-status")).to_contain_text(card.number)
    expect(page.locator(".ecard-status")).to_contain_text(words["works"])
    expect(page.locator(".ecard-expiry")).to_contain_text(words["renewed"])
    assert_accessible(page, context=f"{language} e-card code")
    first = code.get_attribute("data-ecard-expires")

    expect(page.locator("[data-ecard-expires]")).not_to_have_attribute(
        "data-ecard-expires", str(first), timeout=8_000
    )
    expect(page.locator(".ecard-qr svg")).to_be_visible()
    assert page.evaluate("window.__csp") == []

    page.get_by_role("button", name=words["revoke"]).click()
    expect(page.locator(".messages")).to_contain_text(words["revoked"])
    expect(page.get_by_role("button", name=words["get"])).to_be_visible()
    assert ElectronicCard.objects.get().revoked_at is not None
