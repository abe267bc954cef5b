"""The reads the records pages put together (DOMAIN.md section 11): whose records the signed-in
person may open, one person's records of a year per insurance with the months that have none,
the totals and a chart, the rights summary, and the disputes.

Who may read what is the records app's answer (`permissions`, asked through
`services.read_records`, which also audits a reading of another's records); this module only
arranges what it may show. The words are in the templates and `labels`; a year's table lines
are written out here once (`Row`: their month, amounts, status and dispute address), since a
page holds up to five insurances of twelve lines or more.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from functools import cache, partial
from typing import TypedDict

from django.urls import reverse
from django.utils.translation import gettext as _

from sscard.common import clock
from sscard.common.charts import Chart, Series, grouped_stacks
from sscard.people.models import Person
from sscard.people.selectors import guardianship
from sscard.portal import formats, labels, session
from sscard.records.feeds import parse_month as _parse_month
from sscard.records.models import (
    WITHOUT_INDIVIDUAL_PART,
    ContributionRecord,
    Dispute,
    Insurance,
    RecordStatus,
)
from sscard.records.permissions import Reader, RecordsAccess, may_open_dispute, readable_people
from sscard.records.selectors import (
    Rights,
    Totals,
    authorisations_in_force,
    disputes_of,
    record_years,
    records_of,
    rights_of,
    totals_of,
)
from sscard.records.services import read_records


class NotReadable(Exception):
    """Nobody the signed-in person may read, or nobody at all: both read as not found."""


def reader(person: Person) -> Reader:
    """The signed-in citizen as a reader of records, through the web."""
    return Reader(actor=session.actor(person), person=person)


@dataclass(frozen=True)
class Subject:
    """Whose records a page shows, and on what footing the signed-in person reads them."""

    person: Person
    access: RecordsAccess
    is_me: bool
    relation: str  # a guardian's relation to the ward, else ""
    authorised_until: dt.date | None  # the last day of the authorisation read under, if any
    may_dispute: bool
    people: list[Person]  # whose records the signed-in person may open (`people`), read once

    @property
    def insurances(self) -> list[str]:
        return [i for i in Insurance.values if i in self.access.insurances]


def people(me: Person) -> list[Person]:
    """Whose records the signed-in person may open: themselves first, then the others."""
    return [me, *readable_people(me)]


def subject(
    me: Person, reference: str | None, *, what: str, among: list[Person] | None = None
) -> Subject:
    """The person a records page is about (`reference`; None: oneself), read through the
    records app (audited when it is another's); `NotReadable` for anyone else or no one.
    `among`: the signed-in person's `people`, when already read."""
    listed = people(me) if among is None else among
    person = me if reference is None else {p.reference: p for p in listed}.get(reference)
    if person is None:
        raise NotReadable
    found = _footing(me, person)
    access = read_records(reader(me), person, what=what)
    return Subject(
        person=person,
        access=access,
        is_me=person.pk == me.pk,
        relation=found[0],
        authorised_until=found[1] if access.basis == "authorisation" else None,
        may_dispute=may_open_dispute(reader(me), person),
        people=listed,
    )


def _footing(me: Person, person: Person) -> tuple[str, dt.date | None]:
    if person.pk == me.pk:
        return "", None
    link = guardianship(me, person)
    ends = (
        authorisations_in_force()
        .filter(person=person, authorised=me)
        .order_by("-ends_on")
        .values_list("ends_on", flat=True)
        .first()
    )
    last_day = ends - dt.timedelta(days=1) if ends else None
    return (link.relation if link else ""), last_day


def disputing(me: Person, reference: str | None) -> Subject:
    """The person whose month the signed-in person disputes (or whose disputes they list):
    asked of the read model before any reading, so that someone who may read but not dispute
    (an authorised person) reads nothing here; `NotReadable` for them and anyone else."""
    listed = people(me)
    person = me if reference is None else {p.reference: p for p in listed}.get(reference)
    if person is None or not may_open_dispute(reader(me), person):
        raise NotReadable
    return subject(me, reference, what="contributions", among=listed)


# ---------------------------------------------------------------- a year of records


@dataclass(frozen=True)
class MonthLine:
    """A line of a year's table: a record, or a month without any (`record` None)."""

    month: dt.date
    record: ContributionRecord | None

    @property
    def gap(self) -> bool:
        return self.record is None

    @property
    def owed(self) -> bool:
        return self.record is not None and self.record.status == RecordStatus.OWED

    @property
    def key(self) -> str:
        return f"{self.month:%Y-%m}"


class Row(TypedDict):
    """A line of a year's table as the page writes it: its values in words, put once (a dict:
    the template reads a key in one step where an attribute takes two)."""

    id: str  # the insurance, the month and the employer's code: "pension-2025-04-9144…"
    gap: bool
    owed: bool
    month: str  # "April 2025" / "2025年4月"
    employer: str
    base: str
    employer_amount: str
    individual_amount: str
    status: str
    paid_on: str
    dispute_url: str  # the address to dispute the line from; "" for whoever may not


@dataclass(frozen=True)
class InsuranceYear:
    insurance: str
    lines: list[MonthLine]
    totals: Totals | None
    chart: Chart
    months: list[dt.date] = field(default_factory=list)  # the months in the chart and table
    rows: list[Row] = field(default_factory=list)  # the lines as the table writes them

    @property
    def gaps(self) -> list[MonthLine]:
        return [line for line in self.lines if line.gap]

    @property
    def owed(self) -> list[MonthLine]:
        return [line for line in self.lines if line.owed]

    @property
    def has_records(self) -> bool:
        return self.totals is not None


def last_month_due(today: dt.date) -> dt.date:
    """The last month whose record should be here by now: the core system books a month after
    it ends, so this month's missing record is not a gap yet."""
    first = today.replace(day=1)
    return (first - dt.timedelta(days=1)).replace(day=1)


def months_of(year: int, *, today: dt.date) -> list[dt.date]:
    """The months of a year that are due (all twelve of a past year)."""
    due = last_month_due(today)
    return [dt.date(year, m, 1) for m in range(1, 13) if dt.date(year, m, 1) <= due]


@dataclass(frozen=True)
class _Words:
    """The words of a page's values, each put once a page (`_words`): a page repeats the same
    months, days and statuses in every insurance."""

    month: Callable[[dt.date], str]
    short_month: Callable[[dt.date], str]
    day: Callable[[dt.date | None], str]
    status: Callable[[str], str]


def _words() -> _Words:
    return _Words(
        month=cache(formats.month),
        short_month=cache(formats.short_month),
        day=cache(formats.day),
        status=cache(partial(labels.label, labels.RECORD_STATUS)),
    )


def _chart(insurance: str, months: list[dt.date], lines: list[MonthLine], words: _Words) -> Chart:
    by_month: dict[dt.date, list[ContributionRecord]] = {}
    for line in lines:
        if line.record is not None:
            by_month.setdefault(line.month, []).append(line.record)
    shown = sorted(set(months) | set(by_month))

    def total(name: str) -> list[Decimal | None]:
        return [
            sum((getattr(r, name) for r in by_month[m]), Decimal(0)) if m in by_month else None
            for m in shown
        ]

    series = [
        Series(_("Base"), 0, total("base")),
        Series(_("Employer amount"), 1, total("employer_amount")),
    ]
    if insurance not in WITHOUT_INDIVIDUAL_PART:
        series.append(Series(_("Individual amount"), 1, total("individual_amount")))
    marks = {i: _("no record") for i, m in enumerate(shown) if m not in by_month}
    dashed = frozenset(
        i
        for i, m in enumerate(shown)
        if any(r.status == RecordStatus.OWED for r in by_month.get(m, []))
    )
    return grouped_stacks(
        [words.short_month(m) for m in shown],
        series,
        marks=marks,
        dashed=dashed,
        width=480,
        height=240,
    )


def _rows(insurance: str, lines: list[MonthLine], words: _Words, dispute_url: str) -> list[Row]:
    rows = []
    for line in lines:
        key = line.key
        r = line.record
        if r is None:
            query = f"?insurance={insurance}&month={key}"
            rows.append(
                Row(
                    id=f"{insurance}-{key}",
                    gap=True,
                    owed=False,
                    month=words.month(line.month),
                    employer="",
                    base="",
                    employer_amount="",
                    individual_amount="",
                    status="",
                    paid_on="",
                    dispute_url=f"{dispute_url}{query}" if dispute_url else "",
                )
            )
            continue
        code = r.employer.credit_code
        query = f"?insurance={insurance}&month={key}&employer={code}"
        rows.append(
            Row(
                id=f"{insurance}-{key}-{code}",
                gap=False,
                owed=line.owed,
                month=words.month(line.month),
                employer=r.employer.name,
                base=formats.amount(r.base),
                employer_amount=formats.amount(r.employer_amount),
                individual_amount=formats.amount(r.individual_amount),
                status=words.status(r.status),
                paid_on=words.day(r.paid_on),
                dispute_url=f"{dispute_url}{query}" if dispute_url else "",
            )
        )
    return rows


def year_of(subject: Subject, year: int, *, today: dt.date | None = None) -> list[InsuranceYear]:
    """Per insurance the subject's records of a year, month by month, with the due months that
    have none, the year's totals and the chart."""
    day = today or clock.today()
    rows = records_of(
        subject.person,
        insurances=subject.access.insurances,
        since=dt.date(year, 1, 1),
        until=dt.date(year, 12, 1),
    )
    totals = {t.insurance: t for t in totals_of(rows)}
    records: dict[str, list[ContributionRecord]] = {}
    for record in rows:
        records.setdefault(record.insurance, []).append(record)
    months = months_of(year, today=day)
    words = _words()
    dispute_url = (
        reverse("portal:dispute", args=[subject.person.reference]) if subject.may_dispute else ""
    )
    answer = []
    for insurance in subject.insurances:
        mine = records.get(insurance, [])
        booked = {r.month for r in mine}
        lines = [MonthLine(r.month, r) for r in mine]
        lines += [MonthLine(m, None) for m in months if m not in booked]
        lines.sort(
            key=lambda line: (line.month, line.record.employer.credit_code if line.record else "")
        )
        answer.append(
            InsuranceYear(
                insurance=insurance,
                lines=lines,
                totals=totals.get(insurance),
                chart=_chart(insurance, months, lines, words),
                months=months,
                rows=_rows(insurance, lines, words, dispute_url),
            )
        )
    return answer


def years_of(subject: Subject, *, today: dt.date | None = None) -> tuple[list[int], int]:
    """The years a page offers, newest first (those with records, and the year of the last
    month due), and the one shown by default: the newest with records."""
    day = today or clock.today()
    booked = record_years(subject.person, insurances=subject.access.insurances)
    years = sorted({*booked, last_month_due(day).year}, reverse=True)
    return years, booked[0] if booked else years[0]


# ---------------------------------------------------------------- rights and disputes


def rights(subject: Subject, *, today: dt.date | None = None) -> Rights:
    """The rights of the insurances the reader may see (an authorisation may cover some)."""
    found = rights_of(subject.person, today=today)
    return Rights(
        months=[m for m in found.months if m.insurance in subject.access.insurances],
        pension=found.pension,
        medical=found.medical,
    )


def parse_month(value: str) -> dt.date | None:
    """A month as YYYY-MM, else None (the dispute service says why it refuses one)."""
    return _parse_month(value)


def month_records(subject: Subject, insurance: str, month: str) -> list[ContributionRecord]:
    """The subject's records of one insurance and month (to choose the employer disputed)."""
    day = _parse_month(month)
    if day is None or insurance not in subject.access.insurances:
        return []
    rows = records_of(subject.person, insurances=frozenset({insurance}), since=day, until=day)
    return list(rows.order_by("employer__name"))


def dispute_in_reach(me: Person, reference: str) -> tuple[Person, Dispute] | None:
    """A dispute of someone the signed-in person may dispute for (themselves, a ward in
    force), with that person; None for any other or none at all."""
    for person in people(me):
        if not may_open_dispute(reader(me), person):
            continue
        found = disputes_of(person).filter(reference=reference.upper()).first()
        if found is not None:
            return person, found
    return None


def disputes(subject: Subject) -> list[Dispute]:
    """The subject's disputes, shown to whoever may open one for them (holder, guardian)."""
    return list(disputes_of(subject.person)) if subject.may_dispute else []
