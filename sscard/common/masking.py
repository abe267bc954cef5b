"""Masks for ID numbers and phone numbers, the personal data that also turns up in free text
(URLs, request bodies, error messages). `sscard.people.masking` adds names, accounts and
e-mail addresses; the log filter masks free text with `mask_text`."""

from __future__ import annotations

import re

# An 18-character citizen ID number anywhere in a text (17 digits and a digit or X), even
# when more digits follow: better a masked account number than a whole ID number.
ID_NUMBER = re.compile(r"(?<!\d)(\d{6})(\d{8})(\d{3}[\dXx])")
# A mainland mobile number (11 digits from 13 to 19, optionally +86 and spaces or dashes).
_FOUR_DIGITS = re.compile(r"\d{4}")
MOBILE = re.compile(r"(?<![\d+])((?:\+|00)?86[ -]?)?(1[3-9]\d)[ -]?(\d{4})[ -]?(\d{4})(?!\d)")


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


def mask_text(text: str) -> str:
    """Every ID number and mobile number in `text`, masked."""
    if _FOUR_DIGITS.search(text) is None:  # both need four digits in a row: most text is done
        return text
    text = ID_NUMBER.sub(lambda m: mask_id_number(m.group(0)), text)
    return MOBILE.sub(lambda m: f"{m.group(1) or ''}{m.group(2)}****{m.group(4)}", text)
