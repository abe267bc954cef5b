"""The Receipt for Reissuing the Social Security Card (补卡回执) as a PDF.

Bilingual (Chinese first), with the receipt number in large type and as a QR code that a bank
clerk scans to accept it. The QR code carries the receipt number only: no personal data.
The holder's ID number and name are masked.

The CJK font is embedded (subset) rather than left to the reader's machine (`common.pdf`).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.utils import timezone
from fpdf import FPDF
from fpdf.enums import XPos, YPos

from sscard.applications.models import (
    ApplicationType,
    CardApplication,
    FeeWaiver,
    ReplacementReason,
)
from sscard.cards.models import ReporterRelation
from sscard.common.pdf import FONT, add_cjk_font, qr_png
from sscard.people.masking import mask_id_number, mask_name

TYPE_LABELS: dict[str, tuple[str, str]] = {
    ApplicationType.NEW: ("新办社会保障卡", "First card"),
    ApplicationType.REISSUE: ("遗失补卡", "Reissue after loss"),
    ApplicationType.REPLACEMENT: ("换卡", "Replacement"),
}
REASON_LABELS: dict[str, tuple[str, str]] = {
    ReplacementReason.DAMAGED: ("卡片损坏", "damaged"),
    ReplacementReason.EXPIRED: ("有效期满", "expired"),
    ReplacementReason.INFO_CHANGE: ("信息变更", "changed information"),
    ReplacementReason.QUALITY_FAULT: ("质量问题", "quality fault"),
}
WAIVER_LABELS: dict[str, tuple[str, str]] = {
    FeeWaiver.FIRST_CARD: ("首次申领", "first card"),
    FeeWaiver.QUALITY_FAULT: ("质量问题", "quality fault"),
    FeeWaiver.HARDSHIP: ("困难群体", "hardship"),
}
RELATION_LABELS: dict[str, tuple[str, str]] = {
    ReporterRelation.SELF: ("本人", "the holder"),
    ReporterRelation.GUARDIAN: ("监护人", "guardian"),
    ReporterRelation.AGENT: ("代办人", "agent"),
}


def _money(amount: Decimal) -> str:
    return f"{amount:.2f}"


class _Receipt(FPDF):
    """An A4 page in the receipt's layout: label columns in grey, values in black."""

    def row(self, zh: str, en: str, value: str) -> None:
        self.set_font(FONT, size=10)
        self.set_text_color(90, 90, 90)
        self.cell(52, 7, f"{zh} {en}", new_x=XPos.RIGHT, new_y=YPos.TOP)
        self.set_text_color(0, 0, 0)
        self.set_font(FONT, size=11)
        self.multi_cell(0, 7, value, new_x=XPos.LMARGIN, new_y=YPos.NEXT)

    def rule(self) -> None:
        self.line(18, self.get_y(), self.w - 18, self.get_y())

    def title_block(self) -> None:
        self.set_font(FONT, size=18)
        self.cell(0, 10, "社会保障卡补卡回执", align="C", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.set_font(FONT, size=11)
        self.cell(
            0,
            7,
            "Receipt for Reissuing the Social Security Card",
            align="C",
            new_x=XPos.LMARGIN,
            new_y=YPos.NEXT,
        )
        self.ln(4)

    def number_block(self, number: str, issued_at: dt.datetime) -> None:
        """The receipt number in large type, with its QR code beside it."""
        top = self.get_y()
        self.image(qr_png(number), x=self.w - 18 - 40, y=top, w=40, h=40)
        self.set_font(FONT, size=10)
        self.set_text_color(90, 90, 90)
        self.cell(0, 6, "回执编号 Receipt number", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.set_text_color(0, 0, 0)
        self.set_font(FONT, size=22)
        self.cell(0, 12, number, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.set_font(FONT, size=10)
        issued = timezone.localtime(issued_at)
        self.cell(
            0,
            6,
            f"出具日期 Issued {issued:%Y-%m-%d %H:%M}",
            new_x=XPos.LMARGIN,
            new_y=YPos.NEXT,
        )
        self.set_y(max(self.get_y(), top + 42))
        self.rule()
        self.ln(3)

    def details(self, app: CardApplication) -> None:
        """Who, what, where and what it costs; the holder's name and ID number masked."""
        zh_type, en_type = TYPE_LABELS.get(app.type, (app.type, app.type))
        if app.reason:
            zh_reason, en_reason = REASON_LABELS.get(app.reason, (app.reason, app.reason))
            zh_type, en_type = f"{zh_type}（{zh_reason}）", f"{en_type} ({en_reason})"
        person = app.person
        self.row("持卡人", "Holder", mask_name(person.name))
        self.row("社会保障号码", "ID number", mask_id_number(person.social_security_number))
        if app.applicant_id != app.person_id:
            zh_rel, en_rel = RELATION_LABELS.get(
                app.applicant_relation, (app.applicant_relation, app.applicant_relation)
            )
            self.row("申请人", "Applicant", f"{mask_name(app.applicant.name)}（{zh_rel} {en_rel}）")
        self.row("业务类型", "Business", f"{zh_type} {en_type}")
        self.row("申请编号", "Application", app.number)
        if app.old_card is not None:
            self.row("原卡号", "Old card", app.old_card.number)
        self.row("受理网点", "Issued at", f"{app.outlet.name}（{app.outlet.code}）")
        if app.bank is not None:
            self.row("合作银行", "Bank", app.bank.name)
        self.row("费用", "Fee", _fee(app))
        if app.expected_ready_on:
            self.row("预计制卡完成", "Expected ready", f"{app.expected_ready_on:%Y-%m-%d}")
        self.ln(3)
        self.rule()
        self.ln(3)

    def next_steps(self, app: CardApplication) -> None:
        self.set_font(FONT, size=11)
        self.cell(0, 7, "下一步 Next steps", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        for index, (zh, en) in enumerate(_steps(app), start=1):
            self.set_font(FONT, size=10.5)
            self.multi_cell(0, 6, f"{index}. {zh}", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
            self.set_font(FONT, size=9.5)
            self.set_text_color(70, 70, 70)
            self.multi_cell(0, 5, f"   {en}", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
            self.set_text_color(0, 0, 0)
            self.ln(1)
        self.ln(2)

    def footer_note(self) -> None:
        self.set_font(FONT, size=8.5)
        self.set_text_color(90, 90, 90)
        self.multi_cell(
            0,
            4.5,
            "回执编号含校验位，银行扫码或输入编号即可核验。本回执不含完整身份证号码。\n"
            "The receipt number carries check digits; the bank scans or types it to verify it. "
            "This receipt does not show the full ID number.",
            new_x=XPos.LMARGIN,
            new_y=YPos.NEXT,
        )


def _fee(app: CardApplication) -> str:
    if app.fee_waived:
        zh_waiver, en_waiver = WAIVER_LABELS.get(app.fee_waiver, (app.fee_waiver, app.fee_waiver))
        return f"免收（{zh_waiver}） waived ({en_waiver})"
    if app.fee_amount:
        return f"{_money(app.fee_amount)} 元 CNY"
    return "0.00 元 CNY"


def _steps(app: CardApplication) -> list[tuple[str, str]]:
    bank = app.bank.name if app.bank else "开户银行"
    bank_en = app.bank.name if app.bank else "the bank where the card was opened"
    return [
        (
            f"请持本回执和身份证原件到{bank}网点申请制作新卡。",
            f"Take this receipt and your original ID card to a {bank_en} outlet "
            "to have the new card made.",
        ),
        (
            "制卡完成后，银行会通知您到网点领取（或按您的选择邮寄）。",
            "When the card is ready the bank tells you where to collect it "
            "(or mails it, as you chose).",
        ),
        (
            "领卡后须在社保窗口或银行网点激活并设置密码，方可使用。",
            "The new card must be activated and a PIN set at a window or bank outlet "
            "before it can be used.",
        ),
    ]


def receipt_pdf(application: CardApplication) -> bytes:
    """The receipt of an application that has one (receipt_issued onwards)."""
    app = application
    if not app.receipt_number:
        raise ValueError("this application has no receipt yet")
    pdf = _Receipt(orientation="P", unit="mm", format="A4")
    pdf.set_title(f"社会保障卡补卡回执 {app.receipt_number}")
    pdf.set_author("sscard")
    pdf.set_creator("sscard")
    pdf.set_creation_date(app.created_at)
    add_cjk_font(pdf)
    pdf.set_margins(18, 16, 18)
    pdf.set_auto_page_break(auto=True, margin=16)
    pdf.add_page()
    pdf.title_block()
    pdf.number_block(app.receipt_number, app.created_at)
    pdf.details(app)
    pdf.next_steps(app)
    pdf.footer_note()
    return bytes(pdf.output())
