"""Receipt numbers for the Receipt for Reissuing the Social Security Card.

Format: YYMMDD, a 6-digit daily-unique serial, 3 keyed digits and an ISO 7064 MOD 11-2 check
character: 16 characters. The check character catches a mistyped receipt at the bank; the keyed
digits show the number was issued by sscard, so a guessed number is refused before any lookup.
"""

from __future__ import annotations

import hashlib
import hmac
import re

from django.conf import settings
from stdnum.iso7064 import mod_11_2

RECEIPT = re.compile(r"^\d{15}[\dX]$")


def _key() -> bytes:
    key = settings.RECEIPT_KEY or f"receipt:{settings.SECRET_KEY}"
    return key.encode()


def _keyed_digits(body: str) -> str:
    digest = hmac.new(_key(), body.encode(), hashlib.sha256).digest()
    return f"{int.from_bytes(digest[:4], 'big') % 1000:03d}"


def make_receipt_number(day_prefix: str, serial: int) -> str:
    body = f"{day_prefix}{serial % 1_000_000:06d}"
    base = body + _keyed_digits(body)
    return base + mod_11_2.calc_check_digit(base)


def is_valid_receipt_number(value: str) -> bool:
    value = value.strip().upper()
    if not RECEIPT.match(value) or not mod_11_2.is_valid(value):
        return False
    return hmac.compare_digest(_keyed_digits(value[:12]), value[12:15])
