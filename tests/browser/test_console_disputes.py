"""Disputes at the window and answered disputes, in real Chromium, in Chinese and in English: a
window clerk disputes a month's record for the person in front of them from the records page
(refused first for a month without a record and for a month already disputed, then opened); an
answered dispute opens read only from the queue's answered view, in the console and on the
citizen's portal. axe-core checks every page on the way."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import expect

from sscard.audit.services import verify_chain
from sscard.common import clock
from sscard.common.context import Actor, Channel, Role
from sscard.records.models import ContributionRecord, Dispute
from sscard.records.services import Correction, answer_dispute
from tests.browser.conftest import assert_accessible
from tests.browser.console_steps import check, message, review_and_confirm, sign_in
from tests.browser.test_console_records import _setting
from tests.browser.test_portal_flows import open_portal
from tests.browser.test_portal_flows import sign_in as portal_sign_in
from tests.console_support import build_world
from tests.portal_support import SmsGateway, fresh_rate_limits, sms_gateway
from tests.records_support import credit_code

pytestmark = pytest.mark.django_db(transaction=True)

WORDS = {
    "zh-CN": {
        "no_record": "本人该月没有此险种的记录",
        "already": "已有待答复的异议",
        "opened": "已登记",
        "read_only": "本页仅供查看",
        "answered_by": "答复人",
        "corrected": "经核查，已更正",
        "version": "第 2 版",
        "portal_version": "该月记录现为第 2 版",
    },
    "en": {
        "no_record": "no record of this insurance in this month",
        "already": "already disputed",
        "opened": "is opened",
        "read_only": "read only",
        "answered_by": "Answered by",
        "corrected": "checked and corrected",
        "version": "version 2",
        "portal_version": "now stands as version 2",
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


def _to_english(page: Any) -> None:
    page.click("header form.language button")
    expect(page.locator("html")).to_have_attribute("lang", "en")


@pytest.mark.parametrize("language", ["zh-CN", "en"])
def test_a_window_clerk_disputes_a_months_record_for_the_person(new_page, language) -> None:
    world = build_world(passwords=True)
    person, march = _setting(world)  # January paid, February a gap, March owed and disputed
    year = clock.today().year
    words = WORDS[language]
    page = new_page(locale="zh-CN", mobile=False)
    sign_in(page, "window-clerk")
    page.goto(f"/console/people/{person.reference}/records/?year={year}")
    if language == "en":
        _to_english(page)
    check(page, f"records-{language}")

    # February has no record: refused, next to the month and in the summary.
    open_url = f"/console/people/{person.reference}/records/disputes/open/"
    page.click(f"#disputes-h ~ .buttons a[href='{open_url}']")
    check(page, f"window-dispute-form-{language}")
    page.select_option("#id_insurance", "pension")
    page.fill("#id_month", f"{year}-02")
    page.fill("#id_reason", "二月在职，却没有记录。")
    page.click("form.form button.primary")
    expect(page.locator(".error-summary")).to_contain_text(words["no_record"])
    check(page, f"window-dispute-no-record-{language}")

    # March is already disputed: refused with the open dispute's reference.
    page.fill("#id_month", f"{year}-03")
    page.click("form.form button.primary")
    expect(page.locator(".error-summary")).to_contain_text(words["already"])
    expect(page.locator(".error-summary")).to_contain_text(march.reference)
    check(page, f"window-dispute-already-{language}")
    assert Dispute.objects.count() == 1

    # January, from its row on the records page.
    page.goto(f"/console/people/{person.reference}/records/?year={year}")
    january = page.locator(
        f"a[href='/console/people/{person.reference}/records/disputes/open/"
        f"?insurance=pension&month={year}-01&employer={credit_code(1)}']"
    )
    january.click()
    expect(page.locator("#id_month")).to_have_value(f"{year}-01")
    page.fill("#id_reason", "一月基数不对。")
    review_and_confirm(page, f"window-dispute-{language}")
    assert words["opened"] in message(page)
    opened = Dispute.objects.exclude(pk=march.pk).get()
    assert (opened.channel, opened.outlet) == (Channel.WINDOW, world.agency)
    expect(page.locator("section[aria-labelledby=disputes-h]")).to_contain_text(opened.reference)
    check(page, f"records-after-window-dispute-{language}")
    assert verify_chain().ok


@pytest.mark.parametrize("language", ["zh-CN", "en"])
def test_an_answered_dispute_reads_only_in_the_console_and_on_the_portal(
    new_page, sms, language
) -> None:
    world = build_world(passwords=True)
    person, dispute = _setting(world)
    march = ContributionRecord.objects.get(person=person, month=dispute.month)
    supervisor = Actor(
        kind="staff", id="supervisor", role=Role.SUPERVISOR, channel=Channel.WINDOW,
        outlet_code=world.bureau.code,
    )  # fmt: skip
    answer_dispute(
        actor=supervisor,
        reference=dispute.reference,
        status="corrected",
        answer="经核查，单位已补缴，记录已更正。",
        correction=Correction(
            record_id=march.pk, base=str(march.base), employer_amount=str(march.employer_amount),
            individual_amount=str(march.individual_amount), status="back_paid",
            paid_on=clock.today().isoformat(),
        ),
    )  # fmt: skip
    words = WORDS[language]
    page = new_page(locale="zh-CN", mobile=False)
    sign_in(page, "window-clerk")
    page.goto("/console/disputes/?view=answered")
    if language == "en":
        _to_english(page)
    check(page, f"disputes-answered-{language}")
    page.click(f"a[href='/console/disputes/{dispute.reference}/answered/']")
    expect(page.locator("h1")).to_contain_text(dispute.reference)
    body = page.locator("main")
    expect(body).to_contain_text(words["read_only"])
    expect(body).to_contain_text("经核查，单位已补缴，记录已更正。")
    expect(body).to_contain_text(words["answered_by"])
    expect(body).to_contain_text("supervisor")
    expect(body).to_contain_text(words["corrected"])
    expect(body).to_contain_text(words["version"])
    expect(page.locator("main form")).to_have_count(0)  # nothing to change here
    check(page, f"dispute-answered-{language}")

    # The citizen reads the answer of their dispute on the portal.
    portal_language = "zh-hans" if language == "zh-CN" else "en"
    citizen = open_portal(new_page, portal_language)
    portal_sign_in(citizen, sms, person)
    citizen.goto(f"/disputes/{dispute.reference}/")
    expect(citizen.locator("main")).to_contain_text("经核查，单位已补缴，记录已更正。")
    expect(citizen.locator("main")).to_contain_text(words["portal_version"])
    assert_accessible(citizen, context=f"{portal_language} answered dispute")
