"""The signing keys: made and rotated here, the private half kept encrypted (AES-GCM under a
key derived from ECARD_KEY or SECRET_KEY by HKDF), the public halves published as a JWKS.

The newest key not retired signs. A retired key is still published, and still verifies the
codes it signed, until the longest-lived of them has expired.

Online verification reads the keys from a copy kept by each process for at most
`KEYS_READ_EVERY` seconds, read again at once when a code names a key the copy does not hold
(a key made by another process) and dropped when this process rotates. A retirement made
elsewhere therefore reaches it within that second; retired keys verify for a minute anyway.
"""

from __future__ import annotations

import datetime as dt
import secrets
import threading
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from functools import lru_cache

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings
from django.db import transaction
from django.db.models import Q
from nacl.signing import VerifyKey

from sscard.audit.services import record_event
from sscard.common import clock
from sscard.common.context import Actor
from sscard.ecard.codes import CLOCK_SKEW_SECONDS, b64url, jwk, public_key_of
from sscard.ecard.models import SigningKey


def code_seconds() -> int:
    return int(settings.ECARD_CODE_SECONDS)


def _wrapping_key() -> bytes:
    secret = settings.ECARD_KEY or f"ecard:{settings.SECRET_KEY}"
    return HKDF(
        algorithm=hashes.SHA256(), length=32, salt=None, info=b"sscard ecard signing keys"
    ).derive(secret.encode("utf-8"))


def _encrypt(kid: str, private: Ed25519PrivateKey) -> bytes:
    raw = private.private_bytes(
        serialization.Encoding.Raw,
        serialization.PrivateFormat.Raw,
        serialization.NoEncryption(),
    )
    nonce = secrets.token_bytes(12)
    return nonce + AESGCM(_wrapping_key()).encrypt(nonce, raw, kid.encode("ascii"))


@lru_cache(maxsize=16)
def _decrypt(kid: str, blob: bytes) -> Ed25519PrivateKey:
    raw = AESGCM(_wrapping_key()).decrypt(blob[:12], blob[12:], kid.encode("ascii"))
    return Ed25519PrivateKey.from_private_bytes(raw)


def rotate_key(*, actor: Actor) -> SigningKey:
    """Make a new signing key; the one that signed until now is retired (still verifying)."""
    now = clock.now()
    private = Ed25519PrivateKey.generate()
    kid = b64url(secrets.token_bytes(6))
    public = b64url(
        private.public_key().public_bytes(
            serialization.Encoding.Raw, serialization.PublicFormat.Raw
        )
    )
    with transaction.atomic():
        retired = list(
            SigningKey.objects.select_for_update()
            .filter(retired_at__isnull=True)
            .values_list("kid", flat=True)
        )
        SigningKey.objects.filter(retired_at__isnull=True).update(retired_at=now)
        key = SigningKey.objects.create(
            kid=kid,
            public_key=public,
            private_key_encrypted=_encrypt(kid, private),
            created_at=now,
        )
        forget_keys()  # this transaction reads its own keys from now on
        transaction.on_commit(forget_keys)  # and every other one once they are committed
        record_event(
            actor=actor,
            action="ecard.key_rotated",
            object_type="ecard_key",
            object_id=kid,
            before={"signing": retired},
            after={"signing": kid},
        )
    return key


def signing_key() -> tuple[str, Ed25519PrivateKey]:
    """The key that signs now: the newest not retired (the system makes one on first use)."""
    key = SigningKey.objects.filter(retired_at__isnull=True).order_by("-created_at").first()
    if key is None:
        key = rotate_key(actor=Actor.system())
    return key.kid, _decrypt(key.kid, bytes(key.private_key_encrypted))


def _retired_too_long(now: dt.datetime) -> dt.datetime:
    """A key retired at or before this time no longer verifies: every code it signed has
    expired (with the clock skew allowed)."""
    return now - dt.timedelta(seconds=code_seconds() + CLOCK_SKEW_SECONDS)


def _published() -> list[SigningKey]:
    cutoff = _retired_too_long(clock.now())
    return list(
        SigningKey.objects.filter(Q(retired_at__isnull=True) | Q(retired_at__gt=cutoff)).order_by(
            "-created_at"
        )
    )


KEYS_READ_EVERY = 1.0


@dataclass(frozen=True)
class _Published:
    kid: str
    key: VerifyKey
    retired_at: dt.datetime | None


class _KeyCopy:
    """This process's copy of the signing keys' public halves and retirement times."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._read_at = -float("inf")
        self._keys: dict[str, _Published] = {}

    def forget(self) -> None:
        with self._lock:
            self._read_at = -float("inf")

    def _read(self) -> dict[str, _Published]:
        keys = {
            k.kid: _Published(k.kid, _public_key(k.public_key), k.retired_at)
            for k in SigningKey.objects.only("kid", "public_key", "retired_at")
        }
        with self._lock:
            self._keys, self._read_at = keys, time.monotonic()
        return keys

    def get(self, kid: str) -> _Published | None:
        keys = self._keys
        if time.monotonic() - self._read_at > KEYS_READ_EVERY or kid not in keys:
            keys = self._read()
        return keys.get(kid)


_copy = _KeyCopy()


def forget_keys() -> None:
    """Drop this process's copy of the keys (after a rotation, or a test's fresh database)."""
    _copy.forget()


@lru_cache(maxsize=64)
def _public_key(x: str) -> VerifyKey:
    return public_key_of(x)


class PublishedKeys(Mapping[str, VerifyKey]):
    """The keys that verify codes at `now`, by key id, looked up one at a time."""

    def __init__(self, now: dt.datetime) -> None:
        self._cutoff = _retired_too_long(now)

    def __getitem__(self, kid: str) -> VerifyKey:
        found = _copy.get(kid)
        if found is None or (found.retired_at is not None and found.retired_at <= self._cutoff):
            raise KeyError(kid)
        return found.key

    def __iter__(self) -> Iterator[str]:
        return iter([k.kid for k in _published()])

    def __len__(self) -> int:
        return len(_published())


def public_keys(now: dt.datetime | None = None) -> Mapping[str, VerifyKey]:
    """The keys that verify codes at `now` (default: now), by key id."""
    return PublishedKeys(now or clock.now())


def jwks() -> dict[str, list[dict[str, str]]]:
    """The published keys as a JSON Web Key Set (OKP, Ed25519)."""
    return {"keys": [jwk(k.kid, k.public_key) for k in _published()]}
