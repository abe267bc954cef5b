"""PIN rules (DOMAIN.md section 7). PINs are only ever held as Argon2id hashes."""

from __future__ import annotations

from itertools import pairwise

from argon2 import PasswordHasher, Type
from argon2.exceptions import InvalidHashError, VerificationError
from django.conf import settings

from sscard.common.errors import ErrorCode, FieldError, ValidationError


def _hasher() -> PasswordHasher:
    return PasswordHasher(
        time_cost=settings.PIN_HASH_TIME_COST,
        memory_cost=settings.PIN_HASH_MEMORY_KIB,
        parallelism=settings.PIN_HASH_PARALLELISM,
        type=Type.ID,
    )


def _weak(message: str) -> ValidationError:
    return ValidationError(
        f"This PIN is not allowed: {message}.",
        code=ErrorCode.WEAK_PIN,
        errors=[FieldError("pin", message)],
    )


def check_pin_strength(pin: object, *, social_security_number: str) -> str:
    if not isinstance(pin, str) or len(pin) != 6 or not pin.isascii() or not pin.isdigit():
        raise ValidationError(
            "The PIN must be exactly 6 digits.",
            code=ErrorCode.INVALID_PIN,
            errors=[FieldError("pin", "must be exactly 6 digits")],
        )
    digits = [int(d) for d in pin]
    steps = {b - a for a, b in pairwise(digits)}
    if steps == {0}:
        raise _weak("all six digits are the same")
    if steps in ({1}, {-1}):
        raise _weak("the digits run up or down")
    if pin == social_security_number[8:14]:
        raise _weak("it is the holder's birth date")
    if pin == social_security_number[-6:]:
        raise _weak("it is the end of the holder's ID number")
    return pin


def hash_pin(pin: str) -> str:
    return _hasher().hash(pin)


def pin_matches(pin_hash: str, pin: object) -> bool:
    if not pin_hash or not isinstance(pin, str):
        return False
    try:
        return _hasher().verify(pin_hash, pin)
    except (VerificationError, InvalidHashError):
        return False
