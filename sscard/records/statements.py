"""The yearly personal rights record statement (个人权益记录单, DOMAIN.md section 11) as a PDF,
and its verification code.

The statement of a year shows the person (masked ID number and name), per insurance the records
of the year's months (base, employer and individual amounts, status), the months paid so far
(total, longest and current run at the end of the year), the pension and medical personal
accounts of the year (opening, credits, interest, closing), the issuing agency and day, and a
verification code, printed and as a QR code.

**Made on demand, not stored.** A statement is drawn from the records when it is asked for (the
app, the web, a window) in well under a second, so no PDF is kept: millions of people a year
would each need one, and a record corrected after a dispute (a new version) must show in the
next statement drawn. What is kept is the digest of the figures a statement shows
(`Statement.digest`, and `StatementNotice.digest` when the yearly run prepared it): the
verification code carries it, so the agency can tell a genuine statement and whether its
figures are still those of the records.

**The verification code** is `SS1-<person reference>-<year>-<insurances>-<digest>-<check>`,
in capitals (a QR code's compact alphanumeric mode): the person's reference (never the ID
number), the year, which insurances the statement covers
(a person authorised for some of them gets a statement of those only), 16 hex digits of the
SHA-256 of the figures, and 20 hex digits of an HMAC-SHA256 of the rest under a key derived
from SECRET_KEY (STATEMENT_KEY overrides it). A code changed anywhere fails the check and is
refused (`verify_statement_code`); `sscard records verify-statement CODE` checks one.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal

from django.conf import settings
from fpdf import FPDF
from fpdf.enums import XPos, YPos

from sscard.common import clock
from sscard.common.errors import ErrorCode, FieldError, ValidationError
from sscard.common.pdf import FONT, add_cjk_font, qr_png
from sscard.people.masking import mask_id_number, mask_name
from sscard.people.models import Person
from sscard.records.models import ContributionRecord, Insurance
from sscard.records.selectors import (
    ZERO,
    AccountYear,
    MonthsPaid,
    medical_account,
    months_paid,
    pension_account,
)

# The first year a statement can be asked for: records before it are not kept here.
FIRST_YEAR = 1990
CODE_VERSION = "SS1"
CODE = re.compile(
    r"^SS1-(?P<reference>[0-9A-Z]{4,16})-(?P<year>\d{4})-(?P<insurances>[0-9A-F]{2})-"
    r"(?P<digest>[0-9A-F]{16})-(?P<check>[0-9A-F]{20})$"
)
ORDER: tuple[str, ...] = tuple(Insurance.values)

INSURANCE_LABELS: dict[str, tuple[str, str]] = {
    Insurance.PENSION: ("基本养老保险", "Pension"),
    Insurance.MEDICAL: ("基本医疗保险", "Medical"),
    Insurance.UNEMPLOYMENT: ("失业保险", "Unemployment"),
    Insurance.WORK_INJURY: ("工伤保险", "Work injury"),
    Insurance.MATERNITY: ("生育保险", "Maternity"),
}
STATUS_LABELS: dict[str, tuple[str, str]] = {
    "paid": ("已缴", "paid"),
    "owed": ("欠缴", "owed"),
    "back_paid": ("补缴", "back paid"),
}


# ---------------------------------------------------------------- the figures


@dataclass(frozen=True)
class MonthLine:
    month: dt.date
    employer_name: str
    employer_code: str
    base: Decimal
    employer_amount: Decimal
    individual_amount: Decimal
    status: str


@dataclass(frozen=True)
class Statement:
    """The figures of one person's statement of one year, over some insurances."""

    person: Person
    year: int
    insurances: tuple[str, ...]
    lines: dict[str, list[MonthLine]]
    months: dict[str, MonthsPaid]
    pension: AccountYear | None
    medical: AccountYear | None
    digest: str = field(default="")

    @property
    def code(self) -> str:
        return make_code(self.person.reference, self.year, self.insurances, self.digest)


def check_year(year: int, *, today: dt.date | None = None) -> int:
    """A statement's year: from FIRST_YEAR to this year (this year's shows the months so far)."""
    day = today or clock.today()
    if not FIRST_YEAR <= year <= day.year:
        raise ValidationError(
            f"A statement is made for a year from {FIRST_YEAR} to {day.year}.",
            code=ErrorCode.STATEMENT_YEAR_INVALID,
            errors=[FieldError("year", f"must be from {FIRST_YEAR} to {day.year}")],
        )
    return year


def _covered(insurances: Iterable[str] | None) -> tuple[str, ...]:
    chosen = set(ORDER) if insurances is None else set(insurances)
    return tuple(i for i in ORDER if i in chosen)


def _account_year(years: list[AccountYear], year: int) -> AccountYear | None:
    return next((y for y in years if y.year == year), None)


def statement_of(
    person: Person,
    year: int,
    *,
    insurances: Iterable[str] | None = None,
    today: dt.date | None = None,
) -> Statement:
    """The figures of a statement, with their digest (what the verification code carries)."""
    check_year(year, today=today)
    covered = _covered(insurances)
    lines: dict[str, list[MonthLine]] = {i: [] for i in covered}
    rows = (
        ContributionRecord.objects.filter(
            person=person,
            insurance__in=covered,
            month__gte=dt.date(year, 1, 1),
            month__lte=dt.date(year, 12, 1),
        )
        .order_by("month", "employer__credit_code")
        .values_list(
            "insurance",
            "month",
            "employer__name",
            "employer__credit_code",
            "base",
            "employer_amount",
            "individual_amount",
            "status",
        )
    )
    for insurance, month, name, code, base, employer, individual, status in rows:
        lines[insurance].append(MonthLine(month, name, code, base, employer, individual, status))
    paid = months_paid(person, today=today, until=dt.date(year, 12, 31))
    statement = Statement(
        person=person,
        year=year,
        insurances=covered,
        lines=lines,
        months={m.insurance: m for m in paid if m.insurance in covered},
        pension=(
            _account_year(pension_account(person, today=today).years, year)
            if Insurance.PENSION in covered
            else None
        ),
        medical=(
            _account_year(medical_account(person, today=today).years, year)
            if Insurance.MEDICAL in covered
            else None
        ),
    )
    return Statement(**{**statement.__dict__, "digest": _digest(statement)})


def _digest(statement: Statement) -> str:
    """16 hex digits of the SHA-256 of every figure the statement shows, in a fixed order."""
    parts: list[str] = [statement.person.reference, str(statement.year)]
    for insurance in statement.insurances:
        parts.append(f"#{insurance}")
        for line in statement.lines[insurance]:
            parts.append(
                f"{line.month:%Y-%m}|{line.employer_code}|{line.base:.2f}|"
                f"{line.employer_amount:.2f}|{line.individual_amount:.2f}|{line.status}"
            )
        paid = statement.months.get(insurance)
        if paid is not None:
            parts.append(f"months|{paid.total}|{paid.longest}|{paid.current}")
    for name, account in (("pension", statement.pension), ("medical", statement.medical)):
        if account is not None:
            parts.append(
                f"{name}|{account.opening:.2f}|{account.credits:.2f}|{account.interest:.2f}|"
                f"{account.closing:.2f}"
            )
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()[:16].upper()


# ---------------------------------------------------------------- the verification code


def _key() -> bytes:
    key = getattr(settings, "STATEMENT_KEY", "") or f"statement:{settings.SECRET_KEY}"
    return key.encode()


def _mask(insurances: Iterable[str]) -> str:
    bits = sum(1 << ORDER.index(i) for i in insurances)
    return f"{bits:02X}"


def _check(body: str) -> str:
    return hmac.new(_key(), body.encode(), hashlib.sha256).hexdigest()[:20].upper()


def make_code(reference: str, year: int, insurances: Iterable[str], digest: str) -> str:
    body = f"{CODE_VERSION}-{reference.upper()}-{year}-{_mask(insurances)}-{digest}"
    return f"{body}-{_check(body)}"


@dataclass(frozen=True)
class Verified:
    """A genuine statement: whose, of which year and insurances, and whether its figures are
    still those of the records (`current`; False after a record of that year was corrected)."""

    person: Person
    year: int
    insurances: tuple[str, ...]
    digest: str
    current: bool


def _refused() -> ValidationError:
    return ValidationError(
        "This is not the verification code of a statement made by the agency.",
        code=ErrorCode.STATEMENT_CODE_INVALID,
        errors=[FieldError("code", "not a genuine statement code")],
    )


def verify_statement_code(code: str, *, today: dt.date | None = None) -> Verified:
    """Check a verification code (typed or scanned): refused (`statement_code_invalid`) unless
    the agency's key made it, for a person it knows."""
    found = CODE.match((code or "").strip().upper())
    if found is None:
        raise _refused()
    body, check = found.group(0).rsplit("-", 1)
    if not hmac.compare_digest(_check(body), check):
        raise _refused()
    bits = int(found["insurances"], 16)
    insurances = tuple(i for n, i in enumerate(ORDER) if bits & (1 << n))
    person = Person.objects.filter(reference=found["reference"].lower()).first()
    year = int(found["year"])
    if person is None or not insurances or bits >= 1 << len(ORDER):
        raise _refused()
    digest = found["digest"]
    try:
        now = statement_of(person, year, insurances=insurances, today=today).digest
    except ValidationError:
        raise _refused() from None
    return Verified(person, year, insurances, digest, current=now == digest)


# ---------------------------------------------------------------- the PDF


def _money(amount: Decimal | None) -> str:
    return "-" if amount is None else f"{amount:,.2f}"


GREY = (90, 90, 90)
# Column widths (mm) of a month's line: month, employer, base, employer's, individual, status.
COLUMNS = (16, 62, 24, 24, 24, 24)


class _Statement(FPDF):
    def footer(self) -> None:
        self.set_y(-12)
        self.set_font(FONT, size=7.5)
        self.set_text_color(*GREY)
        self.cell(0, 5, f"{self.page_no()} / {{nb}}", align="C")
        self.set_text_color(0, 0, 0)

    def label_row(self, zh: str, en: str, value: str) -> None:
        self.set_font(FONT, size=9)
        self.set_text_color(*GREY)
        self.cell(46, 6, f"{zh} {en}", new_x=XPos.RIGHT, new_y=YPos.TOP)
        self.set_text_color(0, 0, 0)
        self.set_font(FONT, size=10)
        self.cell(76, 6, value, new_x=XPos.LMARGIN, new_y=YPos.NEXT)

    def heading(self, zh: str, en: str) -> None:
        if self.get_y() > self.h - 60:
            self.add_page()
        self.ln(2)
        self.set_font(FONT, size=11.5)
        self.cell(0, 7, f"{zh}  {en}", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.line(self.l_margin, self.get_y(), self.w - self.r_margin, self.get_y())
        self.ln(1)

    def table_row(self, values: list[str], *, header: bool = False) -> None:
        self.set_font(FONT, size=7.5 if header else 8)
        if header:
            self.set_text_color(*GREY)
        for index, (width, value) in enumerate(zip(COLUMNS, values, strict=True)):
            align = "R" if 2 <= index <= 4 else "L"
            self.cell(width, 5, value, align=align, new_x=XPos.RIGHT, new_y=YPos.TOP)
        self.set_text_color(0, 0, 0)
        self.ln(5)


def _fit(pdf: FPDF, text: str, width: float) -> str:
    if pdf.get_string_width(text) <= width - 1:
        return text
    while text and pdf.get_string_width(text + "…") > width - 1:
        text = text[:-1]
    return text + "…"


def _insurance_section(pdf: _Statement, statement: Statement, insurance: str) -> None:
    zh, en = INSURANCE_LABELS[insurance]
    pdf.heading(zh, en)
    lines = statement.lines[insurance]
    if lines:
        pdf.table_row(
            [
                "月份 Month",
                "缴费单位 Employer",
                "缴费基数 Base",
                "单位缴纳 Employer",
                "个人缴纳 Individual",
                "状态 Status",
            ],
            header=True,
        )
    for line in lines:
        status_zh, status_en = STATUS_LABELS.get(line.status, (line.status, line.status))
        pdf.set_font(FONT, size=8)
        pdf.table_row(
            [
                f"{line.month:%Y-%m}",
                _fit(pdf, line.employer_name, COLUMNS[1]),
                _money(line.base),
                _money(line.employer_amount),
                _money(line.individual_amount),
                f"{status_zh} {status_en}",
            ]
        )
    if not lines:
        pdf.set_font(FONT, size=9)
        pdf.cell(0, 6, "本年度无缴费记录 No records this year", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    paid_in_year = {line.month for line in lines if line.status in ("paid", "back_paid")}
    owed_in_year = {line.month for line in lines if line.status == "owed"}
    pdf.set_font(FONT, size=8.5)
    pdf.cell(
        0,
        5.5,
        f"本年缴费月数 Months paid this year: {len(paid_in_year)}    "
        f"欠缴月数 Months owed: {len(owed_in_year)}    "
        f"单位缴纳合计 Employer total: {_money(sum((x.employer_amount for x in lines), ZERO))}"
        f"    个人缴纳合计 Individual total: "
        f"{_money(sum((x.individual_amount for x in lines), ZERO))}",
        new_x=XPos.LMARGIN,
        new_y=YPos.NEXT,
    )
    paid = statement.months.get(insurance)
    if paid is not None:
        pdf.cell(
            0,
            5.5,
            f"截至{statement.year}年末 To the end of {statement.year}: "
            f"累计缴费月数 months paid in all {paid.total}, "
            f"最长连续 longest run {paid.longest}, 当前连续 current run {paid.current}",
            new_x=XPos.LMARGIN,
            new_y=YPos.NEXT,
        )


def _account_section(pdf: _Statement, zh: str, en: str, account: AccountYear | None) -> None:
    pdf.heading(zh, en)
    rows = [
        ("上年末余额", "Opening balance", _money(account.opening if account else ZERO)),
        ("本年记账额", "Credits of the year", _money(account.credits if account else ZERO)),
        (
            "记账利率",
            "Interest rate",
            f"{account.rate * 100:.2f} %" if account and account.rate is not None else "-",
        ),
        ("本年记账利息", "Interest credited", _money(account.interest if account else ZERO)),
        ("本年末余额", "Closing balance", _money(account.closing if account else ZERO)),
    ]
    for row_zh, row_en, value in rows:
        pdf.label_row(row_zh, row_en, value)


def _draw(pdf: _Statement, statement: Statement, issued_by: str, issued_on: dt.date) -> None:
    person, year = statement.person, statement.year
    pdf.set_font(FONT, size=16)
    title = f"社会保险个人权益记录单（{year}年度）"
    pdf.cell(0, 9, title, align="C", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_font(FONT, size=10)
    pdf.cell(
        0,
        6,
        f"Personal Rights Record Statement of Social Insurance, {year}",
        align="C",
        new_x=XPos.LMARGIN,
        new_y=YPos.NEXT,
    )
    pdf.ln(3)
    top = pdf.get_y()
    code = statement.code
    pdf.image(qr_png(code), x=pdf.w - pdf.r_margin - 36, y=top, w=36, h=36)
    pdf.label_row("姓名", "Name", mask_name(person.name))
    pdf.label_row("社会保障号码", "ID number", mask_id_number(person.social_security_number))
    pdf.label_row("记录年度", "Year", f"{year}-01 – {year}-12")
    pdf.label_row("出具机构", "Issued by", issued_by)
    pdf.label_row("出具日期", "Issued on", f"{issued_on:%Y-%m-%d}")
    pdf.set_y(max(pdf.get_y(), top + 37))
    pdf.set_font(FONT, size=7.5)
    pdf.cell(0, 4, f"验证码 Verification code: {code}", align="R")
    pdf.ln(5)
    for insurance in statement.insurances:
        _insurance_section(pdf, statement, insurance)
    if Insurance.PENSION in statement.insurances:
        _account_section(pdf, "养老保险个人账户", "Pension personal account", statement.pension)
    if Insurance.MEDICAL in statement.insurances:
        _account_section(pdf, "医疗保险个人账户", "Medical personal account", statement.medical)
    pdf.ln(4)
    pdf.set_font(FONT, size=7.5)
    pdf.set_text_color(*GREY)
    pdf.multi_cell(
        0,
        4,
        "本记录单依据社会保险经办机构记录的缴费记录生成，免费提供。如对记录有异议，请在网上、"
        "手机应用或服务窗口提出，经办机构在15个工作日内核查答复。扫描二维码或输入验证码可核验本"
        "记录单的真实性。本记录单不含完整身份证号码。\n"
        "Made from the contribution records the agency keeps, free of charge. To dispute a "
        "record, use the web, the app or a service window: the agency checks it and answers "
        "within 15 working days. Scan the QR code or type the verification code to check that "
        "this statement is genuine. It does not show the full ID number.",
        new_x=XPos.LMARGIN,
        new_y=YPos.NEXT,
    )
    pdf.set_text_color(0, 0, 0)


def default_issuer() -> str:
    return str(getattr(settings, "STATEMENT_ISSUER", "") or "社会保险经办机构")


def statement_pdf(
    person: Person,
    year: int,
    *,
    issued_by: str,
    insurances: Iterable[str] | None = None,
    today: dt.date | None = None,
) -> bytes:
    """The statement of a year as a PDF (A4, zh-Hans with English labels, CJK font embedded).
    Who may have it is the caller's question (`services.read_statement`)."""
    statement = statement_of(person, year, insurances=insurances, today=today)
    return render_statement(statement, issued_by=issued_by, issued_on=today or clock.today())


def _variable_texts(statement: Statement, issued_by: str) -> list[str]:
    """What the statement shows that is not written in this module: the common font serves
    when it has all their characters (`common.pdf`)."""
    person = statement.person
    texts = [issued_by, mask_name(person.name), mask_id_number(person.social_security_number)]
    for lines in statement.lines.values():
        texts.extend({line.employer_name for line in lines})
    return texts


def render_statement(statement: Statement, *, issued_by: str, issued_on: dt.date) -> bytes:
    pdf = _Statement(orientation="P", unit="mm", format="A4")
    pdf.set_title(f"社会保险个人权益记录单 {statement.year}")
    pdf.set_author("sscard")
    pdf.set_creator("sscard")
    pdf.set_creation_date(clock.now())
    add_cjk_font(pdf, texts=_variable_texts(statement, issued_by))
    pdf.set_margins(18, 14, 18)
    pdf.set_auto_page_break(auto=True, margin=16)
    pdf.add_page()
    _draw(pdf, statement, issued_by, issued_on)
    return bytes(pdf.output())
