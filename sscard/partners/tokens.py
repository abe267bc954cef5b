"""API clients by their bearer tokens, and each server process's memory of the last second's.

Every API request names its client by a token; reading the client costs a database round trip
that is most of what a status lookup's authentication costs (BENCHMARKS.md). A process therefore
remembers the client a token named for at most `REMEMBER_SECONDS`, on a monotonic clock, from
just before the read: a client revoked (or given a new token) by another process is refused
by this one within a second of that commit. The process that revokes or replaces a token
forgets every client at once, so there it is refused at the next request. Only clients in force
are remembered, never a token that named none, and never a citizen's token (read each time).
Each request gets its own instance, built from the remembered values: nothing one request loads
onto its client (the outlet, the bank) is seen by another.
"""

from __future__ import annotations

import functools
import hashlib
from typing import Any

from django.db import DEFAULT_DB_ALIAS, connection

from sscard.common import clock
from sscard.partners.models import ApiClient

CLIENT_TOKEN_PREFIX = "ssk_"
# The longest a revoked or replaced token may still be taken by another server process.
REMEMBER_SECONDS = 1.0
# Beyond this many remembered tokens, the process forgets them all (a bound, never reached by
# the partners' few hundred tokens).
REMEMBER_AT_MOST = 4096

_ATTNAMES = tuple(f.attname for f in ApiClient._meta.concrete_fields)
# token hash -> (monotonic deadline, the client's field values in `_ATTNAMES` order)
_remembered: dict[str, tuple[float, tuple[Any, ...]]] = {}


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


@functools.cache
def _client_by_hash_sql() -> str:
    quote = connection.ops.quote_name
    meta = ApiClient._meta
    return (
        f"SELECT * FROM {quote(meta.db_table)}"
        f" WHERE {quote(meta.get_field('token_hash').column)} = %s"
        f" AND {quote(meta.get_field('revoked_at').column)} IS NULL LIMIT 1"
    )


def client_by_hash(token_hash: str) -> ApiClient | None:
    """The client in force whose token has this hash, read now."""
    # Every API request without a remembered client comes through here: one precomposed
    # statement instead of a queryset compiled per call (BENCHMARKS.md). The outlet and the
    # bank load lazily where needed.
    for client in ApiClient.objects.raw(_client_by_hash_sql(), [token_hash]):
        return client
    return None


def client_for_token(token: str) -> ApiClient | None:
    """The client in force this token names, read now."""
    if not token.startswith(CLIENT_TOKEN_PREFIX):
        return None
    return client_by_hash(hash_token(token))


def recent_client_for_token(token: str) -> ApiClient | None:
    """The client in force this token names, as read at most `REMEMBER_SECONDS` ago."""
    if not token.startswith(CLIENT_TOKEN_PREFIX):
        return None
    token_hash = hash_token(token)
    now = clock.monotonic()
    remembered = _remembered.get(token_hash)
    if remembered is not None and now < remembered[0]:
        return ApiClient.from_db(DEFAULT_DB_ALIAS, _ATTNAMES, remembered[1])
    client = client_by_hash(token_hash)
    if client is None:
        _remembered.pop(token_hash, None)
        return None
    if len(_remembered) >= REMEMBER_AT_MOST:
        _remembered.clear()
    # From before the read: the memory ends at most a second after whatever the read saw.
    _remembered[token_hash] = (now + REMEMBER_SECONDS, tuple(getattr(client, a) for a in _ATTNAMES))
    return client


def forget_clients() -> None:
    """Forget every remembered client: a token was revoked or replaced in this process."""
    _remembered.clear()
