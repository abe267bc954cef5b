"""Seed 004, done entirely through the console: a child's card is lost. The parent calls 12333
(identity checked by ID number, name and a security question) and the card is blocked at once;
at the medical insurance agency's window the parent reports it in writing with the household
register and the parent's ID card and gets the Receipt for Reissuing; the bank accepts the
receipt, makes the card, tells the family it is ready, and hands it over; the card is
activated with a PIN the family types on the PIN pad."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from sscard.applications.models import CardApplication
from sscard.audit.services import verify_chain
from sscard.cards.models import LossReport
from sscard.notifications.models import OutboxKind, OutboxMessage
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


def test_a_parent_reports_a_childs_lost_card_and_the_child_gets_a_new_one(new_page) -> None:
    world = build_world(passwords=True)
    child, parent, old = world.child, world.parent, world.child_card
    page = new_page(locale="zh-CN", mobile=False)

    # 12333: the parent calls; the agent checks identity, then blocks the child's card.
    sign_in(page, "hotline-agent")
    page.click("nav.side a[href='/console/hotline/']")
    check(page, "hotline")
    page.fill("#id_id_number", parent.social_security_number)
    page.click("form.form button.primary")
    check(page, "hotline-check")
    page.fill("#id_name", parent.name)
    page.fill("#id_q_phone_last4", parent.phone[-4:])
    page.click("form.form button.primary")
    expect(page.locator("table")).to_contain_text(old.number)
    check(page, "hotline-caller")
    page.click(f"a[href$='/cards/{old.number}/report/']")
    expect(page.locator("dl.summary")).to_contain_text(old.number)
    check(page, "hotline-confirm")
    page.click("button[name=confirm]")
    assert "临时挂失" in message(page)
    check(page, "hotline-done")
    report = LossReport.objects.get(card=old)
    assert (report.kind, report.channel, report.reporter) == ("temporary", "hotline", parent)
    sign_out(page)

    # The window: the parent brings the household register and the parent's own ID card.
    sign_in(page, "window-clerk")
    find_person(page, child.social_security_number)
    expect(page.locator("td .status").first).to_have_text("临时挂失")
    page.click(f"a[href='/console/cards/{old.number}/report-loss/']")
    # A child does not act alone: the parent is the presenter, and the checklist asks for the
    # child's ID card or the household register, and the guardian's ID card.
    expect(page.locator(f"input[name=presenter][value=g{world.link.pk}]")).to_be_checked()
    expect(page.locator("#checklist input[name=documents]")).to_have_count(3)
    page.check("input[name=presenter][value=self]")
    expect(page.locator("#checklist input[name=documents]")).to_have_count(1)
    page.check(f"input[name=presenter][value=g{world.link.pk}]")
    expect(page.locator("#checklist input[name=documents]")).to_have_count(3)
    check(page, "report-loss-guardian")
    tick(page, "household_register")
    page.click("form.form button.primary")
    expect(page.locator("#error-summary")).to_contain_text("监护人身份证")
    check(page, "report-loss-refused")
    tick(page, "guardian_id_card")
    review_and_confirm(page, "convert")
    assert "正式" in message(page)
    report.refresh_from_db()
    assert report.kind == "formal" and report.converted_at is not None

    page.click("a[href$='/apply/']")
    expect(page.locator(f"input[name=presenter][value=g{world.link.pk}]")).to_be_checked()
    tick(page, "household_register", "guardian_id_card")
    review_and_confirm(page, "apply")
    app = CardApplication.objects.get(person=child)
    assert (app.applicant, app.applicant_relation, app.status) == (
        parent,
        "guardian",
        "receipt_issued",
    )
    assert app.receipt_number
    text = receipt_text(page)
    assert app.receipt_number in text
    assert mask_id_number(child.social_security_number) in text
    assert child.social_security_number not in text
    sign_out(page)

    # The bank where the card was opened: the receipt, production, ready, handed over.
    sign_in(page, "bank-clerk")
    page.click("nav.side a[href='/console/bank/accept/']")
    page.fill("#id_receipt_number", app.receipt_number.lower())
    review_and_confirm(page, "accept")
    for step in ("in_production", "ready_for_collection"):
        page.click("a[href$='/production/']")
        page.check(f"input[name=event][value={step}]")
        review_and_confirm(page, step)
    ready = OutboxMessage.objects.filter(kind=OutboxKind.NOTIFICATION, topic="ready_for_collection")
    assert list(ready.values_list("recipient", flat=True)) == [parent.pk]
    page.click("a[href$='/hand-over/']")
    expect(page.locator(f"input[name=presenter][value=g{world.link.pk}]")).to_be_checked()
    tick(page, "household_register", "guardian_id_card")
    review_and_confirm(page, "hand-over")

    app.refresh_from_db()
    new = app.new_card
    assert new is not None
    page.click(f"a[href='/console/cards/{new.number}/activate/']")
    tick(page, "household_register", "guardian_id_card")
    review_and_confirm(page, "activate")
    with page.context.expect_page() as opened:
        page.click("#open-pinpad")
    pad = opened.value
    pad.wait_for_load_state()
    # A weak PIN (a run of digits) is refused on the pad itself; the pad stays open.
    type_pin_on_pad(pad, "123456")
    expect(pad.locator(".error-summary")).to_contain_text("连续")
    check(pad, "pinpad-weak")
    type_pin_on_pad(pad, "802417")
    expect(pad.locator(".message.success")).to_be_visible()
    expect(page.locator("#pinpad-status")).to_contain_text("社保卡已启用", timeout=10_000)

    new.refresh_from_db()
    old.refresh_from_db()
    assert (new.status, old.status) == ("normal", "cancelled")
    notes = OutboxMessage.objects.filter(kind=OutboxKind.NOTIFICATION)
    assert set(notes.values_list("recipient", flat=True)) == {parent.pk}
    assert {"loss_report_effective", "receipt_issued", "ready_for_collection", "activated"} <= set(
        notes.values_list("topic", flat=True)
    )
    assert verify_chain().ok
