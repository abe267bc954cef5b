"""An authorised person's pages in real Chromium, on a phone, in Chinese and in English: a
citizen holding another person's written authorisation finds that person among whose records
they see, reads only the insurances it covers (no disputes: the holder disputes), never the
records of an authorisation already over, and no longer the holder's once it is withdrawn at a
window. axe-core checks every page on the way."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import expect

from sscard.common import clock
from sscard.records.services import end_authorisation
from tests.browser.conftest import assert_accessible
from tests.browser.test_content_security_policy import WATCH
from tests.browser.test_portal_flows import LANGUAGES, open_portal, sign_in
from tests.factories import make_person
from tests.portal_records_support import WINDOW, YEAR, a_year_of_records, authorise
from tests.portal_support import SmsGateway, fresh_rate_limits, sms_gateway

pytestmark = pytest.mark.django_db(transaction=True)

WORDS = {
    "zh-hans": {
        "whose": "查看谁的记录",
        "own": "本人",
        "authorised": "书面授权您查询其养老保险记录",
        "pension": f"{YEAR} 年养老保险",
        "account": "养老保险个人账户",
        "not_found": "这些记录可能不存在，或者您无权查看",
    },
    "en": {
        "whose": "Whose records",
        "own": "Your own",
        "authorised": "authorised you in writing to see these records of Pension insurance",
        "pension": f"Pension insurance in {YEAR}",
        "account": "Pension personal account",
        "not_found": "These records may not exist, or they are not ones you can see",
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
def test_an_authorised_person_sees_what_the_authorisation_covers_while_it_runs(
    new_page, sms, language
):
    words = WORDS[language]
    friend = make_person()
    holder = make_person()
    a_year_of_records(holder)  # pension and medical
    today = clock.today()
    running = authorise(
        holder,
        friend,
        insurances=("pension",),
        starts_on=today,
        ends_on=today + dt.timedelta(days=90),
    )
    former = make_person()
    a_year_of_records(former)
    with clock.frozen_at(clock.now() - dt.timedelta(days=120)):  # recorded then, over since
        authorise(
            former,
            friend,
            insurances=("pension", "medical"),
            starts_on=today - dt.timedelta(days=120),
            ends_on=today - dt.timedelta(days=30),
        )

    page = open_portal(new_page, language)
    page.add_init_script(WATCH)  # the Content-Security-Policy's refusals, if any
    sign_in(page, sms, friend)

    # Whose records: one's own and the holder's; the authorisation that is over gives nothing.
    page.goto("/records/")
    people = page.get_by_role("navigation", name=words["whose"])
    expect(people.locator("a")).to_have_count(2)
    expect(people.locator("a").first).to_have_text(words["own"])
    expect(people.locator(f"a[href='/records/{former.reference}/']")).to_have_count(0)
    assert_accessible(page, context=f"{language} whose records")
    people.locator(f"a[href='/records/{holder.reference}/']").click()
    page.wait_for_url(f"**/records/{holder.reference}/")
    expect(page.locator(".lead")).to_contain_text(words["authorised"])
    expect(page.locator(".lead")).not_to_contain_text(holder.social_security_number)

    # The pension it covers, not the medical it does not; nothing to dispute.
    page.goto(f"/records/{holder.reference}/?year={YEAR}")
    pension = page.locator("section[aria-labelledby=ins-pension]")
    expect(pension.locator("h2")).to_have_text(words["pension"])
    expect(page.locator("section[aria-labelledby=ins-medical]")).to_have_count(0)
    expect(page.locator("main a[href*='/dispute/']")).to_have_count(0)
    expect(page.locator(f"nav.tabs a[href='/records/{holder.reference}/disputes/']")).to_have_count(
        0
    )
    assert_accessible(page, context=f"{language} authorised records")
    page.locator(f"nav.tabs a[href='/records/{holder.reference}/rights/']").click()
    page.wait_for_url(f"**/records/{holder.reference}/rights/")
    expect(page.locator("#pension-h")).to_have_text(words["account"])
    expect(page.locator("#medical-account")).to_have_count(0)
    assert_accessible(page, context=f"{language} authorised rights")
    assert page.evaluate("window.__csp || []") == []

    # The records of the authorisation that is over: the same "not found" as for nobody.
    answer = page.goto(f"/records/{former.reference}/?year={YEAR}")
    assert answer is not None and answer.status == 404
    expect(page.locator("main")).to_contain_text(words["not_found"])
    expect(page.locator("section[aria-labelledby=ins-pension]")).to_have_count(0)
    assert_accessible(page, context=f"{language} authorisation over")

    # The holder withdraws it at a window: from then on the friend reads nothing of theirs.
    end_authorisation(actor=WINDOW, reference=running.reference)
    answer = page.goto(f"/records/{holder.reference}/?year={YEAR}")
    assert answer is not None and answer.status == 404
    expect(page.locator("main")).to_contain_text(words["not_found"])
    expect(page.locator("section[aria-labelledby=ins-pension]")).to_have_count(0)
    answer = page.goto(f"/records/{holder.reference}/rights/")
    assert answer is not None and answer.status == 404
    page.goto("/records/")
    expect(page.locator(f"a[href='/records/{holder.reference}/']")).to_have_count(0)
    assert_accessible(page, context=f"{language} authorisation withdrawn")
