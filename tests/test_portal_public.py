"""The portal's pages anyone may open (the outlet finder, the reissue guide), its languages, and
following an application with its receipt, through Django's test client."""

from __future__ import annotations

import re
from collections.abc import Iterator
from decimal import Decimal
from html import unescape

import pytest
from django.test import Client

from sscard.outlets.models import OutletType, Service
from sscard.policy.models import LapseAction, ValidityUnit
from sscard.portal import formats
from tests.factories import ALL_HOURS, make_outlet, make_policy
from tests.portal_support import citizen, fresh_rate_limits, reissue_ready_for_collection
from tests.test_portal_access import signed_in

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_rate_limits() -> Iterator[None]:
    with fresh_rate_limits():
        yield


def english() -> Client:
    client = Client()
    client.cookies["sscard_language"] = "en"
    return client


def text(html: str) -> str:
    """The page's words without tags or runs of spaces."""
    return re.sub(r"\s+", " ", unescape(re.sub(r"<[^>]+>", " ", html)))


# ---------------------------------------------------------------- languages


def test_pages_speak_chinese_unless_english_is_chosen():
    client = Client(headers={"accept-language": "en-GB,en;q=0.9"})
    page = client.get("/").content.decode()
    assert '<html lang="zh-Hans">' in page and "社会保障卡" in page

    switched = client.post("/i18n/setlang/", {"language": "en", "next": "/outlets/"})

    assert switched.status_code == 302 and switched["Location"] == "/outlets/"
    assert '<html lang="en">' in client.get("/outlets/").content.decode()


def test_every_portal_string_has_a_chinese_translation():
    from pathlib import Path

    import sscard.portal

    po = Path(sscard.portal.__file__).parent / "locale/zh_Hans/LC_MESSAGES/django.po"
    entries = po.read_text(encoding="utf-8").split("\n\n")[1:]
    untranslated = [e for e in entries if re.search(r'^msgstr(\[0\])? ""\n(?!")', e + "\n", re.M)]
    fuzzy = [e for e in entries if "#, fuzzy" in e]
    assert untranslated == [] and fuzzy == []
    assert (po.parent / "django.mo").stat().st_mtime >= po.stat().st_mtime - 1


# ---------------------------------------------------------------- the outlet finder


@pytest.fixture
def outlets():
    near = make_outlet(
        code="SI0001", name="近的社保中心", lat=23.1300, lon=113.3300, region_code="440106"
    )
    far = make_outlet(code="SI0002", name="远的社保中心", lat=23.2000, lon=113.4000)
    bank = make_outlet(
        code="BK0009",
        name="银行网点",
        type=OutletType.SELF_SERVICE_TERMINAL,
        services=[Service.TEMPORARY_LOSS_REPORT],
        lat=23.1295,
        lon=113.3295,
        hours={},
    )
    other = make_outlet(
        code="SI0003", name="海珠区社保中心", lat=23.1500, lon=113.3500, region_code="440105"
    )
    return near, far, bank, other


def test_the_finder_lists_outlets_nearest_first_from_a_given_location(outlets):
    page = english().get("/outlets/", {"near": "23.1291,113.3225"}).content.decode()
    names = re.findall(r'<li class="outlet" id="outlet-(\w+)"', page)
    assert names[:3] == ["BK0009", "SI0001", "SI0003"] and names[-1] == "SI0002"
    assert "nearest first from your location" in page
    assert "<svg" in page and page.count('class="plan-num"') == 4


def test_the_finder_filters_by_service_type_and_district(outlets):
    client = english()
    by_service = client.get("/outlets/", {"service": "reissue"}).content.decode()
    assert "BK0009" not in by_service and "SI0001" in by_service
    by_type = client.get("/outlets/", {"type": "self_service_terminal"}).content.decode()
    assert re.findall(r'id="outlet-(\w+)"', by_type) == ["BK0009"]
    by_district = client.get("/outlets/", {"region": "440105"}).content.decode()
    assert re.findall(r'id="outlet-(\w+)"', by_district) == ["SI0003"]


def test_the_finder_says_whether_an_outlet_is_open_now(outlets):
    page = text(english().get("/outlets/", {"open_now": "on"}).content.decode())
    assert "Open now" in page and "银行网点" not in page  # a terminal with no hours


def test_a_location_that_is_not_one_is_refused_next_to_the_field_and_kept(outlets):
    answer = english().get("/outlets/", {"near": "somewhere", "service": "reissue"})
    html = answer.content.decode()
    assert answer.status_code == 200
    assert 'id="id_near-error"' in html and 'value="somewhere"' in html
    assert '<option value="reissue" selected>' in html
    assert 'href="#id_near"' in html


def test_htmx_gets_the_results_only(outlets):
    partial = Client().get("/outlets/", {"region": "440105"}, headers={"HX-Request": "true"})
    html = partial.content.decode()
    assert html.lstrip().startswith('<section id="results"') and "<html" not in html


# ---------------------------------------------------------------- the reissue guide


def test_the_guide_for_an_adult_follows_the_regional_policy():
    make_policy(
        region_prefix="440106",
        temporary_validity=3,
        temporary_validity_unit=ValidityUnit.WORKING_DAYS,
        on_temporary_lapse=LapseAction.CANCEL,
        reissue_fee=Decimal("30.00"),
        batch_production_working_days=10,
    )
    make_outlet(code="SI0001", name="天河区社会保险基金管理中心", region_code="440106")

    page = text(
        english()
        .get("/guide/", {"who": "adult", "what": "lost", "bank": "yes", "region": "440106"})
        .content.decode()
    )

    assert "Rules of 天河区" in page
    assert "30.00 yuan" in page and "About 10 working days" in page
    assert "lasts 3 working days here" in page
    assert "the card is cancelled when the report ends" in page
    assert "Your ID card" in page and "household" not in page
    assert "天河区社会保险基金管理中心" in page
    assert "Social Insurance Law" in page


def test_the_guide_for_a_child_names_the_guardians_documents_and_age():
    make_policy(region_prefix="440106", age_acting_alone=18)
    make_outlet(code="SI0001", region_code="440106")

    page = text(
        english()
        .get("/guide/", {"who": "child", "what": "lost", "bank": "no", "region": "440106"})
        .content.decode()
    )

    assert "The child's ID card or the household registration book (hukou)" in page
    assert "Your own ID card" in page
    assert "Also bring proof that you are the child's guardian" in page
    assert "Until the age of 18" in page
    assert "20.00 yuan" in page


def test_the_guide_for_a_damaged_card_is_a_replacement():
    page = text(
        english().get("/guide/", {"who": "adult", "what": "damaged", "bank": "no"}).content.decode()
    )
    assert "Apply for a replacement" in page and "free" in page
    assert "keeps working until you collect the new one" in page


def test_unanswered_questions_are_shown_next_to_each_question():
    answer = english().get("/guide/", {"region": ""})
    html = answer.content.decode()
    for name in ("who", "what", "bank"):
        assert f'id="id_{name}-error"' in html and f'href="#id_{name}_0"' in html


# ---------------------------------------------------------------- following an application


def test_an_application_reads_like_a_parcel_and_its_receipt_is_a_pdf():
    person, card = citizen()
    app = reissue_ready_for_collection(card)
    client = signed_in(english(), person)

    page = text(client.get(f"/applications/{app.number}/").content.decode())

    assert "The card is ready to collect" in page
    assert f"by {formats.day(app.collect_by)}" in page
    assert app.collection_outlet is not None and app.collection_outlet.name in page
    for step in ("Application received", "Receipt issued", "Accepted by the bank"):
        assert f"Done: {step}" in page
    assert "Now: Ready to collect" in page and "To come: Collected" in page
    receipt = client.get(f"/applications/{app.number}/receipt.pdf")
    assert receipt.status_code == 200 and receipt["Content-Type"] == "application/pdf"
    assert receipt.content.startswith(b"%PDF")
    assert f"receipt-{app.receipt_number}.pdf" in receipt["Content-Disposition"]


def test_a_card_that_could_not_be_made_still_shows_the_steps_to_come():
    from sscard.applications.services.applying import apply_for_card
    from sscard.applications.services.production import record_production_event
    from sscard.cards.models import LossKind
    from sscard.cards.services import report_loss
    from tests.portal_support import bank_actor, window_actor

    person, card = citizen()
    outlet = make_outlet(code="SI4401060X", name="天河区社会保险基金管理中心")
    clerk = window_actor(outlet)
    report_loss(
        actor=clerk,
        card=card,
        kind=LossKind.FORMAL,
        reporter=person,
        relation="self",
        documents=["id_card"],
        outlet=outlet,
    )
    app = apply_for_card(
        actor=clerk,
        type="reissue",
        person=person,
        applicant=person,
        relation="self",
        documents=["id_card"],
        outlet=outlet,
    )
    for step in ("bank_accepted", "in_production", "production_failed"):
        app = record_production_event(actor=bank_actor(card), application=app, type=step)

    page = text(signed_in(english(), person).get(f"/applications/{app.number}/").content.decode())

    assert "Now: Card could not be made: it is being made again" in page
    assert "To come: Card being made" in page
    assert "To come: Ready to collect" in page and "To come: Collected" in page


def test_after_the_receipt_the_person_is_told_to_take_it_to_the_bank():
    # Seed step 3: the applicant takes the receipt to the bank, which then has the card made
    # (as the receipt and the text message say); the bank is not making it yet.
    from sscard.applications.services.applying import apply_for_card
    from sscard.cards.models import LossKind
    from sscard.cards.services import report_loss
    from tests.portal_support import window_actor

    person, card = citizen()
    outlet = make_outlet(code="SI4401060X", name="天河区社会保险基金管理中心")
    clerk = window_actor(outlet)
    report_loss(
        actor=clerk,
        card=card,
        kind=LossKind.FORMAL,
        reporter=person,
        relation="self",
        documents=["id_card"],
        outlet=outlet,
    )
    app = apply_for_card(
        actor=clerk,
        type="reissue",
        person=person,
        applicant=person,
        relation="self",
        documents=["id_card"],
        outlet=outlet,
    )
    assert app.status == "receipt_issued" and app.bank is not None

    page = text(signed_in(english(), person).get(f"/applications/{app.number}/").content.decode())
    chinese = text(signed_in(Client(), person).get(f"/applications/{app.number}/").content.decode())

    assert "now has the card made" not in page and "If the bank asks" not in page
    assert (
        f"Next, take the receipt (below) and your ID card to an outlet of {app.bank.name}: "
        "the bank then has the new card made." in page
    )
    assert f"请带上回执（见下方）和您的身份证，到{app.bank.name}的网点" in chinese


def test_my_cards_links_the_new_card_to_its_application():
    person, card = citizen()
    app = reissue_ready_for_collection(card)
    page = signed_in(english(), person).get("/cards/").content.decode()
    assert f'href="/applications/{app.number}/"' in page
    assert ALL_HOURS  # the outlet of the story is open round the clock


def test_htmx_gets_the_whole_page_body_when_a_field_is_refused(outlets):
    answer = Client().get("/outlets/", {"near": "north"}, headers={"HX-Request": "true"})
    assert (answer["HX-Retarget"], answer["HX-Reselect"]) == ("#main", "#main")
    assert 'id="id_near-error"' in answer.content.decode()


def test_htmx_shows_the_guide_only_once_every_question_is_answered():
    partial = Client().get("/guide/", {"who": "adult"}, headers={"HX-Request": "true"})
    html = partial.content.decode()
    assert html.lstrip().startswith('<section id="answer"') and "error" not in html


def test_htmx_shows_a_refused_location_in_the_guide_once_every_question_is_answered():
    # Every question answered but the location is not one: the person is told so next to the
    # field and at the top, not asked to "answer the questions" with the error nowhere to see.
    answer = english().get(
        "/guide/",
        {"who": "adult", "what": "lost", "bank": "yes", "near": "north"},
        headers={"HX-Request": "true"},
    )
    html = answer.content.decode()
    assert (answer["HX-Retarget"], answer["HX-Reselect"]) == ("#main", "#main")
    assert 'id="id_near-error"' in html and 'href="#id_near"' in html
    assert 'value="north"' in html


# ---------------------------------------------------------------- error pages


def test_an_unknown_address_gets_a_page_in_plain_words():
    client = Client()
    missing = client.get("/no-such-page/")
    assert missing.status_code == 404
    assert "此地址没有页面" in missing.content.decode()

    client.cookies["sscard_language"] = "en"
    missing = client.get("/cards/../nothing-here/")
    assert missing.status_code == 404
    assert "There is no page at this address" in missing.content.decode()


def test_a_form_sent_without_its_security_token_is_explained():
    refused = Client(enforce_csrf_checks=True).post(
        "/sign-in/", {"social_security_number": "x", "phone": "13800138000"}
    )
    assert refused.status_code == 403
    assert "表单已失效" in refused.content.decode()
    assert "禁止访问" not in refused.content.decode()


def test_the_api_keeps_answering_problems_for_unknown_addresses():
    missing = Client().get("/api/v1/no-such-thing")
    assert missing.status_code == 404
    assert missing["Content-Type"].startswith("application/problem+json")


def test_the_guide_speaks_of_an_unsure_bank_account_only_to_the_unsure():
    def answer(bank: str) -> str:
        page = english().get("/guide/", {"who": "adult", "what": "lost", "bank": bank})
        return unescape(page.content.decode())

    assert "If you are not sure about the bank account" in answer("unsure")
    assert "If you are not sure about the bank account" not in answer("no")
    assert "The co-operating bank makes the card." in answer("no")


def test_typing_the_sign_out_or_language_address_gets_a_page_not_an_error():
    from tests.portal_support import citizen
    from tests.test_portal_access import signed_in

    person, _ = citizen()
    client = signed_in(Client(), person)
    page = client.get("/sign-out/")
    assert page.status_code == 200
    assert 'action="/sign-out/" method="post"' in page.content.decode()
    assert client.get("/cards/").status_code == 200  # still signed in: a GET signs nobody out

    assert Client().get("/sign-out/")["Location"] == "/"
    assert Client().get("/language/")["Location"] == "/"
