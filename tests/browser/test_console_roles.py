"""Each role's main flow in Chromium that the seed scenarios do not cover: the community intake
that a window completes, the supervisor's dashboard, audit log and CSV export, refusals as the
clerk sees them, sign-in and lock-out, and axe-core on every console page."""

from __future__ import annotations

import contextlib
import datetime as dt

import pytest
from playwright.sync_api import Page, expect

from sscard.applications.models import CardApplication
from sscard.applications.services.applying import apply_for_card
from sscard.applications.services.intake import record_intake
from sscard.applications.services.production import record_production_event
from sscard.audit.models import AuditEvent
from sscard.cards.services import report_loss, verify_pin
from sscard.common import clock
from sscard.common.context import Actor, Channel, Role
from sscard.common.errors import DomainError
from tests.browser.console_steps import (
    check,
    find_person,
    message,
    review_and_confirm,
    sign_in,
    sign_out,
    tick,
)
from tests.console_support import PASSWORD, World, add_staff, build_world
from tests.factories import make_card, make_person

pytestmark = pytest.mark.django_db(transaction=True)


def _window(world: World) -> Actor:
    return Actor(
        kind="staff",
        id="w-1",
        role=Role.WINDOW_CLERK,
        channel=Channel.WINDOW,
        outlet_code=world.agency.code,
    )


def _bank(world: World) -> Actor:
    return Actor(
        kind="staff",
        id="b-1",
        role=Role.BANK_CLERK,
        channel=Channel.BANK,
        outlet_code=world.bank_outlet.code,
        bank_code=world.bank.code,
    )


def _reissue(world: World, holder=None) -> CardApplication:
    holder = holder or make_person(age=45)
    card = make_card(person=holder, bank=world.bank)
    report_loss(
        actor=_window(world),
        card=card,
        kind="formal",
        reporter=holder,
        relation="self",
        documents=["id_card"],
        outlet=world.agency,
    )
    return apply_for_card(
        actor=_window(world),
        type="reissue",
        person=holder,
        applicant=holder,
        relation="self",
        documents=["id_card"],
        outlet=world.agency,
    )


def test_a_community_intake_is_completed_at_the_window(new_page) -> None:
    world = build_world(passwords=True)
    newcomer = make_person(age=28, name="林小红")
    page = new_page(locale="zh-CN", mobile=False)

    sign_in(page, "community-clerk")
    find_person(page, newcomer.social_security_number)
    page.click("a[href$='/intake/']")
    check(page, "intake")
    page.select_option("#id_type", "new")
    page.fill("#id_note", "首次申领，证件到经办机构核验")
    review_and_confirm(page, "intake")
    assert "等待经办机构办理" in message(page)
    intake = CardApplication.objects.get(person=newcomer)
    page.click("nav.side a[href='/console/applications/']")
    expect(page.locator("table")).to_contain_text(intake.number)
    check(page, "community-applications")
    sign_out(page)

    sign_in(page, "window-clerk")
    page.click("nav.side a[href='/console/intakes/']")
    expect(page.locator("table")).to_contain_text(intake.number)
    check(page, "intake-queue")
    page.click(f"a[href='/console/applications/{intake.number}/']")
    page.click("a[href$='/complete/']")
    check(page, "complete-intake")
    tick(page, "id_card")
    page.select_option("#id_bank", "CCB")
    page.click("form.form button.primary")
    expect(page.locator("dl.summary")).to_contain_text("首次申领")
    page.click("button[name=confirm]")
    intake.refresh_from_db()
    assert (intake.status, intake.bank, intake.fee_amount) == (
        "receipt_issued",
        world.other_bank,
        0,
    )
    expect(page.locator("dl.facts")).to_contain_text(intake.receipt_number or "")


def _history(world: World) -> None:
    """Some days of business for the dashboard: reports through several channels, a card made
    and collected, one overdue in production, one waiting, a PIN locked."""
    hotline = Actor(kind="staff", id="agent", role=Role.HOTLINE_AGENT, channel=Channel.HOTLINE)
    now = clock.now()
    for days_ago, channel in ((3, "hotline"), (2, "app"), (2, "hotline"), (0, "hotline")):
        holder = make_person()
        card = make_card(person=holder, bank=world.bank)
        actor = (
            hotline
            if channel == "hotline"
            else Actor(kind="citizen", id=f"p{holder.pk}", role=Role.CITIZEN, channel=Channel.APP)
        )
        with clock.frozen_at(now - dt.timedelta(days=days_ago)):
            report_loss(actor=actor, card=card, kind="temporary", reporter=holder, relation="self")
    with clock.frozen_at(now - dt.timedelta(days=40)):
        collected = _reissue(world)
        for step in ("bank_accepted", "in_production"):
            collected = record_production_event(
                actor=_bank(world), application=collected, type=step
            )
        overdue = _reissue(world)
        overdue = record_production_event(
            actor=_bank(world), application=overdue, type="bank_accepted"
        )
    with clock.frozen_at(now - dt.timedelta(days=10)):
        record_production_event(
            actor=_bank(world),
            application=collected,
            type="ready_for_collection",
            outlet=world.bank_outlet,
        )
    with clock.frozen_at(now - dt.timedelta(days=5)):
        record_production_event(
            actor=_bank(world), application=collected, type="collected", outlet=world.bank_outlet
        )
    waiting = _reissue(world)
    for step in ("bank_accepted", "in_production", "ready_for_collection"):
        waiting = record_production_event(
            actor=_bank(world), application=waiting, type=step, outlet=world.bank_outlet
        )
    for _ in range(6):
        with contextlib.suppress(DomainError):
            verify_pin(actor=_bank(world), card=world.adult_card, pin="000111")


def test_the_supervisor_dashboard_audit_log_and_csv_export(new_page) -> None:
    world = build_world(passwords=True)
    _history(world)
    page = new_page(locale="zh-CN", mobile=False)
    sign_in(page, "supervisor")

    page.click("nav.side a[href='/console/dashboard/']")
    # Four temporary reports and the formal one before today's reissue; older ones fall outside.
    expect(page.locator("#loss-h")).to_contain_text("30 天共 5 笔")
    expect(page.locator("svg[role=img]")).to_have_count(2)
    expect(page.locator(".kpis")).to_contain_text("35.0")  # receipt 40 days ago, collected 5
    check(page, "dashboard")
    page.click("text=以表格查看数据 >> nth=0")
    expect(page.locator("details table").first).to_be_visible()

    page.click(".kpis a[href$='view=overdue']")
    expect(page.locator("p.count")).to_contain_text("共 1 条")
    check(page, "overdue")
    with page.expect_download() as download:
        page.click("a[href*='format=csv']")
    body = download.value.path().read_text(encoding="utf-8-sig")
    assert body.splitlines()[0].startswith("申请,类型,状态,持卡人")
    assert len(body.splitlines()) == 2
    assert AuditEvent.objects.filter(action="list.exported").count() == 1

    page.click("nav.side a[href='/console/cards/pin-locked/']")
    expect(page.locator("table")).to_contain_text(world.adult_card.number)
    check(page, "pin-locks")

    page.click("nav.side a[href='/console/audit/']")
    check(page, "audit")
    page.fill("#list-q", world.adult_card.number)
    page.click("form.filters button[type=submit]")
    expect(page.locator("table")).to_contain_text("card.pin_locked")
    page.click("form[action$='/audit/verify/'] button")
    assert "完整" in message(page)
    check(page, "audit-verified")


def test_refusals_sign_in_failures_and_the_lock_out(new_page) -> None:
    world = build_world(passwords=True)
    app = _reissue(world)
    add_staff("bank_clerk", world.other_bank_outlet, "ccb-clerk", password=PASSWORD)
    page = new_page(locale="zh-CN", mobile=False)

    # A bank clerk cannot accept another bank's receipt: said next to the field, nothing done.
    sign_in(page, "ccb-clerk")
    page.click("nav.side a[href='/console/bank/accept/']")
    page.fill("#id_receipt_number", app.receipt_number or "")
    page.click("form.form button.primary")
    expect(page.locator("#error-summary")).to_contain_text("此申请属于其他银行")
    expect(page.locator(".field-receipt_number .errorlist")).to_contain_text("此申请属于其他银行")
    check(page, "wrong-bank")
    app.refresh_from_db()
    assert app.status == "receipt_issued"
    # ... nor use a window's pages.
    page.goto(f"/console/applications/{app.number}/complete/")
    expect(page.locator("h1")).to_have_text("无权办理")
    check(page, "forbidden")
    sign_out(page)

    # A wrong password, then the lock-out after five failures.
    page.goto("/console/sign-in/")
    for attempt in range(5):
        page.fill("#id_username", "window-clerk")
        page.fill("#id_password", "wrong-password")
        page.click("form.form button[type=submit]")
        if attempt == 0:
            expect(page.locator(".error-summary")).to_contain_text("登录失败")
            check(page, "sign-in-failed")
    expect(page.locator("h1")).to_have_text("账号已锁定")
    check(page, "locked-out")
    page.goto("/console/sign-in/")
    page.fill("#id_username", "window-clerk")
    page.fill("#id_password", PASSWORD)
    page.click("form.form button[type=submit]")
    expect(page.locator("h1")).to_have_text("账号已锁定")


def _visit(page: Page, url: str, name: str) -> None:
    page.goto(url)
    check(page, name)


def test_every_console_page_passes_axe_in_both_languages(new_page) -> None:
    world = build_world(passwords=True)
    app = _reissue(world)
    report = report_loss(
        actor=_window(world),
        card=world.child_card,
        kind="formal",
        reporter=world.parent,
        relation="guardian",
        documents=["household_register", "guardian_id_card"],
        outlet=world.agency,
    ).report
    newcomer = make_person()
    intake = record_intake(
        actor=_window(world),
        type="new",
        person=newcomer,
        applicant=newcomer,
        relation="self",
        outlet=world.community,
    )
    page = new_page(locale="zh-CN", mobile=False)

    sign_in(page, "window-clerk")
    for url, name in [
        (f"/console/people/{world.adult.reference}/", "person"),
        (f"/console/people/{world.child.reference}/", "person-child"),
        (f"/console/loss-reports/{report.reference}/lift/", "lift"),
        (f"/console/cards/{world.adult_card.number}/reset-pin/", "reset-pin"),
        (f"/console/people/{world.adult.reference}/apply/?type=replacement", "apply-replacement"),
        (f"/console/applications/{app.number}/", "application"),
        (f"/console/applications/{app.number}/withdraw/", "withdraw"),
        ("/console/intakes/", "intakes"),
        (f"/console/applications/{intake.number}/complete/", "complete-intake"),
        ("/console/applications/", "applications"),
        ("/console/loss-reports/", "loss-reports"),
    ]:
        _visit(page, url, name)

    # The reveal: a reason, a confirmation, then the whole number on that page only.
    page.goto(f"/console/people/{world.adult.reference}/")
    page.click("details.reveal summary")
    page.select_option("#id_reason", "compare_document")
    page.click("details.reveal button")
    check(page, "reveal-confirm")
    page.click("button[name=confirm]")
    expect(page.locator("h1 .id")).to_have_text(world.adult.social_security_number)
    check(page, "revealed")

    # A refusal page: the receipt of an application taken elsewhere.
    add_staff("window_clerk", world.other_agency, "haizhu-clerk", password=PASSWORD)
    sign_out(page)
    sign_in(page, "haizhu-clerk")
    _visit(page, f"/console/applications/{app.number}/receipt.pdf", "refused-receipt")
    expect(page.locator("h1")).to_have_text("不能办理")

    # English: the same pages, switched by the language button.
    page.goto(f"/console/people/{world.adult.reference}/")
    page.click("header form.language button")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.locator("nav.side")).to_contain_text("Find a person")
    check(page, "person-en")
    _visit(page, f"/console/cards/{world.adult_card.number}/report-loss/", "report-loss-en")
    page.click("form.form button.primary")
    expect(page.locator("#error-summary")).to_contain_text("Original documents are missing")
    check(page, "refused-en")
    sign_out(page)

    sign_in(page, "hotline-agent")
    _visit(page, "/console/loss-reports/", "hotline-reports-en")
    page.goto("/console/hotline/")
    page.fill("#id_id_number", world.parent.social_security_number)
    page.click("form.form button.primary")
    page.fill("#id_name", "wrong name")
    page.fill("#id_q_phone_last4", "0000")
    page.click("form.form button.primary")
    expect(page.locator(".error-summary")).to_contain_text("do not match")
    check(page, "identity-failed-en")
    sign_out(page)

    sign_in(page, "admin")
    expect(page.locator(".tiles")).to_contain_text("Open the administration")
    check(page, "admin-start")
