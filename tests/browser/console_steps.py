"""Steps a clerk takes in the console, for the browser tests. Every page the steps land on is
checked with axe-core; with SSCARD_SCREENSHOTS=<dir> each is also saved as a PNG."""

from __future__ import annotations

import io
import os
import re
from pathlib import Path

from playwright.sync_api import Page, expect
from pypdf import PdfReader

from tests.browser.conftest import assert_accessible
from tests.console_support import PASSWORD

SHOTS = os.environ.get("SSCARD_SCREENSHOTS", "")
_counter = iter(range(1, 10_000))


def check(page: Page, name: str = "") -> None:
    """axe-core on the page; a screenshot when asked for."""
    assert_accessible(page)
    if SHOTS:
        Path(SHOTS).mkdir(parents=True, exist_ok=True)
        slug = re.sub(r"[^a-z0-9]+", "-", (name or page.url.split("/console/")[-1]).lower())
        page.screenshot(
            path=f"{SHOTS}/{next(_counter):03d}-{slug.strip('-') or 'home'}.png", full_page=True
        )


def sign_in(page: Page, username: str, password: str = PASSWORD) -> None:
    page.goto("/console/sign-in/")
    check(page, "sign-in")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.click("form.form button[type=submit]")
    expect(page.locator("nav.side")).to_be_visible()
    check(page, f"{username}-start")


def sign_out(page: Page) -> None:
    page.click("header form[action$='/sign-out/'] button")
    expect(page.locator("#id_username")).to_be_visible()


def find_person(page: Page, id_number: str) -> None:
    page.goto("/console/people/")
    check(page, "find-person")
    page.fill("#id_id_number", id_number)
    page.click("form.form button.primary")
    expect(page.locator("h1 .id")).to_be_visible()
    check(page, "person")


def tick(page: Page, *documents: str) -> None:
    for code in documents:
        page.check(f"#checklist input[value={code}]")


def review_and_confirm(page: Page, name: str = "") -> None:
    """Continue to the confirmation page, check it, confirm."""
    page.click("form.form button.primary")
    expect(page.locator("button[name=confirm]")).to_be_visible()
    check(page, f"confirm-{name}")
    page.click("button[name=confirm]")


def message(page: Page) -> str:
    return page.locator(".messages").inner_text()


def receipt_text(page: Page) -> str:
    """The receipt PDF the print button opens, as text."""
    href = page.locator("a[href$='/receipt.pdf']").first.get_attribute("href")
    assert href
    answer = page.request.get(href)
    assert answer.status == 200 and answer.headers["content-type"] == "application/pdf"
    reader = PdfReader(io.BytesIO(answer.body()))
    return "\n".join(p.extract_text() for p in reader.pages)


def type_pin_on_pad(pad: Page, pin: str) -> None:
    """The holder types on the on-screen keypad: first field, then the second."""
    pad.click("#id_pin")
    for digit in pin:
        pad.click(f".keypad button[data-key='{digit}']")
    pad.click("#id_pin_again")
    for digit in pin:
        pad.click(f".keypad button[data-key='{digit}']")
    pad.click("button.big")
