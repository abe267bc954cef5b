"""Reading policy: the policy for a region, working days with China's holidays, and when a
temporary loss report runs out."""

from __future__ import annotations

import datetime as dt
from functools import lru_cache

import holidays

from sscard.common.errors import ErrorCode, Unavailable
from sscard.policy.models import RegionalPolicy, ValidityUnit


def policy_for_region(region_code: str) -> RegionalPolicy:
    """The policy with the longest prefix of `region_code`; the empty prefix is the default."""
    prefixes = [region_code[:n] for n in range(len(region_code), 0, -1)] + [""]
    found = {p.region_prefix: p for p in RegionalPolicy.objects.filter(region_prefix__in=prefixes)}
    for prefix in prefixes:
        if prefix in found:
            return found[prefix]
    raise Unavailable(
        "No regional policy applies to this region and no default one is configured; an "
        "administrator must set one up. Nothing was changed.",
        code=ErrorCode.POLICY_MISSING,
    )


@lru_cache(maxsize=8)
def _calendar(year: int) -> holidays.HolidayBase:
    return holidays.country_holidays("CN", years=range(year, year + 3))


def add_working_days(start: dt.date, days: int) -> dt.date:
    """The date `days` working days after `start`, with China's holidays and make-up days."""
    return _calendar(start.year).get_nth_working_day(start, days)


def temporary_report_expiry(policy: RegionalPolicy, effective_at: dt.datetime) -> dt.datetime:
    if policy.temporary_validity_unit == ValidityUnit.WORKING_DAYS:
        from django.utils import timezone

        local = timezone.localtime(effective_at)
        end_day = add_working_days(local.date(), policy.temporary_validity)
        return local + dt.timedelta(days=(end_day - local.date()).days)
    return effective_at + dt.timedelta(days=policy.temporary_validity)
