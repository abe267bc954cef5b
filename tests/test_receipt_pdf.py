"""The Receipt for Reissuing as a PDF: its number in text and in the QR code, Chinese text that
a reader can extract (the font is embedded), and no full ID number."""

from __future__ import annotations

import io
from typing import cast

import pytest
import segno
from PIL import Image
from pypdf import PdfReader
from pypdf.generic import DictionaryObject

from sscard.applications.models import ApplicationType, FeeWaiver, ReplacementReason
from sscard.applications.receipt_pdf import (
    REASON_LABELS,
    RELATION_LABELS,
    TYPE_LABELS,
    WAIVER_LABELS,
    receipt_pdf,
)
from sscard.applications.receipts import is_valid_receipt_number
from sscard.applications.services.applying import apply_for_card
from sscard.cards.models import ReporterRelation
from sscard.cards.services import report_loss
from sscard.people.masking import mask_id_number
from tests.factories import make_card, make_person

pytestmark = pytest.mark.django_db


@pytest.fixture
def application(window, agency, bank):
    holder = make_person(name="李小明")
    card = make_card(person=holder, bank=bank)
    report_loss(
        actor=window,
        card=card,
        kind="formal",
        reporter=holder,
        relation="self",
        documents=["id_card"],
        outlet=agency,
    )
    return apply_for_card(
        actor=window,
        type="reissue",
        person=holder,
        applicant=holder,
        relation="self",
        documents=["id_card"],
        outlet=agency,
    )


def _text(pdf: bytes) -> str:
    reader = PdfReader(io.BytesIO(pdf))
    return "\n".join(page.extract_text() for page in reader.pages)


def test_the_receipt_shows_its_number_the_masked_id_and_the_next_steps(application) -> None:
    pdf = receipt_pdf(application)
    text = _text(pdf)
    number = application.receipt_number
    assert number and is_valid_receipt_number(number)
    assert number in text
    assert "社会保障卡补卡回执" in text
    assert "Receipt for Reissuing the Social Security Card" in text
    ssn = application.person.social_security_number
    assert mask_id_number(ssn) in text
    assert ssn not in text
    assert "李**" in text and "李小明" not in text
    assert application.number in text
    assert "中国工商银行" in text  # where to take it: the bank where the card was opened
    assert "20.00" in text  # the default reissue fee


def test_the_font_is_embedded(application) -> None:
    reader = PdfReader(io.BytesIO(receipt_pdf(application)))
    resources = cast(DictionaryObject, reader.pages[0]["/Resources"])
    fonts = cast(DictionaryObject, resources["/Font"])
    descendant = next(iter(fonts.values())).get_object()["/DescendantFonts"][0].get_object()
    descriptor = descendant["/FontDescriptor"].get_object()
    assert "/FontFile2" in descriptor  # a TrueType program inside the file, not a reference


def test_the_qr_code_carries_the_receipt_number_only(application) -> None:
    reader = PdfReader(io.BytesIO(receipt_pdf(application)))
    images = reader.pages[0].images
    assert len(images) == 1
    image = images[0].image
    assert image is not None
    scanned = image.convert("1")
    expected_png = io.BytesIO()
    segno.make(application.receipt_number, error="m", micro=False).save(
        expected_png, kind="png", scale=8, border=2
    )
    expected_png.seek(0)

    expected = Image.open(expected_png).convert("1")
    assert scanned.size == expected.size
    assert scanned.tobytes() == expected.tobytes()


def test_an_application_without_a_receipt_has_no_receipt_pdf(application) -> None:
    application.receipt_number = None
    with pytest.raises(ValueError):
        receipt_pdf(application)


@pytest.mark.parametrize(
    ("words", "choices"),
    [
        (TYPE_LABELS, ApplicationType),
        (REASON_LABELS, ReplacementReason),
        (WAIVER_LABELS, FeeWaiver),
        (RELATION_LABELS, ReporterRelation),
    ],
    ids=["application type", "replacement reason", "fee waiver", "applicant's relation"],
)
def test_the_receipt_has_words_in_both_languages_for_every_value(words, choices):
    # A value without words would print its code on the holder's receipt.
    assert set(words) == set(choices.values)
    for zh, en in words.values():
        assert zh and en
        assert any("\u4e00" <= ch <= "\u9fff" for ch in zh), zh
        assert en.isascii(), en
