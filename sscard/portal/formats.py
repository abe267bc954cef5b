"""How the portal writes values for citizens: dates and moments, money, distances, opening hours
and lists, in zh-Hans or English. The values come from the domain; only their wording is here."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.utils import dateformat, timezone
from django.utils.dates import WEEKDAYS
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from sscard.common import clock


def day(value: dt.date | None) -> str:
    """28 Nov / 11月28日; the year only when it is not this year. A moment is taken on its
    local day (a report lapsing at 07:15 in Beijing lapses on that day, not the day before)."""
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        value = timezone.localtime(value).date()
    if value.year == clock.today().year:
        return dateformat.format(value, pgettext("date in this year", "j M"))
    return dateformat.format(value, pgettext("date in another year", "j M Y"))


def month(value: dt.date | None) -> str:
    """March 2024 / 2024年3月."""
    if value is None:
        return ""
    return dateformat.format(value, pgettext("month and year", "F Y"))


def short_month(value: dt.date) -> str:
    """Mar / 3月 (a chart's month under its bar)."""
    return dateformat.format(value, pgettext("month in a chart", "M"))


def amount(value: Decimal | None) -> str:
    """8,000.00 (yuan, said in the column's heading); nothing for no value."""
    if value is None:
        return ""
    return f"{value:,.2f}"


def moment(value: dt.datetime | None) -> str:
    """28 Nov 14:30 / 11月28日 14:30, in local time."""
    if value is None:
        return ""
    local = timezone.localtime(value)
    return f"{day(local.date())} {local:%H:%M}"


def money(amount: Decimal) -> str:
    if amount == 0:
        return _("free")
    return _("%(amount)s yuan") % {"amount": f"{amount:.2f}"}


def distance(km: float | None) -> str:
    if km is None:
        return ""
    if km < 1:
        return _("%(metres)d m") % {"metres": round(km * 1000, -1)}
    return _("%(km)s km") % {"km": f"{km:.1f}"}


def _spans(spans: list[list[str]]) -> str:
    if spans == [["00:00", "24:00"]] or spans == [["00:00", "23:59"]]:
        return _("open 24 hours")
    return ", ".join(f"{start}–{end}" for start, end in spans)


def hours_today(hours: dict[str, list[list[str]]], moment: dt.datetime | None = None) -> str:
    local = timezone.localtime(moment or clock.now())
    spans = hours.get(str(local.isoweekday()), []) if isinstance(hours, dict) else []
    return _spans(spans) if spans else _("closed today")


def week_hours(hours: dict[str, list[list[str]]]) -> list[tuple[str, str]]:
    """Opening hours by runs of days with the same spans: ("Monday – Friday", "09:00–17:00")."""
    if not isinstance(hours, dict):
        return []
    rows: list[tuple[int, int, list[list[str]]]] = []
    for number in range(1, 8):
        spans = hours.get(str(number), [])
        if rows and rows[-1][2] == spans:
            rows[-1] = (rows[-1][0], number, spans)
        else:
            rows.append((number, number, spans))
    out = []
    for first, last, spans in rows:
        days = str(WEEKDAYS[first - 1])
        if last != first:
            days = _("%(first)s – %(last)s") % {"first": days, "last": WEEKDAYS[last - 1]}
        out.append((days, _spans(spans) if spans else _("closed")))
    return out


def either(items: list[str]) -> str:
    return _(" or ").join(items)


def listing(items: list[str]) -> str:
    """Items of a list in a sentence: "a, b" / "a、b"."""
    return _(", ").join(str(item) for item in items)
