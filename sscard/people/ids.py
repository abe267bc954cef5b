"""Citizen ID numbers (GB 11643-1999), checked with python-stdnum's `cn.ric`.

stdnum's length, format, check character and birth date checks are used as they are. Its region
check is not: it wants the code to have existed in the birth year, but a number carries the code
of the household registration when the number was assigned, often years after birth (DOMAIN.md
section 3), so the region code is checked here against the same table, by that rule.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from stdnum import exceptions as stdnum_errors
from stdnum.cn import ric
from stdnum.util import isdigits

from sscard.common import clock
from sscard.common.errors import ErrorCode, FieldError, ValidationError
from sscard.common.regions import region_names


@dataclass(frozen=True)
class CitizenId:
    number: str
    birth_date: dt.date
    sex: str
    region_code: str


def parse_citizen_id(value: str, *, field: str = "social_security_number") -> CitizenId:
    """Validate an ID number and read birth date, sex and region from it.

    The error names what is wrong so a clerk can fix the typo.
    """
    if not isinstance(value, str) or not value.strip():
        raise _invalid(field, "is required")
    number = ric.compact(value)
    if len(number) != 18:
        raise _invalid(field, "must be 18 characters")
    if not isdigits(number[:-1]):
        raise _invalid(field, "must be 17 digits followed by a digit or X")
    if number[-1] != ric.calc_check_digit(number):
        raise _invalid(field, "the check character (the last one) does not match")
    try:
        birth_date = ric.get_birth_date(number)
    except stdnum_errors.ValidationError:
        raise _invalid(field, "the birth date in it does not exist") from None
    if birth_date > clock.today():
        raise _invalid(field, "the birth date in it is in the future")
    region = number[:6]
    if not region_names(region):
        raise _invalid(field, "the region code in it does not exist")
    if not region_code_possible(region, birth_date.year):
        raise _invalid(field, "the region code in it was abolished before the birth year")
    sex = "M" if int(number[16]) % 2 == 1 else "F"
    return CitizenId(number=number, birth_date=birth_date, sex=sex, region_code=region)


def region_code_possible(code: str, birth_year: int) -> bool:
    """Whether a number of someone born in `birth_year` can carry this region code.

    The code is that of the registration when the number was assigned, which may be long after
    birth: a code that came into use later is normal (天河区 440106 since 1985; people born in
    1970 hold 440106 numbers). Only a code abolished before the birth year is impossible. A
    code the table knows no years for is always possible; an unknown code never is.
    """
    names = region_names(code)
    return any(name.last_year is None or name.last_year >= birth_year for name in names)


def normalise_citizen_id(value: str) -> str:
    return parse_citizen_id(value).number


def _invalid(field: str, message: str) -> ValidationError:
    return ValidationError(
        f"The citizen ID number {message}.",
        code=ErrorCode.INVALID_SOCIAL_SECURITY_NUMBER,
        errors=[FieldError(field, message)],
    )


def age_on(birth_date: dt.date, day: dt.date) -> int:
    years = day.year - birth_date.year
    if (day.month, day.day) < (birth_date.month, birth_date.day):
        years -= 1
    return years


def born_by(years: int, day: dt.date) -> dt.date:
    """The latest birth date of someone at least `years` old on `day`: the `age_on` rule as a
    date, for queries (born on 29 February, one comes of age on 1 March)."""
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February, and that year has none
        return day.replace(year=day.year - years, day=28)


def birthday(years: int, born: dt.date) -> dt.date:
    """The day someone born on `born` is `years` old (`age_on`: 29 February -> 1 March)."""
    try:
        return born.replace(year=born.year + years)
    except ValueError:
        return dt.date(born.year + years, 3, 1)
