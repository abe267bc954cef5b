"""My records (DOMAIN.md section 11): the payment records of a year per insurance, with the
months that have none and the owed ones said in words, the totals and a chart; the rights
summary; disputing a month's record and the disputes opened. For the signed-in person, a ward
in force, or a person whose written authorisation in force names them (only the insurances it
covers). Every page reads through `records.services.read_records` (audited when it is another's);
anyone else, or no one, is "not found"."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse

from sscard.common.errors import DomainError
from sscard.people.models import Person
from sscard.portal import record_pages
from sscard.portal.errors import add_domain_error
from sscard.portal.forms import DisputeForm
from sscard.portal.record_pages import NotReadable
from sscard.portal.session import citizen_required
from sscard.portal.views.common import not_found, posted
from sscard.records.models import Insurance
from sscard.records.selectors import statement_of
from sscard.records.services import open_dispute, read_statement


def _not_found(request: HttpRequest) -> HttpResponse:
    return not_found(request, what="records")


def _year(request: HttpRequest, years: list[int], default: int) -> int | None:
    """The year asked for (`?year=`), if it is one the page offers; else the default."""
    asked = request.GET.get("year", "")
    if not asked:
        return default
    return int(asked) if asked.isdigit() and int(asked) in years else None


@citizen_required
def records(request: HttpRequest, reference: str | None = None) -> HttpResponse:
    me = request.person  # type: ignore[attr-defined]
    try:
        subject = record_pages.subject(me, reference, what="contributions")
    except (NotReadable, DomainError):
        return _not_found(request)
    years, default = record_pages.years_of(subject)
    year = _year(request, years, default)
    if year is None:
        return _not_found(request)
    context = {
        "me": me,
        "subject": subject,
        "people": subject.people,
        "years": years,
        "year": year,
        "insurances": record_pages.year_of(subject, year),
        "disputes": record_pages.disputes(subject)[:5],
        "statement_url": _statement_url(subject.person, year),
        "statement": statement_of(subject.person, year),
    }
    return render(request, "portal/records.html", context)


def _statement_url(person: Person, year: int) -> str:
    return reverse("portal:statement", args=[person.reference, year])


@citizen_required
def statement(request: HttpRequest, reference: str, year: int) -> HttpResponse:
    """The yearly statement (个人权益记录单) as a PDF, of the insurances the signed-in person
    may read: a reading of records like the pages (audited when it is another's)."""
    me = request.person  # type: ignore[attr-defined]
    person = {p.reference: p for p in record_pages.people(me)}.get(reference)
    if person is None:
        return _not_found(request)
    try:
        pdf = read_statement(record_pages.reader(me), person, year)
    except DomainError:
        return _not_found(request)
    answer = HttpResponse(pdf, content_type="application/pdf")
    answer["Content-Disposition"] = f'attachment; filename="statement-{year}.pdf"'
    return answer


@citizen_required
def rights(request: HttpRequest, reference: str | None = None) -> HttpResponse:
    me = request.person  # type: ignore[attr-defined]
    try:
        subject = record_pages.subject(me, reference, what="rights")
    except (NotReadable, DomainError):
        return _not_found(request)
    context = {
        "me": me,
        "subject": subject,
        "people": subject.people,
        "rights": record_pages.rights(subject),
    }
    return render(request, "portal/rights.html", context)


@citizen_required
def dispute(request: HttpRequest, reference: str) -> HttpResponse:
    """Dispute a month's record (`?insurance=…&month=YYYY-MM&employer=…` from its row): the
    holder or a guardian in force; anyone else reads "not found"."""
    me = request.person  # type: ignore[attr-defined]
    try:
        subject = record_pages.disputing(me, reference)
    except (NotReadable, DomainError):
        return _not_found(request)
    insurance = request.GET.get("insurance", "")
    month = request.GET.get("month", "")
    chosen = request.GET.get("employer", "")
    found = record_pages.month_records(subject, insurance, month)
    employers = [(r.employer.credit_code, r.employer.name) for r in found]
    if chosen and chosen not in {code for code, _name in employers}:
        chosen = ""
    form = DisputeForm(
        posted(request),
        employers=[] if chosen else employers,
        initial={"employer": chosen},
    )
    if request.method == "POST" and form.is_valid():
        employer = (
            form.cleaned_data.get("employer")
            or chosen
            or (employers[0][0] if len(employers) == 1 else None)
        )
        try:
            opened = open_dispute(
                reader=record_pages.reader(me),
                person=subject.person,
                insurance=insurance,
                month=month,
                reason=form.cleaned_data["reason"],
                employer_credit_code=employer,
            )
        except DomainError as exc:
            add_domain_error(form, exc, {"employer_credit_code": "employer"})
        else:
            return redirect("portal:dispute_opened", number=opened.reference)
    context = {
        "subject": subject,
        "form": form,
        "insurance": insurance if insurance in Insurance.values else "",
        "month": record_pages.parse_month(month),
        "month_key": month,
        "records": found,
        "chosen": chosen,
        "back": _records_url(subject, month),
    }
    return render(request, "portal/dispute.html", context)


def _records_url(subject: record_pages.Subject, month: str) -> str:
    base = (
        reverse("portal:my_records")
        if subject.is_me
        else reverse("portal:records", args=[subject.person.reference])
    )
    return f"{base}?year={month[:4]}" if month[:4].isdigit() else base


@citizen_required
def dispute_opened(request: HttpRequest, number: str) -> HttpResponse:
    """A dispute: the confirmation after opening it, and later its answer."""
    me = request.person  # type: ignore[attr-defined]
    found = record_pages.dispute_in_reach(me, number)
    if found is None:
        return _not_found(request)
    person, opened = found
    context = {"person": person, "is_me": person.pk == me.pk, "d": opened}
    return render(request, "portal/dispute_opened.html", context)


@citizen_required
def disputes(request: HttpRequest, reference: str | None = None) -> HttpResponse:
    me = request.person  # type: ignore[attr-defined]
    try:
        subject = record_pages.disputing(me, reference)
    except (NotReadable, DomainError):
        return _not_found(request)
    context = {
        "subject": subject,
        "people": subject.people,
        "disputes": record_pages.disputes(subject),
    }
    return render(request, "portal/disputes.html", context)
