"""Valid citizen ID numbers for demo data and tests, built with stdnum's check character."""

from __future__ import annotations

import datetime as dt

from stdnum.cn import ric


def make_citizen_id(region_code: str, birth_date: dt.date, sequence: int, *, male: bool) -> str:
    """An 18-character ID: region, birth date, a 3-digit sequence (odd for men), check."""
    seq = sequence % 500 * 2 + (1 if male else 0)
    body = f"{region_code}{birth_date:%Y%m%d}{seq:03d}"
    # stdnum's calc_check_digit takes a whole number and ignores its last character.
    return body + ric.calc_check_digit(body + "?")
