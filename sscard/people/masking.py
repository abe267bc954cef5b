"""Masks for personal data shown to a role that does not need the whole value."""

from __future__ import annotations

from sscard.common.masking import mask_id_number, mask_phone

__all__ = ["mask_account", "mask_email", "mask_id_number", "mask_name", "mask_phone"]


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
