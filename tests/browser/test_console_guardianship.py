"""A window clerk records a court-designated guardian for an adult and later ends the
guardianship, in the console in Chinese, every page checked with axe-core."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from sscard.audit.services import verify_chain
from sscard.people.masking import mask_name
from sscard.people.models import Guardianship
from sscard.people.selectors import guardians_of
from tests.browser.console_steps import check, find_person, message, review_and_confirm, sign_in
from tests.console_support import build_world
from tests.factories import make_person

pytestmark = pytest.mark.django_db(transaction=True)
COURT = "(2025)粤0106民特88号"


def test_a_clerk_records_and_then_ends_a_guardianship(new_page) -> None:
    build_world(passwords=True)
    elder = make_person(age=86, name="何志强")
    son = make_person(age=55, name="何建国")
    page = new_page(locale="zh-CN", mobile=False)

    # The elder's page: no guardian yet, and the window clerk may record one.
    sign_in(page, "window-clerk")
    find_person(page, elder.social_security_number)
    expect(page.locator("#guardians-h")).to_have_text("监护人")
    expect(page.locator("section[aria-labelledby=guardians-h]")).to_contain_text("没有有效的监护人")

    # Record the son, designated by a court, with the court's document.
    page.click(f"a[href='/console/people/{elder.reference}/guardians/record/']")
    check(page, "record-guardian")
    page.fill("#id_guardian_id_number", son.social_security_number)
    page.check("input[name=relation][value=legal_guardian]")
    page.check("input[name=basis][value=designation]")
    page.fill("#id_document", COURT)
    page.click("form.form button.primary")
    summary = page.locator("dl.summary")
    expect(summary).to_contain_text("指定监护人")
    expect(summary).to_contain_text(COURT)
    expect(summary).to_contain_text(mask_name(son.name))
    check(page, "confirm-record-guardian")
    page.click("button[name=confirm]")
    assert "已将何**登记为监护人" in message(page)
    table = page.locator("section[aria-labelledby=guardians-h] table")
    expect(table).to_contain_text("何**")
    expect(table).to_contain_text("指定监护人")
    expect(table).to_contain_text(COURT)
    check(page, "person-with-guardian")
    assert guardians_of(elder) == [son]

    # End it: the court removed him.
    link = Guardianship.objects.get(ward=elder)
    page.click(f"a[href='/console/people/{elder.reference}/guardianships/{link.pk}/end/']")
    check(page, "end-guardianship")
    page.check("input[name=reason][value=guardian_removed]")
    review_and_confirm(page, "end-guardianship")
    assert "监护关系已终止" in message(page)
    section = page.locator("section[aria-labelledby=guardians-h]")
    expect(section).to_contain_text("没有有效的监护人")
    expect(section.locator(".former-guardians")).to_contain_text("法院撤销了监护人资格")
    check(page, "person-guardian-ended")

    link.refresh_from_db()
    assert link.end_reason == "guardian_removed" and link.ended_at is not None
    assert guardians_of(elder) == []
    assert verify_chain().ok
