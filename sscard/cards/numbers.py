"""Card numbers (9 characters, the last a check character) and identification codes."""

from __future__ import annotations

import re
import secrets

WEIGHTS = (3, 7, 9, 10, 5, 8, 4, 2)
CARD_NUMBER = re.compile(r"^[A-Z0-9]\d{7}[0-9X]$")
BLOCK = 10_000_000
LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"


def _value(char: str) -> int:
    return int(char) if char.isdigit() else ord(char) - ord("A") + 10


def check_character(first_eight: str) -> str:
    """c = 11 - (sum of weighted values mod 11); 10 is written X and 11 is written 0."""
    total = sum(_value(ch) * w for ch, w in zip(first_eight, WEIGHTS, strict=True))
    c = 11 - total % 11
    return "X" if c == 10 else "0" if c == 11 else str(c)


def is_valid_card_number(value: str) -> bool:
    return bool(CARD_NUMBER.match(value)) and check_character(value[:8]) == value[8]


def card_number_for(serial: int) -> str:
    """The serial-th card number: A0000001, A0000002, ... then B..., each with its check."""
    block, rest = divmod(serial, BLOCK)
    if block >= len(LETTERS):
        raise OverflowError("card number space exhausted")
    body = f"{LETTERS[block]}{rest:07d}"
    return body + check_character(body)


def new_identification_code() -> str:
    return secrets.token_hex(16).upper()


def new_account_number() -> str:
    return "62" + "".join(str(secrets.randbelow(10)) for _ in range(17))
