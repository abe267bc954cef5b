"""The masks of personal data as template filters, for every page that shows a person to
someone who does not need the whole value: `{% load masks %}`, then `{{ person.name|masked_name }}`.
They are `sscard.people.masking`'s (ID and phone numbers from `sscard.common.masking`)."""

from __future__ import annotations

from django import template

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
