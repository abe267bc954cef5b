"""Reading records and the rights computed from them (DOMAIN.md section 11).

Who may read them is decided in `permissions`; these functions answer for a person already
allowed.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Q, QuerySet, Sum

from sscard.common import clock
from sscard.common.errors import Conflict, ErrorCode, NotFound
from sscard.people.models import Person
from sscard.records.models import (
    PAID_STATUSES,
    Authorisation,
    BaseLimit,
    ContributionRate,
    ContributionRecord,
    ContributionVersion,
    Dispute,
    DisputeStatus,
    Insurance,
    PensionInterestRate,
    YearlyStatement,
)

CENT = Decimal("0.01")
ZERO = Decimal("0.00")


def authorisations_in_force(*, on: dt.date | None = None) -> QuerySet[Authorisation]:
    """The written authorisations in force on a day (today by default): from `starts_on` until
    the day before `ends_on`, unless ended at a window before that day. Every read of who is
    authorised goes through here."""
    day = on or clock.today()
    return Authorisation.objects.filter(starts_on__lte=day, ends_on__gt=day).filter(
        Q(ended_at__isnull=True) | Q(ended_at__date__gt=day)
    )


def authorisations_of(person: Person) -> QuerySet[Authorisation]:
    """All the written authorisations a person gave, newest first, with whom they name."""
    return (
        Authorisation.objects.filter(person=person)
        .select_related("authorised")
        .order_by("-created_at", "-pk")
    )


def authorisation_to_end(reference: str) -> Authorisation:
    """An authorisation a window may still end: `authorisation_not_found` when there is none,
    `authorisation_ended` when it was ended (the service checks again under its lock)."""
    found = (
        Authorisation.objects.filter(reference=reference)
        .select_related("person", "authorised")
        .first()
    )
    if found is None:
        raise NotFound("No such authorisation.", code=ErrorCode.AUTHORISATION_NOT_FOUND)
    if found.ended_at is not None:
        raise Conflict("This authorisation was already ended.", code=ErrorCode.AUTHORISATION_ENDED)
    return found


def open_disputes(rows: QuerySet[Dispute] | None = None) -> QuerySet[Dispute]:
    """The disputes (of `rows`) waiting for an answer, the one due soonest (so the overdue
    ones) first."""
    rows = Dispute.objects.all() if rows is None else rows
    return (
        rows.filter(status=DisputeStatus.OPEN)
        .select_related("person", "employer", "outlet")
        .order_by("answer_due", "opened_at", "pk")
    )


def answered_disputes(rows: QuerySet[Dispute] | None = None) -> QuerySet[Dispute]:
    """The disputes (of `rows`) answered, the latest answer first."""
    rows = Dispute.objects.all() if rows is None else rows
    return (
        rows.exclude(status=DisputeStatus.OPEN)
        .select_related("person", "employer", "outlet")
        .order_by("-answered_at", "-pk")
    )


def is_overdue(dispute: Dispute, *, today: dt.date | None = None) -> bool:
    """An open dispute not answered by its due day (15 working days from its opening)."""
    day = today or clock.today()
    return dispute.status == DisputeStatus.OPEN and day > dispute.answer_due


def history_of(record: ContributionRecord) -> QuerySet[ContributionVersion]:
    """The earlier versions of a record, latest first."""
    return ContributionVersion.objects.filter(record=record).order_by("-version")


@dataclass(frozen=True)
class Rate:
    insurance: str
    employer: Decimal
    individual: Decimal


def _prefixes(region_code: str) -> list[str]:
    return [region_code[:n] for n in range(len(region_code), -1, -1)]


def rates_for(region_code: str, year: int) -> dict[str, Rate]:
    """The contribution rates of a region in a year, per insurance: the longest region prefix
    with rates, and within it the latest year not after `year` (rates hold until changed)."""
    rows = ContributionRate.objects.filter(
        region_prefix__in=_prefixes(region_code), year__lte=year
    ).order_by("year")
    by_prefix: dict[str, dict[str, Rate]] = defaultdict(dict)
    for row in rows:
        by_prefix[row.region_prefix][row.insurance] = Rate(
            row.insurance, row.employer_rate, row.individual_rate
        )
    for prefix in _prefixes(region_code):
        if by_prefix.get(prefix):
            return by_prefix[prefix]
    return {}


def base_limits_for(region_code: str, year: int) -> tuple[Decimal, Decimal] | None:
    """The lowest and highest base of a region in a year, by the same rule as `rates_for`
    (the feed's check reads them all at once: `feeds.Limits`)."""
    for prefix in _prefixes(region_code):
        row = (
            BaseLimit.objects.filter(region_prefix=prefix, year__lte=year).order_by("-year").first()
        )
        if row is not None:
            return row.lower, row.upper
        if BaseLimit.objects.filter(region_prefix=prefix).exists():
            return None
    return None


def records_of(
    person: Person,
    *,
    insurances: frozenset[str] | None = None,
    since: dt.date | None = None,
    until: dt.date | None = None,
) -> QuerySet[ContributionRecord]:
    """A person's current records, newest first, optionally of some insurances and months."""
    rows = ContributionRecord.objects.filter(person=person).select_related("employer")
    if insurances is not None:
        rows = rows.filter(insurance__in=sorted(insurances))
    if since is not None:
        rows = rows.filter(month__gte=since)
    if until is not None:
        rows = rows.filter(month__lte=until)
    return rows.order_by("-month", "insurance", "employer__credit_code")


@dataclass(frozen=True)
class Totals:
    insurance: str
    months: int
    base: Decimal
    employer_amount: Decimal
    individual_amount: Decimal
    owed_months: int


def totals_of(rows: QuerySet[ContributionRecord]) -> list[Totals]:
    """Per insurance: the months with a record, the sums, and the months owed."""
    by: dict[str, dict[str, object]] = {}
    for row in (
        rows.order_by()
        .values("insurance", "status")
        .annotate(
            base=Sum("base"), employer=Sum("employer_amount"), individual=Sum("individual_amount")
        )
    ):
        entry = by.setdefault(
            row["insurance"],
            {"base": ZERO, "employer": ZERO, "individual": ZERO, "owed": 0},
        )
        for name in ("base", "employer", "individual"):
            entry[name] = entry[name] + (row[name] or ZERO)  # type: ignore[operator]
    months = defaultdict(set)
    owed = defaultdict(set)
    for insurance, month, status in rows.order_by().values_list("insurance", "month", "status"):
        months[insurance].add(month)
        if status == "owed":
            owed[insurance].add(month)
    return [
        Totals(
            insurance=insurance,
            months=len(months[insurance]),
            base=by[insurance]["base"],  # type: ignore[arg-type]
            employer_amount=by[insurance]["employer"],  # type: ignore[arg-type]
            individual_amount=by[insurance]["individual"],  # type: ignore[arg-type]
            owed_months=len(owed[insurance]),
        )
        for insurance in Insurance.values
        if insurance in by
    ]


# ---------------------------------------------------------------- rights


def _month_index(month: dt.date) -> int:
    return month.year * 12 + month.month - 1


@dataclass(frozen=True)
class MonthsPaid:
    """Months paid of one insurance (paid or back paid; a month with two employers counts
    once). `longest` is the longest run of consecutive months; `current` the run that ends with
    the last month paid, if that month is this month or the one before (else 0: the payments
    have stopped)."""

    insurance: str
    total: int
    longest: int
    current: int
    first: dt.date | None
    last: dt.date | None


def months_paid(
    person: Person, *, today: dt.date | None = None, until: dt.date | None = None
) -> list[MonthsPaid]:
    """`until`: count only the months up to that day's (a yearly statement's running totals
    at the end of its year); `current` is then the run that ends in that month."""
    day = today or clock.today()
    rows = ContributionRecord.objects.filter(person=person, status__in=sorted(PAID_STATUSES))
    if until is not None:
        rows = rows.filter(month__lte=until)
        day = min(day, until)
    months: dict[str, set[int]] = defaultdict(set)
    for insurance, month in rows.values_list("insurance", "month").distinct():
        months[insurance].add(_month_index(month))
    now = _month_index(day.replace(day=1))
    answer = []
    for insurance in Insurance.values:
        indexes = sorted(months.get(insurance, ()))
        longest = run = 0
        previous = None
        for index in indexes:
            run = run + 1 if previous is not None and index == previous + 1 else 1
            longest = max(longest, run)
            previous = index
        current = run if indexes and indexes[-1] >= now - 1 else 0
        answer.append(
            MonthsPaid(
                insurance=insurance,
                total=len(indexes),
                longest=longest,
                current=current,
                first=dt.date(indexes[0] // 12, indexes[0] % 12 + 1, 1) if indexes else None,
                last=dt.date(indexes[-1] // 12, indexes[-1] % 12 + 1, 1) if indexes else None,
            )
        )
    return answer


@dataclass(frozen=True)
class AccountYear:
    year: int
    opening: Decimal
    credits: Decimal
    rate: Decimal | None
    interest: Decimal
    closing: Decimal


@dataclass(frozen=True)
class Account:
    insurance: str
    years: list[AccountYear] = field(default_factory=list)

    @property
    def balance(self) -> Decimal:
        return self.years[-1].closing if self.years else ZERO

    @property
    def interest(self) -> Decimal:
        return sum((y.interest for y in self.years), ZERO)


def _credits_by_year(person: Person, insurance: str) -> dict[int, Decimal]:
    credits: dict[int, Decimal] = defaultdict(lambda: ZERO)
    for month, amount in ContributionRecord.objects.filter(
        person=person, insurance=insurance, status__in=sorted(PAID_STATUSES)
    ).values_list("month", "individual_amount"):
        credits[month.year] += amount
    return credits


def pension_account(person: Person, *, today: dt.date | None = None) -> Account:
    """The pension personal account, year by year, from the first year with a credit to this
    year.

    Credits are the individual amounts of the months paid or back paid, credited in the year of
    their month. Interest is added once a year, at the end of it, at that year's announced rate
    (`PensionInterestRate`), by the convention of MOHRSS's yearly accounting: the opening
    balance earns a whole year's interest and the year's credits, paid over the year, half a
    year's: `interest = opening × rate + credits × rate ÷ 2`, rounded to the cent. A year whose
    rate is not announced (before 2016 in the data, the current year until it is) earns none
    yet, and shows `rate` None.
    """
    day = today or clock.today()
    credits = _credits_by_year(person, Insurance.PENSION)
    rates = dict(PensionInterestRate.objects.values_list("year", "rate"))
    years: list[AccountYear] = []
    if not credits:
        return Account(Insurance.PENSION, years)
    balance = ZERO
    for year in range(min(credits), day.year + 1):
        credit = credits.get(year, ZERO)
        rate = rates.get(year) if year < day.year else None
        interest = ZERO
        if rate is not None:
            interest = (balance * rate + credit * rate / 2).quantize(CENT, ROUND_HALF_UP)
        closing = balance + credit + interest
        years.append(AccountYear(year, balance, credit, rate, interest, closing))
        balance = closing
    return Account(Insurance.PENSION, years)


def medical_account(person: Person, *, today: dt.date | None = None) -> Account:
    """The medical personal account, year by year: the individual amounts of the months paid
    or back paid, credited in the year of their month, without interest. What the person spent
    from it is kept by the medical insurance system, not here: the balance is what was
    credited."""
    day = today or clock.today()
    credits = _credits_by_year(person, Insurance.MEDICAL)
    years: list[AccountYear] = []
    balance = ZERO
    for year in range(min(credits), day.year + 1) if credits else ():
        credit = credits.get(year, ZERO)
        years.append(AccountYear(year, balance, credit, None, ZERO, balance + credit))
        balance += credit
    return Account(Insurance.MEDICAL, years)


@dataclass(frozen=True)
class Rights:
    months: list[MonthsPaid]
    pension: Account
    medical: Account


def rights_of(person: Person, *, today: dt.date | None = None) -> Rights:
    return Rights(
        months=months_paid(person, today=today),
        pension=pension_account(person, today=today),
        medical=medical_account(person, today=today),
    )


# ---------------------------------------------------------------- disputes


def disputes_of(person: Person) -> QuerySet[Dispute]:
    """A person's disputes, newest first, with the employer named in each."""
    return (
        Dispute.objects.filter(person=person)
        .select_related("employer")
        .order_by("-opened_at", "-pk")
    )


def record_years(person: Person, *, insurances: frozenset[str]) -> list[int]:
    """The years in which the person has a record of one of these insurances, newest first."""
    return sorted(
        {
            d.year
            for d in ContributionRecord.objects.filter(
                person=person, insurance__in=sorted(insurances)
            )
            .order_by()
            .dates("month", "year")
        },
        reverse=True,
    )


def statement_of(person: Person, year: int) -> YearlyStatement | None:
    """The person's statement of a year in the yearly run (pending, made, notified), if the
    run has queued one."""
    return YearlyStatement.objects.filter(person=person, year=year).first()
