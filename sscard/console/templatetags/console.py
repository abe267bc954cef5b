"""The console's template filters: masked personal data, a choice's label, local dates and times."""

from __future__ import annotations

import datetime as dt

from django import template
from django.utils import timezone

from sscard.console.labels import label as label_of
from sscard.people.masking import mask_account, mask_id_number, mask_name, mask_phone

register = template.Library()


@register.filter
def masked_id(value: str) -> str:
    return mask_id_number(value or "")


@register.filter
def masked_name(value: str) -> str:
    return mask_name(value or "")


@register.filter
def masked_phone(value: str) -> str:
    return mask_phone(value or "")


@register.filter
def masked_account(value: str) -> str:
    return mask_account(value or "") if value else ""


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
