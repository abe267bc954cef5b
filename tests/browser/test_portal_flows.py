"""The citizen portal in real Chromium, on a phone, in Chinese (the default) and in English.

Each seed's person gets it done here: someone who just lost a card, a parent whose child lost
one, someone who found the card again, someone waiting for the new card. Codes are read from
the texts the local SMS gateway received. axe-core checks every page on the way.
"""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from sscard.audit.models import AuditEvent
from sscard.cards.models import CardStatus, LossReport, LossStatus
from sscard.outlets.models import OutletType, Service
from sscard.policy.models import LapseAction, ValidityUnit
from tests.browser.conftest import assert_accessible
from tests.factories import make_outlet, make_policy
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
LANGUAGES = ["zh-hans", "en"]
WORDS = {
    "zh-hans": {
        "html": "zh-Hans",
        "signed_in": "您已登录。",
        "blocked": "已挂失",
        "works": "正常",
        "blocked_until": "停用到",
        "lifted": "已解除挂失",
        "ready": "新卡已制好，可以领取了。",
        "fee30": "30.00 元",
        "working_days_10": "约 10 个工作日",
        "child_docs": "孩子的身份证或户口簿",
        "own_id": "您本人的身份证",
        "age": "孩子未满 16 周岁时",
        "law": "《中华人民共和国社会保险法》第四条",
        "nearest": "离您最近的排在前面",
        "open_now": "正在营业",
        "tick": "请勾选，确认卡片已丢失。",
        "plan": "列表中各地点的示意图",
    },
    "en": {
        "html": "en",
        "signed_in": "You are signed in.",
        "blocked": "Blocked: reported lost",
        "works": "Works",
        "blocked_until": "is blocked until",
        "lifted": "The loss report is cancelled",
        "ready": "The card is ready to collect.",
        "fee30": "30.00 yuan",
        "working_days_10": "About 10 working days",
        "child_docs": "The child's ID card or the household registration book (hukou)",
        "own_id": "Your own ID card",
        "age": "Until the age of 16",
        "law": "Social Insurance Law of the People's Republic of China, Article 4",
        "nearest": "nearest first from your location",
        "open_now": "Open now",
        "tick": "Tick the box to confirm that the card is lost.",
        "plan": "Plan of the places on the list",
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


def open_portal(new_page: Any, language: str) -> Page:
    """The front page on a phone whose browser asks for English: Chinese unless switched."""
    page: Page = new_page(locale="en-US", mobile=True)
    page.goto("/")
    expect(page.locator("html")).to_have_attribute("lang", "zh-Hans")
    if language == "en":
        page.get_by_role("button", name="English").click()
        expect(page.locator("html")).to_have_attribute("lang", "en")
    return page


def submit(page: Page) -> None:
    page.locator("main form button[type=submit]").first.click()


def sign_in(page: Page, sms: SmsGateway, person: Any, *, check: bool = False) -> None:
    """From a page that sent the person to sign in (or the menu), through the SMS code."""
    if "/sign-in/" not in page.url:
        page.locator("nav a[href^='/sign-in/']").click()
    if check:
        assert_accessible(page, context="sign-in")
    texts = len(sms.received(person.phone))
    page.locator("#id_social_security_number").fill(person.social_security_number)
    page.locator("#id_phone").fill(person.phone)
    submit(page)
    page.wait_for_url("**/sign-in/code/")
    if check:
        assert_accessible(page, context="code")
    page.locator("#id_code").fill(sms.code_for(person.phone, after=texts))
    submit(page)
    page.wait_for_url("**/cards/**")


def card_article(page: Page, card: Any) -> Any:
    return page.locator(f"#card-{card.number}")


@pytest.mark.parametrize("language", LANGUAGES)
def test_sign_in(new_page, sms, language):
    person, card = citizen()
    page = open_portal(new_page, language)
    assert_accessible(page, context="home")

    page.locator(".tile-urgent").click()
    page.wait_for_url("**/sign-in/?next=**")
    sign_in(page, sms, person, check=True)

    words = WORDS[language]
    expect(page.locator(".message")).to_have_text(words["signed_in"])
    expect(card_article(page, card).locator(".pill")).to_have_text(words["works"])
    expect(page.locator("html")).to_have_attribute("lang", words["html"])
    assert_accessible(page, context="my cards")
    assert AuditEvent.objects.filter(action="person.signed_in", channel="web").count() == 1


@pytest.mark.parametrize("language", LANGUAGES)
def test_report_a_loss_for_oneself(new_page, sms, language):
    person, card = citizen()
    words = WORDS[language]
    page = open_portal(new_page, language)
    sign_in(page, sms, person)

    card_article(page, card).locator(f"a[href='/cards/{card.number}/report/']").click()
    page.wait_for_url(f"**/cards/{card.number}/report/")
    assert_accessible(page, context="report")
    submit(page)  # not ticked: refused, next to the field and in the summary
    expect(page.locator(".error-summary")).to_be_focused()
    expect(page.locator("#id_confirm-error")).to_contain_text(words["tick"])
    assert_accessible(page, context="report refused")
    page.locator("label[for=id_confirm]").click()
    submit(page)

    page.wait_for_url("**/cards/**")
    expect(page.locator(".message")).to_contain_text(words["blocked_until"])
    expect(card_article(page, card).locator(".pill")).to_have_text(words["blocked"])
    assert_accessible(page, context="blocked")
    card.refresh_from_db()
    assert card.status == CardStatus.TEMPORARILY_LOST
    report = LossReport.objects.get(card=card)
    assert (report.channel, report.reporter_relation) == ("web", "self")


@pytest.mark.parametrize("language", LANGUAGES)
def test_report_for_a_child_as_guardian(new_page, sms, language):
    parent, parent_card, _child, child_card = family()
    words = WORDS[language]
    page = open_portal(new_page, language)
    sign_in(page, sms, parent)

    expect(page.locator(".overview li")).to_have_count(2)
    page.locator(f".overview a[href='#card-{child_card.number}']").click()
    card_article(page, child_card).locator("a.button-urgent").click()
    page.wait_for_url(f"**/cards/{child_card.number}/report/")
    page.locator("label[for=id_confirm]").click()
    submit(page)

    page.wait_for_url("**/cards/**")
    expect(card_article(page, child_card).locator(".pill")).to_have_text(words["blocked"])
    expect(card_article(page, parent_card).locator(".pill")).to_have_text(words["works"])
    assert_accessible(page, context="child blocked")
    report = LossReport.objects.get(card=child_card)
    assert (report.reporter_id, report.reporter_relation, report.channel) == (
        parent.pk,
        "guardian",
        "web",
    )


@pytest.mark.parametrize("language", LANGUAGES)
def test_lift_a_report_when_the_card_is_found(new_page, sms, language):
    person, card = citizen()
    reported_temporarily(card)
    words = WORDS[language]
    page = open_portal(new_page, language)
    sign_in(page, sms, person)

    expect(card_article(page, card).locator(".pill")).to_have_text(words["blocked"])
    card_article(page, card).locator(f"a[href='/cards/{card.number}/found/']").click()
    page.wait_for_url(f"**/cards/{card.number}/found/")
    assert_accessible(page, context="found")
    page.locator("main form button[name=send]").click()
    page.wait_for_url(f"**/cards/{card.number}/found/")
    page.locator("#id_code").fill(sms.code_for(person.phone, after=1))
    assert_accessible(page, context="confirm code")
    page.locator("main form button[name=lift]").click()

    page.wait_for_url("**/cards/**")
    expect(page.locator(".message")).to_contain_text(words["lifted"])
    expect(card_article(page, card).locator(".pill")).to_have_text(words["works"])
    card.refresh_from_db()
    assert card.status == CardStatus.NORMAL
    assert LossReport.objects.get(card=card).status == LossStatus.LIFTED
    assert AuditEvent.objects.filter(action="loss_report.lifted", channel="web").exists()


@pytest.mark.parametrize("language", LANGUAGES)
def test_follow_an_application_and_download_its_receipt(new_page, sms, language, tmp_path):
    person, card = citizen()
    app = reissue_ready_for_collection(card)
    words = WORDS[language]
    page = open_portal(new_page, language)
    sign_in(page, sms, person)

    page.locator(f"a[href='/applications/{app.number}/']").first.click()
    page.wait_for_url(f"**/applications/{app.number}/")
    expect(page.locator(".now .big")).to_have_text(words["ready"])
    expect(page.locator(".timeline .step-done")).to_have_count(4)
    expect(page.locator(".timeline .step-current")).to_have_count(1)
    assert app.collection_outlet is not None
    expect(page.locator(".now")).to_contain_text(app.collection_outlet.name)
    assert_accessible(page, context="application")
    with page.expect_download() as download:
        page.locator(f"a[href='/applications/{app.number}/receipt.pdf']").click()
    saved = Path(tmp_path) / download.value.suggested_filename
    download.value.save_as(saved)

    assert download.value.suggested_filename == f"receipt-{app.receipt_number}.pdf"
    assert saved.read_bytes().startswith(b"%PDF")


@pytest.fixture
def outlets() -> dict[str, Any]:
    """Three places around Tianhe: the nearest is a terminal open round the clock."""
    return {
        "agency": make_outlet(
            code="SI0001", name="天河区社会保险基金管理中心", lat=23.1245, lon=113.3480
        ),
        "terminal": make_outlet(
            code="KS0001",
            name="天河区政务服务中心24小时自助服务区",
            type=OutletType.SELF_SERVICE_TERMINAL,
            services=[Service.TEMPORARY_LOSS_REPORT, Service.INQUIRY],
            lat=23.1300,
            lon=113.3610,
        ),
        "far": make_outlet(
            code="SI0002",
            name="海珠区社会保险基金管理中心",
            region_code="440105",
            lat=23.1002,
            lon=113.2728,
        ),
    }


@pytest.mark.parametrize("language", LANGUAGES)
def test_find_an_outlet(new_page, language, outlets):
    words = WORDS[language]
    page = open_portal(new_page, language)
    page.context.grant_permissions(["geolocation"])
    page.context.set_geolocation({"latitude": 23.1302, "longitude": 113.3605})

    page.locator("nav a[href='/outlets/']").click()
    page.wait_for_url("**/outlets/")
    assert_accessible(page, context="outlets")
    page.locator("#id_region").select_option("440105")  # htmx swaps the list in place
    expect(page.locator(".outlet")).to_have_count(1)
    expect(page.locator(".outlet h3")).to_contain_text("海珠区")
    page.locator("#id_region").select_option("")
    expect(page.locator(".outlet")).to_have_count(3)
    page.locator(".js-locate").click()

    page.wait_for_url("**near=**")
    expect(page.locator("#results-title")).to_contain_text(words["nearest"])
    codes = page.locator(".outlet").evaluate_all("items => items.map(i => i.id)")
    assert codes == ["outlet-KS0001", "outlet-SI0001", "outlet-SI0002"]
    expect(page.locator("#outlet-KS0001 .pill-open")).to_have_text(words["open_now"])
    expect(page.get_by_role("img", name=words["plan"])).to_be_visible()
    page.locator("#id_service").select_option("reissue")
    expect(page.locator(".outlet")).to_have_count(2)
    assert_accessible(page, context="outlets near")


@pytest.fixture
def tianhe() -> None:
    make_policy(
        region_prefix="440106",
        temporary_validity=3,
        temporary_validity_unit=ValidityUnit.WORKING_DAYS,
        on_temporary_lapse=LapseAction.CANCEL,
        reissue_fee=Decimal("30.00"),
        batch_production_working_days=10,
    )
    make_outlet(code="SI0001", name="天河区社会保险基金管理中心")


def answer_guide(page: Page, *, who: str, what: str, bank: str, region: str) -> None:
    for name, value in (("who", who), ("what", what), ("bank", bank)):
        page.locator(f"input[name={name}][value={value}]").check()
    page.locator("#id_region").select_option(region)


@pytest.mark.parametrize("language", LANGUAGES)
def test_reissue_guide_for_an_adult(new_page, language, tianhe):
    words = WORDS[language]
    page = open_portal(new_page, language)
    page.locator(".tiles a[href='/guide/']").click()
    page.wait_for_url("**/guide/")
    assert_accessible(page, context="guide")

    answer_guide(page, who="adult", what="lost", bank="yes", region="440106")

    answer = page.locator("#answer")
    expect(answer.locator(".glance")).to_contain_text(words["fee30"])
    expect(answer.locator(".glance")).to_contain_text(words["working_days_10"])
    expect(answer).to_contain_text("天河区社会保险基金管理中心")
    expect(answer.locator(".glance")).not_to_contain_text(words["child_docs"])
    page.locator(".legal summary").click()
    expect(answer.locator(".legal")).to_contain_text(words["law"])
    assert "region=440106" in page.url  # the answer has an address of its own
    assert_accessible(page, context="guide answered")


@pytest.mark.parametrize("language", LANGUAGES)
def test_reissue_guide_for_a_child(new_page, language, tianhe):
    words = WORDS[language]
    page = open_portal(new_page, language)
    page.locator("nav a[href='/guide/']").click()
    submit(page)  # nothing answered: each question says so
    expect(page.locator(".error-summary li")).to_have_count(3)
    assert_accessible(page, context="guide refused")

    answer_guide(page, who="child", what="lost", bank="unsure", region="")

    glance = page.locator("#answer .glance")
    expect(glance).to_contain_text(words["child_docs"])
    expect(glance).to_contain_text(words["own_id"])
    expect(page.locator("#answer .note")).to_contain_text(words["age"])
    assert_accessible(page, context="guide child")
