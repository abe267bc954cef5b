"""Contribution records at the console: a person's records for a window clerk (audited reading),
the hotline agent's reading for the checked caller only, written authorisations, the disputes
queue and the answer that corrects a record through a new version and tells the person."""

from __future__ import annotations

import datetime as dt
import io
import re
from decimal import Decimal
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from pypdf import PdfReader

from sscard.audit.models import AuditEvent
from sscard.common import clock
from sscard.common.context import Actor, Channel, Role
from sscard.console.views.hotline import VERIFIED
from sscard.notifications.messages import render
from sscard.notifications.models import OutboxMessage
from sscard.people.models import Person
from sscard.records.models import (
    Authorisation,
    ContributionRecord,
    ContributionVersion,
    Dispute,
    DisputeStatus,
)
from sscard.records.permissions import Reader
from sscard.records.services import book_contributions, open_dispute
from tests.console_support import World, build_world
from tests.factories import db_state, make_person
from tests.records_support import record

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2026, 11, 20, 2, tzinfo=dt.UTC)


def core() -> Reader:
    actor = Actor(kind="partner", id="core", role=Role.PARTNER, channel=Channel.SYSTEM)
    return Reader(actor=actor, scopes=frozenset({"records:write"}))


def window_actor(world: World) -> Actor:
    return Actor(
        kind="staff",
        id="window-1",
        role=Role.WINDOW_CLERK,
        channel=Channel.WINDOW,
        outlet_code=world.agency.code,
    )


def book(person: Person, *rows: dict[str, Any]) -> None:
    result = book_contributions(reader=core(), records=list(rows), source="api")
    assert not result.rejected, result.rejected


@pytest.fixture
def world() -> Any:
    with clock.frozen_at(NOW):
        yield build_world()


def en(world: World, role: str) -> Client:
    client = world.client(role)
    client.cookies["sscard_language"] = "en"
    return client


def zh(world: World, role: str) -> Client:
    client = world.client(role)
    client.cookies["sscard_language"] = "zh-hans"
    return client


def with_records(world: World) -> Person:
    person = world.adult
    book(
        person,
        record(person, month="2026-01", paid_on="2026-01-15"),
        record(person, month="2026-03", status="owed", paid_on=None),
        record(person, insurance="medical", month="2026-01", base="8000.00",
               employer_amount="640.00", individual_amount="160.00", paid_on="2026-01-15"),
    )  # fmt: skip
    return person


# ---------------------------------------------------------------- reading


def test_a_window_clerk_reads_the_records_and_the_reading_is_audited(world):
    with clock.frozen_at(NOW):
        person = with_records(world)
        answer = en(world, "window_clerk").get(
            reverse("console:records", args=[person.reference]) + "?year=2026"
        )
    page = answer.content.decode()
    assert answer.status_code == 200
    assert "2026-01" in page and "2026-03" in page
    assert "owed" in page and "no record (gap)" in page  # February has none
    assert "Rights" in page and "Months paid" in page
    assert person.name not in page and person.social_security_number not in page
    assert "STATEMENT" not in page  # the marked place is a template comment
    event = AuditEvent.objects.filter(action="records.read").get()
    assert event.actor_role == Role.WINDOW_CLERK and event.channel == Channel.WINDOW
    assert event.object_id == str(person.pk) and event.after["basis"] == "staff"


def test_the_records_page_in_chinese(world):
    with clock.frozen_at(NOW):
        person = with_records(world)
        answer = zh(world, "window_clerk").get(reverse("console:records", args=[person.reference]))
    page = answer.content.decode()
    assert answer.status_code == 200
    assert "缴费记录" in page and "养老保险" in page and "欠缴" in page


def test_the_person_page_leads_to_the_records_for_those_who_read_them(world):
    url = reverse("console:person", args=[world.adult.reference])
    link = reverse("console:records", args=[world.adult.reference])
    assert link in en(world, "window_clerk").get(url).content.decode()
    assert link in en(world, "supervisor").get(url).content.decode()
    assert link not in en(world, "bank_clerk").get(url).content.decode()


@pytest.mark.parametrize("role", ["community_clerk", "bank_clerk", "admin"])
def test_roles_without_the_inquiry_duty_are_refused_and_nothing_is_audited(world, role):
    person = with_records(world)
    before = db_state()
    answer = en(world, role).get(reverse("console:records", args=[person.reference]))
    assert answer.status_code == 403
    assert db_state() == before


def test_a_window_clerk_prints_the_statement_of_the_year_issued_by_the_outlet(world):
    with clock.frozen_at(NOW):
        person = with_records(world)
        page = en(world, "window_clerk").get(
            reverse("console:records", args=[person.reference]) + "?year=2026"
        )
        link = reverse("console:records_statement", args=[person.reference, 2026])
        assert f'href="{link}"' in page.content.decode()
        answer = en(world, "window_clerk").get(link)
    assert answer.status_code == 200 and answer["Content-Type"] == "application/pdf"
    text = "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(answer.content)).pages)
    assert world.agency.name in text and "养老" in text and "2026" in text
    assert person.social_security_number not in text
    readings = AuditEvent.objects.filter(action="records.read", object_id=str(person.pk))
    assert readings.count() == 2  # the page, then the statement
    assert {e.after["what"] for e in readings} == {"contributions", "statement"}


@pytest.mark.parametrize("role", ["community_clerk", "bank_clerk", "admin"])
def test_roles_without_the_inquiry_duty_print_no_statement(world, role):
    person = with_records(world)
    before = db_state()
    link = reverse("console:records_statement", args=[person.reference, 2026])
    assert en(world, role).get(link).status_code == 403
    assert db_state() == before


def test_a_statement_of_a_year_out_of_range_is_refused_and_reads_nothing(world):
    person = with_records(world)
    before = db_state()
    link = reverse("console:records_statement", args=[person.reference, 1900])
    answer = en(world, "window_clerk").get(link)
    assert answer.status_code == 422
    assert "1990" in answer.content.decode()
    assert db_state() == before


def test_a_hotline_agent_reads_only_the_checked_caller(world):
    person = with_records(world)
    client = en(world, "hotline_agent")
    url = reverse("console:hotline_records", args=[person.reference])
    before = db_state()
    refused = client.get(url)
    assert refused.status_code == 404 and db_state() == before
    # The window's page of the same person: the read model names no caller, so nothing.
    assert client.get(reverse("console:records", args=[person.reference])).status_code == 403
    session = client.session
    session[VERIFIED] = {str(person.pk): clock.now().isoformat()}
    session.save()
    answer = client.get(url)
    assert answer.status_code == 200
    event = AuditEvent.objects.filter(action="records.read").get()
    assert event.channel == Channel.HOTLINE
    # Checked for one caller, another person's records stay closed.
    other = reverse("console:hotline_records", args=[world.parent.reference])
    assert client.get(other).status_code == 404


# ---------------------------------------------------------------- authorisations


def authorisation_post(world: World, **extra: Any) -> dict[str, Any]:
    return {
        "authorised_id_number": world.parent.social_security_number,
        "insurances": ["pension", "medical"],
        "starts_on": "2026-11-20",
        "ends_on": "2027-11-20",
        "document": "委托书 2026-001",
        **extra,
    }


def test_a_window_clerk_records_and_ends_an_authorisation(world):
    client = en(world, "window_clerk")
    url = reverse("console:record_authorisation", args=[world.adult.reference])
    with clock.frozen_at(NOW):
        confirm = client.post(url, authorisation_post(world))
        assert confirm.status_code == 200 and "Record the authorisation" in confirm.text
        assert not Authorisation.objects.exists()
        done = client.post(url, {**authorisation_post(world), "confirm": "1"})
    assert done.status_code == 302
    authorisation = Authorisation.objects.get()
    assert authorisation.person == world.adult and authorisation.authorised == world.parent
    assert authorisation.insurances == ["medical", "pension"]
    assert AuditEvent.objects.filter(action="records.authorisation_recorded").count() == 1
    with clock.frozen_at(NOW):
        page = client.get(reverse("console:records", args=[world.adult.reference])).text
        assert authorisation.reference in page
        end = reverse("console:end_authorisation", args=[authorisation.reference])
        assert end in page
        assert client.post(end, {"confirm": "1"}).status_code == 302
    authorisation.refresh_from_db()
    assert authorisation.ended_at is not None
    assert AuditEvent.objects.filter(action="records.authorisation_ended").count() == 1
    again = client.get(end)
    assert again.status_code == 409


def test_a_bad_authorisation_is_refused_by_its_field_and_changes_nothing(world):
    client = en(world, "window_clerk")
    url = reverse("console:record_authorisation", args=[world.adult.reference])
    before = db_state()
    with clock.frozen_at(NOW):
        yourself = authorisation_post(
            world, authorised_id_number=world.adult.social_security_number, confirm="1"
        )
        answer = client.post(url, yourself)
        assert answer.status_code == 422
        assert "must be another person" in answer.text
        past = authorisation_post(world, starts_on="2025-01-01", ends_on="2025-06-01", confirm="1")
        assert client.post(url, past).status_code == 422
        assert client.post(url, authorisation_post(world, insurances=[])).status_code == 422
    assert db_state() == before


@pytest.mark.parametrize("role", ["supervisor", "hotline_agent", "bank_clerk"])
def test_only_window_clerks_record_authorisations(world, role):
    url = reverse("console:record_authorisation", args=[world.adult.reference])
    before = db_state()
    answer = en(world, role).post(url, {**authorisation_post(world), "confirm": "1"})
    assert answer.status_code == 403 and db_state() == before


# ---------------------------------------------------------------- disputes


def online(person: Person) -> Reader:
    return Reader(actor=Actor.citizen(person.pk, Channel.WEB), person=person)


def a_dispute(world: World, *, month: str = "2026-03", when: dt.datetime = NOW) -> Dispute:
    """The adult disputes a month of pension online (the portal)."""
    with clock.frozen_at(when):
        return open_dispute(
            reader=online(world.adult),
            person=world.adult,
            insurance="pension",
            month=month,
            reason="我那个月已经缴费了",
        )


def test_the_queue_shows_open_disputes_overdue_first_and_filters(world):
    with_records(world)
    late = a_dispute(world, month="2026-01", when=dt.datetime(2026, 9, 1, 2, tzinfo=dt.UTC))
    fresh = a_dispute(world)
    with clock.frozen_at(NOW):
        page = en(world, "supervisor").get(reverse("console:disputes")).text
        assert page.index(late.reference) < page.index(fresh.reference)
        assert "overdue" in page
        overdue = en(world, "window_clerk").get(reverse("console:disputes") + "?view=overdue")
        assert late.reference in overdue.text and fresh.reference not in overdue.text
        medical = en(world, "window_clerk").get(reverse("console:disputes") + "?insurance=medical")
        assert late.reference not in medical.text
        chinese = zh(world, "window_clerk").get(reverse("console:disputes")).text
        assert "待答复的异议" in chinese and "已逾期" in chinese


@pytest.mark.parametrize("role", ["hotline_agent", "bank_clerk", "community_clerk", "admin"])
def test_roles_that_do_not_answer_disputes_see_no_queue(world, role):
    dispute = a_dispute(world)
    before = db_state(dispute)
    client = en(world, role)
    assert client.get(reverse("console:disputes")).status_code == 403
    url = reverse("console:dispute", args=[dispute.reference])
    post = {"status": "confirmed", "answer": "核查无误", "confirm": "1"}
    assert client.post(url, post).status_code == 403
    assert db_state(dispute) == before


def test_a_dispute_confirmed_as_recorded_tells_the_person_in_their_language(world):
    with_records(world)
    world.adult.language = "en"
    world.adult.save()
    dispute = a_dispute(world)
    url = reverse("console:dispute", args=[dispute.reference])
    client = en(world, "window_clerk")
    with clock.frozen_at(NOW):
        form = client.get(url)
        assert form.status_code == 200 and "Answer dispute" in form.text
        confirm = client.post(url, {"status": "confirmed", "answer": "The record is right."})
        assert confirm.status_code == 200 and "Send the answer" in confirm.text
        done = client.post(
            url, {"status": "confirmed", "answer": "The record is right.", "confirm": "1"}
        )
    assert done.status_code == 302
    dispute.refresh_from_db()
    assert dispute.status == DisputeStatus.CONFIRMED
    message = OutboxMessage.objects.get(topic="dispute_answered")
    assert message.recipient_id == world.adult.pk
    words = render(message.topic, message.payload, world.adult.language)
    assert dispute.reference in words.text and "stands as recorded" in words.text
    assert not ContributionVersion.objects.exists()
    assert client.get(url).status_code == 409  # answered: no second answer


def test_a_wrong_record_is_corrected_through_a_new_version_keeping_the_old(world):
    with_records(world)
    dispute = a_dispute(world)
    wrong = ContributionRecord.objects.get(
        person=world.adult, insurance="pension", month=dispute.month
    )
    url = reverse("console:dispute", args=[dispute.reference])
    post = {
        "status": "corrected",
        "answer": "单位已补缴，记录已更正。",
        "record": str(wrong.pk),
        "base": "8000.00",
        "employer_amount": "1280.00",
        "individual_amount": "640.00",
        "record_status": "back_paid",
        "paid_on": "2026-11-10",
        "confirm": "1",
    }
    with clock.frozen_at(NOW):
        answer = zh(world, "supervisor").post(url, post)
    assert answer.status_code == 302, answer.content.decode()[:2000]
    wrong.refresh_from_db()
    assert (wrong.version, wrong.status) == (2, "back_paid")
    old = ContributionVersion.objects.get(record=wrong)
    assert (old.version, old.status, old.paid_on) == (1, "owed", None)
    booked = AuditEvent.objects.get(action="contributions.booked", object_id__startswith="dispute")
    assert booked.object_id == f"dispute:{dispute.reference}"
    assert booked.after["replaced"] == 1
    answered = AuditEvent.objects.get(action="records.dispute_answered")
    assert answered.after["corrected_here"] is True
    message = OutboxMessage.objects.get(topic="dispute_answered")
    words = render(message.topic, message.payload, world.adult.language)
    assert "已更正" in words.text


def test_a_bad_correction_changes_nothing(world):
    with_records(world)
    dispute = a_dispute(world)
    wrong = ContributionRecord.objects.get(
        person=world.adult, insurance="pension", month=dispute.month
    )
    url = reverse("console:dispute", args=[dispute.reference])
    base = {
        "status": "corrected",
        "answer": "更正",
        "record": str(wrong.pk),
        "base": "8000.00",
        "employer_amount": "1280.00",
        "individual_amount": "640.00",
        "record_status": "owed",
        "paid_on": "2026-11-10",  # an owed month has no paid day
        "confirm": "1",
    }
    before = db_state(wrong, dispute)
    client = en(world, "window_clerk")
    with clock.frozen_at(NOW):
        refused = client.post(url, base)
        assert refused.status_code == 422, refused.status_code
        assert "paid-on day is not valid" in refused.text
        same = {**base, "employer_amount": str(wrong.employer_amount),
                "individual_amount": str(wrong.individual_amount), "paid_on": ""}  # fmt: skip
        assert client.post(url, same).status_code == 422
        confirmed = {**base, "status": "confirmed"}
        assert client.post(url, confirmed).status_code == 422
        missing = {**base, "base": ""}
        assert client.post(url, missing).status_code == 422
    assert db_state(wrong, dispute) == before
    assert wrong.base == Decimal("8000.00")


# ---------------------------------------------------------------- a dispute opened at the window


def window_dispute_post(**extra: Any) -> dict[str, Any]:
    return {"insurance": "pension", "month": "2026-03", "reason": "单位已缴费，记录却显示欠缴。",
            **extra}  # fmt: skip


def test_a_window_clerk_opens_a_dispute_of_a_months_record_from_the_records_page(world):
    person = with_records(world)
    client = en(world, "window_clerk")
    url = reverse("console:open_dispute", args=[person.reference])
    with clock.frozen_at(NOW):
        page = client.get(reverse("console:records", args=[person.reference]) + "?year=2026").text
        assert f'href="{url}"' in page  # the section's button
        assert f"{url}?insurance=pension&amp;month=2026-03" in page  # the owed month's row
        form = client.get(url + "?insurance=pension&month=2026-03")
        assert form.status_code == 200 and 'value="2026-03"' in form.text
        confirm = client.post(url, window_dispute_post())
        assert confirm.status_code == 200 and "Open the dispute" in confirm.text
        assert not Dispute.objects.exists()
        done = client.post(url, window_dispute_post(confirm="1"))
    assert done.status_code == 302 and done["Location"] == reverse(
        "console:records", args=[person.reference]
    )
    dispute = Dispute.objects.get()
    assert (dispute.person, dispute.insurance, dispute.month) == (
        person, "pension", dt.date(2026, 3, 1)
    )  # fmt: skip
    assert dispute.channel == Channel.WINDOW and dispute.outlet == world.agency
    event = AuditEvent.objects.get(action="records.dispute_opened")
    assert event.actor_id == "window-clerk" and event.outlet_code == world.agency.code
    assert event.channel == Channel.WINDOW and event.object_id == dispute.reference
    # Answered like any dispute: the person is told.
    with clock.frozen_at(NOW):
        answered = en(world, "window_clerk").post(
            reverse("console:dispute", args=[dispute.reference]),
            {"status": "confirmed", "answer": "核查无误。", "confirm": "1"},
        )
    assert answered.status_code == 302
    message = OutboxMessage.objects.get(topic="dispute_answered")
    assert message.recipient_id == person.pk


def test_a_window_dispute_with_an_employer_names_it(world):
    person = with_records(world)
    code = ContributionRecord.objects.filter(person=person)[0].employer.credit_code
    url = reverse("console:open_dispute", args=[person.reference])
    with clock.frozen_at(NOW):
        done = en(world, "window_clerk").post(
            url, window_dispute_post(insurance="medical", month="2026-01", employer=code,
                                     confirm="1")
        )  # fmt: skip
    assert done.status_code == 302
    disputed = Dispute.objects.get().employer
    assert disputed is not None and disputed.credit_code == code


@pytest.mark.parametrize(
    ("language", "post", "status", "words"),
    [
        ("en", {"month": "2026-02"}, 422, "no record of this insurance in this month"),
        ("zh", {"month": "2026-02"}, 422, "本人该月没有此险种的记录"),
        ("en", {"insurance": "unemployment", "month": "2026-01"}, 422, "no record of this"),
        ("en", {"month": "March"}, 422, "Give the month as YYYY-MM"),
        ("en", {"reason": ""}, 422, "This field is required"),
    ],
)
def test_a_window_dispute_of_a_month_without_a_record_is_refused(
    world, language, post, status, words
):
    person = with_records(world)
    client = (en if language == "en" else zh)(world, "window_clerk")
    url = reverse("console:open_dispute", args=[person.reference])
    before = db_state()
    with clock.frozen_at(NOW):
        first = client.post(url, window_dispute_post(**post))
        confirmed = client.post(url, window_dispute_post(**post, confirm="1"))
    assert first.status_code == status and confirmed.status_code == status
    assert words in first.text and words in confirmed.text
    assert db_state() == before


def test_a_second_window_dispute_of_a_month_already_disputed_is_refused(world):
    person = with_records(world)
    first = a_dispute(world)  # the pension of 2026-03, opened online or at a window alike
    url = reverse("console:open_dispute", args=[person.reference])
    before = db_state()
    with clock.frozen_at(NOW):
        refused = en(world, "window_clerk").post(url, window_dispute_post(confirm="1"))
        chinese = zh(world, "window_clerk").post(url, window_dispute_post())
    assert refused.status_code == 409
    assert "already disputed" in refused.text and first.reference in refused.text
    assert chinese.status_code == 409 and "已有待答复的异议" in chinese.text
    assert db_state() == before
    # Once answered, the month may be disputed again.
    with clock.frozen_at(NOW):
        en(world, "supervisor").post(
            reverse("console:dispute", args=[first.reference]),
            {"status": "confirmed", "answer": "核查无误。", "confirm": "1"},
        )
        again = en(world, "window_clerk").post(url, window_dispute_post(confirm="1"))
    assert again.status_code == 302 and Dispute.objects.count() == 2


@pytest.mark.parametrize("role", ["supervisor", "hotline_agent"])
def test_staff_without_the_inquiry_duty_at_a_window_open_no_dispute(world, role):
    person = with_records(world)
    url = reverse("console:open_dispute", args=[person.reference])
    before = db_state()
    with clock.frozen_at(NOW):
        shown = zh(world, role).get(url)
        refused = en(world, role).post(url, window_dispute_post(confirm="1"))
    assert shown.status_code == 403 and "您的岗位" in shown.text
    assert refused.status_code == 403
    assert "Your role does not do this with contribution records" in refused.text
    assert db_state() == before
    if role == "supervisor":
        page = en(world, role).get(reverse("console:records", args=[person.reference])).text
        assert url not in page


@pytest.mark.parametrize("role", ["community_clerk", "bank_clerk", "admin"])
def test_roles_without_records_open_no_dispute(world, role):
    person = with_records(world)
    before = db_state()
    answer = en(world, role).post(
        reverse("console:open_dispute", args=[person.reference]), window_dispute_post(confirm="1")
    )
    assert answer.status_code == 403 and db_state() == before


# ---------------------------------------------------------------- whose disputes the queue holds


def at_window(clerk: Any, person: Person, *, month: str = "2026-01") -> Dispute:
    """A dispute opened at the window of the clerk's outlet."""
    from sscard.staff.selectors import actor_for, member_of

    member = member_of(clerk)
    assert member is not None
    with clock.frozen_at(NOW):
        return open_dispute(
            reader=Reader(actor=actor_for(member)),
            person=person,
            insurance="pension",
            month=month,
            reason="基数不对",
        )


def test_the_queue_holds_the_outlets_and_the_regions_disputes_and_the_supervisors_all(world):
    from tests.console_support import add_staff

    world.other_agency.region_code = "440105"  # 海珠区; the agency is in 天河区 (440106)
    world.other_agency.save()
    other_clerk = add_staff("window_clerk", world.other_agency, "window-2")
    tianhe = with_records(world)  # region 440106
    haizhu = make_person(region_code="440105")
    for person in (haizhu,):
        book(person, record(person, month="2026-01", paid_on="2026-01-15"))
    here = at_window(world.users["window_clerk"], tianhe)  # at the agency's window
    there = at_window(other_clerk, tianhe, month="2026-03")  # at the other agency's window
    online_here = a_dispute(world, month="2026-02")  # online, a person of the agency's region
    with clock.frozen_at(NOW):
        online_there = open_dispute(
            reader=online(haizhu), person=haizhu, insurance="pension", month="2026-01",
            reason="没有记入",
        )  # fmt: skip
    assert (here.outlet, there.outlet, online_here.outlet) == (
        world.agency, world.other_agency, None
    )  # fmt: skip
    everyone = {here, there, online_here, online_there}
    seen = {
        "window_clerk": {here, online_here},
        "supervisor": everyone,
    }
    with clock.frozen_at(NOW):
        for role, disputes in seen.items():
            page = en(world, role).get(reverse("console:disputes")).text
            assert {d for d in everyone if d.reference in page} == disputes, role
        client = Client()
        client.force_login(other_clerk)
        client.cookies["sscard_language"] = "en"
        page = client.get(reverse("console:disputes")).text
        assert {d for d in everyone if d.reference in page} == {there, online_there}
        for role in ("hotline_agent", "bank_clerk", "community_clerk", "admin"):
            assert en(world, role).get(reverse("console:disputes")).status_code == 403
        # Another agency's dispute reads as missing, and its answer changes nothing.
        before = db_state(there)
        url = reverse("console:dispute", args=[there.reference])
        clerk = en(world, "window_clerk")
        assert clerk.get(url).status_code == 404
        post = {"status": "confirmed", "answer": "核查无误。", "confirm": "1"}
        assert clerk.post(url, post).status_code == 404
        assert db_state(there) == before
        # The records page links the disputes the clerk may open, and no other.
        records = clerk.get(reverse("console:records", args=[tianhe.reference])).text
        assert f'href="{reverse("console:dispute", args=[here.reference])}"' in records
        assert there.reference in records and f'href="{url}"' not in records


def test_the_domain_answers_only_the_disputes_in_scope(world):
    from sscard.common.errors import DomainError, ErrorCode
    from sscard.records.permissions import disputes_seen_by
    from sscard.records.services import answer_dispute

    with_records(world)
    online_here = a_dispute(world)
    elsewhere = Actor(
        kind="staff", id="window-2", role=Role.WINDOW_CLERK, channel=Channel.WINDOW,
        outlet_code=world.other_agency.code,
    )  # fmt: skip
    world.other_agency.region_code = "440105"
    world.other_agency.save()
    assert not disputes_seen_by(elsewhere).exists()
    assert list(disputes_seen_by(window_actor(world))) == [online_here]
    hotline = Actor(kind="staff", id="h", role=Role.HOTLINE_AGENT, channel=Channel.HOTLINE,
                    outlet_code=world.bureau.code)  # fmt: skip
    bank = Actor(kind="staff", id="b", role=Role.BANK_CLERK, channel=Channel.BANK,
                 outlet_code=world.bank_outlet.code, bank_code=world.bank.code)  # fmt: skip
    assert not disputes_seen_by(hotline).exists() and not disputes_seen_by(bank).exists()
    before = db_state(online_here)
    with pytest.raises(DomainError) as refused:
        answer_dispute(
            actor=elsewhere, reference=online_here.reference, status="confirmed", answer="ok"
        )
    assert refused.value.code == ErrorCode.DISPUTE_NOT_FOUND
    assert db_state(online_here) == before


# ---------------------------------------------------------------- an answered dispute, read only


def correct_the_owed_month(world: World, client: Client) -> tuple[Dispute, ContributionRecord]:
    dispute = a_dispute(world)
    wrong = ContributionRecord.objects.get(
        person=world.adult, insurance="pension", month=dispute.month
    )
    post = {
        "status": "corrected",
        "answer": "单位已补缴，记录已更正。",
        "record": str(wrong.pk),
        "base": "8000.00",
        "employer_amount": "1280.00",
        "individual_amount": "640.00",
        "record_status": "back_paid",
        "paid_on": "2026-11-10",
        "confirm": "1",
    }
    with clock.frozen_at(NOW):
        done = client.post(reverse("console:dispute", args=[dispute.reference]), post)
    assert done.status_code == 302
    dispute.refresh_from_db()
    return dispute, wrong


def test_an_answered_dispute_opens_read_only_from_the_queue_with_its_answer(world):
    with_records(world)
    dispute, record_ = correct_the_owed_month(world, en(world, "window_clerk"))
    assert (dispute.answered_by, dispute.corrected_record, dispute.corrected_version) == (
        "window-clerk", record_, 2
    )  # fmt: skip
    url = reverse("console:dispute_answered", args=[dispute.reference])
    supervisor, clerk = en(world, "supervisor"), zh(world, "window_clerk")
    with clock.frozen_at(NOW):
        waiting = supervisor.get(reverse("console:disputes")).text
        answered = supervisor.get(reverse("console:disputes") + "?view=answered").text
        before = db_state(dispute, record_)
        shown = supervisor.get(url)
        chinese = clerk.get(url)
        assert db_state(dispute, record_) == before  # a page to read: nothing written
        records = en(world, "window_clerk").get(
            reverse("console:records", args=[world.adult.reference]) + "?year=2026"
        )
    assert dispute.reference not in waiting
    assert f'href="{url}"' in answered
    page = shown.text
    assert shown.status_code == 200 and "read only" in page
    assert "单位已补缴，记录已更正。" in page and "window-clerk" in page
    assert "2026-11-20" in page  # answered on (Beijing time)
    assert "checked and corrected" in page and "version 2" in page and "version 1" in page
    assert "1280.00" in page and "back paid" in page and "owed" in page  # new, and replaced
    assert 'name="status"' not in page and 'name="answer"' not in page
    assert "Send the answer" not in page
    assert chinese.status_code == 200 and "答复人" in chinese.text and "第 2 版" in chinese.text
    assert "经核查，已更正" in chinese.text and "read only" not in chinese.text
    assert f'href="{url}"' in records.text
    # Its answer page refuses a second answer; an open dispute's read-only page leads there.
    assert (
        en(world, "window_clerk")
        .get(reverse("console:dispute", args=[dispute.reference]))
        .status_code
        == 409
    )
    fresh = a_dispute(world, month="2026-01")
    with clock.frozen_at(NOW):
        to_answer = en(world, "window_clerk").get(
            reverse("console:dispute_answered", args=[fresh.reference])
        )
    assert to_answer.status_code == 302
    assert to_answer["Location"] == reverse("console:dispute", args=[fresh.reference])


def test_a_dispute_confirmed_shows_no_corrected_record(world):
    with_records(world)
    dispute = a_dispute(world)
    with clock.frozen_at(NOW):
        en(world, "supervisor").post(
            reverse("console:dispute", args=[dispute.reference]),
            {"status": "confirmed", "answer": "核查无误。", "confirm": "1"},
        )
        page = (
            en(world, "window_clerk")
            .get(reverse("console:dispute_answered", args=[dispute.reference]))
            .text
        )
    assert "核查无误。" in page and "supervisor" in page
    assert "No record was corrected by this answer." in page


@pytest.mark.parametrize("role", ["hotline_agent", "bank_clerk", "community_clerk", "admin"])
def test_roles_that_do_not_answer_disputes_read_no_answered_dispute(world, role):
    with_records(world)
    dispute, _ = correct_the_owed_month(world, en(world, "supervisor"))
    url = reverse("console:dispute_answered", args=[dispute.reference])
    assert en(world, role).get(url).status_code == 403


def test_another_agencys_answered_dispute_reads_as_missing(world):
    from tests.console_support import add_staff

    world.other_agency.region_code = "440105"
    world.other_agency.save()
    with_records(world)
    dispute, _ = correct_the_owed_month(world, en(world, "supervisor"))
    client = Client()
    client.force_login(add_staff("window_clerk", world.other_agency, "window-2"))
    url = reverse("console:dispute_answered", args=[dispute.reference])
    missing = reverse("console:dispute_answered", args=["RDNOTHING000"])
    assert client.get(url).status_code == 404 and client.get(missing).status_code == 404
    answered = client.get(reverse("console:disputes") + "?view=answered").text
    assert dispute.reference not in answered


# ---------------------------------------------------------------- a caller's wards by phone


def test_a_hotline_agent_reads_the_records_of_the_checked_callers_wards_in_force(world):
    guardian, ward = world.parent, world.child
    book(ward, record(ward, month="2026-01", paid_on="2026-01-15"))
    client = en(world, "hotline_agent")
    url = reverse("console:hotline_ward_records", args=[guardian.reference, ward.reference])
    before = db_state()
    assert client.get(url).status_code == 404  # the caller's identity is not checked yet
    assert db_state() == before
    session = client.session
    session[VERIFIED] = {str(guardian.pk): clock.now().isoformat()}
    session.save()
    with clock.frozen_at(NOW):
        client.cookies["sscard_language"] = "zh-hans"
        listed = client.get(reverse("console:hotline_caller", args=[guardian.reference]))
        client.cookies["sscard_language"] = "en"
        answer = client.get(url + "?year=2026")
    assert f'href="{url}"' in listed.text and "来电人的被监护人" in listed.text
    assert answer.status_code == 200 and "2026-01" in answer.text
    assert ward.name not in answer.text and ward.social_security_number not in answer.text
    event = AuditEvent.objects.get(action="records.read")
    assert event.object_id == str(ward.pk) and event.channel == Channel.HOTLINE
    assert event.actor_role == Role.HOTLINE_AGENT
    # Someone who is not the caller's ward reads as missing, whatever the address says.
    not_a_ward = reverse("console:hotline_ward_records", args=[guardian.reference,
                                                               world.adult.reference])  # fmt: skip
    assert client.get(not_a_ward).status_code == 404


def test_a_former_ward_is_not_read_by_phone(world):
    guardian, ward = world.parent, world.child
    world.link.ended_at = clock.now() - dt.timedelta(days=1)
    world.link.end_reason = "guardian_removed"
    world.link.save(update_fields=["ended_at", "end_reason"])
    client = en(world, "hotline_agent")
    session = client.session
    session[VERIFIED] = {str(guardian.pk): clock.now().isoformat()}
    session.save()
    url = reverse("console:hotline_ward_records", args=[guardian.reference, ward.reference])
    before = db_state()
    assert client.get(url).status_code == 404
    assert db_state() == before
    listed = client.get(reverse("console:hotline_caller", args=[guardian.reference])).text
    assert url not in listed


# ---------------------------------------------------------------- refusals in Chinese words only

ERROR_SUMMARY = re.compile(r'<div class="error-summary".*?</div>', re.S)


def _refusal_cases(world: World) -> dict[str, tuple[str, dict[str, Any], Any]]:
    """Each refusal: the page, what is posted, and the service call that refuses the same way
    (to read the domain's English detail)."""
    from sscard.records.services import Correction, answer_dispute, record_authorisation

    dispute = a_dispute(world)
    wrong = ContributionRecord.objects.get(
        person=world.adult, insurance="pension", month=dispute.month
    )
    correction = {"record": str(wrong.pk), "base": "8000.00", "employer_amount": "1280.00",
                  "individual_amount": "640.00", "record_status": "back_paid",
                  "paid_on": "2026-11-10"}  # fmt: skip
    answer_url = reverse("console:dispute", args=[dispute.reference])
    authorise_url = reverse("console:record_authorisation", args=[world.adult.reference])
    dispute_url = reverse("console:open_dispute", args=[world.adult.reference])
    actor = window_actor(world)
    return {
        "a confirmed record corrected": (
            answer_url,
            {"status": "confirmed", "answer": "核查无误", **correction, "confirm": "1"},
            lambda: answer_dispute(
                actor=actor, reference=dispute.reference, status="confirmed", answer="核查无误",
                correction=Correction(wrong.pk, "8000.00", "1280.00", "640.00", "back_paid",
                                      "2026-11-10"),
            ),
        ),
        "an authorisation to oneself": (
            authorise_url,
            authorisation_post(world, authorised_id_number=world.adult.social_security_number,
                               confirm="1"),
            lambda: record_authorisation(
                actor=actor, person=world.adult, authorised=world.adult, insurances=["pension"],
                starts_on=dt.date(2026, 11, 20), ends_on=dt.date(2027, 11, 20), document="委托书",
            ),
        ),
        "a window dispute of a month to come": (
            dispute_url,
            window_dispute_post(month="2099-01", confirm="1"),
            lambda: open_dispute(reader=Reader(actor=actor), person=world.adult,
                                 insurance="pension", month="2099-01", reason="错了"),
        ),
    }  # fmt: skip


@pytest.mark.parametrize(
    "case",
    ["a confirmed record corrected", "an authorisation to oneself",
     "a window dispute of a month to come"],
)  # fmt: skip
def test_a_refusal_in_chinese_says_nothing_of_the_domains_english_detail(world, case):
    from sscard.common.errors import DomainError

    with clock.frozen_at(NOW):
        with_records(world)
        url, post, call = _refusal_cases(world)[case]
        with pytest.raises(DomainError) as refused:
            call()
        english = refused.value.detail + " " + " ".join(e.message for e in refused.value.errors)
        before = db_state()
        answer = zh(world, "window_clerk").post(url, post)
    assert answer.status_code == 422 and db_state() == before
    (summary,) = ERROR_SUMMARY.findall(answer.text)
    text = re.sub(r"<[^>]+>", " ", summary)
    assert re.search(r"[\u4e00-\u9fff]", text)
    words = set(re.findall(r"[A-Za-z]{2,}", english))
    assert words and not any(re.search(rf"\b{w}\b", text) for w in words), text
    assert not re.search(r"[A-Za-z]", text), text  # no English at all


# ---------------------------------------------------------------- the yearly statement's state


def test_the_records_page_says_where_the_years_statement_is_in_the_yearly_run(world):
    from sscard.records.statement_run import make_statements, queue_statements

    person = with_records(world)
    url = reverse("console:records", args=[person.reference]) + "?year=2026"
    with clock.frozen_at(NOW):
        assert "not in a yearly run" in en(world, "window_clerk").get(url).text
        queue_statements(year=2026, actor=Actor.system(), background=False)
        assert "queued, not made yet" in en(world, "window_clerk").get(url).text
        assert "已排队，尚未生成" in zh(world, "supervisor").get(url).text
        make_statements(2026)
        assert "made, and the person told" in en(world, "window_clerk").get(url).text
        chinese = zh(world, "window_clerk").get(url).text
    assert "已生成，已通知本人" in chinese and "made, and" not in chinese
