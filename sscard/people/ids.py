"""Citizen ID numbers (GB 11643-1999), checked with python-stdnum's `cn.ric`."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from stdnum import exceptions as stdnum_errors
from stdnum.cn import ric

from sscard.common import clock
from sscard.common.errors import FieldError, ValidationError


@dataclass(frozen=True)
class CitizenId:
    number: str
    birth_date: dt.date
    sex: str
    region_code: str


_MESSAGES: dict[type[Exception], str] = {
    stdnum_errors.InvalidLength: "must be 18 characters",
    stdnum_errors.InvalidFormat: "must be 17 digits followed by a digit or X",
    stdnum_errors.InvalidChecksum: "the check character (the last one) does not match",
}


def parse_citizen_id(value: str, *, field: str = "social_security_number") -> CitizenId:
    """Validate an ID number and read birth date, sex and region from it.

    The error names what is wrong so a clerk can fix the typo.
    """
    if not isinstance(value, str) or not value.strip():
        raise _invalid(field, "is required")
    try:
        number = ric.validate(value.strip().upper())
    except stdnum_errors.InvalidComponent:
        raise _invalid(field, _bad_component(value.strip().upper())) from None
    except stdnum_errors.ValidationError as exc:
        message = next(
            (text for kind, text in _MESSAGES.items() if isinstance(exc, kind)), "is not valid"
        )
        raise _invalid(field, message) from None
    birth_date = ric.get_birth_date(number)
    if birth_date > clock.today():
        raise _invalid(field, "the birth date in it is in the future")
    sex = "M" if int(number[16]) % 2 == 1 else "F"
    return CitizenId(number=number, birth_date=birth_date, sex=sex, region_code=number[:6])


def _bad_component(number: str) -> str:
    try:
        ric.get_birth_date(number)
    except stdnum_errors.ValidationError:
        return "the birth date in it does not exist"
    return "the region code in it does not exist"


def normalise_citizen_id(value: str) -> str:
    return parse_citizen_id(value).number


def _invalid(field: str, message: str) -> ValidationError:
    return ValidationError(
        f"The citizen ID number {message}.",
        code="invalid_social_security_number",
        errors=[FieldError(field, message)],
    )


def age_on(birth_date: dt.date, day: dt.date) -> int:
    years = day.year - birth_date.year
    if (day.month, day.day) < (birth_date.month, birth_date.day):
        years -= 1
    return years
