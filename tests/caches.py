"""Emptying the cache between tests without touching another test run's keys.

The SQLite and the PostgreSQL runs of the suite go side by side and may share one Redis
database, each under a key prefix of its own. `cache.clear()` on a Redis cache is FLUSHDB: it
would empty the other run's rate-limit counters in the middle of its test (a fourth code then
goes out where three are allowed). `clear_cache` empties a local cache whole, and of a Redis one
only the keys under the cache's own prefix.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from django.core.cache import caches
from django.core.cache.backends.redis import RedisCache


def clear_cache(alias: str = "default") -> None:
    backend = caches[alias]
    if not isinstance(backend, RedisCache):
        backend.clear()
        return
    if not backend.key_prefix:
        raise RuntimeError("a shared Redis cache in tests needs a KEY_PREFIX of its own")
    client = backend._cache.get_client(write=True)  # type: ignore[attr-defined]  # its redis client
    for key in client.scan_iter(match=f"{backend.key_prefix}:*"):
        client.delete(key)


@contextmanager
def emptied_cache(alias: str = "default") -> Iterator[None]:
    """The cache empty before and after (rate-limit counters outlive a test's database)."""
    clear_cache(alias)
    try:
        yield
    finally:
        clear_cache(alias)
