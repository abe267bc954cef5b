"""Card numbers (9 characters, the last a check character) and identification codes."""

from __future__ import annotations

import operator
import re
import secrets

WEIGHTS = (3, 7, 9, 10, 5, 8, 4, 2)
# ASCII digits only: a number written with other digits (full-width, Arabic-Indic) is no card's.
CARD_NUMBER = re.compile(r"^[A-Z0-9][0-9]{7}[0-9X]\Z")
BLOCK = 10_000_000
LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"


# A character's value in the check: a digit its own, a letter 10 (A) to 35 (Z).
VALUES = {**{str(d): d for d in range(10)}, **{ch: 10 + i for i, ch in enumerate(LETTERS)}}


def check_character(first_eight: str) -> str:
    """c = 11 - (sum of weighted values mod 11); 10 is written X and 11 is written 0."""
    if len(first_eight) != len(WEIGHTS):
        raise ValueError(f"a card number's check is of {len(WEIGHTS)} characters")
    # Asked for every card number of every batch lookup: the products summed in C.
    total = sum(map(operator.mul, map(VALUES.__getitem__, first_eight), WEIGHTS))
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
