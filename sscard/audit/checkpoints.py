"""Signed checkpoints of the audit chains: every few minutes the heads of all buckets, the root
of a Merkle tree over them, the previous checkpoint's hash, and an Ed25519 signature by the
audit key.

The audit key is never in the database: a file (AUDIT_KEY_FILE, by default `audit_key` in the
var directory, mode 0600), made on first use the way the local SECRET_KEY is (written in full
under a temporary name, then linked into place: two processes starting at once keep the first
one's key). Its public half, beside it in `<file>.pub`, is all that verifying needs.

A chain rewritten before a checkpoint no longer gives the checkpoint's root, and only the key's
holder can sign another; a chain cut short leaves a checkpoint naming an event that is missing;
a checkpoint removed or altered breaks the checkpoints' own chain or a signature.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import json
import os
import secrets
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from django.conf import settings
from django.db import transaction
from django.db.models import Q

from sscard.audit.models import AuditCheckpoint, AuditEvent, AuditHead
from sscard.audit.services import GENESIS, ChainReport, _plain, verify_chain
from sscard.common import clock

# One checkpoint at most this often from the sweep (`sscard audit checkpoint` writes one anyway).
CHECKPOINT_EVERY = dt.timedelta(minutes=5)
# Heads looked up per query when verifying (SQLite's expression depth is 1,000).
LOOKUP_CHUNK = 200

Head = tuple[int, int, str]


class AuditKeyError(RuntimeError):
    """The audit key file cannot be read (or made)."""


# ---------------------------------------------------------------- the key


def key_path() -> Path:
    return Path(settings.AUDIT_KEY_FILE)


def public_key_path() -> Path:
    path = key_path()
    return path.with_name(path.name + ".pub")


def _raw_public(key: Ed25519PublicKey) -> bytes:
    return key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def key_id(key: Ed25519PublicKey) -> str:
    return hashlib.sha256(_raw_public(key)).hexdigest()[:16]


def _write_once(path: Path, content: bytes, mode: int) -> None:
    """Write `path` in full under a temporary name and link it into place; another process that
    was first keeps its file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}")
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode)
    try:
        with os.fdopen(descriptor, "wb") as out:
            out.write(content)
            out.flush()
            os.fsync(out.fileno())
        with contextlib.suppress(FileExistsError):
            os.link(temporary, path)
    finally:
        temporary.unlink(missing_ok=True)


def signing_key() -> Ed25519PrivateKey:
    """The audit key, made on first use."""
    path = key_path()
    if not path.exists():
        pem = Ed25519PrivateKey.generate().private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
        _write_once(path, pem, 0o600)
    try:
        key = serialization.load_pem_private_key(path.read_bytes(), password=None)
    except (OSError, ValueError) as exc:
        raise AuditKeyError(f"the audit key {path} cannot be read: {exc}") from exc
    if not isinstance(key, Ed25519PrivateKey):
        raise AuditKeyError(f"the audit key {path} is not an Ed25519 key")
    public = public_key_path()
    if not public.exists():
        _write_once(
            public,
            key.public_key().public_bytes(
                serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
            ),
            0o644,
        )
    return key


def verifying_key() -> Ed25519PublicKey:
    """The audit key's public half: `<file>.pub`, else taken from the key file. Never made."""
    for path in (public_key_path(), key_path()):
        try:
            data = path.read_bytes()
        except FileNotFoundError:
            continue
        except OSError as exc:
            raise AuditKeyError(f"the audit key {path} cannot be read: {exc}") from exc
        try:
            if path == key_path():
                private = serialization.load_pem_private_key(data, password=None)
                if isinstance(private, Ed25519PrivateKey):
                    return private.public_key()
            else:
                public = serialization.load_pem_public_key(data)
                if isinstance(public, Ed25519PublicKey):
                    return public
        except ValueError as exc:
            raise AuditKeyError(f"the audit key {path} cannot be read: {exc}") from exc
        raise AuditKeyError(f"the audit key {path} is not an Ed25519 key")
    raise AuditKeyError(
        f"no audit key at {key_path()} (nor {public_key_path()}): the checkpoints cannot be "
        "verified"
    )


# ---------------------------------------------------------------- the tree


def _leaf(bucket: int, seq: int, hash_: str) -> bytes:
    return hashlib.sha256(b"\x00" + f"{bucket}:{seq}:{hash_}".encode()).digest()


def heads_root(heads: Sequence[Head]) -> str:
    """The Merkle root over (bucket, seq, hash) of the heads, in the order given; an odd node
    at the end of a level goes up as it is."""
    level = [_leaf(*head) for head in heads]
    if not level:
        return GENESIS
    while len(level) > 1:
        paired = [
            hashlib.sha256(b"\x01" + level[i] + level[i + 1]).digest()
            for i in range(0, len(level) - 1, 2)
        ]
        if len(level) % 2:
            paired.append(level[-1])
        level = paired
    return level[0].hex()


def _checkpoint_hash(
    *, number: int, at: dt.datetime, heads: list[list[int]], root: str, prev_hash: str
) -> str:
    body = json.dumps(
        {"number": number, "at": _plain(at), "heads": heads, "root": root, "prev": prev_hash},
        sort_keys=True,
        separators=(",", ":"),
    )
    return hashlib.sha256(body.encode()).hexdigest()


# ---------------------------------------------------------------- writing


def write_checkpoint() -> AuditCheckpoint:
    """Sign the heads of every chain as they are committed now, after the last checkpoint.

    Reads the heads without locking them (each is committed with its event); the last
    checkpoint is locked, so two writers take turns."""
    key = signing_key()
    with transaction.atomic():
        last = AuditCheckpoint.objects.select_for_update().order_by("-number").first()
        rows = list(
            AuditHead.objects.filter(seq__gt=0)
            .order_by("bucket")
            .values_list("bucket", "seq", "hash")
        )
        heads = [[bucket, seq] for bucket, seq, _ in rows]
        number = last.number + 1 if last else 1
        prev_hash = last.hash if last else GENESIS
        at = clock.now().replace(microsecond=0)
        root = heads_root(rows)
        digest = _checkpoint_hash(number=number, at=at, heads=heads, root=root, prev_hash=prev_hash)
        return AuditCheckpoint.objects.create(
            number=number,
            at=at,
            heads=heads,
            root=root,
            prev_hash=prev_hash,
            hash=digest,
            key_id=key_id(key.public_key()),
            signature=key.sign(digest.encode()).hex(),
        )


def checkpoint_if_due() -> int:
    """The sweep's job: a checkpoint when the last is CHECKPOINT_EVERY old and a head has moved
    since (1), else nothing (0)."""
    last = AuditCheckpoint.objects.order_by("-number").first()
    if last is not None and clock.now() - last.at < CHECKPOINT_EVERY:
        return 0
    moved = AuditHead.objects.filter(seq__gt=0)
    if last is not None:
        signed = {bucket: seq for bucket, seq in last.heads}
        current = dict(moved.values_list("bucket", "seq"))
        if current == signed:
            return 0
    elif not moved.exists():
        return 0
    write_checkpoint()
    return 1


# ---------------------------------------------------------------- verifying


@dataclass(frozen=True)
class CheckpointReport:
    ok: bool
    checked: int
    broken_at: int | None = None
    reason: str = ""
    last_hash: str = ""


def _event_hashes(heads: Iterable[list[int]]) -> dict[tuple[int, int], str]:
    wanted = [(int(b), int(s)) for b, s in heads]
    found: dict[tuple[int, int], str] = {}
    for start in range(0, len(wanted), LOOKUP_CHUNK):
        query = Q()
        for bucket, seq in wanted[start : start + LOOKUP_CHUNK]:
            query |= Q(bucket=bucket, seq=seq)
        rows = AuditEvent.objects.filter(query).values_list("bucket", "seq", "hash")
        found.update({(b, s): h for b, s, h in rows})
    return found


def verify_checkpoints() -> CheckpointReport:
    """Every checkpoint in order: numbered from 1 without gaps, its hash recomputed, linked to
    the one before, signed by the audit key, no chain gone back since the one before, and its
    root given by the events found at its (bucket, seq)s."""
    rows = AuditCheckpoint.objects.order_by("number").iterator(100)
    public: Ed25519PublicKey | None = None
    prev_hash, expected, checked = GENESIS, 1, 0
    signed: dict[int, int] = {}

    def broken(number: int, what: str) -> CheckpointReport:
        return CheckpointReport(False, checked, number, f"checkpoint #{number} {what}")

    for point in rows:
        if point.number != expected:
            return broken(expected, "is missing")
        if public is None:
            try:
                public = verifying_key()
            except AuditKeyError as exc:
                return CheckpointReport(False, checked, point.number, str(exc))
        heads = [[int(b), int(s)] for b, s in point.heads]
        digest = _checkpoint_hash(
            number=point.number,
            at=point.at,
            heads=heads,
            root=point.root,
            prev_hash=point.prev_hash,
        )
        if digest != point.hash:
            return broken(point.number, "has been altered")
        if point.prev_hash != prev_hash:
            return broken(point.number, "does not follow the one before")
        if point.key_id != key_id(public):
            return broken(point.number, f"is signed by another key ({point.key_id})")
        try:
            public.verify(bytes.fromhex(point.signature), point.hash.encode())
        except (InvalidSignature, ValueError):
            return broken(point.number, "has a signature that does not verify")
        now = {b: s for b, s in heads}
        back = sorted(b for b, s in signed.items() if now.get(b, 0) < s)
        if back:
            return broken(point.number, f"has bucket {back[0]} behind the checkpoint before")
        found = _event_hashes(heads)
        missing = [(b, s) for b, s in heads if (b, s) not in found]
        if missing:
            b, s = missing[0]
            return broken(point.number, f"names event #{s} of bucket {b}, which is missing")
        if heads_root([(b, s, found[(b, s)]) for b, s in heads]) != point.root:
            return broken(point.number, "does not match the events it names")
        prev_hash, expected, checked, signed = point.hash, expected + 1, checked + 1, now
    return CheckpointReport(True, checked, last_hash=prev_hash if checked else "")


@dataclass(frozen=True)
class AuditReport:
    """The whole audit log checked: every chain, then every signed checkpoint. What
    `sscard audit verify`, the console's check and the demo each ask."""

    chains: ChainReport
    checkpoints: CheckpointReport

    @property
    def ok(self) -> bool:
        return self.chains.ok and self.checkpoints.ok

    @property
    def problem(self) -> str:
        """What does not hold, in a sentence ("" when everything holds)."""
        if not self.chains.ok:
            return (
                f"audit chain broken at event #{self.chains.broken_at}: {self.chains.reason} "
                f"({self.chains.checked} events verified before it)"
            )
        if not self.checkpoints.ok:
            return (
                f"audit checkpoints broken at #{self.checkpoints.broken_at}: "
                f"{self.checkpoints.reason} "
                f"({self.checkpoints.checked} checkpoints verified before it)"
            )
        return ""


def verify_audit() -> AuditReport:
    """Every chain of events, and every checkpoint that ties their heads together: an event
    rewritten together with its chain and head is caught by the checkpoints only."""
    return AuditReport(verify_chain(), verify_checkpoints())
