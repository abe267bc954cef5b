"""Template tags of the terminal: a code's words, dates and times, money, and the idle times."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django import template
from django.utils import timezone

from sscard.kiosk import labels, session

register = template.Library()


@register.filter
def say(code: str, table: str) -> str:
    return labels.label(table, code)


@register.filter
def moment(value: dt.datetime | None) -> str:
    if value is None:
        return ""
    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M")


@register.filter
def day(value: dt.date | None) -> str:
    return value.strftime("%Y-%m-%d") if value else ""


@register.filter
def month(value: dt.date | None) -> str:
    return value.strftime("%Y-%m") if value else ""


@register.filter
def yuan(value: Decimal | None) -> str:
    return f"{value:,.2f}" if value is not None else ""


@register.simple_tag
def idle_seconds() -> int:
    return session.idle_seconds()


@register.simple_tag
def warning_seconds() -> int:
    return session.warning_seconds()
