"""The self-service terminal in real Chromium: a portrait touch screen (1080×1920), in Chinese
(the default) and in English (the button). Staff enrol it once; a holder identifies with the ID
card reader (which types into the focused field, then Enter) or the card number and PIN on the
on-screen pad, and does each of the terminal's functions. axe-core checks every screen, the
Content-Security-Policy is never broken, every target is at least 48 px, and an idle session
ends by itself with nothing left to go back to."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from django.urls import reverse
from playwright.sync_api import Browser, Page, expect

from sscard.applications.models import ApplicationStatus, CardApplication
from sscard.cards.models import CardStatus, LossReport
from sscard.cards.pins import pin_matches
from tests.browser.conftest import assert_accessible
from tests.factories import make_card, make_guardianship, make_outlet
from tests.kiosk_support import PIN, Terminal, holder_with_card, make_terminal
from tests.portal_records_support import YEAR, a_year_of_records
from tests.test_kiosk import formal_report

pytestmark = pytest.mark.django_db(transaction=True)
LANGUAGES = ["zh-hans", "en"]
WORDS = {
    "zh-hans": {
        "html": "zh-Hans",
        "start_id": "使用身份证开始",
        "start_card": "使用社会保障卡和密码开始",
        "continue": "继续",
        "report": "挂失",
        "blocked": "卡片已停用",
        "status": "卡片状态和申请进度",
        "pin": "修改密码",
        "changed": "密码已修改",
        "new_card": "在此补制新卡",
        "where": "补卡：去哪里办理",
        "make": "立即制作新卡",
        "made": "新卡已制作完成",
        "records": "我的权益记录和年度对账单",
        "owed": "欠缴",
        "still_there": "您还在吗？",
        "not_set_up": "本终端尚未设置",
        "set_up": "设置本终端",
        "print": "打印回执",
        "cannot_make": "本终端不能制卡。",
    },
    "en": {
        "html": "en",
        "start_id": "Start with your ID card",
        "start_card": "Start with your social security card and PIN",
        "continue": "Continue",
        "report": "Report a lost card",
        "blocked": "The card is blocked",
        "status": "Card status and application progress",
        "pin": "Change the PIN",
        "changed": "is changed",
        "new_card": "Get a new card made here",
        "where": "Get a new card: where to go",
        "make": "Make my new card now",
        "made": "Your new card is made",
        "records": "My records and yearly statement",
        "owed": "Owed: not paid",
        "still_there": "Are you still there?",
        "not_set_up": "This terminal is not set up",
        "set_up": "Set up this terminal",
        "print": "Print a receipt",
        "cannot_make": "This terminal cannot make cards.",
    },
}

WATCH = """
window.__csp = [];
document.addEventListener('securitypolicyviolation', (e) => window.__csp.push(
  `${e.effectiveDirective} blocked ${e.blockedURI || 'inline'}`));
window.__printed = 0;
window.print = () => { window.__printed += 1; };
"""

SMALL_TARGETS = """
() => Array.from(document.querySelectorAll('button, a, input'))
  .filter((e) => e.offsetParent !== null && e.type !== 'hidden')
  .map((e) => [e.textContent.trim() || e.name || e.id, e.getBoundingClientRect()])
  .filter(([, r]) => r.width < 48 || r.height < 48)
  .map(([name, r]) => `${name}: ${Math.round(r.width)}x${Math.round(r.height)}`)
"""


@pytest.fixture
def screen(browser: Browser, live_server: Any) -> Iterator[Any]:
    """screen() -> a fresh portrait touch screen on the live server."""
    contexts = []

    def make() -> Page:
        context = browser.new_context(
            base_url=live_server.url,
            locale="zh-CN",
            viewport={"width": 1080, "height": 1920},
            has_touch=True,
        )
        context.set_default_timeout(10_000)
        context.add_init_script(WATCH)
        contexts.append(context)
        return context.new_page()

    yield make
    for context in contexts:
        context.close()


def follow(page: Page, link: Any) -> None:
    """Click a link and wait for its page: a check run while the old page is being replaced
    finds no document."""
    with page.expect_navigation():
        link.click()


def check(page: Page, where: str) -> None:
    """axe-core, the policy, the size of every target, and 12333 on the screen."""
    assert_accessible(page, context=where)
    assert page.evaluate("window.__csp") == [], where
    assert page.evaluate(SMALL_TARGETS) == [], where
    expect(page.locator("footer .tel")).to_have_text("12333")


def enrol(screen: Any, terminal: Terminal, language: str) -> Page:
    """Staff open the enrolment address once on the terminal; then the language is chosen."""
    page: Page = screen()
    page.goto("/kiosk/")
    expect(page.locator("h1")).to_have_text(WORDS["zh-hans"]["not_set_up"])
    page.goto(reverse("kiosk:enrol", args=[terminal.code]))
    page.get_by_role("button", name=WORDS["zh-hans"]["set_up"]).click()
    page.wait_for_url("**/kiosk/")
    expect(page.locator("html")).to_have_attribute("lang", "zh-Hans")
    if language == "en":
        page.get_by_role("button", name="English").click()
        expect(page.locator("html")).to_have_attribute("lang", "en")
    return page


def read_id_card(page: Page, person: Any, words: dict[str, str]) -> None:
    """The reader types the ID number and the name into the focused field, then Enter."""
    page.get_by_role("link", name=words["start_id"]).click()
    page.wait_for_url("**/kiosk/id-card/")
    expect(page.locator("#reading")).to_be_focused()
    page.keyboard.type(f"{person.social_security_number} {person.name}")
    page.keyboard.press("Enter")
    page.wait_for_url("**/kiosk/menu/")


def tap(page: Page, keys: str) -> None:
    for key in keys:
        page.locator(f"main .key[data-key='{key}']").first.tap()


def card_and_pin(page: Page, card: Any, words: dict[str, str]) -> None:
    """Typed on the on-screen pad: the card number (letters and digits), then the PIN."""
    page.get_by_role("link", name=words["start_card"]).click()
    page.wait_for_url("**/kiosk/card/")
    tap(page, card.number)  # the field moves on by itself once the card number is full
    expect(page.locator("#pin")).to_be_focused()
    tap(page, PIN)
    page.locator("main form button[type=submit]").click()
    page.wait_for_url("**/kiosk/menu/")


@pytest.mark.parametrize("language", LANGUAGES)
def test_report_a_lost_card_with_the_id_card_and_print_the_receipt(screen, language):
    words = WORDS[language]
    terminal = make_terminal()
    person, card = holder_with_card()
    page = enrol(screen, terminal, language)
    check(page, "start")
    follow(page, page.get_by_role("link", name=words["start_id"]))
    check(page, "id card")
    page.go_back()
    read_id_card(page, person, words)
    expect(page.locator("html")).to_have_attribute("lang", words["html"])
    check(page, "menu")

    follow(page, page.get_by_role("link", name=words["report"]))
    check(page, "report")
    page.locator(f"form[action='/kiosk/report/{card.number}/'] button").click()
    expect(page.locator("h1")).to_have_text(words["blocked"])
    check(page, "reported")
    report = LossReport.objects.get(card=card)
    expect(page.locator(".reference")).to_have_text(report.reference)
    assert report.channel == "kiosk"

    page.get_by_role("button", name=words["print"]).click()
    assert page.evaluate("window.__printed") == 1
    page.emulate_media(media="print")
    expect(page.locator(".print-actions")).to_be_hidden()
    expect(page.locator("footer")).to_be_hidden()
    expect(page.locator(".receipt")).to_be_visible()


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_guardian_reports_a_wards_card(screen, language):
    words = WORDS[language]
    terminal = make_terminal()
    guardian, _ = holder_with_card()
    ward_card = make_card(person=make_guardianship(guardian=guardian).ward)
    page = enrol(screen, terminal, language)
    read_id_card(page, guardian, words)
    page.get_by_role("link", name=words["report"]).click()
    page.locator(f"form[action='/kiosk/report/{ward_card.number}/'] button").click()
    expect(page.locator("h1")).to_have_text(words["blocked"])
    ward_card.refresh_from_db()
    assert ward_card.status == CardStatus.TEMPORARILY_LOST


@pytest.mark.parametrize("language", LANGUAGES)
def test_card_and_pin_on_the_pad_then_change_the_pin(screen, language):
    words = WORDS[language]
    terminal = make_terminal()
    _, card = holder_with_card()
    page = enrol(screen, terminal, language)
    follow(page, page.get_by_role("link", name=words["start_card"]))
    check(page, "card and PIN")
    page.go_back()
    card_and_pin(page, card, words)

    follow(page, page.get_by_role("link", name=words["pin"]))
    check(page, "PIN change")
    expect(page.locator("#old_pin")).to_be_focused()
    tap(page, PIN)
    expect(page.locator("#new_pin")).to_be_focused()
    tap(page, "730915")
    tap(page, "730915")
    page.locator("main form button[type=submit]").click()
    expect(page.locator(".success")).to_contain_text(words["changed"])
    check(page, "PIN changed")
    card.refresh_from_db()
    assert pin_matches(card.pin_hash, "730915")


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_new_card_made_on_the_spot_then_its_progress(screen, language):
    words = WORDS[language]
    terminal = make_terminal(instant=True)
    person, card = holder_with_card()
    formal_report(card)
    page = enrol(screen, terminal, language)
    read_id_card(page, person, words)
    follow(page, page.get_by_role("link", name=words["new_card"]))
    check(page, "reissue")
    page.get_by_role("button", name=words["make"]).click()
    expect(page.locator("h1")).to_have_text(words["made"])
    check(page, "reissued")
    app = CardApplication.objects.get(person=person)
    assert app.status == ApplicationStatus.READY_FOR_COLLECTION and app.channel == "kiosk"

    page.goto("/kiosk/menu/")
    page.get_by_role("link", name=words["status"]).click()
    expect(page.locator(".timeline .step.current")).to_have_count(1)
    expect(page.locator(f"h3:has-text('{app.number}')")).to_be_visible()
    check(page, "status")


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_terminal_that_cannot_make_cards_lists_where_to_go(screen, language):
    words = WORDS[language]
    terminal = make_terminal()
    near = make_outlet(name="近处的社保中心", lat=terminal.outlet.lat, lon=terminal.outlet.lon)
    person, _ = holder_with_card()
    page = enrol(screen, terminal, language)
    read_id_card(page, person, words)
    page.get_by_role("link", name=words["where"]).click()
    expect(page.locator("main .lead")).to_have_text(words["cannot_make"])
    expect(page.locator(".outlets li").first).to_contain_text(near.name)
    check(page, "where to go")


@pytest.mark.parametrize("language", LANGUAGES)
def test_records_of_a_year_and_the_statement(screen, language):
    words = WORDS[language]
    terminal = make_terminal()
    person, _ = holder_with_card()
    a_year_of_records(person)
    page = enrol(screen, terminal, language)
    read_id_card(page, person, words)
    page.get_by_role("link", name=words["records"]).click()
    page.locator(f".years a[href='?year={YEAR}']").click()
    expect(page.locator("table.records")).to_contain_text(words["owed"])
    check(page, "records")
    link = page.locator(f"a[href='/kiosk/records/statements/{YEAR}.pdf']")
    expect(link).to_be_visible()
    pdf = page.request.get(link.get_attribute("href") or "")
    assert pdf.status == 200 and pdf.headers["content-type"] == "application/pdf"


@pytest.mark.parametrize("language", LANGUAGES)
def test_an_idle_session_warns_then_ends_and_back_shows_nothing(screen, settings, language):
    settings.KIOSK_IDLE_SECONDS = 2
    settings.KIOSK_WARNING_SECONDS = 2
    words = WORDS[language]
    terminal = make_terminal()
    person, card = holder_with_card()
    page = enrol(screen, terminal, language)
    read_id_card(page, person, words)
    page.get_by_role("link", name=words["status"]).click()
    expect(page.locator("main")).to_contain_text(card.number)
    expect(page.get_by_role("alertdialog")).to_be_visible(timeout=5_000)
    expect(page.get_by_role("alertdialog")).to_contain_text(words["still_there"])
    check(page, "idle warning")
    page.wait_for_url("**/kiosk/", timeout=8_000)
    expect(page.get_by_role("link", name=words["start_id"])).to_be_visible()
    page.go_back()
    page.wait_for_load_state()
    assert card.number not in page.content()
    expect(page.locator("main")).not_to_contain_text(card.number)


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_id_number_typed_on_the_pad_when_the_reader_cannot_read(screen, language):
    words = WORDS[language]
    terminal = make_terminal()
    person, _ = holder_with_card()
    page = enrol(screen, terminal, language)
    page.get_by_role("link", name=words["start_id"]).click()
    tap(page, person.social_security_number)
    page.locator("main form button[type=submit]").click()
    expect(page.locator("#phone_last4")).to_be_focused()
    check(page, "typed ID number")
    tap(page, person.phone[-4:])
    page.locator("main form button[type=submit]").click()
    page.wait_for_url("**/kiosk/menu/")
    expect(page.get_by_role("link", name=words["report"])).to_be_visible()
