"""Seed 000, done entirely through the console: an adult loses the card, reports it in writing
at the window, gets the Receipt for Reissuing, the bank makes the new card, hands it over, and
the holder activates it by typing the PIN on the PIN pad."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from sscard.applications.models import CardApplication
from sscard.audit.services import verify_chain
from sscard.cards.models import Card, LossReport
from sscard.cards.pins import pin_matches
from sscard.people.masking import mask_id_number
from tests.browser.console_steps import (
    check,
    find_person,
    message,
    receipt_text,
    review_and_confirm,
    sign_in,
    sign_out,
    tick,
    type_pin_on_pad,
)
from tests.console_support import build_world

pytestmark = pytest.mark.django_db(transaction=True)


def test_an_adult_reports_the_loss_in_writing_and_gets_a_new_card(new_page) -> None:
    world = build_world(passwords=True)
    holder, old = world.adult, world.adult_card
    page = new_page(locale="zh-CN", mobile=False)

    # The window: a formal (written) loss report with the original ID card.
    sign_in(page, "window-clerk")
    find_person(page, holder.social_security_number)
    expect(page.locator("h1 .id")).to_have_text(mask_id_number(holder.social_security_number))
    page.click(f"a[href='/console/cards/{old.number}/report-loss/']")
    check(page, "report-loss")
    expect(page.locator("input[name=kind][value=formal]")).to_be_checked()
    tick(page, "id_card")
    review_and_confirm(page, "report-loss")
    assert "已生效" in message(page)
    expect(page.locator("td .status").first).to_have_text("正式挂失")
    check(page, "person-after-report")

    # The reissue application: documents, fee, and the receipt.
    page.click("a[href$='/apply/']")
    expect(page.locator("#id_type")).to_have_value("reissue")
    tick(page, "id_card")
    page.click("form.form button.primary")
    expect(page.locator("dl.summary")).to_contain_text("20.00 元")
    check(page, "confirm-apply")
    page.click("button[name=confirm]")
    app = CardApplication.objects.get(person=holder)
    assert app.receipt_number
    expect(page.locator("dl.facts")).to_contain_text(app.receipt_number)
    check(page, "application")
    text = receipt_text(page)
    assert app.receipt_number in text
    assert mask_id_number(holder.social_security_number) in text
    assert holder.social_security_number not in text
    sign_out(page)

    # The bank: the receipt is typed in (or scanned), the card made, then handed over.
    sign_in(page, "bank-clerk")
    page.click("nav.side a[href='/console/bank/accept/']")
    check(page, "accept-receipt")
    page.fill("#id_receipt_number", app.receipt_number)
    review_and_confirm(page, "accept")
    expect(page.locator("h1")).to_contain_text(app.number)
    old.refresh_from_db()
    assert old.status == "cancelled"
    for step in ("in_production", "ready_for_collection"):
        page.click("a[href$='/production/']")
        check(page, f"production-{step}")
        page.check(f"input[name=event][value={step}]")
        review_and_confirm(page, step)
        expect(page.locator(".messages")).to_be_visible()
    page.click("nav.side a[href='/console/bank/queue/']")
    expect(page.locator("table")).to_contain_text(app.number)
    check(page, "bank-queue")
    page.click(f"a[href='/console/applications/{app.number}/']")
    page.click("a[href$='/hand-over/']")
    tick(page, "id_card")
    review_and_confirm(page, "hand-over")
    assert "已发放" in message(page)

    # Activation: the holder types the PIN on the PIN pad; the clerk sees only the outcome.
    app.refresh_from_db()
    new = app.new_card
    assert new is not None and new.status == "sealed"
    page.click(f"a[href='/console/cards/{new.number}/activate/']")
    tick(page, "id_card")
    review_and_confirm(page, "activate")
    expect(page.locator("#pinpad-status")).to_contain_text("正在等待")
    check(page, "pinpad-wait")
    with page.context.expect_page() as opened:
        page.click("#open-pinpad")
    pad = opened.value
    pad.wait_for_load_state()
    check(pad, "pinpad")
    assert holder.name not in pad.content()
    type_pin_on_pad(pad, "802417")
    expect(pad.locator(".message.success")).to_be_visible()
    check(pad, "pinpad-done")
    expect(page.locator("#pinpad-status")).to_contain_text("社保卡已启用", timeout=10_000)
    assert "802417" not in page.content()
    check(page, "pinpad-done-clerk")

    new.refresh_from_db()
    assert new.status == "normal" and pin_matches(new.pin_hash, "802417")
    assert Card.objects.get(pk=old.pk).status == "cancelled"
    assert LossReport.objects.get(card=old).status == "closed"
    assert verify_chain().ok
