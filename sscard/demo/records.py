"""The demo's contribution records: Guangzhou employers, and 3 to 15 years of monthly records
of the five insurances for every demo person of working age (20 to 59 at the anchor day; a
working life here starts at 17 at the earliest), up to the first 20,000 of them.

Each working life is planned from the seed, person by person in the order of their ids: jobs
of two to five years with a change of employer (and a raise) between them, for some a gap of a
few months between two jobs, for some an owed month (recent, unpaid) and for some a month paid
late (back paid, months after). Bases are the person's wage within the limits of the year and
amounts are the base times the rates of the year, both as the migration `records.0002_seed_rates`
seeds them, read through the records' selectors, so every record would pass the feed's check.
Like the people and cards (`bulk`), this is history that predates the service: written as rows
(COPY on PostgreSQL), not through the services, and without audit events.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.db import connection, transaction
from stdnum.cn import uscc

from sscard.demo.bulk import _next_id, _Writer
from sscard.people.models import Person
from sscard.records.booking import COPY_COLUMNS
from sscard.records.models import WITHOUT_INDIVIDUAL_PART, ContributionRecord, Employer
from sscard.records.selectors import Rate, base_limits_for, rates_for

RECORD_COLUMNS = ("id", *COPY_COLUMNS)
CENT = Decimal("0.01")
EMPLOYERS = 120
DISTRICTS = ("440103", "440104", "440105", "440106", "440111", "440112", "440113", "440114")
TRADES = ("科技", "贸易", "物流", "餐饮", "建设", "医药", "电子", "文化", "商贸", "制造")
KINDS = ("有限公司", "有限责任公司", "股份有限公司")
NAMES = "华南粤穗珠江白云天河越秀海珠番禺花城羊城岭南南沙黄埔荔湾增城从化恒信泰宏达兴"
YEARS = (3, 15)
# People of working age given records, the first by id: about 350 records each, so the records
# of every one of a large demo's people would be hundreds of millions of rows.
MOST_PEOPLE = 20_000


@dataclass
class RecordsResult:
    employers: int
    people: int
    records: int


def employer_code(n: int) -> str:
    """A valid unified social credit code of a company in a Guangzhou district."""
    body = f"91{DISTRICTS[n % len(DISTRICTS)]}MA{n:07d}"[:17]
    return body + uscc.calc_check_digit(body)


def _employer_name(rng: random.Random, n: int) -> str:
    first = NAMES[rng.randrange(len(NAMES))] + NAMES[rng.randrange(len(NAMES))]
    return f"广州{first}{TRADES[n % len(TRADES)]}{KINDS[n % len(KINDS)]}"


def ensure_employers(seed: int) -> list[int]:
    """The demo's employers (reference data: kept by a wipe, made when missing), by number."""
    rng = random.Random(f"{seed}:employers")
    wanted = {employer_code(n): _employer_name(rng, n) for n in range(1, EMPLOYERS + 1)}
    Employer.objects.bulk_create(
        [Employer(credit_code=code, name=name) for code, name in wanted.items()],
        ignore_conflicts=True,
    )
    ids = dict(
        Employer.objects.filter(credit_code__in=list(wanted)).values_list("credit_code", "id")
    )
    return [ids[code] for code in wanted]


@dataclass(frozen=True)
class _Year:
    rates: dict[str, Rate]
    lower: Decimal
    upper: Decimal


def _years(first: int, last: int) -> dict[int, _Year]:
    found = {}
    for year in range(first, last + 1):
        limits = base_limits_for("440106", year)
        rates = rates_for("440106", year)
        if limits is None or not rates:
            continue
        found[year] = _Year(rates, *limits)
    return found


def _months(start: dt.date, count: int) -> Iterator[dt.date]:
    index = start.year * 12 + start.month - 1
    for n in range(count):
        yield dt.date((index + n) // 12, (index + n) % 12 + 1, 1)


def _amounts(year: _Year, base: Decimal) -> list[tuple[str, str, str, str]]:
    """Per insurance: the base, the employer's and the individual's amounts, as text (the
    same few bases recur: worked out once)."""
    return [
        (
            insurance,
            f"{base:.2f}",
            f"{(base * rate.employer).quantize(CENT, ROUND_HALF_UP):.2f}",
            "0.00"
            if insurance in WITHOUT_INDIVIDUAL_PART
            else f"{(base * rate.individual).quantize(CENT, ROUND_HALF_UP):.2f}",
        )
        for insurance, rate in year.rates.items()
    ]


def _day(month: dt.date, days: int) -> dt.date | None:
    return month + dt.timedelta(days=days)


def _last_month(anchor: dt.date) -> dt.date:
    return dt.date(anchor.year - 1, 12, 1) if anchor.month == 1 else anchor.replace(day=1)


def years_of(anchor: dt.date) -> dict[int, _Year]:
    """The rates and limits of the years the records span, read before the rows are written
    (a COPY in progress holds the connection)."""
    last = _last_month(anchor).year
    return _years(last - YEARS[1], last)


def _record_rows(
    people: list[tuple[int, dt.date, int]],
    *,
    years: dict[int, _Year],
    seed: int,
    anchor: dt.date,
    employers: list[int],
    first_id: int,
    booked_at: dt.datetime,
) -> Iterator[tuple[object, ...]]:
    rng = random.Random(f"{seed}:records")
    last_month = _last_month(anchor)
    next_id = first_id
    amounts: dict[tuple[int, Decimal], list[tuple[str, str, str, str]]] = {}
    for person_id, birth, bucket in people:
        # From 3 to 15 years, most working lives here short (a mean of about 6 years).
        span = YEARS[0] + int((YEARS[1] - YEARS[0] + 1) * rng.random() ** 3)
        start_year = max(last_month.year - span + 1, birth.year + 17, min(years))
        months = (last_month.year - start_year) * 12 + last_month.month
        if months < 12 * YEARS[0]:
            continue
        # Jobs of 24-60 months; between two of them, for a third of the people, a gap.
        wage = Decimal(rng.randint(50, 200)) / 100
        gap_after = rng.randrange(2) if rng.random() < 0.33 else -1
        owed = rng.random() < 0.25
        back_paid = rng.random() < 0.2
        job, left, employer = 0, rng.randint(24, 60), rng.choice(employers)
        skip = 0
        plan = list(_months(dt.date(start_year, 1, 1), months))
        owed_month = plan[-rng.randint(1, 3)] if owed else None
        back_month = plan[rng.randrange(len(plan) // 2, len(plan) - 3)] if back_paid else None
        for month in plan:
            if left == 0:
                if job == gap_after:
                    skip = rng.randint(2, 6)
                job, left = job + 1, rng.randint(24, 60)
                employer = rng.choice(employers)
                wage = wage * Decimal(rng.randint(105, 130)) / 100
            left -= 1
            if skip:
                skip -= 1
                continue
            year = years.get(month.year)
            if year is None:
                continue
            base = (year.lower / Decimal("0.6") * wage).quantize(Decimal("1"))
            base = min(max(base, year.lower), year.upper)
            status, paid_on = "paid", _day(month, 14)
            if month == owed_month:
                status, paid_on = "owed", None
            elif month == back_month:
                status, paid_on = "back_paid", _day(month, 14 + 30 * 4)
            key = (month.year, base)
            if key not in amounts:
                amounts[key] = _amounts(year, base)
            for insurance, base_text, employer_amount, individual in amounts[key]:
                yield (
                    next_id,
                    person_id,
                    insurance,
                    month,
                    employer,
                    base_text,
                    employer_amount,
                    individual,
                    status,
                    paid_on,
                    1,
                    booked_at,
                    bucket,
                )
                next_id += 1


def load_records(
    *, seed: int, anchor: dt.date, progress: Callable[[int], object] = lambda n: None
) -> RecordsResult:
    """Write the records of the people of working age at `anchor`, the first MOST_PEOPLE of
    them (in one transaction)."""
    employers = ensure_employers(seed)
    youngest = dt.date(anchor.year - 20, anchor.month, anchor.day)
    oldest = dt.date(anchor.year - 60, anchor.month, anchor.day)
    people = list(
        Person.objects.filter(birth_date__lte=youngest, birth_date__gt=oldest)
        .order_by("pk")
        .values_list("pk", "birth_date", "bucket")[:MOST_PEOPLE]
    )
    booked_at = dt.datetime.combine(anchor, dt.time(2), tzinfo=dt.UTC)
    with transaction.atomic():
        count = _Writer(ContributionRecord, RECORD_COLUMNS).write(
            _record_rows(
                people,
                years=years_of(anchor),
                seed=seed,
                anchor=anchor,
                employers=employers,
                first_id=_next_id(ContributionRecord),
                booked_at=booked_at,
            ),
            progress,
        )
        if connection.vendor == "postgresql":
            from django.core.management.color import no_style

            with connection.cursor() as cursor:
                for sql in connection.ops.sequence_reset_sql(no_style(), [ContributionRecord]):
                    cursor.execute(sql)
    return RecordsResult(employers=len(employers), people=len(people), records=count)
