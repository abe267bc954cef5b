"""Checking the records that the core system feeds in (DOMAIN.md section 11), the same for the
API's batches and the lines of an import file: each record is either a `Contribution` ready to
book or the list of its errors, and one bad record never stops the others.

A record: `social_security_number`, `insurance`, `month` ("YYYY-MM"), `employer`
(`{"name", "credit_code"}`), `base`, `employer_amount`, `individual_amount` (money objects
`{"amount", "currency"}` or plain decimal strings), `status`, `paid_on` (optional).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from typing import Any, NamedTuple

from stdnum.cn import uscc
from stdnum.exceptions import ValidationError as StdnumError

from sscard.common import clock
from sscard.common.errors import ErrorCode
from sscard.people.models import Person
from sscard.records.models import WITHOUT_INDIVIDUAL_PART, BaseLimit, Insurance, RecordStatus

MONTH = re.compile(r"^(\d{4})-(\d{2})$")
# The largest amount a record may carry (the columns hold 12 digits, 2 after the point).
LARGEST = Decimal("9999999999.99")
CENT = Decimal("0.01")
INSURANCES = frozenset(Insurance.values)
STATUSES = frozenset(RecordStatus.values)
INSURANCE_CHOICES = "must be one of: " + ", ".join(Insurance.values)
STATUS_CHOICES = "must be one of: " + ", ".join(RecordStatus.values)
FIELDS = frozenset(
    {
        "social_security_number",
        "insurance",
        "month",
        "employer",
        "base",
        "employer_amount",
        "individual_amount",
        "status",
        "paid_on",
    }
)


@dataclass(frozen=True)
class RecordError:
    field: str
    message: str
    code: ErrorCode

    def as_dict(self) -> dict[str, str]:
        return {"field": self.field, "message": self.message, "code": self.code}


class Contribution(NamedTuple):
    """A checked record, ready to book. A named tuple: a file builds millions of them, and a
    tuple costs a fraction of a frozen dataclass's construction."""

    person_id: int
    insurance: str
    month: dt.date
    credit_code: str
    employer_name: str
    base: Decimal
    employer_amount: Decimal
    individual_amount: Decimal
    status: str
    paid_on: dt.date | None

    @property
    def key(self) -> tuple[int, str, dt.date, str]:
        return (self.person_id, self.insurance, self.month, self.credit_code)

    @property
    def content(self) -> tuple[Decimal, Decimal, Decimal, str, dt.date | None]:
        """What a booking compares with the current version: amounts, status, paid date."""
        return (self.base, self.employer_amount, self.individual_amount, self.status, self.paid_on)


@dataclass
class Checked:
    """The records of a batch that may be booked (with their positions) and the rejected ones
    (position and errors)."""

    valid: list[tuple[int, Contribution]] = field(default_factory=list)
    rejected: list[tuple[int, list[RecordError]]] = field(default_factory=list)


def parse_month(value: Any) -> dt.date | None:
    return _month_of(value) if isinstance(value, str) else None


# The checks of a file's cells that come again and again (the months, the amounts, the paid
# dates of a million people) are kept by their text: each is a pure function of it.
@lru_cache(maxsize=4096)
def _month_of(text: str) -> dt.date | None:
    match = MONTH.match(text.strip())
    if match is None:
        return None
    year, month = int(match[1]), int(match[2])
    if not (1 <= month <= 12 and year >= 1900):
        return None
    return dt.date(year, month, 1)


def _is_mapping(value: object) -> bool:
    """`isinstance(value, Mapping)`, the plain dict of a parsed record first (the abstract
    class's check costs more, millions of times in a batch file)."""
    return type(value) is dict or isinstance(value, Mapping)


def parse_money(value: Any) -> Decimal | None:
    """A money object's amount, or a plain decimal; None when it is not one."""
    if isinstance(value, str):  # a file's cell
        return _amount_of(value)
    if _is_mapping(value):
        if value.get("currency", "CNY") != "CNY":
            return None
        value = value.get("amount")
        if isinstance(value, str):
            return _amount_of(value)
    if isinstance(value, bool) or not isinstance(value, int | float | Decimal):
        return None
    return _exact_amount(str(value))


@lru_cache(maxsize=65536)
def _amount_of(text: str) -> Decimal | None:
    return _exact_amount(text.strip())


def _exact_amount(text: str) -> Decimal | None:
    try:
        amount = Decimal(text)
    except InvalidOperation:
        return None
    if not amount.is_finite() or amount != amount.quantize(CENT) or abs(amount) > LARGEST:
        return None
    return amount.quantize(CENT)


@lru_cache(maxsize=65536)
def credit_code_error(value: str) -> str:
    """What is wrong with a unified social credit code, or "" when it is right."""
    try:
        uscc.validate(value)
    except StdnumError as exc:
        if "checksum" in type(exc).__name__.lower():
            return "the check character (the last one) does not match"
        return "is not a unified social credit code (18 characters)"
    return ""


@lru_cache(maxsize=4096)
def _date_of(text: str) -> dt.date | None:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        return None


class Limits:
    """The base limits by region and year, read once: for a region, the longest prefix with
    limits applies, and within it the latest year not after the month's (a year with no new
    figures keeps the last). No limits known for a region and year: the base is not checked."""

    def __init__(self) -> None:
        self._rows: dict[str, list[tuple[int, Decimal, Decimal]]] = {}
        for row in BaseLimit.objects.order_by("region_prefix", "year"):
            self._rows.setdefault(row.region_prefix, []).append((row.year, row.lower, row.upper))
        self._cache: dict[tuple[str, int], tuple[Decimal, Decimal] | None] = {}

    def for_region(self, region_code: str, year: int) -> tuple[Decimal, Decimal] | None:
        key = (region_code, year)
        try:
            return self._cache[key]
        except KeyError:
            found = self._cache[key] = self._find(region_code, year)
            return found

    def _find(self, region_code: str, year: int) -> tuple[Decimal, Decimal] | None:
        for n in range(len(region_code), -1, -1):
            rows = self._rows.get(region_code[:n])
            if rows:
                earlier = [(lower, upper) for y, lower, upper in rows if y <= year]
                return earlier[-1] if earlier else None
        return None


def _text(raw: Mapping[str, Any], name: str) -> str:
    value = raw.get(name)
    return value.strip() if isinstance(value, str) else ""


def check_records(
    records: Sequence[Any],
    *,
    positions: Iterable[int] | None = None,
    limits: Limits | None = None,
) -> Checked:
    """Check a batch: every record is checked on its own, the people are looked up at once.
    `positions` are the numbers reported with rejections (the index in the batch by default,
    the line of a file)."""
    numbers = positions if positions is not None else range(len(records))
    limits = limits or Limits()
    wanted = {_text(raw, "social_security_number").upper() for raw in records if _is_mapping(raw)}
    people = dict(
        Person.objects.filter(social_security_number__in=wanted - {""}).values_list(
            "social_security_number", "pk"
        )
    )
    today = clock.today()
    checked = Checked()
    for position, raw in zip(numbers, records, strict=True):
        result = check_record(raw, people=people, today=today, limits=limits)
        if isinstance(result, Contribution):
            checked.valid.append((position, result))
        else:
            checked.rejected.append((position, result))
    return checked


def check_record(
    raw: Any, *, people: Mapping[str, int], today: dt.date, limits: Limits
) -> Contribution | list[RecordError]:
    this_month = today.replace(day=1)
    if not _is_mapping(raw):
        return [RecordError("", "a record is an object", ErrorCode.MALFORMED_RECORD)]
    errors: list[RecordError] = []

    def reject(name: str, message: str, code: ErrorCode) -> None:
        errors.append(RecordError(name, message, code))

    if not FIELDS.issuperset(raw):
        for name in sorted(set(raw) - FIELDS):
            reject(name, "is not a field of a record", ErrorCode.MALFORMED_RECORD)

    number = _text(raw, "social_security_number").upper()
    person_id = people.get(number)
    if not number:
        reject("social_security_number", "is required", ErrorCode.MALFORMED_RECORD)
    elif person_id is None:
        reject("social_security_number", "no person with this number", ErrorCode.UNKNOWN_PERSON)

    insurance = _text(raw, "insurance")
    if insurance not in INSURANCES:
        reject("insurance", INSURANCE_CHOICES, ErrorCode.UNKNOWN_INSURANCE)

    month = parse_month(raw.get("month"))
    if month is None:
        reject("month", "must be a month as YYYY-MM", ErrorCode.INVALID_MONTH)
    elif month > this_month:
        reject("month", "is in the future", ErrorCode.MONTH_IN_FUTURE)

    employer = raw.get("employer")
    credit_code, employer_name, code_right = "", "", False
    if not _is_mapping(employer):
        reject(
            "employer", "must be an object with name and credit_code", ErrorCode.MALFORMED_RECORD
        )
    else:
        credit_code = _text(employer, "credit_code").upper()
        employer_name = _text(employer, "name")
        if not employer_name or len(employer_name) > 200:
            reject(
                "employer.name", "is required (at most 200 characters)", ErrorCode.MALFORMED_RECORD
            )
        problem = credit_code_error(credit_code) if credit_code else "is required"
        if problem:
            reject("employer.credit_code", problem, ErrorCode.INVALID_CREDIT_CODE)
        code_right = not problem

    amounts: dict[str, Decimal] = {}
    for name in ("base", "employer_amount", "individual_amount"):
        amount = parse_money(raw.get(name))
        if amount is None:
            reject(name, "must be an amount with at most two decimals", ErrorCode.INVALID_AMOUNT)
        elif amount < 0:
            reject(name, "must not be negative", ErrorCode.NEGATIVE_AMOUNT)
        else:
            amounts[name] = amount
    individual = amounts.get("individual_amount")
    if insurance in WITHOUT_INDIVIDUAL_PART and individual:
        reject(
            "individual_amount",
            f"{insurance} has no individual part: must be 0",
            ErrorCode.NO_INDIVIDUAL_PART,
        )
    base = amounts.get("base")
    if base is not None and month is not None and code_right:
        bounds = limits.for_region(credit_code[2:8], month.year)
        if bounds is not None and not bounds[0] <= base <= bounds[1]:
            reject(
                "base",
                f"must lie between {bounds[0]:.2f} and {bounds[1]:.2f} in {month.year}",
                ErrorCode.BASE_OUTSIDE_LIMITS,
            )

    status = _text(raw, "status")
    if status not in STATUSES:
        reject("status", STATUS_CHOICES, ErrorCode.INVALID_STATUS)
    paid_on: dt.date | None = None
    raw_paid_on = raw.get("paid_on")
    if raw_paid_on not in (None, ""):
        paid_on = _date_of(str(raw_paid_on).strip())
        if paid_on is None:
            reject("paid_on", "must be a date YYYY-MM-DD", ErrorCode.INVALID_PAID_ON)
        elif paid_on > today:
            reject("paid_on", "is in the future", ErrorCode.INVALID_PAID_ON)
    if status == RecordStatus.OWED and paid_on is not None:
        reject("paid_on", "an owed month has no paid date", ErrorCode.INVALID_PAID_ON)

    if errors:
        return errors
    assert person_id is not None and month is not None
    return Contribution(
        person_id=person_id,
        insurance=insurance,
        month=month,
        credit_code=credit_code,
        employer_name=employer_name,
        base=amounts["base"],
        employer_amount=amounts["employer_amount"],
        individual_amount=amounts["individual_amount"],
        status=status,
        paid_on=paid_on,
    )
