"""SECRET_KEY: where it comes from, and when the service may not start without one.

SECRET_KEY signs sessions and CSRF tokens, keys the HMAC of one-time codes and the check digits
of receipt numbers. A key written in the repository is known to everyone, so it is never used:
the embedded default (a developer's machine, `make run`) generates a random key once under the
var directory and keeps it there; production (not debug, and a host name other than this
machine's) refuses to start unless SECRET_KEY comes from the environment and is not one of the
published keys.

Imported by the settings module, so it imports nothing of Django's apps.
"""

from __future__ import annotations

import contextlib
import ipaddress
import os
import secrets
from pathlib import Path

from django.core.exceptions import ImproperlyConfigured

# Keys that were ever written in this repository: never accepted in production.
PUBLISHED_SECRET_KEYS = frozenset(
    {"sscard-local-development-key-change-me-in-production-0123456789"}
)

KEY_FILE_NAME = "secret_key"
LOCAL_HOST_NAMES = frozenset({"localhost", "testserver"})


class SecretKeyError(ImproperlyConfigured):
    """The settings refuse to load: production without a key of its own."""


def is_local_host(host: str) -> bool:
    """A name under which only this machine answers: localhost, a loopback address."""
    name = host.strip().lower().rstrip(".")
    if name.startswith("[") and name.endswith("]"):
        name = name[1:-1]
    if name in LOCAL_HOST_NAMES or name.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:
        return False


def is_production(*, debug: bool, allowed_hosts: list[str]) -> bool:
    """Serving others: not in debug mode, and reachable under a name that is not local."""
    return not debug and any(not is_local_host(h) for h in allowed_hosts)


def secret_key_for(*, environ_key: str, var_dir: Path, production: bool) -> tuple[str, str]:
    """The key and where it came from ("environment" or "generated")."""
    if environ_key:
        if production and environ_key in PUBLISHED_SECRET_KEYS:
            raise SecretKeyError(
                "SECRET_KEY is the key published in sscard's repository: set a secret one "
                '(e.g. python -c "import secrets; print(secrets.token_urlsafe(50))").'
            )
        return environ_key, "environment"
    if production:
        raise SecretKeyError(
            "SECRET_KEY is not set: production (SSCARD_DEBUG=0 with a non-local host in "
            "ALLOWED_HOSTS) needs its own key, the same for every process."
        )
    return local_secret_key(var_dir), "generated"


def local_secret_key(var_dir: Path) -> str:
    """The key kept in `var_dir/secret_key` (mode 0600), made on first use.

    Two processes starting at once (the web server and the worker) end up with the same key:
    the file is written in full under a temporary name, then linked into place, which fails
    for the second one, who reads the first one's key.
    """
    path = var_dir / KEY_FILE_NAME
    existing = _read_key(path)
    if existing:
        return existing
    var_dir.mkdir(parents=True, exist_ok=True)
    temporary = var_dir / f".{KEY_FILE_NAME}.{os.getpid()}.{secrets.token_hex(4)}"
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(descriptor, "w") as out:
            out.write(secrets.token_urlsafe(50) + "\n")
            out.flush()
            os.fsync(out.fileno())
        with contextlib.suppress(FileExistsError):  # another process was first: keep its key
            os.link(temporary, path)
    finally:
        temporary.unlink(missing_ok=True)
    key = _read_key(path)
    if not key:
        raise SecretKeyError(f"{path} holds no key: remove it to have a new one made.")
    return key


def _read_key(path: Path) -> str:
    try:
        return path.read_text().strip()
    except FileNotFoundError:
        return ""
