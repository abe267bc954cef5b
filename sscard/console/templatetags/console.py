"""The console's template filters: masked personal data, a choice's label, local dates and times."""

from __future__ import annotations

import datetime as dt

from django import template
from django.utils import timezone

from sscard.console.labels import label as label_of

register = template.Library()


@register.filter
def label(value: object, group: str) -> str:
    return label_of(group, value)


@register.filter
def local(value: dt.datetime | dt.date | None) -> str:
    if value is None:
        return "—"
    if isinstance(value, dt.datetime):
        return f"{timezone.localtime(value):%Y-%m-%d %H:%M}"
    return f"{value:%Y-%m-%d}"
