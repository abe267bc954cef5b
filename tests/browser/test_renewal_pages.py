"""Renewing a card that expires soon on the portal, and the supervisor's panel of cards expiring
by district, in real Chromium, in Chinese and in English; axe-core checks every page."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from sscard.applications.models import CardApplication
from sscard.common import clock
from tests.browser.conftest import assert_accessible
from tests.browser.console_steps import check, sign_in
from tests.console_support import build_world
from tests.factories import BankOutletFactory, make_card, make_person
from tests.portal_support import SmsGateway, fresh_rate_limits, sms_gateway

pytestmark = pytest.mark.django_db(transaction=True)

WORDS = {
    "zh-hans": {
        "offer": "现在可以在网上办理换卡",
        "title": "到期换卡",
        "pick": "请选择领取新卡的网点。",
        "done": "新卡已申请",
        "early": "现在换卡还太早",
    },
    "en": {
        "offer": "You can renew it online now.",
        "title": "Renew card",
        "pick": "Choose where to pick up the new card.",
        "done": "Your new card is applied for",
        "early": "It is too early to renew this card",
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


def portal_signed_in(new_page: Any, sms: SmsGateway, person: Any, language: str) -> Page:
    page: Page = new_page(locale="en-US", mobile=True)
    page.goto("/")
    if language == "en":
        page.get_by_role("button", name="English").click()
        expect(page.locator("html")).to_have_attribute("lang", "en")
    page.goto("/sign-in/")
    texts = len(sms.received(person.phone))
    page.locator("#id_social_security_number").fill(person.social_security_number)
    page.locator("#id_phone").fill(person.phone)
    page.locator("main form button[type=submit]").first.click()
    page.wait_for_url("**/sign-in/code/")
    page.locator("#id_code").fill(sms.code_for(person.phone, after=texts))
    page.locator("main form button[type=submit]").first.click()
    page.wait_for_url("**/cards/**")
    return page


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_a_holder_renews_a_card_that_expires_soon(new_page, sms, language):
    words = WORDS[language]
    holder = make_person()
    card = make_card(person=holder, expires_on=clock.today() + dt.timedelta(days=45))
    outlet = BankOutletFactory.create(code="BK0201", bank=card.bank, name="工商银行体育西支行")
    page = portal_signed_in(new_page, sms, holder, language)

    article = page.locator(f"#card-{card.number}")
    expect(article).to_contain_text(words["offer"])
    assert_accessible(page, context="cards")
    article.locator(f"a[href='/cards/{card.number}/renew/']").click()
    page.wait_for_url(f"**/cards/{card.number}/renew/")
    expect(page.locator("h1")).to_contain_text(words["title"])
    assert_accessible(page, context="renew")

    page.locator("#id_delivery_0").check()
    page.locator("main form button[type=submit]").click()
    expect(page.locator("#id_outlet-error")).to_contain_text(words["pick"])
    assert_accessible(page, context="renew-refused")
    assert not CardApplication.objects.exists()

    page.locator("#id_outlet").select_option(outlet.code)
    page.locator("main form button[type=submit]").click()
    page.wait_for_url("**/applications/**")
    expect(page.locator(".message")).to_contain_text(words["done"])
    assert_accessible(page, context="application")
    app = CardApplication.objects.get(person=holder)
    assert (app.reason, app.channel, app.collection_outlet_id) == ("expired", "web", outlet.pk)


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_too_early_the_page_says_from_when(new_page, sms, language):
    holder = make_person()
    card = make_card(person=holder, expires_on=clock.today() + dt.timedelta(days=200))
    page = portal_signed_in(new_page, sms, holder, language)

    page.goto(f"/cards/{card.number}/renew/")

    expect(page.locator("main")).to_contain_text(WORDS[language]["early"])
    expect(page.locator("main form")).to_have_count(0)
    assert_accessible(page, context="renew-early")


@pytest.mark.parametrize(
    ("language", "heading", "total"),
    [
        ("zh-hans", "未来90天内到期的卡（按区县）", "合计"),
        ("en", "Cards expiring in the next 90 days, by district", "Total"),
    ],
)
def test_the_supervisor_sees_cards_expiring_by_district(
    new_page, live_server, language, heading, total
):
    build_world(passwords=True)
    for days, region in ((5, "440106"), (40, "440106"), (70, "440104")):
        make_card(issuing_region_code=region, expires_on=clock.today() + dt.timedelta(days=days))
    page: Page = new_page(locale="zh-CN", mobile=False)
    page.context.add_cookies(
        [{"name": "sscard_language", "value": language, "url": live_server.url}]
    )
    sign_in(page, "supervisor")

    page.click("nav.side a[href='/console/dashboard/']")

    panel = page.locator("#expiring")
    expect(panel.locator("h2")).to_have_text(heading)
    expect(panel.locator("thead")).to_contain_text(total)
    expect(panel.locator("tbody tr")).to_have_count(2)
    expect(panel.locator("tbody tr").first).to_contain_text("天河区")
    expect(panel.locator("tbody tr").first.locator("td")).to_have_text(["1", "1", "0", "2"])
    expect(panel.locator("tbody tr").nth(1)).to_contain_text("越秀区")
    check(page, f"dashboard-expiring-{language}")
