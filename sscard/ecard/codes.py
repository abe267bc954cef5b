"""The dynamic code: its text, its signature (Ed25519), and its verification with public keys
alone, as a point of use does offline. No database here: `sscard ecard verify` and the online
verification share these rules.

Codes are signed with `cryptography` (OpenSSL) and verified with PyNaCl (libsodium), whose
Ed25519 verification is about twice as fast on the machines measured (BENCHMARKS.md); both
follow RFC 8032, and libsodium also refuses non-canonical signatures and small-order keys.

A code reads `SSC1.<kid>.<serial>.<card>.<issued>.<expires>.<nonce>.<purpose>.<signature>`:
the signature (base64url, 86 characters) covers everything before its dot; times are Unix
seconds. Short enough for a QR code of version 10 or so.
"""

from __future__ import annotations

import base64
import datetime as dt
import re
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from nacl.exceptions import BadSignatureError
from nacl.exceptions import ValueError as NaclValueError
from nacl.signing import VerifyKey

from sscard.common.errors import DomainError, ErrorCode, ValidationError

PREFIX = "SSC1"
IDENTIFY = "i"
PAYMENT = "p"
PURPOSES = {"identify": IDENTIFY, "payment": PAYMENT}
# A point of use's clock may be this far ahead of or behind ours.
CLOCK_SKEW_SECONDS = 5

_FIELD = re.compile(r"^[A-Za-z0-9_-]{1,32}$")
_DIGITS = re.compile(r"^[0-9]{1,12}$")
_SIGNATURE = re.compile(r"^[A-Za-z0-9_-]{86}$")


def b64url(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


def unb64url(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


@dataclass(frozen=True)
class Claims:
    kid: str
    serial: str
    card_number: str
    issued_at: dt.datetime
    expires_at: dt.datetime
    nonce: str
    purpose: str

    @property
    def single_use(self) -> bool:
        return self.purpose == PAYMENT

    @property
    def purpose_name(self) -> str:
        return "payment" if self.purpose == PAYMENT else "identify"


def _unix(value: dt.datetime) -> int:
    return int(value.timestamp())


def sign_code(
    *,
    private_key: Ed25519PrivateKey,
    kid: str,
    serial: str,
    card_number: str,
    issued_at: dt.datetime,
    lifetime_seconds: int,
    purpose: str,
) -> tuple[str, dt.datetime]:
    """A new code and when it expires."""
    issued = _unix(issued_at)
    expires = issued + lifetime_seconds
    nonce = b64url(secrets.token_bytes(9))
    body = ".".join([PREFIX, kid, serial, card_number, str(issued), str(expires), nonce, purpose])
    signature = b64url(private_key.sign(body.encode("ascii")))
    return f"{body}.{signature}", dt.datetime.fromtimestamp(expires, tz=dt.UTC)


def malformed() -> ValidationError:
    return ValidationError(
        "This is not an electronic card's code, or only part of one.",
        code=ErrorCode.CODE_MALFORMED,
    )


def parse_code(code: Any) -> tuple[Claims, bytes, bytes]:
    """The claims of a code, the bytes signed and the signature; refused if not a code's
    shape (`code_malformed`). Nothing here is trusted before the signature is checked."""
    if not isinstance(code, str) or len(code) > 400:
        raise malformed()
    parts = code.strip().split(".")
    if len(parts) != 9 or parts[0] != PREFIX:
        raise malformed()
    _, kid, serial, card, issued, expires, nonce, purpose, signature = parts
    if not all(_FIELD.match(p) for p in (kid, serial, card, nonce)):
        raise malformed()
    if not (_DIGITS.match(issued) and _DIGITS.match(expires)):
        raise malformed()
    if purpose not in PURPOSES.values() or not _SIGNATURE.match(signature):
        raise malformed()
    claims = Claims(
        kid=kid,
        serial=serial,
        card_number=card,
        issued_at=dt.datetime.fromtimestamp(int(issued), tz=dt.UTC),
        expires_at=dt.datetime.fromtimestamp(int(expires), tz=dt.UTC),
        nonce=nonce,
        purpose=purpose,
    )
    body = code.strip().rsplit(".", 1)[0].encode("ascii")
    return claims, body, unb64url(signature)


def verify_signed(
    code: Any, public_keys: Mapping[str, VerifyKey], *, now: dt.datetime, max_lifetime: int
) -> Claims:
    """The claims of a code whose signature, key and times hold at `now`; else the refusal:
    `code_malformed`, `code_unknown_key`, `code_invalid` (signature), `code_not_yet_valid`
    (issued in the future, or living longer than a code may), `code_expired`."""
    claims, body, signature = parse_code(code)
    key = public_keys.get(claims.kid)
    if key is None:
        raise ValidationError(
            "The code is signed with a key that is not known here.",
            code=ErrorCode.CODE_UNKNOWN_KEY,
        )
    try:
        key.verify(body, signature)
    except BadSignatureError:
        raise ValidationError(
            "The code's signature does not match: it was altered or forged.",
            code=ErrorCode.CODE_INVALID,
        ) from None
    skew = dt.timedelta(seconds=CLOCK_SKEW_SECONDS)
    lifetime = claims.expires_at - claims.issued_at
    if (
        claims.issued_at > now + skew
        or lifetime <= dt.timedelta(0)
        or lifetime > dt.timedelta(seconds=max_lifetime)
    ):
        raise ValidationError(
            "The code claims a time that has not come yet.", code=ErrorCode.CODE_NOT_YET_VALID
        )
    if claims.expires_at <= now - skew:
        raise DomainError(
            "The code has expired: ask the holder to show a fresh one.",
            code=ErrorCode.CODE_EXPIRED,
            status=410,
        )
    return claims


def public_key_of(x: str) -> VerifyKey:
    """The verifying key whose raw 32 bytes are `x` (base64url, as a JWK's "x"); ValueError if
    it is not one."""
    try:
        raw = unb64url(x)
    except (ValueError, TypeError) as error:
        raise ValueError("not base64url") from error
    if len(raw) != 32:
        raise ValueError("an Ed25519 key is 32 bytes")
    try:
        return VerifyKey(raw)
    except NaclValueError as error:
        raise ValueError(str(error)) from error


def jwk(kid: str, x: str) -> dict[str, str]:
    return {"kty": "OKP", "crv": "Ed25519", "x": x, "kid": kid, "use": "sig", "alg": "EdDSA"}


def keys_from_jwks(document: Any) -> dict[str, VerifyKey]:
    """The Ed25519 keys of a JWKS document, by key id; other keys are left out."""
    keys: dict[str, VerifyKey] = {}
    entries = document.get("keys") if isinstance(document, dict) else None
    for entry in entries if isinstance(entries, list) else []:
        if (
            isinstance(entry, dict)
            and entry.get("kty") == "OKP"
            and entry.get("crv") == "Ed25519"
            and isinstance(entry.get("kid"), str)
            and isinstance(entry.get("x"), str)
        ):
            try:
                keys[entry["kid"]] = public_key_of(entry["x"])
            except ValueError:
                continue
    return keys
