"""The portal's records pages through Django's test client: who sees whose records (the holder,
a guardian in force and not after the ward's 18th birthday, a person authorised in writing
before, during and after the authorisation and only for the insurances it covers, a stranger
reading the same "not found" as for a missing person), what the pages show (months without a
record and owed months in words, totals, the chart with its table), every reading through the
records service (audited for anyone but the holder, channel web), and disputes opened from a
month's line (refusals change nothing)."""

from __future__ import annotations

import datetime as dt
import io
import re
from contextlib import AbstractContextManager

import pytest
from django.test import Client
from pypdf import PdfReader

from sscard.audit.models import AuditEvent
from sscard.common.clock import frozen_at
from sscard.people.masking import mask_name
from sscard.portal.session import PERSON_KEY
from sscard.records.models import Dispute
from sscard.records.services import answer_dispute
from tests.factories import make_guardianship, make_person, nothing_changes
from tests.portal_records_support import (
    OWED_MONTH,
    SUPERVISOR,
    YEAR,
    a_year_of_records,
    authorise,
    credit_code,
    employer_name,
)

pytestmark = pytest.mark.django_db

NOON = dt.time(4, 0, tzinfo=dt.UTC)  # noon in Beijing


def at(day: dt.date) -> AbstractContextManager[None]:
    return frozen_at(dt.datetime.combine(day, NOON))


def client_for(person, language: str = "en") -> Client:
    client = Client()
    session = client.session
    session[PERSON_KEY] = person.pk
    session.save()
    client.cookies["sscard_language"] = language
    return client


def page(client: Client, path: str, status: int = 200) -> str:
    answer = client.get(path)
    assert answer.status_code == status, (path, answer.status_code)
    return answer.content.decode()


def main(html: str) -> str:
    """The page's own content (the header's forms hold the address and a fresh token)."""
    found = re.search(r"<main.*</main>", html, re.S)
    assert found is not None
    return found.group(0)


def readings() -> list[tuple[str, str, str]]:
    return [
        (e.actor_id, e.channel, e.after["basis"])
        for e in AuditEvent.objects.filter(action="records.read").order_by("seq")
    ]


# ---------------------------------------------------------------- one's own


def test_the_holder_sees_a_year_per_insurance_with_gaps_owed_months_and_totals() -> None:
    me = make_person()
    a_year_of_records(me)

    html = page(client_for(me), f"/records/?year={YEAR}")

    assert "Pension insurance in 2025" in html and "Medical insurance in 2025" in html
    assert html.count("No record for this month") == 2  # April, in each insurance
    assert "1 month without a record: April 2025." in html
    assert "1 month owed (not paid): September 2025." in html
    assert html.count("Owed: not paid") == 2
    assert employer_name(1) in html and employer_name(2) in html
    # 11 months with a record (June counted once for its two employers), one of them owed
    assert "11 months with a record, 1 owed" in html
    # pension: 12 rows of 8000 (June twice) = 96,000.00; 16 % and 8 %
    assert "96,000.00" in html and "15,360.00" in html and "7,680.00" in html
    # the chart: drawn on the server, labelled, its gap marked, no inline script or style
    assert '<svg viewBox="0 0 480 240" role="img" aria-labelledby="chart-pension-title"' in html
    assert "Apr: no record" in html
    assert "<script>" not in html and "style=" not in html
    assert readings() == []  # one's own records: not audited


def test_a_person_without_records_reads_that_there_are_none() -> None:
    me = make_person()
    html = page(client_for(me), "/records/")
    assert "No record in" in html
    assert page(client_for(me), "/records/?year=1999", 404)
    assert "These records may not exist" in page(client_for(me), "/records/?year=abc", 404)


def test_the_pages_are_personal_never_cached_and_ask_to_sign_in() -> None:
    me = make_person()
    answer = client_for(me).get("/records/")
    assert "no-store" in answer["Cache-Control"] or "max-age=0" in answer["Cache-Control"]
    anonymous = Client().get("/records/rights/")
    assert anonymous.status_code == 302
    assert anonymous["Location"] == "/sign-in/?next=%2Frecords%2Frights%2F"


def test_both_languages() -> None:
    me = make_person()
    a_year_of_records(me)
    html = page(client_for(me, "zh-hans"), f"/records/?year={YEAR}")
    assert "养老保险" in html and "本月没有缴费记录" in html and "2025年4月" in html
    html = page(client_for(me, "zh-hans"), "/records/rights/")
    assert "养老保险个人账户" in html


# ---------------------------------------------------------------- rights


def test_the_rights_summary_shows_months_paid_and_the_personal_accounts() -> None:
    me = make_person()
    a_year_of_records(me, year=2024)
    a_year_of_records(me, year=2025)

    html = page(client_for(me), "/records/rights/")

    row = re.search(r'<tr id="months-pension">(.*?)</tr>', html, re.S)
    assert row is not None
    cells = re.findall(r"<td[^>]*>(.*?)</td>", row.group(1), re.S)
    # 2 × 10 months paid (April missing, September owed); longest run: October 2024 to March 2025
    assert cells[:2] == ["20", "6"]
    assert 'id="pension-account"' in html and 'id="medical-account"' in html
    assert "2.62 %" in html  # the 2024 rate, announced


# ---------------------------------------------------------------- who sees whose


def test_a_guardian_sees_a_wards_records_audited_with_the_channel_web() -> None:
    parent = make_person()
    child = make_person(age=16)
    make_guardianship(guardian=parent, ward=child)
    a_year_of_records(child)

    mine = page(client_for(parent), "/records/")
    assert f'href="/records/{child.reference}/"' in mine
    html = page(client_for(parent), f"/records/{child.reference}/?year={YEAR}")

    assert "you see these records as the guardian" in html
    assert mask_name(child.name) in html and child.name not in html
    assert "Dispute this month" in html
    assert readings() == [(f"person:{parent.pk}", "web", "guardian")]


def test_a_former_guardian_reads_not_found_from_the_wards_18th_birthday() -> None:
    parent = make_person()
    child = make_person(age=18)
    make_guardianship(guardian=parent, ward=child)
    a_year_of_records(child)

    html = page(client_for(parent), f"/records/{child.reference}/", 404)

    assert "These records may not exist" in html
    assert f"/records/{child.reference}/" not in page(client_for(parent), "/records/")
    page(client_for(parent), f"/records/{child.reference}/rights/", 404)
    assert readings() == []


def test_an_authorised_person_sees_only_the_insurances_covered_and_only_while_in_force() -> None:
    holder, friend = make_person(), make_person()
    a_year_of_records(holder)
    starts, ends = dt.date(2026, 3, 1), dt.date(2026, 6, 1)
    with at(dt.date(2026, 2, 1)):
        authorise(holder, friend, insurances=("pension",), starts_on=starts, ends_on=ends)
        before = page(client_for(friend), f"/records/{holder.reference}/", 404)
    with at(dt.date(2026, 3, 1)):
        during = page(client_for(friend), f"/records/{holder.reference}/?year={YEAR}")
        rights = page(client_for(friend), f"/records/{holder.reference}/rights/")
        dispute = page(
            client_for(friend),
            f"/records/{holder.reference}/dispute/?insurance=pension&month=2025-04",
            404,
        )
    with at(dt.date(2026, 6, 1)):
        after = page(client_for(friend), f"/records/{holder.reference}/", 404)

    assert "These records may not exist" in before and "These records may not exist" in after
    assert "Pension insurance in 2025" in during and "Medical insurance" not in during
    assert (
        "authorised you in writing to see these records of Pension insurance, until 31 May"
        in during
    )
    assert "Dispute this month" not in during  # the holder or a guardian disputes
    assert 'id="pension-account"' in rights and 'id="medical-account"' not in rights
    assert 'id="months-medical"' not in rights
    assert "These records may not exist" in dispute
    assert readings() == [
        (f"person:{friend.pk}", "web", "authorisation"),
        (f"person:{friend.pk}", "web", "authorisation"),
    ]


def test_a_stranger_reads_the_same_not_found_as_for_nobody() -> None:
    holder, stranger = make_person(), make_person()
    a_year_of_records(holder)

    theirs = client_for(stranger).get(f"/records/{holder.reference}/")
    nobody = client_for(stranger).get("/records/PNOBODY000000/")

    assert theirs.status_code == nobody.status_code == 404
    assert main(theirs.content.decode()) == main(nobody.content.decode())
    for path in ("rights/", "disputes/", "dispute/?insurance=pension&month=2025-04"):
        page(client_for(stranger), f"/records/{holder.reference}/{path}", 404)
    assert readings() == []


# ---------------------------------------------------------------- disputes


def test_a_month_is_disputed_from_its_line_and_confirmed_with_its_reference() -> None:
    me = make_person()
    a_year_of_records(me)
    client = client_for(me)
    html = page(client, f"/records/?year={YEAR}")
    link = (
        f"/records/{me.reference}/dispute/?insurance=pension"
        f"&amp;month=2025-{OWED_MONTH:02d}&amp;employer={credit_code(2)}"
    )
    assert link in html

    form = page(client, link.replace("&amp;", "&"))
    assert "Which employer" not in form  # the line named its employer
    answer = client.post(link.replace("&amp;", "&"), {"reason": "我已缴费，记录却显示欠缴。"})

    dispute = Dispute.objects.get()
    assert answer.status_code == 302 and answer["Location"] == f"/disputes/{dispute.reference}/"
    assert (dispute.channel, dispute.insurance, dispute.month) == (
        "web",
        "pension",
        dt.date(2025, 9, 1),
    )
    assert dispute.employer is not None and dispute.employer.credit_code == credit_code(2)
    done = page(client, answer["Location"])
    assert "Your dispute is recorded" in done and dispute.reference in done
    assert f"{dispute.answer_due:%-d %b}" in done
    listed = page(client, "/records/disputes/")
    assert dispute.reference in listed and "Being checked" in listed


def test_a_month_with_two_employers_asks_which_and_a_gap_names_none() -> None:
    me = make_person()
    a_year_of_records(me)
    client = client_for(me)
    path = f"/records/{me.reference}/dispute/?insurance=pension&month=2025-06"

    form = page(client, path)
    assert "Which employer" in form and employer_name(1) in form and employer_name(2) in form
    with nothing_changes():
        refused = client.post(path, {"reason": "工资基数不对"})
    assert refused.status_code == 200 and 'class="error-summary"' in refused.content.decode()
    client.post(path, {"reason": "工资基数不对", "employer": credit_code(1)})
    gap = f"/records/{me.reference}/dispute/?insurance=pension&month=2025-04"
    assert "No record for this month" in page(client, gap)
    client.post(gap, {"reason": "这个月我在职"})

    assert sorted(
        (d.month.month, d.employer.credit_code if d.employer else None)
        for d in Dispute.objects.all()
    ) == [(4, None), (6, credit_code(1))]


@pytest.mark.parametrize(
    ("query", "data", "words"),
    [
        ("insurance=pension&month=2025-06", {"reason": ""}, "Say what is wrong"),
        ("insurance=pension&month=2025-06", {"reason": "x" * 501}, "at most 500"),
        ("insurance=tea&month=2025-06", {"reason": "错了"}, "Your dispute could not be recorded"),
        (
            "insurance=pension&month=2099-01",
            {"reason": "错了"},
            "Your dispute could not be recorded",
        ),
        ("insurance=pension&month=June", {"reason": "错了"}, "Your dispute could not be recorded"),
        (
            "insurance=pension&month=2025-06",
            {"reason": "错了", "employer": "91440106MA0000000X"},
            "Choose",
        ),
    ],
)
def test_a_refused_dispute_says_why_and_changes_nothing(query, data, words) -> None:
    me = make_person()
    a_year_of_records(me)
    client = client_for(me)

    with nothing_changes():
        answer = client.post(f"/records/{me.reference}/dispute/?{query}", data)

    html = answer.content.decode()
    assert answer.status_code == 200 and words in html
    assert 'class="error-summary"' in html


def test_a_guardian_disputes_for_a_ward_and_a_stranger_cannot_see_the_dispute() -> None:
    parent = make_person()
    child = make_person(age=16)
    make_guardianship(guardian=parent, ward=child)
    a_year_of_records(child)
    client = client_for(parent)

    answer = client.post(
        f"/records/{child.reference}/dispute/?insurance=medical&month=2025-04",
        {"reason": "孩子这个月有记录"},
    )

    dispute = Dispute.objects.get()
    assert dispute.person_id == child.pk
    assert "Your dispute is recorded" in page(client, answer["Location"])
    assert dispute.reference in page(client, f"/records/{child.reference}/disputes/")
    stranger = client_for(make_person())
    assert main(page(stranger, f"/disputes/{dispute.reference}/", 404)) == main(
        page(stranger, "/disputes/RDNOTHING000/", 404)
    )
    page(client_for(child), f"/disputes/{dispute.reference}/")  # the holder sees it too


def test_the_list_of_disputes_shows_each_status_and_the_agencys_answer() -> None:
    me = make_person()
    a_year_of_records(me)
    client = client_for(me, "zh-hans")
    client.post(
        f"/records/{me.reference}/dispute/?insurance=pension&month=2025-04",
        {"reason": "这个月我在职"},
    )
    dispute = Dispute.objects.get()
    answer_dispute(
        actor=SUPERVISOR,
        reference=dispute.reference,
        status="confirmed",
        answer="经核实，该月单位未申报，记录无误。",
    )

    listed = page(client, "/records/disputes/")
    detail = page(client, f"/disputes/{dispute.reference}/")

    assert "已核查：记录无误，维持原记录" in listed and "经核实，该月单位未申报" in listed
    assert "经核实，该月单位未申报" in detail and "您的异议已登记" not in detail


def test_the_menu_marks_my_records_on_every_records_page_and_only_there() -> None:
    me = make_person()
    client = client_for(me)
    current = re.compile(r'<a href="/records/" aria-current="page">')
    for path in ("/records/", "/records/rights/", "/records/disputes/"):
        assert current.search(page(client, path)), path
    assert not current.search(page(client, "/cards/"))
    assert not current.search(page(client, "/outlets/"))


# ---------------------------------------------------------------- the yearly statement


def statement_text(pdf: bytes) -> str:
    return "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages)


def test_the_statement_of_the_year_shown_downloads_as_a_pdf_of_the_readers_insurances() -> None:
    holder, friend = make_person(), make_person()
    a_year_of_records(holder)
    with at(dt.date(2026, 2, 1)):
        authorise(
            holder,
            friend,
            insurances=("pension",),
            starts_on=dt.date(2026, 2, 1),
            ends_on=dt.date(2026, 6, 1),
        )
        html = page(client_for(holder), f"/records/?year={YEAR}")
        link = f"/records/{holder.reference}/statements/{YEAR}.pdf"
        assert f'href="{link}"' in html
        mine = client_for(holder).get(link)
        theirs = client_for(friend).get(link)

    assert mine.status_code == theirs.status_code == 200
    assert mine["Content-Type"] == theirs["Content-Type"] == "application/pdf"
    own, authorised = statement_text(mine.content), statement_text(theirs.content)
    assert "养老" in own and "医疗" in own
    assert "养老" in authorised and "医疗保险" not in authorised
    assert holder.social_security_number not in own + authorised
    # The holder's own reading is not audited; the authorised person's is.
    assert readings() == [(f"person:{friend.pk}", "web", "authorisation")]


def test_a_statement_out_of_reach_or_of_a_year_out_of_range_is_not_found() -> None:
    holder, stranger = make_person(), make_person()
    a_year_of_records(holder)

    page(client_for(stranger), f"/records/{holder.reference}/statements/{YEAR}.pdf", 404)
    page(client_for(holder), f"/records/{holder.reference}/statements/1900.pdf", 404)
    page(client_for(holder), f"/records/{holder.reference}/statements/2999.pdf", 404)
    assert readings() == []


def test_the_citizen_reads_the_answer_and_the_corrected_version_of_their_dispute() -> None:
    from sscard.records.models import ContributionRecord
    from sscard.records.services import Correction

    me = make_person()
    a_year_of_records(me)
    client = client_for(me)
    owed = f"/records/{me.reference}/dispute/?insurance=pension&month=2025-{OWED_MONTH:02d}"
    client.post(owed + f"&employer={credit_code(2)}", {"reason": "我已缴费，记录却显示欠缴。"})
    dispute = Dispute.objects.get()
    record = ContributionRecord.objects.get(
        person=me, insurance="pension", month=dt.date(YEAR, OWED_MONTH, 1)
    )
    answer_dispute(
        actor=SUPERVISOR,
        reference=dispute.reference,
        status="corrected",
        answer="单位已于11月补缴，记录已更正。",
        correction=Correction(
            record_id=record.pk,
            base=str(record.base),
            employer_amount=str(record.employer_amount),
            individual_amount=str(record.individual_amount),
            status="back_paid",
            paid_on="2025-11-10",
        ),
    )
    english = page(client, f"/disputes/{dispute.reference}/")
    assert "单位已于11月补缴，记录已更正。" in english
    assert "now stands as version 2" in english and "Your dispute is recorded" not in english
    chinese = page(client_for(me, "zh-hans"), f"/disputes/{dispute.reference}/")
    assert "单位已于11月补缴" in chinese and "该月记录现为第 2 版" in chinese
    assert "now stands" not in chinese


def test_the_records_page_says_where_the_years_statement_is() -> None:
    from sscard.common.context import Actor
    from sscard.records.statement_run import make_statements, queue_statements

    me = make_person()
    a_year_of_records(me)
    path = f"/records/?year={YEAR}"
    assert "The yearly statement of" not in page(client_for(me), path)
    queue_statements(year=YEAR, actor=Actor.system(), background=False)
    assert f"The yearly statement of {YEAR}: Being prepared" in page(client_for(me), path)
    make_statements(YEAR)
    english = page(client_for(me), path)
    chinese = page(client_for(me, "zh-hans"), path)
    assert f"The yearly statement of {YEAR}: Ready: we sent you a message" in english
    assert f"{YEAR}年度权益记录单：已生成，已发消息通知您" in chinese
