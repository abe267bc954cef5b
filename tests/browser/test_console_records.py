"""Contribution records in the console, in Chinese and in English: a window clerk reads a
person's records, records and ends a written authorisation, and a dispute is answered from the
queue (in Chinese by correcting the record, in English by confirming it). Every page is checked
with axe-core."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from sscard.audit.services import verify_chain
from sscard.common import clock
from sscard.common.context import Actor, Channel, Role
from sscard.notifications.models import OutboxMessage
from sscard.people.masking import mask_name
from sscard.people.models import Person
from sscard.records.models import Authorisation, ContributionRecord, ContributionVersion, Dispute
from sscard.records.permissions import Reader
from sscard.records.services import book_contributions, open_dispute
from tests.browser.console_steps import check, find_person, message, review_and_confirm, sign_in
from tests.console_support import World, build_world
from tests.factories import make_card
from tests.records_support import record

pytestmark = pytest.mark.django_db(transaction=True)


def _setting(world: World) -> tuple[Person, Dispute]:
    """The adult's records of this year (January paid, March owed, February a gap) and a
    dispute about March."""
    year = clock.today().year
    core = Actor(kind="partner", id="core", role=Role.PARTNER, channel=Channel.SYSTEM)
    person = world.adult
    result = book_contributions(
        reader=Reader(actor=core, scopes=frozenset({"records:write"})),
        records=[
            record(person, month=f"{year}-01", paid_on=f"{year}-01-15"),
            record(person, month=f"{year}-03", status="owed", paid_on=None),
        ],
        source="api",
    )
    assert not result.rejected
    window = Actor(
        kind="staff",
        id="window-1",
        role=Role.WINDOW_CLERK,
        channel=Channel.WINDOW,
        outlet_code=world.agency.code,
    )
    dispute = open_dispute(
        reader=Reader(actor=window),
        person=person,
        insurance="pension",
        month=f"{year}-03",
        reason="三月单位已经缴费",
    )
    return person, dispute


def _authorise(page: Page, person: Person, world: World, document: str) -> None:
    year = clock.today().year
    page.click(f"a[href='/console/people/{person.reference}/authorisations/record/']")
    check(page, "record-authorisation")
    page.fill("#id_authorised_id_number", world.parent.social_security_number)
    page.check("input[name=insurances][value=pension]")
    page.check("input[name=insurances][value=medical]")
    page.fill("#id_starts_on", clock.today().isoformat())
    page.fill("#id_ends_on", f"{year + 1}-12-31")
    page.fill("#id_document", document)
    review_and_confirm(page, "record-authorisation")


def test_records_authorisation_and_a_corrected_dispute_in_chinese(new_page) -> None:
    world = build_world(passwords=True)
    person, dispute = _setting(world)
    page = new_page(locale="zh-CN", mobile=False)

    sign_in(page, "window-clerk")
    find_person(page, person.social_security_number)
    page.click(f"a[href='/console/people/{person.reference}/records/']")
    expect(page.locator("h1")).to_have_text("缴费记录")
    months = page.locator("section[aria-labelledby=months-h]")
    expect(months).to_contain_text("养老保险")
    expect(months).to_contain_text("欠缴")
    expect(months).to_contain_text("无记录（断缴）")
    expect(page.locator("section[aria-labelledby=rights-h]")).to_contain_text("累计缴费月数")
    expect(page.locator("body")).not_to_contain_text(person.social_security_number)
    check(page, "records")

    _authorise(page, person, world, "委托书 2026-007")
    assert "已登记" in message(page)
    authorisation = Authorisation.objects.get()
    section = page.locator("section[aria-labelledby=auth-h]")
    expect(section).to_contain_text(authorisation.reference)
    expect(section).to_contain_text("委托书 2026-007")
    check(page, "records-with-authorisation")
    page.click(f"a[href='/console/authorisations/{authorisation.reference}/end/']")
    check(page, "confirm-end-authorisation")
    page.click("button[name=confirm]")
    assert "已终止" in message(page)
    authorisation.refresh_from_db()
    assert authorisation.ended_at is not None

    # The queue, and the dispute answered by correcting March.
    page.click("nav.side a[href='/console/disputes/']")
    expect(page.locator("h1")).to_have_text("待答复的异议")
    check(page, "disputes")
    page.click(f"a[href='/console/disputes/{dispute.reference}/']")
    expect(page.locator("h1")).to_contain_text(dispute.reference)
    check(page, "dispute")
    march = ContributionRecord.objects.get(person=person, month=dispute.month)
    page.check("input[name=status][value=corrected]")
    page.fill("#id_answer", "经核查，单位已于十一月补缴，记录已更正。")
    page.select_option("#id_record", str(march.pk))
    page.fill("#id_base", "8000.00")
    page.fill("#id_employer_amount", "1280.00")
    page.fill("#id_individual_amount", "640.00")
    page.select_option("#id_record_status", "back_paid")
    page.fill("#id_paid_on", clock.today().isoformat())
    page.click("form.form button.primary")
    expect(page.locator("dl.summary")).to_contain_text("补缴")
    check(page, "confirm-dispute")
    page.click("button[name=confirm]")
    assert "已答复" in message(page)
    check(page, "disputes-after")

    march.refresh_from_db()
    assert (march.version, march.status) == (2, "back_paid")
    assert ContributionVersion.objects.get(record=march).status == "owed"
    assert OutboxMessage.objects.filter(topic="dispute_answered").count() == 1
    assert verify_chain().ok


def test_records_authorisation_form_and_a_confirmed_dispute_in_english(new_page) -> None:
    world = build_world(passwords=True)
    person, dispute = _setting(world)
    page = new_page(locale="zh-CN", mobile=False)

    sign_in(page, "window-clerk")
    page.goto(f"/console/people/{person.reference}/records/")
    page.click("header form.language button")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.locator("h1")).to_have_text("Contribution records")
    months = page.locator("section[aria-labelledby=months-h]")
    expect(months).to_contain_text("pension")
    expect(months).to_contain_text("owed")
    expect(months).to_contain_text("no record (gap)")
    check(page, "records-en")

    # A refused authorisation: the holder cannot authorise themselves.
    page.click(f"a[href='/console/people/{person.reference}/authorisations/record/']")
    page.fill("#id_authorised_id_number", person.social_security_number)
    page.check("input[name=insurances][value=pension]")
    page.fill("#id_starts_on", clock.today().isoformat())
    page.fill("#id_ends_on", f"{clock.today().year + 1}-06-30")
    page.fill("#id_document", "Letter 2026-9")
    page.click("form.form button.primary")
    page.click("button[name=confirm]")
    expect(page.locator(".error-summary")).to_contain_text("must be another person")
    check(page, "authorisation-refused-en")
    assert not Authorisation.objects.exists()

    page.goto("/console/disputes/")
    expect(page.locator("h1")).to_have_text("Disputes waiting for an answer")
    check(page, "disputes-en")
    page.click(f"a[href='/console/disputes/{dispute.reference}/']")
    check(page, "dispute-en")
    page.check("input[name=status][value=confirmed]")
    page.fill("#id_answer", "The employer's payment for March arrived late; the record stands.")
    review_and_confirm(page, "dispute-en")
    assert "is answered" in message(page)
    dispute.refresh_from_db()
    assert dispute.status == "confirmed"
    assert not ContributionVersion.objects.exists()


def test_a_hotline_agent_reads_the_records_of_the_caller_once_checked(new_page) -> None:
    world = build_world(passwords=True)
    person, _dispute = _setting(world)
    page = new_page(locale="zh-CN", mobile=False)

    sign_in(page, "hotline-agent")
    page.goto(f"/console/hotline/callers/{person.reference}/records/")
    expect(page.locator("h1")).to_have_text("不能办理")
    check(page, "hotline-records-refused")

    page.goto("/console/hotline/")
    page.fill("#id_id_number", person.social_security_number)
    page.click("form.form button.primary")
    page.fill("#id_name", person.name)
    page.fill("#id_q_phone_last4", person.phone[-4:])
    page.select_option("#id_q_card_bank", world.bank.code)
    page.click("form.form button.primary")
    page.click(f"a[href='/console/hotline/callers/{person.reference}/records/']")
    expect(page.locator("h1")).to_have_text("缴费记录")
    expect(page.locator("section[aria-labelledby=months-h]")).to_contain_text("欠缴")
    expect(page.locator("#auth-h")).to_have_count(0)  # authorisations are a window's business
    check(page, "hotline-records")


@pytest.mark.parametrize(
    ("language", "words"),
    [
        ("zh-hans", {"title": "缴费记录", "owed": "欠缴", "refused": "不能办理"}),
        ("en", {"title": "Contribution records", "owed": "owed", "refused": "This cannot be done"}),
    ],
)
def test_a_hotline_agent_reads_a_ward_s_records_for_the_guardian_once_checked(
    new_page, language: str, words: dict[str, str]
) -> None:
    world = build_world(passwords=True)
    parent, child = world.parent, world.child
    make_card(person=parent, bank=world.bank)
    year = clock.today().year
    core = Actor(kind="partner", id="core", role=Role.PARTNER, channel=Channel.SYSTEM)
    booked = book_contributions(
        reader=Reader(actor=core, scopes=frozenset({"records:write"})),
        records=[
            record(child, insurance="medical", month=f"{year}-01", paid_on=f"{year}-01-15"),
            record(child, insurance="medical", month=f"{year}-02", status="owed", paid_on=None),
        ],
        source="api",
    )
    assert not booked.rejected, booked.rejected
    ward_records = f"/console/hotline/callers/{parent.reference}/wards/{child.reference}/records/"
    page = new_page(locale="zh-CN", mobile=False)

    sign_in(page, "hotline-agent")
    if language == "en":
        page.click("header form.language button")
        expect(page.locator("html")).to_have_attribute("lang", "en")
    page.goto(ward_records)  # before the caller is checked: nothing
    expect(page.locator("h1")).to_have_text(words["refused"])
    expect(page.locator("main")).not_to_contain_text(child.name)
    check(page, "hotline-ward-records-refused")

    page.goto("/console/hotline/")
    page.fill("#id_id_number", parent.social_security_number)
    page.click("form.form button.primary")
    page.fill("#id_name", parent.name)
    page.fill("#id_q_phone_last4", parent.phone[-4:])
    page.select_option("#id_q_card_bank", world.bank.code)
    page.click("form.form button.primary")
    page.click(f"a[href='{ward_records}']")
    expect(page.locator("h1")).to_have_text(words["title"])
    expect(page.locator("main")).to_contain_text(words["owed"])  # the child's owed month
    expect(page.locator("main")).to_contain_text(mask_name(child.name))
    expect(page.locator("main")).not_to_contain_text(child.social_security_number)
    check(page, "hotline-ward-records")
