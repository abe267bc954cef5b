"""A call transferred from the voice menu, in the hotline agent's console: the agent types the
call's reference, sees what the caller keyed in (masked) and that the keypad check passed,
checks the caller's name and security questions, opens the caller and files the temporary
report the caller did not confirm in the menu. Every page is checked with axe-core."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import Page, expect

from sscard.calls.models import Call
from sscard.cards.models import LossReport
from sscard.common.masking import mask_id_number
from tests.browser.console_steps import check, message, sign_in
from tests.console_support import build_world
from tests.voice_support import SECRET, Phone

pytestmark = pytest.mark.django_db(transaction=True)


def test_the_agent_takes_over_a_call_from_its_reference(new_page: Any, settings: Any) -> None:
    settings.VOICE_AUTH_TOKEN = SECRET
    world = build_world(passwords=True)
    adult = world.adult
    phone = Phone()
    phone.dial()
    for keys in ("1", "1", adult.social_security_number.replace("X", "*") + "#", "1", "5678"):
        phone.press(keys)
    phone.press("0")  # at the final confirm, the caller asks for an agent
    call = Call.objects.get(sid=phone.sid)

    page: Page = new_page(locale="zh-CN", mobile=False)
    sign_in(page, "hotline-agent")
    page.goto("/console/hotline/")
    page.click("a[href='/console/calls/']")
    check(page, "call-find")
    page.fill("#id_reference", call.reference)
    page.click("form.form button.primary")
    expect(page.locator("h1")).to_have_text(f"转接来电 {call.reference}")
    expect(page.locator("dl.summary")).to_contain_text(mask_id_number(adult.social_security_number))
    expect(page.locator("dl.summary")).to_contain_text("已通过")
    check(page, "call")

    page.click(f"a[href='/console/hotline/callers/{adult.reference}/check/']")
    page.fill("#id_name", adult.name)
    page.fill("#id_q_phone_last4", adult.phone[-4:])
    page.select_option("#id_q_card_bank", world.bank.code)
    page.click("form.form button.primary")
    expect(page.locator("table")).to_contain_text(world.adult_card.number)
    check(page, "call-caller")
    page.click(f"a[href$='/cards/{world.adult_card.number}/report/']")
    expect(page.locator("dl.summary")).to_contain_text(world.adult_card.number)
    page.click("button[name=confirm]")
    assert "临时挂失" in message(page)
    check(page, "call-report-done")
    report = LossReport.objects.get()
    assert (report.channel, report.kind, report.reporter) == ("hotline", "temporary", adult)


def test_an_unknown_reference_is_said_plainly(new_page: Any) -> None:
    build_world(passwords=True)
    page: Page = new_page(locale="zh-CN", mobile=False)
    sign_in(page, "hotline-agent")
    page.goto("/console/calls/?reference=1234567890")
    expect(page.locator(".error-summary")).to_contain_text("没有此编号的来电")
    check(page, "call-missing")
