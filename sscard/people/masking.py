"""Masks for personal data shown to a role that does not need the whole value."""

from __future__ import annotations


def mask_id_number(value: str) -> str:
    """110105199001010023 -> 110105********002X style: region and last four kept."""
    if len(value) < 10:
        return "*" * len(value)
    return value[:6] + "*" * (len(value) - 10) + value[-4:]


def mask_phone(value: str) -> str:
    """13812345678 -> 138****5678."""
    if not value:
        return ""
    if len(value) < 7:
        return "*" * len(value)
    return value[:3] + "*" * (len(value) - 7) + value[-4:]


def mask_name(value: str) -> str:
    """张三丰 -> 张**; Li Lei -> L*****."""
    if not value:
        return ""
    return value[0] + "*" * (len(value) - 1)


def mask_account(value: str) -> str:
    """6222020200112233445 -> 6222 **** **** 3445."""
    digits = value.replace(" ", "")
    if len(digits) < 8:
        return "*" * len(digits)
    return f"{digits[:4]} **** **** {digits[-4:]}"


def mask_email(value: str) -> str:
    if "@" not in value:
        return mask_name(value)
    local, domain = value.split("@", 1)
    return f"{local[:1]}***@{domain}"
