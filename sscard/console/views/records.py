"""Contribution records at the desk (DOMAIN.md section 11): a person's records per insurance and
year with totals and rights, read through `records.services.read_records` (audited as a reading
of personal data); written authorisations recorded and ended at a window; the disputes queue
and the page that answers a dispute, correcting the record through a new version. Who may read
whose records is the records read model's (`records.permissions`): a hotline agent's reading
names the caller whose identity was checked, and the read model decides."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django import forms
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBase, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import pgettext, pgettext_lazy

from sscard.common import clock
from sscard.common.errors import DomainError
from sscard.console.access import Desk, desk_view
from sscard.console.errors import refusal_message
from sscard.console.forms import (
    AuthorisationForm,
    DisputeAnswerForm,
    EmptyForm,
    WindowDisputeForm,
)
from sscard.console.labels import INSURANCE, label
from sscard.console.views.base import DeskAction, Summary, refused
from sscard.console.views.counter import holder_text
from sscard.console.views.hotline import is_verified
from sscard.console.views.lists import Column, Filter, Listing, holder, show
from sscard.console.views.people import person_url
from sscard.people.models import Person
from sscard.people.selectors import get_person
from sscard.records.models import (
    Authorisation,
    ContributionRecord,
    Dispute,
    DisputeStatus,
    Insurance,
)
from sscard.records.permissions import (
    Reader,
    dispute_seen,
    dispute_to_answer,
    disputes_seen_by,
    may_open_dispute,
)
from sscard.records.selectors import (
    Rights,
    Totals,
    answered_disputes,
    authorisation_to_end,
    authorisations_in_force,
    authorisations_of,
    disputes_of,
    history_of,
    is_overdue,
    open_disputes,
    records_of,
    rights_of,
    statement_of,
    totals_of,
)
from sscard.records.services import (
    Correction,
    answer_dispute,
    check_dispute,
    check_opener,
    disputed_records,
    end_authorisation,
    open_dispute,
    read_records,
    read_statement,
    record_authorisation,
)

# ---------------------------------------------------------------- a person's records


@dataclass
class MonthRow:
    """One month of one insurance: its records (one per employer), or none (a gap)."""

    month: dt.date
    records: list[ContributionRecord] = field(default_factory=list)

    @property
    def gap(self) -> bool:
        return not self.records

    @property
    def owed(self) -> bool:
        return any(r.status == "owed" for r in self.records)


@dataclass
class InsuranceYear:
    insurance: str
    months: list[MonthRow]
    totals: Totals | None

    @property
    def gaps(self) -> int:
        return sum(1 for m in self.months if m.gap)


def _months(first: dt.date, last: dt.date) -> list[dt.date]:
    months = []
    day = first
    while day <= last:
        months.append(day)
        day = dt.date(day.year + day.month // 12, day.month % 12 + 1, 1)
    return months


def records_by_insurance(
    person: Person, insurances: frozenset[str], year: int
) -> list[InsuranceYear]:
    """The year's months of each insurance the person has records of: each month's records, a
    month without one (after the first month ever recorded, up to this month) a gap."""
    today = clock.today()
    january, december = dt.date(year, 1, 1), dt.date(year, 12, 1)
    everything = records_of(person, insurances=insurances)
    firsts: dict[str, dt.date] = {}
    for insurance, month in everything.order_by().values_list("insurance", "month"):
        firsts[insurance] = min(month, firsts.get(insurance, month))
    rows = records_of(person, insurances=insurances, since=january, until=december)
    totals = {t.insurance: t for t in totals_of(rows)}
    by: dict[tuple[str, dt.date], list[ContributionRecord]] = {}
    for record in rows:
        by.setdefault((record.insurance, record.month), []).append(record)
    answer = []
    for insurance in Insurance.values:
        first = firsts.get(insurance)
        if first is None or first > december:
            continue
        last = min(december, today.replace(day=1))
        recorded = [m for (i, m) in by if i == insurance]
        if recorded:
            last = max(last, max(recorded))
        months = [
            MonthRow(month, by.get((insurance, month), []))
            for month in _months(max(first, january), last)
        ]
        answer.append(InsuranceYear(insurance, months, totals.get(insurance)))
    return answer


def _years(person: Person, insurances: frozenset[str]) -> list[int]:
    dates = records_of(person, insurances=insurances).order_by().dates("month", "year")
    return sorted({d.year for d in dates}, reverse=True)


def _year(request: HttpRequest, years: list[int]) -> int:
    chosen = request.GET.get("year", "")
    if chosen.isdigit() and int(chosen) in years:
        return int(chosen)
    return years[0] if years else clock.today().year


@dataclass(frozen=True)
class RightsRow:
    insurance: str
    months: int
    current: int
    last: dt.date | None
    balance: Decimal | None


def rights_rows(rights: Rights, insurances: frozenset[str]) -> list[RightsRow]:
    balances = {rights.pension.insurance: rights.pension, rights.medical.insurance: rights.medical}
    return [
        RightsRow(
            m.insurance,
            m.total,
            m.current,
            m.last,
            balances[m.insurance].balance if m.insurance in balances else None,
        )
        for m in rights.months
        if m.insurance in insurances
    ]


def _records_page(
    request: HttpRequest, person: Person, reader: Reader, *, back: str, hotline: bool
) -> HttpResponse:
    desk: Desk = request.desk  # type: ignore[attr-defined]
    try:
        access = read_records(reader, person, what="contributions")
    except DomainError as error:
        return refused(request, refusal_message(error), status=error.status, back=back)
    years = _years(person, access.insurances)
    year = _year(request, years)
    context = {
        "person": person,
        "year": year,
        "years": years,
        "insurances": records_by_insurance(person, access.insurances, year),
        "rights": rights_rows(rights_of(person), access.insurances),
        "back": back,
        "hotline": hotline,
        "may_manage": desk.may("manage_authorisations") and not hotline,
        "may_answer": desk.may("answer_disputes"),
        "may_dispute": not hotline and may_open_dispute(reader, person),
        "authorisations": [] if hotline else _authorisation_rows(person),
        "disputes": disputes_of(person)[:20],
        "disputes_seen": set(
            disputes_seen_by(desk.actor, disputes_of(person)).values_list("reference", flat=True)
        ),
        "statement": statement_of(person, year),
        "statement_url": None
        if hotline or not years
        else reverse("console:records_statement", args=[person.reference, year]),
    }
    return render(request, "console/records.html", context)


@desk_view("find_person", "read_records")
def person_records(request: HttpRequest, ref: str) -> HttpResponse:
    """A person's records at a window or for a supervisor: the clerk reads as the desk."""
    person = get_object_or_404(Person, reference=ref)
    desk: Desk = request.desk  # type: ignore[attr-defined]
    return _records_page(
        request, person, Reader(actor=desk.actor), back=person_url(person), hotline=False
    )


@desk_view("find_person", "read_records")
def person_statement(request: HttpRequest, ref: str, year: int) -> HttpResponse:
    """The person's yearly statement (个人权益记录单) to print for them at the window, issued by
    the clerk's outlet: a reading of records like the page (audited)."""
    person = get_object_or_404(Person, reference=ref)
    desk: Desk = request.desk  # type: ignore[attr-defined]
    try:
        pdf = read_statement(
            Reader(actor=desk.actor), person, year, issued_by=desk.member.outlet.name
        )
    except DomainError as error:
        return refused(
            request, refusal_message(error), status=error.status, back=records_url(person)
        )
    answer = HttpResponse(pdf, content_type="application/pdf")
    answer["Content-Disposition"] = f'inline; filename="statement-{year}.pdf"'
    return answer


@desk_view("check_caller_identity", "read_records")
def caller_records(request: HttpRequest, ref: str) -> HttpResponse:
    """The caller's records by phone: the reading names the caller only once their identity is
    checked, and the records read model reads for no one else."""
    person = get_object_or_404(Person, reference=ref)
    desk: Desk = request.desk  # type: ignore[attr-defined]
    caller = person if is_verified(request, person) else None
    back = reverse("console:hotline_caller", args=[person.reference])
    return _records_page(
        request, person, Reader(actor=desk.actor, person=caller), back=back, hotline=True
    )


@desk_view("check_caller_identity", "read_records")
def caller_ward_records(request: HttpRequest, ref: str, ward: str) -> HttpResponse:
    """The records of a ward the caller asks about (a guardian calling about a child): the
    reading names the caller once their identity is checked, and the records read model reads
    only the caller's wards in force; any other person reads as missing."""
    caller = get_object_or_404(Person, reference=ref)
    subject = get_object_or_404(Person, reference=ward)
    desk: Desk = request.desk  # type: ignore[attr-defined]
    checked = caller if is_verified(request, caller) else None
    back = reverse("console:hotline_caller", args=[caller.reference])
    return _records_page(
        request, subject, Reader(actor=desk.actor, person=checked), back=back, hotline=True
    )


# ---------------------------------------------------------------- written authorisations


@dataclass(frozen=True)
class AuthorisationRow:
    authorisation: Authorisation
    in_force: bool


def _authorisation_rows(person: Person) -> list[AuthorisationRow]:
    in_force = set(authorisations_in_force().filter(person=person).values_list("pk", flat=True))
    return [AuthorisationRow(a, a.pk in in_force) for a in authorisations_of(person)[:50]]


def records_url(person: Person) -> str:
    return reverse("console:records", args=[person.reference])


def _insurance_words(values: list[str]) -> str:
    return "、".join(label("insurance", v) for v in values)


class RecordAuthorisation(DeskAction):
    permission = "manage_authorisations"
    title = pgettext_lazy("console", "Record a written authorisation")
    confirm_label = pgettext_lazy("console", "Record the authorisation")
    person: Person

    def load(self, **kwargs: Any) -> None:
        person = Person.objects.filter(reference=kwargs["ref"]).first()
        if person is None:
            raise Http404
        self.person = person

    def make_form(self, data: Any = None) -> forms.Form:
        return AuthorisationForm(data)

    def authorised(self, form: forms.Form) -> Person:
        return get_person(form.cleaned_data["authorised_id_number"], field="authorised")

    def precheck(self, form: forms.Form) -> None:
        self.authorised(form)

    def summary(self, form: forms.Form) -> Summary:
        data = form.cleaned_data
        return [
            (pgettext("console", "Holder"), holder_text(self.person)),
            (pgettext("console", "Authorised"), holder_text(self.authorised(form))),
            (pgettext("console", "Insurances covered"), _insurance_words(data["insurances"])),
            (pgettext("console", "From"), data["starts_on"].isoformat()),
            (pgettext("console", "Until"), data["ends_on"].isoformat()),
            (pgettext("console", "Document"), data["document"]),
        ]

    def perform(self, form: forms.Form) -> HttpResponse:
        data = form.cleaned_data
        authorisation = record_authorisation(
            actor=self.desk.actor,
            person=self.person,
            authorised=self.authorised(form),
            insurances=data["insurances"],
            starts_on=data["starts_on"],
            ends_on=data["ends_on"],
            document=data["document"],
        )
        self.done(
            pgettext("console", "Authorisation %(reference)s is recorded.")
            % {"reference": authorisation.reference}
        )
        return HttpResponseRedirect(records_url(self.person))

    def context(self) -> dict[str, Any]:
        return {"person": self.person}

    def back_url(self) -> str:
        return records_url(self.person)


class EndAuthorisation(DeskAction):
    permission = "manage_authorisations"
    title = pgettext_lazy("console", "End a written authorisation")
    confirm_label = pgettext_lazy("console", "End the authorisation")
    authorisation: Authorisation

    def load(self, **kwargs: Any) -> None:
        self.authorisation = authorisation_to_end(kwargs["reference"])

    def make_form(self, data: Any = None) -> forms.Form:
        return EmptyForm(data)

    def summary(self, form: forms.Form) -> Summary:
        a = self.authorisation
        return [
            (pgettext("console", "Authorisation"), a.reference),
            (pgettext("console", "Holder"), holder_text(a.person)),
            (pgettext("console", "Authorised"), holder_text(a.authorised)),
            (pgettext("console", "Insurances covered"), _insurance_words(a.insurances)),
            (
                pgettext("console", "Effect"),
                pgettext(
                    "console", "From now on the person authorised no longer reads these records."
                ),
            ),
        ]

    def perform(self, form: forms.Form) -> HttpResponse:
        end_authorisation(actor=self.desk.actor, reference=self.authorisation.reference)
        self.done(
            pgettext("console", "Authorisation %(reference)s is ended.")
            % {"reference": self.authorisation.reference}
        )
        return HttpResponseRedirect(self.back_url())

    def context(self) -> dict[str, Any]:
        return {"person": self.authorisation.person}

    def back_url(self) -> str:
        return records_url(self.authorisation.person)


# ---------------------------------------------------------------- disputes


class OpenWindowDispute(DeskAction):
    """A month's record disputed at the window for the person in front of the clerk (channel
    window, the clerk's outlet recorded). Whether the clerk may, and the dispute's terms, are
    the domain's (`records.services.check_dispute`), asked before the confirmation."""

    permission = "read_records"
    title = pgettext_lazy("console", "Dispute a month's record")
    confirm_label = pgettext_lazy("console", "Open the dispute")
    person: Person

    def load(self, **kwargs: Any) -> None:
        person = Person.objects.filter(reference=kwargs["ref"]).first()
        if person is None:
            raise Http404
        self.person = person
        check_opener(self.reader(), person)

    def reader(self) -> Reader:
        return Reader(actor=self.desk.actor)

    def make_form(self, data: Any = None) -> forms.Form:
        employers = {
            r.employer.credit_code: r.employer.name
            for r in records_of(self.person).order_by("employer__credit_code")
        }
        initial = {k: self.request.GET.get(k, "") for k in ("insurance", "month", "employer")}
        return WindowDisputeForm(data, employers=sorted(employers.items()), initial=initial)

    def terms(self, form: forms.Form) -> dict[str, Any]:
        data = form.cleaned_data
        return {
            "reader": self.reader(),
            "person": self.person,
            "insurance": data["insurance"],
            "month": data["month"],
            "reason": data["reason"],
            "employer_credit_code": data.get("employer") or None,
        }

    def precheck(self, form: forms.Form) -> None:
        check_dispute(**self.terms(form))

    def summary(self, form: forms.Form) -> Summary:
        data = form.cleaned_data
        field = form.fields["employer"]
        assert isinstance(field, forms.ChoiceField)
        employer = dict(field.choices).get(data.get("employer") or "", "")  # type: ignore[arg-type]
        return [
            (pgettext("console", "Holder"), holder_text(self.person)),
            (pgettext("console", "Insurance"), label("insurance", data["insurance"])),
            (pgettext("console", "Month"), data["month"]),
            (pgettext("console", "Employer"), str(employer) if data.get("employer") else "—"),
            (pgettext("console", "Reason given"), data["reason"]),
            (
                pgettext("console", "Effect"),
                pgettext(
                    "console",
                    "The dispute is recorded as opened at your window; the agency answers "
                    "within 15 working days and the person is told of the answer.",
                ),
            ),
        ]

    def perform(self, form: forms.Form) -> HttpResponse:
        dispute = open_dispute(**self.terms(form))
        self.done(
            pgettext("console", "Dispute %(reference)s is opened; it is answered by %(due)s.")
            % {"reference": dispute.reference, "due": f"{dispute.answer_due:%Y-%m-%d}"}
        )
        return HttpResponseRedirect(records_url(self.person))

    def context(self) -> dict[str, Any]:
        return {"person": self.person}

    def back_url(self) -> str:
        return records_url(self.person)


def dispute_url(dispute: Dispute) -> str:
    """An open dispute's page answers it; an answered one's shows the answer, read only."""
    if dispute.status == DisputeStatus.OPEN:
        return reverse("console:dispute", args=[dispute.reference])
    return reverse("console:dispute_answered", args=[dispute.reference])


def _dispute_link(dispute: Dispute) -> str:
    return dispute_url(dispute)


def _overdue_words(dispute: Dispute) -> str:
    if is_overdue(dispute):
        return pgettext("console", "overdue")
    return ""


DISPUTE_VIEWS = {
    "overdue": pgettext_lazy("console", "overdue only"),
    "answered": pgettext_lazy("console", "answered"),
}


@desk_view("answer_disputes")
def dispute_queue(request: HttpRequest) -> HttpResponseBase:
    """The disputes waiting for an answer that the desk sees (`disputes_seen_by`: a supervisor
    every one, a window clerk those of their outlet and of their outlet's region opened online
    or by phone)."""
    desk: Desk = request.desk  # type: ignore[attr-defined]
    view = request.GET.get("view")
    if view == "answered":
        rows = disputes_seen_by(desk.actor, answered_disputes())
    else:
        rows = disputes_seen_by(desk.actor, open_disputes())
    if view == "overdue":
        rows = rows.filter(answer_due__lt=clock.today())
    insurance = request.GET.get("insurance", "")
    if insurance in Insurance.values:
        rows = rows.filter(insurance=insurance)
    q = request.GET.get("q", "").strip().upper()
    if q:
        rows = rows.filter(reference=q)
    listing = Listing(
        name="disputes",
        title=pgettext_lazy("console", "Disputes waiting for an answer"),
        intro=pgettext_lazy(
            "console",
            "Each dispute is answered within 15 working days of its opening; the overdue ones "
            "come first.",
        ),
        columns=[
            Column(pgettext_lazy("console", "Dispute"), lambda d: d.reference, _dispute_link),
            Column(pgettext_lazy("console", "Answer due"), lambda d: f"{d.answer_due:%Y-%m-%d}"),
            Column(pgettext_lazy("console", "Overdue"), _overdue_words),
            Column(pgettext_lazy("console", "Holder"), lambda d: holder(d.person)),
            Column(
                pgettext_lazy("console", "Insurance"), lambda d: label("insurance", d.insurance)
            ),
            Column(pgettext_lazy("console", "Month"), lambda d: f"{d.month:%Y-%m}"),
            Column(pgettext_lazy("console", "Channel"), lambda d: label("channel", d.channel)),
            Column(
                pgettext_lazy("console", "Opened"),
                lambda d: f"{timezone.localtime(d.opened_at):%Y-%m-%d %H:%M}",
            ),
        ],
        rows=rows,
        search_help=pgettext_lazy("console", "Dispute reference"),
        filters=[
            Filter(
                "view",
                pgettext_lazy("console", "Show"),
                [("", pgettext_lazy("console", "all")), *DISPUTE_VIEWS.items()],
            ),
            Filter.any_of("insurance", pgettext_lazy("console", "Insurance"), INSURANCE),
        ],
    )
    return show(request, listing)


def _record_words(record: ContributionRecord) -> str:
    return f"{record.month:%Y-%m} · {record.employer.name} ({record.employer.credit_code})"


class AnswerDispute(DeskAction):
    permission = "answer_disputes"
    title = pgettext_lazy("console", "Answer a dispute")
    confirm_label = pgettext_lazy("console", "Send the answer")
    template_name = "console/dispute.html"
    dispute: Dispute
    records: list[ContributionRecord]

    def load(self, **kwargs: Any) -> None:
        self.dispute = dispute_to_answer(self.desk.actor, kwargs["reference"])
        self.records = disputed_records(self.dispute)

    def heading(self) -> Any:
        return pgettext("console", "Answer dispute %(reference)s") % {
            "reference": self.dispute.reference
        }

    def make_form(self, data: Any = None) -> forms.Form:
        choices = [(r.pk, _record_words(r)) for r in self.records]
        return DisputeAnswerForm(data, records=choices)

    def correction(self, form: forms.Form) -> Correction | None:
        data = form.cleaned_data
        if data.get("record") is None:
            return None
        return Correction(
            record_id=data["record"],
            base=str(data["base"]),
            employer_amount=str(data["employer_amount"]),
            individual_amount=str(data["individual_amount"]),
            status=data["record_status"],
            paid_on=data["paid_on"].isoformat() if data.get("paid_on") else "",
        )

    def summary(self, form: forms.Form) -> Summary:
        data = form.cleaned_data
        lines: Summary = [
            (pgettext("console", "Dispute"), self.dispute.reference),
            (pgettext("console", "Holder"), holder_text(self.dispute.person)),
            (pgettext("console", "Outcome"), label("dispute_status", data["status"])),
            (pgettext("console", "Answer"), data["answer"]),
        ]
        correction = self.correction(form)
        if correction is not None:
            record = next(r for r in self.records if r.pk == correction.record_id)
            lines += [
                (pgettext("console", "Record corrected"), _record_words(record)),
                (
                    pgettext("console", "Base"),
                    f"{record.base} → {correction.base}",
                ),
                (
                    pgettext("console", "Employer's amount"),
                    f"{record.employer_amount} → {correction.employer_amount}",
                ),
                (
                    pgettext("console", "Individual amount"),
                    f"{record.individual_amount} → {correction.individual_amount}",
                ),
                (
                    pgettext("console", "Status"),
                    f"{label('record_status', record.status)} → "
                    f"{label('record_status', correction.status)}",
                ),
            ]
        lines.append(
            (
                pgettext("console", "Effect"),
                pgettext(
                    "console",
                    "The person is told of the answer. A corrected record is booked as a new "
                    "version; the old one stays in its history.",
                ),
            )
        )
        return lines

    def perform(self, form: forms.Form) -> HttpResponse:
        data = form.cleaned_data
        answer_dispute(
            actor=self.desk.actor,
            reference=self.dispute.reference,
            status=data["status"],
            answer=data["answer"],
            correction=self.correction(form),
        )
        self.done(
            pgettext("console", "Dispute %(reference)s is answered; the person is told.")
            % {"reference": self.dispute.reference}
        )
        return HttpResponseRedirect(self.back_url())

    def context(self) -> dict[str, Any]:
        return {
            "person": self.dispute.person,
            "dispute": self.dispute,
            "overdue": is_overdue(self.dispute),
            "disputed": [(r, list(history_of(r))) for r in self.records],
        }

    def back_url(self) -> str:
        return reverse("console:disputes")


@desk_view("answer_disputes")
def answered_dispute(request: HttpRequest, reference: str) -> HttpResponse:
    """An answered dispute, read only: the answer, who gave it and when, and the record it
    corrected with the version booked and the one it replaced. An open one leads to its
    answer page; one out of the desk's scope reads as missing."""
    desk: Desk = request.desk  # type: ignore[attr-defined]
    try:
        dispute = dispute_seen(desk.actor, reference)
    except DomainError as error:
        back = reverse("console:disputes") + "?view=answered"
        return refused(request, refusal_message(error), status=error.status, back=back)
    if dispute.status == DisputeStatus.OPEN:
        return HttpResponseRedirect(reverse("console:dispute", args=[dispute.reference]))
    corrected = dispute.corrected_record
    replaced = None
    if corrected is not None and dispute.corrected_version is not None:
        replaced = history_of(corrected).filter(version=dispute.corrected_version - 1).first()
    context = {
        "dispute": dispute,
        "person": dispute.person,
        "corrected": corrected,
        "replaced": replaced,
        "back": reverse("console:disputes") + "?view=answered",
    }
    return render(request, "console/dispute_answered.html", context)
