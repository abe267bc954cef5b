"""My records in real Chromium, on a phone, in Chinese and in English: the year's records with
the month without a record and the owed month in words, the chart and its table; the rights
summary; disputing the owed month from its line, refused first, then recorded. axe-core checks
every page on the way."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import expect

from sscard.records.models import Dispute
from tests.browser.conftest import assert_accessible
from tests.browser.test_content_security_policy import WATCH
from tests.browser.test_portal_flows import LANGUAGES, open_portal, sign_in, submit
from tests.factories import make_guardianship, make_person
from tests.portal_records_support import OWED_MONTH, YEAR, a_year_of_records, credit_code
from tests.portal_support import SmsGateway, fresh_rate_limits, sms_gateway

pytestmark = pytest.mark.django_db(transaction=True)

WORDS = {
    "zh-hans": {
        "nav": "我的权益记录",
        "pension": f"{YEAR} 年养老保险",
        "gap": "1 个月没有缴费记录：2025年4月。",
        "owed": "1 个月欠缴（尚未缴费）：2025年9月。",
        "no_record": "本月没有缴费记录",
        "rights": "权益汇总",
        "account": "养老保险个人账户",
        "dispute": "对本月提出异议",
        "say": "请说明这个月的记录哪里有误。",
        "recorded": "您的异议已登记",
        "checking": "核查中",
        "guardian": "您作为监护人查看这些记录",
    },
    "en": {
        "nav": "My records",
        "pension": f"Pension insurance in {YEAR}",
        "gap": "1 month without a record: April 2025.",
        "owed": "1 month owed (not paid): September 2025.",
        "no_record": "No record for this month",
        "rights": "Rights summary",
        "account": "Pension personal account",
        "dispute": "Dispute this month",
        "say": "Say what is wrong with this month's record.",
        "recorded": "Your dispute is recorded",
        "checking": "Being checked",
        "guardian": "you see these records as the guardian",
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
def test_my_records_the_rights_and_a_dispute(new_page, sms, language):
    me = make_person()
    a_year_of_records(me)
    words = WORDS[language]
    page = open_portal(new_page, language)
    page.add_init_script(WATCH)  # the Content-Security-Policy's refusals, if any
    sign_in(page, sms, me)

    page.locator("nav a[href='/records/']").click()
    page.wait_for_url("**/records/")
    page.locator(f".years a[href='?year={YEAR}']").click()
    page.wait_for_url(f"**/records/?year={YEAR}")
    pension = page.locator("section#ins-pension, section[aria-labelledby=ins-pension]")
    expect(pension.locator("h2")).to_have_text(words["pension"])
    expect(pension.locator(".note")).to_contain_text(words["gap"])
    expect(pension.locator(".note")).to_contain_text(words["owed"])
    expect(pension.locator("tr.gap")).to_contain_text(words["no_record"])
    expect(pension.locator("svg[role=img] title").first).to_be_attached()
    expect(pension.locator("svg[role=img] rect.mark")).to_have_count(1)
    assert_accessible(page, context=f"{language} records")
    assert page.evaluate("window.__csp || []") == []

    page.locator("nav.tabs a[href='/records/rights/']").click()
    page.wait_for_url("**/records/rights/")
    expect(page.locator("#pension-h")).to_have_text(words["account"])
    expect(page.locator("#months-pension td").first).to_have_text("10")
    assert_accessible(page, context=f"{language} rights")

    page.go_back()
    owed = pension.locator(f"tr[id='pension-{YEAR}-{OWED_MONTH:02d}-{credit_code(2)}'] a")
    expect(owed).to_contain_text(words["dispute"])
    owed.focus()
    page.keyboard.press("Enter")  # by keyboard
    page.wait_for_url("**/dispute/**")
    assert_accessible(page, context=f"{language} dispute form")
    submit(page)  # no reason: refused, next to the field and in the summary
    expect(page.locator(".error-summary")).to_be_focused()
    expect(page.locator("#id_reason-error")).to_contain_text(words["say"])
    assert_accessible(page, context=f"{language} dispute refused")
    assert not Dispute.objects.exists()
    page.locator("#id_reason").fill("我已缴费，记录却显示欠缴。")
    submit(page)

    page.wait_for_url("**/disputes/RD*/")
    expect(page.locator("h1")).to_have_text(words["recorded"])
    dispute = Dispute.objects.get()
    expect(page.locator(".confirmation")).to_contain_text(dispute.reference)
    assert_accessible(page, context=f"{language} dispute recorded")
    assert (dispute.channel, dispute.month.month) == ("web", OWED_MONTH)
    page.goto("/records/disputes/")
    expect(page.locator(".disputes li")).to_contain_text(words["checking"])
    assert_accessible(page, context=f"{language} disputes")


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_guardian_opens_a_wards_records(new_page, sms, language):
    parent = make_person()
    child = make_person(age=16)
    make_guardianship(guardian=parent, ward=child)
    a_year_of_records(child, insurances=("medical",))
    words = WORDS[language]
    page = open_portal(new_page, language)
    sign_in(page, sms, parent)

    page.goto("/records/")
    assert_accessible(page, context=f"{language} my records, none")
    page.locator(f".people a[href='/records/{child.reference}/']").click()
    page.wait_for_url(f"**/records/{child.reference}/")
    expect(page.locator(".lead")).to_contain_text(words["guardian"])
    page.goto(f"/records/{child.reference}/?year={YEAR}")
    expect(page.locator("section[aria-labelledby=ins-medical] tr.gap")).to_have_count(1)
    assert_accessible(page, context=f"{language} ward's records")
    page.goto(f"/records/{child.reference}/rights/")
    assert_accessible(page, context=f"{language} ward's rights")
