"""Every kind of page under its Content-Security-Policy in real Chromium: the portal, the
console, the admin and the API's docs. No page breaks the policy (the browser's
`securitypolicyviolation` events and console messages), and what htmx does still works."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth import get_user_model
from playwright.sync_api import Page, expect

from sscard.staff.models import StaffMember
from sscard.staff.pin_pads import cancel_pin_pad, open_pin_pad
from tests.browser.console_steps import sign_in
from tests.console_support import PASSWORD, build_world
from tests.factories import make_outlet

pytestmark = pytest.mark.django_db(transaction=True)

WATCH = """
window.__csp = [];
document.addEventListener('securitypolicyviolation', (e) => window.__csp.push(
  `${e.effectiveDirective} blocked ${e.blockedURI || 'inline'} at ${e.sourceFile}:${e.lineNumber}`
));
"""


class Watched:
    """A page whose policy violations are collected, from events and from the console."""

    def __init__(self, page: Page) -> None:
        self.page = page
        self.console: list[str] = []
        page.add_init_script(WATCH)
        page.on(
            "console",
            lambda m: self.console.append(m.text) if "Content Security Policy" in m.text else None,
        )

    def visit(self, path: str) -> Page:
        answer = self.page.goto(path)
        assert answer is not None
        policy = answer.headers.get("content-security-policy", "")
        assert "script-src 'self'" in policy and "unsafe-inline" not in policy, path
        self.page.wait_for_load_state("networkidle")
        self.assert_clean(path)
        return self.page

    def assert_clean(self, where: str) -> None:
        events = self.page.evaluate("window.__csp || []")
        assert (events, self.console) == ([], []), where


@pytest.fixture
def watched(new_page: Any) -> Watched:
    return Watched(new_page(locale="en-US", mobile=False))


def test_portal_pages_keep_the_policy_and_htmx_swaps_still_work(watched):
    make_outlet(code="SI0001", name="天河区社会保险基金管理中心", region_code="440106")
    make_outlet(code="SI0002", name="海珠区社会保险基金管理中心", region_code="440105")
    for path in ("/", "/sign-in/", "/no-such-page/"):
        watched.visit(path)

    page = watched.visit("/outlets/")
    expect(page.locator(".outlet")).to_have_count(2)
    with page.expect_request(lambda r: r.headers.get("hx-request") == "true"):
        page.locator("#id_region").select_option("440105")
    expect(page.locator(".outlet")).to_have_count(1)
    expect(page.locator(".outlet h3")).to_contain_text("海珠区")

    page = watched.visit("/guide/")
    before = page.locator("#answer").inner_html()
    with page.expect_request(lambda r: r.headers.get("hx-request") == "true"):
        page.locator("main form input[type=radio]").first.check()
    expect(page.locator("#answer")).not_to_have_text(before)
    watched.assert_clean("after the htmx swaps")


def test_console_pages_keep_the_policy_and_the_pin_pad_status_still_polls(watched, live_server):
    world = build_world(passwords=True)
    page = watched.page
    sign_in(page, "supervisor")
    for path in (
        "/console/",
        "/console/dashboard/",
        "/console/audit/",
        "/console/applications/",
        f"/console/people/{world.adult.reference}/records/",
        "/console/disputes/",
    ):
        watched.visit(path)

    member = StaffMember.objects.get(user__username="window-clerk")
    pad, token = open_pin_pad(
        member=member,
        purpose="reset",
        card=world.adult_card,
        presenter=world.adult,
        relation="self",
        documents=["id_card"],
    )
    watched.page.context.clear_cookies()
    sign_in(page, "window-clerk")
    watched.visit(f"/console/pin-pad/{token}/")
    expect(page.locator("#pinpad-status")).to_have_attribute("hx-trigger", "every 1s")
    cancel_pin_pad(pad=pad)
    # htmx polls the status and swaps it in: the pad is closed now.
    expect(page.locator("#pinpad-status.outcome-cancelled")).to_be_visible(timeout=5000)
    watched.visit(f"/console/pin-pad/{token}/pad/")
    watched.assert_clean("console")


def test_admin_pages_keep_the_policy(watched):
    build_world(passwords=True)
    admin = get_user_model().objects.get(username="admin")
    admin.set_password(PASSWORD)
    admin.save()
    page = watched.visit("/admin/login/")
    page.fill("#id_username", "admin")
    page.fill("#id_password", PASSWORD)
    page.click("input[type=submit]")
    expect(page.locator("#site-name")).to_be_visible()
    for path in (
        "/admin/",
        "/admin/auth/user/",
        "/admin/auth/user/add/",
        f"/admin/auth/user/{admin.pk}/change/",
        "/admin/outlets/outlet/",
        "/admin/outlets/outlet/add/",
        "/admin/policy/regionalpolicy/",
        "/admin/partners/bank/add/",
        "/admin/staff/staffmember/add/",
    ):
        watched.visit(path)
    watched.assert_clean("admin")


def test_the_api_docs_keep_the_policy_and_render(watched):
    page = watched.visit("/api/v1/docs")

    expect(page.locator(".swagger-ui .opblock").first).to_be_visible(timeout=10_000)
    expect(page.locator(".swagger-ui")).to_contain_text("/api/v1/persons")
    watched.assert_clean("API docs")
